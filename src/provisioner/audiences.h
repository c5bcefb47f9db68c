#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::provisioner {

// Audiences are the `aud` values the CA accepts per operation, derived from ca.json's
// dnsNames (stepca.md §2.3). Comparison ignores ports (stepca.md §2.2).
struct Audiences {
  std::vector<std::string> sign;
  std::vector<std::string> renew;
  std::vector<std::string> revoke;
  std::vector<std::string> ssh_sign;
  std::vector<std::string> ssh_revoke;
  std::vector<std::string> ssh_renew;
  std::vector<std::string> ssh_rekey;

  // FromDnsNames builds the audience sets for `dns_names` (IPv6 literals are bracketed).
  static Audiences FromDnsNames(const std::vector<std::string>& dns_names);
  // WithFragment returns a copy where every URL carries "#fragment".
  Audiences WithFragment(std::string_view fragment) const;
  // All returns every audience of every operation.
  std::vector<std::string> All() const;
};

// MatchesAudience reports whether any of `token_aud` equals any of `accepted`, exactly or
// after removing the port from both URLs.
bool MatchesAudience(const std::vector<std::string>& token_aud,
                     const std::vector<std::string>& accepted);

// ExtractFragment returns the fragment of the first audience URL that has one, else "".
std::string ExtractFragment(const std::vector<std::string>& token_aud);

// StripPort removes the port from the authority of a URL ("https://h:9000/x" → "https://h/x").
std::string StripPort(std::string_view url);

}  // namespace cairn::provisioner
