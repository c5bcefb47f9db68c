#include "policy/engine.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>

#include "base/strings.h"
#include "policy/idna.h"
#include "policy/names.h"

namespace cairn::policy {
namespace internal {

// EngineData is the normalised constraint set (step-ca's NamePolicyEngine fields).
struct EngineData {
  bool allow_literal_wildcard_names = false;
  bool verify_subject_common_name = false;

  std::vector<std::string> permitted_cn, excluded_cn;
  std::vector<std::string> permitted_dns, excluded_dns;  // "*.x" stored as ".x"
  std::vector<IpNetwork> permitted_ip, excluded_ip;
  std::vector<std::string> permitted_email, excluded_email;
  std::vector<std::string> permitted_uri, excluded_uri;  // "*.x" stored as ".x"
  std::vector<std::string> permitted_principal, excluded_principal;

  size_t num_cn = 0, num_dns = 0, num_ip = 0, num_email = 0, num_uri = 0, num_principal = 0;
  size_t num_permitted = 0, num_total = 0;
};

}  // namespace internal

namespace {

using internal::EngineData;

// Names longer than this are refused before any work is done on them.
constexpr size_t kMaxNameLength = 4096;

enum class Reason {
  kNotAllowed,             // step NotAllowed
  kCannotParseDomain,      // step CannotParseDomain
  kCannotParseRfc822Name,  // step CannotParseRFC822Name
  kCannotMatch,            // step CannotMatchNameToConstraint
  kInvalidName,            // ours: not an IP / URI at all
};

struct Violation {
  Reason reason;
  NameType type;
  std::string name;
};

using Verdict = std::optional<Violation>;  // nullopt: allowed

Status ToStatus(const Violation& v) {
  const std::string type(NameTypeName(v.type));
  const std::string name = GoQuote(v.name);
  switch (v.reason) {
    case Reason::kNotAllowed: {
      std::string msg = type + " name " + name + " not allowed";
      return PermissionDeniedError(msg).WithExactPublicMessage(
          "The request was forbidden by the certificate authority: " + msg);
    }
    case Reason::kCannotParseDomain:
      return InvalidArgumentError("cannot parse " + type + " domain " + name);
    case Reason::kCannotParseRfc822Name:
      return InvalidArgumentError("cannot parse " + type + " rfc822Name " + name);
    case Reason::kCannotMatch:
      return InvalidArgumentError("error matching " + type + " name " + name + " to constraint");
    case Reason::kInvalidName:
      break;
  }
  return InvalidArgumentError("cannot parse " + type + " name " + name);
}

enum class Match { kNo, kYes, kError };

// CheckConstraints is step's checkNameConstraints: any excluded match (or matching error)
// rejects; otherwise, when permitted constraints exist, one of them must match.
template <typename Parsed, typename Constraint, typename Matcher>
Verdict CheckConstraints(NameType type, std::string_view name, const Parsed& parsed,
                         const std::vector<Constraint>& permitted,
                         const std::vector<Constraint>& excluded, Matcher match) {
  for (const Constraint& c : excluded) {
    switch (match(parsed, c)) {
      case Match::kError:
        return Violation{Reason::kCannotMatch, type, std::string(name)};
      case Match::kYes:
        return Violation{Reason::kNotAllowed, type, std::string(name)};
      case Match::kNo:
        break;
    }
  }
  bool ok = true;
  for (const Constraint& c : permitted) {
    const Match m = match(parsed, c);
    if (m == Match::kError) return Violation{Reason::kCannotMatch, type, std::string(name)};
    ok = m == Match::kYes;
    if (ok) break;
  }
  if (!ok) return Violation{Reason::kNotAllowed, type, std::string(name)};
  return std::nullopt;
}

// MatchDomain is step's matchDomainConstraint. A constraint starting with '.' (from "*.x")
// needs exactly one more label than the rest of it.
Match MatchDomain(std::string_view domain, std::string_view constraint, bool allow_wildcards) {
  if (constraint.empty()) return Match::kYes;  // NSS: zero-length constraints match anything
  if (domain.empty() || domain == " " || domain[0] == '.') return Match::kNo;
  if (domain[0] == '*' && (domain.size() < 2 || domain[1] != '.')) return Match::kNo;
  if (domain.starts_with("*.") && !allow_wildcards) return Match::kNo;
  if (const size_t star = domain.rfind('*'); star != std::string_view::npos && star > 0) {
    return Match::kNo;
  }
  if (constraint.find("..") != std::string_view::npos) return Match::kNo;
  auto domain_labels = ReverseLabels(domain);
  if (!domain_labels) return Match::kError;
  bool must_have_subdomain = false;
  if (constraint[0] == '.') {
    must_have_subdomain = true;
    constraint.remove_prefix(1);
  }
  auto constraint_labels = ReverseLabels(constraint);
  if (!constraint_labels) return Match::kError;
  const size_t expected = constraint_labels->size() + (must_have_subdomain ? 1 : 0);
  if (domain_labels->size() != expected) return Match::kNo;
  for (size_t i = 0; i < constraint_labels->size(); ++i) {
    if (!EqualsIgnoreCase((*constraint_labels)[i], (*domain_labels)[i])) return Match::kNo;
  }
  return Match::kYes;
}

Match MatchEmail(const Mailbox& mailbox, const std::string& constraint, bool allow_wildcards) {
  if (constraint.find('@') != std::string::npos) {
    auto want = ParseMailbox(constraint);
    if (!want) return Match::kError;
    // RFC 5280 §7.5: local part exact, host case-insensitive.
    return mailbox.local == want->local && EqualsIgnoreCase(mailbox.domain, want->domain)
               ? Match::kYes
               : Match::kNo;
  }
  return MatchDomain(mailbox.domain, constraint, allow_wildcards);
}

// MatchUri is step's matchURIConstraint: RFC 5280 §4.2.1.10 requires a host that is a domain
// name; the port is ignored.
Match MatchUri(const ParsedUrl& url, const std::string& constraint, bool allow_wildcards) {
  std::string host = url.host;
  if (host.empty()) return Match::kError;
  if (host.find('*') != std::string::npos) return Match::kError;
  if (host.find(':') != std::string::npos && !host.ends_with("]")) {
    auto split = SplitHostPort(host);
    if (!split) return Match::kError;
    host = std::move(split->first);
  }
  if ((host.starts_with("[") && host.ends_with("]")) || ParseIpAddress(host)) {
    return Match::kError;
  }
  return MatchDomain(host, constraint, allow_wildcards);
}

Match MatchPrincipal(const std::string& principal, const std::string& constraint) {
  if (constraint == "*") return Match::kYes;
  return EqualFold(principal, constraint) ? Match::kYes : Match::kNo;
}

Match MatchCommonName(const std::string& cn, const std::string& constraint) {
  if (constraint == "*") return Match::kNo;
  return EqualFold(cn, constraint) ? Match::kYes : Match::kNo;
}

Verdict TooLong(NameType type, std::string_view name) {
  if (name.size() <= kMaxNameLength) return std::nullopt;
  return Violation{Reason::kInvalidName, type, std::string(name.substr(0, 64)) + "..."};
}

// ValidateNames is step's validateNames.
Verdict ValidateNames(const EngineData& d, const std::vector<std::string>& dns_names,
                      const std::vector<std::string>& ips, const std::vector<std::string>& emails,
                      const std::vector<std::string>& uris,
                      const std::vector<std::string>& principals) {
  if (d.num_total == 0) return std::nullopt;
  const bool any_permitted = d.num_permitted > 0;

  for (const std::string& dns : dns_names) {
    if (auto v = TooLong(NameType::kDns, dns)) return v;
    // With allow rules present, a type must be configured explicitly to be allowed.
    if (d.num_dns == 0 && any_permitted) return Violation{Reason::kNotAllowed, NameType::kDns, dns};
    std::string_view to_convert = dns;
    const bool cut_wildcard = to_convert.starts_with("*.");
    if (cut_wildcard) to_convert.remove_prefix(1);
    Result<std::string> ascii = IdnaLookupToAscii(to_convert);
    if (!ascii.ok()) return Violation{Reason::kCannotParseDomain, NameType::kDns, dns};
    const std::string parsed = cut_wildcard ? "*" + *ascii : *ascii;
    if (!ReverseLabels(parsed)) return Violation{Reason::kCannotParseDomain, NameType::kDns, dns};
    const bool wild = d.allow_literal_wildcard_names;
    if (auto v = CheckConstraints(NameType::kDns, dns, parsed, d.permitted_dns, d.excluded_dns,
                                  [wild](const std::string& n, const std::string& c) {
                                    return MatchDomain(n, c, wild);
                                  })) {
      return v;
    }
  }

  for (const std::string& text : ips) {
    if (auto v = TooLong(NameType::kIp, text)) return v;
    auto ip = ParseIpAddress(text);
    if (!ip) return Violation{Reason::kInvalidName, NameType::kIp, text};
    const std::string name = ip->ToString();
    if (d.num_ip == 0 && any_permitted) return Violation{Reason::kNotAllowed, NameType::kIp, name};
    if (auto v = CheckConstraints(NameType::kIp, name, *ip, d.permitted_ip, d.excluded_ip,
                                  [](const IpAddress& a, const IpNetwork& net) {
                                    return net.Contains(a) ? Match::kYes : Match::kNo;
                                  })) {
      return v;
    }
  }

  for (const std::string& email : emails) {
    if (auto v = TooLong(NameType::kEmail, email)) return v;
    if (d.num_email == 0 && any_permitted) {
      return Violation{Reason::kNotAllowed, NameType::kEmail, email};
    }
    auto mailbox = ParseMailbox(email);
    if (!mailbox) return Violation{Reason::kCannotParseRfc822Name, NameType::kEmail, email};
    // RFC 5280 §7.5: compare the ASCII form of the host.
    Result<std::string> ascii = IdnaPunycodeToAscii(mailbox->domain);
    if (!ascii.ok()) return Violation{Reason::kCannotParseDomain, NameType::kEmail, email};
    mailbox->domain = std::move(*ascii);
    const bool wild = d.allow_literal_wildcard_names;
    if (auto v = CheckConstraints(
            NameType::kEmail, email, *mailbox, d.permitted_email, d.excluded_email,
            [wild](const Mailbox& m, const std::string& c) { return MatchEmail(m, c, wild); })) {
      return v;
    }
  }

  for (const std::string& uri : uris) {
    if (auto v = TooLong(NameType::kUri, uri)) return v;
    if (d.num_uri == 0 && any_permitted) return Violation{Reason::kNotAllowed, NameType::kUri, uri};
    auto parsed = ParseUrl(uri);
    if (!parsed) return Violation{Reason::kInvalidName, NameType::kUri, uri};
    const bool wild = d.allow_literal_wildcard_names;
    if (auto v = CheckConstraints(
            NameType::kUri, uri, *parsed, d.permitted_uri, d.excluded_uri,
            [wild](const ParsedUrl& u, const std::string& c) { return MatchUri(u, c, wild); })) {
      return v;
    }
  }

  for (const std::string& principal : principals) {
    if (auto v = TooLong(NameType::kPrincipal, principal)) return v;
    if (d.num_principal == 0 && any_permitted) {
      return Violation{Reason::kNotAllowed, NameType::kPrincipal, principal};
    }
    if (auto v = CheckConstraints(NameType::kPrincipal, principal, principal, d.permitted_principal,
                                  d.excluded_principal, MatchPrincipal)) {
      return v;
    }
  }
  return std::nullopt;
}

// Split classifies free-form names into the four SAN lists (x509util.SplitSANs).
struct SplitNames {
  std::vector<std::string> dns, ips, emails, uris;
};

SplitNames Split(const std::vector<std::string>& names) {
  SplitNames out;
  for (const std::string& n : names) {
    switch (ClassifyName(n)) {
      case NameKind::kIp:
        out.ips.push_back(n);
        break;
      case NameKind::kUri:
        out.uris.push_back(n);
        break;
      case NameKind::kEmail:
        out.emails.push_back(n);
        break;
      case NameKind::kDns:
        out.dns.push_back(n);
        break;
    }
  }
  return out;
}

// ValidateCommonName is step's validateCommonName.
Verdict ValidateCommonName(const EngineData& d, const std::string& cn) {
  if (d.num_total == 0 || cn.empty()) return std::nullopt;
  if (auto v = TooLong(NameType::kCommonName, cn)) return v;
  if (d.num_cn > 0 && !CheckConstraints(NameType::kCommonName, cn, cn, d.permitted_cn,
                                        d.excluded_cn, MatchCommonName)) {
    return std::nullopt;  // explicitly allowed by the cn rules
  }
  // No cn rules, or they did not allow it: check the CN as the SAN type it looks like.
  SplitNames split = Split({cn});
  Verdict v = ValidateNames(d, split.dns, split.ips, split.emails, split.uris, {});
  if (v) v->type = NameType::kCommonName;
  return v;
}

// ---- Constraint normalisation (step's options.go) ----

Result<std::string> NormalizeCommonName(const std::string& constraint) {
  std::string n = ToLowerText(Trim(constraint));
  if (n.empty()) {
    return InvalidArgumentError("constraint " + GoQuote(constraint) +
                                " can not be empty or white space string");
  }
  if (n == "*") {
    return InvalidArgumentError("wildcard constraint " + GoQuote(constraint) + " is not supported");
  }
  return n;
}

Result<std::string> NormalizeDnsDomain(const std::string& constraint) {
  const std::string q = GoQuote(constraint);
  std::string n = ToLowerText(Trim(constraint));
  if (n.empty()) {
    return InvalidArgumentError("constraint " + q + " can not be empty or white space string");
  }
  if (n.find("..") != std::string::npos) {
    return InvalidArgumentError("domain constraint " + q + " cannot have empty labels");
  }
  if (n[0] == '.') {
    return InvalidArgumentError("domain constraint " + q + " with wildcard should start with *");
  }
  if (const size_t star = n.rfind('*'); star != std::string::npos && star > 0) {
    return InvalidArgumentError("domain constraint " + q +
                                " can only have wildcard as starting character");
  }
  if (n.size() >= 2 && n[0] == '*' && n[1] != '.') {
    return InvalidArgumentError("wildcard character in domain constraint " + q +
                                " can only be used to match (full) labels");
  }
  if (n.starts_with("*.")) n.erase(0, 1);  // keep the leading '.'
  Result<std::string> ascii = IdnaLookupToAscii(n);
  if (!ascii.ok()) {
    return InvalidArgumentError("domain constraint " + q +
                                " can not be converted to ASCII: " + ascii.status().message());
  }
  if (!ReverseLabels(*ascii)) return InvalidArgumentError("cannot parse domain constraint " + q);
  return *ascii;
}

Result<std::string> NormalizeEmail(const std::string& constraint) {
  const std::string q = GoQuote(constraint);
  std::string n = ToLowerText(Trim(constraint));
  if (n.empty()) {
    return InvalidArgumentError("email constraint " + q +
                                " can not be empty or white space string");
  }
  if (n.find('*') != std::string::npos) {
    return InvalidArgumentError("email constraint " + q + " cannot contain asterisk wildcard");
  }
  if (std::count(n.begin(), n.end(), '@') > 1) {
    return InvalidArgumentError("email constraint " + q + " contains too many @ characters");
  }
  if (n[0] == '@') n.erase(0, 1);  // "@host" means any mailbox at host
  if (n.empty()) {
    return InvalidArgumentError("email constraint " + q +
                                " can not be empty or white space string");
  }
  if (n[0] == '.') {
    return InvalidArgumentError("email constraint " + q + " cannot start with period");
  }
  if (n.find('@') != std::string::npos) {
    auto mailbox = ParseMailbox(n);
    if (!mailbox) {
      return InvalidArgumentError("cannot parse email constraint " + q + " as RFC 2821 mailbox");
    }
    Result<std::string> ascii = IdnaLookupToAscii(mailbox->domain);
    if (!ascii.ok()) {
      return InvalidArgumentError("email constraint " + q + " domain part " +
                                  GoQuote(mailbox->domain) +
                                  " cannot be converted to ASCII: " + ascii.status().message());
    }
    n = mailbox->local + "@" + *ascii;
  } else {
    Result<std::string> ascii = IdnaLookupToAscii(n);
    if (!ascii.ok()) {
      return InvalidArgumentError("email constraint " + q +
                                  " cannot be converted to ASCII: " + ascii.status().message());
    }
    n = std::move(*ascii);
  }
  if (!ReverseLabels(n)) return InvalidArgumentError("cannot parse email domain constraint " + q);
  return n;
}

Result<std::string> NormalizeUriDomain(const std::string& constraint) {
  const std::string q = GoQuote(constraint);
  std::string n = ToLowerText(Trim(constraint));
  if (n.empty()) {
    return InvalidArgumentError("URI domain constraint " + q +
                                " cannot be empty or white space string");
  }
  if (n.find("://") != std::string::npos) {
    return InvalidArgumentError("URI domain constraint " + q +
                                " contains scheme (not supported yet)");
  }
  if (n.find("..") != std::string::npos) {
    return InvalidArgumentError("URI domain constraint " + q + " cannot have empty labels");
  }
  if (n[0] == '.') {
    return InvalidArgumentError("URI domain constraint " + q +
                                " with wildcard should start with *");
  }
  if (const size_t star = n.rfind('*'); star != std::string::npos && star > 0) {
    return InvalidArgumentError("URI domain constraint " + q +
                                " can only have wildcard as starting character");
  }
  if (n.starts_with("*.")) n.erase(0, 1);
  if (n.find_first_of("[]") != std::string::npos) {
    return InvalidArgumentError("URI domain constraint " + q + " contains invalid square brackets");
  }
  if (SplitHostPort(n)) {
    return InvalidArgumentError("URI domain constraint " + q + " cannot contain port");
  }
  if (ParseIpAddress(n)) {
    return InvalidArgumentError("URI domain constraint " + q + " cannot be an IP");
  }
  Result<std::string> ascii = IdnaLookupToAscii(n);
  if (!ascii.ok()) {
    return InvalidArgumentError("URI domain constraint " + q +
                                " cannot be converted to ASCII: " + ascii.status().message());
  }
  if (!ReverseLabels(*ascii)) {
    return InvalidArgumentError("cannot parse URI domain constraint " + q);
  }
  return *ascii;
}

// NormalizeAll normalises every entry of `in`, wrapping errors as step does, e.g.
// `cannot parse permitted domain constraint "x": <reason>`; duplicates are dropped.
Result<std::vector<std::string>> NormalizeAll(const std::vector<std::string>& in,
                                              Result<std::string> (*normalize)(const std::string&),
                                              std::string_view what) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const std::string& entry : in) {
    Result<std::string> n = normalize(entry);
    if (!n.ok()) {
      return InvalidArgumentError("cannot parse " + std::string(what) + " " + GoQuote(entry) +
                                  ": " + n.status().message());
    }
    if (seen.insert(*n).second) out.push_back(std::move(*n));
  }
  return out;
}

Result<std::vector<IpNetwork>> ParseRanges(const std::vector<std::string>& in,
                                           std::string_view kind) {
  std::vector<IpNetwork> out;
  std::unordered_set<std::string> seen;
  for (const std::string& entry : in) {
    auto net = ParseIpOrCidr(entry);
    if (!net) {
      return InvalidArgumentError("cannot parse " + std::string(kind) + " constraint " +
                                  GoQuote(entry) + " as IP nor CIDR");
    }
    if (seen.insert(net->ToString()).second) out.push_back(*net);
  }
  return out;
}

std::vector<std::string> Dedup(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const std::string& s : in) {
    if (seen.insert(s).second) out.push_back(s);
  }
  return out;
}

std::string ListForMessage(const std::vector<std::string>& items) {
  return "[" + Join(items, " ") + "]";
}

}  // namespace

std::string_view NameTypeName(NameType type) {
  switch (type) {
    case NameType::kCommonName:
      return "cn";
    case NameType::kDns:
      return "dns";
    case NameType::kIp:
      return "ip";
    case NameType::kEmail:
      return "email";
    case NameType::kUri:
      return "uri";
    case NameType::kPrincipal:
      return "principal";
  }
  return "unknown";
}

bool NameOptions::HasNames() const {
  return !common_names.empty() || !dns_domains.empty() || !ip_ranges.empty() ||
         !email_addresses.empty() || !uri_domains.empty() || !principals.empty();
}

NameEngine::NameEngine() : data_(std::make_shared<internal::EngineData>()) {}

NameEngine::NameEngine(std::shared_ptr<const internal::EngineData> data) : data_(std::move(data)) {}

Result<NameEngine> NameEngine::Create(const EngineOptions& options) {
  auto d = std::make_shared<internal::EngineData>();
  d->allow_literal_wildcard_names = options.allow_literal_wildcard_names;
  d->verify_subject_common_name = options.verify_subject_common_name;
  const NameOptions& p = options.permitted;
  const NameOptions& e = options.excluded;

  CAIRN_ASSIGN_OR_RETURN(d->permitted_cn, NormalizeAll(p.common_names, NormalizeCommonName,
                                                       "permitted common name constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->excluded_cn, NormalizeAll(e.common_names, NormalizeCommonName,
                                                      "excluded common name constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->permitted_dns, NormalizeAll(p.dns_domains, NormalizeDnsDomain,
                                                        "permitted domain constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->excluded_dns, NormalizeAll(e.dns_domains, NormalizeDnsDomain,
                                                       "excluded domain constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->permitted_ip, ParseRanges(p.ip_ranges, "permitted"));
  CAIRN_ASSIGN_OR_RETURN(d->excluded_ip, ParseRanges(e.ip_ranges, "excluded"));
  CAIRN_ASSIGN_OR_RETURN(d->permitted_email, NormalizeAll(p.email_addresses, NormalizeEmail,
                                                          "permitted email constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->excluded_email, NormalizeAll(e.email_addresses, NormalizeEmail,
                                                         "excluded email constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->permitted_uri, NormalizeAll(p.uri_domains, NormalizeUriDomain,
                                                        "permitted URI domain constraint"));
  CAIRN_ASSIGN_OR_RETURN(d->excluded_uri, NormalizeAll(e.uri_domains, NormalizeUriDomain,
                                                       "excluded URI domain constraint"));
  // Principals are taken literally (step does no validation).
  d->permitted_principal = Dedup(p.principals);
  d->excluded_principal = Dedup(e.principals);

  d->num_cn = d->permitted_cn.size() + d->excluded_cn.size();
  d->num_dns = d->permitted_dns.size() + d->excluded_dns.size();
  d->num_ip = d->permitted_ip.size() + d->excluded_ip.size();
  d->num_email = d->permitted_email.size() + d->excluded_email.size();
  d->num_uri = d->permitted_uri.size() + d->excluded_uri.size();
  d->num_principal = d->permitted_principal.size() + d->excluded_principal.size();
  d->num_permitted = d->permitted_cn.size() + d->permitted_dns.size() + d->permitted_ip.size() +
                     d->permitted_email.size() + d->permitted_uri.size() +
                     d->permitted_principal.size();
  d->num_total = d->num_cn + d->num_dns + d->num_ip + d->num_email + d->num_uri + d->num_principal;
  return NameEngine(std::move(d));
}

bool NameEngine::empty() const { return data_->num_total == 0; }

Status NameEngine::CheckX509(const X509Names& names) const {
  if (empty()) return Status();
  if (Verdict v = ValidateNames(*data_, names.dns, names.ips, names.emails, names.uris, {})) {
    return ToStatus(*v);
  }
  if (data_->verify_subject_common_name) {
    if (Verdict v = ValidateCommonName(*data_, names.common_name)) return ToStatus(*v);
  }
  return Status();
}

Status NameEngine::CheckSans(const std::vector<std::string>& sans) const {
  if (empty()) return Status();
  SplitNames split = Split(sans);
  if (Verdict v = ValidateNames(*data_, split.dns, split.ips, split.emails, split.uris, {})) {
    return ToStatus(*v);
  }
  return Status();
}

Status NameEngine::CheckSshPrincipals(SshCertType type,
                                      const std::vector<std::string>& principals) const {
  if (empty()) return Status();
  SplitNames split = Split(principals);
  Verdict v;
  if (type == SshCertType::kHost) {
    if (!split.uris.empty()) {
      return InvalidArgumentError("URL principals " + ListForMessage(split.uris) +
                                  " not expected in SSH host certificate ");
    }
    v = ValidateNames(*data_, split.dns, split.ips, split.emails, {}, {});
  } else {
    // Anything that is not an IP, URI or email is a user name principal (e.g. "h.slatman").
    if (!split.uris.empty()) {
      return InvalidArgumentError("URL principals " + ListForMessage(split.uris) +
                                  " not expected in SSH user certificate ");
    }
    if (!split.ips.empty()) {
      std::vector<std::string> ips;
      for (const std::string& s : split.ips) ips.push_back(ParseIpAddress(s)->ToString());
      return InvalidArgumentError("IP principals " + ListForMessage(ips) +
                                  " not expected in SSH user certificate ");
    }
    v = ValidateNames(*data_, {}, {}, split.emails, {}, split.dns);
  }
  if (v) return ToStatus(*v);
  return Status();
}

}  // namespace cairn::policy
