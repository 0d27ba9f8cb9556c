// The chart's RBAC: no wildcards anywhere, and the rules bound to the operator's ServiceAccount
// are exactly what the operator needs (DESIGN sections 4 and 5), no more.
#include <gtest/gtest.h>

#include <set>

#include "chart/chart_support.h"

namespace mdo::chart_test {
namespace {

// One permission: "<scope> <apiGroup>/<resource> <verb> [name]" where scope is "cluster" or the
// namespace of the Role.
using Permissions = std::set<std::string>;

void AddRules(const YAML::Node& role, const std::string& scope, Permissions& out) {
  for (const auto& rule : role["rules"]) {
    for (const auto& group : rule["apiGroups"]) {
      for (const auto& resource : rule["resources"]) {
        for (const auto& verb : rule["verbs"]) {
          const std::string base = scope + " " + group.as<std::string>() + "/" +
                                   resource.as<std::string>() + " " + verb.as<std::string>();
          if (rule["resourceNames"] && rule["resourceNames"].size() > 0) {
            for (const auto& name : rule["resourceNames"]) {
              out.insert(base + " " + name.as<std::string>());
            }
          } else {
            out.insert(base);
          }
        }
      }
    }
  }
}

// Everything the ServiceAccount `namespace/name` is granted by the rendered bindings.
Permissions GrantedTo(const std::vector<YAML::Node>& objects, const std::string& namespace_name,
                      const std::string& name) {
  Permissions out;
  for (const char* binding_kind : {"ClusterRoleBinding", "RoleBinding"}) {
    for (const YAML::Node& binding : FindAll(objects, binding_kind)) {
      bool bound = false;
      for (const auto& s : binding["subjects"]) {
        bound |= s["kind"].as<std::string>("") == "ServiceAccount" &&
                 s["name"].as<std::string>("") == name &&
                 s["namespace"].as<std::string>("") == namespace_name;
      }
      if (!bound) continue;
      const std::string binding_ns = binding["metadata"]["namespace"].as<std::string>("");
      const std::string role_kind = binding["roleRef"]["kind"].as<std::string>("");
      const std::string role_name = binding["roleRef"]["name"].as<std::string>("");
      bool found = false;
      for (const YAML::Node& role : FindAll(objects, role_kind, role_name)) {
        if (role_kind == "Role" &&
            role["metadata"]["namespace"].as<std::string>("") != binding_ns) {
          continue;
        }
        found = true;
        AddRules(role, binding_kind == std::string("ClusterRoleBinding") ? "cluster" : binding_ns,
                 out);
      }
      EXPECT_TRUE(found) << binding_kind << " " << binding["metadata"]["name"]
                         << " refers to a missing " << role_kind << " " << role_name;
    }
  }
  return out;
}

Permissions ControllerRules(const std::string& scope) {
  return {scope + " mailops.dev/maildomains get",
          scope + " mailops.dev/maildomains list",
          scope + " mailops.dev/maildomains watch",
          scope + " mailops.dev/maildomains/status get",
          scope + " mailops.dev/maildomains/status update",
          scope + " mailops.dev/maildomains/status patch",
          scope + " events.k8s.io/events create",
          scope + " events.k8s.io/events patch",
          scope + " /events create",
          scope + " /events patch"};
}

Permissions LeaseRules(const std::string& namespace_name, const std::string& lease) {
  return {namespace_name + " coordination.k8s.io/leases get " + lease,
          namespace_name + " coordination.k8s.io/leases update " + lease,
          namespace_name + " coordination.k8s.io/leases patch " + lease,
          namespace_name + " coordination.k8s.io/leases create"};
}

Permissions Union(Permissions a, const Permissions& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(RbacTest, NoRoleHoldsAWildcardOrNonResourceUrl) {
  Tools tools;
  for (const auto& values : std::vector<std::vector<std::string>>{
           {}, {"-f", TestValues("everything-on.yaml").string()}, {"--set", "replicaCount=2"}}) {
    auto objects = tools.Template(values);
    int roles = 0;
    for (const char* kind : {"ClusterRole", "Role"}) {
      for (const YAML::Node& role : FindAll(objects, kind)) {
        ++roles;
        const std::string name = role["metadata"]["name"].as<std::string>("");
        EXPECT_FALSE(role["aggregationRule"]) << name;
        for (const auto& rule : role["rules"]) {
          EXPECT_FALSE(rule["nonResourceURLs"]) << name;
          for (const char* field : {"apiGroups", "resources", "verbs", "resourceNames"}) {
            for (const auto& item : rule[field]) {
              EXPECT_EQ(item.as<std::string>().find('*'), std::string::npos)
                  << name << " " << field << ": " << item.as<std::string>();
            }
          }
        }
      }
    }
    EXPECT_GE(roles, 3);
  }
}

TEST(RbacTest, DefaultGrantsExactlyTheOperatorsNeedsClusterWide) {
  Tools tools;
  auto objects = tools.Template();
  EXPECT_EQ(GrantedTo(objects, "maildomain-system", "maildomain-operator"),
            ControllerRules("cluster"));
}

TEST(RbacTest, LeaderElectionAddsOnlyItsOwnLease) {
  Tools tools;
  auto objects = tools.Template({"--set", "replicaCount=2"});
  EXPECT_EQ(
      GrantedTo(objects, "maildomain-system", "maildomain-operator"),
      Union(ControllerRules("cluster"), LeaseRules("maildomain-system", "maildomain-operator")));
}

TEST(RbacTest, WatchNamespacesGrantPerNamespaceOnly) {
  Tools tools;
  auto objects = tools.Template({"-f", TestValues("everything-on.yaml").string()}, "x", "ops");
  EXPECT_EQ(GrantedTo(objects, "ops", "mdo"),
            Union(Union(ControllerRules("mail"), ControllerRules("marketing")),
                  LeaseRules("mdo-leases", "mdo-leader")));
  // The lease name the Role allows is the one the operator is told to use.
  auto deployment = FindAll(objects, "Deployment")[0];
  std::vector<std::string> args;
  for (const auto& a : deployment["spec"]["template"]["spec"]["containers"][0]["args"]) {
    args.push_back(a.as<std::string>());
  }
  auto id = std::find(args.begin(), args.end(), "--leader-election-id");
  ASSERT_NE(id, args.end());
  EXPECT_EQ(*(id + 1), "mdo-leader");
}

TEST(RbacTest, AggregatedUserRolesAndSwitches) {
  Tools tools;
  auto objects = tools.Template();
  auto view = FindAll(objects, "ClusterRole", "maildomain-operator-view");
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(
      view[0]["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"].as<std::string>(
          ""),
      "true");
  Permissions view_rules;
  AddRules(view[0], "cluster", view_rules);
  for (const auto& p : view_rules) {
    EXPECT_TRUE(p.ends_with(" get") || p.ends_with(" list") || p.ends_with(" watch")) << p;
  }
  // The operator's ServiceAccount is not bound to the user roles.
  for (const YAML::Node& b : FindAll(objects, "ClusterRoleBinding")) {
    EXPECT_EQ(b["roleRef"]["name"].as<std::string>(""), "maildomain-operator-controller");
  }

  auto no_aggregate = tools.Template({"--set", "rbac.aggregateClusterRoles=false"});
  EXPECT_TRUE(FindAll(no_aggregate, "ClusterRole", "maildomain-operator-view").empty());
  auto no_rbac = tools.Template({"--set", "rbac.create=false", "--set", "replicaCount=2"});
  for (const char* kind : {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}) {
    EXPECT_TRUE(FindAll(no_rbac, kind).empty()) << kind;
  }
}

}  // namespace
}  // namespace mdo::chart_test
