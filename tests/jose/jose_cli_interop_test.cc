// Interoperability with an independent JOSE implementation: Debian's `jose` CLI (latchset
// José v11). Each direction runs the real tool in a temporary directory.
//
// jose v11 has no EdDSA/OKP support, so Ed25519 is covered by RFC 8037's vector instead
// (jws_test.cc), and it refuses PBES2 iteration counts above 32768, so the JWEs we hand it use
// a p2c within that limit. A password is given to jose non-interactively as a JWK file holding
// a JSON string, which is how libjose represents a PBES2 password.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/strings.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "testing/fakes.h"

namespace cairn::jose {
namespace {

constexpr char kJose[] = "/usr/bin/jose";

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// RunCommand runs `command` through the shell and captures stdout (stderr is discarded).
CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.out.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class JoseCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kJose, X_OK) != 0) GTEST_SKIP() << "Debian's jose tool is not installed";
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-jose-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Path returns the absolute path of `name` in the temporary directory.
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  void Write(const std::string& name, const std::string& content) const {
    std::ofstream out(Path(name), std::ios::binary);
    out << content;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

// (1) Our JWS, verified by jose.
TEST_F(JoseCliTest, JoseVerifiesOurJws) {
  struct Case {
    const char* kty;
    const char* crv;
    const char* alg;
  } cases[] = {
      {"EC", "P-256", "ES256"}, {"EC", "P-384", "ES384"}, {"EC", "P-521", "ES512"},
      {"RSA", "", "RS256"},     {"RSA", "", "PS256"},     {"RSA", "", "RS512"},
      {"oct", "", "HS256"},
  };
  const std::string payload = R"({"iss":"cairn","sub":"interop"})";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.alg);
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate(c.kty, c.crv));
    key.set_alg(c.alg);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(payload, key, {{"typ", "JWT"}}));
    Write("token.jws", token);
    // For oct the "public" view would be empty: jose needs the secret to verify an HMAC.
    Write("verify.jwk", key.is_symmetric() ? key.ToJsonString(true) : key.ToJsonString(false));
    CommandResult r = RunCommand(std::string(kJose) + " jws ver -i " + Path("token.jws") + " -k " +
                                 Path("verify.jwk") + " -O -");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, payload);

    // Flattened JSON from SignFlattened, too.
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string flat, SignFlattened(payload, key, {{"nonce", "n"}}));
    Write("flat.json", flat);
    r = RunCommand(std::string(kJose) + " jws ver -i " + Path("flat.json") + " -k " +
                   Path("verify.jwk") + " -O -");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, payload);

    // And jose refuses a tampered token, so the checks above can fail.
    std::string bad = token;
    bad[bad.size() - 3] = bad[bad.size() - 3] == 'A' ? 'B' : 'A';
    Write("bad.jws", bad);
    r = RunCommand(std::string(kJose) + " jws ver -i " + Path("bad.jws") + " -k " +
                   Path("verify.jwk") + " -O -");
    EXPECT_NE(r.exit_code, 0);
  }
}

// (2) jose's keys and JWS, verified by us.
TEST_F(JoseCliTest, WeVerifyJoseJws) {
  const std::string payload = R"({"hello":"from jose"})";
  Write("payload.json", payload);
  for (const char* alg : {"ES256", "ES384", "ES512", "RS256", "PS384", "HS256"}) {
    SCOPED_TRACE(alg);
    CommandResult gen = RunCommand(std::string(kJose) + " jwk gen -i '{\"alg\":\"" + alg +
                                   "\"}' -o " + Path("key.jwk"));
    ASSERT_EQ(gen.exit_code, 0);
    CommandResult sig = RunCommand(std::string(kJose) + " jws sig -I " + Path("payload.json") +
                                   " -k " + Path("key.jwk") + " -c -o " + Path("token.jws"));
    ASSERT_EQ(sig.exit_code, 0);

    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(Read("key.jwk")));
    EXPECT_EQ(key.alg(), alg);
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(Trim(Read("token.jws"))));
    EXPECT_EQ(jws.alg, alg);
    EXPECT_EQ(jws.payload, payload);
    CAIRN_EXPECT_OK(Verify(jws, key.is_symmetric() ? key : key.PublicKey()));

    // jose's thumbprint agrees with ours.
    CommandResult thp = RunCommand(std::string(kJose) + " jwk thp -i " + Path("key.jwk"));
    ASSERT_EQ(thp.exit_code, 0);
    EXPECT_EQ(Trim(thp.out), key.Thumbprint());

    // jose's public key (jwk pub) parses to the same public key.
    CommandResult pub = RunCommand(std::string(kJose) + " jwk pub -i " + Path("key.jwk"));
    ASSERT_EQ(pub.exit_code, 0);
    if (!key.is_symmetric()) {
      CAIRN_ASSERT_OK_AND_ASSIGN(Jwk jpub, Jwk::Parse(pub.out));
      EXPECT_FALSE(jpub.is_private());
      CAIRN_EXPECT_OK(Verify(jws, jpub));
    }
  }
}

// (3a) jose's password JWE, decrypted by us.
TEST_F(JoseCliTest, WeDecryptJosePasswordJwe) {
  const std::string password = "correct horse battery staple";
  const std::string plaintext = R"({"kty":"EC","note":"encrypted by jose"})";
  Write("pw.json", nlohmann::json(password).dump());
  Write("msg", plaintext);
  struct Case {
    const char* name;
    std::string args;
  } cases[] = {
      // jose's defaults: PBES2-HS256+A128KW, A128CBC-HS256, p2c 32768, params in the
      // per-recipient unprotected header of the JSON form.
      {"defaults json", ""},
      {"defaults compact", "-c"},
      {"A256GCM compact, step's header",
       "-c -i '{\"protected\":{\"enc\":\"A256GCM\",\"cty\":\"jwk+json\"}}' "
       "-r '{\"header\":{\"alg\":\"PBES2-HS256+A128KW\",\"p2c\":10000}}'"},
      {"A128GCM json", "-i '{\"protected\":{\"enc\":\"A128GCM\"}}'"},
      {"PBES2-HS384+A192KW", "-c -r '{\"header\":{\"alg\":\"PBES2-HS384+A192KW\"}}'"},
      {"PBES2-HS512+A256KW A256CBC-HS512",
       "-i '{\"protected\":{\"enc\":\"A256CBC-HS512\"}}' "
       "-r '{\"header\":{\"alg\":\"PBES2-HS512+A256KW\"}}'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CommandResult enc = RunCommand(std::string(kJose) + " jwe enc -I " + Path("msg") + " -k " +
                                   Path("pw.json") + " " + c.args + " -o " + Path("out.jwe"));
    ASSERT_EQ(enc.exit_code, 0);
    const std::string jwe = Read("out.jwe");
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string got, Decrypt(jwe, password));
    EXPECT_EQ(got, plaintext);
    EXPECT_EQ(Decrypt(jwe, "wrong").status().message(), "decrypting JWE: wrong password?");
  }
}

// (3b) Our password JWE, decrypted by jose.
TEST_F(JoseCliTest, JoseDecryptsOurPasswordJwe) {
  const std::string password = "p\xC3\xA4ssw\xC3\xB6rd";  // UTF-8
  Write("pw.json", nlohmann::json(password).dump());
  Write("wrong.json", "\"password\"");
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate("EC"));
  const std::string plaintext = key.ToJsonString(true);
  for (const char* enc :
       {"A256GCM", "A128GCM", "A192GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"}) {
    for (bool json : {false, true}) {
      SCOPED_TRACE(std::string(enc) + (json ? " json" : " compact"));
      // jose v11 refuses p2c above 32768.
      Result<std::string> jwe = json ? EncryptPbes2Json(plaintext, password, 32768, enc)
                                     : EncryptPbes2Compact(plaintext, password, 32768, enc);
      CAIRN_ASSERT_OK(jwe);
      Write("ours.jwe", *jwe);
      CommandResult dec = RunCommand(std::string(kJose) + " jwe dec -i " + Path("ours.jwe") +
                                     " -k " + Path("pw.json") + " -O -");
      EXPECT_EQ(dec.exit_code, 0);
      EXPECT_EQ(dec.out, plaintext);
      CommandResult wrong = RunCommand(std::string(kJose) + " jwe dec -i " + Path("ours.jwe") +
                                       " -k " + Path("wrong.json") + " -O -");
      EXPECT_NE(wrong.exit_code, 0);
    }
  }
  // EncryptJwk's output (compact, cty jwk+json) decrypts to a JWK jose accepts.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string enc_key, EncryptJwk(key, password, 20000));
  Write("key.jwe", enc_key);
  CommandResult dec = RunCommand(std::string(kJose) + " jwe dec -i " + Path("key.jwe") + " -k " +
                                 Path("pw.json") + " -O " + Path("key.jwk"));
  ASSERT_EQ(dec.exit_code, 0);
  CommandResult thp = RunCommand(std::string(kJose) + " jwk thp -i " + Path("key.jwk"));
  EXPECT_EQ(Trim(thp.out), key.kid());
}

}  // namespace
}  // namespace cairn::jose
