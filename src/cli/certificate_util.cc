#include "cli/certificate_util.h"

#include <dirent.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/duration.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "http/client.h"

namespace cairn::cli::tools {
namespace {

// kMaxRootFiles bounds the files read from a --roots directory.
constexpr size_t kMaxRootFiles = 1024;

bool IsIpLiteral(std::string_view host) { return !pki::CanonicalIp(host).empty(); }

// SplitHostPort splits "host:port" / "[v6]:port". Returns false when there is no port.
bool SplitHostPort(std::string_view addr, std::string* host, std::string* port) {
  if (addr.starts_with('[')) {
    size_t close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return false;
    }
    *host = std::string(addr.substr(1, close - 1));
    *port = std::string(addr.substr(close + 2));
    return !port->empty();
  }
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return false;
  if (addr.find(':') != colon) return false;  // a bare IPv6 address
  *host = std::string(addr.substr(0, colon));
  *port = std::string(addr.substr(colon + 1));
  return !port->empty();
}

std::string JoinHostPort(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

// ResolveHost returns the first address of `host` (an IP literal is returned as is).
Result<std::string> ResolveHost(const std::string& host) {
  if (IsIpLiteral(host)) return pki::CanonicalIp(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    return UnavailableError("failed to connect: cannot resolve " + host + ": " +
                            ::gai_strerror(rc));
  }
  char buf[NI_MAXHOST];
  rc = ::getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (rc != 0) return UnavailableError("failed to connect: cannot resolve " + host);
  return std::string(buf);
}

}  // namespace

pki::CertificateTemplate LeafTemplate(const pki::Name& subject, const pki::SubjectAltNames& sans,
                                      crypto::KeyType key_type) {
  pki::CertificateTemplate t;
  t.subject = subject;
  t.sans = sans;
  t.key_usage = pki::kDigitalSignature;
  if (key_type == crypto::KeyType::kRsa) t.key_usage |= pki::kKeyEncipherment;
  t.ext_key_usage = {"serverAuth", "clientAuth"};
  return t;
}

pki::CertificateTemplate CaTemplate(const pki::Name& subject, int max_path_len) {
  pki::CertificateTemplate t;
  t.subject = subject;
  t.key_usage = pki::kCertSign | pki::kCrlSign;
  t.basic_constraints.present = true;
  t.basic_constraints.is_ca = true;
  t.basic_constraints.max_path_len = max_path_len;
  return t;
}

Result<crypto::KeySpec> KeySpecFromFlags(const std::string& kty, bool kty_set,
                                         const std::string& crv, bool crv_set, int size,
                                         bool size_set, bool insecure) {
  if (!kty_set) {
    if (crv_set) return RequiredWithFlag("crv", "kty");
    if (size_set) return RequiredWithFlag("size", "kty");
    return crypto::ParseKeySpec("EC", "P-256", 0);
  }
  if (kty == "RSA") {
    if (crv_set) return IncompatibleFlagValue("crv", "kty", kty);
    int bits = size_set ? size : 2048;
    if (bits < 2048 && !insecure) return MinSizeInsecureFlag("size", "2048");
    if (bits <= 0) return InvalidArgumentError("flag '--size' must be greater or equal than 0");
    return crypto::ParseKeySpec("RSA", "", bits);
  }
  if (kty == "EC") {
    if (size_set) return IncompatibleFlagValue("size", "kty", kty);
    std::string c = crv_set ? crv : "P-256";
    if (c != "P-256" && c != "P-384" && c != "P-521") {
      return InvalidArgumentError("flag '--kty EC' is incompatible with flag '--crv " + c +
                                  "'\n\n  Option(s): --crv P-256, P-384, P-521");
    }
    return crypto::ParseKeySpec("EC", c, 0);
  }
  if (kty == "OKP") {
    if (size_set) return IncompatibleFlagValue("size", "kty", kty);
    if (!crv.empty() && crv != "Ed25519") {
      return InvalidArgumentError("flag '--kty OKP' is incompatible with flag '--crv " + crv +
                                  "'\n\n  Option(s): --crv Ed25519");
    }
    return crypto::ParseKeySpec("OKP", "Ed25519", 0);
  }
  return InvalidFlagValue("kty", kty, "RSA, EC, OKP");
}

Result<std::optional<Time>> ParseTimeFlag(std::string_view flag, const std::string& value,
                                          Time now) {
  if (value.empty()) return std::optional<Time>();
  auto parsed = TimeOrDuration::Parse(value);
  if (!parsed.ok() || !parsed->is_set()) return InvalidFlagValue(flag, value);
  return std::optional<Time>(parsed->Resolve(now));
}

Result<std::vector<pki::Certificate>> ParseCertificates(std::string_view data) {
  if (data.find("-----BEGIN ") != std::string_view::npos) {
    return pki::Certificate::ParsePemBundle(data);
  }
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert, pki::Certificate::FromDer(data));
  return std::vector<pki::Certificate>{std::move(cert)};
}

Result<std::vector<pki::Certificate>> ReadRoots(const std::string& roots) {
  std::vector<std::string> files;
  struct stat st;
  if (roots.find(',') == std::string::npos && ::stat(roots.c_str(), &st) == 0 &&
      S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(roots.c_str());
    if (dir == nullptr) return InvalidArgumentError("error reading directory " + roots);
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = JoinPath(roots, name);
      struct stat fst;
      if (::stat(path.c_str(), &fst) == 0 && S_ISREG(fst.st_mode)) files.push_back(path);
      if (files.size() > kMaxRootFiles) break;
    }
    ::closedir(dir);
  } else {
    for (std::string& f : Split(roots, ',')) {
      std::string name(Trim(f));
      if (!name.empty()) files.push_back(name);
    }
  }
  std::vector<pki::Certificate> out;
  for (const std::string& f : files) {
    auto data = ReadFile(f, kMaxInputSize);
    if (!data.ok()) {
      return data.status().Annotate("failure to load root certificate pool from input path '" +
                                    roots + "'");
    }
    auto certs = ParseCertificates(*data);
    if (!certs.ok()) continue;  // like Go's AppendCertsFromPEM, skip files without certificates
    for (pki::Certificate& c : *certs) out.push_back(std::move(c));
  }
  if (out.empty()) {
    return InvalidArgumentError("failure to load root certificate pool from input path '" + roots +
                                "': no certificates found");
  }
  return out;
}

Result<std::vector<pki::Certificate>> SystemRoots() {
  const char* env = std::getenv("SSL_CERT_FILE");
  std::string path = env != nullptr && *env != '\0' ? env : "/etc/ssl/certs/ca-certificates.crt";
  auto data = ReadFile(path, pki::kMaxBundleInput);
  if (!data.ok()) return data.status().Annotate("error loading the system roots");
  return pki::Certificate::ParsePemBundle(*data);
}

Result<std::pair<std::string, bool>> TrimUrl(std::string_view ref) {
  struct Prefix {
    const char* prefix;
    const char* port;
  };
  static const Prefix kPrefixes[] = {{"tcp://", "443"},
                                     {"tls://", "443"},
                                     {"https://", "443"},
                                     {"smtps://", "465"},
                                     {"ldaps://", "636"}};
  std::string lower = ToLower(ref);
  for (const Prefix& p : kPrefixes) {
    if (!StartsWith(lower, p.prefix)) continue;
    std::string_view rest = ref.substr(std::strlen(p.prefix));
    size_t end = rest.find_first_of("/?#");
    std::string_view host = rest.substr(0, end);
    if (host.empty() || host.find_first_of(" \t") != std::string_view::npos) {
      return InvalidArgumentError("error parsing URL '" + std::string(ref) + "'");
    }
    if (size_t at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    std::string h, port;
    if (SplitHostPort(host, &h, &port)) return std::make_pair(std::string(host), true);
    std::string bare(host);
    if (bare.starts_with('[') && bare.ends_with(']')) bare = bare.substr(1, bare.size() - 2);
    return std::make_pair(JoinHostPort(bare, p.port), true);
  }
  return std::make_pair(std::string(), false);
}

Result<std::vector<pki::Certificate>> GetPeerCertificates(const std::string& addr,
                                                          const std::string& server_name,
                                                          const std::string& roots, bool insecure) {
  std::string host, port;
  if (!SplitHostPort(addr, &host, &port)) {
    host = addr;
    port = "443";
  }
  http::ClientOptions options;
  options.capture_peer_certificates = true;
  options.insecure_skip_verify = insecure;
  options.timeout = std::chrono::seconds(30);
  if (!roots.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<pki::Certificate> pool, ReadRoots(roots));
    for (const pki::Certificate& c : pool) options.ca_pem += c.pem();
  }
  std::string url_host = host;
  if (!server_name.empty() && server_name != host) {
    // Connect to `host` while sending (and verifying) `server_name`: pin the name to the
    // address instead of asking a resolver for it.
    CAIRN_ASSIGN_OR_RETURN(std::string ip, ResolveHost(host));
    options.resolve.push_back(server_name + ":" + port + ":" + ip);
    url_host = server_name;
  }
  http::HttpClient client(options);
  auto resp = client.Get("https://" + JoinHostPort(url_host, port) + "/");
  if (!resp.ok()) return resp.status().Annotate("failed to connect");
  std::vector<pki::Certificate> out;
  for (const std::string& pem : resp->peer_cert_chain_pem) {
    CAIRN_ASSIGN_OR_RETURN(pki::Certificate c, pki::Certificate::FromPem(pem));
    out.push_back(std::move(c));
  }
  if (out.empty()) return UnavailableError("failed to connect: the server sent no certificate");
  return out;
}

Result<crypto::PrivateKey> ReadPrivateKeyFile(const std::string& path,
                                              const std::string& password_file) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, crypto::kMaxKeyPemInput));
  std::string password;
  if (!password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(password, ReadPasswordFile(password_file));
  }
  auto key = crypto::PrivateKey::FromPem(pem, password);
  if (key.ok() || !password.empty()) {
    if (!key.ok()) return key.status().Annotate("error decrypting " + path);
    return key;
  }
  // Encrypted and no password given: ask, as step does.
  if (key.status().message().find("password") == std::string::npos) {
    return key.status().Annotate("error reading " + path);
  }
  CAIRN_ASSIGN_OR_RETURN(password,
                         PromptPassword("Please enter the password to decrypt " + path + ": "));
  auto retry = crypto::PrivateKey::FromPem(pem, password);
  if (!retry.ok()) return retry.status().Annotate("error decrypting " + path);
  return retry;
}

Status WritePrivateKey(const std::string& path, const crypto::PrivateKey& key,
                       std::string_view password, bool force) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, key.ToPem(password));
  return WriteOutputFile(path, pem, /*secret=*/true, force);
}

Status MatchesHostname(const pki::Certificate& cert, std::string_view host) {
  std::string h(host);
  if (h.starts_with('[') && h.ends_with(']')) h = h.substr(1, h.size() - 2);
  std::string ip = pki::CanonicalIp(h);
  std::vector<std::string> valid;
  if (!ip.empty()) {
    for (const std::string& candidate : cert.ip_addresses()) {
      if (candidate == ip) return Status();
      valid.push_back(candidate);
    }
    if (valid.empty()) {
      return UnauthenticatedError("x509: cannot validate certificate for " + h +
                                  " because it doesn't contain any IP SANs");
    }
  } else {
    std::string want = ToLower(h);
    if (want.ends_with('.')) want.pop_back();
    for (const std::string& candidate : cert.dns_names()) {
      std::string pattern = ToLower(candidate);
      valid.push_back(candidate);
      if (pattern == want) return Status();
      if (pattern.starts_with("*.")) {
        size_t dot = want.find('.');
        if (dot != std::string::npos && dot > 0 && want.substr(dot) == pattern.substr(1)) {
          return Status();
        }
      }
    }
    if (valid.empty()) {
      if (cert.sans().empty() && !cert.subject_cn().empty()) {
        return UnauthenticatedError(
            "x509: certificate relies on legacy Common Name field, use SANs instead");
      }
      return UnauthenticatedError(
          "x509: certificate is not valid for any names, but wanted to match " + h);
    }
  }
  return UnauthenticatedError("x509: certificate is valid for " + Join(valid, ", ") + ", not " + h);
}

std::string AbsolutePath(const std::string& path) {
  if (path.starts_with('/')) return path;
  char buf[4096];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return path;
  std::string p = path;
  while (p.starts_with("./")) p = p.substr(2);
  if (p == ".") return buf;
  return JoinPath(buf, p);
}

}  // namespace cairn::cli::tools
