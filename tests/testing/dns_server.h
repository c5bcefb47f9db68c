#pragma once

// DnsTestServer: a tiny authoritative DNS server for tests, so nothing ever asks the system's
// resolver. It answers A, AAAA, TXT and CNAME queries (class IN) from an in-memory table, over
// UDP and TCP on the same 127.0.0.1 port, and can be told to refuse, fail or drop queries.
//
//   CAIRN_ASSERT_OK_AND_ASSIGN(auto dns, DnsTestServer::Start());
//   dns->AddA("example.test", "127.0.0.1");
//   dns->AddTxt("_acme-challenge.example.test", "value");
//   ResolverOptions{.server = dns->address()}  // "127.0.0.1:<port>"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"

namespace cairn::testing {

// DnsTestServer serves DNS on 127.0.0.1:<ephemeral port> from a background thread until it is
// destroyed. Names are matched case-insensitively, with or without a trailing dot.
//
// Answers: a name with a CNAME gets the CNAME and then the records of its target (chains are
// followed up to 8 hops), unless CNAME itself is asked; a name with records, but none of the
// asked type, gets an empty NOERROR answer (NODATA); an unknown name gets NXDOMAIN. UDP answers
// larger than 512 bytes (or the client's EDNS0 payload size) are truncated with TC set, and
// the client retries over TCP, which is served too.
//
// Thread-safety: every method is thread-safe; the table may change while queries run.
class DnsTestServer {
 public:
  // Mode says how queries are handled.
  enum class Mode {
    kAnswer,    // answer from the table (the default)
    kRefuse,    // answer every query with REFUSED
    kServfail,  // answer every query with SERVFAIL
    kDrop,      // never answer (the client times out)
  };

  // Start binds UDP and TCP on 127.0.0.1 (same ephemeral port) and starts serving. Fails with
  // kInternal when the sockets cannot be set up.
  static Result<std::unique_ptr<DnsTestServer>> Start();

  // ~DnsTestServer stops the thread and closes the sockets.
  ~DnsTestServer();
  DnsTestServer(const DnsTestServer&) = delete;
  DnsTestServer& operator=(const DnsTestServer&) = delete;

  // port returns the port; address returns "127.0.0.1:<port>" (a ResolverOptions::server).
  int port() const { return port_; }
  std::string address() const;

  // AddA / AddAaaa add an address record; the address must be a valid literal of its family
  // (CHECK-fails otherwise: it is a bug in the test).
  void AddA(std::string_view name, std::string_view ipv4);
  void AddAaaa(std::string_view name, std::string_view ipv6);
  // AddTxt adds one TXT record holding `value`, split into character-strings of 255 bytes.
  void AddTxt(std::string_view name, std::string_view value);
  // AddTxtStrings adds one TXT record made of the given character-strings (each at most 255
  // bytes), e.g. {"abc", "def"}, which a client reads as "abcdef" (RFC 8555 §8.4).
  void AddTxtStrings(std::string_view name, const std::vector<std::string>& strings);
  // AddCname makes `name` an alias of `target`.
  void AddCname(std::string_view name, std::string_view target);
  // Remove deletes every record of `name`; Clear empties the table.
  void Remove(std::string_view name);
  void Clear();

  // SetMode changes how later queries are handled.
  void SetMode(Mode mode);

  // queries returns every query received so far, as "<name> <TYPE>" with the name's case as
  // sent and without a trailing dot (on the wire every name is absolute), e.g.
  // "_acme-challenge.Example.test TXT", in order.
  std::vector<std::string> queries() const;

 private:
  struct Record {
    int type = 0;
    std::string rdata;  // wire format
  };

  DnsTestServer() = default;
  void Add(std::string_view name, Record record);
  void Serve();
  void ServeTcp(int fd);
  // Answer builds the response to `query` (empty: send none). Over UDP (`tcp` false), an answer
  // larger than 512 bytes or the client's EDNS0 size is truncated (TC set).
  std::string Answer(std::string_view query, bool tcp);

  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Record>> records_;  // key: lower-case, no trailing dot
  Mode mode_ = Mode::kAnswer;
  std::vector<std::string> queries_;
};

}  // namespace cairn::testing
