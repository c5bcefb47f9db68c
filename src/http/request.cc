#include "http/request.h"

#include "base/strings.h"

namespace cairn::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return InvalidArgumentError("invalid URL escape: truncated %-escape");
      }
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgumentError("invalid URL escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool ValidHostHeader(std::string_view host) {
  static constexpr std::string_view kAllowed = "!$%&'()*+,-.:;=[]_~";
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && kAllowed.find(c) == std::string_view::npos) return false;
  }
  return true;
}

Result<ParsedTarget> ParseRequestTarget(std::string_view target) {
  ParsedTarget out;
  if (target == "*") {
    out.raw_path = out.path = "*";
    return out;
  }
  std::string_view rest = target;
  if (!rest.starts_with("/")) {
    // absolute-form (RFC 9112 §3.2.2): scheme "://" authority path-abempty [ "?" query ].
    size_t scheme_end = rest.find("://");
    if (scheme_end == std::string_view::npos) {
      return InvalidArgumentError("malformed request target");
    }
    std::string scheme = ToLower(rest.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") {
      return InvalidArgumentError("unsupported scheme in request target");
    }
    rest.remove_prefix(scheme_end + 3);
    size_t path_start = rest.find_first_of("/?");
    if (path_start == std::string_view::npos) {
      rest = "/";
    } else {
      rest.remove_prefix(path_start);
      if (rest.starts_with("?")) {
        out.raw_path = "/";
        out.path = "/";
        out.query = std::string(rest.substr(1));
        return out;
      }
    }
  }
  size_t q = rest.find('?');
  std::string_view raw_path = rest.substr(0, q);
  if (q != std::string_view::npos) out.query = std::string(rest.substr(q + 1));
  CAIRN_ASSIGN_OR_RETURN(out.path, PercentDecode(raw_path));
  if (out.path.find('\0') != std::string::npos) {
    return InvalidArgumentError("NUL byte in request path");
  }
  out.raw_path = std::string(raw_path);
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), /*plus_as_space=*/true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name.ok() || !value.ok()) continue;
    out.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return out;
}

std::string Request::QueryParam(std::string_view name) const {
  for (auto& [k, v] : ParseQuery(query)) {
    if (k == name) return v;
  }
  return {};
}

bool Request::HasQueryParam(std::string_view name) const {
  for (auto& [k, v] : ParseQuery(query)) {
    if (k == name) return true;
  }
  return false;
}

std::string Request::PathParam(std::string_view name) const {
  auto it = path_params.find(std::string(name));
  return it == path_params.end() ? std::string() : it->second;
}

}  // namespace cairn::http

namespace cairn::http {

std::string PathEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool keep =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        std::string_view("-._~$&+,:;=@").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace cairn::http
