// The real kubectl 1.35 against kube-testserver (HTTPS with its own CA, bearer token): apply
// client- and server-side, get in its output forms, watch, describe with events, label,
// annotate, delete, and an invalid custom resource rejected with the field path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testserver_process.h"

namespace mdo::testserver::testing {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class KtsKubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubectl_ = (mdo::testing::SourceDir() / ".tools" / "bin" / "kubectl").string();
    if (!std::filesystem::exists(kubectl_)) GTEST_SKIP() << "kubectl not installed: " << kubectl_;
    auto server = TestServer::Start(dir_.path(), {true, "kubectl-token", {}});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    fixtures_ = mdo::testing::SourceDir() / "tests" / "fixtures" / "kube";
  }

  mdo::testing::EnvOverrides Env() const {
    return {{"HOME", dir_.path().string()}, {"KUBECONFIG", server_->kubeconfig().string()}};
  }

  std::vector<std::string> Argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kubectl_, "--cache-dir", (dir_.path() / "cache").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  mdo::testing::ProcessResult Kubectl(const std::vector<std::string>& args,
                                      std::string_view stdin_text = {}) {
    return mdo::testing::RunProcess(Argv(args), Env(), stdin_text, std::chrono::seconds(60));
  }

  // Runs kubectl and expects success; returns stdout.
  std::string Ok(const std::vector<std::string>& args, std::string_view stdin_text = {}) {
    auto result = Kubectl(args, stdin_text);
    EXPECT_TRUE(result.exited_ok())
        << "kubectl " << ::testing::PrintToString(args) << ": " << result.Describe() << "\n"
        << result.stderr_text;
    return result.stdout_text;
  }

  std::string Fixture(const std::string& name) const { return (fixtures_ / name).string(); }

  void InstallCrdAndDomain() {
    EXPECT_THAT(Ok({"apply", "-f", Fixture("maildomain-crd.yaml")}), HasSubstr("created"));
    EXPECT_THAT(Ok({"apply", "-f", Fixture("maildomain-valid.yaml")}),
                HasSubstr("maildomain.mailops.dev/example-com created"));
  }

  mdo::testing::TempDir dir_{"kts-kubectl"};
  std::unique_ptr<TestServer> server_;
  std::string kubectl_;
  std::filesystem::path fixtures_;
};

TEST_F(KtsKubectlTest, ClientSideApplyCreatesThenReportsUnchangedAndConfigured) {
  InstallCrdAndDomain();
  EXPECT_THAT(Ok({"apply", "-f", Fixture("maildomain-valid.yaml")}), HasSubstr("unchanged"));
  std::string changed = R"(apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata:
  name: example-com
spec:
  domain: example.com
  checkInterval: 30m
)";
  EXPECT_THAT(Ok({"apply", "-f", "-"}, changed), HasSubstr("configured"));
  EXPECT_EQ(Ok({"get", "md", "example-com", "-o",
                "jsonpath={.spec.checkInterval} "
                "{.metadata.generation}"}),
            "30m 2");
}

TEST_F(KtsKubectlTest, ServerSideApply) {
  EXPECT_THAT(Ok({"apply", "--server-side", "-f", Fixture("maildomain-crd.yaml")}),
              HasSubstr("serverside-applied"));
  EXPECT_THAT(Ok({"apply", "--server-side", "-f", Fixture("maildomain-valid.yaml")}),
              HasSubstr("maildomain.mailops.dev/example-com serverside-applied"));
  EXPECT_EQ(Ok({"get", "maildomains.mailops.dev", "example-com", "-o",
                "jsonpath={.spec.domain}/{.spec.dmarc.minimumPolicy}"}),
            "example.com/none");
}

TEST_F(KtsKubectlTest, GetPrintsPrinterColumnsInEveryForm) {
  InstallCrdAndDomain();
  std::string table = Ok({"get", "md"});
  EXPECT_THAT(table, MatchesRegex("NAME +DOMAIN +SPF +DKIM +DMARC +MX +RDNS +BLACKLISTED +READY "
                                  "+AGE\nexample-com +example.com +[0-9]+s\n"));
  std::string wide = Ok({"get", "maildomains", "-o", "wide"});
  EXPECT_THAT(wide, HasSubstr("example-com"));
  std::string all = Ok({"get", "md", "-A"});
  EXPECT_THAT(
      all, MatchesRegex("NAMESPACE +NAME +DOMAIN(.|\n)*default +example-com +example.com(.|\n)*"));
  std::string yaml = Ok({"get", "md", "example-com", "-o", "yaml"});
  EXPECT_THAT(yaml, AllOf(HasSubstr("kind: MailDomain"), HasSubstr("checkInterval: 1h"),
                          HasSubstr("uid: "), HasSubstr("resourceVersion: ")));
  // The category from discovery resolves to the MailDomain resource.
  std::string by_category = Ok({"get", "mail"});
  EXPECT_THAT(by_category, MatchesRegex("NAME +DOMAIN(.|\n)*example-com +example.com(.|\n)*"));
}

TEST_F(KtsKubectlTest, InvalidCustomResourceIsRejectedWithTheFieldPath) {
  Ok({"apply", "-f", Fixture("maildomain-crd.yaml")});
  auto result = Kubectl({"apply", "-f", Fixture("maildomain-invalid.yaml")});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.stderr_text,
              AllOf(HasSubstr("The MailDomain \"broken\" is invalid"),
                    HasSubstr("spec.dmarc.minimumPolicy: Unsupported value: \"bogus\""),
                    HasSubstr("spec.domain: Invalid value: \"not a domain\"")));
  auto unknown = Kubectl({"apply", "-f", "-"},
                         "apiVersion: mailops.dev/v1alpha1\nkind: MailDomain\nmetadata: {name: "
                         "x}\nspec: {domain: x.test, colour: blue}\n");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.stderr_text, HasSubstr("unknown field \"spec.colour\""));
}

TEST_F(KtsKubectlTest, LabelAnnotateAndDelete) {
  InstallCrdAndDomain();
  EXPECT_THAT(Ok({"label", "md", "example-com", "team=mail"}), HasSubstr("labeled"));
  EXPECT_THAT(Ok({"annotate", "md", "example-com", "mailops.dev/recheck=1"}),
              HasSubstr("annotated"));
  EXPECT_THAT(Ok({"get", "md", "-l", "team=mail", "-o", "name"}),
              HasSubstr("maildomain.mailops.dev/example-com"));
  EXPECT_EQ(Ok({"get", "md", "-l", "team=other", "-o", "name"}), "");
  EXPECT_EQ(Ok({"get", "md", "example-com", "-o",
                "jsonpath={.metadata.annotations.mailops\\.dev/recheck}"}),
            "1");
  EXPECT_THAT(Ok({"delete", "md", "example-com"}), HasSubstr("deleted"));
  auto gone = Kubectl({"get", "md", "example-com"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.stderr_text, HasSubstr("NotFound"));
}

TEST_F(KtsKubectlTest, DescribeAndGetEventsShowEventsK8sIoEvents) {
  InstallCrdAndDomain();
  std::string uid = Ok({"get", "md", "example-com", "-o", "jsonpath={.metadata.uid}"});
  ASSERT_FALSE(uid.empty());
  std::string event = R"(apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: example-com.1a2b, namespace: default}
eventTime: "2026-11-27T10:00:00.000000Z"
reportingController: mailops.dev/maildomain-operator
reportingInstance: maildomain-operator-0
action: Check
reason: SPFMissing
type: Warning
note: no SPF record at example.com
regarding: {apiVersion: mailops.dev/v1alpha1, kind: MailDomain, name: example-com, namespace: default, uid: )" +
                      uid + "}\n";
  Ok({"create", "-f", "-"}, event);
  std::string described = Ok({"describe", "md", "example-com"});
  EXPECT_THAT(described, AllOf(HasSubstr("Events:"), HasSubstr("SPFMissing"),
                               HasSubstr("mailops.dev/maildomain-operator"),
                               HasSubstr("no SPF record at example.com")));
  std::string events = Ok({"get", "events"});
  EXPECT_THAT(events,
              MatchesRegex("LAST SEEN +TYPE +REASON +OBJECT +MESSAGE\n.*Warning +SPFMissing "
                           "+maildomain/example-com +no SPF record at example.com\n"));
}

TEST_F(KtsKubectlTest, GetWatchPrintsChanges) {
  InstallCrdAndDomain();
  mdo::testing::Subprocess::Options options;
  options.env = Env();
  options.stderr_file = dir_.path() / "watch.stderr";
  auto watch = mdo::testing::Subprocess::Start(Argv({"get", "md", "-w"}), options);
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  auto header = (*watch)->ReadLine(std::chrono::seconds(30));
  ASSERT_TRUE(header.has_value()) << mdo::testing::ReadFileOrEmpty(options.stderr_file);
  EXPECT_THAT(*header, HasSubstr("DOMAIN"));
  auto first = (*watch)->ReadLine(std::chrono::seconds(30));
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(*first, HasSubstr("example.com"));
  // No need to wait for the watch: kubectl watches from its list's resourceVersion, so a
  // change made right after the list is replayed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Ok({"patch", "md", "example-com", "--subresource=status", "--type=merge", "-p",
      R"({"status":{"spf":{"status":"pass"}}})"});
  std::optional<std::string> row;
  while (std::chrono::steady_clock::now() < deadline) {
    row = (*watch)->ReadLine(std::chrono::seconds(5));
    if (row && row->find("pass") != std::string::npos) break;
  }
  ASSERT_TRUE(row.has_value());
  EXPECT_THAT(*row, MatchesRegex("example-com +example.com +pass +[0-9]+s"));
  (*watch)->Stop();
}

}  // namespace
}  // namespace mdo::testserver::testing
