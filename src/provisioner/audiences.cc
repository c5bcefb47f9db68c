#include "provisioner/audiences.h"

namespace cairn::provisioner {
namespace {

void AddUrls(std::vector<std::string>& out, const std::string& host,
             std::initializer_list<const char*> paths) {
  for (const char* p : paths) out.push_back("https://" + host + p);
}

}  // namespace

Audiences Audiences::FromDnsNames(const std::vector<std::string>& dns_names) {
  Audiences a;
  for (const std::string& name : dns_names) {
    // Bracket IPv6 literals so the URL stays well-formed.
    std::string host =
        name.find(':') != std::string::npos && name.front() != '[' ? "[" + name + "]" : name;
    AddUrls(a.sign, host, {"/1.0/sign", "/sign", "/1.0/ssh/sign", "/ssh/sign"});
    AddUrls(a.renew, host, {"/1.0/renew", "/renew"});
    AddUrls(a.revoke, host, {"/1.0/revoke", "/revoke"});
    AddUrls(a.ssh_sign, host, {"/1.0/ssh/sign", "/ssh/sign", "/1.0/sign", "/sign"});
    AddUrls(a.ssh_revoke, host, {"/1.0/ssh/revoke", "/ssh/revoke"});
    AddUrls(a.ssh_renew, host, {"/1.0/ssh/renew", "/ssh/renew"});
    AddUrls(a.ssh_rekey, host, {"/1.0/ssh/rekey", "/ssh/rekey"});
  }
  // The legacy literal audience older clients used.
  a.sign.push_back("step-certificate-authority");
  a.revoke.push_back("step-certificate-authority");
  return a;
}

Audiences Audiences::WithFragment(std::string_view fragment) const {
  Audiences out = *this;
  for (auto* list : {&out.sign, &out.renew, &out.revoke, &out.ssh_sign, &out.ssh_revoke,
                     &out.ssh_renew, &out.ssh_rekey}) {
    for (std::string& s : *list) {
      if (s.starts_with("https://")) s += "#" + std::string(fragment);
    }
  }
  return out;
}

std::vector<std::string> Audiences::All() const {
  std::vector<std::string> out;
  for (const auto* list :
       {&sign, &renew, &revoke, &ssh_sign, &ssh_revoke, &ssh_renew, &ssh_rekey}) {
    out.insert(out.end(), list->begin(), list->end());
  }
  return out;
}

std::string StripPort(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t host_start = scheme + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view authority = url.substr(host_start, host_end - host_start);
  // Drop userinfo, keep host; "[v6]:port" or "host:port".
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close != std::string_view::npos) host = authority.substr(0, close + 1);
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
  }
  std::string out(url.substr(0, host_start));
  out += host;
  out += url.substr(host_end);
  return out;
}

bool MatchesAudience(const std::vector<std::string>& token_aud,
                     const std::vector<std::string>& accepted) {
  for (const std::string& b : accepted) {
    for (const std::string& a : token_aud) {
      if (a == b || StripPort(a) == StripPort(b)) return true;
    }
  }
  return false;
}

std::string ExtractFragment(const std::vector<std::string>& token_aud) {
  for (const std::string& s : token_aud) {
    size_t hash = s.find('#');
    if (hash != std::string::npos && hash + 1 < s.size()) return s.substr(hash + 1);
  }
  return std::string();
}

}  // namespace cairn::provisioner
