// `cairn crypto jwt inspect`, `cairn crypto jwe encrypt|decrypt`, `cairn crypto jwk create`:
// step's commands of the same names, for the formats Cairn's jose module implements
// (password-based JWE; EC, RSA, OKP and oct JWKs).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "crypto/key.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace cairn::cli {
namespace {

using tools::CommandHelp;

// ---------------------------------------------------------------------------------------------
// crypto jwt inspect

Status JwtInspect(bool insecure) {
  if (!insecure) {
    return InvalidArgumentError("'cairn crypto jwt inspect' requires the '--insecure' flag");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string input, tools::ReadStdin());
  std::string token(Trim(input));
  // Parse strictly first (three parts, a JSON header with "alg", ...), then print the decoded
  // header and payload with their members in the token's own order, as step does.
  auto parsed = jose::ParseCompact(token);
  if (!parsed.ok())
    return InvalidArgumentError("error parsing token: " + parsed.status().message());
  std::vector<std::string> parts = Split(token, '.');
  if (parts.size() != 3) {
    return InvalidArgumentError("error decoding token: JWT must have three parts");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string header, Base64UrlDecode(parts[0]));
  CAIRN_ASSIGN_OR_RETURN(std::string payload, Base64UrlDecode(parts[1]));
  CAIRN_RETURN_IF_ERROR(tools::CheckJsonDepth(header));
  CAIRN_RETURN_IF_ERROR(tools::CheckJsonDepth(payload));
  nlohmann::ordered_json out;
  try {
    out["header"] = nlohmann::ordered_json::parse(header);
    out["payload"] = nlohmann::ordered_json::parse(payload);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("error decoding token: ") + e.what());
  }
  out["signature"] = parts[2];
  tools::PrintOut(out.dump(2) + "\n");
  return Status();
}

// ---------------------------------------------------------------------------------------------
// crypto jwe encrypt / decrypt

struct JweOptions {
  std::string alg;
  std::string enc = "A256GCM";
  std::string key;
  std::string jwks;
  std::string kid;
  std::string typ;
  std::string cty;
  std::string password_file;
  bool subtle = false;
};

bool IsPbes2(std::string_view alg) {
  return alg == "PBES2-HS256+A128KW" || alg == "PBES2-HS384+A192KW" || alg == "PBES2-HS512+A256KW";
}

bool IsKnownKeyAlg(std::string_view alg) {
  static const char* const kAlgs[] = {"RSA1_5",
                                      "RSA-OAEP",
                                      "RSA-OAEP-256",
                                      "A128KW",
                                      "A192KW",
                                      "A256KW",
                                      "dir",
                                      "ECDH-ES",
                                      "ECDH-ES+A128KW",
                                      "ECDH-ES+A192KW",
                                      "ECDH-ES+A256KW",
                                      "A128GCMKW",
                                      "A192GCMKW",
                                      "A256GCMKW",
                                      "PBES2-HS256+A128KW",
                                      "PBES2-HS384+A192KW",
                                      "PBES2-HS512+A256KW"};
  for (const char* a : kAlgs) {
    if (alg == a) return true;
  }
  return false;
}

bool IsKnownEnc(std::string_view enc) {
  return enc == "A128GCM" || enc == "A192GCM" || enc == "A256GCM" || enc == "A128CBC-HS256" ||
         enc == "A192CBC-HS384" || enc == "A256CBC-HS512";
}

Status JweEncrypt(const JweOptions& o) {
  if (!o.alg.empty() && !IsKnownKeyAlg(o.alg)) return tools::InvalidFlagValue("alg", o.alg);
  std::string enc = o.enc.empty() ? "A256GCM" : o.enc;
  if (!IsKnownEnc(enc)) return tools::InvalidFlagValue("enc", enc);
  bool pbes2 = IsPbes2(o.alg);
  if (pbes2 && !o.key.empty()) return tools::MutuallyExclusiveFlags("alg " + o.alg, "key");
  if (pbes2 && !o.jwks.empty()) return tools::MutuallyExclusiveFlags("alg " + o.alg, "jwks");
  if (!pbes2 && o.key.empty() && o.jwks.empty()) return tools::RequiredOrFlag({"key", "jwk"});
  if (!o.key.empty() && !o.jwks.empty()) return tools::MutuallyExclusiveFlags("key", "jwks");
  if (!o.jwks.empty() && o.kid.empty()) return tools::RequiredWithFlag("kid", "jwks");
  if (!pbes2) {
    return UnimplementedError(
        "only password-based encryption (--alg PBES2-HS256+A128KW) is supported");
  }
  if (o.alg != "PBES2-HS256+A128KW") {
    return UnimplementedError("algorithm '" + o.alg +
                              "' is not supported for encryption; use PBES2-HS256+A128KW");
  }
  if (!o.typ.empty()) return tools::UnsupportedFlag("typ");
  CAIRN_ASSIGN_OR_RETURN(std::string data, tools::ReadStdin());
  CAIRN_ASSIGN_OR_RETURN(
      std::string password,
      tools::ReadPasswordFromFlag(o.password_file,
                                  "Please enter the password to encrypt the content encryption "
                                  "key: "));
  if (password.empty()) return InvalidArgumentError("the password cannot be empty");
  auto jwe = jose::EncryptPbes2Json(data, password, jose::kDefaultPbes2Count, enc, o.cty);
  if (!jwe.ok()) return jwe.status().Annotate("error encrypting data");
  CAIRN_ASSIGN_OR_RETURN(std::string compact, tools::CompactJson(*jwe));
  tools::PrintOut(compact + "\n");
  return Status();
}

Status JweDecrypt(const JweOptions& o) {
  CAIRN_ASSIGN_OR_RETURN(std::string data, tools::ReadStdin());
  auto header = jose::PeekHeader(data);
  if (!header.ok()) return header.status().Annotate("error parsing data");
  std::string alg;
  if (header->contains("alg") && (*header)["alg"].is_string()) {
    alg = (*header)["alg"].get<std::string>();
  }
  bool pbes2 = IsPbes2(alg);
  if (pbes2 && !o.key.empty()) {
    return InvalidArgumentError("flag '--key' cannot be used with JWE algorithm '" + alg + "'");
  }
  if (pbes2 && !o.jwks.empty()) {
    return InvalidArgumentError("flag '--jwks' cannot be used with JWE algorithm '" + alg + "'");
  }
  if (!pbes2 && o.key.empty() && o.jwks.empty()) return tools::RequiredOrFlag({"key", "jwk"});
  if (!o.key.empty() && !o.jwks.empty()) return tools::MutuallyExclusiveFlags("key", "jwks");
  if (!o.jwks.empty() && o.kid.empty()) return tools::RequiredWithFlag("kid", "jwks");
  if (!pbes2) {
    return UnimplementedError("JWE algorithm '" + alg +
                              "' is not supported; only password-based (PBES2) JWEs can be "
                              "decrypted");
  }
  CAIRN_ASSIGN_OR_RETURN(
      std::string password,
      tools::ReadPasswordFromFlag(o.password_file,
                                  "Please enter the password to decrypt the content encryption "
                                  "key: "));
  auto plaintext = jose::Decrypt(data, password);
  if (!plaintext.ok()) return plaintext.status().Annotate("error decrypting data");
  tools::PrintOut(*plaintext);
  return Status();
}

// ---------------------------------------------------------------------------------------------
// crypto jwk create

struct JwkCreateOptions {
  std::vector<std::string> args;
  std::string kty = "EC";
  int size = 0;
  std::string crv;
  std::string alg;
  std::string use = "sig";
  std::string kid;
  std::string from_pem;
  std::string password_file;
  bool no_password = false;
  bool force = false;
  bool subtle = false;
  bool insecure = false;
  // Which flags were given on the command line.
  bool size_set = false;
  bool crv_set = false;
  bool kid_set = false;
};

constexpr std::string_view kJwkCreateUsage =
    "cairn crypto jwk create <public-jwk-file> <private-jwk-file>";

// DefaultJwkAlg returns the "alg" step gives a new key of this kind and use.
std::string DefaultJwkAlg(const jose::Jwk& jwk, std::string_view use) {
  if (use == "enc") {
    if (jwk.kty() == "EC") return "ECDH-ES";
    if (jwk.kty() == "RSA") return "RSA-OAEP-256";
    if (jwk.kty() == "oct") return "A256GCMKW";
    return "";
  }
  return jwk.DefaultAlg();
}

// CheckJwkAlg verifies that `alg` suits the key: a signing algorithm of the key's family for
// "sig" keys, a key-management algorithm of the key's family for "enc" keys.
Status CheckJwkAlg(const jose::Jwk& jwk, std::string_view alg, std::string_view use) {
  if (alg.empty()) return Status();
  const std::string& kty = jwk.kty();
  bool ok = false;
  if (use == "enc") {
    if (kty == "EC") ok = StartsWith(alg, "ECDH-ES");
    if (kty == "RSA") ok = StartsWith(alg, "RSA");
    if (kty == "oct") ok = alg == "dir" || EndsWith(alg, "KW");
    if (kty == "OKP") ok = StartsWith(alg, "ECDH-ES");
  } else {
    if (kty == "EC") ok = alg == jwk.DefaultAlg();
    if (kty == "RSA") {
      ok = alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256" || alg == "PS384" ||
           alg == "PS512";
    }
    if (kty == "oct") ok = alg == "HS256" || alg == "HS384" || alg == "HS512";
    if (kty == "OKP") ok = alg == "EdDSA";
    if (use != "sig") ok = true;  // other uses are not checked, as step
  }
  if (!ok) {
    return InvalidArgumentError("alg '" + std::string(alg) + "' is not compatible with kty '" +
                                kty + "'" + (kty == "EC" ? " and crv '" + jwk.crv() + "'" : ""));
  }
  return Status();
}

Result<jose::Jwk> JwkFromPem(const std::string& file) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, tools::ReadInput(file));
  auto priv = crypto::PrivateKey::FromPem(pem);
  if (priv.ok()) return jose::Jwk::FromPkey(priv->get(), /*include_private=*/true);
  auto pub = crypto::PublicKey::FromPem(pem);
  if (pub.ok()) return jose::Jwk::FromPkey(pub->get(), /*include_private=*/false);
  return priv.status().Annotate("error reading " + file);
}

Status JwkCreate(const JwkCreateOptions& o) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 2, 2, kJwkCreateUsage));
  bool use_password = true;
  if (o.no_password) {
    if (!o.password_file.empty()) return tools::IncompatibleFlag("no-password", "password-file");
    if (!o.insecure) return tools::RequiredInsecureFlag("no-password");
    use_password = false;
  }
  const std::string& pub_file = o.args[0];
  const std::string& priv_file = o.args[1];
  if (pub_file == priv_file) {
    return tools::EqualArguments("public-jwk-file", "private-jwk-file", kJwkCreateUsage);
  }
  if (o.kty == "EC") {
    if (o.size_set) return tools::IncompatibleFlag("size", "--kty EC");
  } else if (o.kty == "RSA") {
    if (o.crv_set) return tools::IncompatibleFlag("crv", "--kty RSA");
    if (o.size_set && o.size < 2048 && !o.insecure) {
      return tools::MinSizeInsecureFlag("size", "2048");
    }
  } else if (o.kty == "OKP") {
    if (o.size_set) return tools::IncompatibleFlag("size", "--kty OKP");
  } else if (o.kty == "oct") {
    if (o.crv_set) return tools::IncompatibleFlag("crv", "--kty oct");
    if (o.size_set && o.size < 16 && !o.insecure) return tools::MinSizeInsecureFlag("size", "16");
  } else {
    return tools::InvalidFlagValue("kty", o.kty, "EC, RSA, OKP, or oct");
  }
  if (o.size_set && o.size <= 0) {
    return InvalidArgumentError("flag '--size' must be greater or equal than 0");
  }

  jose::Jwk jwk;
  if (!o.from_pem.empty()) {
    CAIRN_ASSIGN_OR_RETURN(jwk, JwkFromPem(o.from_pem));
  } else {
    auto generated = jose::Jwk::Generate(o.kty, o.crv, o.size);
    if (!generated.ok()) return generated.status();
    jwk = std::move(*generated);
  }
  if (o.kid_set) {
    jwk.set_kid(o.kid);
  } else if (jwk.kty() != "oct") {
    // A hash of a symmetric key would leak information about it: only asymmetric keys get
    // their thumbprint as kid.
    jwk.set_kid(jwk.Thumbprint());
  } else {
    jwk.set_kid("");
  }
  jwk.set_use(o.use);
  jwk.set_alg(o.alg.empty() ? DefaultJwkAlg(jwk, o.use) : o.alg);
  CAIRN_RETURN_IF_ERROR(CheckJwkAlg(jwk, jwk.alg(), o.use));

  // The public file holds the public JWK; for a symmetric key, the key itself (as step).
  CAIRN_ASSIGN_OR_RETURN(std::string pub_json,
                         tools::IndentJson(jwk.ToJsonString(jwk.is_symmetric())));
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(pub_file, pub_json, /*secret=*/true, o.force));
  if (!jwk.is_private()) {
    Info("Your public key has been saved in " + pub_file + ".");
    Info("Only the public JWK was generated.");
    Info("Cannot retrieve a private key from a public one.");
    return Status();
  }

  std::string priv_json;
  if (use_password) {
    CAIRN_ASSIGN_OR_RETURN(
        std::string password,
        tools::ReadPasswordFromFlag(o.password_file,
                                    "Please enter the password to encrypt the private JWK: "));
    if (password.empty()) return InvalidArgumentError("the password cannot be empty");
    auto jwe = jose::EncryptPbes2Json(jwk.ToJsonString(true), password, jose::kDefaultPbes2Count,
                                      "A256GCM", "jwk+json");
    if (!jwe.ok()) return jwe.status().Annotate("error encrypting JWK");
    priv_json = std::move(*jwe);
  } else {
    CAIRN_ASSIGN_OR_RETURN(priv_json, tools::IndentJson(jwk.ToJsonString(true)));
  }
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(priv_file, priv_json, /*secret=*/true, o.force));
  Info("Your public key has been saved in " + pub_file + ".");
  Info("Your private key has been saved in " + priv_file + ".");
  return Status();
}

// ---------------------------------------------------------------------------------------------
// Registration

void RegisterJwt(CLI::App& crypto, RunState& state) {
  CLI::App* jwt = tools::AddCommand(
      crypto, {.name = "jwt",
               .summary = "sign and verify data using JSON Web Tokens (JWT)",
               .usage = "cairn crypto jwt <subcommand> [arguments] [subcommand-flags]"});
  jwt->require_subcommand(1);
  auto insecure = std::make_shared<bool>(false);
  CLI::App* inspect = tools::AddCommand(
      *jwt,
      {.name = "inspect",
       .summary = "return the decoded JWT without verification",
       .usage = "cairn crypto jwt inspect --insecure",
       .description =
           "cairn crypto jwt inspect reads a JWT from STDIN, decodes it and prints its header,\n"
           "payload and signature as JSON. The token is NOT verified, so --insecure is required\n"
           "as a misuse prevention mechanism.",
       .examples = "Inspect a token without verifying it:\n"
                   "  $ echo $TOKEN | cairn crypto jwt inspect --insecure\n"});
  inspect->add_flag("--insecure", *insecure, "Confirm that the token is not verified.");
  inspect->callback(
      [&state, insecure] { tools::Run(state, [&] { return JwtInspect(*insecure); }); });
}

void RegisterJwe(CLI::App& crypto, RunState& state) {
  CLI::App* jwe = tools::AddCommand(
      crypto,
      {.name = "jwe",
       .summary = "encrypt and decrypt data and keys using JSON Web Encryption (JWE)",
       .usage = "cairn crypto jwe <subcommand> [arguments] [subcommand-flags]",
       .description = "Cairn implements password-based JWE (PBES2-HS256+A128KW key wrapping with\n"
                      "AES-GCM or AES-CBC-HMAC content encryption), the scheme step uses for\n"
                      "provisioner keys and *.jwk files."});
  jwe->require_subcommand(1);

  auto enc_opts = std::make_shared<JweOptions>();
  CLI::App* encrypt = tools::AddCommand(
      *jwe,
      {.name = "encrypt",
       .summary = "encrypt a payload using JSON Web Encryption (JWE)",
       .usage = "cairn crypto jwe encrypt [--alg=<key-enc-algorithm>] "
                "[--enc=<content-enc-algorithm>] [--key=<file>] [--jwks=<jwks>] [--kid=<kid>] "
                "[--password-file=<file>]",
       .description = "cairn crypto jwe encrypt encrypts the payload read from STDIN and prints\n"
                      "the JWE in JSON serialization on STDOUT.",
       .examples = "Encrypt a message with a password:\n"
                   "  $ echo -n message | cairn crypto jwe encrypt --alg PBES2-HS256+A128KW \\\n"
                   "      --password-file pass.txt > message.jwe\n"});
  encrypt->add_option("--alg,--algorithm", enc_opts->alg,
                      "The key management algorithm; PBES2-HS256+A128KW encrypts with a "
                      "password.");
  encrypt->add_option("--enc,--encryption-algorithm", enc_opts->enc,
                      "The content encryption algorithm: A128GCM, A192GCM, A256GCM (default), "
                      "A128CBC-HS256, A192CBC-HS384 or A256CBC-HS512.");
  encrypt->add_option("--key", enc_opts->key, "The <file> with the recipient's public key.");
  encrypt->add_option("--jwks", enc_opts->jwks, "The JWK Set with the recipient's public key.");
  encrypt->add_option("--kid", enc_opts->kid, "The ID of the recipient's public key.");
  encrypt->add_option("--typ,--type", enc_opts->typ, "The media type of the JWE.");
  encrypt->add_option("--cty,--content-type", enc_opts->cty, "The media type of the payload.");
  encrypt->add_option("--password-file", enc_opts->password_file,
                      "The <file> containing the password (PBES2 algorithms).");
  encrypt->add_flag("--subtle", enc_opts->subtle)->group("");
  encrypt->callback(
      [&state, enc_opts] { tools::Run(state, [&] { return JweEncrypt(*enc_opts); }); });

  auto dec_opts = std::make_shared<JweOptions>();
  CLI::App* decrypt = tools::AddCommand(
      *jwe, {.name = "decrypt",
             .summary = "verify a JWE and decrypt ciphertext",
             .usage = "cairn crypto jwe decrypt [--key=<file>] [--jwks=<jwks>] [--kid=<kid>] "
                      "[--password-file=<file>]",
             .description = "cairn crypto jwe decrypt verifies a JWE read from STDIN and prints "
                            "the decrypted\nplaintext on STDOUT.",
             .examples = "Decrypt a password-protected JWE:\n"
                         "  $ cat message.jwe | cairn crypto jwe decrypt --password-file "
                         "pass.txt\n"});
  decrypt->add_option("--key", dec_opts->key, "The <file> with the recipient's private key.");
  decrypt->add_option("--jwks", dec_opts->jwks, "The JWK Set with the recipient's private key.");
  decrypt->add_option("--kid", dec_opts->kid, "The ID of the recipient's private key.");
  decrypt->add_option("--password-file", dec_opts->password_file,
                      "The <file> containing the password to decrypt the content encryption "
                      "key.");
  decrypt->callback(
      [&state, dec_opts] { tools::Run(state, [&] { return JweDecrypt(*dec_opts); }); });
}

void RegisterJwk(CLI::App& crypto, RunState& state) {
  CLI::App* jwk = tools::AddCommand(
      crypto, {.name = "jwk",
               .summary = "create JWKs (JSON Web Keys) and manage JWK Key Sets",
               .usage = "cairn crypto jwk <subcommand> [arguments] [subcommand-flags]"});
  jwk->require_subcommand(1);
  auto o = std::make_shared<JwkCreateOptions>();
  CLI::App* create = tools::AddCommand(
      *jwk,
      {.name = "create",
       .summary = "create a JWK (JSON Web Key)",
       .usage = std::string(kJwkCreateUsage) +
                " [--kty=<type>] [--alg=<algorithm>] [--use=<use>] [--size=<size>] "
                "[--crv=<curve>] [--kid=<kid>] [--from-pem=<pem-file>] [--password-file=<file>] "
                "[--no-password --insecure] [--force]",
       .description =
           "cairn crypto jwk create generates a new JWK (or reads --from-pem) and writes the\n"
           "public JWK to <public-jwk-file> and the private JWK, encrypted with a password as a\n"
           "JWE (PBES2-HS256+A128KW, A256GCM, 600000 iterations), to <private-jwk-file>.",
       .examples = "Create a P-256 key pair, encrypting the private key with a password file:\n"
                   "  $ cairn crypto jwk create pub.json priv.json --password-file pass.txt\n\n"
                   "Create an RSA key for encryption:\n"
                   "  $ cairn crypto jwk create rsa.pub rsa.priv --kty RSA --size 3072 --use enc\n"
                   "\nCreate an unencrypted Ed25519 key:\n"
                   "  $ cairn crypto jwk create ed.pub ed.priv --kty OKP --crv Ed25519 \\\n"
                   "      --no-password --insecure\n"});
  create->add_option("args", o->args, "<public-jwk-file> <private-jwk-file>");
  create->add_option("--kty,--type", o->kty, "The key type: EC (default), RSA, OKP or oct.");
  create->add_option("--size", o->size, "The size in bits (RSA) or bytes (oct) of the key.")
      ->each([o](const std::string&) { o->size_set = true; });
  create
      ->add_option("--crv,--curve", o->crv,
                   "The curve: P-256 (default for EC), P-384, P-521, Ed25519 (OKP).")
      ->each([o](const std::string&) { o->crv_set = true; });
  create->add_option("--alg,--algorithm", o->alg, "The algorithm intended for use with this key.");
  create->add_option("--use", o->use, "The intended use of the key: sig (default) or enc.");
  create->add_option("--kid", o->kid, "The key ID; default is the JWK thumbprint (RFC 7638).")
      ->each([o](const std::string&) { o->kid_set = true; });
  create->add_option("--from-pem", o->from_pem,
                     "Create a JWK from the key in an existing PEM <file>.");
  create->add_option("--password-file", o->password_file,
                     "The <file> containing the password to encrypt the private JWK.");
  create->add_flag("--no-password", o->no_password,
                   "Do not encrypt the private key. Requires --insecure.");
  create->add_flag("-f,--force", o->force, "Force the overwrite of files without asking.");
  create->add_flag("--subtle", o->subtle, "Allow delicate operations.");
  create->add_flag("--insecure", o->insecure, "Allow insecure operations.");
  create->callback([&state, o] { tools::Run(state, [&] { return JwkCreate(*o); }); });
}

}  // namespace

void RegisterCryptoCommands(CLI::App& root, RunState& state) {
  CLI::App* crypto = tools::AddCommand(
      root, {.name = "crypto",
             .summary = "useful cryptographic primitives",
             .usage = "cairn crypto <subcommand> [arguments] [subcommand-flags]"});
  crypto->require_subcommand(1);
  RegisterJwt(*crypto, state);
  RegisterJwe(*crypto, state);
  RegisterJwk(*crypto, state);
}

}  // namespace cairn::cli
