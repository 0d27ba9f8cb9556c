// Pure parts of kube-testserver: JSONPath, selectors, patches, schema, durations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testserver/json_path.h"
#include "testserver/patch.h"
#include "testserver/protobuf.h"
#include "testserver/schema.h"
#include "testserver/selectors.h"
#include "testserver/table.h"
#include "testserver/yaml_json.h"

namespace mdo::testserver {
namespace {

using nlohmann::json;

TEST(KtsJsonPathTest, FilterSelectsTheReadyCondition) {
  auto path = ParseJsonPath(R"(.status.conditions[?(@.type=="Ready")].status)");
  ASSERT_TRUE(path.ok()) << path.error().message;
  json object = {
      {"status",
       {{"conditions",
         {{{"type", "SPFValid"}, {"status", "False"}}, {{"type", "Ready"}, {"status", "True"}}}}}}};
  auto results = EvaluateJsonPath(*path, object);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0], "True");
}

TEST(KtsJsonPathTest, MissingKeysGiveNoResultAndBadSyntaxIsAnError) {
  auto path = ParseJsonPath("{.spec.domain}");
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(EvaluateJsonPath(*path, json::object()).empty());
  EXPECT_EQ(EvaluateJsonPath(*path, {{"spec", {{"domain", "a.test"}}}})[0], "a.test");
  EXPECT_FALSE(ParseJsonPath(".a[?(@.x~1)]").ok());
  EXPECT_FALSE(ParseJsonPath(".a[").ok());
  EXPECT_FALSE(ParseJsonPath("..a").ok());
}

TEST(KtsSelectorTest, LabelSelectorOperators) {
  auto sel = ParseLabelSelector("app=web, tier in (front,back),!legacy,env!=prod");
  ASSERT_TRUE(sel.ok()) << sel.error().message;
  EXPECT_TRUE(MatchesLabels(*sel, {{"app", "web"}, {"tier", "front"}, {"env", "dev"}}));
  EXPECT_FALSE(MatchesLabels(*sel, {{"app", "web"}, {"tier", "front"}, {"env", "prod"}}));
  EXPECT_FALSE(MatchesLabels(*sel, {{"app", "web"}, {"tier", "front"}, {"legacy", "1"}}));
  EXPECT_FALSE(MatchesLabels(*sel, {{"app", "web"}, {"tier", "middle"}}));
  EXPECT_FALSE(ParseLabelSelector("a in b").ok());
  EXPECT_FALSE(ParseLabelSelector("a=b c").ok());
}

TEST(KtsSelectorTest, FieldSelectorOnNestedFields) {
  auto sel = ParseFieldSelector("involvedObject.kind=MailDomain,involvedObject.name!=x");
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(MatchesFields(*sel, {{"involvedObject", {{"kind", "MailDomain"}, {"name", "y"}}}}));
  EXPECT_FALSE(MatchesFields(*sel, {{"involvedObject", {{"kind", "MailDomain"}, {"name", "x"}}}}));
  EXPECT_FALSE(ParseFieldSelector("nonsense").ok());
}

TEST(KtsPatchTest, MergePatchRemovesNullsAndReplacesLists) {
  json out = ApplyMergePatch({{"a", 1}, {"b", {1, 2}}, {"c", {{"d", 1}}}},
                             {{"a", nullptr}, {"b", {3}}, {"c", {{"e", 2}}}});
  EXPECT_EQ(out, json({{"b", {3}}, {"c", {{"d", 1}, {"e", 2}}}}));
}

TEST(KtsPatchTest, JsonPatchTestFailureIsAnError) {
  json target = {{"a", 1}};
  EXPECT_FALSE(
      ApplyJsonPatch(target, json::parse(R"([{"op":"test","path":"/a","value":2}])")).ok());
  auto ok = ApplyJsonPatch(target, json::parse(R"([{"op":"replace","path":"/a","value":2}])"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"], 2);
  EXPECT_FALSE(ApplyJsonPatch(target, json::object()).ok());
}

TEST(KtsPatchTest, StrategicMergeMergesContainersByName) {
  json live = json::parse(
      R"({"spec":{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y"}]}})");
  json patch = json::parse(
      R"({"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"a","image":"x:2"},{"name":"b","$patch":"delete"}]}})");
  json out = ApplyStrategicMergePatch(live, patch);
  ASSERT_EQ(out["spec"]["containers"].size(), 1u);
  EXPECT_EQ(out["spec"]["containers"][0]["image"], "x:2");
}

TEST(KtsPatchTest, ServerSideApplyDropsFieldsNoLongerApplied) {
  json live = {{"spec", {{"a", 1}, {"b", 2}, {"other", 3}}}};
  json previous = {{"spec", {{"a", 1}, {"b", 2}}}};
  json applied = {{"spec", {{"a", 5}}}};
  json out = ApplyServerSideApply(live, applied, previous);
  EXPECT_EQ(out, json({{"spec", {{"a", 5}, {"other", 3}}}}));
}

json MailDomainSchema() {
  return json::parse(R"({
    "type":"object","required":["spec"],
    "properties":{
      "metadata":{"type":"object"},
      "spec":{"type":"object","required":["domain"],"properties":{
        "domain":{"type":"string","minLength":1,"maxLength":10,"pattern":"^[a-z.]+$"},
        "checkInterval":{"type":"string","default":"1h"},
        "senders":{"type":"array","maxItems":2,"items":{"type":"string"}},
        "dmarc":{"type":"object","default":{},"properties":{
          "minimumPolicy":{"type":"string","default":"none","enum":["none","quarantine","reject"]}}},
        "dkim":{"type":"object","properties":{
          "minimumKeyBits":{"type":"integer","minimum":1024,"maximum":16384}}},
        "port":{"x-kubernetes-int-or-string":true}}},
      "status":{"type":"object","properties":{"mx":{"type":"object",
        "x-kubernetes-preserve-unknown-fields":true}}}}})");
}

TEST(KtsSchemaTest, DefaultsFillNestedObjects) {
  json object = {{"metadata", {{"name", "x"}}}, {"spec", {{"domain", "a.test"}}}};
  ApplySchemaDefaults(object, MailDomainSchema());
  EXPECT_EQ(object["spec"]["checkInterval"], "1h");
  EXPECT_EQ(object["spec"]["dmarc"]["minimumPolicy"], "none");
  EXPECT_FALSE(object["spec"].contains("dkim"));
  EXPECT_FALSE(object["metadata"].contains("checkInterval"));
}

TEST(KtsSchemaTest, PruneKeepsPreservedAndMetadata) {
  json object = {{"metadata", {{"name", "x"}, {"labels", {{"a", "b"}}}}},
                 {"spec", {{"domain", "a"}, {"bogus", 1}}},
                 {"status", {{"mx", {{"anything", {1, 2}}}}, {"junk", true}}}};
  auto pruned = PruneUnknownFields(object, MailDomainSchema());
  EXPECT_EQ(pruned, (std::vector<std::string>{".spec.bogus", ".status.junk"}));
  EXPECT_TRUE(object["status"]["mx"].contains("anything"));
  EXPECT_TRUE(object["metadata"].contains("labels"));
}

TEST(KtsSchemaTest, ValidationMessagesFollowKubeApiserver) {
  json object = {{"spec",
                  {{"domain", "BAD DOMAIN!!"},
                   {"senders", {"a", "b", "c"}},
                   {"dmarc", {{"minimumPolicy", "bogus"}}},
                   {"dkim", {{"minimumKeyBits", 10}}},
                   {"port", true}}}};
  auto errors = ValidateAgainstSchema(object, MailDomainSchema());
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.push_back(e.Message());
  EXPECT_THAT(messages, ::testing::UnorderedElementsAre(
                            "spec.domain: Too long: may not be more than 10 bytes",
                            "spec.domain: Invalid value: \"BAD DOMAIN!!\": spec.domain in body "
                            "should match '^[a-z.]+$'",
                            "spec.senders: Too many: 3: must have at most 2 items",
                            "spec.dmarc.minimumPolicy: Unsupported value: \"bogus\": supported "
                            "values: \"none\", \"quarantine\", \"reject\"",
                            "spec.dkim.minimumKeyBits: Invalid value: 10: spec.dkim.minimumKeyBits "
                            "in body should be greater than or equal to 1024",
                            "spec.port: Invalid value: \"boolean\": spec.port in body must be of "
                            "type integer-or-string: \"boolean\""));
  auto missing = ValidateAgainstSchema(json{{"spec", json::object()}}, MailDomainSchema());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].Message(), "spec.domain: Required value");
  EXPECT_EQ(missing[0].reason, "FieldValueRequired");
}

TEST(KtsSchemaTest, HostileDepthAndSizeStayBounded) {
  json deep = json::object();
  json* cur = &deep;
  for (int i = 0; i < 5000; ++i) cur = &((*cur)["x"] = json::object());
  json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  EXPECT_TRUE(ValidateAgainstSchema(deep, schema).empty());
  json big = {{"spec", {{"domain", std::string(1 << 20, 'a')}}}};
  EXPECT_FALSE(ValidateAgainstSchema(big, MailDomainSchema()).empty());
}

TEST(KtsTableTest, HumanDurationMatchesApimachinery) {
  EXPECT_EQ(HumanDuration(5), "5s");
  EXPECT_EQ(HumanDuration(119), "119s");
  EXPECT_EQ(HumanDuration(200), "3m20s");
  EXPECT_EQ(HumanDuration(3600 * 5 + 60), "5h1m");
  EXPECT_EQ(HumanDuration(3600 * 24 * 3), "3d");
  EXPECT_EQ(ParseTimestamp("1970-01-02T00:00:00Z"), 86400);
  EXPECT_EQ(ParseTimestamp("garbage"), -1);
}

TEST(KtsYamlJsonTest, ScalarsResolveLikeKubectl) {
  auto value = YamlToJson("a: 1\nb: true\nc: '1'\nd: ~\ne: 1.5\nf: [x, 2]\n");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, json::parse(R"({"a":1,"b":true,"c":"1","d":null,"e":1.5,"f":["x",2]})"));
  EXPECT_FALSE(YamlToJson("a: [").ok());
  auto docs = YamlDocumentsToJson("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->size(), 2u);
}

}  // namespace
}  // namespace mdo::testserver

namespace mdo::testserver {
namespace {

TEST(KtsProtobufTest, HostileBodiesAreErrorsNotCrashes) {
  EXPECT_FALSE(DecodeKubernetesProtobuf("").ok());
  EXPECT_FALSE(DecodeKubernetesProtobuf(std::string("k8s\0\x0a\xff\xff\xff\xff\x0f", 10)).ok());
  EXPECT_FALSE(DecodeKubernetesProtobuf(std::string("k8s\0\x12\x05"
                                                    "ab",
                                                    8))
                   .ok());
  std::string garbage("k8s\0", 4);
  for (int i = 0; i < 1000; ++i) garbage += static_cast<char>((i * 37) & 0xff);
  EXPECT_FALSE(DecodeKubernetesProtobuf(garbage).ok());
}

TEST(KtsProtobufTest, DecodesASecret) {
  // TypeMeta{apiVersion: v1, kind: Secret}; Secret{metadata{name: s}, data{k: "v"}, type: t}.
  std::string type_meta = std::string("\x0a\x02v1\x12\x06Secret", 12);
  std::string meta = std::string("\x0a\x01s", 3);
  std::string entry = std::string("\x0a\x01k\x12\x01v", 6);
  std::string secret = "\x0a" + std::string(1, static_cast<char>(meta.size())) + meta + "\x12" +
                       std::string(1, static_cast<char>(entry.size())) + entry + "\x1a\x01t";
  std::string body = std::string("k8s\0", 4) + "\x0a" +
                     std::string(1, static_cast<char>(type_meta.size())) + type_meta + "\x12" +
                     std::string(1, static_cast<char>(secret.size())) + secret;
  auto decoded = DecodeKubernetesProtobuf(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ((*decoded)["kind"], "Secret");
  EXPECT_EQ((*decoded)["metadata"]["name"], "s");
  EXPECT_EQ((*decoded)["data"]["k"], "dg==");
  EXPECT_EQ((*decoded)["type"], "t");
}

}  // namespace
}  // namespace mdo::testserver
