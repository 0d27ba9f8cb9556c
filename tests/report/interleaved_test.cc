#include "report/interleaved.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/fiber.h"
#include "dns/memory_resolver.h"
#include "local_options.h"
#include "report/report_json.h"

namespace mdo::report {
namespace {

using dns::MemoryResolver;
using dns::RecordType;

// A fleet whose domains differ in how many rounds of questions their checks take: SPF through a
// shared include or not, DMARC present or missing, one or two MX hosts, one failing lookup.
void AddFleet(MemoryResolver& r, int domains) {
  r.Add("_spf.provider.test", RecordType::kTxt, "v=spf1 ip4:198.51.100.0/24 -all");
  r.Add("mx.provider.test", RecordType::kA, "198.51.100.25");
  r.Add("25.100.51.198.in-addr.arpa", RecordType::kPtr, "mx.provider.test");
  r.Add("2.0.0.127.bl.test", RecordType::kA, "127.0.0.2");
  r.Add("test.dbl.test", RecordType::kA, "127.0.0.2");
  for (int i = 0; i < domains; ++i) {
    const std::string d = "d" + std::to_string(i) + ".test";
    if (i % 3 == 0) {
      r.Add(d, RecordType::kTxt, "v=spf1 include:_spf.provider.test -all");
    } else {
      r.Add(d, RecordType::kTxt, "v=spf1 ip4:192.0.2." + std::to_string(i % 250) + " ~all");
    }
    if (i % 4 != 0) r.Add("_dmarc." + d, RecordType::kTxt, "v=DMARC1; p=quarantine");
    r.AddMx(d, 10, "mx.provider.test");
    if (i % 2 == 0) {
      r.AddMx(d, 20, "mx2." + d);
      r.Add("mx2." + d, RecordType::kA, "192.0.2." + std::to_string(i % 250));
    }
    if (i % 7 == 0) r.SetOutcome("s1._domainkey." + d, RecordType::kTxt, dns::Outcome::kServFail);
  }
}

std::vector<api::MailDomainSpec> Specs(int domains) {
  std::vector<api::MailDomainSpec> specs;
  for (int i = 0; i < domains; ++i) {
    api::MailDomainSpec spec;
    spec.domain = "d" + std::to_string(i) + ".test";
    spec.senders = {*net::IpAddress::Parse("198.51.100." + std::to_string(1 + i % 200))};
    spec.dkim.selectors = {"s1"};
    specs.push_back(std::move(spec));
  }
  return specs;
}

// Counts the batches that reach it; with `while_waiting`, first does the thread's other work
// each batch, as the wire resolver does while its answers are on their way.
class BatchCounter : public dns::Resolver {
 public:
  BatchCounter(dns::Resolver& next, bool while_waiting)
      : next_(next), while_waiting_(while_waiting) {}
  void Query(std::string_view name, RecordType type, Callback done) override {
    next_.Query(name, type, std::move(done));
  }
  dns::Answer Resolve(std::string_view name, RecordType type) override {
    const dns::Question question{name, type};
    return std::move(ResolveAll(std::span(&question, 1)).front());
  }
  std::vector<dns::Answer> ResolveAll(std::span<const dns::Question> questions) override {
    ++batches;
    // Copied first: the work may not touch the questions of the batch in hand.
    std::vector<std::pair<std::string, RecordType>> asked;
    for (const dns::Question& q : questions) asked.emplace_back(q.name, q.type);
    if (while_waiting_) {
      while (dns::WhileWaiting::Run()) ++work_done;
    }
    std::vector<dns::Question> again;
    for (const auto& [name, type] : asked) again.push_back({name, type});
    return next_.ResolveAll(again);
  }
  int batches = 0;
  int work_done = 0;

 private:
  dns::Resolver& next_;
  bool while_waiting_;
};

std::map<std::string, std::string> Alone(const std::vector<api::MailDomainSpec>& specs,
                                         int* batches) {
  MemoryResolver memory;
  AddFleet(memory, static_cast<int>(specs.size()));
  BatchCounter counter(memory, false);
  checks::blacklists::ProbeCache cache;
  std::map<std::string, std::string> reports;
  for (const api::MailDomainSpec& spec : specs) {
    reports[spec.domain] = DumpJson(ToJson(RunChecks(counter, spec, LocalOptions(cache))));
  }
  *batches = counter.batches;
  return reports;
}

struct Interleaved {
  std::map<std::string, std::string> reports;
  int reported = 0;  // calls of `done`
  int batches = 0;
  int work_done = 0;
};

Interleaved Together(const std::vector<api::MailDomainSpec>& specs, std::size_t in_flight,
                     bool while_waiting, std::size_t min_batch = 8) {
  MemoryResolver memory;
  AddFleet(memory, static_cast<int>(specs.size()));
  BatchCounter counter(memory, while_waiting);
  checks::blacklists::ProbeCache cache;
  Interleaved out;
  std::size_t next = 0;
  dns::InterleaverOptions interleaved;
  interleaved.in_flight = in_flight;
  interleaved.min_batch = min_batch;
  RunChecksInterleaved(
      counter,
      [&]() -> const api::MailDomainSpec* {
        EXPECT_FALSE(Fiber::Inside());
        return next < specs.size() ? &specs[next++] : nullptr;
      },
      LocalOptions(cache), interleaved,
      [&](const api::MailDomainSpec& spec, DomainReport report) {
        EXPECT_FALSE(Fiber::Inside());
        ++out.reported;
        out.reports[spec.domain] = DumpJson(ToJson(report));
      });
  out.batches = counter.batches;
  out.work_done = counter.work_done;
  return out;
}

TEST(InterleavedTest, ReportsAreTheOnesEachDomainGetsAlone) {
  const auto specs = Specs(40);
  int alone_batches = 0;
  const auto alone = Alone(specs, &alone_batches);
  ASSERT_EQ(alone.size(), 40u);
  for (std::size_t in_flight : {1u, 7u, 64u}) {
    Interleaved together = Together(specs, in_flight, /*while_waiting=*/false);
    EXPECT_EQ(together.reported, 40) << in_flight;
    EXPECT_EQ(together.reports, alone) << in_flight;
  }
}

TEST(InterleavedTest, DomainsInFlightShareTheirBatches) {
  const auto specs = Specs(40);
  int alone_batches = 0;
  Alone(specs, &alone_batches);
  // Every domain runs before a batch goes out (min_batch beyond the fleet's questions).
  Interleaved together = Together(specs, 40, /*while_waiting=*/false, /*min_batch=*/100000);
  // Each domain alone takes several dependent rounds; together, one round serves them all.
  EXPECT_GE(alone_batches, 40 * 4);
  EXPECT_LE(together.batches * 4, alone_batches) << together.batches;
  // One at a time, as many batches as alone.
  EXPECT_EQ(Together(specs, 1, false).batches, alone_batches);
}

TEST(InterleavedTest, DomainsRunWhileABatchWaitsAndTheirQuestionsMakeTheNextBatch) {
  const auto specs = Specs(40);
  int alone_batches = 0;
  const auto alone = Alone(specs, &alone_batches);
  Interleaved together = Together(specs, 16, /*while_waiting=*/true);
  EXPECT_GT(together.work_done, 0);
  EXPECT_LT(together.batches * 2, alone_batches) << together.batches;
  EXPECT_EQ(together.reported, 40);
  EXPECT_EQ(together.reports, alone);
}

}  // namespace
}  // namespace mdo::report
