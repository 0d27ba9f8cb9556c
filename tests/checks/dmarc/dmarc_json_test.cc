#include "checks/dmarc/dmarc_json.h"

#include <gtest/gtest.h>

#include "dns/memory_resolver.h"

namespace mdo::checks::dmarc {
namespace {

TEST(DmarcJsonTest, RendersTheDesignBlock) {
  dns::MemoryResolver resolver;
  resolver.Add("_dmarc.example.com", dns::RecordType::kTxt, "v=DMARC1; p=none");
  nlohmann::json j = ToJson(CheckDmarc(resolver, "example.com", {}));
  EXPECT_EQ(j["status"], "warn");
  EXPECT_EQ(j["record"], "v=DMARC1; p=none");
  EXPECT_EQ(j["source"], "_dmarc.example.com");
  EXPECT_EQ(j["policy"], "none");
  EXPECT_EQ(j["subdomainPolicy"], "none");
  ASSERT_TRUE(j["findings"].is_array());
  ASSERT_GE(j["findings"].size(), 1u);
  EXPECT_TRUE(j["findings"][0].contains("code"));
  EXPECT_TRUE(j["findings"][0].contains("severity"));
  EXPECT_TRUE(j["findings"][0].contains("message"));
  EXPECT_EQ(j["discovery"]["rfc9989"], "_dmarc.example.com");
  EXPECT_EQ(j["discovery"]["foundBy"], (nlohmann::json{"rfc9989", "rfc7489"}));
}

TEST(DmarcJsonTest, MissingSourcesAreNull) {
  dns::MemoryResolver resolver;
  nlohmann::json j = ToJson(CheckDmarc(resolver, "example.com", {}));
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["record"], "");
  EXPECT_TRUE(j["discovery"]["rfc7489"].is_null());
  EXPECT_TRUE(j["discovery"]["foundBy"].empty());
  EXPECT_EQ(j["findings"][0]["code"], "DMARCMissing");
  EXPECT_EQ(j["findings"][0]["severity"], "fail");
}

}  // namespace
}  // namespace mdo::checks::dmarc
