#include "crypto/key.h"

#include <gtest/gtest.h>

#include <map>

#include "crypto/openssl_cli_for_test.h"
#include "crypto/pem.h"
#include "testing/fakes.h"

namespace cairn::crypto {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;

// Keys are generated once per process: RSA generation is slow.
const PrivateKey& KeyOf(KeyType type) {
  static auto* keys = new std::map<KeyType, PrivateKey>();
  auto it = keys->find(type);
  if (it == keys->end()) {
    auto k = PrivateKey::Generate(KeySpec{.type = type, .rsa_bits = 2048});
    CAIRN_CHECK(k.ok());
    it = keys->emplace(type, std::move(k).value()).first;
  }
  return it->second;
}

const KeyType kAllTypes[] = {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521,
                             KeyType::kEd25519, KeyType::kRsa};

TEST(ParseKeySpecTest, StepFlags) {
  struct Case {
    std::string kty, crv;
    int size;
    bool ok;
    KeyType type;
    int bits;
  };
  const Case cases[] = {
      {"", "", 0, true, KeyType::kEcP256, 0},
      {"EC", "", 0, true, KeyType::kEcP256, 0},
      {"EC", "P-256", 0, true, KeyType::kEcP256, 0},
      {"EC", "P-384", 0, true, KeyType::kEcP384, 0},
      {"EC", "P-521", 0, true, KeyType::kEcP521, 0},
      {"EC", "P-224", 0, false, KeyType::kEcP256, 0},
      {"EC", "Ed25519", 0, false, KeyType::kEcP256, 0},
      {"EC", "P-256", 2048, false, KeyType::kEcP256, 0},
      {"OKP", "", 0, true, KeyType::kEd25519, 0},
      {"OKP", "Ed25519", 0, true, KeyType::kEd25519, 0},
      {"OKP", "X25519", 0, false, KeyType::kEd25519, 0},
      {"RSA", "", 0, true, KeyType::kRsa, 2048},
      {"RSA", "", 3072, true, KeyType::kRsa, 3072},
      {"RSA", "", 8192, true, KeyType::kRsa, 8192},
      {"RSA", "", 1024, false, KeyType::kRsa, 0},
      {"RSA", "", 8193 + 7, false, KeyType::kRsa, 0},
      {"RSA", "P-256", 2048, false, KeyType::kRsa, 0},
      {"DSA", "", 0, false, KeyType::kRsa, 0},
      {"ec", "", 0, false, KeyType::kRsa, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.kty + "/" + c.crv + "/" + std::to_string(c.size));
    auto spec = ParseKeySpec(c.kty, c.crv, c.size);
    ASSERT_EQ(spec.ok(), c.ok) << spec.status();
    if (!c.ok) {
      EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    EXPECT_EQ(spec->type, c.type);
    if (c.type == KeyType::kRsa) {
      EXPECT_EQ(spec->rsa_bits, c.bits);
    }
  }
}

TEST(PrivateKeyTest, GenerateRejectsBadSpecs) {
  EXPECT_EQ(PrivateKey::Generate({.type = KeyType::kRsa, .rsa_bits = 1024}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::Generate({.type = KeyType::kOther}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PrivateKeyTest, TypesAndDescriptions) {
  struct Case {
    KeyType type;
    int bits;
    std::string describe;
  };
  const Case cases[] = {{KeyType::kEcP256, 256, "ECDSA P-256"},
                        {KeyType::kEcP384, 384, "ECDSA P-384"},
                        {KeyType::kEcP521, 521, "ECDSA P-521"},
                        {KeyType::kEd25519, 256, "Ed25519"},
                        {KeyType::kRsa, 2048, "RSA 2048"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.describe);
    const PrivateKey& key = KeyOf(c.type);
    EXPECT_EQ(key.type(), c.type);
    EXPECT_EQ(key.public_key().type(), c.type);
    EXPECT_EQ(key.public_key().bits(), c.bits);
    EXPECT_EQ(key.public_key().Describe(), c.describe);
  }
}

TEST(PrivateKeyTest, UnencryptedPemRoundTrip) {
  const std::map<KeyType, std::string> want_type = {{KeyType::kEcP256, "EC PRIVATE KEY"},
                                                    {KeyType::kEcP384, "EC PRIVATE KEY"},
                                                    {KeyType::kEcP521, "EC PRIVATE KEY"},
                                                    {KeyType::kEd25519, "PRIVATE KEY"},
                                                    {KeyType::kRsa, "RSA PRIVATE KEY"}};
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(std::string(KeyTypeName(type)));
    const PrivateKey& key = KeyOf(type);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem());
    EXPECT_THAT(pem, HasSubstr("-----BEGIN " + want_type.at(type) + "-----\n"));
    EXPECT_THAT(pem, ::testing::Not(HasSubstr("Proc-Type")));
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey back, PrivateKey::FromPem(pem));
    EXPECT_EQ(back.type(), type);
    EXPECT_TRUE(back.public_key().Equals(key.public_key()));
    // A password given for an unencrypted key is ignored, as step does.
    CAIRN_EXPECT_OK(PrivateKey::FromPem(pem, "unused"));

    CAIRN_ASSERT_OK_AND_ASSIGN(std::string p8, key.ToPkcs8Pem());
    EXPECT_THAT(p8, HasSubstr("-----BEGIN PRIVATE KEY-----\n"));
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey back8, PrivateKey::FromPem(p8));
    EXPECT_TRUE(back8.public_key().Equals(key.public_key()));

    CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, key.ToPkcs8Der());
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey backd, PrivateKey::FromDer(der));
    EXPECT_TRUE(backd.public_key().Equals(key.public_key()));
  }
}

TEST(PrivateKeyTest, EncryptedPemRoundTrip) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(std::string(KeyTypeName(type)));
    const PrivateKey& key = KeyOf(type);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem("correct horse"));
    if (type == KeyType::kEd25519) {
      EXPECT_THAT(pem, HasSubstr("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    } else {
      // The legacy format step writes: Proc-Type first, then DEK-Info with a 16-byte IV.
      EXPECT_THAT(pem, HasSubstr("PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
                                 "AES-256-CBC,"));
      CAIRN_ASSERT_OK_AND_ASSIGN(auto blocks, ParsePemBlocks(pem));
      ASSERT_EQ(blocks.size(), 1u);
      EXPECT_EQ(blocks[0].Header("DEK-Info").size(), std::string("AES-256-CBC,").size() + 32);
    }
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey back, PrivateKey::FromPem(pem, "correct horse"));
    EXPECT_TRUE(back.public_key().Equals(key.public_key()));

    auto wrong = PrivateKey::FromPem(pem, "battery staple");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(wrong.status().message(), HasSubstr("wrong password"));

    auto none = PrivateKey::FromPem(pem);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(none.status().message(), "key is encrypted, a password is required");

    CAIRN_ASSERT_OK_AND_ASSIGN(std::string p8, key.ToPkcs8Pem("pw"));
    EXPECT_THAT(p8, HasSubstr("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey back8, PrivateKey::FromPem(p8, "pw"));
    EXPECT_TRUE(back8.public_key().Equals(key.public_key()));
  }
}

TEST(PrivateKeyTest, EachEncryptionUsesFreshIv) {
  const PrivateKey& key = KeyOf(KeyType::kEcP256);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string a, key.ToPem("pw"));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string b, key.ToPem("pw"));
  EXPECT_NE(a, b);
}

TEST(PrivateKeyTest, BoundsAndGarbage) {
  const std::string long_password(kMaxPasswordLength + 1, 'x');
  EXPECT_EQ(KeyOf(KeyType::kEcP256).ToPem(long_password).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(PrivateKey::FromPem("x", long_password).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(PrivateKey::FromPem(std::string(kMaxKeyPemInput + 1, 'a')).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(PrivateKey::FromPem("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromPem(EncodePem("EC PRIVATE KEY", "garbage")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromPem(EncodePem("PRIVATE KEY", "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromDer("\x30\x00").status().code(), StatusCode::kInvalidArgument);

  // A truncated ciphertext or a corrupted DEK-Info is an error, never a crash.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, KeyOf(KeyType::kEcP256).ToPem("pw"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto blocks, ParsePemBlocks(pem));
  PemBlock cut = blocks[0];
  cut.bytes.resize(cut.bytes.size() - 3);
  EXPECT_EQ(PrivateKey::FromPem(EncodePem(cut), "pw").status().code(),
            StatusCode::kInvalidArgument);
  PemBlock bad_dek = blocks[0];
  bad_dek.headers[1].second = "AES-256-CBC,zz";
  EXPECT_EQ(PrivateKey::FromPem(EncodePem(bad_dek), "pw").status().code(),
            StatusCode::kInvalidArgument);
  PemBlock bad_cipher = blocks[0];
  bad_cipher.headers[1].second = "RC2-CBC,00112233445566778899aabbccddeeff";
  EXPECT_EQ(PrivateKey::FromPem(EncodePem(bad_cipher), "pw").status().code(),
            StatusCode::kInvalidArgument);
}

// step (Go) encodes the PBKDF2 PRF AlgorithmIdentifier's parameters as 00 00 instead of NULL
// (05 00); OpenSSL refuses that, we must not.
TEST(PrivateKeyTest, ReadsGoStylePbes2Parameters) {
  const PrivateKey& key = KeyOf(KeyType::kEd25519);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPkcs8Pem("mypassword"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto blocks, ParsePemBlocks(pem));
  ASSERT_EQ(blocks.size(), 1u);
  const std::string openssl_prf("\x06\x08\x2a\x86\x48\x86\xf7\x0d\x02\x09\x05\x00", 12);
  std::string go_prf = openssl_prf;
  go_prf[10] = '\0';
  size_t pos = blocks[0].bytes.find(openssl_prf);
  ASSERT_NE(pos, std::string::npos);
  blocks[0].bytes.replace(pos, openssl_prf.size(), go_prf);
  const std::string go_pem = EncodePem(blocks[0]);

  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey back, PrivateKey::FromPem(go_pem, "mypassword"));
  EXPECT_TRUE(back.public_key().Equals(key.public_key()));
  EXPECT_THAT(PrivateKey::FromPem(go_pem, "nope").status().message(), HasSubstr("wrong password"));
}

TEST(PrivateKeyTest, SkipsEcParametersBlock) {
  TempDir dir;
  auto r = RunCommand("openssl ecparam -name prime256v1 -genkey -out " + dir.File("k.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string pem = dir.Read("k.pem");
  ASSERT_THAT(pem, HasSubstr("EC PARAMETERS"));
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(pem));
  EXPECT_EQ(key.type(), KeyType::kEcP256);
}

// Keys encrypted by the openssl CLI in the legacy format (what step and old OpenSSL write) and
// as PKCS#8, with every cipher we claim to read.
TEST(PrivateKeyTest, ReadsOpensslEncryptedKeys) {
  TempDir dir;
  auto gen = RunCommand("openssl ecparam -name prime256v1 -genkey -noout -out " +
                        dir.File("ec.pem") + " && openssl genpkey -algorithm RSA -pkeyopt " +
                        "rsa_keygen_bits:2048 -out " + dir.File("rsa.pem") +
                        " && openssl genpkey -algorithm ED25519 -out " + dir.File("ed.pem"));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey ec, PrivateKey::FromPem(dir.Read("ec.pem")));
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey rsa, PrivateKey::FromPem(dir.Read("rsa.pem")));
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey ed, PrivateKey::FromPem(dir.Read("ed.pem")));

  struct Case {
    std::string name;
    std::string cmd;  // writes out.pem from the key files
    const PrivateKey* key;
    std::string want_header;
  };
  const std::string pass = " -passout pass:s3cret -out " + dir.File("out.pem");
  const Case cases[] = {
      {"ec aes128", "openssl ec -in " + dir.File("ec.pem") + " -aes128" + pass, &ec,
       "DEK-Info: AES-128-CBC,"},
      {"ec aes192", "openssl ec -in " + dir.File("ec.pem") + " -aes192" + pass, &ec,
       "DEK-Info: AES-192-CBC,"},
      {"ec aes256", "openssl ec -in " + dir.File("ec.pem") + " -aes256" + pass, &ec,
       "DEK-Info: AES-256-CBC,"},
      {"ec des3", "openssl ec -in " + dir.File("ec.pem") + " -des3" + pass, &ec,
       "DEK-Info: DES-EDE3-CBC,"},
      {"rsa traditional aes256",
       "openssl rsa -traditional -in " + dir.File("rsa.pem") + " -aes256" + pass, &rsa,
       "DEK-Info: AES-256-CBC,"},
      {"ec pkcs8 pbes2 aes256",
       "openssl pkcs8 -topk8 -v2 aes-256-cbc -in " + dir.File("ec.pem") + pass, &ec,
       "BEGIN ENCRYPTED PRIVATE KEY"},
      {"rsa pkcs8 pbes2 des3 sha1 prf",
       "openssl pkcs8 -topk8 -v2 des3 -v2prf hmacWithSHA1 -in " + dir.File("rsa.pem") + pass, &rsa,
       "BEGIN ENCRYPTED PRIVATE KEY"},
      {"ed25519 pkcs8 pbes2 aes128 sha512 prf",
       "openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA512 -in " + dir.File("ed.pem") +
           pass,
       &ed, "BEGIN ENCRYPTED PRIVATE KEY"},
      {"ec pkcs8 pbes1 sha1-3des",
       "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in " + dir.File("ec.pem") + pass, &ec,
       "BEGIN ENCRYPTED PRIVATE KEY"},
      {"ed25519 genpkey aes256", "openssl pkey -in " + dir.File("ed.pem") + " -aes256" + pass, &ed,
       "BEGIN ENCRYPTED PRIVATE KEY"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = RunCommand(c.cmd);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string pem = dir.Read("out.pem");
    ASSERT_THAT(pem, HasSubstr(c.want_header));
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(pem, "s3cret"));
    EXPECT_TRUE(key.public_key().Equals(c.key->public_key()));
    auto wrong = PrivateKey::FromPem(pem, "s3cre7");
    ASSERT_FALSE(wrong.ok());
    EXPECT_THAT(wrong.status().message(), HasSubstr("wrong password"));
    EXPECT_EQ(PrivateKey::FromPem(pem).status().message(),
              "key is encrypted, a password is required");
  }
}

// What we write with a password, openssl reads with -passin, and finds the same key.
TEST(PrivateKeyTest, OpensslReadsOurEncryptedKeys) {
  TempDir dir;
  struct Case {
    KeyType type;
    std::string tool;
  };
  const Case cases[] = {{KeyType::kEcP256, "ec"},
                        {KeyType::kEcP384, "ec"},
                        {KeyType::kEcP521, "ec"},
                        {KeyType::kRsa, "rsa"},
                        {KeyType::kEd25519, "pkey"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(KeyTypeName(c.type)));
    const PrivateKey& key = KeyOf(c.type);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem("pa ss"));
    const std::string in = dir.Write("key.pem", pem);
    auto r = RunCommand("openssl " + c.tool + " -in " + in + " -passin 'pass:pa ss' -pubout -out " +
                        dir.File("pub.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey pub, PublicKey::FromPem(dir.Read("pub.pem")));
    EXPECT_TRUE(pub.Equals(key.public_key()));
    EXPECT_EQ(pub.ToPem(), key.public_key().ToPem());
    auto wrong = RunCommand("openssl " + c.tool + " -in " + in + " -passin pass:other -noout");
    EXPECT_NE(wrong.exit_code, 0);

    // The unencrypted forms too.
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string plain, key.ToPem());
    dir.Write("plain.pem", plain);
    auto check = RunCommand("openssl " + c.tool + " -in " + dir.File("plain.pem") + " -noout");
    EXPECT_EQ(check.exit_code, 0) << check.output;
  }
}

TEST(PrivateKeyTest, SecOneCarriesCurveAndPublicKey) {
  // Go's x509.ParseECPrivateKey needs the named curve inside SEC1; check that we write it.
  TempDir dir;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, KeyOf(KeyType::kEcP256).ToPem());
  auto r = RunCommand("openssl asn1parse -in " + dir.Write("k.pem", pem));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("prime256v1"));
  EXPECT_THAT(r.output, HasSubstr("cont [ 1 ]"));
}

TEST(PrivateKeyTest, Rsa1024ParsesWithItsSize) {
  TempDir dir;
  auto r = RunCommand("openssl genrsa -traditional -out " + dir.File("rsa.pem") + " 1024");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(dir.Read("rsa.pem")));
  EXPECT_EQ(key.type(), KeyType::kRsa);
  EXPECT_EQ(key.public_key().bits(), 1024);
  EXPECT_EQ(key.public_key().Describe(), "RSA 1024");
}

TEST(PrivateKeyTest, RejectsUnsupportedKinds) {
  TempDir dir;
  auto r = RunCommand("openssl ecparam -name secp256k1 -genkey -noout -out " + dir.File("k1.pem") +
                      " && openssl genpkey -algorithm ED448 -out " + dir.File("ed448.pem") +
                      " && openssl pkey -in " + dir.File("k1.pem") + " -pubout -out " +
                      dir.File("k1.pub"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"k1.pem", "ed448.pem"}) {
    SCOPED_TRACE(name);
    auto k = PrivateKey::FromPem(dir.Read(name));
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(k.status().message(), HasSubstr("unsupported key type"));
  }
  EXPECT_EQ(PublicKey::FromPem(dir.Read("k1.pub")).status().code(), StatusCode::kInvalidArgument);
}

TEST(PublicKeyTest, DerPemRoundTripAndEquality) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(std::string(KeyTypeName(type)));
    const PublicKey& pub = KeyOf(type).public_key();
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, pub.ToDer());
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey from_der, PublicKey::FromDer(der));
    EXPECT_TRUE(from_der.Equals(pub));
    EXPECT_EQ(from_der.type(), type);
    const std::string pem = pub.ToPem();
    EXPECT_THAT(pem, HasSubstr("-----BEGIN PUBLIC KEY-----\n"));
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey from_pem, PublicKey::FromPem(pem));
    EXPECT_TRUE(from_pem.Equals(pub));
    PublicKey copy = from_pem;
    EXPECT_TRUE(copy.Equals(pub));
    EXPECT_EQ(copy.get(), from_pem.get());  // shared, not duplicated
    EXPECT_EQ(PublicKey::FromDer(der + "x").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(PublicKey::FromDer(der.substr(0, der.size() - 1)).status().code(),
              StatusCode::kInvalidArgument);
    for (KeyType other : kAllTypes) {
      if (other != type) {
        EXPECT_FALSE(pub.Equals(KeyOf(other).public_key()));
      }
    }
  }
  auto fresh = PrivateKey::Generate({.type = KeyType::kEcP256});
  CAIRN_ASSERT_OK(fresh);
  EXPECT_FALSE(fresh->public_key().Equals(KeyOf(KeyType::kEcP256).public_key()));
  EXPECT_EQ(PublicKey::FromPem("no pem here").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::crypto
