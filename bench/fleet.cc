// A full check pass over a generated fleet: RunChecks() for every domain of --domains (lines of
// "domain sender-ip sender-ip ..."), --workers domains at a time (the operator's --workers),
// all over one shared resolver stack as the operator builds it. Prints wall time, questions,
// queries on the wire, CPU and peak RSS. --dump-questions makes it a recording pass: it also
// counts the unique questions and writes them in dnsperf's format, so dnsperf can time the
// server on exactly that mix (bench/run.sh records once, untimed, then times passes without).
//   mdo-bench-fleet --server 127.0.0.1:5300 --domains domains.txt --selectors s1,s2
//       --ip-zones a,b --domain-zones c,d [--workers 4] [--in-flight 16]
//       [--dump-questions FILE] [--check-threads N]
// --in-flight N keeps N domains in flight per worker, their questions sent together
// (report::RunChecksInterleaved, as the operator's --domains-per-worker); 1: one at a time.
// --check-threads N runs SPF beside the other checks on a pool of N threads, as the CLI does
// (default: none, every check of a domain on its worker, as the operator does).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "api/maildomain.h"
#include "bench_util.h"
#include "dns/make_resolver.h"
#include "report/check_pool.h"
#include "report/domain_report.h"
#include "report/interleaved.h"

namespace mdo::bench {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// Remembers every distinct question asked through it, then passes it on. Sharded by the
// question's hash so the checking threads rarely meet on one lock. Not part of the operator: it
// runs only in the recording pass (--dump-questions), never in a timed one.
class QuestionRecorder : public dns::Resolver {
 public:
  explicit QuestionRecorder(dns::Resolver& next) : next_(next) {}

  void Query(std::string_view name, dns::RecordType type, Callback done) override {
    Record(name, type);
    next_.Query(name, type, std::move(done));
  }
  // As in the operator's stack, a caller that waits takes the next resolver's Resolve.
  dns::Answer Resolve(std::string_view name, dns::RecordType type) override {
    Record(name, type);
    return next_.Resolve(name, type);
  }
  std::vector<dns::Answer> ResolveAll(std::span<const dns::Question> questions) override {
    for (const dns::Question& question : questions) Record(question.name, question.type);
    return next_.ResolveAll(questions);
  }

  std::size_t unique() const {
    std::size_t n = 0;
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      n += shard.unique.size();
    }
    return n;
  }
  void Dump(const std::string& path) const {
    std::ofstream out(path);
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      for (const auto& question : shard.unique) out << question << '\n';
    }
  }

 private:
  void Record(std::string_view name, dns::RecordType type) {
    std::string key(name);
    if (!key.empty() && key.back() == '.') key.pop_back();
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    key += ' ';
    key += dns::ToString(type);
    const std::size_t hash = std::hash<std::string>()(key);
    Shard& shard = shards_[hash % kShards];
    std::lock_guard lock(shard.mu);
    shard.unique.insert(std::move(key));
  }

  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_set<std::string> unique;
  };
  dns::Resolver& next_;
  std::array<Shard, kShards> shards_;
};

int Main(int argc, char** argv) {
  Flags flags(argc, argv);
  auto server = flags.Get("server");
  if (server.empty()) Die("--server HOST:PORT is required");
  auto selectors = SplitCommas(flags.Get("selectors", "s1,s2"));
  auto ip_zones = SplitCommas(flags.Get("ip-zones"));
  auto domain_zones = SplitCommas(flags.Get("domain-zones"));
  int workers = static_cast<int>(flags.GetInt("workers", 4));
  dns::InterleaverOptions interleaved;
  interleaved.in_flight = static_cast<std::size_t>(flags.GetInt("in-flight", 16));
  interleaved.min_batch = static_cast<std::size_t>(flags.GetInt("min-batch", 64));

  std::vector<api::MailDomainSpec> specs;
  std::ifstream in(flags.Get("domains"));
  if (!in) Die("cannot read --domains");
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    api::MailDomainSpec spec;
    if (!(fields >> spec.domain)) continue;
    std::string ip;
    while (fields >> ip) {
      auto address = net::IpAddress::Parse(ip);
      if (!address) Die("bad sender " + ip);
      spec.senders.push_back(*address);
    }
    spec.dkim.selectors = selectors;
    spec.blacklists.ip_zones = ip_zones;
    spec.blacklists.domain_zones = domain_zones;
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) Die("no domains");

  dns::ResolverOptions options;
  options.servers = {server};
  // The default bound (200,000 entries) is below a 10,000-domain fleet's unique questions;
  // the operator's --dns-cache-entries would be sized to the fleet the same way.
  options.cache.max_entries = static_cast<std::size_t>(flags.GetInt("cache-entries", 0));
  auto cache = dns::MakeResolver(options);
  if (!cache.ok()) Die(cache.error().message);
  // The recorder only in the recording pass: its string keys and locks cost ~5% of a pass's CPU.
  const std::string dump = flags.Get("dump-questions");
  std::optional<QuestionRecorder> recorder;
  if (!dump.empty()) recorder.emplace(**cache);
  dns::Resolver& resolver = recorder ? static_cast<dns::Resolver&>(*recorder) : **cache;

  report::ReportOptions report_options;
  std::unique_ptr<report::CheckPool> pool;
  if (!flags.Get("check-threads").empty()) {
    pool = std::make_unique<report::CheckPool>(
        static_cast<std::size_t>(flags.GetInt("check-threads", 16)));
    report_options.pool = pool.get();
  }
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::map<std::string, std::uint64_t> statuses;  // "spf:pass" -> count

  double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      std::map<std::string, std::uint64_t> local;
      auto tally = [&local](const report::DomainReport& report) {
        ++local[std::string("domain:") + std::string(checks::ToString(report.status))];
        for (const auto& [kind, block] : report.checks) {
          ++local[std::string(report::ToString(kind)) + ":" +
                  std::string(checks::ToString(block.status))];
          for (const auto& finding : block.findings) ++local["finding:" + finding.code];
        }
      };
      if (interleaved.in_flight > 1) {
        report::RunChecksInterleaved(
            resolver,
            [&]() -> const api::MailDomainSpec* {
              const std::size_t i = next++;
              return i < specs.size() ? &specs[i] : nullptr;
            },
            report_options, interleaved,
            [&](const api::MailDomainSpec&, report::DomainReport report) { tally(report); });
      } else {
        for (std::size_t i = next++; i < specs.size(); i = next++) {
          tally(report::RunChecks(resolver, specs[i], report_options));
        }
      }
      std::lock_guard lock(mu);
      for (const auto& [key, n] : local) statuses[key] += n;
    });
  }
  for (auto& thread : threads) thread.join();
  double wall = SecondsSince(start);
  double cpu = CpuSeconds() - cpu_start;

  auto stats = (*cache)->stats();
  auto n = static_cast<double>(specs.size());
  std::printf("domains=%zu\nworkers=%d\nin_flight=%zu\nwall_s=%.3f\n", specs.size(), workers,
              interleaved.in_flight, wall);
  std::printf("questions=%llu\nupstream_queries=%llu\n",
              static_cast<unsigned long long>(stats.queries),
              static_cast<unsigned long long>(stats.upstream_queries));
  if (recorder) std::printf("unique_questions=%zu\n", recorder->unique());
  std::printf("cache_hits=%llu\ndeduplicated=%llu\n",
              static_cast<unsigned long long>(stats.cache_hits),
              static_cast<unsigned long long>(stats.deduplicated));
  std::printf("queries_per_domain=%.2f\ncpu_s=%.3f\ncpu_ms_per_domain=%.3f\npeak_rss_mib=%.1f\n",
              static_cast<double>(stats.upstream_queries) / n, cpu, cpu * 1000.0 / n, PeakRssMiB());
  std::uint64_t failures = 0;
  for (const auto& [key, count] : stats.answers) {
    if (dns::IsFailure(key.second)) failures += count;
  }
  std::printf("failed_answers=%llu\n", static_cast<unsigned long long>(failures));
  for (const auto& [key, count] : statuses) {
    std::printf("status %s=%llu\n", key.c_str(), static_cast<unsigned long long>(count));
  }
  if (recorder) recorder->Dump(dump);
  return 0;
}

}  // namespace
}  // namespace mdo::bench

int main(int argc, char** argv) { return mdo::bench::Main(argc, argv); }
