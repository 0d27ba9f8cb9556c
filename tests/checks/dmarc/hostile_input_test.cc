// Hostile TXT records never crash the DMARC parser, and discovery/report verification stay
// bounded whatever the records say.
#include <gtest/gtest.h>

#include <random>

#include "checks/dmarc/dmarc_check.h"
#include "checks/dmarc/record.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::dmarc {
namespace {

std::string RandomRecord(std::mt19937& rng) {
  static const char* kFragments[] = {"v=DMARC1", ";",       " ",     "p=reject", "p=",  "sp=none",
                                     "rua=",     "mailto:", "a@b.c", ",",        "!",   "10m",
                                     "pct=",     "50",      "fo=",   "0:1",      "%",   "\t",
                                     "=",        "ri=",     "99999", "psd=y",    "t=y", "x_y="};
  std::string out;
  std::uniform_int_distribution<int> count(0, 40);
  std::uniform_int_distribution<int> pick(0, 24);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = count(rng); i > 0; --i) {
    int p = pick(rng);
    out += p == 24 ? std::string(1, static_cast<char>(byte(rng))) : kFragments[p];
  }
  return out;
}

TEST(DmarcHostileInputTest, RandomRecordsNeverCrashTheParserOrTheCheck) {
  std::mt19937 rng(20261128);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string record = RandomRecord(rng);
    auto r = ParseDmarcRecord(record);
    if (r.ok()) {
      ++parsed;
    } else {
      EXPECT_LE(r.error().position, record.size()) << record;
    }
    (void)ClassifyRecord(record);
    if (i % 20 == 0) {
      dns::MemoryResolver resolver;
      resolver.Add("_dmarc.example.com", dns::RecordType::kTxt, record);
      DmarcCheckResult result = CheckDmarc(resolver, "example.com", {});
      EXPECT_FALSE(result.findings.empty() && result.status != checks::CheckStatus::kPass);
      EXPECT_LE(resolver.query_count(), 2u + 8u + 1u);
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(DmarcHostileInputTest, AbsurdDomainNamesAreRejectedWithoutQueries) {
  dns::MemoryResolver resolver;
  DmarcCheckResult r = CheckDmarc(resolver, std::string(300, 'a'), {});
  EXPECT_EQ(r.status, checks::CheckStatus::kFail);
  EXPECT_EQ(resolver.query_count(), 0u);
  DmarcCheckResult empty = CheckDmarc(resolver, "", {});
  EXPECT_EQ(empty.status, checks::CheckStatus::kFail);
}

}  // namespace
}  // namespace mdo::checks::dmarc
