#include "client/provisioners.h"

#include <gtest/gtest.h>

#include "testing/fakes.h"

namespace cairn::client {
namespace {

std::vector<nlohmann::json> Listing() {
  return {
      {{"type", "JWK"},
       {"name", "admin"},
       {"key", {{"kty", "EC"}, {"kid", "kid-admin"}}},
       {"encryptedKey", "a.b.c.d.e"}},
      {{"type", "jwk"}, {"name", "ops"}, {"key", {{"kty", "EC"}, {"kid", "kid-ops"}}}},
      {{"type", "ACME"}, {"name", "acme"}},
      {{"type", "OIDC"}, {"name", "google"}, {"clientID", "cid"}},
      {{"type", "Azure"}, {"name", "az"}, {"tenantID", "tid"}},
      {{"type", "Martian"}, {"name", "unknown"}},
      {{"type", "JWK"}, {"name", "nokey"}},
      "not an object",
  };
}

TEST(ParseProvisionersTest, KnownTypesWithStepsLabels) {
  auto list = ParseProvisioners(Listing());
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].Label(), "admin (JWK) [kid: kid-admin]");
  EXPECT_EQ(list[0].encrypted_key, "a.b.c.d.e");
  EXPECT_EQ(list[1].type, "JWK") << "types match ignoring case";
  EXPECT_EQ(list[1].Label(), "ops (JWK) [kid: kid-ops]");
  EXPECT_TRUE(list[1].encrypted_key.empty());
  EXPECT_EQ(list[2].Label(), "acme (ACME)");
  EXPECT_EQ(list[3].Label(), "google (OIDC) [client: cid]");
  EXPECT_EQ(list[4].Label(), "az (Azure) [tenant: tid]");
}

TEST(FilterProvisionersTest, ByNameAndKid) {
  auto all = ParseProvisioners(Listing());
  CAIRN_ASSERT_OK_AND_ASSIGN(auto by_name, FilterProvisioners(all, "ops", ""));
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].kid, "kid-ops");

  CAIRN_ASSERT_OK_AND_ASSIGN(auto by_kid, FilterProvisioners(all, "", "kid-admin"));
  ASSERT_EQ(by_kid.size(), 1u);
  EXPECT_EQ(by_kid[0].name, "admin");

  CAIRN_ASSERT_OK_AND_ASSIGN(auto none, FilterProvisioners(all, "", ""));
  EXPECT_EQ(none.size(), all.size());

  auto bad_name = FilterProvisioners(all, "nobody", "", "issuer");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().message(), "invalid value 'nobody' for flag '--issuer'");
  auto bad_kid = FilterProvisioners(all, "", "zzz");
  ASSERT_FALSE(bad_kid.ok());
  EXPECT_EQ(bad_kid.status().message(), "invalid value 'zzz' for flag '--kid'");
  // name and kid must both match
  EXPECT_FALSE(FilterProvisioners(all, "ops", "kid-admin").ok());

  auto empty = FilterProvisioners({}, "", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(),
            "cannot create a new token: the CA does not have any provisioner configured");
}

}  // namespace
}  // namespace cairn::client
