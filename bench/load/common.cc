#include "common.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/file.h"
#include "base/strings.h"

namespace cairn::bench {
namespace {

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

double ClockSeconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

Result<std::string> ReadProcFile(int pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  if (!in) return NotFoundError("no process " + std::to_string(pid));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<uint32_t> Hex4(std::string_view s) {
  if (s.size() < 4) return std::nullopt;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

}  // namespace

Result<Endpoint> ParseHttpsUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return InvalidArgumentError("URL must start with https://");
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find_first_of("/?#"));
  Endpoint ep;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("bad IPv6 literal in URL");
    ep.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return InvalidArgumentError("bad URL authority");
      port = rest.substr(close + 2);
    }
  } else {
    size_t colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return InvalidArgumentError("URL has no host");
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) return InvalidArgumentError("bad port in URL");
      p = p * 10 + (c - '0');
    }
    if (p == 0 || p > 65535) return InvalidArgumentError("bad port in URL");
    ep.port = static_cast<uint16_t>(p);
  }
  ep.host_header = std::string(rest);
  return ep;
}

Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::string& root_path) {
  CAIRN_ASSIGN_OR_RETURN(auto roots, ReadCertificates(root_path));
  auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  for (auto& cert : roots) {
    if (X509_STORE_add_cert(store, cert.get()) != 1) {
      return ossl::ErrorStatus("X509_STORE_add_cert");
    }
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

Status SetPeerName(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (IsIpAddress(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return ossl::ErrorStatus("X509_VERIFY_PARAM_set1_ip_asc");
    }
    return Status();
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return ossl::ErrorStatus("SSL_set_tlsext_host_name");
  }
  if (SSL_set1_host(ssl, host.c_str()) != 1) return ossl::ErrorStatus("SSL_set1_host");
  return Status();
}

Result<std::vector<ossl::UniquePtr<X509>>> ReadCertificates(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 1 << 20));
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<ossl::UniquePtr<X509>> out;
  while (true) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    out.emplace_back(cert);
  }
  ERR_clear_error();
  if (out.empty()) return InvalidArgumentError(path + ": no PEM certificate");
  return out;
}

double ProcessCpuSeconds() { return ClockSeconds(CLOCK_PROCESS_CPUTIME_ID); }
double ThreadCpuSeconds() { return ClockSeconds(CLOCK_THREAD_CPUTIME_ID); }

Result<double> ProcCpuSeconds(int pid) {
  CAIRN_ASSIGN_OR_RETURN(std::string stat, ReadProcFile(pid, "stat"));
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return InternalError("unreadable /proc/PID/stat");
  std::istringstream in(stat.substr(close + 1));
  // Fields 3..13, then utime (14) and stime (15).
  std::string skip;
  for (int field = 3; field <= 13; ++field) in >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(in >> utime >> stime)) return InternalError("unreadable /proc/PID/stat");
  static const double kTicks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(utime + stime) / kTicks;
}

Result<ProcMemory> ReadProcMemory(int pid) {
  CAIRN_ASSIGN_OR_RETURN(std::string status, ReadProcFile(pid, "status"));
  ProcMemory m;
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    double kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lf kB", &kb) == 1) m.rss_mb = kb / 1024.0;
    if (std::sscanf(line.c_str(), "VmHWM: %lf kB", &kb) == 1) m.hwm_mb = kb / 1024.0;
  }
  return m;
}

std::optional<std::string_view> FindJsonString(std::string_view json, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 2);
  pattern += '"';
  pattern += key;
  pattern += '"';
  size_t pos = 0;
  while ((pos = json.find(pattern, pos)) != std::string_view::npos) {
    size_t i = pos + pattern.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n')) ++i;
    if (i >= json.size() || json[i] != ':') {
      pos = i;
      continue;
    }
    ++i;
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n')) ++i;
    if (i >= json.size() || json[i] != '"') return std::nullopt;
    size_t start = ++i;
    while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
    if (i >= json.size()) return std::nullopt;
    return json.substr(start, i - start);
  }
  return std::nullopt;
}

Result<std::string> JsonUnescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= raw.size()) return InvalidArgumentError("bad JSON escape");
    switch (raw[i]) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '"':
      case '\\':
      case '/':
        out += raw[i];
        break;
      case 'u': {
        auto cp = Hex4(raw.substr(i + 1));
        if (!cp) return InvalidArgumentError("bad JSON \\u escape");
        i += 4;
        uint32_t v = *cp;
        if (v >= 0xD800 && v < 0xDC00 && raw.substr(i + 1, 2) == "\\u") {
          auto lo = Hex4(raw.substr(i + 3));
          if (lo && *lo >= 0xDC00 && *lo < 0xE000) {
            v = 0x10000 + ((v - 0xD800) << 10) + (*lo - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(out, v);
        break;
      }
      default:
        return InvalidArgumentError("bad JSON escape");
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string quoted;
  AppendJsonString(quoted, s);
  return quoted.substr(1, quoted.size() - 2);
}

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  double rank = std::ceil(q * static_cast<double>(sorted.size()));
  size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  if (idx >= sorted.size()) idx = sorted.size() - 1;
  return sorted[idx];
}

Result<std::string> ReadPassword(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string pw, ReadFile(path, 64 << 10));
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return pw;
}

double Round(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

}  // namespace cairn::bench
