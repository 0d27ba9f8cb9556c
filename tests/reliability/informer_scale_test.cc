// The "10,000-entry MailDomain list" row of docs/reliability.md: the informer the operator uses
// lists 10,000 MailDomains from kube-testserver (HTTPS, token) in pages, syncs, and keeps
// watching. Memory is measured in bench/, not here.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/manifest.h"
#include "kube/informer.h"
#include "kube/kube_testserver.h"
#include "kube/rest_api_client.h"

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using testing::KubeTestServer;

const ResourceType kMailDomains{"mailops.dev", "v1alpha1", "maildomains", true, "MailDomain"};

TEST(InformerScaleTest, TenThousandMailDomainsListInPagesAndSync) {
  auto server = KubeTestServer::Start("scale-token");
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto config = LoadKubeconfigFiles({(*server)->kubeconfig()});
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto api = NewRestApiClient(*config);
  ASSERT_TRUE(api.ok()) << api.error().message;

  auto crd = api::YamlDocumentsToJson(mdo::testing::ReadFileOrEmpty(
      mdo::testing::SourceDir() / "crds" / "mailops.dev_maildomains.yaml"));
  ASSERT_TRUE(crd.ok() && crd->size() == 1);
  auto created = (*api)->Create(resources::kCustomResourceDefinitions, "", crd->front());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  ASSERT_TRUE(
      (*api)
          ->Create(resources::kNamespaces, "",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "mail"}}}})
          .ok());

  constexpr int kObjects = 10000;
  constexpr int kThreads = 4;
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kObjects; i += kThreads) {
        const std::string name = "d" + std::to_string(i);
        Json md = {{"apiVersion", "mailops.dev/v1alpha1"},
                   {"kind", "MailDomain"},
                   {"metadata", {{"name", name}, {"namespace", "mail"}}},
                   {"spec", {{"domain", name + ".example"}}}};
        auto r = (*api)->Create(kMailDomains, "mail", md);
        if (!r.ok()) {
          if (failures++ == 0) {
            std::lock_guard lock(error_mutex);
            first_error = r.error().ToString();
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0) << first_error;

  ASSERT_TRUE((*server)->Admin("DELETE", "/admin/requests").ok());
  InformerOptions options;  // the operator's: pages of 500
  std::atomic<int> adds{0};
  Informer informer(**api, kMailDomains, options);
  informer.AddHandlers(
      {[&](const Json&) { ++adds; }, [](const Json&, const Json&) {}, [](const Json&) {}});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(milliseconds(240000)));
  EXPECT_EQ(informer.Size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(adds.load(), kObjects);
  EXPECT_EQ(informer.lists(), 1u);
  EXPECT_EQ((*server)->CountRequests("verb=list&resource=maildomains"), kObjects / 500);

  // And it watches from the list's version: one more object arrives without a relist.
  Json extra = {{"apiVersion", "mailops.dev/v1alpha1"},
                {"kind", "MailDomain"},
                {"metadata", {{"name", "late"}, {"namespace", "mail"}}},
                {"spec", {{"domain", "late.example"}}}};
  ASSERT_TRUE((*api)->Create(kMailDomains, "mail", extra).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!informer.Get("mail/late") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(informer.Get("mail/late").has_value());
  EXPECT_EQ(informer.lists(), 1u);
  informer.Stop();
}

}  // namespace
}  // namespace mdo::kube
