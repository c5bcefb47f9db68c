#include "testing/dns_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/status.h"
#include "base/strings.h"

namespace cairn::testing {
namespace {

constexpr int kTypeA = 1;
constexpr int kTypeCname = 5;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kTypeOpt = 41;
constexpr int kTypeAny = 255;
constexpr int kClassIn = 1;

constexpr int kRcodeFormErr = 1;
constexpr int kRcodeServFail = 2;
constexpr int kRcodeNxDomain = 3;
constexpr int kRcodeRefused = 5;

constexpr int kMaxCnameHops = 8;

std::string TypeName(int type) {
  switch (type) {
    case kTypeA:
      return "A";
    case kTypeCname:
      return "CNAME";
    case kTypeTxt:
      return "TXT";
    case kTypeAaaa:
      return "AAAA";
    case kTypeAny:
      return "ANY";
    default:
      return "TYPE" + std::to_string(type);
  }
}

// Key normalizes a name for the table: lower case, no trailing dot.
std::string Key(std::string_view name) {
  std::string k = ToLower(name);
  if (k.ends_with('.')) k.pop_back();
  return k;
}

void Put16(std::string& out, int v) {
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, static_cast<int>(v >> 16));
  Put16(out, static_cast<int>(v & 0xffff));
}
int Get16(std::string_view in, size_t at) {
  return (static_cast<uint8_t>(in[at]) << 8) | static_cast<uint8_t>(in[at + 1]);
}

// EncodeName writes `name` in wire format (no compression).
std::string EncodeName(std::string_view name) {
  std::string out;
  std::string key = Key(name);
  size_t start = 0;
  while (start < key.size()) {
    size_t dot = key.find('.', start);
    if (dot == std::string::npos) dot = key.size();
    CAIRN_CHECK(dot - start >= 1 && dot - start <= 63);
    out.push_back(static_cast<char>(dot - start));
    out.append(key, start, dot - start);
    start = dot + 1;
  }
  out.push_back('\0');
  return out;
}

// ParseName reads a name at `at` (uncompressed labels only) as dotted text
// without the final dot (the root is "."), and advances `at` past it. False when malformed.
bool ParseName(std::string_view msg, size_t& at, std::string* name) {
  name->clear();
  for (int labels = 0; labels < 128; ++labels) {
    if (at >= msg.size()) return false;
    auto len = static_cast<uint8_t>(msg[at++]);
    if (len == 0) {
      if (!name->empty()) name->pop_back();  // the wire form is always absolute
      if (name->empty()) *name = ".";
      return true;
    }
    if (len > 63 || at + len > msg.size()) return false;  // also refuses compression
    name->append(msg.substr(at, len));
    name->push_back('.');
    at += len;
  }
  return false;
}

bool SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// ReadFull reads exactly n bytes from a blocking socket with a receive timeout.
bool ReadFull(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<DnsTestServer>> DnsTestServer::Start() {
  std::unique_ptr<DnsTestServer> server(new DnsTestServer());
  // Bind UDP on an ephemeral port, then TCP on the same one; retry if TCP's is taken.
  for (int attempt = 0; attempt < 50 && server->tcp_fd_ < 0; ++attempt) {
    if (server->udp_fd_ >= 0) close(server->udp_fd_);
    server->udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (server->udp_fd_ < 0) return InternalError(std::string("socket: ") + strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(server->udp_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return InternalError(std::string("bind udp: ") + strerror(errno));
    }
    socklen_t len = sizeof(addr);
    getsockname(server->udp_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tcp < 0) return InternalError(std::string("socket: ") + strerror(errno));
    int one = 1;
    setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(tcp, 16) == 0) {
      server->tcp_fd_ = tcp;
      server->port_ = ntohs(addr.sin_port);
    } else {
      close(tcp);
    }
  }
  if (server->tcp_fd_ < 0) return InternalError("could not bind UDP and TCP on one port");
  if (!SetNonBlocking(server->udp_fd_) || !SetNonBlocking(server->tcp_fd_)) {
    return InternalError("fcntl O_NONBLOCK failed");
  }
  if (pipe2(server->wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return InternalError(std::string("pipe2: ") + strerror(errno));
  }
  server->thread_ = std::thread([s = server.get()] { s->Serve(); });
  return server;
}

DnsTestServer::~DnsTestServer() {
  stop_ = true;
  if (wake_fds_[1] >= 0) {
    char c = 1;
    ssize_t ignored = write(wake_fds_[1], &c, 1);
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : {udp_fd_, tcp_fd_, wake_fds_[0], wake_fds_[1]}) {
    if (fd >= 0) close(fd);
  }
}

std::string DnsTestServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

void DnsTestServer::Add(std::string_view name, Record record) {
  std::lock_guard<std::mutex> lock(mu_);
  records_[Key(name)].push_back(std::move(record));
}

void DnsTestServer::AddA(std::string_view name, std::string_view ipv4) {
  in_addr a{};
  CAIRN_CHECK(inet_pton(AF_INET, std::string(ipv4).c_str(), &a) == 1);
  Add(name, {kTypeA, std::string(reinterpret_cast<const char*>(&a), sizeof(a))});
}

void DnsTestServer::AddAaaa(std::string_view name, std::string_view ipv6) {
  in6_addr a{};
  CAIRN_CHECK(inet_pton(AF_INET6, std::string(ipv6).c_str(), &a) == 1);
  Add(name, {kTypeAaaa, std::string(reinterpret_cast<const char*>(&a), sizeof(a))});
}

void DnsTestServer::AddTxt(std::string_view name, std::string_view value) {
  std::vector<std::string> strings;
  for (size_t i = 0; i < value.size(); i += 255) strings.emplace_back(value.substr(i, 255));
  if (strings.empty()) strings.emplace_back();
  AddTxtStrings(name, strings);
}

void DnsTestServer::AddTxtStrings(std::string_view name, const std::vector<std::string>& strings) {
  std::string rdata;
  for (const std::string& s : strings) {
    CAIRN_CHECK(s.size() <= 255);
    rdata.push_back(static_cast<char>(s.size()));
    rdata += s;
  }
  Add(name, {kTypeTxt, rdata});
}

void DnsTestServer::AddCname(std::string_view name, std::string_view target) {
  Add(name, {kTypeCname, EncodeName(target)});
}

void DnsTestServer::Remove(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.erase(Key(name));
}

void DnsTestServer::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  records_.clear();
}

void DnsTestServer::SetMode(Mode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  mode_ = mode;
}

std::vector<std::string> DnsTestServer::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

std::string DnsTestServer::Answer(std::string_view query, bool tcp) {
  if (query.size() < 12) return {};
  const int id = Get16(query, 0);
  const int flags = Get16(query, 2);
  if ((flags & 0x8000) != 0) return {};  // a response, not a query
  const int qdcount = Get16(query, 4);
  const int arcount = Get16(query, 10);

  std::string out;
  auto header = [&](int rcode, int ancount, bool with_question, bool truncated) {
    out.clear();
    Put16(out, id);
    // QR, opcode copied, AA, TC, RD copied, RA, rcode.
    int f = 0x8000 | (flags & 0x7800) | 0x0400 | (truncated ? 0x0200 : 0) | (flags & 0x0100) |
            0x0080 | (rcode & 0xf);
    Put16(out, f);
    Put16(out, with_question ? 1 : 0);
    Put16(out, ancount);
    Put16(out, 0);
    Put16(out, 0);
  };

  size_t at = 12;
  std::string qname;
  if (qdcount != 1 || !ParseName(query, at, &qname) || at + 4 > query.size()) {
    header(kRcodeFormErr, 0, false, false);
    return out;
  }
  const int qtype = Get16(query, at);
  const int qclass = Get16(query, at + 2);
  at += 4;
  const std::string_view question = query.substr(12, at - 12);

  // The client's EDNS0 payload size, if it sent an OPT record.
  size_t max_size = 512;
  if (arcount > 0 && at + 11 <= query.size() && query[at] == '\0' &&
      Get16(query, at + 1) == kTypeOpt) {
    max_size = std::max<size_t>(512, std::min<size_t>(4096, Get16(query, at + 3)));
  }
  if (tcp) max_size = 65535;

  Mode mode;
  std::vector<std::pair<std::string, Record>> answers;  // owner name, record
  int rcode = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queries_.push_back(qname + " " + TypeName(qtype));
    mode = mode_;
    if (mode == Mode::kAnswer) {
      std::string current = Key(qname);
      for (int hops = 0;; ++hops) {
        auto it = records_.find(current);
        if (it == records_.end()) {
          rcode = kRcodeNxDomain;
          break;
        }
        const Record* cname = nullptr;
        for (const Record& r : it->second) {
          if (r.type == kTypeCname) cname = &r;
        }
        if (cname != nullptr && qtype != kTypeCname && qtype != kTypeAny) {
          answers.emplace_back(current, *cname);
          if (hops == kMaxCnameHops) break;
          // Decode the target (written by EncodeName: plain labels).
          std::string target;
          size_t pos = 0;
          if (!ParseName(cname->rdata, pos, &target)) break;
          current = Key(target);
          continue;
        }
        if (qclass == kClassIn) {
          for (const Record& r : it->second) {
            if (r.type == qtype || qtype == kTypeAny) answers.emplace_back(current, r);
          }
        }
        break;
      }
    }
  }
  switch (mode) {
    case Mode::kDrop:
      return {};
    case Mode::kRefuse:
      header(kRcodeRefused, 0, true, false);
      out += question;
      return out;
    case Mode::kServfail:
      header(kRcodeServFail, 0, true, false);
      out += question;
      return out;
    case Mode::kAnswer:
      break;
  }

  header(rcode, static_cast<int>(answers.size()), true, false);
  out += question;
  for (const auto& [owner, r] : answers) {
    out += EncodeName(owner);
    Put16(out, r.type);
    Put16(out, kClassIn);
    Put32(out, 60);
    Put16(out, static_cast<int>(r.rdata.size()));
    out += r.rdata;
  }
  if (out.size() > max_size) {
    header(rcode, 0, true, true);
    out += question;
  }
  return out;
}

void DnsTestServer::ServeTcp(int fd) {
  // Serve the queries of one connection (c-ares may send A and AAAA back to back), then close.
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 300) <= 0) break;
    char len_buf[2];
    if (!ReadFull(fd, len_buf, 2)) break;
    size_t len = static_cast<size_t>(Get16(std::string_view(len_buf, 2), 0));
    std::string query(len, '\0');
    if (len == 0 || !ReadFull(fd, query.data(), len)) break;
    std::string answer = Answer(query, /*tcp=*/true);
    if (answer.empty()) break;
    std::string framed;
    Put16(framed, static_cast<int>(answer.size()));
    framed += answer;
    if (send(fd, framed.data(), framed.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(framed.size())) {
      break;
    }
  }
  close(fd);
}

void DnsTestServer::Serve() {
  while (!stop_) {
    pollfd fds[3] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    int rc = poll(fds, 3, 1000);
    if (rc <= 0) continue;
    if (fds[0].revents & POLLIN) {
      char buf[4096];
      sockaddr_storage from{};
      socklen_t from_len = sizeof(from);
      ssize_t n =
          recvfrom(udp_fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n > 0) {
        std::string answer = Answer(std::string_view(buf, static_cast<size_t>(n)), false);
        if (!answer.empty()) {
          sendto(udp_fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from),
                 from_len);
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      int conn = accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn >= 0) ServeTcp(conn);
    }
  }
}

}  // namespace cairn::testing
