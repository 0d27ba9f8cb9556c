#include "checks/dmarc/discovery.h"

#include <gtest/gtest.h>

namespace mdo::checks::dmarc {
namespace {

TEST(DiscoveryTest, FindsTheOrganizationalDomainThroughThePublicSuffixList) {
  EXPECT_EQ(OrganizationalDomain("example.com"), "example.com");
  EXPECT_EQ(OrganizationalDomain("a.b.Example.COM."), "example.com");
  EXPECT_EQ(OrganizationalDomain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(OrganizationalDomain("foo.blogspot.com"), "foo.blogspot.com");  // private section
  EXPECT_EQ(OrganizationalDomain("co.uk"), "");
  EXPECT_EQ(OrganizationalDomain("com"), "");
  EXPECT_EQ(OrganizationalDomain(""), "");
  // Names under an unlisted TLD fall back to the "*" rule: the last two labels.
  EXPECT_EQ(OrganizationalDomain("case.dmarc.test"), "dmarc.test");
}

TEST(DiscoveryTest, WalksTheTreeUpToTheTopLevelDomain) {
  EXPECT_EQ(TreeWalkParents("a.mail.example.com"),
            (std::vector<std::string>{"mail.example.com", "example.com", "com"}));
  EXPECT_EQ(TreeWalkParents("example.com"), std::vector<std::string>{"com"});
  EXPECT_TRUE(TreeWalkParents("com").empty());
  EXPECT_TRUE(TreeWalkParents("").empty());
}

TEST(DiscoveryTest, LongNamesJumpToSevenLabels) {
  auto parents = TreeWalkParents("a.b.c.d.e.f.g.h.i.example.com");  // 11 labels
  ASSERT_EQ(parents.size(), 7u);
  EXPECT_EQ(parents.front(), "e.f.g.h.i.example.com");
  EXPECT_EQ(parents.back(), "com");
  // Exactly 8 labels: the walk goes to 7, the same as dropping one label.
  EXPECT_EQ(TreeWalkParents("b.c.d.e.f.g.example.com").front(), "c.d.e.f.g.example.com");
  EXPECT_EQ(TreeWalkParents("b.c.d.e.f.g.example.com").size(), 7u);
}

TEST(DiscoveryTest, ComparesNamesByWholeLabels) {
  EXPECT_TRUE(IsSameOrBelow("a.example.com", "example.com"));
  EXPECT_TRUE(IsSameOrBelow("example.com", "example.com"));
  EXPECT_FALSE(IsSameOrBelow("badexample.com", "example.com"));
  EXPECT_FALSE(IsSameOrBelow("com", "example.com"));
}

}  // namespace
}  // namespace mdo::checks::dmarc
