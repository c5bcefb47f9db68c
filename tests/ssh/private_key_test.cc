#include "ssh/private_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/signer.h"
#include "ssh/ssh_keygen_for_test.h"
#include "ssh/wire.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using ::cairn::testing::FakeRandom;
using testing::AllKeyCases;
using testing::GenerateWithSshKeygen;
using testing::KeyCase;
using testing::KeyFor;
using testing::SshKeygen;
using testing::TempDir;

// Binary returns the decoded body of an armoured key.
std::string Binary(const std::string& pem) {
  std::string b64;
  for (const auto& line : Split(pem, '\n')) {
    if (!line.starts_with("-----")) b64 += line;
  }
  return Base64Decode(b64).value();
}

// Armour wraps a binary encoding as MarshalOpenSshPrivateKey does.
std::string Armour(const std::string& bin) {
  return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Base64Encode(bin) +
         "\n-----END OPENSSH PRIVATE KEY-----\n";
}

// Sections splits a key's binary encoding into the part before the private section and the
// private section itself.
struct Parts {
  std::string head;
  std::string section;
};
Parts SplitParts(const std::string& bin) {
  WireReader r(std::string_view(bin).substr(15));
  for (int i = 0; i < 3; ++i) (void)r.ReadString().value();
  (void)r.ReadUint32().value();
  (void)r.ReadString().value();
  const size_t head_len = 15 + r.offset();
  return {bin.substr(0, head_len), std::string(r.ReadString().value())};
}
std::string Join(const Parts& p) {
  WireWriter w;
  w.PutRaw(p.head);
  w.PutString(p.section);
  return w.Take();
}

std::string Pkcs8(const crypto::PrivateKey& k) { return k.ToPkcs8Der().value(); }

class PrivateKeyTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(PrivateKeyTest, RoundTrip) {
  const crypto::PrivateKey& key = KeyFor(GetParam());
  FakeRandom random;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem,
                             MarshalOpenSshPrivateKey(key, "alice@example.com", random));
  EXPECT_TRUE(pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
  EXPECT_TRUE(pem.ends_with("-----END OPENSSH PRIVATE KEY-----\n"));
  CAIRN_ASSERT_OK_AND_ASSIGN(OpenSshPrivateKey parsed, ParseOpenSshPrivateKey(pem));
  EXPECT_EQ(parsed.comment, "alice@example.com");
  EXPECT_EQ(parsed.key.type(), key.type());
  EXPECT_EQ(Pkcs8(parsed.key), Pkcs8(key));
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey pub, PublicKey::FromCrypto(key.public_key()));
  EXPECT_TRUE(parsed.public_key.Equals(pub));
}

TEST_P(PrivateKeyTest, SshKeygenReadsWhatWeWrite) {
  const crypto::PrivateKey& key = KeyFor(GetParam());
  FakeRandom random(7);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, MarshalOpenSshPrivateKey(key, "c", random));
  TempDir dir;
  const std::string path = dir.Write("id", pem);
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  auto r = SshKeygen("-y -f " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey pub, PublicKey::FromCrypto(key.public_key()));
  // ssh-keygen -y prints "type base64 comment".
  EXPECT_EQ(r.output, pub.MarshalAuthorizedKey("c"));
}

TEST_P(PrivateKeyTest, ReadsWhatSshKeygenWrites) {
  TempDir dir;
  const std::string pub_line = GenerateWithSshKeygen(dir, "id", GetParam(), "bob@host");
  ASSERT_FALSE(pub_line.empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(OpenSshPrivateKey parsed, ParseOpenSshPrivateKey(dir.Read("id")));
  EXPECT_EQ(parsed.comment, "bob@host");
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey want, PublicKey::ParseAuthorizedKey(pub_line));
  EXPECT_TRUE(parsed.public_key.Equals(want));
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey derived, PublicKey::FromCrypto(parsed.key.public_key()));
  EXPECT_TRUE(derived.Equals(want));
  // And what we write back is what ssh-keygen reads as the same key.
  FakeRandom random;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string again,
                             MarshalOpenSshPrivateKey(parsed.key, "bob@host", random));
  const std::string path = dir.Write("again", again);
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  auto r = SshKeygen("-y -f " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, pub_line);
}

TEST_P(PrivateKeyTest, EncryptedKeyIsRefusedClearly) {
  TempDir dir;
  auto r = SshKeygen("-q " + GetParam().keygen_args + " -N secret-pass -f " + dir.File("id"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto parsed = ParseOpenSshPrivateKey(dir.Read("id"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(parsed.status().message().find("bcrypt KDF not supported; use a PEM key"),
            std::string::npos)
      << parsed.status().message();
}

TEST_P(PrivateKeyTest, MismatchedHalvesAreRefused) {
  // The public key of one key with the private section of another of the same type.
  const crypto::PrivateKey& a = KeyFor(GetParam(), 0);
  const crypto::PrivateKey& b = KeyFor(GetParam(), 1);
  FakeRandom random;
  Parts pa = SplitParts(Binary(MarshalOpenSshPrivateKey(a, "", random).value()));
  Parts pb = SplitParts(Binary(MarshalOpenSshPrivateKey(b, "", random).value()));
  pa.section = pb.section;
  auto parsed = ParseOpenSshPrivateKey(Armour(Join(pa)));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("does not match"), std::string::npos)
      << parsed.status().message();
}

TEST_P(PrivateKeyTest, ForgedPrivateHalfIsRefused) {
  // Key A's public fields repeated correctly in the private section, with key B's private
  // numbers: only a check of the numbers themselves (derivation, pairwise check) sees it.
  const crypto::PrivateKey& a = KeyFor(GetParam(), 0);
  const crypto::PrivateKey& b = KeyFor(GetParam(), 1);
  const std::string fa = MarshalPrivateKeyFields(a).value();
  const std::string fb = MarshalPrivateKeyFields(b).value();
  WireReader ra(fa), rb(fb);
  WireWriter forged;
  forged.PutString(ra.ReadString().value());
  (void)rb.ReadString().value();
  switch (a.type()) {
    case crypto::KeyType::kEd25519: {
      const std::string pk(ra.ReadString().value());
      (void)rb.ReadString().value();
      forged.PutString(pk);
      forged.PutString(std::string(rb.ReadString().value().substr(0, 32)) + pk);
      break;
    }
    case crypto::KeyType::kRsa:
      for (int i = 0; i < 2; ++i) {  // n, e of A
        forged.PutMpint(ra.ReadMpint().value());
        (void)rb.ReadMpint().value();
      }
      for (int i = 0; i < 4; ++i) forged.PutMpint(rb.ReadMpint().value());  // d, iqmp, p, q
      break;
    default:
      for (int i = 0; i < 2; ++i) {  // curve, Q of A
        forged.PutString(ra.ReadString().value());
        (void)rb.ReadString().value();
      }
      forged.PutMpint(rb.ReadMpint().value());  // d of B
      break;
  }
  WireWriter section;
  section.PutUint32(7);
  section.PutUint32(7);
  section.PutRaw(forged.data());
  section.PutString("");
  for (uint8_t pad = 1; section.size() % 8 != 0; ++pad) section.PutByte(pad);
  FakeRandom random;
  Parts p = SplitParts(Binary(MarshalOpenSshPrivateKey(a, "", random).value()));
  p.section = section.data();
  auto parsed = ParseOpenSshPrivateKey(Armour(Join(p)));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("does not match"), std::string::npos)
      << parsed.status().message();
}

INSTANTIATE_TEST_SUITE_P(AllKeys, PrivateKeyTest, ::testing::ValuesIn(AllKeyCases()),
                         [](const ::testing::TestParamInfo<KeyCase>& i) { return i.param.name; });

class PrivateKeyMalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
    FakeRandom random;
    bin_ = Binary(MarshalOpenSshPrivateKey(key_, "x", random).value());
  }
  Status ParseBin(const std::string& bin) { return ParseOpenSshPrivateKey(Armour(bin)).status(); }

  crypto::PrivateKey key_ = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  std::string bin_;
};

TEST_F(PrivateKeyMalformedTest, Refusals) {
  CAIRN_EXPECT_OK(ParseBin(bin_));
  struct Case {
    std::string name;
    std::string bin;
    StatusCode code;
  };
  std::vector<Case> cases;
  {
    std::string b = bin_;
    b[0] = 'O';
    cases.push_back({"bad magic", b, StatusCode::kInvalidArgument});
  }
  cases.push_back({"truncated", bin_.substr(0, bin_.size() - 9), StatusCode::kInvalidArgument});
  cases.push_back({"trailing byte", bin_ + "x", StatusCode::kInvalidArgument});
  {
    Parts p = SplitParts(bin_);
    p.section[0] ^= 1;  // first check integer
    cases.push_back({"check integers differ", Join(p), StatusCode::kInvalidArgument});
  }
  {
    Parts p = SplitParts(bin_);
    p.section.back() ^= 0x40;  // last padding byte
    cases.push_back({"bad padding", Join(p), StatusCode::kInvalidArgument});
  }
  {
    Parts p = SplitParts(bin_);
    p.section += std::string(8, '\x09');
    cases.push_back({"too much padding", Join(p), StatusCode::kInvalidArgument});
  }
  {
    // Two keys announced.
    std::string b = bin_;
    WireReader r(std::string_view(b).substr(15));
    for (int i = 0; i < 3; ++i) (void)r.ReadString().value();
    b[15 + r.offset() + 3] = 2;
    cases.push_back({"two keys", b, StatusCode::kInvalidArgument});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = ParseBin(c.bin);
    EXPECT_EQ(s.code(), c.code) << s.message();
  }
  EXPECT_EQ(ParseOpenSshPrivateKey("no key here").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseOpenSshPrivateKey(std::string(kMaxPrivateKeyFile + 1, 'A')).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(ParseOpenSshPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PrivateKeyMalformedTest, LongCommentsAreBounded) {
  FakeRandom random;
  EXPECT_EQ(MarshalOpenSshPrivateKey(key_, std::string(kMaxPrivateKeyComment + 1, 'c'), random)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  CAIRN_EXPECT_OK(
      MarshalOpenSshPrivateKey(key_, std::string(kMaxPrivateKeyComment, 'c'), random).status());
}

TEST(MarshalPrivateKeyFieldsTest, CertificateMustBeForTheKey) {
  const auto key = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  const auto other = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  const auto ca = crypto::PrivateKey::Generate({crypto::KeyType::kEcP256}).value();
  crypto::KeySigner signer(ca);
  FakeRandom random;
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate cert, SignCertificate({.key = PublicKey::FromCrypto(key.public_key()).value(),
                                         .serial = 1,
                                         .key_id = "k",
                                         .principals = {"p"}},
                                        signer, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string fields, MarshalPrivateKeyFields(key, &cert));
  WireReader r(fields);
  EXPECT_EQ(r.ReadString().value(), "ssh-ed25519-cert-v01@openssh.com");
  EXPECT_EQ(r.ReadString().value(), cert.Marshal());
  EXPECT_EQ(MarshalPrivateKeyFields(other, &cert).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::ssh
