#include "http/client.h"

#include <cstdlib>

#include "base/strings.h"
#include "http/curl_api.h"

namespace cairn::http {
namespace {

using internal::Curl;
using internal::CurlApi;

// SlistPtr owns a curl_slist (only made once libcurl is loaded).
struct SlistFree {
  void operator()(curl_slist* l) const { Curl()->slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

bool Append(SlistPtr& list, const std::string& line) {
  curl_slist* next = Curl()->slist_append(list.get(), line.c_str());
  if (next == nullptr) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

bool HasCtl(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// UrlForMessages drops the query and fragment (they may carry secrets) from `url`.
std::string UrlForMessages(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

struct Transfer {
  ClientResponse response;
  size_t max_body = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->response.body.size() + len > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {
    // A new response starts (after a 1xx or a redirect): keep only the final one's headers.
    t->response.headers = Headers();
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return len;  // blank line, or junk
  t->response.headers.Add(std::string(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  return len;
}

std::string NoProxyList() {
  std::string list;
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
      list = v;
      break;
    }
  }
  if (!list.empty()) list += ",";
  return list + "127.0.0.1,localhost,::1";
}

}  // namespace

struct HttpClient::Impl {
  const CurlApi* api = nullptr;
  std::string load_error;
  CURL* curl = nullptr;
  ~Impl() {
    if (curl != nullptr) api->easy_cleanup(curl);
  }
};

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->api = Curl(&impl_->load_error);
  if (impl_->api != nullptr) impl_->curl = impl_->api->easy_init();
}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Get(std::string_view url, const Headers& extra_headers) {
  return Request("GET", url, {}, {}, extra_headers);
}

Result<ClientResponse> HttpClient::Post(std::string_view url, std::string_view body,
                                        std::string_view content_type,
                                        const Headers& extra_headers) {
  return Request("POST", url, body, content_type, extra_headers);
}

Result<ClientResponse> HttpClient::Request(std::string_view method, std::string_view url,
                                           std::string_view body, std::string_view content_type,
                                           const Headers& extra_headers) {
  if (impl_->api == nullptr) return UnavailableError("HTTP client: " + impl_->load_error);
  const CurlApi& api = *impl_->api;
  CURL* curl = impl_->curl;
  if (curl == nullptr) return InternalError("curl_easy_init failed");
  if (method.empty() || HasCtl(method) || method.find(' ') != std::string_view::npos) {
    return InvalidArgumentError("invalid HTTP method");
  }
  // Reset the options, not the connection cache: keep-alive connections survive.
  api.easy_reset(curl);

  const std::string url_str(url);
  const std::string method_str(method);
  Transfer transfer;
  transfer.max_body = options_.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};

  SlistPtr headers;
  for (const auto& [name, value] : extra_headers) {
    if (name.empty() || HasCtl(name) || HasCtl(value) || name.find(':') != std::string::npos) {
      return InvalidArgumentError("invalid request header \"" + name + "\"");
    }
    // "Name:" alone would remove a curl default header; "Name;" sends it empty.
    if (!Append(headers, value.empty() ? name + ";" : name + ": " + value)) {
      return InternalError("out of memory");
    }
  }
  if (!content_type.empty()) {
    if (HasCtl(content_type)) return InvalidArgumentError("invalid content type");
    if (!Append(headers, "Content-Type: " + std::string(content_type))) {
      return InternalError("out of memory");
    }
  }
  // No "Expect: 100-continue" round trip before bodies.
  if (!Append(headers, "Expect:")) return InternalError("out of memory");

  SlistPtr resolve;
  for (const std::string& entry : options_.resolve) {
    if (!Append(resolve, entry)) return InternalError("out of memory");
  }
  const std::string no_proxy = NoProxyList();
  const std::string body_copy(body);

  auto ms = [](Duration d) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  api.easy_setopt(curl, CURLOPT_URL, url_str.c_str());
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms(options_.timeout));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ms(options_.timeout));
  api.easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  api.easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  api.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                  static_cast<curl_off_t>(options_.max_response_bytes));
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (options_.direct) {
    api.easy_setopt(curl, CURLOPT_NOPROXY, "*");
  } else {
    api.easy_setopt(curl, CURLOPT_NOPROXY, no_proxy.c_str());
    if (!options_.proxy.empty()) api.easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
  }
  if (resolve) api.easy_setopt(curl, CURLOPT_RESOLVE, resolve.get());
  if (options_.follow_redirects) {
    api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    api.easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
    api.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }

  // Trust.
  if (options_.insecure_skip_verify) {
    api.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    api.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!options_.ca_pem.empty()) {
    // Only this bundle: drop the built-in CA file and directory.
    curl_blob blob{const_cast<char*>(options_.ca_pem.data()), options_.ca_pem.size(),
                   CURL_BLOB_COPY};
    api.easy_setopt(curl, CURLOPT_CAINFO, nullptr);
    api.easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    api.easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!options_.client_cert_pem.empty() && !options_.client_key_pem.empty()) {
    curl_blob cert{const_cast<char*>(options_.client_cert_pem.data()),
                   options_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(options_.client_key_pem.data()), options_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    api.easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    api.easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    api.easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    api.easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (options_.capture_peer_certificates) {
    api.easy_setopt(curl, CURLOPT_CERTINFO, 1L);
    api.easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
  }

  // Method and body.
  if (method_str == "GET") {
    api.easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method_str == "HEAD") {
    api.easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (method_str == "POST") {
      api.easy_setopt(curl, CURLOPT_POST, 1L);
    } else {
      api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
    }
    if (!body_copy.empty() || method_str == "POST" || method_str == "PUT" ||
        method_str == "PATCH") {
      api.easy_setopt(curl, CURLOPT_POSTFIELDS, body_copy.data());
      api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_copy.size()));
    }
  }

  CURLcode rc = api.easy_perform(curl);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : api.easy_strerror(rc);
    std::string where = method_str + " " + UrlForMessages(url);
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return UnauthenticatedError(where +
                                    ": TLS server certificate verification failed: " + detail);
      case CURLE_SSL_CACERT_BADFILE:
        return InvalidArgumentError(where + ": unusable CA bundle: " + detail);
      case CURLE_SSL_CERTPROBLEM:
        return InvalidArgumentError(where + ": unusable client certificate or key: " + detail);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgumentError(where + ": " + detail);
      case CURLE_OPERATION_TIMEDOUT:
        return DeadlineExceededError(where + ": " + detail);
      case CURLE_FILESIZE_EXCEEDED:
        return ResourceExhaustedError(where + ": response body over " +
                                      std::to_string(options_.max_response_bytes) + " bytes");
      case CURLE_WRITE_ERROR:
        if (transfer.too_large) {
          return ResourceExhaustedError(where + ": response body over " +
                                        std::to_string(options_.max_response_bytes) + " bytes");
        }
        return UnavailableError(where + ": " + detail);
      default:
        return UnavailableError(where + ": " + detail);
    }
  }
  long status = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  transfer.response.status = static_cast<int>(status);

  if (options_.capture_peer_certificates) {
    curl_certinfo* info = nullptr;
    if (api.easy_getinfo(curl, CURLINFO_CERTINFO, &info) == CURLE_OK && info != nullptr) {
      for (int i = 0; i < info->num_of_certs; ++i) {
        for (curl_slist* s = info->certinfo[i]; s != nullptr; s = s->next) {
          std::string_view line(s->data);
          if (line.starts_with("Cert:")) {
            transfer.response.peer_cert_chain_pem.emplace_back(line.substr(5));
          }
        }
      }
    }
  }
  return std::move(transfer.response);
}

}  // namespace cairn::http
