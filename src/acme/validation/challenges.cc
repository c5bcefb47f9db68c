#include "acme/validation/challenges.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "base/strings.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "http/client.h"
#include "http/dns_resolver.h"
#include "http/tls_probe.h"
#include "pki/certificate.h"
#include "pki/name.h"

namespace cairn::acme {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// kMaxQuoted bounds what a message quotes of a peer's answer.
constexpr size_t kMaxQuoted = 100;
// kMaxTokenLength bounds a challenge token (ours are 32 characters).
constexpr size_t kMaxTokenLength = 256;
// kMaxAddressesTried bounds the addresses tls-alpn-01 tries, and http-01 pins for curl.
constexpr size_t kMaxAddressesTried = 8;

// Problem builds a failure with an RFC 8555 problem type as reason; the message is meant for
// the ACME client too.
Status Problem(StatusCode code, std::string_view type, std::string message) {
  return Status(code, message, message).WithReason(std::string(type));
}

// Quote renders peer-controlled bytes for a message: in double quotes, non-printable bytes
// escaped as \xNN, cut after kMaxQuoted bytes of input ("..." marks the cut).
std::string Quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (s.size() > kMaxQuoted) out += "...";
  return out;
}

// Deadline is the time budget of one validation.
class Deadline {
 public:
  explicit Deadline(Duration budget) : end_(std::chrono::steady_clock::now() + budget) {}
  // Left returns the time left (zero or negative when spent).
  Duration Left() const {
    return std::chrono::duration_cast<Duration>(end_ - std::chrono::steady_clock::now());
  }
  bool Expired() const { return Left() <= Duration::zero(); }

 private:
  SteadyTime end_;
};

Status TimedOut(std::string_view what) {
  return Problem(StatusCode::kDeadlineExceeded, "connection",
                 "timed out " + std::string(what) + " (the validation's time is up)");
}

// Target is a checked identifier: a lower-case DNS name (no wildcard, no trailing dot) or a
// canonical IP address.
struct Target {
  bool is_ip = false;
  std::string host;
};

Result<Target> CheckIdentifier(const Identifier& id, std::string_view challenge) {
  if (id.type == "ip") {
    std::string ip = pki::CanonicalIp(id.value);
    if (ip.empty()) {
      return Problem(StatusCode::kInvalidArgument, "malformed",
                     "identifier " + Quote(id.value) + " is not an IP address");
    }
    return Target{true, ip};
  }
  if (id.type != "dns") {
    return Problem(StatusCode::kInvalidArgument, "unsupportedIdentifier",
                   "identifier type " + Quote(id.type) + " cannot be validated with " +
                       std::string(challenge));
  }
  if (id.value.starts_with("*.")) {
    return Problem(StatusCode::kInvalidArgument, "malformed",
                   "wildcard identifier " + Quote(id.value) + " cannot be validated with " +
                       std::string(challenge) + " (only dns-01)");
  }
  std::string name = ToLower(id.value);
  if (name.ends_with('.')) name.pop_back();
  if (Status s = http::ValidateDnsName(name); !s.ok() || name.empty()) {
    return Problem(StatusCode::kInvalidArgument, "malformed",
                   "identifier " + Quote(id.value) + " is not a valid DNS name");
  }
  return Target{false, name};
}

Status CheckToken(std::string_view token) {
  bool ok = !token.empty() && token.size() <= kMaxTokenLength &&
            std::all_of(token.begin(), token.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_';
            });
  if (!ok) {
    return Problem(StatusCode::kInvalidArgument, "malformed",
                   "challenge token is not base64url text of at most 256 characters");
  }
  return Status::Ok();
}

// ResolverFor makes a resolver whose lookups end by the deadline.
Result<std::unique_ptr<http::DnsResolver>> ResolverFor(const ValidationOptions& options,
                                                       const Deadline& deadline) {
  if (deadline.Expired()) return TimedOut("before a DNS lookup");
  http::ResolverOptions ro;
  ro.server = options.dns_resolver;
  ro.timeout = std::max<Duration>(deadline.Left(), std::chrono::milliseconds(1));
  auto resolver = http::DnsResolver::Create(std::move(ro));
  if (!resolver.ok()) {
    return Problem(StatusCode::kInternal, "serverInternal",
                   "DNS resolver: " + resolver.status().message());
  }
  return std::move(resolver).value();
}

// DnsProblem turns a failed address lookup of `host` into a "dns" problem.
Status DnsProblem(const Status& s, std::string_view host) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Problem(StatusCode::kNotFound, "dns", s.message());
    case StatusCode::kDeadlineExceeded:
      return Problem(StatusCode::kDeadlineExceeded, "dns",
                     "DNS lookup of " + std::string(host) + " timed out");
    case StatusCode::kInvalidArgument:
      return Problem(StatusCode::kInvalidArgument, "malformed", s.message());
    case StatusCode::kInternal:
      return Problem(StatusCode::kInternal, "serverInternal", s.message());
    default:
      return Problem(StatusCode::kUnavailable, "dns", s.message());
  }
}

// WithoutRequestPrefix drops HttpClient's "GET <url>: " prefix from a transport error.
std::string WithoutRequestPrefix(const std::string& message) {
  if (!message.starts_with("GET ")) return message;
  size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

// LookupAddresses resolves `host` with the configured resolver before the deadline.
Result<std::vector<std::string>> LookupAddresses(const ValidationOptions& options,
                                                 const Deadline& deadline, std::string_view host) {
  if (deadline.Expired()) return TimedOut("before resolving " + std::string(host));
  CAIRN_ASSIGN_OR_RETURN(auto resolver, ResolverFor(options, deadline));
  auto addrs = resolver->LookupAddresses(host);
  if (!addrs.ok()) return DnsProblem(addrs.status(), host);
  if (addrs->size() > kMaxAddressesTried) addrs->resize(kMaxAddressesTried);
  return std::move(addrs).value();
}

// ---- http-01 ----

// Url is an absolute http(s) URL, split.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case DNS name (no trailing dot) or canonical IP (no brackets)
  bool host_is_ip = false;
  int port = 0;
  std::string path;  // from the first '/', query included, fragment dropped

  std::string HostForUrl() const {
    return host_is_ip && host.find(':') != std::string::npos ? "[" + host + "]" : host;
  }
  std::string ToString() const {
    return scheme + "://" + HostForUrl() + ":" + std::to_string(port) + path;
  }
};

bool HasBadUrlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || c == '\\';
  });
}

// ParseUrl parses an absolute http or https URL. Errors are plain strings for messages.
std::optional<Url> ParseUrl(std::string_view text, std::string* error) {
  if (HasBadUrlChar(text)) {
    *error = "it contains spaces, control or non-ASCII characters";
    return std::nullopt;
  }
  text = text.substr(0, text.find('#'));
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    *error = "it is not an absolute URL";
    return std::nullopt;
  }
  Url url;
  url.scheme = ToLower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    *error = "scheme " + Quote(url.scheme) + " is not http or https";
    return std::nullopt;
  }
  std::string_view rest = text.substr(sep + 3);
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view path = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  url.path = path.empty() ? "/" : (path.front() == '?' ? "/" + std::string(path) : path);
  if (authority.find('@') != std::string_view::npos) {
    *error = "it holds credentials";
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "its IPv6 host is not closed by ']'";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        *error = "junk after its host";
        return std::nullopt;
      }
      port = after.substr(1);
    }
    url.host = pki::CanonicalIp(host);
    if (url.host.empty() || url.host.find(':') == std::string::npos) {
      *error = "its host " + Quote(host) + " is not an IPv6 address";
      return std::nullopt;
    }
    url.host_is_ip = true;
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    std::string ip = pki::CanonicalIp(host);
    if (!ip.empty() && ip.find(':') == std::string::npos) {
      url.host = ip;
      url.host_is_ip = true;
    } else {
      std::string name = ToLower(host);
      if (name.ends_with('.')) name.pop_back();
      if (name.empty() || !http::ValidateDnsName(name).ok()) {
        *error = "its host " + Quote(host) + " is not a DNS name or an IP address";
        return std::nullopt;
      }
      url.host = name;
    }
  }
  if (port.empty()) {
    url.port = url.scheme == "http" ? 80 : 443;
  } else {
    int p = 0;
    bool ok = port.size() <= 5 &&
              std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) {
      for (char c : port) p = p * 10 + (c - '0');
    }
    if (!ok || p < 1 || p > 65535) {
      *error = "its port " + Quote(port) + " is invalid";
      return std::nullopt;
    }
    url.port = p;
  }
  return url;
}

// ResolveLocation resolves a Location header against the URL it came from (RFC 3986 §5.2,
// without dot-segment removal, which curl does).
std::optional<Url> ResolveLocation(const Url& base, std::string_view location, std::string* error) {
  location = Trim(location);
  if (location.empty()) {
    *error = "the Location is empty";
    return std::nullopt;
  }
  size_t scheme_end = location.find("://");
  size_t first_delim = location.find_first_of("/?#");
  if (scheme_end != std::string_view::npos && scheme_end < first_delim) {
    return ParseUrl(location, error);
  }
  if (location.starts_with("//")) return ParseUrl(base.scheme + ":" + std::string(location), error);
  std::string origin = base.scheme + "://" + base.HostForUrl() + ":" + std::to_string(base.port);
  if (location.starts_with('/')) return ParseUrl(origin + std::string(location), error);
  std::string base_path = base.path.substr(0, base.path.find('?'));
  if (location.starts_with('?')) return ParseUrl(origin + base_path + std::string(location), error);
  base_path = base_path.substr(0, base_path.rfind('/') + 1);
  return ParseUrl(origin + base_path + std::string(location), error);
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string KeyAuthorization(std::string_view token, std::string_view jwk_thumbprint_b64url) {
  std::string out(token);
  out += '.';
  out += jwk_thumbprint_b64url;
  return out;
}

std::string Dns01Value(std::string_view key_authorization) {
  return Base64UrlEncode(crypto::Sha256(key_authorization));
}

bool IsRetryable(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kNotFound:
    case StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

ChallengeValidator::ChallengeValidator(ValidationOptions options) : options_(std::move(options)) {
  auto port_ok = [](int p) { return p >= 1 && p <= 65535; };
  if (!port_ok(options_.http01_port)) {
    options_status_ = InvalidArgumentError("http-01 port " + std::to_string(options_.http01_port) +
                                           " is not in 1..65535");
  } else if (!port_ok(options_.tls_alpn01_port)) {
    options_status_ = InvalidArgumentError(
        "tls-alpn-01 port " + std::to_string(options_.tls_alpn01_port) + " is not in 1..65535");
  } else if (options_.timeout <= Duration::zero()) {
    options_status_ = InvalidArgumentError("the validation timeout must be positive");
  } else {
    auto resolver = http::DnsResolver::Create({.server = options_.dns_resolver});
    if (!resolver.ok()) options_status_ = resolver.status();
  }
}

Status ChallengeValidator::ValidateHttp01(const Identifier& identifier, std::string_view token,
                                          std::string_view key_authorization) const {
  if (!options_status_.ok()) {
    return Problem(StatusCode::kInternal, "serverInternal",
                   "invalid validation options: " + options_status_.message());
  }
  const Deadline deadline(options_.timeout);
  CAIRN_ASSIGN_OR_RETURN(Target target, CheckIdentifier(identifier, "http-01"));
  CAIRN_RETURN_IF_ERROR(CheckToken(token));

  Url url;
  url.scheme = "http";
  url.host = target.host;
  url.host_is_ip = target.is_ip;
  url.port = options_.http01_port;
  url.path = "/.well-known/acme-challenge/" + std::string(token);

  for (int hop = 0;; ++hop) {
    const std::string url_text = url.ToString();
    http::ClientOptions copts;
    copts.user_agent = "cairn-acme-validation/0.1";
    copts.max_response_bytes = kMaxHttp01Body;
    copts.follow_redirects = false;  // by hand below: each hop is resolved and checked by us
    copts.insecure_skip_verify = true;
    copts.direct = true;  // never through a proxy from the environment
    if (!url.host_is_ip) {
      // Resolve with our resolver and pin the answer, so curl never asks the system's.
      CAIRN_ASSIGN_OR_RETURN(auto addrs, LookupAddresses(options_, deadline, url.host));
      std::string pin = url.host + ":" + std::to_string(url.port) + ":";
      for (size_t i = 0; i < addrs.size(); ++i) {
        if (i > 0) pin += ",";
        pin += addrs[i].find(':') != std::string::npos ? "[" + addrs[i] + "]" : addrs[i];
      }
      copts.resolve.push_back(std::move(pin));
    }
    if (deadline.Expired()) return TimedOut("before fetching " + url_text);
    // At least 1 ms: curl reads a timeout of 0 ms as "none".
    copts.timeout = std::max<Duration>(deadline.Left(), std::chrono::milliseconds(1));
    http::HttpClient client(std::move(copts));
    auto response = client.Get(url_text);
    if (!response.ok()) {
      const Status& s = response.status();
      switch (s.code()) {
        case StatusCode::kDeadlineExceeded:
          return Problem(StatusCode::kDeadlineExceeded, "connection",
                         "timeout fetching " + url_text);
        case StatusCode::kResourceExhausted:
          return Problem(StatusCode::kPermissionDenied, "incorrectResponse",
                         "the response to GET " + url_text + " is longer than " +
                             std::to_string(kMaxHttp01Body) + " bytes");
        case StatusCode::kInternal:
          return Problem(StatusCode::kInternal, "serverInternal", s.message());
        default:
          return Problem(StatusCode::kUnavailable, "connection",
                         "error fetching " + url_text + ": " + WithoutRequestPrefix(s.message()));
      }
    }
    const int status = response->status;
    if (IsRedirect(status)) {
      std::string_view location = response->headers.Get("Location");
      if (hop >= kMaxHttp01Redirects) {
        return Problem(StatusCode::kPermissionDenied, "unauthorized",
                       "too many redirects (more than " + std::to_string(kMaxHttp01Redirects) +
                           ") fetching the http-01 challenge, the last from " + url_text);
      }
      std::string error;
      std::optional<Url> next = ResolveLocation(url, location, &error);
      if (!next) {
        return Problem(StatusCode::kPermissionDenied, "unauthorized",
                       "cannot follow the redirect from " + url_text + " to " + Quote(location) +
                           ": " + error);
      }
      const int p = next->port;
      if (p != 80 && p != 443 && p != options_.http01_port && p != options_.tls_alpn01_port) {
        return Problem(StatusCode::kPermissionDenied, "unauthorized",
                       "cannot follow the redirect from " + url_text + " to " +
                           Quote(next->ToString()) + ": port " + std::to_string(p) +
                           " is not 80, 443 or a configured ACME port");
      }
      url = std::move(*next);
      continue;
    }
    if (status >= 400) {
      bool retry = status >= 500 || status == 408 || status == 429;
      return Problem(retry ? StatusCode::kUnavailable : StatusCode::kPermissionDenied,
                     "unauthorized",
                     "GET " + url_text + " returned HTTP " + std::to_string(status));
    }
    if (status < 200 || status >= 300) {
      return Problem(StatusCode::kPermissionDenied, "unauthorized",
                     "GET " + url_text + " returned HTTP " + std::to_string(status) +
                         " (a redirect without a usable Location, or not a success)");
    }
    // RFC 8555 §8.3: the body, trimmed of whitespace, must equal the key authorization.
    std::string_view got = Trim(response->body);
    if (!ConstantTimeEquals(got, key_authorization)) {
      return Problem(StatusCode::kPermissionDenied, "incorrectResponse",
                     "the key authorization at " + url_text + " is wrong: expected " +
                         Quote(key_authorization) + ", got " + Quote(got));
    }
    return Status::Ok();
  }
}

namespace {

// ReverseDnsName returns the in-addr.arpa / ip6.arpa name of a canonical IP (RFC 8738 §6).
std::string ReverseDnsName(const std::string& ip) {
  static constexpr char kHex[] = "0123456789abcdef";
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v4);
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." +
           std::to_string(b[0]) + ".in-addr.arpa";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return {};
  std::string out;
  for (int i = 15; i >= 0; --i) {
    unsigned char byte = v6.s6_addr[i];
    out += kHex[byte & 0xf];
    out += '.';
    out += kHex[byte >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

// CountGeneralNames counts the entries of a subjectAltName extension value (a SEQUENCE OF
// GeneralName), or -1 when it is malformed.
int CountGeneralNames(std::string_view der) {
  crypto::der::Reader outer(der);
  auto seq = outer.Expect(crypto::der::kSequence);
  if (!seq.ok() || !outer.empty()) return -1;
  crypto::der::Reader inner(*seq);
  int n = 0;
  while (!inner.empty()) {
    if (!inner.Next().ok()) return -1;
    ++n;
  }
  return n;
}

Status Tls(std::string message) {
  return Problem(StatusCode::kPermissionDenied, "tls",
                 "incorrect certificate for tls-alpn-01: " + std::move(message));
}

// CheckAlpnCertificate applies RFC 8737 §3 to the leaf the server presented.
Status CheckAlpnCertificate(const Target& target, std::string_view key_authorization,
                            const std::string& leaf_der, const std::string& where) {
  auto cert = pki::Certificate::FromDer(leaf_der);
  if (!cert.ok()) return Tls("cannot parse the certificate from " + where);

  std::optional<pki::Extension> san = cert->FindExtension(pki::kOidSubjectAltName);
  if (!san) return Tls("it has no subjectAltName extension");
  int count = CountGeneralNames(san->value);
  if (count < 0) return Tls("its subjectAltName extension is malformed");
  const std::string want = target.is_ip ? "IP address " + target.host : "DNS name " + target.host;
  if (count != 1) {
    return Tls("it must hold exactly one subjectAltName, the " + want + "; it holds " +
               std::to_string(count));
  }
  bool match = false;
  if (target.is_ip) {
    std::vector<std::string> ips = cert->ip_addresses();
    match = ips.size() == 1 && pki::CanonicalIp(ips[0]) == target.host;
  } else {
    std::vector<std::string> names = cert->dns_names();
    match = names.size() == 1 && EqualsIgnoreCase(names[0], target.host);
  }
  if (!match) {
    pki::SubjectAltNames sans = cert->sans();
    std::string got = !sans.dns.empty()   ? "DNS name " + Quote(sans.dns[0])
                      : !sans.ips.empty() ? "IP address " + sans.ips[0]
                                          : "another kind of name";
    return Tls("its subjectAltName is " + got + ", not the " + want);
  }

  std::optional<pki::Extension> ext = cert->FindExtension(kOidAcmeIdentifier);
  if (!ext) {
    if (cert->FindExtension(kOidAcmeIdentifierV1Obsolete)) {
      return Tls("it uses the obsolete id-pe-acmeIdentifier OID " +
                 std::string(kOidAcmeIdentifierV1Obsolete) + " instead of " + kOidAcmeIdentifier);
    }
    return Tls("it has no acmeIdentifier extension (" + std::string(kOidAcmeIdentifier) + ")");
  }
  if (!ext->critical) return Tls("its acmeIdentifier extension is not critical");
  // RFC 8737 §3: extnValue holds Authorization ::= OCTET STRING (SIZE (32)).
  crypto::der::Reader reader(ext->value);
  auto digest = reader.Expect(crypto::der::kOctetString);
  if (!digest.ok() || !reader.empty() || digest->size() != 32) {
    return Tls("its acmeIdentifier extension is not an OCTET STRING of 32 bytes");
  }
  const std::string expected = crypto::Sha256(key_authorization);
  if (!ConstantTimeEquals(*digest, expected)) {
    return Problem(StatusCode::kPermissionDenied, "incorrectResponse",
                   "the acmeIdentifier extension of the certificate from " + where +
                       " is wrong: expected SHA-256 of the key authorization " +
                       HexEncode(expected) + ", got " + HexEncode(*digest));
  }
  return Status::Ok();
}

}  // namespace

Status ChallengeValidator::ValidateTlsAlpn01(const Identifier& identifier, std::string_view token,
                                             std::string_view key_authorization) const {
  if (!options_status_.ok()) {
    return Problem(StatusCode::kInternal, "serverInternal",
                   "invalid validation options: " + options_status_.message());
  }
  const Deadline deadline(options_.timeout);
  CAIRN_ASSIGN_OR_RETURN(Target target, CheckIdentifier(identifier, "tls-alpn-01"));
  CAIRN_RETURN_IF_ERROR(CheckToken(token));

  std::vector<std::string> addrs;
  std::string sni;
  if (target.is_ip) {
    addrs.push_back(target.host);
    sni = ReverseDnsName(target.host);
  } else {
    CAIRN_ASSIGN_OR_RETURN(addrs, LookupAddresses(options_, deadline, target.host));
    sni = target.host;
  }

  Status last;
  for (const std::string& addr : addrs) {
    if (deadline.Expired()) {
      return last.ok() ? TimedOut("before connecting to " + addr) : last;
    }
    http::TlsProbeOptions probe;
    probe.address = addr;
    probe.port = options_.tls_alpn01_port;
    probe.sni = sni;
    probe.alpn = {kAcmeTlsAlpnProtocol};
    probe.timeout = deadline.Left();
    auto result = http::ProbeTls(probe);
    const std::string where = (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) +
                              ":" + std::to_string(options_.tls_alpn01_port);
    if (!result.ok()) {
      const Status& s = result.status();
      switch (s.code()) {
        case StatusCode::kDeadlineExceeded:
          last = Problem(StatusCode::kDeadlineExceeded, "connection", s.message());
          break;
        case StatusCode::kUnavailable:
          last = Problem(StatusCode::kUnavailable, "connection", s.message());
          break;
        default:
          return Problem(StatusCode::kInternal, "serverInternal", s.message());
      }
      continue;  // another address of the name may answer
    }
    if (result->alpn != kAcmeTlsAlpnProtocol) {
      return Problem(StatusCode::kPermissionDenied, "tls",
                     "the TLS server at " + where + " did not negotiate ALPN \"" +
                         kAcmeTlsAlpnProtocol + "\" (it selected " +
                         (result->alpn.empty() ? std::string("none") : Quote(result->alpn)) + ")");
    }
    return CheckAlpnCertificate(target, key_authorization, result->leaf_der, where);
  }
  return last;
}

Status ChallengeValidator::ValidateDns01(const Identifier& identifier, std::string_view token,
                                         std::string_view key_authorization) const {
  if (!options_status_.ok()) {
    return Problem(StatusCode::kInternal, "serverInternal",
                   "invalid validation options: " + options_status_.message());
  }
  const Deadline deadline(options_.timeout);
  if (identifier.type != "dns") {
    return Problem(
        StatusCode::kInvalidArgument,
        identifier.type == "ip" ? "malformed" : "unsupportedIdentifier",
        "identifier type " + Quote(identifier.type) + " cannot be validated with dns-01");
  }
  CAIRN_RETURN_IF_ERROR(CheckToken(token));
  // RFC 8555 §8.4: the wildcard prefix is not part of the validated domain.
  std::string domain = ToLower(identifier.value);
  if (domain.starts_with("*.")) domain.erase(0, 2);
  if (domain.ends_with('.')) domain.pop_back();
  if (domain.empty() || !http::ValidateDnsName(domain).ok()) {
    return Problem(StatusCode::kInvalidArgument, "malformed",
                   "identifier " + Quote(identifier.value) + " is not a valid DNS name");
  }
  std::string name = "_acme-challenge." + domain;
  if (options_.strict_fqdn) name += ".";

  CAIRN_ASSIGN_OR_RETURN(auto resolver, ResolverFor(options_, deadline));
  auto records = resolver->LookupTxt(name);
  if (!records.ok()) {
    const Status& s = records.status();
    switch (s.code()) {
      case StatusCode::kNotFound:
        // Possibly not yet propagated: retryable.
        return Problem(StatusCode::kNotFound, "unauthorized",
                       "no TXT record found at " + name +
                           (s.message().find("NXDOMAIN") != std::string::npos
                                ? " (NXDOMAIN: the name does not exist)"
                                : ""));
      case StatusCode::kDeadlineExceeded:
        return Problem(StatusCode::kDeadlineExceeded, "dns",
                       "DNS lookup of TXT records at " + name + " timed out");
      case StatusCode::kInvalidArgument:
        return Problem(StatusCode::kInvalidArgument, "malformed", s.message());
      case StatusCode::kInternal:
        return Problem(StatusCode::kInternal, "serverInternal", s.message());
      default:
        return Problem(StatusCode::kUnavailable, "dns", s.message());
    }
  }
  const std::string expected = Dns01Value(key_authorization);
  for (const std::string& r : *records) {
    if (ConstantTimeEquals(r, expected)) return Status::Ok();
  }
  std::string got;
  for (size_t i = 0; i < records->size() && i < 5; ++i) {
    if (i > 0) got += ", ";
    got += Quote((*records)[i]);
  }
  if (records->size() > 5) got += ", ...";
  return Problem(StatusCode::kPermissionDenied, "incorrectResponse",
                 "no TXT record at " + name + " matches the key authorization: expected " +
                     Quote(expected) + ", got " + got);
}

}  // namespace cairn::acme
