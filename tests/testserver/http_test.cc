// kube-testserver over the wire: the binary's flags and output, bearer tokens, chunked watch
// streams, and the admin endpoint's effect on open connections.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testserver_process.h"

namespace mdo::testserver::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kToken = "wire-token";
const std::map<std::string, std::string> kAuth = {
    {"Authorization", std::string("Bearer ") + kToken}, {"Content-Type", "application/json"}};

class KtsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestServer::Start(dir_.path(), {false, kToken, {"--bookmark-interval", "1"}});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
  }

  HttpReply Call(const std::string& method, const std::string& target, const json& body = nullptr) {
    auto reply =
        HttpCall(server_->port(), method, target, body.is_null() ? "" : body.dump(), kAuth);
    EXPECT_TRUE(reply.ok()) << reply.error().message;
    return reply.ok() ? *reply : HttpReply{};
  }

  mdo::testing::TempDir dir_{"kts-http"};
  std::unique_ptr<TestServer> server_;
};

TEST_F(KtsHttpTest, PrintsItsUrlAndWritesAKubeconfig) {
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()));
  std::string kubeconfig = mdo::testing::ReadFileOrEmpty(server_->kubeconfig());
  EXPECT_THAT(kubeconfig, HasSubstr("server: " + server_->url()));
  EXPECT_THAT(kubeconfig, HasSubstr(std::string("token: ") + kToken));
  EXPECT_THAT(kubeconfig, HasSubstr("current-context: kube-testserver"));
}

TEST_F(KtsHttpTest, RequiresTheBearerToken) {
  auto anonymous = HttpCall(server_->port(), "GET", "/api/v1/namespaces");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->code, 401);
  EXPECT_EQ(json::parse(anonymous->body)["reason"], "Unauthorized");
  HttpReply ok = Call("GET", "/api/v1/namespaces");
  EXPECT_EQ(ok.code, 200);
  EXPECT_EQ(json::parse(ok.body)["kind"], "NamespaceList");
  auto admin = HttpCall(server_->port(), "GET", "/admin/requests");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->code, 200);
  EXPECT_EQ(json::parse(admin->body)["byVerb"]["list"], 2);
}

TEST_F(KtsHttpTest, WatchStreamsChunkedEvents) {
  auto stream =
      HttpStream::Open(server_->port(), "/api/v1/namespaces/default/configmaps?watch=true", kAuth);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  EXPECT_EQ((*stream)->code(), 200);
  EXPECT_EQ((*stream)->headers().at("transfer-encoding"), "chunked");
  for (int i = 0; i < 3; ++i) {
    HttpReply created = Call("POST", "/api/v1/namespaces/default/configmaps",
                             {{"metadata", {{"name", "c" + std::to_string(i)}}}});
    ASSERT_EQ(created.code, 201) << created.body;
    auto line = (*stream)->ReadLine(std::chrono::seconds(20));
    ASSERT_TRUE(line.has_value()) << "no event for c" << i;
    json event = json::parse(*line);
    EXPECT_EQ(event["type"], "ADDED");
    EXPECT_EQ(event["object"]["metadata"]["name"], "c" + std::to_string(i));
  }
}

TEST_F(KtsHttpTest, TimeoutSecondsEndsTheWatchAndBookmarksArrive) {
  auto stream = HttpStream::Open(
      server_->port(),
      "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=3&allowWatchBookmarks=true",
      kAuth);
  ASSERT_TRUE(stream.ok());
  int bookmarks = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(*stream)->ended() && std::chrono::steady_clock::now() < deadline) {
    auto line = (*stream)->ReadLine(std::chrono::seconds(30));
    if (line && json::parse(*line)["type"] == "BOOKMARK") ++bookmarks;
  }
  EXPECT_TRUE((*stream)->ended());
  EXPECT_GE(bookmarks, 1);
}

TEST_F(KtsHttpTest, RestartBreaksOpenWatches) {
  auto stream = HttpStream::Open(server_->port(), "/api/v1/namespaces?watch=true", kAuth);
  ASSERT_TRUE(stream.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((*stream)->ReadLine(std::chrono::seconds(20)));  // ADDED
  auto restart = HttpCall(server_->port(), "POST", "/admin/restart", R"({"keepState":true})");
  ASSERT_TRUE(restart.ok());
  EXPECT_EQ(json::parse(restart->body)["restarts"], 1);
  auto line = (*stream)->ReadLine(std::chrono::seconds(30));
  EXPECT_FALSE(line.has_value());
  EXPECT_TRUE((*stream)->ended());
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default").code, 200);  // state kept
}

TEST_F(KtsHttpTest, InjectedTooManyRequestsCarriesRetryAfter) {
  auto fault = HttpCall(
      server_->port(), "POST", "/admin/faults",
      R"({"method":"GET","pathPrefix":"/api/v1/namespaces","code":429,"retryAfterSeconds":2})");
  ASSERT_TRUE(fault.ok());
  ASSERT_EQ(fault->code, 200) << fault->body;
  HttpReply limited = Call("GET", "/api/v1/namespaces");
  EXPECT_EQ(limited.code, 429);
  EXPECT_EQ(limited.headers["retry-after"], "2");
  EXPECT_EQ(Call("GET", "/api/v1/namespaces").code, 200);
}

TEST(KtsBinaryTest, BadFlagsExitWithStatusTwo) {
  auto result = mdo::testing::RunProcess({KubeTestserverBinary(), "--bogus"});
  EXPECT_EQ(result.exit_code, 2) << result.Describe();
  EXPECT_THAT(result.stderr_text, HasSubstr("unknown flag --bogus"));
}

}  // namespace
}  // namespace mdo::testserver::testing

namespace mdo::testserver::testing {
namespace {

TEST(KtsTlsTest, KeepsItsCaAcrossRestartsAndRenewsTheServingCertificate) {
  mdo::testing::TempDir dir("kts-tls");
  std::string first_ca, first_cert;
  {
    auto server = TestServer::Start(dir.path(), {true, "", {}});
    ASSERT_TRUE(server.ok()) << server.error().message;
    EXPECT_EQ((*server)->url().rfind("https://127.0.0.1:", 0), 0u);
    std::string kubeconfig = mdo::testing::ReadFileOrEmpty((*server)->kubeconfig());
    EXPECT_THAT(kubeconfig,
                HasSubstr("certificate-authority: " + (dir.path() / "tls" / "ca.crt").string()));
    EXPECT_THAT(kubeconfig, ::testing::Not(HasSubstr("token:")));
    first_ca = mdo::testing::ReadFileOrEmpty(dir.path() / "tls" / "ca.crt");
    first_cert = mdo::testing::ReadFileOrEmpty(dir.path() / "tls" / "tls.crt");
    EXPECT_THAT(first_ca, HasSubstr("BEGIN CERTIFICATE"));
    // Plain HTTP to the TLS port gets no HTTP answer.
    auto plain = HttpCall((*server)->port(), "GET", "/version");
    EXPECT_TRUE(!plain.ok() || plain->code != 200);
  }
  auto again = TestServer::Start(dir.path(), {true, "", {}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(mdo::testing::ReadFileOrEmpty(dir.path() / "tls" / "ca.crt"), first_ca);
  EXPECT_NE(mdo::testing::ReadFileOrEmpty(dir.path() / "tls" / "tls.crt"), first_cert);
}

}  // namespace
}  // namespace mdo::testserver::testing
