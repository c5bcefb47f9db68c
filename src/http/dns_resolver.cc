#include "http/dns_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "base/strings.h"

namespace cairn::http {
namespace {

// DNS types and class (RFC 1035 §3.2.2, RFC 3596).
constexpr int kClassIn = 1;
constexpr int kTypeA = 1;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;

constexpr int kMaxTries = 10;
// kMaxTxtBytes bounds the concatenated strings of one TXT record (a UDP/TCP DNS message is at
// most 64 KiB anyway).
constexpr size_t kMaxTxtBytes = 64 << 10;

std::string_view TypeName(int type) {
  switch (type) {
    case kTypeA:
      return "A";
    case kTypeAaaa:
      return "AAAA";
    case kTypeTxt:
      return "TXT";
    default:
      return "?";
  }
}

Status LibraryInit() {
  static std::once_flag once;
  static int rc = ARES_SUCCESS;
  std::call_once(once, [] { rc = ares_library_init(ARES_LIB_INIT_ALL); });
  if (rc != ARES_SUCCESS) {
    return InternalError(std::string("ares_library_init: ") + ares_strerror(rc));
  }
  return Status::Ok();
}

// Channel owns an ares_channel.
struct Channel {
  ares_channel channel = nullptr;
  Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel() {
    if (channel != nullptr) ares_destroy(channel);
  }
};

// Answer is the outcome of one query: a c-ares status and, on success, the raw response.
struct Answer {
  int type = 0;
  bool done = false;
  int status = ARES_ECANCELLED;
  std::string response;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* answer = static_cast<Answer*>(arg);
  answer->done = true;
  answer->status = status;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) {
    answer->response.assign(reinterpret_cast<const char*>(abuf), static_cast<size_t>(alen));
  }
}

// StatusFor maps a failed c-ares status of a `type` query for `name` onto our codes.
Status StatusFor(int status, int type, std::string_view name) {
  std::string what = std::string(TypeName(type)) + " records for " + std::string(name);
  std::string query = "DNS " + std::string(TypeName(type)) + " query for " + std::string(name);
  switch (status) {
    case ARES_ENOTFOUND:
      return NotFoundError("no " + what + " (NXDOMAIN: the name does not exist)");
    case ARES_ENODATA:
      return NotFoundError("no " + what);
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return DeadlineExceededError(query + " timed out");
    case ARES_EREFUSED:
      return UnavailableError(query + ": the DNS server refused it (REFUSED)");
    case ARES_ESERVFAIL:
      return UnavailableError(query + ": the DNS server failed (SERVFAIL)");
    case ARES_ENOTIMP:
      return UnavailableError(query + ": the DNS server does not implement it (NOTIMP)");
    case ARES_EFORMERR:
    case ARES_EBADRESP:
      return UnavailableError(query + ": malformed DNS response");
    case ARES_ECONNREFUSED:
      return UnavailableError(query + ": could not reach the DNS server");
    case ARES_EBADNAME:
      return InvalidArgumentError(query + ": malformed name");
    default:
      return InternalError(query + ": " + ares_strerror(status));
  }
}

// Rank orders failures for LookupAddresses: the more informative (and more retryable) first.
int Rank(const Status& s) {
  switch (s.code()) {
    case StatusCode::kDeadlineExceeded:
      return 0;
    case StatusCode::kUnavailable:
      return 1;
    case StatusCode::kInternal:
      return 2;
    case StatusCode::kNotFound:
      return 4;
    default:
      return 3;
  }
}

}  // namespace

namespace internal {
// ResolverServer is a parsed ResolverOptions::server.
struct ResolverServer {
  int family = AF_INET;
  in_addr addr4{};
  in6_addr addr6{};
  int port = 53;
};
}  // namespace internal

namespace {
using internal::ResolverServer;

Result<int> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return InvalidArgumentError("invalid port");
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return InvalidArgumentError("invalid port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return InvalidArgumentError("invalid port");
  return port;
}

// RunQueries sends one query per type in `answers` for `name` on a fresh channel and waits
// until all are answered or `options.timeout` passes (then the rest are cancelled).
Status RunQueries(const ResolverOptions& options, const ResolverServer* server,
                  const std::string& name, std::vector<Answer>& answers) {
  CAIRN_RETURN_IF_ERROR(LibraryInit());
  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout);
  // c-ares doubles the timeout at each round of tries; size the first so all rounds fit in the
  // total (the deadline below is the real bound anyway).
  long long first_ms = total.count() / ((1LL << options.tries) - 1);
  first_ms = std::max<long long>(first_ms, 50);

  ares_options opts{};
  opts.timeout = static_cast<int>(std::min<long long>(first_ms, 1 << 30));
  opts.tries = options.tries;
  // UDP, TCP on truncation. NOCHECKRESP: a REFUSED or SERVFAIL answer ends the query with its
  // own error (c-ares 1.18 would otherwise try again and report "connection refused").
  // resolv.conf options are overridden.
  opts.flags = ARES_FLAG_NOCHECKRESP;
  int optmask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  Channel ch;
  int rc = ares_init_options(&ch.channel, &opts, optmask);
  if (rc != ARES_SUCCESS) {
    ch.channel = nullptr;
    return InternalError(std::string("ares_init_options: ") + ares_strerror(rc));
  }
  if (server != nullptr) {
    ares_addr_port_node node{};
    node.next = nullptr;
    node.family = server->family;
    if (server->family == AF_INET) {
      std::memcpy(&node.addr.addr4, &server->addr4, sizeof(server->addr4));
    } else {
      std::memcpy(&node.addr.addr6, &server->addr6, sizeof(server->addr6));
    }
    node.udp_port = server->port;
    node.tcp_port = server->port;
    rc = ares_set_servers_ports(ch.channel, &node);
    if (rc != ARES_SUCCESS) {
      return InternalError(std::string("ares_set_servers_ports: ") + ares_strerror(rc));
    }
  }

  for (Answer& a : answers) {
    ares_query(ch.channel, name.c_str(), kClassIn, a.type, OnAnswer, &a);
  }
  auto all_done = [&] {
    return std::all_of(answers.begin(), answers.end(), [](const Answer& a) { return a.done; });
  };

  const auto deadline = std::chrono::steady_clock::now() + total;
  while (!all_done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ares_cancel(ch.channel);  // calls the pending callbacks with ARES_ECANCELLED
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    timeval max_tv{};
    max_tv.tv_sec = static_cast<time_t>(left.count() / 1000000);
    max_tv.tv_usec = static_cast<suseconds_t>(left.count() % 1000000);
    timeval tv_buf{};
    timeval* tv = ares_timeout(ch.channel, &max_tv, &tv_buf);
    int wait_ms = static_cast<int>(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000);

    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(ch.channel, socks, ARES_GETSOCK_MAXNUM);
    pollfd fds[ARES_GETSOCK_MAXNUM];
    nfds_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
      if (events == 0) continue;
      fds[n].fd = socks[i];
      fds[n].events = events;
      fds[n].revents = 0;
      ++n;
    }
    int ready = poll(fds, n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      ares_cancel(ch.channel);
      return InternalError(std::string("poll: ") + std::strerror(errno));
    }
    if (ready == 0) {
      ares_process_fd(ch.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts, retries
      continue;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      bool writable = (fds[i].revents & POLLOUT) != 0;
      ares_process_fd(ch.channel, readable ? fds[i].fd : ARES_SOCKET_BAD,
                      writable ? fds[i].fd : ARES_SOCKET_BAD);
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateDnsName(std::string_view name) {
  std::string_view n = name;
  if (n.ends_with('.')) n.remove_suffix(1);
  if (n.empty()) return InvalidArgumentError("empty DNS name");
  if (n.size() > 253) return InvalidArgumentError("DNS name longer than 253 characters");
  size_t label = 0;
  for (size_t i = 0; i <= n.size(); ++i) {
    if (i == n.size() || n[i] == '.') {
      if (label == 0) return InvalidArgumentError("DNS name has an empty label");
      if (label > 63) return InvalidArgumentError("DNS label longer than 63 characters");
      label = 0;
      continue;
    }
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return InvalidArgumentError("DNS name has an invalid character");
    ++label;
  }
  return Status::Ok();
}

Result<std::unique_ptr<DnsResolver>> DnsResolver::Create(ResolverOptions options) {
  if (options.timeout <= Duration::zero()) {
    return InvalidArgumentError("DNS resolver timeout must be positive");
  }
  if (options.tries < 1 || options.tries > kMaxTries) {
    return InvalidArgumentError("DNS resolver tries must be between 1 and 10");
  }
  std::unique_ptr<ResolverServer> server;
  if (!options.server.empty()) {
    std::string_view text = options.server;
    std::string host;
    int port = 53;
    if (text.starts_with('[')) {
      size_t close = text.find(']');
      if (close == std::string_view::npos) {
        return InvalidArgumentError("invalid DNS server \"" + options.server + "\"");
      }
      host = std::string(text.substr(1, close - 1));
      std::string_view rest = text.substr(close + 1);
      if (!rest.empty()) {
        if (!rest.starts_with(':')) {
          return InvalidArgumentError("invalid DNS server \"" + options.server + "\"");
        }
        auto p = ParsePort(rest.substr(1));
        if (!p.ok())
          return InvalidArgumentError("invalid DNS server port in \"" + options.server + "\"");
        port = *p;
      }
    } else if (std::count(text.begin(), text.end(), ':') > 1) {
      host = std::string(text);  // a bare IPv6 address
    } else {
      size_t colon = text.find(':');
      host = std::string(text.substr(0, colon));
      if (colon != std::string_view::npos) {
        auto p = ParsePort(text.substr(colon + 1));
        if (!p.ok())
          return InvalidArgumentError("invalid DNS server port in \"" + options.server + "\"");
        port = *p;
      }
    }
    server = std::make_unique<ResolverServer>();
    server->port = port;
    if (inet_pton(AF_INET, host.c_str(), &server->addr4) == 1) {
      server->family = AF_INET;
    } else if (inet_pton(AF_INET6, host.c_str(), &server->addr6) == 1) {
      server->family = AF_INET6;
    } else {
      return InvalidArgumentError("DNS server \"" + options.server +
                                  "\" is not an IP address (with an optional port)");
    }
  }
  CAIRN_RETURN_IF_ERROR(LibraryInit());
  return std::unique_ptr<DnsResolver>(new DnsResolver(std::move(options), std::move(server)));
}

DnsResolver::DnsResolver(ResolverOptions options, std::unique_ptr<ResolverServer> server)
    : options_(std::move(options)), server_(std::move(server)) {}

DnsResolver::~DnsResolver() = default;

Result<std::vector<std::string>> DnsResolver::LookupTxt(std::string_view name) const {
  if (Status s = ValidateDnsName(name); !s.ok()) {
    return InvalidArgumentError("cannot look up TXT records of \"" + std::string(name) +
                                "\": " + s.message());
  }
  std::vector<Answer> answers(1);
  answers[0].type = kTypeTxt;
  const std::string name_str(name);
  CAIRN_RETURN_IF_ERROR(RunQueries(options_, server_.get(), name_str, answers));
  const Answer& a = answers[0];
  if (a.status != ARES_SUCCESS) return StatusFor(a.status, kTypeTxt, name);

  ares_txt_ext* head = nullptr;
  int rc = ares_parse_txt_reply_ext(reinterpret_cast<const unsigned char*>(a.response.data()),
                                    static_cast<int>(a.response.size()), &head);
  if (rc != ARES_SUCCESS) return StatusFor(rc, kTypeTxt, name);
  std::vector<std::string> records;
  bool too_long = false;
  // RFC 8555 §8.4 (and RFC 7208 §3.3 before it): a record of several strings is their
  // concatenation. record_start marks the first string of each record.
  for (ares_txt_ext* t = head; t != nullptr; t = t->next) {
    if (t->record_start || records.empty()) {
      if (records.size() == kMaxTxtRecords) break;
      records.emplace_back();
    }
    std::string& r = records.back();
    if (r.size() + t->length > kMaxTxtBytes) {
      too_long = true;
      continue;
    }
    r.append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  ares_free_data(head);
  if (too_long) {
    return UnavailableError("a TXT record of " + name_str + " is longer than " +
                            std::to_string(kMaxTxtBytes) + " bytes");
  }
  if (records.empty()) return StatusFor(ARES_ENODATA, kTypeTxt, name);
  return records;
}

Result<std::vector<std::string>> DnsResolver::LookupAddresses(std::string_view name) const {
  if (Status s = ValidateDnsName(name); !s.ok()) {
    return InvalidArgumentError("cannot look up the addresses of \"" + std::string(name) +
                                "\": " + s.message());
  }
  std::vector<Answer> answers(2);
  answers[0].type = kTypeA;
  answers[1].type = kTypeAaaa;
  const std::string name_str(name);
  CAIRN_RETURN_IF_ERROR(RunQueries(options_, server_.get(), name_str, answers));

  std::vector<std::string> out;
  std::vector<Status> failures;
  char text[INET6_ADDRSTRLEN];
  for (const Answer& a : answers) {
    if (a.status != ARES_SUCCESS) {
      failures.push_back(StatusFor(a.status, a.type, name));
      continue;
    }
    const auto* buf = reinterpret_cast<const unsigned char*>(a.response.data());
    const int len = static_cast<int>(a.response.size());
    if (a.type == kTypeA) {
      ares_addrttl addrs[kMaxAddresses];
      int count = static_cast<int>(kMaxAddresses);
      int rc = ares_parse_a_reply(buf, len, nullptr, addrs, &count);
      if (rc != ARES_SUCCESS) {
        failures.push_back(StatusFor(rc, a.type, name));
        continue;
      }
      for (int i = 0; i < count && out.size() < kMaxAddresses; ++i) {
        if (inet_ntop(AF_INET, &addrs[i].ipaddr, text, sizeof(text)) != nullptr) {
          out.emplace_back(text);
        }
      }
    } else {
      ares_addr6ttl addrs[kMaxAddresses];
      int count = static_cast<int>(kMaxAddresses);
      int rc = ares_parse_aaaa_reply(buf, len, nullptr, addrs, &count);
      if (rc != ARES_SUCCESS) {
        failures.push_back(StatusFor(rc, a.type, name));
        continue;
      }
      for (int i = 0; i < count && out.size() < kMaxAddresses; ++i) {
        if (inet_ntop(AF_INET6, &addrs[i].ip6addr, text, sizeof(text)) != nullptr) {
          out.emplace_back(text);
        }
      }
    }
  }
  if (!out.empty()) return out;
  if (failures.empty()) return NotFoundError("no A/AAAA records for " + name_str);
  std::stable_sort(failures.begin(), failures.end(),
                   [](const Status& x, const Status& y) { return Rank(x) < Rank(y); });
  const Status& worst = failures.front();
  if (worst.code() == StatusCode::kNotFound) {
    bool nxdomain = worst.message().find("NXDOMAIN") != std::string::npos;
    return NotFoundError("no A/AAAA records for " + name_str +
                         (nxdomain ? " (NXDOMAIN: the name does not exist)" : ""));
  }
  return worst;
}

}  // namespace cairn::http
