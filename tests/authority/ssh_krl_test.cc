// Authority::SshKrl and BuildSshKrl: the KRL lists the revoked SSH serials under the user and
// host CA keys, and OpenSSH's own ssh-keygen -Q agrees about which certificates it revokes.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "authority/authority.h"
#include "authority/ssh_ca_fixture.h"
#include "base/encoding.h"
#include "base/file.h"
#include "crypto/key.h"
#include "crypto/openssl_cli_for_test.h"
#include "crypto/signer.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "ssh/wire.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using std::chrono::hours;
using std::chrono::minutes;

class SshKrlTest : public SshCaTest {
 protected:
  // Issue signs a user or host certificate through the authority (token flow).
  ssh::Certificate Issue(const std::string& type, const std::string& principal) {
    auto key = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
    SshSignRequest req{
        .public_key = Base64Encode(ssh::PublicKey::FromCrypto(key.public_key())->Marshal()),
        .ott = JwkToken(
            principal, "https://ca.example.com/1.0/ssh/sign",
            {{"ssh", {{"certType", type}, {"keyID", principal}, {"principals", {principal}}}}})};
    auto issued = authority_->SignSsh(req);
    EXPECT_TRUE(issued.ok()) << issued.status().message();
    return issued->cert;
  }

  // Revoke revokes a certificate through the authority (JWK SSH revoke token).
  void Revoke(const ssh::Certificate& cert) {
    const std::string serial = std::to_string(cert.serial());
    RevokeRequest req;
    req.serial = serial;
    req.ott = JwkToken(serial, "https://ca.example.com/1.0/ssh/revoke");
    req.passive = true;
    CAIRN_ASSERT_OK(authority_->RevokeSsh(req));
  }

  // KeygenQuery returns `ssh-keygen -Q -f <krl> <cert>`'s exit code and output.
  ::cairn::testing::CommandResult KeygenQuery(const std::string& krl, const ssh::Certificate& c) {
    const std::string krl_path = dir_.Write("krl", krl);
    const std::string cert_path = dir_.Write("cert.pub", c.MarshalAuthorizedKey("c"));
    return RunCommand("ssh-keygen -Q -f " + krl_path + " " + cert_path + " </dev/null");
  }
};

TEST_F(SshKrlTest, RevokedCertificatesAreInTheKrlAndSshKeygenAgrees) {
  const ssh::Certificate user1 = Issue("user", "alice");
  const ssh::Certificate user2 = Issue("user", "bob");
  const ssh::Certificate host1 = Issue("host", "web.example.com");
  const ssh::Certificate host2 = Issue("host", "db.example.com");
  Revoke(user1);
  Revoke(host1);

  CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl, authority_->SshKrl());
  // The header: magic, format version 1, then the version and generation time (now).
  ssh::WireReader r(krl);
  EXPECT_EQ(r.ReadUint64().value(), 0x5353484b524c0a00ULL);
  EXPECT_EQ(r.ReadUint32().value(), 1u);
  EXPECT_EQ(r.ReadUint64().value(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now())));
  EXPECT_EQ(r.ReadUint64().value(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now())));

  for (const auto* c : {&user1, &host1}) {
    auto q = KeygenQuery(krl, *c);
    EXPECT_NE(q.exit_code, 0) << q.output;
    EXPECT_NE(q.output.find("REVOKED"), std::string::npos) << q.output;
  }
  for (const auto* c : {&user2, &host2}) {
    auto q = KeygenQuery(krl, *c);
    EXPECT_EQ(q.exit_code, 0) << q.output;
    EXPECT_NE(q.output.find(": ok"), std::string::npos) << q.output;
  }
  // ssh-keygen -Q -l lists the KRL: the serials under each CA key.
  const std::string krl_path = dir_.Write("krl", krl);
  auto list = RunCommand("ssh-keygen -Q -l -f " + krl_path + " </dev/null");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find(std::to_string(user1.serial())), std::string::npos) << list.output;
  EXPECT_NE(list.output.find(std::to_string(host1.serial())), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find(std::to_string(user2.serial())), std::string::npos) << list.output;
  for (const auto& ca : {user_ca_key_, host_ca_key_}) {
    const auto pub = ssh::PublicKey::FromCrypto(ca->public_key()).value();
    EXPECT_NE(list.output.find(pub.FingerprintSha256()), std::string::npos) << list.output;
  }
}

TEST_F(SshKrlTest, EmptyKrlRevokesNothing) {
  const ssh::Certificate user = Issue("user", "alice");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl, authority_->SshKrl());
  auto q = KeygenQuery(krl, user);
  EXPECT_EQ(q.exit_code, 0) << q.output;
}

TEST_F(SshKrlTest, NoSshKeysIsUnimplemented) {
  config_json_.erase("ssh");
  Rebuild();
  EXPECT_EQ(authority_->SshKrl().status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(
      Authority::BuildSshKrl(store_, std::nullopt, std::nullopt, clock_.Now()).status().code(),
      StatusCode::kFailedPrecondition);
}

// Revocations straight into a store: paging past one store page, long-expired certificates
// left out, serials that cannot be SSH serials skipped.
TEST(BuildSshKrlTest, ReadsEveryPageAndSkipsExpired) {
  testing::FakeClock clock;
  store::MemoryStore store;
  const Time now = clock.Now();
  std::vector<uint64_t> want;
  for (uint64_t i = 1; i <= 2500; ++i) {
    store::RevocationRecord rec;
    rec.serial = std::to_string(i * 7919);
    rec.revoked_at = now;
    rec.token_id = "t" + std::to_string(i);
    CAIRN_ASSERT_OK(store.RevokeSsh(rec, rec.token_id));
    want.push_back(i * 7919);
  }
  store::RevocationRecord old;
  old.serial = "99999999999";
  old.revoked_at = now - hours(24 * 40);
  old.expires_at = now - hours(24 * 30);
  old.token_id = "old";
  CAIRN_ASSERT_OK(store.RevokeSsh(old, old.token_id));
  store::RevocationRecord recent = old;
  recent.serial = "88888888888";
  recent.expires_at = now - hours(1);  // within the grace period: kept
  recent.token_id = "recent";
  CAIRN_ASSERT_OK(store.RevokeSsh(recent, recent.token_id));
  want.push_back(88888888888ULL);
  store::RevocationRecord huge = old;
  huge.serial = "123456789012345678901234567890";  // not a 64-bit SSH serial
  huge.expires_at = Time{};
  huge.token_id = "huge";
  CAIRN_ASSERT_OK(store.RevokeSsh(huge, huge.token_id));

  auto ca = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
  const auto ca_pub = ssh::PublicKey::FromCrypto(ca.public_key()).value();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl, Authority::BuildSshKrl(store, ca_pub, ca_pub, now));
  // Parse the KRL: one certificates section (the same key for users and hosts) with one
  // serial list.
  ssh::WireReader r(krl);
  (void)r.ReadUint64();
  (void)r.ReadUint32();
  (void)r.ReadUint64();
  (void)r.ReadUint64();
  (void)r.ReadUint64();
  (void)r.ReadString();
  (void)r.ReadString();
  ASSERT_EQ(r.ReadByte().value(), 1);  // KRL_SECTION_CERTIFICATES
  auto section = r.ReadString().value();
  EXPECT_TRUE(r.empty());
  ssh::WireReader s(section);
  EXPECT_EQ(s.ReadString().value(), ca_pub.Marshal());
  (void)s.ReadString();
  ASSERT_EQ(s.ReadByte().value(), 0x20);  // KRL_SECTION_CERT_SERIAL_LIST
  auto list = s.ReadString().value();
  EXPECT_TRUE(s.empty());
  ssh::WireReader l(list);
  std::vector<uint64_t> got;
  while (!l.empty()) got.push_back(l.ReadUint64().value());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace cairn::authority
