#include "ssh/certificate.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "ssh/ssh_keygen_for_test.h"
#include "ssh/wire.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using testing::AllKeyCases;
using testing::KeyCase;
using testing::KeyFor;
using testing::SshKeygen;
using testing::TempDir;

constexpr uint64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr uint64_t kJan2 = kJan1 + 86400;

const KeyCase& ByName(const std::string& name) {
  for (const auto& kc : AllKeyCases()) {
    if (kc.name == name) return kc;
  }
  ADD_FAILURE() << "no key case " << name;
  return AllKeyCases()[0];
}

PublicKey SshKey(const KeyCase& kc, int slot = 0) {
  return PublicKey::FromCrypto(KeyFor(kc, slot).public_key()).value();
}

CertificateTemplate UserTemplate(const PublicKey& key) {
  auto extensions = DefaultUserExtensions();
  extensions["login@example.com"] = "alice";
  return CertificateTemplate{
      .key = key,
      .serial = 12345678901234567ULL,
      .type = CertType::kUser,
      .key_id = "alice@example.com",
      .principals = {"alice", "admin"},
      .valid_after = kJan1,
      .valid_before = kJan2,
      .critical_options = {{"force-command", "/bin/true"},
                           {"source-address", "10.0.0.0/8,192.168.1.1"}},
      .extensions = extensions,
  };
}

CertificateTemplate HostTemplate(const PublicKey& key) {
  return CertificateTemplate{
      .key = key,
      .serial = 7,
      .type = CertType::kHost,
      .key_id = "host.example.com",
      .principals = {"host.example.com", "10.1.2.3"},
      .valid_after = kJan1,
      .valid_before = kJan2,
  };
}

// Listing returns what `ssh-keygen -L` (OpenSSH 9.2, TZ=UTC) prints for a certificate made from
// `tmpl` by `ca_case` with signature format `format`.
std::string Listing(const std::string& path, const CertificateTemplate& tmpl,
                    const KeyCase& subject, const KeyCase& ca_case, const PublicKey& ca_key,
                    const std::string& format) {
  const std::string indent = "        ";
  const std::string item = indent + indent;
  std::string out = path + ":\n";
  out += indent + "Type: " + subject.ssh_type + "-cert-v01@openssh.com " +
         std::string(CertTypeName(tmpl.type)) + " certificate\n";
  out += indent + "Public key: " + subject.keygen_type + "-CERT " + tmpl.key.FingerprintSha256() +
         "\n";
  out += indent + "Signing CA: " + ca_case.keygen_type + " " + ca_key.FingerprintSha256() +
         " (using " + format + ")\n";
  out += indent + "Key ID: \"" + tmpl.key_id + "\"\n";
  out += indent + "Serial: " + std::to_string(tmpl.serial) + "\n";
  out += indent + "Valid: from 2026-01-01T00:00:00 to 2026-01-02T00:00:00\n";
  if (tmpl.principals.empty()) {
    out += indent + "Principals: (none)\n";
  } else {
    out += indent + "Principals: \n";
    for (const auto& p : tmpl.principals) out += item + p + "\n";
  }
  if (tmpl.critical_options.empty()) {
    out += indent + "Critical Options: (none)\n";
  } else {
    out += indent + "Critical Options: \n";
    for (const auto& [name, value] : tmpl.critical_options) out += item + name + " " + value + "\n";
  }
  if (tmpl.extensions.empty()) {
    out += indent + "Extensions: (none)\n";
  } else {
    out += indent + "Extensions: \n";
    for (const auto& [name, value] : tmpl.extensions) {
      if (value.empty()) {
        out += item + name + "\n";
      } else {
        // ssh-keygen shows extensions it does not know as the hex of their data: the value
        // wrapped in a string.
        WireWriter w;
        w.PutString(value);
        out += item + name + " UNKNOWN OPTION: " + HexEncode(w.data()) + " (len " +
               std::to_string(w.size()) + ")\n";
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Certificates we sign, as ssh-keygen reads them (ssh-keygen verifies the CA signature when it
// loads a certificate, so a listing also proves the signature).

class SignedByUsTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(SignedByUsTest, SshKeygenListsEveryField) {
  const KeyCase& ca_case = GetParam();
  crypto::KeySigner ca(KeyFor(ca_case, 1));
  const PublicKey ca_key = SshKey(ca_case, 1);
  cairn::testing::FakeRandom random(1);
  TempDir dir;
  for (const auto& subject : AllKeyCases()) {
    for (bool user : {true, false}) {
      SCOPED_TRACE(subject.name + (user ? " user" : " host"));
      const CertificateTemplate tmpl =
          user ? UserTemplate(SshKey(subject)) : HostTemplate(SshKey(subject));
      CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, SignCertificate(tmpl, ca, random));
      EXPECT_EQ(cert.signature_format(), ca_case.signature_format);
      CAIRN_EXPECT_OK(cert.Verify());
      const std::string path = dir.Write(subject.name + (user ? "-user" : "-host") + "-cert.pub",
                                         cert.MarshalAuthorizedKey("comment"));
      auto listed = SshKeygen("-L -f " + path);
      ASSERT_EQ(listed.exit_code, 0) << listed.output;
      EXPECT_EQ(listed.output,
                Listing(path, tmpl, subject, ca_case, ca_key, ca_case.signature_format));
    }
  }
}

TEST_P(SignedByUsTest, SshKeygenRejectsABadSignature) {
  const KeyCase& ca_case = GetParam();
  crypto::KeySigner ca(KeyFor(ca_case, 1));
  cairn::testing::FakeRandom random(2);
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                             SignCertificate(UserTemplate(SshKey(ByName("ed25519"))), ca, random));
  // Change the key id's last byte: the signature no longer covers the data.
  std::string wire = cert.Marshal();
  const size_t at = wire.find("alice@example.com") + 16;
  wire[at] = 'n';
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate bad, Certificate::Parse(wire));
  EXPECT_EQ(bad.key_id(), "alice@example.con");
  EXPECT_FALSE(bad.Verify().ok());
  TempDir dir;
  const std::string path = dir.Write("bad-cert.pub", bad.MarshalAuthorizedKey());
  auto listed = SshKeygen("-L -f " + path);
  EXPECT_NE(listed.exit_code, 0) << listed.output;
}

TEST_P(SignedByUsTest, RoundTripsThroughParse) {
  const KeyCase& ca_case = GetParam();
  crypto::KeySigner ca(KeyFor(ca_case, 1));
  cairn::testing::FakeRandom random(3);
  const CertificateTemplate tmpl = UserTemplate(SshKey(ByName("p384")));
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, SignCertificate(tmpl, ca, random));
  std::string comment;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate parsed, Certificate::ParseAuthorizedKey(
                                                     cert.MarshalAuthorizedKey("c d"), &comment));
  EXPECT_EQ(comment, "c d");
  EXPECT_EQ(parsed.Marshal(), cert.Marshal());
  EXPECT_EQ(parsed.type_name(), "ecdsa-sha2-nistp384-cert-v01@openssh.com");
  EXPECT_EQ(parsed.nonce(), cert.nonce());
  EXPECT_EQ(parsed.key(), tmpl.key);
  EXPECT_EQ(parsed.serial(), tmpl.serial);
  EXPECT_EQ(parsed.type(), CertType::kUser);
  EXPECT_EQ(parsed.key_id(), tmpl.key_id);
  EXPECT_EQ(parsed.principals(), tmpl.principals);
  EXPECT_EQ(parsed.valid_after(), tmpl.valid_after);
  EXPECT_EQ(parsed.valid_before(), tmpl.valid_before);
  EXPECT_EQ(parsed.critical_options(), tmpl.critical_options);
  EXPECT_EQ(parsed.extensions(), tmpl.extensions);
  EXPECT_EQ(parsed.reserved(), "");
  EXPECT_EQ(parsed.signature_key(), SshKey(ca_case, 1));
  EXPECT_EQ(parsed.signature(), cert.signature());
  EXPECT_EQ(parsed.signature_format(), ca_case.signature_format);
  EXPECT_EQ(parsed.signed_data(), cert.signed_data());
  CAIRN_EXPECT_OK(parsed.Verify());
}

// Every single-byte change of a certificate is caught: by Parse or by Verify.
TEST_P(SignedByUsTest, EveryByteFlipIsDetected) {
  const KeyCase& ca_case = GetParam();
  crypto::KeySigner ca(KeyFor(ca_case, 1));
  cairn::testing::FakeRandom random(4);
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                             SignCertificate(HostTemplate(SshKey(ByName("ed25519"))), ca, random));
  const std::string& wire = cert.Marshal();
  for (size_t i = 0; i < wire.size(); ++i) {
    std::string mutated = wire;
    mutated[i] = static_cast<char>(mutated[i] ^ 0x01);
    auto parsed = Certificate::Parse(mutated);
    if (parsed.ok()) {
      EXPECT_FALSE(parsed->Verify().ok()) << "byte " << i << " flipped";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCaKeys, SignedByUsTest, ::testing::ValuesIn(AllKeyCases()),
                         [](const ::testing::TestParamInfo<KeyCase>& p) { return p.param.name; });

TEST(SignCertificateTest, RsaSha256OnRequest) {
  crypto::KeySigner ca(KeyFor(ByName("rsa2048"), 1));
  cairn::testing::FakeRandom random(5);
  const CertificateTemplate tmpl = HostTemplate(SshKey(ByName("p256")));
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                             SignCertificate(tmpl, ca, random, SignatureAlgorithm::kRsaSha256));
  EXPECT_EQ(cert.signature_format(), "rsa-sha2-256");
  CAIRN_EXPECT_OK(cert.Verify());
  TempDir dir;
  const std::string path = dir.Write("cert.pub", cert.MarshalAuthorizedKey());
  auto listed = SshKeygen("-L -f " + path);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output, Listing(path, tmpl, ByName("p256"), ByName("rsa2048"),
                                   SshKey(ByName("rsa2048"), 1), "rsa-sha2-256"));
  // rsa-sha2-512 explicitly is the default.
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert512,
                             SignCertificate(tmpl, ca, random, SignatureAlgorithm::kRsaSha512));
  EXPECT_EQ(cert512.signature_format(), "rsa-sha2-512");
}

TEST(SignCertificateTest, RsaAlgorithmWithOtherCaKeysFails) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(6);
  auto cert = SignCertificate(HostTemplate(SshKey(ByName("p256"))), ca, random,
                              SignatureAlgorithm::kRsaSha256);
  EXPECT_EQ(cert.status().code(), StatusCode::kInvalidArgument) << cert.status();
}

TEST(SignCertificateTest, NonceIsDrawnWhenEmptyAndKeptWhenGiven) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(7);
  cairn::testing::FakeRandom same(7);
  CertificateTemplate tmpl = HostTemplate(SshKey(ByName("p256")));
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate drawn, SignCertificate(tmpl, ca, random));
  EXPECT_EQ(drawn.nonce().size(), kNonceLength);
  EXPECT_EQ(drawn.nonce(), same.Bytes(kNonceLength).value());

  tmpl.nonce = "0123456789abcdefghijklmnopqrstuv";  // step-ca style: 32 ASCII characters
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate given, SignCertificate(tmpl, ca, random));
  EXPECT_EQ(given.nonce(), tmpl.nonce);
  WireReader r(given.Marshal());
  (void)r.ReadString();
  EXPECT_EQ(r.ReadString().value(), tmpl.nonce);  // the nonce is the second field
}

TEST(SignCertificateTest, DefaultUserExtensionsAreStepCas) {
  const auto ext = DefaultUserExtensions();
  EXPECT_EQ(ext, (std::map<std::string, std::string>{{"permit-X11-forwarding", ""},
                                                     {"permit-agent-forwarding", ""},
                                                     {"permit-port-forwarding", ""},
                                                     {"permit-pty", ""},
                                                     {"permit-user-rc", ""}}));
}

// Options are encoded sorted, flags as empty data, values as a string inside the data.
TEST(SignCertificateTest, OptionEncoding) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(8);
  CertificateTemplate tmpl = UserTemplate(SshKey(ByName("ed25519")));
  tmpl.critical_options = {{"source-address", "10.0.0.1"}, {"force-command", "ls"}};
  tmpl.extensions = {{"permit-pty", ""}, {"a@b", "v"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, SignCertificate(tmpl, ca, random));
  WireReader r(cert.Marshal());
  (void)r.ReadString();  // type
  (void)r.ReadString();  // nonce
  (void)r.ReadString();  // Ed25519 key
  (void)r.ReadUint64();  // serial
  (void)r.ReadUint32();  // type
  (void)r.ReadString();  // key id
  (void)r.ReadString();  // principals
  (void)r.ReadUint64();  // valid after
  (void)r.ReadUint64();  // valid before
  EXPECT_EQ(HexEncode(r.ReadString().value()), "0000000d" + HexEncode("force-command") +
                                                   "00000006"
                                                   "00000002" +
                                                   HexEncode("ls") + "0000000e" +
                                                   HexEncode("source-address") +
                                                   "0000000c"
                                                   "00000008" +
                                                   HexEncode("10.0.0.1"));
  EXPECT_EQ(HexEncode(r.ReadString().value()), "00000003" + HexEncode("a@b") +
                                                   "00000005"
                                                   "00000001" +
                                                   HexEncode("v") + "0000000a" +
                                                   HexEncode("permit-pty") + "00000000");
  EXPECT_EQ(r.ReadString().value(), "");  // reserved
}

TEST(SignCertificateTest, EmptyPrincipalsOnlyWhenAllowed) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(9);
  CertificateTemplate tmpl = HostTemplate(SshKey(ByName("ed25519")));
  tmpl.principals.clear();
  auto refused = SignCertificate(tmpl, ca, random);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status();
  EXPECT_NE(refused.status().message().find("principals cannot be empty"), std::string::npos);

  tmpl.allow_any_principal = true;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, SignCertificate(tmpl, ca, random));
  EXPECT_TRUE(cert.principals().empty());
  // OpenSSH shows an empty list as "(none)": valid for any principal where none is required.
  TempDir dir;
  const std::string path = dir.Write("cert.pub", cert.MarshalAuthorizedKey());
  auto listed = SshKeygen("-L -f " + path);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output, Listing(path, tmpl, ByName("ed25519"), ByName("ed25519"),
                                   SshKey(ByName("ed25519"), 1), "ssh-ed25519"));
  // Our principal check never matches an empty list.
  EXPECT_EQ(cert.CheckValidFor(CertType::kHost, "anything", FromUnixSeconds(kJan1)).code(),
            StatusCode::kUnauthenticated);
}

TEST(SignCertificateTest, ForeverValidity) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(10);
  CertificateTemplate tmpl = HostTemplate(SshKey(ByName("ed25519")));
  tmpl.valid_after = 0;
  tmpl.valid_before = kForever;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, SignCertificate(tmpl, ca, random));
  TempDir dir;
  auto listed = SshKeygen("-L -f " + dir.Write("cert.pub", cert.MarshalAuthorizedKey()));
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("        Valid: forever\n"), std::string::npos) << listed.output;
  CAIRN_EXPECT_OK(cert.CheckValidity(FromUnixSeconds(0)));
  CAIRN_EXPECT_OK(cert.CheckValidity(FromUnixSeconds(4102444800)));  // 2100-01-01
}

TEST(SignCertificateTest, BadTemplates) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(11);
  const CertificateTemplate base = UserTemplate(SshKey(ByName("ed25519")));
  struct Case {
    std::string name;
    std::function<void(CertificateTemplate&)> mutate;
    StatusCode want;
  };
  const std::vector<Case> cases = {
      {"type 3", [](auto& t) { t.type = static_cast<CertType>(3); }, StatusCode::kInvalidArgument},
      {"empty principals", [](auto& t) { t.principals.clear(); }, StatusCode::kInvalidArgument},
      {"empty principal", [](auto& t) { t.principals.push_back(""); },
       StatusCode::kInvalidArgument},
      {"principal with NUL", [](auto& t) { t.principals.push_back(std::string("a\0b", 3)); },
       StatusCode::kInvalidArgument},
      {"principal too long",
       [](auto& t) { t.principals.push_back(std::string(kMaxPrincipalLength + 1, 'a')); },
       StatusCode::kResourceExhausted},
      {"too many principals", [](auto& t) { t.principals.assign(kMaxPrincipals + 1, "p"); },
       StatusCode::kResourceExhausted},
      {"key id with NUL", [](auto& t) { t.key_id = std::string("a\0", 2); },
       StatusCode::kInvalidArgument},
      {"key id too long", [](auto& t) { t.key_id = std::string(kMaxKeyIdLength + 1, 'k'); },
       StatusCode::kResourceExhausted},
      {"empty validity", [](auto& t) { t.valid_before = t.valid_after; },
       StatusCode::kInvalidArgument},
      {"inverted validity", [](auto& t) { t.valid_before = t.valid_after - 1; },
       StatusCode::kInvalidArgument},
      {"empty option name", [](auto& t) { t.critical_options[""] = "x"; },
       StatusCode::kInvalidArgument},
      {"option name with NUL", [](auto& t) { t.extensions[std::string("a\0", 2)] = ""; },
       StatusCode::kInvalidArgument},
      {"option name too long",
       [](auto& t) { t.extensions[std::string(kMaxOptionNameLength + 1, 'n')] = ""; },
       StatusCode::kResourceExhausted},
      {"too many extensions",
       [](auto& t) {
         for (size_t i = 0; i <= kMaxOptions; ++i) t.extensions["e" + std::to_string(i)] = "";
       },
       StatusCode::kResourceExhausted},
      {"too many critical options",
       [](auto& t) {
         for (size_t i = 0; i <= kMaxOptions; ++i) t.critical_options["c" + std::to_string(i)] = "";
       },
       StatusCode::kResourceExhausted},
      {"nonce too long", [](auto& t) { t.nonce = std::string(kMaxNonceLength + 1, 'n'); },
       StatusCode::kResourceExhausted},
      {"certificate too long",
       [](auto& t) { t.critical_options["force-command"] = std::string(kMaxCertificate, 'x'); },
       StatusCode::kResourceExhausted},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateTemplate tmpl = base;
    c.mutate(tmpl);
    auto got = SignCertificate(tmpl, ca, random);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), c.want) << got.status();
  }
}

TEST(CertificateTest, CheckValidFor) {
  crypto::KeySigner ca(KeyFor(ByName("ed25519"), 1));
  cairn::testing::FakeRandom random(12);
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                             SignCertificate(UserTemplate(SshKey(ByName("p256"))), ca, random));
  const Time mid = FromUnixSeconds(kJan1 + 3600);
  CAIRN_EXPECT_OK(cert.CheckValidFor(CertType::kUser, "alice", mid));
  CAIRN_EXPECT_OK(cert.CheckValidFor(CertType::kUser, "admin", FromUnixSeconds(kJan1)));
  CAIRN_EXPECT_OK(cert.CheckValidFor(CertType::kUser, "alice", FromUnixSeconds(kJan2 - 1)));
  struct Case {
    std::string name;
    CertType type;
    std::string principal;
    Time now;
  };
  const std::vector<Case> cases = {
      {"host", CertType::kHost, "alice", mid},
      {"unknown principal", CertType::kUser, "mallory", mid},
      {"principal prefix", CertType::kUser, "ali", mid},
      {"not yet valid", CertType::kUser, "alice", FromUnixSeconds(kJan1 - 1)},
      {"expired at valid_before", CertType::kUser, "alice", FromUnixSeconds(kJan2)},
      {"before 1970", CertType::kUser, "alice", FromUnixSeconds(-5)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(cert.CheckValidFor(c.type, c.principal, c.now).code(), StatusCode::kUnauthenticated);
  }
}

// ---------------------------------------------------------------------------------------------
// Certificates ssh-keygen signs, as we read them.

class SignedBySshKeygenTest : public ::testing::TestWithParam<KeyCase> {
 protected:
  // Subject keys are made once for the suite ("user-<case>" in a shared directory).
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    for (const auto& subject : AllKeyCases()) {
      testing::GenerateWithSshKeygen(*dir_, "user-" + subject.name, subject, "user@example");
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* SignedBySshKeygenTest::dir_ = nullptr;

TEST_P(SignedBySshKeygenTest, ParsesEveryFieldAndVerifies) {
  const KeyCase& ca_case = GetParam();
  TempDir& dir = *dir_;
  testing::GenerateWithSshKeygen(dir, "ca-" + ca_case.name, ca_case, "ca");
  CAIRN_ASSERT_OK_AND_ASSIGN(
      PublicKey ca_key, PublicKey::ParseAuthorizedKey(dir.Read("ca-" + ca_case.name + ".pub")));
  for (const auto& subject : AllKeyCases()) {
    SCOPED_TRACE(subject.name);
    const std::string user = "user-" + subject.name;
    CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey user_key,
                               PublicKey::ParseAuthorizedKey(dir.Read(user + ".pub")));
    auto signed_user = SshKeygen("-q -s " + dir.File("ca-" + ca_case.name) +
                                 " -I id -n a,b -V 20260101000000:20260102000000 -z 42 " +
                                 "-O force-command=/bin/true " + dir.File(user + ".pub"));
    ASSERT_EQ(signed_user.exit_code, 0) << signed_user.output;
    std::string comment;
    CAIRN_ASSERT_OK_AND_ASSIGN(
        Certificate cert, Certificate::ParseAuthorizedKey(dir.Read(user + "-cert.pub"), &comment));
    EXPECT_EQ(comment, "user@example");
    EXPECT_EQ(cert.type_name(), subject.ssh_type + "-cert-v01@openssh.com");
    EXPECT_EQ(cert.key(), user_key);
    EXPECT_EQ(cert.serial(), 42u);
    EXPECT_EQ(cert.type(), CertType::kUser);
    EXPECT_EQ(cert.key_id(), "id");
    EXPECT_EQ(cert.principals(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(cert.valid_after(), kJan1);
    EXPECT_EQ(cert.valid_before(), kJan2);
    EXPECT_EQ(cert.critical_options(),
              (std::map<std::string, std::string>{{"force-command", "/bin/true"}}));
    EXPECT_EQ(cert.extensions(), DefaultUserExtensions());  // ssh-keygen's defaults too
    EXPECT_EQ(cert.reserved(), "");
    EXPECT_EQ(cert.nonce().size(), 32u);
    EXPECT_EQ(cert.signature_key(), ca_key);
    EXPECT_EQ(cert.signature_format(), ca_case.signature_format);
    CAIRN_EXPECT_OK(cert.Verify());
    CAIRN_EXPECT_OK(cert.CheckValidFor(CertType::kUser, "b", FromUnixSeconds(kJan1 + 60)));
    EXPECT_EQ(cert.MarshalAuthorizedKey("user@example"), dir.Read(user + "-cert.pub"));

    // A flipped byte in the signature fails verification.
    std::string wire = cert.Marshal();
    wire[wire.size() - 5] = static_cast<char>(wire[wire.size() - 5] ^ 0x20);
    CAIRN_ASSERT_OK_AND_ASSIGN(Certificate bad, Certificate::Parse(wire));
    EXPECT_EQ(bad.Verify().code(), StatusCode::kInvalidArgument);

    // Host certificate, no principals given: ssh-keygen writes an empty list.
    auto signed_host = SshKeygen("-q -s " + dir.File("ca-" + ca_case.name) + " -h -I host1 -z 43 " +
                                 dir.File(user + ".pub"));
    ASSERT_EQ(signed_host.exit_code, 0) << signed_host.output;
    CAIRN_ASSERT_OK_AND_ASSIGN(Certificate host,
                               Certificate::ParseAuthorizedKey(dir.Read(user + "-cert.pub")));
    EXPECT_EQ(host.type(), CertType::kHost);
    EXPECT_EQ(host.key_id(), "host1");
    EXPECT_EQ(host.serial(), 43u);
    EXPECT_TRUE(host.principals().empty());
    EXPECT_TRUE(host.critical_options().empty());
    EXPECT_TRUE(host.extensions().empty());
    EXPECT_EQ(host.valid_after(), 0u);
    EXPECT_EQ(host.valid_before(), kForever);
    CAIRN_EXPECT_OK(host.Verify());
    EXPECT_EQ(host.CheckValidFor(CertType::kHost, "h", FromUnixSeconds(kJan1)).code(),
              StatusCode::kUnauthenticated);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCaKeys, SignedBySshKeygenTest, ::testing::ValuesIn(AllKeyCases()),
                         [](const ::testing::TestParamInfo<KeyCase>& p) { return p.param.name; });

TEST(SshKeygenRsaCaTest, SignatureFormats) {
  TempDir dir;
  const KeyCase& rsa = ByName("rsa2048");
  testing::GenerateWithSshKeygen(dir, "ca", rsa, "ca");
  testing::GenerateWithSshKeygen(dir, "user", ByName("ed25519"), "u");
  struct Want {
    std::string flag;
    std::string format;
    bool verifies;
  };
  const Want wants[] = {
      {"-t rsa-sha2-256", "rsa-sha2-256", true},
      {"-t rsa-sha2-512", "rsa-sha2-512", true},
      {"-t ssh-rsa", "ssh-rsa", false},  // SHA-1: refused
  };
  for (const auto& w : wants) {
    SCOPED_TRACE(w.flag);
    auto r =
        SshKeygen("-q -s " + dir.File("ca") + " " + w.flag + " -I id -n a " + dir.File("user.pub"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                               Certificate::ParseAuthorizedKey(dir.Read("user-cert.pub")));
    EXPECT_EQ(cert.signature_format(), w.format);
    Status s = cert.Verify();
    EXPECT_EQ(s.ok(), w.verifies) << s;
    if (!w.verifies) {
      EXPECT_NE(s.message().find("SHA-1"), std::string::npos) << s;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed certificates.

// CertBuilder writes a certificate field by field (unsigned: the signature is junk, which
// Parse does not look at beyond its format).
struct CertBuilder {
  std::string type = "ssh-ed25519-cert-v01@openssh.com";
  std::string nonce = std::string(32, 'n');
  std::string key_fields;  // after the type: Ed25519 "string pk"
  uint64_t serial = 1;
  uint32_t cert_type = 1;
  std::string key_id = "id";
  std::string principals;  // raw field
  uint64_t valid_after = 0;
  uint64_t valid_before = kForever;
  std::string critical;    // raw field
  std::string extensions;  // raw field
  std::string reserved;
  std::string signature_key;
  std::string signature;

  CertBuilder() {
    WireWriter k;
    k.PutString(std::string(32, '\x11'));
    key_fields = k.Take();
    principals = Strings({"alice"});
    signature_key = SshKey(ByName("ed25519"), 1).Marshal();
    WireWriter sig;
    sig.PutString("ssh-ed25519");
    sig.PutString(std::string(64, 's'));
    signature = sig.Take();
  }
  static std::string Strings(const std::vector<std::string>& v) {
    WireWriter w;
    for (const auto& s : v) w.PutString(s);
    return w.Take();
  }
  std::string Build() const {
    WireWriter w;
    w.PutString(type);
    w.PutString(nonce);
    w.PutRaw(key_fields);
    w.PutUint64(serial);
    w.PutUint32(cert_type);
    w.PutString(key_id);
    w.PutString(principals);
    w.PutUint64(valid_after);
    w.PutUint64(valid_before);
    w.PutString(critical);
    w.PutString(extensions);
    w.PutString(reserved);
    w.PutString(signature_key);
    w.PutString(signature);
    return w.Take();
  }
};

TEST(CertificateParseTest, BuilderBaselineParses) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, Certificate::Parse(CertBuilder().Build()));
  EXPECT_EQ(cert.principals(), std::vector<std::string>{"alice"});
  EXPECT_EQ(cert.signature_format(), "ssh-ed25519");
  EXPECT_FALSE(cert.Verify().ok());  // junk signature
}

TEST(CertificateParseTest, EveryTruncationFails) {
  const std::string wire = CertBuilder().Build();
  for (size_t n = 0; n < wire.size(); ++n) {
    auto got = Certificate::Parse(std::string_view(wire).substr(0, n));
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << "prefix " << n;
  }
}

TEST(CertificateParseTest, EmptyPrincipalListParses) {
  CertBuilder b;
  b.principals = "";
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, Certificate::Parse(b.Build()));
  EXPECT_TRUE(cert.principals().empty());
}

TEST(CertificateParseTest, OptionValues) {
  CertBuilder b;
  WireWriter crit;
  crit.PutString("force-command");
  WireWriter v;
  v.PutString("ls -l");
  crit.PutString(v.data());
  crit.PutString("verify-required");
  crit.PutString("");
  b.critical = crit.Take();
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert, Certificate::Parse(b.Build()));
  EXPECT_EQ(cert.critical_options(), (std::map<std::string, std::string>{{"force-command", "ls -l"},
                                                                         {"verify-required", ""}}));
}

TEST(CertificateParseTest, BadInput) {
  auto options = [](const std::vector<std::pair<std::string, std::string>>& kv) {
    WireWriter w;
    for (const auto& [k, data] : kv) {
      w.PutString(k);
      w.PutString(data);
    }
    return w.Take();
  };
  auto wrapped = [](const std::string& s) {
    WireWriter w;
    w.PutString(s);
    return w.Take();
  };
  std::vector<std::string> many(kMaxPrincipals + 1, "p");
  std::vector<std::pair<std::string, std::string>> many_options;
  for (size_t i = 0; i <= kMaxOptions; ++i)
    many_options.emplace_back("o" + std::to_string(1000 + i), "");

  struct Case {
    std::string name;
    std::function<void(CertBuilder&)> mutate;
    StatusCode want;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown certificate type", [](auto& b) { b.type = "ssh-dss-cert-v01@openssh.com"; },
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"plain key type", [](auto& b) { b.type = "ssh-ed25519"; }, StatusCode::kInvalidArgument,
       "unsupported key type"},
      {"v00 certificate", [](auto& b) { b.type = "ssh-ed25519-cert-v00@openssh.com"; },
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"rsa-sha2 certificate type name",
       [](auto& b) { b.type = "rsa-sha2-256-cert-v01@openssh.com"; }, StatusCode::kInvalidArgument,
       "unsupported key type"},
      {"certificate type 0", [](auto& b) { b.cert_type = 0; }, StatusCode::kInvalidArgument,
       "neither user"},
      {"certificate type 3", [](auto& b) { b.cert_type = 3; }, StatusCode::kInvalidArgument,
       "neither user"},
      {"key type mismatch (RSA fields in an Ed25519 cert)",
       [](auto& b) { b.key_fields = std::string("\x00\x00\x00\x03\x01\x00\x01", 7); },
       StatusCode::kInvalidArgument, ""},
      {"key id with NUL", [](auto& b) { b.key_id = std::string("i\0d", 3); },
       StatusCode::kInvalidArgument, "NUL"},
      {"key id too long", [](auto& b) { b.key_id = std::string(kMaxKeyIdLength + 1, 'k'); },
       StatusCode::kResourceExhausted, ""},
      {"principal with NUL",
       [](auto& b) { b.principals = CertBuilder::Strings({std::string("a\0", 2)}); },
       StatusCode::kInvalidArgument, "NUL"},
      {"principal too long",
       [](auto& b) {
         b.principals = CertBuilder::Strings({std::string(kMaxPrincipalLength + 1, 'p')});
       },
       StatusCode::kResourceExhausted, ""},
      {"too many principals", [&](auto& b) { b.principals = CertBuilder::Strings(many); },
       StatusCode::kResourceExhausted, "principals"},
      {"truncated principal list",
       [](auto& b) {
         b.principals = std::string(
             "\x00\x00\x00\x05"
             "ab",
             6);
       },
       StatusCode::kInvalidArgument, "truncated"},
      {"options out of order",
       [&](auto& b) {
         b.extensions = options({{"permit-pty", ""}, {"permit-X11-forwarding", ""}});
       },
       StatusCode::kInvalidArgument, "sorted"},
      {"duplicate option",
       [&](auto& b) {
         b.extensions = options({{"permit-pty", ""}, {"permit-pty", ""}});
       },
       StatusCode::kInvalidArgument, "sorted"},
      {"option value with trailing data",
       [&](auto& b) {
         b.critical = options({{"force-command", wrapped("ls") + "x"}});
       },
       StatusCode::kInvalidArgument, "malformed value"},
      {"option value not a string",
       [&](auto& b) {
         b.critical = options({{"force-command", "ls"}});
       },
       StatusCode::kInvalidArgument, "malformed value"},
      {"option name with NUL",
       [&](auto& b) {
         b.extensions = options({{std::string("a\0", 2), ""}});
       },
       StatusCode::kInvalidArgument, "NUL"},
      {"too many extensions", [&](auto& b) { b.extensions = options(many_options); },
       StatusCode::kResourceExhausted, "extensions"},
      {"too many critical options", [&](auto& b) { b.critical = options(many_options); },
       StatusCode::kResourceExhausted, "critical options"},
      {"certificate as signature key", [](auto& b) { b.signature_key = CertBuilder().Build(); },
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"unknown signature key type",
       [](auto& b) {
         b.signature_key = CertBuilder::Strings({"ssh-dss", "p"});
       },
       StatusCode::kInvalidArgument, "unsupported key type"},
      {"signature not a string",
       [](auto& b) {
         b.signature = std::string(
             "\x00\x00\x00\x09"
             "ab",
             6);
       },
       StatusCode::kInvalidArgument, "malformed signature"},
      {"nonce too long", [](auto& b) { b.nonce = std::string(kMaxNonceLength + 1, 'n'); },
       StatusCode::kResourceExhausted, ""},
      {"oversized", [](auto& b) { b.reserved = std::string(kMaxCertificate, 'r'); },
       StatusCode::kResourceExhausted, "longer than"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CertBuilder b;
    c.mutate(b);
    auto got = Certificate::Parse(b.Build());
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), c.want) << got.status();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status();
  }
}

TEST(CertificateParseTest, TrailingBytes) {
  auto got = Certificate::Parse(CertBuilder().Build() + "x");
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find("trailing data"), std::string::npos) << got.status();
}

TEST(CertificateParseTest, BadLines) {
  const std::string wire = CertBuilder().Build();
  struct Case {
    std::string name;
    std::string line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"type mismatch", "ssh-rsa-cert-v01@openssh.com " + Base64Encode(wire), "does not match"},
      {"invalid base64", "ssh-ed25519-cert-v01@openssh.com AAA$", "invalid base64"},
      {"plain key", "ssh-ed25519 " + Base64Encode(SshKey(ByName("ed25519")).Marshal()),
       "unsupported key type"},
      {"no blob", "ssh-ed25519-cert-v01@openssh.com", "malformed key line"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = Certificate::ParseAuthorizedKey(c.line);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status();
  }
}

TEST(CertificateTypeNameTest, Names) {
  EXPECT_EQ(CertificateTypeName("ssh-ed25519"), "ssh-ed25519-cert-v01@openssh.com");
  EXPECT_EQ(CertificateTypeName("ecdsa-sha2-nistp521"), "ecdsa-sha2-nistp521-cert-v01@openssh.com");
  EXPECT_EQ(CertificateTypeName("ssh-rsa"), "ssh-rsa-cert-v01@openssh.com");
  EXPECT_EQ(CertificateTypeName("ssh-dss"), "");
  EXPECT_EQ(CertTypeName(CertType::kUser), "user");
  EXPECT_EQ(CertTypeName(CertType::kHost), "host");
}

}  // namespace
}  // namespace cairn::ssh
