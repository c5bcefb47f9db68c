#include "ssh/key.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "base/encoding.h"
#include "crypto/ossl_ptr.h"
#include "ssh/ssh_keygen_for_test.h"
#include "ssh/wire.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using namespace std::string_literals;
using testing::AllKeyCases;
using testing::KeyCase;
using testing::SshKeygen;
using testing::TempDir;

using testing::KeyFor;

// Field returns the n-th space-separated field of `line`.
std::string Field(const std::string& line, int n) {
  std::istringstream in(line);
  std::string f;
  for (int i = 0; i <= n; ++i) in >> f;
  return f;
}

std::string Blob(std::string_view type, const std::vector<std::string>& strings) {
  WireWriter w;
  w.PutString(type);
  for (const auto& s : strings) w.PutString(s);
  return w.Take();
}

std::string RsaBlob(std::string_view e_mpint_body, std::string_view n_mpint_body) {
  WireWriter w;
  w.PutString("ssh-rsa");
  w.PutString(e_mpint_body);  // raw mpint bodies, so tests can write non-minimal ones
  w.PutString(n_mpint_body);
  return w.Take();
}

TEST(SshKeyTypeNameTest, Names) {
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kEd25519), "ssh-ed25519");
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kEcP256), "ecdsa-sha2-nistp256");
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kEcP384), "ecdsa-sha2-nistp384");
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kEcP521), "ecdsa-sha2-nistp521");
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kRsa), "ssh-rsa");
  EXPECT_EQ(SshKeyTypeName(crypto::KeyType::kOther), "");
}

TEST(PublicKeyTest, FromCryptoRoundTrips) {
  for (const auto& kc : AllKeyCases()) {
    SCOPED_TRACE(kc.name);
    const crypto::PublicKey& pub = KeyFor(kc).public_key();
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::FromCrypto(pub));
    EXPECT_EQ(key.type(), kc.ssh_type);
    EXPECT_EQ(key.key_type(), pub.type());
    EXPECT_EQ(key.bits(), pub.bits());
    EXPECT_TRUE(key.crypto_key().Equals(pub));
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey again, PublicKey::Parse(key.Marshal()));
    EXPECT_EQ(again, key);
    EXPECT_TRUE(again.crypto_key().Equals(pub));
    EXPECT_EQ(again.Marshal(), key.Marshal());
  }
}

TEST(PublicKeyTest, EcdsaBlobLayout) {
  const KeyCase& kc = AllKeyCases()[1];  // p256
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::FromCrypto(KeyFor(kc).public_key()));
  WireReader r(key.Marshal());
  EXPECT_EQ(r.ReadString().value(), "ecdsa-sha2-nistp256");
  EXPECT_EQ(r.ReadString().value(), "nistp256");
  auto point = r.ReadString().value();
  EXPECT_EQ(point.size(), 65u);
  EXPECT_EQ(point[0], '\x04');
  EXPECT_TRUE(r.empty());
}

TEST(PublicKeyTest, FromCryptoRefusesOtherKinds) {
  // An X25519 key: crypto holds it as kOther; SSH has no such public key type.
  ossl::UniquePtr<EVP_PKEY> x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  ASSERT_TRUE(x25519);
  crypto::PublicKey other = crypto::PublicKey::Wrap(std::move(x25519));
  ASSERT_EQ(other.type(), crypto::KeyType::kOther);
  auto key = PublicKey::FromCrypto(other);
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find("unsupported key type"), std::string::npos);
}

// Keys made by ssh-keygen parse, convert to the same crypto key ssh-keygen exports, re-encode to
// the same line, and have the fingerprints ssh-keygen prints.
TEST(PublicKeyTest, MatchesSshKeygen) {
  TempDir dir;
  for (const auto& kc : AllKeyCases()) {
    SCOPED_TRACE(kc.name);
    const std::string comment = "user@" + kc.name + " with spaces";
    const std::string line = testing::GenerateWithSshKeygen(dir, kc.name, kc, comment);
    std::string got_comment;
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::ParseAuthorizedKey(line, &got_comment));
    EXPECT_EQ(got_comment, comment);
    EXPECT_EQ(key.type(), kc.ssh_type);
    EXPECT_EQ(key.MarshalAuthorizedKey(comment), line);

    auto sha = SshKeygen("-l -E sha256 -f " + dir.File(kc.name + ".pub"));
    ASSERT_EQ(sha.exit_code, 0) << sha.output;
    EXPECT_EQ(key.FingerprintSha256(), Field(sha.output, 1));
    EXPECT_EQ(std::to_string(key.bits()), Field(sha.output, 0));
    auto md5 = SshKeygen("-l -E md5 -f " + dir.File(kc.name + ".pub"));
    ASSERT_EQ(md5.exit_code, 0) << md5.output;
    EXPECT_EQ(key.FingerprintMd5(), Field(md5.output, 1));

    // ssh-keygen -e -m PKCS8 exports the key as a SubjectPublicKeyInfo PEM.
    auto pem = SshKeygen("-e -m PKCS8 -f " + dir.File(kc.name + ".pub"));
    if (kc.name != "ed25519") {  // OpenSSH 9.2 cannot export Ed25519 as PKCS8
      ASSERT_EQ(pem.exit_code, 0) << pem.output;
      CAIRN_ASSERT_OK_AND_ASSIGN(crypto::PublicKey exported,
                                 crypto::PublicKey::FromPem(pem.output));
      EXPECT_TRUE(key.crypto_key().Equals(exported));
    }
  }
}

// Keys we encode are read by ssh-keygen with the fingerprints we compute.
TEST(PublicKeyTest, SshKeygenReadsOurKeys) {
  TempDir dir;
  for (const auto& kc : AllKeyCases()) {
    SCOPED_TRACE(kc.name);
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::FromCrypto(KeyFor(kc).public_key()));
    const std::string path = dir.Write(kc.name + ".pub", key.MarshalAuthorizedKey("ours"));
    auto sha = SshKeygen("-l -E sha256 -f " + path);
    ASSERT_EQ(sha.exit_code, 0) << sha.output;
    EXPECT_EQ(sha.output, std::to_string(key.bits()) + " " + key.FingerprintSha256() + " ours (" +
                              kc.keygen_type + ")\n");
  }
}

TEST(PublicKeyTest, MarshalAuthorizedKeyWithoutComment) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[0]).public_key()));
  EXPECT_EQ(key.MarshalAuthorizedKey(), "ssh-ed25519 " + Base64Encode(key.Marshal()) + "\n");
  std::string comment = "x";
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey again,
                             PublicKey::ParseAuthorizedKey(key.MarshalAuthorizedKey(), &comment));
  EXPECT_EQ(comment, "");
  EXPECT_EQ(again, key);
}

TEST(PublicKeyTest, AuthorizedKeyLineVariants) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[0]).public_key()));
  const std::string b64 = Base64Encode(key.Marshal());
  struct Case {
    std::string line;
    std::string comment;
  };
  const Case cases[] = {
      {"ssh-ed25519 " + b64, ""},
      {"ssh-ed25519 " + b64 + "\n", ""},
      {"ssh-ed25519 " + b64 + " c\r\n", "c"},
      {"  \tssh-ed25519\t" + b64 + "  a b  ", "a b"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    std::string comment;
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey got, PublicKey::ParseAuthorizedKey(c.line, &comment));
    EXPECT_EQ(got, key);
    EXPECT_EQ(comment, c.comment);
  }
}

TEST(PublicKeyTest, EveryTruncationFails) {
  for (const auto& kc : AllKeyCases()) {
    SCOPED_TRACE(kc.name);
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::FromCrypto(KeyFor(kc).public_key()));
    const std::string& blob = key.Marshal();
    for (size_t n = 0; n < blob.size(); ++n) {
      auto got = PublicKey::Parse(std::string_view(blob).substr(0, n));
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << "prefix " << n;
    }
  }
}

TEST(PublicKeyTest, SmallRsaKeysParseAndExposeBits) {
  // A 512-bit "modulus" (it need not be a real one to be parsed): policy refuses it by bits().
  std::string n = "\xc3" + std::string(62, '\x5a') + "\x01";
  WireWriter w;
  w.PutString("ssh-rsa");
  w.PutMpint("\x01\x00\x01"s);
  w.PutMpint(n);
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKey::Parse(w.data()));
  EXPECT_EQ(key.bits(), 512);
  EXPECT_EQ(key.key_type(), crypto::KeyType::kRsa);
  EXPECT_LT(key.bits(), crypto::kMinRsaBits);
}

TEST(PublicKeyTest, BadInput) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey ed,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[0]).public_key()));
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey p256,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[1]).public_key()));
  WireReader pr(p256.Marshal());
  (void)pr.ReadString();
  (void)pr.ReadString();
  const std::string point(pr.ReadString().value());
  std::string off_curve = point;
  off_curve.back() = static_cast<char>(off_curve.back() ^ 0x01);
  std::string compressed =
      std::string(1, static_cast<char>(0x02 + (point.back() & 1))) + point.substr(1, 32);
  const std::string n2048 = "\xc3" + std::string(254, '\x5a') + "\x01";

  struct Case {
    std::string name;
    std::string blob;
    StatusCode want;
    std::string message;  // substring of the error
  };
  const std::vector<Case> cases = {
      {"empty", "", StatusCode::kInvalidArgument, "truncated"},
      {"trailing byte", ed.Marshal() + "x", StatusCode::kInvalidArgument, "trailing data"},
      {"unknown type", Blob("ssh-dss", {"p", "q", "g", "y"}), StatusCode::kInvalidArgument,
       "unsupported key type"},
      {"certificate type", Blob("ssh-ed25519-cert-v01@openssh.com", {"nonce"}),
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"sk type", Blob("sk-ssh-ed25519@openssh.com", {std::string(32, 'a'), "ssh:"}),
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"oversized", Blob("ssh-ed25519", {std::string(kMaxKeyBlob, 'a')}),
       StatusCode::kResourceExhausted, "longer than"},
      {"ed25519 31 bytes", Blob("ssh-ed25519", {std::string(31, 'a')}),
       StatusCode::kInvalidArgument, "32 bytes"},
      {"ed25519 33 bytes", Blob("ssh-ed25519", {std::string(33, 'a')}),
       StatusCode::kInvalidArgument, "32 bytes"},
      {"curve mismatch", Blob("ecdsa-sha2-nistp256", {"nistp384", point}),
       StatusCode::kInvalidArgument, "does not match"},
      {"compressed point", Blob("ecdsa-sha2-nistp256", {"nistp256", compressed}),
       StatusCode::kInvalidArgument, "uncompressed"},
      {"point off curve", Blob("ecdsa-sha2-nistp256", {"nistp256", off_curve}),
       StatusCode::kInvalidArgument, "invalid ecdsa-sha2-nistp256 key"},
      {"point of wrong curve size", Blob("ecdsa-sha2-nistp384", {"nistp384", point}),
       StatusCode::kInvalidArgument, "uncompressed"},
      {"rsa non-minimal e", RsaBlob(std::string("\x00\x01\x00\x01", 4), "\x01" + n2048),
       StatusCode::kInvalidArgument, "non-minimal"},
      {"rsa negative n", RsaBlob("\x01\x00\x01"s, n2048), StatusCode::kInvalidArgument, "negative"},
      {"rsa e = 1", RsaBlob("\x01", std::string(1, '\0') + n2048), StatusCode::kInvalidArgument,
       "invalid ssh-rsa key"},
      {"rsa even e", RsaBlob("\x01\x00\x00"s, std::string(1, '\0') + n2048),
       StatusCode::kInvalidArgument, "invalid ssh-rsa key"},
      {"rsa zero e", RsaBlob("", std::string(1, '\0') + n2048), StatusCode::kInvalidArgument,
       "invalid ssh-rsa key"},
      {"rsa zero n", RsaBlob("\x01\x00\x01"s, ""), StatusCode::kInvalidArgument,
       "invalid ssh-rsa key"},
      {"rsa modulus over 16384 bits", RsaBlob("\x01\x00\x01"s, "\x01" + std::string(2048, 'a')),
       StatusCode::kResourceExhausted, "larger than 16384"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = PublicKey::Parse(c.blob);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), c.want) << got.status();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status();
  }
}

TEST(PublicKeyTest, BadAuthorizedKeyLines) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey ed,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[0]).public_key()));
  const std::string b64 = Base64Encode(ed.Marshal());
  struct Case {
    std::string name;
    std::string line;
    StatusCode want;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"empty", "", StatusCode::kInvalidArgument, "malformed key line"},
      {"type only", "ssh-ed25519", StatusCode::kInvalidArgument, "malformed key line"},
      {"invalid base64", "ssh-ed25519 AAAA!!!!", StatusCode::kInvalidArgument, "invalid base64"},
      {"type mismatch", "ssh-rsa " + b64, StatusCode::kInvalidArgument, "does not match"},
      {"unknown type", "ssh-dss " + Base64Encode(Blob("ssh-dss", {"p", "q", "g", "y"})),
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"options prefix", "no-pty ssh-ed25519 " + b64 + " c", StatusCode::kInvalidArgument, ""},
      {"two lines", "ssh-ed25519 " + b64 + "\nssh-ed25519 " + b64, StatusCode::kInvalidArgument,
       "several lines"},
      {"certificate line",
       "ssh-ed25519-cert-v01@openssh.com " +
           Base64Encode(Blob("ssh-ed25519-cert-v01@openssh.com", {"n"})),
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"line too long", "ssh-ed25519 " + b64 + " " + std::string(kMaxAuthorizedKeyLine, 'c'),
       StatusCode::kResourceExhausted, "longer than"},
      {"blob too long", "ssh-ed25519 " + std::string(kMaxKeyBlob / 3 * 4 + 8, 'A'),
       StatusCode::kResourceExhausted, "longer than"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = PublicKey::ParseAuthorizedKey(c.line);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), c.want) << got.status();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status();
  }
}

TEST(PublicKeyTest, EqualityIsByBlob) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey a,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[0]).public_key()));
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey b,
                             PublicKey::FromCrypto(KeyFor(AllKeyCases()[1]).public_key()));
  EXPECT_TRUE(a == a);
  EXPECT_FALSE(a == b);
  EXPECT_NE(a.FingerprintSha256(), b.FingerprintSha256());
}

}  // namespace
}  // namespace cairn::ssh
