#pragma once

// DnsResolver: bounded DNS lookups on c-ares, for the ACME challenge validators (dns-01 TXT
// records, and the addresses http-01 and tls-alpn-01 connect to) and CAA later. It never
// consults /etc/hosts or search domains: the name asked is the name queried.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace cairn::http {

namespace internal {
struct ResolverServer;  // a parsed ResolverOptions::server (dns_resolver.cc)
}  // namespace internal

// kMaxTxtRecords bounds the TXT records (and kMaxAddresses the addresses) one lookup returns;
// the rest are dropped.
inline constexpr size_t kMaxTxtRecords = 64;
inline constexpr size_t kMaxAddresses = 64;

// ResolverOptions configures a DnsResolver.
struct ResolverOptions {
  // server is the one DNS server to ask, "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (port 53
  // by default; a bare IPv6 address without port is accepted too). Empty means the servers of
  // the system (/etc/resolv.conf). Host names are not accepted here.
  std::string server;
  // timeout bounds a whole lookup, all tries and both address families included.
  Duration timeout = std::chrono::seconds(5);
  // tries is how many times a query is sent to each server before giving up (1..10).
  int tries = 2;
};

// DnsResolver performs DNS lookups with c-ares. CNAME chains in the answers are followed
// (the records of the chain's end are returned).
//
// Errors of the lookups: kInvalidArgument for a malformed name (empty, over 253 characters, an
// empty or over-63-character label, a character other than letters, digits, '-' and '_'; one
// trailing dot is allowed); kNotFound when the name does not exist (NXDOMAIN) or has no record
// of the type (the message names the name and the type); kDeadlineExceeded when the timeout
// expires; kUnavailable when the server refuses, fails (SERVFAIL) or cannot be reached;
// kInternal if c-ares fails locally.
//
// Thread-safety: thread-safe; each lookup runs on its own c-ares channel and blocks the calling
// thread for at most the timeout.
class DnsResolver {
 public:
  // Create validates `options` and makes a resolver. Fails with kInvalidArgument for a
  // malformed server address, a non-positive timeout or tries outside 1..10.
  static Result<std::unique_ptr<DnsResolver>> Create(ResolverOptions options);

  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // LookupTxt returns the TXT records of `name`, one string per record: the character-strings
  // of a record are concatenated (RFC 8555 §8.4). At most kMaxTxtRecords.
  Result<std::vector<std::string>> LookupTxt(std::string_view name) const;

  // LookupAddresses returns the IPv4 (A) then IPv6 (AAAA) addresses of `name` as text
  // ("192.0.2.1", "2001:db8::1"). Both queries run at once; the lookup succeeds when either
  // family has addresses. When both fail, a timeout or server failure of either is reported
  // before "not found" (an unanswered family may hold the addresses). At most kMaxAddresses.
  Result<std::vector<std::string>> LookupAddresses(std::string_view name) const;

  // options returns the options in force.
  const ResolverOptions& options() const { return options_; }

 private:
  DnsResolver(ResolverOptions options, std::unique_ptr<internal::ResolverServer> server);
  ResolverOptions options_;
  std::unique_ptr<internal::ResolverServer> server_;  // null: the system's servers
};

// ValidateDnsName checks `name` as DnsResolver does (see above). Fails with kInvalidArgument.
// Thread-safe.
Status ValidateDnsName(std::string_view name);

}  // namespace cairn::http
