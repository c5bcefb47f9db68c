#pragma once

// Shared machinery of the `cairn ca` client commands (bootstrap, root, roots, federation,
// health, token, certificate, sign, renew, revoke): flag defaults from defaults.json, the
// one-time-token flow (provisioner choice, provisioner key decryption) and the offline CA.
// Internal to src/cli.

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "cli/cli.h"
#include "client/ca_client.h"
#include "client/provisioners.h"
#include "client/token.h"
#include "config/config.h"
#include "crypto/key.h"
#include "store/store.h"

namespace cairn::cli {

// ClientFlags holds the flags the client commands share. Each command registers the ones it
// has; the others stay empty.
struct ClientFlags {
  std::string command;  // "ca token", for messages ("'cairn ca token' requires ...")
  std::string ca_url;
  std::string root;
  std::string fingerprint;
  std::string ca_config;
  bool offline = false;
  bool force = false;
  // token flow
  std::string token;
  std::string provisioner;
  std::string kid;
  std::string provisioner_password_file;
  std::string password_file;
  std::string key_file;
  std::vector<std::string> sans;
  std::vector<std::string> set;
  std::string set_file;
  // options, to tell "given" from "defaulted"
  CLI::Option* ca_url_opt = nullptr;
  CLI::Option* root_opt = nullptr;
  CLI::Option* fingerprint_opt = nullptr;
  CLI::Option* ca_config_opt = nullptr;
  CLI::Option* provisioner_opt = nullptr;
};

// AddCaUrlFlag, AddRootFlag, ... register the shared flags with step's names and help.
void AddCaUrlFlag(CLI::App& cmd, ClientFlags& f);
void AddRootFlag(CLI::App& cmd, ClientFlags& f);
void AddFingerprintFlag(CLI::App& cmd, ClientFlags& f);
void AddForceFlag(CLI::App& cmd, ClientFlags& f);
void AddOfflineFlags(CLI::App& cmd, ClientFlags& f);  // --offline, --ca-config
// AddProvisionerFlags registers --provisioner/--issuer, --kid (when `with_kid`),
// --provisioner-password-file and --password-file.
void AddProvisionerFlags(CLI::App& cmd, ClientFlags& f, bool with_kid);
void AddTemplateDataFlags(CLI::App& cmd, ClientFlags& f);  // --set, --set-file

// ApplyDefaults fills flags that were not given from the environment (STEP_CA_URL, STEP_ROOT,
// STEP_FINGERPRINT, STEP_CA_CONFIG, STEP_PROVISIONER) and then from <home>/config/defaults.json
// ("ca-url", "root", "fingerprint", "ca-config", "provisioner"), as step does; --ca-config
// finally defaults to <home>/config/ca.json. Fails when defaults.json exists but is malformed.
Status ApplyDefaults(ClientFlags& f);

// RequiredFlagError is step's "'cairn <command>' requires the '--<flag>' flag".
Status RequiredFlagError(const ClientFlags& f, std::string_view flag);

// RootPath returns --root, else <home>/certs/root_ca.crt when it exists; else
// RequiredFlagError("root").
Result<std::string> RootPath(const ClientFlags& f);

// RequireCaUrl returns the normalised --ca-url; RequiredFlagError when it is empty.
Result<std::string> RequireCaUrl(const ClientFlags& f);

// OnlineClient builds a CaClient trusting the roots of --root (see RootPath).
Result<std::unique_ptr<client::CaClient>> OnlineClient(const ClientFlags& f);

// ClientForToken builds the CaClient a request authorized by `token` goes to, as step does: a
// token with a "sha" claim and an https audience pins the CA's root by that fingerprint (and
// names the CA when --ca-url is empty); otherwise --ca-url and --root are required. Prints
// "✔ CA: <url>".
Result<std::unique_ptr<client::CaClient>> ClientForToken(const ClientFlags& f,
                                                         const std::string& token);

// ChooseProvisioner filters `list` by --provisioner and --kid and, when several remain, asks
// which (kInvalidArgument without a terminal); kNotFound when none matches.
Result<client::ProvisionerInfo> ChooseProvisioner(const ClientFlags& f,
                                                  std::vector<client::ProvisionerInfo> list);

// ReasonCodeToNum reads --reasonCode as step does: a number 0..10 or a name
// ("keyCompromise", "key compromise", any case); "" is 0. Fails with kInvalidArgument.
Result<int> ReasonCodeToNum(const std::string& rc);

// TemplateData reads --set-file (a JSON object) and --set key=value pairs (a value that is
// valid JSON is used as JSON, else as a string). Returns null when neither is given.
Result<nlohmann::json> TemplateData(const ClientFlags& f);

// ParseTimeFlag parses a --not-before/--not-after value: an RFC 3339 time or a Go duration
// relative to `now`. nullopt for "". Fails with "invalid value '<v>' for flag '--<name>'".
Result<std::optional<Time>> ParseTimeFlag(std::string_view value, std::string_view name, Time now);

// ValidateTimeDurationFlag checks a certificate --not-before/--not-after value (step's
// TimeDuration: RFC 3339 or a Go duration) and returns it unchanged.
Status ValidateTimeDurationFlag(std::string_view value, std::string_view name);

// OfflineCa is the CA of a local ca.json used without a server (--offline): its provisioners
// for tokens, and an in-process Authority (started on first use, sharing the CA's store) for
// signing, renewing and revoking.
class OfflineCa {
 public:
  // Load reads and validates ca.json. Fails with kNotFound / kInvalidArgument.
  static Result<std::unique_ptr<OfflineCa>> Load(const ClientFlags& f);
  ~OfflineCa();

  // ca_url is "https://<dnsNames[0]>" (IPv6 bracketed).
  std::string ca_url() const;
  // Audience is the audience step uses offline: "https://<dnsNames[0]>/sign", "/revoke",
  // "/renew".
  std::string Audience(client::TokenType type) const;
  // RootFingerprint is the hex SHA-256 of the first certificate of the first root.
  Result<std::string> RootFingerprint() const;
  // provisioners lists the ca.json provisioners.
  std::vector<client::ProvisionerInfo> provisioners() const;
  // Authority starts (once) and returns the in-process authority. The intermediate key's
  // password is --password-file, else ca.json's `password`, else asked for when the key is
  // encrypted.
  Result<authority::Authority*> Authority();

 private:
  OfflineCa() = default;
  ClientFlags flags_;
  config::CaConfig config_;
  std::string home_;
  NullLogger log_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<authority::Authority> authority_;
};

// TokenFlowRequest is what a token is for.
struct TokenFlowRequest {
  client::TokenType type = client::TokenType::kSign;
  std::string subject;
  std::vector<std::string> sans;
  std::optional<Time> not_before;
  std::optional<Time> not_after;
  std::string confirmation;
  nlohmann::json user_data;
};

// TokenSigner is what a provisioner token flow signs with: the chosen provisioner, its
// decrypted key (unset for an ACME provisioner), the CA URL and the root's fingerprint.
struct TokenSigner {
  client::ProvisionerInfo provisioner;
  jose::Jwk key;
  std::string ca_url;
  std::string root_fingerprint;
};

// PrepareTokenSigner is the first half of every token flow (MakeToken, the SSH token flow): the
// provisioner list (from the CA, or from ca.json when `offline` is set), filtered by --kid and
// --provisioner, chosen interactively when several remain ("✔ Provisioner: <label>" is
// printed); then the signing key from --key or the provisioner's encryptedKey, decrypted with
// --provisioner-password-file / --password-file or a prompt (3 tries). With `allow_acme` an
// ACME provisioner is returned without a key; otherwise ACME and SCEP fail with
// kFailedPrecondition and other non-JWK types with kUnimplemented.
Result<TokenSigner> PrepareTokenSigner(const ClientFlags& f, OfflineCa* offline, bool allow_acme);

// MakeToken runs step's token flow// MakeToken runs step's token flow: the provisioner list (from
// the CA, or from ca.json when `offline` is set), filtered by --kid and --provisioner, chosen
// interactively when several remain ("✔ Provisioner: <label>" is printed); the signing key from
// --key or the provisioner's encryptedKey (from the CA, or ca.json offline) decrypted with
// --provisioner-password-file / --password-file or a prompt (3 tries); then the JWK token.
// When the chosen provisioner is an ACME one and `acme_provisioner` is not null, no token is
// made: its name is stored there and "" is returned (the caller runs the ACME flow, as step
// does on its ErrACMEToken); with a null `acme_provisioner` that is a kFailedPrecondition.
Result<std::string> MakeToken(const ClientFlags& f, const TokenFlowRequest& request,
                              OfflineCa* offline, std::string* acme_provisioner = nullptr);

// AcmeFlags are the ACME flags of `ca certificate`, with step's names: --acme, --standalone,
// --webroot, --http-listen and --contact.
struct AcmeFlags {
  // directory is --acme, an ACME directory URL (any ACME server, not only step-ca's).
  std::string directory;
  bool standalone = false;
  std::string webroot;
  std::string http_listen = ":80";
  std::vector<std::string> contacts;
};

// AddAcmeFlags registers the ACME flags (ca_acme.cc).
void AddAcmeFlags(CLI::App& cmd, AcmeFlags& a);

// AcmeCertificateRequest is what `ca certificate` asks the ACME flow for.
struct AcmeCertificateRequest {
  std::string subject;
  std::string crt_file;
  std::string key_file;
  // sans are the --san values; empty means the subject alone.
  std::vector<std::string> sans;
  crypto::KeySpec key_spec;
  // not_before / not_after are the --not-before / --not-after values (time or duration).
  std::string not_before;
  std::string not_after;
  // provisioner names the CA's ACME provisioner when --acme is not given; its directory is
  // <ca-url>/acme/<provisioner>/directory.
  std::string provisioner;
};

// AcmeCertificate runs step's ACME certificate flow (ca_acme.cc): a fresh EC P-256 account
// (with --contact, terms of service agreed), an order for the subject and SANs (dns and ip
// identifiers; e-mail and URI SANs and wildcards are refused), each authorization answered
// with http-01 from a standalone server on --http-listen (the default) or through --webroot,
// a new key (--kty/--curve/--size) and CSR, then the chain and key written to crt-file and
// key-file (0600). The ACME server's TLS certificate is verified with --root (merged with the
// system trust store when --acme is given, as step does), else the system store. Fails with
// kInvalidArgument for --offline, --standalone with --webroot, or unsupported SANs, else with
// the ACME client's errors.
Status AcmeCertificate(const ClientFlags& f, const AcmeFlags& a, const AcmeCertificateRequest& r);

// MakeRenewToken makes an x5cInsecure renew token from a certificate chain file and its key
// file (decrypted with --password-file when needed), for `audience`. `subject`, when given,
// must equal the leaf's common name.
Result<std::string> MakeRenewToken(const std::string& cert_file, const std::string& key_file,
                                   const std::string& password_file, std::string_view subject,
                                   const std::string& audience);

// LoadPrivateKeyFile reads a PEM private key, asking for its password (or reading
// `password_file`) when it is encrypted.
Result<crypto::PrivateKey> LoadPrivateKeyFile(const std::string& path,
                                              const std::string& password_file);

// WriteChainFile writes a certificate chain PEM to `path`: mode 0600 for a new file, the
// existing file's mode otherwise; after ConfirmOverwrite unless `force`.
Status WriteChainFile(const std::string& path, std::string_view pem, bool force);

// WrapText wraps the paragraphs of `text` (separated by "\n\n") at `width` columns, for
// --help footers (CLI11 prints footers as they are).
std::string WrapText(std::string_view text, size_t width = 80);

// ReadTextFile reads a small text file with step's error wording.
Result<std::string> ReadTextFile(const std::string& path);

// RegisterCaRenewCommand and RegisterCaRevokeCommand add `ca renew` and `ca revoke`
// (ca_client_renew.cc); RegisterCaClientCommands (cli.h) calls them.
void RegisterCaRenewCommand(CLI::App& ca, RunState& state);
void RegisterCaRevokeCommand(CLI::App& ca, RunState& state);

}  // namespace cairn::cli
