#include "checks/dkim/dkim_json.h"

#include <gtest/gtest.h>

namespace mdo::checks::dkim {
namespace {

TEST(DkimJsonTest, RendersTheDesignBlock) {
  DkimCheckResult result;
  result.status = checks::CheckStatus::kWarn;
  DkimSelectorResult& s = result.selectors.emplace_back();
  s.selector = "s1";
  s.status = checks::CheckStatus::kWarn;
  s.key_type = "rsa";
  s.key_bits = 1024;
  s.name = "s1._domainkey.example.com";
  s.findings.push_back({"DKIMKeyWeak", checks::Severity::kWarn, "weak"});
  nlohmann::json j = ToJson(result);
  EXPECT_EQ(j["status"], "warn");
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_TRUE(j["findings"].empty());
  ASSERT_EQ(j["selectors"].size(), 1u);
  const nlohmann::json& sel = j["selectors"][0];
  EXPECT_EQ(sel["selector"], "s1");
  EXPECT_EQ(sel["status"], "warn");
  EXPECT_EQ(sel["keyType"], "rsa");
  EXPECT_EQ(sel["keyBits"], 1024);
  EXPECT_FALSE(sel.contains("cnameChain"));
  EXPECT_EQ(sel["findings"][0],
            (nlohmann::json{{"code", "DKIMKeyWeak"}, {"severity", "warn"}, {"message", "weak"}}));
}

TEST(DkimJsonTest, AddsTheCnameChainWhenDelegated) {
  DkimCheckResult result;
  result.selectors.emplace_back().cname_chain = {"a.example", "b.example"};
  nlohmann::json j = ToJson(result);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["selectors"][0]["cnameChain"], (nlohmann::json{"a.example", "b.example"}));
}

}  // namespace
}  // namespace mdo::checks::dkim
