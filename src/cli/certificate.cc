// `cairn certificate inspect|fingerprint|create|sign|verify|install|uninstall`: step's offline
// certificate commands, with step's flags, outputs and error messages.

#include "pki/certificate.h"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/certificate_format.h"
#include "cli/certificate_util.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "client/truststore.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "pki/pem.h"
#include "pki/verify.h"
#include "templates/funcs.h"
#include "templates/template.h"
#include "templates/value.h"
#include "templates/x509_data.h"
#include "templates/x509_template.h"

namespace cairn::cli {
namespace {

using tools::CommandHelp;

const char* const kRootsHelp =
    "Root certificate(s) that will be used to verify the authenticity of the remote server: a "
    "file, a comma-separated list of files, or a directory.";

// Input is what a certificate file (or "-") holds: certificates, or else one CSR.
struct Input {
  std::vector<pki::Certificate> certs;
  std::optional<pki::CertificateRequest> csr;
};

Result<Input> ReadCertificateInput(const std::string& file) {
  auto data = tools::ReadInput(file);
  if (!data.ok()) return data.status().Annotate("error reading file " + file);
  Input in;
  const std::string not_found = "file " + file +
                                " does not contain any valid CERTIFICATE or CERTIFICATE REQUEST "
                                "blocks";
  if (data->find("-----BEGIN ") != std::string::npos) {
    CAIRN_ASSIGN_OR_RETURN(auto blocks, pki::ParsePemBlocks(*data));
    bool has_cert = false, has_csr = false;
    for (const auto& [type, der] : blocks) {
      if (type == "CERTIFICATE") has_cert = true;
      if (type == "CERTIFICATE REQUEST" || type == "NEW CERTIFICATE REQUEST") has_csr = true;
    }
    if (has_cert) {
      auto certs = pki::Certificate::ParsePemBundle(*data);
      if (!certs.ok()) return certs.status().Annotate("error parsing " + file);
      in.certs = std::move(*certs);
      return in;
    }
    if (!has_csr) return InvalidArgumentError(not_found);
    auto csr = pki::CertificateRequest::FromPem(*data);
    if (!csr.ok()) return InvalidArgumentError(not_found);
    in.csr = std::move(*csr);
    return in;
  }
  if (auto cert = pki::Certificate::FromDer(*data); cert.ok()) {
    in.certs.push_back(std::move(*cert));
    return in;
  }
  if (auto csr = pki::CertificateRequest::FromDer(*data); csr.ok()) {
    in.csr = std::move(*csr);
    return in;
  }
  return InvalidArgumentError(not_found);
}

// ---------------------------------------------------------------------------------------------
// inspect

struct InspectOptions {
  std::vector<std::string> args;
  std::string format = "text";
  std::string roots;
  std::string server_name;
  bool bundle = false;
  bool short_form = false;
  bool insecure = false;
};

Status PrintCertificates(const InspectOptions& o, const std::vector<pki::Certificate>& certs) {
  if (o.format == "text") {
    std::string out;
    for (const pki::Certificate& c : certs) {
      if (o.short_form) {
        out += tools::CertificateShortText(c);
      } else {
        CAIRN_ASSIGN_OR_RETURN(std::string text, tools::CertificateText(c));
        out += text;
      }
    }
    tools::PrintOut(out);
    return Status();
  }
  if (o.format == "json") {
    nlohmann::ordered_json v;
    if (certs.size() == 1) {
      CAIRN_ASSIGN_OR_RETURN(v, tools::CertificateJson(certs[0]));
    } else {
      v = nlohmann::ordered_json::array();
      for (const pki::Certificate& c : certs) {
        CAIRN_ASSIGN_OR_RETURN(nlohmann::ordered_json j, tools::CertificateJson(c));
        v.push_back(std::move(j));
      }
    }
    tools::PrintOut(v.dump(2) + "\n");
    return Status();
  }
  std::string out;
  for (const pki::Certificate& c : certs) out += c.pem();
  tools::PrintOut(out);
  return Status();
}

Status PrintRequest(const InspectOptions& o, const pki::CertificateRequest& csr) {
  if (o.format == "text") {
    if (o.short_form) {
      tools::PrintOut(tools::CertificateRequestShortText(csr));
      return Status();
    }
    CAIRN_ASSIGN_OR_RETURN(std::string text, tools::CertificateRequestText(csr));
    tools::PrintOut(text);
    return Status();
  }
  if (o.format == "json") {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::ordered_json j, tools::CertificateRequestJson(csr));
    tools::PrintOut(j.dump(2) + "\n");
    return Status();
  }
  tools::PrintOut(csr.pem());
  return Status();
}

Status Inspect(const InspectOptions& o) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 0, 1, "cairn certificate inspect <crt-file>"));
  std::string file = o.args.empty() ? "-" : o.args[0];
  if (o.format != "text" && o.format != "json" && o.format != "pem") {
    return tools::InvalidFlagValue("format", o.format, "text, json, pem");
  }
  if (o.short_form && o.format != "text") {
    return tools::IncompatibleFlagWithFlag("short", "format " + o.format);
  }
  CAIRN_ASSIGN_OR_RETURN(auto url, tools::TrimUrl(file));
  if (url.second) {
    CAIRN_ASSIGN_OR_RETURN(
        std::vector<pki::Certificate> peers,
        tools::GetPeerCertificates(url.first, o.server_name, o.roots, o.insecure));
    if (!o.bundle) peers.erase(peers.begin() + 1, peers.end());
    return PrintCertificates(o, peers);
  }
  CAIRN_ASSIGN_OR_RETURN(Input in, ReadCertificateInput(file));
  if (in.csr) return PrintRequest(o, *in.csr);
  if (!o.bundle) in.certs.erase(in.certs.begin() + 1, in.certs.end());
  return PrintCertificates(o, in.certs);
}

// ---------------------------------------------------------------------------------------------
// fingerprint

struct FingerprintOptions {
  std::vector<std::string> args;
  std::string roots;
  bool bundle = false;
  bool insecure = false;
  std::string server_name;
  std::string format = "hex";
  bool sha1 = false;
};

Result<std::string> EncodeFingerprint(std::string_view digest, const std::string& format) {
  std::string f = ToLower(std::string(Trim(format)));
  if (f == "hex") return HexEncode(digest);
  std::string b64 = Base64Encode(digest);
  if (f == "base64") return b64;
  if (f == "base64raw" || f == "base64-raw") {
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return b64;
  }
  if (f == "base64url" || f == "base64-url") {
    for (char& c : b64) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    }
    return b64;
  }
  if (f == "base64urlraw" || f == "base64url-raw" || f == "base64-url-raw") {
    return Base64UrlEncode(digest);
  }
  if (f == "emoji" || f == "emojisum")
    return UnimplementedError("emoji fingerprints are not supported");
  return InvalidArgumentError("error parsing fingerprint format: '" + format +
                              "' is not a valid fingerprint format");
}

Status Fingerprint(const FingerprintOptions& o) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 0, 1, "cairn certificate fingerprint <crt-file>"));
  std::string file = o.args.empty() ? "-" : o.args[0];
  if (o.sha1 && !o.insecure) return tools::RequiredInsecureFlag("sha1");
  CAIRN_RETURN_IF_ERROR(EncodeFingerprint("", o.format).status());
  std::vector<std::string> ders;
  CAIRN_ASSIGN_OR_RETURN(auto url, tools::TrimUrl(file));
  if (url.second) {
    CAIRN_ASSIGN_OR_RETURN(
        std::vector<pki::Certificate> peers,
        tools::GetPeerCertificates(url.first, o.server_name, o.roots, o.insecure));
    for (const pki::Certificate& c : peers) ders.push_back(c.der());
  } else {
    CAIRN_ASSIGN_OR_RETURN(Input in, ReadCertificateInput(file));
    if (in.csr) ders.push_back(in.csr->der());
    for (const pki::Certificate& c : in.certs) ders.push_back(c.der());
  }
  if (!o.bundle) ders.resize(1);
  std::string out;
  for (size_t i = 0; i < ders.size(); ++i) {
    std::string digest = o.sha1 ? crypto::Sha1(ders[i]) : crypto::Sha256(ders[i]);
    CAIRN_ASSIGN_OR_RETURN(std::string fp, EncodeFingerprint(digest, o.format));
    out += o.bundle ? std::to_string(i) + ": " + fp + "\n" : fp + "\n";
  }
  tools::PrintOut(out);
  return Status();
}

// ---------------------------------------------------------------------------------------------
// create

struct CreateOptions {
  std::vector<std::string> args;
  std::string kty = "EC";
  std::string crv;
  int size = 0;
  bool kty_set = false, crv_set = false, size_set = false;
  bool csr = false;
  std::string profile = "leaf";
  bool profile_set = false;
  std::string template_file;
  std::vector<std::string> set;
  std::string set_file;
  std::string not_before, not_after;
  std::vector<std::string> san;
  std::string ca, ca_key, ca_password_file, ca_kms, kms;
  std::string key;
  std::string password_file;
  bool no_password = false;
  bool bundle = false;
  bool skip_csr_signature = false;
  bool force = false;
  bool subtle = false;
  bool insecure = false;
};

constexpr std::string_view kCreateUsage =
    "cairn certificate create <subject> <crt-file> <key-file>";

// kTemplateValidity is the validity of a certificate made with --template when neither the
// flags nor the template set it (step's defaultTemplatevalidity).
constexpr Duration kTemplateValidity = std::chrono::hours(24);

// TemplateUserData builds `.Insecure.User` as step's flags.GetTemplateData does: the JSON object
// of --set-file, then each --set key=value over it (the value as JSON when it parses as JSON,
// else the raw string). Errors: a --set without '=' is step's invalid flag value; a --set-file
// that cannot be read, is not JSON or is not an object fails naming the file. Inputs are bounded
// (tools::kMaxInputSize, tools::kMaxJsonDepth).
Result<templates::Value> TemplateUserData(const std::vector<std::string>& sets,
                                          const std::string& set_file) {
  templates::Map data;
  if (!set_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, ReadFile(set_file, tools::kMaxInputSize));
    if (Status s = tools::CheckJsonDepth(text); !s.ok()) {
      return s.Annotate("error unmarshaling " + set_file);
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
      return InvalidArgumentError("error unmarshaling " + set_file + ": " + e.what());
    }
    // Go's json.Unmarshal into a map accepts null (no data) and refuses any other non-object.
    if (!j.is_null() && !j.is_object()) {
      return InvalidArgumentError("error unmarshaling " + set_file + ": cannot unmarshal " +
                                  j.type_name() + " into an object of template data");
    }
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) data[k] = templates::Value::FromJson(v);
    }
  }
  for (const std::string& kv : sets) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) return tools::InvalidFlagValue("set", kv);
    std::string value = kv.substr(eq + 1);
    nlohmann::json j;
    if (tools::CheckJsonDepth(value).ok()) {
      j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    } else {
      j = nlohmann::json(nlohmann::json::value_t::discarded);
    }
    data[kv.substr(0, eq)] = j.is_discarded() ? templates::Value::String(std::move(value))
                                              : templates::Value::FromJson(j);
  }
  return templates::Value::MakeMap(std::move(data));
}

// UnsignedRequestValue is `.Insecure.CR` when step builds it from an unsigned request that holds
// only the public key (x509util.NewCertificateRequest for --csr, NewCertificateFromX509 with
// --skip-csr-signature): version 0, empty subject, no names, no extensions or signature.
Result<templates::Value> UnsignedRequestValue(const crypto::PublicKey& pub) {
  // The request's shape comes from an empty CSR signed by a throwaway key; its key fields are
  // then replaced by `pub`'s.
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey stand_in,
                         crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}));
  CAIRN_ASSIGN_OR_RETURN(pki::CertificateRequest csr,
                         pki::CreateCsr(pki::Name{}, pki::SubjectAltNames{}, stand_in));
  templates::Struct cr = templates::CertificateRequestValue(csr).as_struct();
  for (templates::StructField& f : cr.fields) {
    if (f.go_name == "PublicKey") {
      f.value = templates::PublicKeyValue(pub);
    } else if (f.go_name == "PublicKeyAlgorithm") {
      f.value = templates::Value::String(templates::PublicKeyAlgorithmName(pub));
    } else if (f.go_name == "RawSubject" || f.go_name == "Signature") {
      f.value = templates::Value::String("");
    }
  }
  return templates::Value::MakeStruct(std::move(cr));
}

// TemplateData is step's x509util.CreateTemplateData(subject, sans) with the user data and the
// request: `.Subject` {CommonName: subject}, `.SANs`, `.Insecure.User`, `.Insecure.CR`. (step's
// offline command sets no `.Token`.)
templates::Value TemplateData(const std::string& subject, const std::vector<std::string>& sans,
                              templates::Value user, templates::Value cr) {
  pki::Name name;
  name.common_name = subject;
  templates::Map top;
  top["Subject"] = templates::SubjectValue(name);
  top["SANs"] = templates::SansValue(sans);
  templates::Map insecure;
  insecure["User"] = std::move(user);
  insecure["CR"] = std::move(cr);
  top["Insecure"] = templates::Value::MakeMap(std::move(insecure));
  return templates::Value::MakeMap(std::move(top));
}

// RenderTemplate parses and executes the --template text with the CA's engine and functions
// (sprig minus env/expandenv, step's, the X.509 helpers), then decodes the JSON certificate it
// produced. The template is named after its file, so errors read "template: <file>:<line>: ..."
// (parsing) and "template: <file>:<line>:<col>: executing ..." (executing); `fail "msg"` yields
// exactly msg.
Result<templates::ParsedX509> RenderTemplate(const std::string& file, const std::string& text,
                                             const templates::Value& data) {
  auto t = templates::Template::Parse(file, text, templates::X509FuncMap({}));
  if (!t.ok()) return t.status().Annotate("error parsing template");
  auto rendered = t->Execute(data);
  if (!rendered.ok()) {
    if (templates::IsFailError(rendered.status())) {
      return InvalidArgumentError(rendered.status().public_message());
    }
    return rendered.status().Annotate("error executing template");
  }
  auto parsed = templates::ParseCertificateJson(*rendered);
  if (!parsed.ok()) return parsed.status().Annotate("error unmarshaling certificate");
  return parsed;
}

// CsrFromTemplate signs the request a rendered --csr template describes. Cairn writes the
// subject and the DNS, email, IP and URI names; a template asking for more (a raw subject,
// other SAN kinds, extensions, key usages, basic constraints, a signature algorithm) is refused
// rather than silently narrowed.
Result<pki::CertificateRequest> CsrFromTemplate(const templates::ParsedX509& p,
                                                const crypto::PrivateKey& key) {
  std::string unsupported;
  if (p.has_raw_subject) unsupported = "rawSubject";
  if (!p.tmpl.other_sans.empty()) unsupported = "sans of type " + p.tmpl.other_sans[0].type;
  if (!p.tmpl.extra_extensions.empty()) unsupported = "extensions";
  if (p.has_key_usage) unsupported = "keyUsage";
  if (p.has_ext_key_usage) unsupported = "extKeyUsage";
  if (p.has_basic_constraints) unsupported = "basicConstraints";
  if (p.has_signature_algorithm) unsupported = "signatureAlgorithm";
  if (!unsupported.empty()) {
    return UnimplementedError("the certificate request template sets " + unsupported +
                              ", which cairn cannot write into a certificate request");
  }
  return pki::CreateCsr(p.tmpl.subject, p.tmpl.sans, key);
}

// SavePrivateKey writes `key` encrypted with the --password-file password (or a prompted one),
// or unencrypted with --no-password --insecure.
Status SavePrivateKey(const CreateOptions& o, const std::string& path,
                      const crypto::PrivateKey& key) {
  std::string password;
  if (!o.no_password) {
    if (!o.password_file.empty()) {
      auto p = ReadPasswordFile(o.password_file);
      if (!p.ok()) return p.status().Annotate("error reading encrypting password from file");
      password = std::move(*p);
    } else {
      auto p = PromptPassword("Please enter the password to encrypt the private key: ");
      if (!p.ok()) return p.status().Annotate("error reading password");
      password = std::move(*p);
    }
    if (password.empty()) return InvalidArgumentError("the password cannot be empty");
  }
  return tools::WritePrivateKey(path, key, password, o.force);
}

Status Create(const CreateOptions& o) {
  size_t min_args = o.key.empty() ? 3 : 2;
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, min_args, 3, kCreateUsage));
  if (o.no_password && !o.insecure) return tools::RequiredWithFlag("no-password", "insecure");
  const std::string subject = o.args[0];
  const std::string crt_file = o.args[1];
  const std::string key_file = tools::ArgAt(o.args, 2);
  if (crt_file == key_file) return tools::EqualArguments("crt-file", "key-file", kCreateUsage);
  if (!o.kms.empty()) return tools::UnsupportedFlag("kms");
  if (!o.ca_kms.empty()) return tools::UnsupportedFlag("ca-kms");

  Time now = TruncateToSeconds(SystemClock::Default().Now());
  CAIRN_ASSIGN_OR_RETURN(std::optional<Time> not_before,
                         tools::ParseTimeFlag("not-before", o.not_before, now));
  CAIRN_ASSIGN_OR_RETURN(std::optional<Time> not_after,
                         tools::ParseTimeFlag("not-after", o.not_after, now));
  if (not_before && not_after && *not_before > *not_after) {
    return tools::IncompatibleFlagValues("not-before", o.not_before, "not-after", o.not_after);
  }
  // A template replaces the profiles: step refuses an explicit --profile with it.
  const bool use_template = !o.template_file.empty();
  if (use_template && o.profile_set) return tools::IncompatibleFlagWithFlag("profile", "template");
  if (o.csr && o.skip_csr_signature) {
    return tools::IncompatibleFlagWithFlag("csr", "skip-csr-signature");
  }

  // The template text and its user data (--set/--set-file are read even without a template,
  // as step does, so their errors show either way).
  std::string template_text;
  if (use_template) {
    CAIRN_ASSIGN_OR_RETURN(template_text,
                           ReadFile(o.template_file, templates::Limits{}.max_template_bytes));
  }
  CAIRN_ASSIGN_OR_RETURN(templates::Value user_data, TemplateUserData(o.set, o.set_file));

  // The key: generated from --kty/--crv/--size, or read from --key (a private key, or a public
  // key with --skip-csr-signature).
  std::optional<crypto::PrivateKey> priv;
  std::optional<crypto::PublicKey> pub;
  if (o.key.empty()) {
    CAIRN_ASSIGN_OR_RETURN(crypto::KeySpec spec,
                           tools::KeySpecFromFlags(o.kty, o.kty_set, o.crv, o.crv_set, o.size,
                                                   o.size_set, o.insecure));
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey k, crypto::PrivateKey::Generate(spec));
    pub = k.public_key();
    priv = std::move(k);
  } else {
    if (o.kty_set) return tools::IncompatibleFlag("key", "kty");
    if (o.crv_set) return tools::IncompatibleFlag("key", "crv");
    if (o.size_set) return tools::IncompatibleFlag("key", "size");
    CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.key, crypto::kMaxKeyPemInput));
    if (pem.find("PUBLIC KEY-----") != std::string::npos &&
        pem.find("PRIVATE KEY-----") == std::string::npos) {
      CAIRN_ASSIGN_OR_RETURN(crypto::PublicKey k, crypto::PublicKey::FromPem(pem));
      pub = std::move(k);
    } else {
      CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey k,
                             tools::ReadPrivateKeyFile(o.key, o.password_file));
      pub = k.public_key();
      priv = std::move(k);
    }
  }

  std::vector<std::string> sans = o.san;

  if (o.csr) {
    if (!priv)
      return InvalidArgumentError("invalid value for flag --key: a private key is required");
    if (o.bundle) return tools::IncompatibleFlagWithFlag("bundle", "csr");
    if (o.profile_set && o.profile != "leaf")
      return tools::IncompatibleFlagWithFlag("profile", "csr");
    if (!o.ca.empty()) return tools::IncompatibleFlagWithFlag("ca", "csr");
    if (!o.ca_key.empty()) return tools::IncompatibleFlagWithFlag("ca-key", "csr");
    if (!o.ca_password_file.empty())
      return tools::IncompatibleFlagWithFlag("ca-password-file", "csr");
    if (!o.not_before.empty()) return tools::IncompatibleFlagWithFlag("not-before", "csr");
    if (!o.not_after.empty()) return tools::IncompatibleFlagWithFlag("not-after", "csr");
    if (sans.empty()) sans.push_back(subject);
    std::optional<pki::CertificateRequest> csr;
    if (use_template) {
      CAIRN_ASSIGN_OR_RETURN(templates::Value cr, UnsignedRequestValue(*pub));
      templates::Value data = TemplateData(subject, sans, std::move(user_data), std::move(cr));
      CAIRN_ASSIGN_OR_RETURN(templates::ParsedX509 parsed,
                             RenderTemplate(o.template_file, template_text, data));
      CAIRN_ASSIGN_OR_RETURN(csr, CsrFromTemplate(parsed, *priv));
    } else {
      pki::Name name;
      name.common_name = subject;
      CAIRN_ASSIGN_OR_RETURN(csr, pki::CreateCsr(name, pki::SplitSans(sans), *priv));
    }
    if (!key_file.empty()) CAIRN_RETURN_IF_ERROR(SavePrivateKey(o, key_file, *priv));
    CAIRN_RETURN_IF_ERROR(WriteOutputFile(crt_file, csr->pem(), /*secret=*/true, o.force));
    Info("Your certificate signing request has been saved in " + crt_file + ".");
    if (!key_file.empty()) Info("Your private key has been saved in " + key_file + ".");
    return Status();
  }

  const std::string& profile = o.profile;
  bool is_leaf = profile == "leaf", is_intermediate = profile == "intermediate-ca";
  bool is_root = profile == "root-ca", is_self_signed = profile == "self-signed";
  if (!use_template && !is_leaf && !is_intermediate && !is_root && !is_self_signed) {
    return tools::InvalidFlagValue("profile", profile,
                                   "leaf, intermediate-ca, root-ca, self-signed");
  }
  if (o.bundle && !is_leaf) return tools::IncompatibleFlagValue("bundle", "profile", profile);
  if (!o.subtle && is_self_signed) {
    return tools::RequiredWithFlagValue("profile", "self-signed", "subtle");
  }
  if (!priv && !o.skip_csr_signature) {
    return InvalidArgumentError("flag '--skip-csr-signature' is required with a public key");
  }

  // The issuer: --ca/--ca-key for leaf and intermediate certificates, the new key itself for
  // roots and self-signed certificates. With a template, --ca and --ca-key together sign the
  // certificate, and without them it is self-signed.
  if (use_template) {
    if (!o.ca.empty() && o.ca_key.empty()) return tools::RequiredWithFlag("ca", "ca-key");
    if (o.ca.empty() && !o.ca_key.empty()) return tools::RequiredWithFlag("ca-key", "ca");
  } else if (is_leaf || is_intermediate) {
    if (o.ca.empty()) return tools::RequiredWithFlagValue("profile", profile, "ca");
    if (o.ca_key.empty()) return tools::RequiredWithFlagValue("profile", profile, "ca-key");
  } else {
    if (!o.ca.empty()) return tools::IncompatibleFlagValue("ca", "profile", profile);
    if (!o.ca_key.empty()) return tools::IncompatibleFlagValue("ca-key", "profile", profile);
  }
  std::optional<pki::Certificate> issuer;
  std::optional<crypto::PrivateKey> issuer_key;
  if (!o.ca.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string ca_data, ReadFile(o.ca, tools::kMaxInputSize));
    CAIRN_ASSIGN_OR_RETURN(std::vector<pki::Certificate> ca_certs,
                           tools::ParseCertificates(ca_data));
    issuer = ca_certs.front();
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey k,
                           tools::ReadPrivateKeyFile(o.ca_key, o.ca_password_file));
    issuer_key = std::move(k);
  } else {
    if (!priv) return InvalidArgumentError("a private key is required to self-sign a certificate");
    issuer_key = *priv;
  }

  pki::Name name;
  name.common_name = subject;
  if ((use_template || is_leaf || is_self_signed) && sans.empty()) sans.push_back(subject);
  pki::CertificateTemplate tmpl;
  Duration validity = tools::kLeafValidity;
  bool template_serial = false;
  if (use_template) {
    // .Insecure.CR: a CSR for the subject and SANs signed by the new key (x509util
    // CreateCertificateRequest), or, with only a public key, an unsigned request holding it.
    templates::Value cr;
    if (priv) {
      CAIRN_ASSIGN_OR_RETURN(pki::CertificateRequest csr,
                             pki::CreateCsr(name, pki::SplitSans(sans), *priv));
      cr = templates::CertificateRequestValue(csr);
    } else {
      CAIRN_ASSIGN_OR_RETURN(cr, UnsignedRequestValue(*pub));
    }
    templates::Value data = TemplateData(subject, sans, std::move(user_data), std::move(cr));
    CAIRN_ASSIGN_OR_RETURN(templates::ParsedX509 parsed,
                           RenderTemplate(o.template_file, template_text, data));
    tmpl = std::move(parsed.tmpl);
    validity = kTemplateValidity;
    template_serial = parsed.has_serial;
    // The flags win over the template's validity; without either, now and 24 hours.
    if (!not_before && parsed.has_not_before) not_before = tmpl.not_before;
    if (!not_after && parsed.has_not_after) not_after = tmpl.not_after;
  } else if (is_leaf || is_self_signed) {
    tmpl = tools::LeafTemplate(name, pki::SplitSans(sans), pub->type());
  } else {
    tmpl = tools::CaTemplate(name, is_root ? 1 : 0);
    validity = tools::kCaValidity;
  }
  tmpl.not_before = not_before.value_or(now);
  tmpl.not_after = not_after.value_or(tmpl.not_before + validity);
  if (tmpl.not_before > tmpl.not_after) {
    if (o.not_after.empty() && use_template) {
      return InvalidArgumentError("error applying template " + o.template_file +
                                  ": notAfter is before notBefore");
    }
    return InvalidArgumentError("invalid value '" + o.not_after +
                                "' for flag '--not-after': certificate is already expired");
  }
  if (!template_serial) {
    CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(crypto::OsslRandom::Default()));
  }
  crypto::KeySigner signer(*issuer_key);
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert,
                         pki::SignCertificate(tmpl, *pub, issuer ? &*issuer : nullptr, signer));
  std::string out = cert.pem();
  if (o.bundle && issuer) out += issuer->pem();
  if (!key_file.empty() && priv) CAIRN_RETURN_IF_ERROR(SavePrivateKey(o, key_file, *priv));
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(crt_file, out, /*secret=*/true, o.force));
  Info("Your certificate has been saved in " + crt_file + ".");
  if (!key_file.empty()) Info("Your private key has been saved in " + key_file + ".");
  return Status();
}

// ---------------------------------------------------------------------------------------------
// sign

struct SignOptions {
  std::vector<std::string> args;
  std::string profile = "leaf";
  bool profile_set = false;
  std::string template_file;
  std::vector<std::string> set;
  std::string set_file;
  bool omit_cn_san = false;
  std::string password_file;
  std::string not_before, not_after;
  int path_len = 0;
  bool bundle = false;
  std::string kms;
};

Status CheckIssuer(const pki::Certificate& issuer, const std::string& profile, int path_len) {
  if (!issuer.is_ca())
    return InvalidArgumentError("issuer certificate is not a certificate authority");
  if ((issuer.key_usage() & pki::kCertSign) == 0) {
    return InvalidArgumentError("issuer certificate does not have the keyCertSign usage");
  }
  if (profile == "intermediate-ca") {
    int issuer_len = issuer.max_path_len();
    if (issuer_len == 0) {
      return InvalidArgumentError(
          "issuer certificate cannot sign an intermediate-ca: pathLenConstraint is 0");
    }
    if (issuer_len != -1 && (path_len == -1 || path_len >= issuer_len)) {
      return InvalidArgumentError(
          "issuer certificate cannot sign an intermediate-ca: "
          "pathLenConstraint is " +
          std::to_string(issuer_len) + ", want at most " + std::to_string(issuer_len - 1));
    }
  }
  return Status();
}

Status Sign(const SignOptions& o) {
  CAIRN_RETURN_IF_ERROR(
      tools::CheckArgs(o.args, 3, 3, "cairn certificate sign <csr-file> <crt-file> <key-file>"));
  const std::string& csr_file = o.args[0];
  const std::string& crt_file = o.args[1];
  const std::string& key_file = o.args[2];
  if (!o.kms.empty()) return tools::UnsupportedFlag("kms");
  CAIRN_ASSIGN_OR_RETURN(std::string csr_data, tools::ReadInput(csr_file));
  auto csr = pki::CertificateRequest::FromPem(csr_data);
  if (!csr.ok()) csr = pki::CertificateRequest::FromDer(csr_data);
  if (!csr.ok()) return csr.status().Annotate("error parsing " + csr_file);
  if (Status s = csr->VerifySignature(); !s.ok()) {
    return InvalidArgumentError("certificate request has invalid signature: " + s.message());
  }
  CAIRN_ASSIGN_OR_RETURN(std::string crt_data, ReadFile(crt_file, tools::kMaxInputSize));
  CAIRN_ASSIGN_OR_RETURN(std::vector<pki::Certificate> issuers, tools::ParseCertificates(crt_data));
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                         tools::ReadPrivateKeyFile(key_file, o.password_file));
  if (issuers[0].public_key().type() != key.public_key().type()) {
    return InvalidArgumentError("private key type does not match issuer public key type");
  }
  if (!issuers[0].public_key().Equals(key.public_key())) {
    return InvalidArgumentError("private key does not match issuer public key");
  }
  const std::string& profile = o.profile;
  if (profile != "leaf" && profile != "intermediate-ca" && profile != "csr") {
    return tools::InvalidFlagValue("profile", profile, "leaf, intermediate-ca, csr");
  }
  if (!o.template_file.empty()) {
    if (o.profile_set) return tools::IncompatibleFlagWithFlag("profile", "template");
    return tools::UnsupportedFlag("template");
  }
  if (o.path_len < -1) {
    return tools::InvalidFlagValueMsg("path-len", std::to_string(o.path_len),
                                      "path-len must be -1 or greater");
  }
  CAIRN_RETURN_IF_ERROR(CheckIssuer(issuers[0], profile, o.path_len));

  Time now = TruncateToSeconds(SystemClock::Default().Now());
  CAIRN_ASSIGN_OR_RETURN(std::optional<Time> not_before,
                         tools::ParseTimeFlag("not-before", o.not_before, now));
  CAIRN_ASSIGN_OR_RETURN(std::optional<Time> not_after,
                         tools::ParseTimeFlag("not-after", o.not_after, now));
  Time nb = not_before.value_or(now);
  if (not_after && nb > *not_after) {
    return tools::IncompatibleFlagValues("not-before", o.not_before, "not-after", o.not_after);
  }
  Time na = not_after.value_or(
      nb + (profile == "intermediate-ca" ? tools::kCaValidity : tools::kLeafValidity));

  pki::SubjectAltNames sans = csr->sans();
  if (!o.omit_cn_san && sans.empty() && !csr->subject_cn().empty()) {
    sans = pki::SplitSans({csr->subject_cn()});
  }
  pki::CertificateTemplate tmpl;
  if (profile == "leaf") {
    tmpl = tools::LeafTemplate(csr->subject(), sans, csr->public_key().type());
    tmpl.raw_subject_der = csr->raw_subject();
  } else if (profile == "intermediate-ca") {
    tmpl = tools::CaTemplate(csr->subject(), o.path_len);
  } else {
    // csr: the certificate says what the request says.
    tmpl.raw_subject_der = csr->raw_subject();
    tmpl.sans = csr->sans();
    for (pki::Extension& ext : csr->extensions()) {
      if (ext.oid == pki::kOidSubjectAltName) continue;
      tmpl.extra_extensions.push_back(std::move(ext));
    }
  }
  tmpl.not_before = nb;
  tmpl.not_after = na;
  CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(crypto::OsslRandom::Default()));
  crypto::KeySigner signer(key);
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert,
                         pki::SignCertificate(tmpl, csr->public_key(), &issuers[0], signer));
  std::string out = cert.pem();
  if (o.bundle) {
    for (const pki::Certificate& c : issuers) out += c.pem();
  }
  tools::PrintOut(out);
  return Status();
}

// ---------------------------------------------------------------------------------------------
// verify

struct VerifyOptions {
  std::vector<std::string> args;
  std::string host;
  std::string roots;
  std::string issuing_ca;
  bool verify_ocsp = false;
  std::string ocsp_endpoint;
  bool verify_crl = false;
  std::string crl_endpoint;
  bool verbose = false;
  std::string server_name;
  bool insecure = false;
};

Status Verify(const VerifyOptions& o) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 1, 1, "cairn certificate verify <crt-file>"));
  if (o.verify_ocsp) return tools::UnsupportedFlag("verify-ocsp");
  if (o.verify_crl) return tools::UnsupportedFlag("verify-crl");
  const std::string& file = o.args[0];
  std::optional<pki::Certificate> leaf;
  std::vector<pki::Certificate> intermediates;
  CAIRN_ASSIGN_OR_RETURN(auto url, tools::TrimUrl(file));
  if (url.second) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<pki::Certificate> peers,
                           tools::GetPeerCertificates(url.first, o.server_name, o.roots, false));
    leaf = peers.front();
    intermediates = peers;
  } else {
    auto data = ReadFile(file, tools::kMaxInputSize);
    if (!data.ok()) return data.status();
    auto blocks = pki::ParsePemBlocks(*data);
    if (!blocks.ok()) return InvalidArgumentError(file + " contains an invalid PEM block");
    for (const auto& [type, der] : *blocks) {
      if (type != "CERTIFICATE") continue;
      CAIRN_ASSIGN_OR_RETURN(pki::Certificate c, pki::Certificate::FromDer(der));
      if (!leaf) {
        leaf = std::move(c);
      } else {
        intermediates.push_back(std::move(c));
      }
    }
    if (!leaf) return InvalidArgumentError(file + " contains no PEM certificate blocks");
  }
  std::vector<pki::Certificate> roots;
  if (!o.roots.empty()) {
    CAIRN_ASSIGN_OR_RETURN(roots, tools::ReadRoots(o.roots));
  } else {
    CAIRN_ASSIGN_OR_RETURN(roots, tools::SystemRoots());
  }
  if (intermediates.size() > pki::kMaxIntermediates) {
    intermediates.erase(intermediates.begin() + pki::kMaxIntermediates, intermediates.end());
  }
  if (Status s = pki::VerifyChain(*leaf, intermediates, roots); !s.ok()) {
    return UnauthenticatedError("failed to verify certificate: " + s.message());
  }
  if (!o.host.empty()) {
    if (Status s = tools::MatchesHostname(*leaf, o.host); !s.ok()) {
      return UnauthenticatedError("failed to verify certificate: " + s.message());
    }
  }
  if (o.verbose) {
    std::string msg = "certificate validated against roots\n";
    if (!o.host.empty()) msg += "certificate host name validated\n";
    // step prints this line with its typo; scripts may match it.
    tools::PrintOut(msg + "certficiate is valid\n");
  }
  return Status();
}

// ---------------------------------------------------------------------------------------------
// install / uninstall

struct TrustOptions {
  std::vector<std::string> args;
  std::string prefix;
  bool java = false;
  bool firefox = false;
  bool no_system = false;
  bool all = false;
};

Status InstallOrUninstall(const TrustOptions& o, bool install) {
  std::string usage =
      std::string("cairn certificate ") + (install ? "install" : "uninstall") + " <crt-file>";
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 1, 1, usage));
  const std::string& file = o.args[0];
  if (o.all) return tools::UnsupportedFlag("all");
  if (o.java) return tools::UnsupportedFlag("java");
  if (o.firefox) return tools::UnsupportedFlag("firefox");
  CAIRN_ASSIGN_OR_RETURN(std::string data, ReadFile(file, tools::kMaxInputSize));
  CAIRN_ASSIGN_OR_RETURN(std::vector<pki::Certificate> certs, tools::ParseCertificates(data));
  const pki::Certificate& cert = certs.front();
  if (!cert.is_ca() || !cert.IsIssuedBy(cert)) {
    return InvalidArgumentError("certificate " + file + " is not a root CA");
  }
  client::TrustStoreOptions opts;
  opts.prefix = o.prefix;
  if (!o.no_system) {
    Status s = install ? client::InstallRoot(cert, opts) : client::UninstallRoot(cert, opts);
    if (!s.ok()) {
      return s.Annotate(std::string("failed to ") + (install ? "install " : "uninstall ") + file);
    }
  }
  tools::PrintOut("Certificate " + file +
                  (install ? " has been installed.\n" : " has been removed.\n") +
                  tools::CertificateShortText(cert));
  return Status();
}

// ---------------------------------------------------------------------------------------------
// Registration

void RegisterInspect(CLI::App& group, RunState& state) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = "inspect",
       .summary = "print certificate or CSR details in human readable format",
       .usage = "cairn certificate inspect <crt-file> [--bundle] [--short] [--format=<format>] "
                "[--roots=<root-bundle>] [--servername=<servername>] [--insecure]",
       .description =
           "cairn certificate inspect prints the details of a certificate or CSR (a file, '-' "
           "for\nSTDIN, or an https:// URL) in a human- or machine-readable format. Local\n"
           "certificates are never verified: use 'cairn certificate verify' before relying on\n"
           "them. With a bundle only the first certificate is shown unless --bundle is given.",
       .examples = "Inspect a local certificate:\n"
                   "  $ cairn certificate inspect ./certificate.crt\n\n"
                   "Inspect a bundle in short form:\n"
                   "  $ cairn certificate inspect ./bundle.crt --bundle --short\n\n"
                   "Inspect a certificate as JSON:\n"
                   "  $ cairn certificate inspect ./certificate.crt --format json\n\n"
                   "Inspect a remote certificate, verifying it with a custom root:\n"
                   "  $ cairn certificate inspect https://ca.internal:9000 --roots root_ca.crt\n"});
  cmd->add_option("crt-file", o->args, "Path to a certificate or CSR ('-' for STDIN).");
  cmd->add_option("--format", o->format, "The output format: text (default), json or pem.");
  cmd->add_option("--roots", o->roots, kRootsHelp);
  cmd->add_option("--servername", o->server_name,
                  "TLS Server Name Indication that should be sent to request a specific "
                  "certificate from the server.");
  cmd->add_flag("--bundle", o->bundle,
                "Print all certificates in the order in which they "
                "appear in the bundle.");
  cmd->add_flag("--short", o->short_form,
                "Print the certificate or CSR details in shorter and "
                "more friendly format.");
  cmd->add_flag("--insecure", o->insecure,
                "Use an insecure client to retrieve a remote peer "
                "certificate.");
  cmd->callback([&state, o] { tools::Run(state, [&] { return Inspect(*o); }); });
}

void RegisterFingerprint(CLI::App& group, RunState& state) {
  auto o = std::make_shared<FingerprintOptions>();
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = "fingerprint",
       .summary = "print the fingerprint of a certificate",
       .usage = "cairn certificate fingerprint <crt-file> [--bundle] [--roots=<root-bundle>] "
                "[--servername=<servername>] [--format=<format>] [--sha1 --insecure]",
       .description = "cairn certificate fingerprint reads a certificate (or CSR) and prints to "
                      "STDOUT the\nhex encoded SHA-256 hash of its DER bytes.",
       .examples = "Get the fingerprint of a root certificate:\n"
                   "  $ cairn certificate fingerprint /path/to/root_ca.crt\n"
                   "  0d7d3834cf187726cf331c40a31aa7ef6b29ba4df601416c9788f6ee01058cf3\n\n"
                   "Get the fingerprints of a bundle:\n"
                   "  $ cairn certificate fingerprint --bundle bundle.crt\n"});
  cmd->add_option("crt-file", o->args, "A certificate PEM file, usually the root certificate.");
  cmd->add_option("--roots", o->roots, kRootsHelp);
  cmd->add_flag("--bundle", o->bundle,
                "Print all fingerprints in the order in which they "
                "appear in the bundle.");
  cmd->add_flag("--insecure", o->insecure,
                "Use an insecure client to retrieve a remote peer "
                "certificate.");
  cmd->add_option("--servername", o->server_name, "TLS Server Name Indication.");
  cmd->add_option("--format", o->format,
                  "The format of the fingerprint: hex (default), base64, base64-url, "
                  "base64-raw or base64-url-raw.");
  cmd->add_flag("--sha1", o->sha1, "Use the SHA-1 hash algorithm. Requires --insecure.");
  cmd->callback([&state, o] { tools::Run(state, [&] { return Fingerprint(*o); }); });
}

void RegisterCreate(CLI::App& group, RunState& state) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = "create",
       .summary = "create a certificate or certificate signing request",
       .usage = std::string(kCreateUsage) +
                " [--kty=<type>] [--curve=<curve>] [--size=<size>] [--csr] "
                "[--profile=<profile>] [--template=<file>] [--set=<key=value>] "
                "[--set-file=<file>] [--not-before=<duration>] [--not-after=<duration>] "
                "[--san=<SAN>] [--ca=<issuer-cert>] [--ca-key=<issuer-key>] "
                "[--ca-password-file=<file>] [--key=<file>] [--password-file=<file>] "
                "[--bundle] [--skip-csr-signature] [--no-password] [--subtle] [--insecure] "
                "[--force]",
       .description =
           "cairn certificate create generates a certificate or a certificate signing request\n"
           "(CSR) with a new key (or --key). Profiles: leaf (default; requires --ca and\n"
           "--ca-key), intermediate-ca (requires --ca and --ca-key), root-ca, and self-signed\n"
           "(requires --subtle). The private key is encrypted with a password unless\n"
           "--no-password --insecure.\n\n"
           "Instead of a profile, --template gives a Go text/template (with sprig's and step's\n"
           "functions, as the CA's templates) that renders the certificate as step's JSON\n"
           "schema. It sees .Subject (the <subject>), .SANs (--san, else the <subject>),\n"
           ".Insecure.CR (a request for the new key) and .Insecure.User: the JSON object of\n"
           "--set-file, then each --set key=value (the value as JSON when it parses, else as a\n"
           "string). With --ca and --ca-key the certificate is signed by that CA, otherwise it is\n"
           "self-signed. Validity: --not-before/--not-after, else the template's notBefore/\n"
           "notAfter, else now and 24 hours. With --csr the template describes the request\n"
           "(subject and names).",
       .examples =
           "Create a CSR and key:\n"
           "  $ cairn certificate create foo foo.csr foo.key --csr\n\n"
           "Create a root CA, an intermediate and a leaf:\n"
           "  $ cairn certificate create root-ca root-ca.crt root-ca.key --profile root-ca\n"
           "  $ cairn certificate create intermediate-ca intermediate-ca.crt "
           "intermediate-ca.key \\\n"
           "      --profile intermediate-ca --ca ./root-ca.crt --ca-key ./root-ca.key\n"
           "  $ cairn certificate create foo.example.com foo.crt foo.key \\\n"
           "      --ca ./intermediate-ca.crt --ca-key ./intermediate-ca.key --san foo.internal\n\n"
           "Create a self-signed leaf without a password:\n"
           "  $ cairn certificate create foo foo.crt foo.key --profile self-signed --subtle \\\n"
           "      --no-password --insecure\n\n"
           "Create an intermediate from a template, with data from a file and a flag:\n"
           "  $ cairn certificate create --template intermediate.tpl --ca root_ca.crt \\\n"
           "      --ca-key root_ca.key --set-file organization.json \\\n"
           "      --set organizationUnit=Engineering \\\n"
           "      \"Acme Corporation Intermediate CA\" intermediate_ca.crt intermediate_ca.key\n"});
  cmd->add_option("args", o->args, "<subject> <crt-file> <key-file>");
  cmd->add_option("--kty", o->kty, "The key type: EC (default), OKP or RSA.")
      ->each([o](const std::string&) { o->kty_set = true; });
  cmd->add_option("--size", o->size, "The size in bits of an RSA key (default 2048).")
      ->each([o](const std::string&) { o->size_set = true; });
  cmd->add_option("--crv,--curve", o->crv, "The curve: P-256 (default), P-384, P-521, Ed25519.")
      ->each([o](const std::string&) { o->crv_set = true; });
  cmd->add_flag("--csr", o->csr,
                "Generate a certificate signing request (CSR) instead of a "
                "certificate.");
  cmd->add_option("--profile", o->profile,
                  "The certificate profile: leaf (default), intermediate-ca, root-ca or "
                  "self-signed.")
      ->each([o](const std::string&) { o->profile_set = true; });
  cmd->add_option("--template", o->template_file,
                  "The certificate template <file>, a JSON representation of the certificate to "
                  "create.");
  cmd->add_option("--set", o->set,
                  "The <key=value> pair with template data variables. Use the --set flag "
                  "multiple times to add multiple variables.")
      ->allow_extra_args(false);
  cmd->add_option("--set-file", o->set_file, "The JSON <file> with the template data variables.");
  cmd->add_option("--not-before", o->not_before,
                  "The <time|duration> set in the NotBefore property of the certificate "
                  "(RFC 3339 or a duration such as -5m).");
  cmd->add_option("--not-after", o->not_after,
                  "The <time|duration> set in the NotAfter property of the certificate "
                  "(RFC 3339 or a duration such as 720h).");
  cmd->add_option("--san", o->san,
                  "Add DNS or IP Address Subjective Alternative Names (SANs). Use the '--san' "
                  "flag multiple times to configure multiple SANs.")
      ->allow_extra_args(false);
  cmd->add_option("--ca", o->ca,
                  "The certificate authority used to issue the new certificate "
                  "(PEM file).");
  cmd->add_option("--ca-kms", o->ca_kms, "The <uri> of the KMS of the CA key (not supported).");
  cmd->add_option("--ca-key", o->ca_key,
                  "The certificate authority private key used to sign "
                  "the new certificate (PEM file).");
  cmd->add_option("--ca-password-file", o->ca_password_file,
                  "The path to the <file> containing the password to decrypt the CA private "
                  "key.");
  cmd->add_option("--kms", o->kms, "The <uri> of a KMS (not supported).");
  cmd->add_option("--key", o->key,
                  "The <file> of the private key to use instead of creating a "
                  "new one (PEM file).");
  cmd->add_option("--password-file", o->password_file,
                  "The path to the <file> containing the password to encrypt the new private "
                  "key or decrypt the user submitted private key.");
  cmd->add_flag("--no-password", o->no_password,
                "Do not ask for a password to encrypt the private key. Requires --insecure.");
  cmd->add_flag("--bundle", o->bundle,
                "Bundle the new leaf certificate with the signing "
                "certificate. Requires --ca.");
  cmd->add_flag("--skip-csr-signature", o->skip_csr_signature, "Skip creating and signing a CSR.");
  cmd->add_flag("-f,--force", o->force, "Force the overwrite of files without asking.");
  cmd->add_flag("--subtle", o->subtle, "Allow delicate operations.");
  cmd->add_flag("--insecure", o->insecure, "")->group("");
  cmd->callback([&state, o] { tools::Run(state, [&] { return Create(*o); }); });
}

void RegisterSign(CLI::App& group, RunState& state) {
  auto o = std::make_shared<SignOptions>();
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = "sign",
       .summary = "sign a certificate signing request (CSR)",
       .usage = "cairn certificate sign <csr-file> <crt-file> <key-file> [--profile=<profile>] "
                "[--omit-cn-san] [--password-file=<file>] [--path-len=<maximum>] "
                "[--not-before=<time|duration>] [--not-after=<time|duration>] [--bundle]",
       .description =
           "cairn certificate sign generates a signed certificate from a CSR, using the issuer\n"
           "certificate <crt-file> and its key <key-file>, and prints it on STDOUT. Profiles:\n"
           "leaf (default), intermediate-ca, and csr (the certificate says what the CSR says).",
       .examples = "Sign a CSR with an intermediate:\n"
                   "  $ cairn certificate sign leaf.csr issuer.crt issuer.key > leaf.crt\n\n"
                   "Sign an intermediate CA with a root:\n"
                   "  $ cairn certificate sign --profile intermediate-ca intermediate.csr "
                   "root.crt root.key\n"});
  cmd->add_option("args", o->args, "<csr-file> <crt-file> <key-file>");
  cmd->add_option("--profile", o->profile, "The profile: leaf (default), intermediate-ca, csr.")
      ->each([o](const std::string&) { o->profile_set = true; });
  cmd->add_option("--template", o->template_file,
                  "The certificate template <file> (not "
                  "supported).");
  cmd->add_option("--set", o->set, "Template data key=value (not supported).")
      ->allow_extra_args(false);
  cmd->add_option("--set-file", o->set_file, "Template data file (not supported).");
  cmd->add_flag("--omit-cn-san", o->omit_cn_san,
                "Do not add the CSR Common Name as a SAN when the CSR has no SANs.");
  cmd->add_option("--password-file", o->password_file,
                  "The path to the <file> containing the password to decrypt the private key.");
  cmd->add_option("--not-before", o->not_before, "The <time|duration> of NotBefore.");
  cmd->add_option("--not-after", o->not_after, "The <time|duration> of NotAfter.");
  cmd->add_option("--path-len", o->path_len,
                  "The <maximum> path length of an intermediate-ca (default 0; -1: no limit).");
  cmd->add_flag("--bundle", o->bundle,
                "Bundle the new leaf certificate with the signing "
                "certificate.");
  cmd->add_option("--kms", o->kms, "The <uri> of a KMS (not supported).");
  cmd->callback([&state, o] { tools::Run(state, [&] { return Sign(*o); }); });
}

void RegisterVerify(CLI::App& group, RunState& state) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = "verify",
       .summary = "verify a certificate",
       .usage = "cairn certificate verify <crt-file> [--host=<host>] [--roots=<root-bundle>] "
                "[--servername=<servername>] [--verbose]",
       .description =
           "cairn certificate verify verifies the certificate chain in <crt-file> (leaf first,\n"
           "then intermediates) against the roots (--roots, else the system store). It prints\n"
           "nothing and exits 0 on success, and one error line and exits 1 otherwise.",
       .examples = "Verify a certificate using a custom root:\n"
                   "  $ cairn certificate verify ./certificate.crt --roots ./root-ca.crt\n\n"
                   "Verify that a certificate is valid for a host:\n"
                   "  $ cairn certificate verify ./certificate.crt --roots ./root-ca.crt \\\n"
                   "      --host smallstep.com\n"});
  cmd->add_option("crt-file", o->args, "The certificate to verify.");
  cmd->add_option("--host", o->host, "Check whether the certificate is for the specified host.");
  cmd->add_option("--roots", o->roots, kRootsHelp);
  cmd->add_option("--issuing-ca", o->issuing_ca, "The issuing CA <file> (for OCSP/CRL).");
  cmd->add_flag("--verify-ocsp", o->verify_ocsp,
                "Verify the certificate against its OCSP (not "
                "supported).");
  cmd->add_option("--ocsp-endpoint", o->ocsp_endpoint, "The OCSP endpoint to use.");
  cmd->add_flag("--verify-crl", o->verify_crl,
                "Verify the certificate against its CRL (not "
                "supported).");
  cmd->add_option("--crl-endpoint", o->crl_endpoint, "The CRL endpoint to use.");
  cmd->add_flag("-v,--verbose", o->verbose,
                "Print result of certificate verification to "
                "stdout on success");
  cmd->add_option("--servername", o->server_name, "TLS Server Name Indication.");
  cmd->add_flag("--insecure", o->insecure, "");
  cmd->callback([&state, o] { tools::Run(state, [&] { return Verify(*o); }); });
}

void RegisterTrust(CLI::App& group, RunState& state, bool install) {
  auto o = std::make_shared<TrustOptions>();
  std::string verb = install ? "install" : "uninstall";
  CLI::App* cmd = tools::AddCommand(
      group,
      {.name = verb,
       .summary = install ? "install a root certificate in the supported trust stores"
                          : "uninstall a root certificate from the supported trust stores",
       .usage = "cairn certificate " + verb +
                " <crt-file> [--prefix=<name>] [--all] [--java] [--firefox] [--no-system]",
       .description =
           "Cairn manages the system trust store of Debian-like systems: the root is copied to\n"
           "/usr/local/share/ca-certificates/<prefix><serial>.crt and update-ca-certificates\n"
           "runs (root privileges are needed). CAIRN_TRUST_DIR replaces the directory and\n"
           "CAIRN_TRUST_UPDATE_COMMAND the update command (with CAIRN_TRUST_DIR set, no\n"
           "command runs unless CAIRN_TRUST_UPDATE_COMMAND is set).",
       .examples = "  $ sudo cairn certificate " + verb + " root-ca.crt\n"});
  cmd->add_option("crt-file", o->args, "Root certificate to " + verb + ".");
  cmd->add_option("--prefix", o->prefix,
                  "The prefix used to <name> the CA in the trust store. Defaults to the "
                  "certificate common name.");
  cmd->add_flag("--java", o->java, "Use the Java key store (not supported).");
  cmd->add_flag("--firefox", o->firefox,
                "Use the Firefox NSS security database (not "
                "supported).");
  cmd->add_flag("--no-system", o->no_system, "Do not use the system's default trust store.");
  cmd->add_flag("--all", o->all,
                "Use Firefox's, Java's, and the system's trust stores (not "
                "supported).");
  cmd->callback(
      [&state, o, install] { tools::Run(state, [&] { return InstallOrUninstall(*o, install); }); });
}

}  // namespace

void RegisterCertificateCommands(CLI::App& root, RunState& state) {
  CLI::App* group = tools::AddCommand(
      root, {.name = "certificate",
             .summary = "create, revoke, validate, bundle, and otherwise manage certificates",
             .usage = "cairn certificate <subcommand> [arguments] [subcommand-flags]"});
  group->require_subcommand(1);
  RegisterInspect(*group, state);
  RegisterFingerprint(*group, state);
  RegisterCreate(*group, state);
  RegisterSign(*group, state);
  RegisterVerify(*group, state);
  RegisterTrust(*group, state, /*install=*/true);
  RegisterTrust(*group, state, /*install=*/false);
}

}  // namespace cairn::cli
