#include "api/manifest.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace mdo::api {
namespace {

TEST(ManifestTest, ReadsEveryMailDomainOfAMultiDocumentStream) {
  const char* yaml = R"(# two domains and something else
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: one, namespace: mail}
spec:
  domain: one.example
  senders: [192.0.2.10, "2001:db8::25"]
  mx: {required: false}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated}
---
---
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata:
  name: two
spec:
  domain: two.example
  checkInterval: 30m
  dkim:
    selectors: [s1]
    minimumKeyBits: 1024
)";
  Result<std::vector<MailDomain>> r = ReadMailDomains(yaml);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "one");
  EXPECT_EQ((*r)[0].spec.senders.size(), 2u);
  EXPECT_FALSE((*r)[0].spec.mx.required);
  EXPECT_EQ((*r)[1].spec.domain, "two.example");
  EXPECT_EQ((*r)[1].spec.check_interval, std::chrono::minutes(30));
  EXPECT_EQ((*r)[1].spec.dkim.minimum_key_bits, 1024);
}

TEST(ManifestTest, ScalarsFollowTheCoreSchema) {
  Result<std::vector<nlohmann::json>> r = YamlDocumentsToJson(
      "a: true\nb: 'true'\nc: 42\nd: \"42\"\ne: 192.0.2.10\nf: ~\ng: 1.5\nh: yes\n"
      "i: -7\nj: .5\nk: 1e3\nl: 1.2.3\nm: 2001:db8::1\nn: 1e\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const nlohmann::json& j = r->at(0);
  EXPECT_EQ(j["a"], true);
  EXPECT_EQ(j["b"], "true");
  EXPECT_EQ(j["c"], 42);
  EXPECT_EQ(j["d"], "42");
  EXPECT_EQ(j["e"], "192.0.2.10");
  EXPECT_TRUE(j["f"].is_null());
  EXPECT_EQ(j["g"], 1.5);
  EXPECT_EQ(j["h"], "yes");  // YAML 1.1 booleans are plain strings in 1.2
  EXPECT_EQ(j["i"], -7);
  EXPECT_EQ(j["j"], 0.5);
  EXPECT_EQ(j["k"], 1000.0);
  EXPECT_EQ(j["l"], "1.2.3");
  EXPECT_EQ(j["m"], "2001:db8::1");
  EXPECT_EQ(j["n"], "1e");
}

TEST(ManifestTest, ErrorsNameTheDocumentAndField) {
  const char* yaml = R"(apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: ok}
spec: {domain: ok.example}
---
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: bad}
spec:
  domain: bad.example
  senders: [192.0.2.1, 300.1.2.3]
)";
  Result<std::vector<MailDomain>> r = ReadMailDomains(yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "document 2: spec.senders[1]: \"300.1.2.3\" is not an IPv4 or IPv6 address");
}

TEST(ManifestTest, BadYamlAndEmptyManifestsAreErrors) {
  Result<std::vector<MailDomain>> bad = ReadMailDomains("spec: [unclosed\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid YAML at line"), std::string::npos);
  EXPECT_FALSE(ReadMailDomains("").ok());
  EXPECT_FALSE(ReadMailDomains("kind: 5\n").ok());
  EXPECT_FALSE(ReadMailDomains("- a\n- b\n").ok());
}

TEST(ManifestTest, AliasBombsAndDeepNestingAreRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
    prev = c;
  }
  EXPECT_FALSE(YamlDocumentsToJson(bomb).ok());
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(YamlDocumentsToJson(deep).ok());
}

TEST(ManifestTest, ListDocumentsContributeTheirItems) {
  const char* yaml = R"(apiVersion: v1
kind: List
items:
  - apiVersion: mailops.dev/v1alpha1
    kind: MailDomain
    metadata: {name: a}
    spec: {domain: a.example}
)";
  Result<std::vector<MailDomain>> r = ReadMailDomains(yaml);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at(0).spec.domain, "a.example");
}

TEST(ManifestTest, ExampleManifestsAreValid) {
  for (const char* name :
       {"maildomain-minimal.yaml", "maildomain-full.yaml", "maildomains-multi.yaml"}) {
    std::ifstream in(std::string(MDO_EXAMPLES_DIR) + "/" + name);
    ASSERT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    Result<std::vector<MailDomain>> r = ReadMailDomains(text.str());
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    EXPECT_FALSE(r->empty()) << name;
  }
}

}  // namespace
}  // namespace mdo::api
