#include "kube/watch_decoder.h"

#include <gtest/gtest.h>

namespace mdo::kube {
namespace {

TEST(WatchDecoderTest, ReassemblesLinesSplitAcrossChunks) {
  std::string stream =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})"
      "\n"
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})"
      "\n"
      R"({"type":"DELETED","object":{"metadata":{"name":"a"}}})"
      "\n";
  // Every split point must give the same events.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(0, cut), events).ok());
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(cut), events).ok());
    ASSERT_TRUE(decoder.Finish(events).ok());
    ASSERT_EQ(events.size(), 3u) << cut;
    EXPECT_EQ(events[0].type, WatchEvent::Type::kAdded);
    EXPECT_EQ(MetaString(events[0].object, "name"), "a");
    EXPECT_EQ(events[1].type, WatchEvent::Type::kBookmark);
    EXPECT_EQ(MetaString(events[1].object, "resourceVersion"), "9");
    EXPECT_EQ(events[2].type, WatchEvent::Type::kDeleted);
  }
}

TEST(WatchDecoderTest, FinalLineWithoutNewlineAndBlankLines) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed("\n\r\n{\"type\":\"MODIFIED\",\"object\":{}}", events).ok());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(decoder.Finish(events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kModified);
}

TEST(WatchDecoderTest, ErrorEventCarriesStatus) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder
                  .Feed(R"({"type":"ERROR","object":{"kind":"Status","code":410,)"
                        R"("reason":"Expired","message":"too old resource version"}})"
                        "\n",
                        events)
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kError);
  ApiError e = ErrorFromStatus(events[0].object);
  EXPECT_TRUE(e.IsGone());
  EXPECT_EQ(e.message, "too old resource version");
}

TEST(WatchDecoderTest, RejectsGarbageAndOverlongLines) {
  for (const char* bad :
       {"not json\n", "[1,2]\n", "{\"type\":\"ADDED\"}\n",
        "{\"type\":\"EXPLODED\",\"object\":{}}\n", "{\"type\":\"ADDED\",\"object\":\"str\"}\n"}) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    EXPECT_FALSE(decoder.Feed(bad, events).ok()) << bad;
  }
  WatchDecoder small(16);
  std::vector<WatchEvent> events;
  EXPECT_FALSE(small.Feed(std::string(10, 'x'), events).ok() &&
               small.Feed(std::string(10, 'x'), events).ok());
}

TEST(ApiErrorTest, FromStatusBodyAndFromPlainBody) {
  ApiError conflict = ErrorFromResponse(
      409,
      R"({"kind":"Status","status":"Failure","reason":"Conflict","message":"stale","code":409})");
  EXPECT_TRUE(conflict.IsConflict());
  EXPECT_FALSE(conflict.IsAlreadyExists());
  EXPECT_EQ(conflict.message, "stale");
  ApiError exists =
      ErrorFromResponse(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
  EXPECT_TRUE(exists.IsAlreadyExists());
  ApiError throttled = ErrorFromResponse(
      429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  EXPECT_EQ(throttled.retry_after_seconds, 3);
  ApiError html = ErrorFromResponse(502, "<html>bad gateway</html>");
  EXPECT_EQ(html.code, 502);
  EXPECT_EQ(html.reason, "InternalError");
  EXPECT_NE(html.ToString().find("bad gateway"), std::string::npos);
}

TEST(ResourceTypeTest, Paths) {
  ResourceType md{"mailops.dev", "v1alpha1", "maildomains", true, "MailDomain"};
  EXPECT_EQ(md.Path("mail", "x", "status"),
            "/apis/mailops.dev/v1alpha1/namespaces/mail/maildomains/x/status");
  EXPECT_EQ(md.Path(""), "/apis/mailops.dev/v1alpha1/maildomains");
  EXPECT_EQ(resources::kConfigMaps.Path("a b"), "/api/v1/namespaces/a%20b/configmaps");
  EXPECT_EQ(resources::kNamespaces.Path("ignored", "kube-system"),
            "/api/v1/namespaces/kube-system");
  EXPECT_EQ(md.ApiVersion(), "mailops.dev/v1alpha1");
  EXPECT_EQ(resources::kNamespaces.ApiVersion(), "v1");
}

TEST(ObjectKeyTest, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey(Json::parse(R"({"metadata":{"namespace":"n","name":"a"}})")), "n/a");
  EXPECT_EQ(ObjectKey(Json::parse(R"({"metadata":{"name":"a"}})")), "a");
  EXPECT_EQ(ObjectKey(Json::parse(R"({"metadata":{"name":5}})")), "");
  EXPECT_EQ(ObjectKey(Json::parse("[]")), "");
}

}  // namespace
}  // namespace mdo::kube
