#include "api/maildomain.h"

#include <gtest/gtest.h>

namespace mdo::api {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& spec) {
  Result<MailDomainSpec> r = ParseMailDomainSpec(spec);
  return r.ok() ? "(parsed)" : r.error().message;
}

TEST(MailDomainSpecTest, MinimalSpecGetsEveryDefault) {
  Result<MailDomainSpec> r = ParseMailDomainSpec(json{{"domain", "Example.COM."}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const MailDomainSpec& s = *r;
  EXPECT_EQ(s.domain, "example.com");
  EXPECT_EQ(s.check_interval, std::chrono::hours(1));
  EXPECT_FALSE(s.suspend);
  EXPECT_TRUE(s.senders.empty());
  EXPECT_TRUE(s.spf.enabled);
  EXPECT_FALSE(s.spf.require_hard_fail);
  EXPECT_TRUE(s.dkim.selectors.empty());
  EXPECT_EQ(s.dkim.minimum_key_bits, 2048);
  EXPECT_TRUE(s.dmarc.enabled);
  EXPECT_EQ(s.dmarc.minimum_policy, DmarcPolicy::kNone);
  EXPECT_FALSE(s.dmarc.require_reports);
  EXPECT_TRUE(s.mx.required);
  EXPECT_TRUE(s.reverse_dns.enabled);
  EXPECT_TRUE(s.blacklists.enabled);
  EXPECT_TRUE(s.blacklists.ip_zones.empty());

  json j = ToJson(s);
  EXPECT_EQ(j["checkInterval"], "1h");
  EXPECT_EQ(j["dkim"]["minimumKeyBits"], 2048);
  EXPECT_EQ(j["dmarc"]["minimumPolicy"], "none");
  EXPECT_EQ(j["mx"]["required"], true);
}

TEST(MailDomainSpecTest, FullSpecParses) {
  json spec = json::parse(R"({
    "domain": "example.com", "checkInterval": "1h30m", "suspend": true,
    "senders": ["192.0.2.10", "2001:DB8::25"],
    "spf": {"enabled": true, "requireHardFail": true},
    "dkim": {"selectors": ["s1", "google"], "minimumKeyBits": 1024},
    "dmarc": {"enabled": false, "minimumPolicy": "reject", "requireReports": true},
    "mx": {"required": false}, "reverseDNS": {"enabled": false},
    "blacklists": {"enabled": true, "ipZones": ["BL.test"], "domainZones": ["dbl.test"]}})");
  Result<MailDomainSpec> r = ParseMailDomainSpec(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->check_interval, std::chrono::seconds(5400));
  EXPECT_TRUE(r->suspend);
  ASSERT_EQ(r->senders.size(), 2u);
  EXPECT_EQ(r->senders[1].ToString(), "2001:db8::25");
  EXPECT_TRUE(r->spf.require_hard_fail);
  EXPECT_EQ(r->dkim.selectors, (std::vector<std::string>{"s1", "google"}));
  EXPECT_EQ(r->dkim.minimum_key_bits, 1024);
  EXPECT_FALSE(r->dmarc.enabled);
  EXPECT_EQ(r->dmarc.minimum_policy, DmarcPolicy::kReject);
  EXPECT_TRUE(r->dmarc.require_reports);
  EXPECT_FALSE(r->mx.required);
  EXPECT_FALSE(r->reverse_dns.enabled);
  EXPECT_EQ(r->blacklists.ip_zones, std::vector<std::string>{"bl.test"});
}

TEST(MailDomainSpecTest, ErrorsNameTheFieldPath) {
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"senders", {"192.0.2.1", "300.1.2.3"}}}),
            "spec.senders[1]: \"300.1.2.3\" is not an IPv4 or IPv6 address");
  EXPECT_EQ(ErrorOf(json::object()), "spec.domain: required field is missing");
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"dmarc", {{"minimumPolicy", "strict"}}}}),
            "spec.dmarc.minimumPolicy: \"strict\" is not one of none, quarantine, reject");
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"mx", {{"required", "yes"}}}}),
            "spec.mx.required: expected true or false, got \"yes\"");
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"spf", {{"enable", true}}}}),
            "spec.spf: unknown field \"enable\"");
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"dkim", {{"minimumKeyBits", 512}}}}),
            "spec.dkim.minimumKeyBits: expected an integer from 1024 to 16384, got 512");
  EXPECT_EQ(ErrorOf(json{{"domain", "example.com"}, {"dkim", {{"selectors", {"ok", "bad sel"}}}}}),
            "spec.dkim.selectors[1]: \"bad sel\" is not a DKIM selector (letters, digits, '_' "
            "and '-', dot-separated)");
  EXPECT_NE(ErrorOf(json{{"domain", "example.com"}, {"checkInterval", "30s"}})
                .find("spec.checkInterval: "),
            std::string::npos);
  EXPECT_NE(ErrorOf(json{{"domain", "example.com"}, {"blacklists", {{"ipZones", {"bad zone"}}}}})
                .find("spec.blacklists.ipZones[0]: "),
            std::string::npos);
  EXPECT_NE(ErrorOf(json{{"domain", "exa mple.com"}}).find("spec.domain: "), std::string::npos);
  EXPECT_EQ(ErrorOf(json::array()), "spec: expected an object, got a list");
}

TEST(NormalizeDomainTest, IdnBecomesALabel) {
  Result<std::string> d = NormalizeDomain("bücher.example");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, "xn--bcher-kva.example");
  Result<std::string> upper = NormalizeDomain("BÜCHER.Example.");
  ASSERT_TRUE(upper.ok()) << upper.error().message;
  EXPECT_EQ(*upper, "xn--bcher-kva.example");
}

TEST(NormalizeDomainTest, RejectsInvalidNames) {
  for (const char* bad : {"", ".", "example", "exa mple.com", "-bad.example", "a..example",
                          "under_score.example", "192.0.2.1", "x.example:25"}) {
    EXPECT_FALSE(NormalizeDomain(bad).ok()) << bad;
  }
  EXPECT_FALSE(NormalizeDomain(std::string(64, 'a') + ".example").ok());
  EXPECT_FALSE(NormalizeDomain(std::string(300, 'a')).ok());
  EXPECT_FALSE(NormalizeDomain("\xff\xfe.example").ok());
  EXPECT_TRUE(NormalizeDomain("localhost", 1).ok());
}

TEST(CheckIntervalTest, GoDurationsWithAMinimum) {
  EXPECT_EQ(*ParseCheckInterval("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(*ParseCheckInterval("90m"), std::chrono::seconds(5400));
  EXPECT_EQ(*ParseCheckInterval("1h30m"), std::chrono::seconds(5400));
  EXPECT_EQ(*ParseCheckInterval("1m"), std::chrono::seconds(60));
  EXPECT_FALSE(ParseCheckInterval("59s").ok());
  EXPECT_FALSE(ParseCheckInterval("1d").ok());
  EXPECT_FALSE(ParseCheckInterval("").ok());
  EXPECT_FALSE(ParseCheckInterval("-1h").ok());
}

TEST(MailDomainTest, ParsesObjectAndChecksApiVersionAndKind) {
  json object = json::parse(R"({"apiVersion": "mailops.dev/v1alpha1", "kind": "MailDomain",
    "metadata": {"name": "example-com", "namespace": "mail"}, "spec": {"domain": "example.com"}})");
  Result<MailDomain> md = ParseMailDomain(object);
  ASSERT_TRUE(md.ok()) << md.error().message;
  EXPECT_EQ(md->name, "example-com");
  EXPECT_EQ(md->namespace_name, "mail");
  EXPECT_EQ(md->spec.domain, "example.com");

  object["apiVersion"] = "mailops.dev/v1";
  EXPECT_FALSE(ParseMailDomain(object).ok());
  object["apiVersion"] = 5;
  EXPECT_FALSE(ParseMailDomain(object).ok());
  object["apiVersion"] = "mailops.dev/v1alpha1";
  object["metadata"] = "x";
  EXPECT_FALSE(ParseMailDomain(object).ok());
  object.erase("metadata");
  ASSERT_TRUE(ParseMailDomain(object).ok());
  EXPECT_EQ(ParseMailDomain(object)->name, "example.com");
  object.erase("spec");
  EXPECT_EQ(ParseMailDomain(object).error().message, "spec: required field is missing");
}

}  // namespace
}  // namespace mdo::api
