#pragma once

// CurlApi is libcurl, loaded on first use with dlopen rather than linked. Linking it maps
// libcurl's whole dependency tree (GnuTLS, Kerberos, LDAP, libssh2, p11-kit...) into every
// process at start, and their initializers touch ~3 MB of pages: more than a fifth of an idle
// cairn-ca, which needs libcurl only for webhooks and ACME's outbound checks, and then only
// once a provisioner asks for them. The headers still come from libcurl's -dev package; the
// library is the one the soname names (libcurl.so.4, of whichever TLS flavour is installed).

#include <curl/curl.h>

#include <string>

namespace cairn::http::internal {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* curl);
  void (*easy_reset)(CURL* curl);
  CURLcode (*easy_setopt)(CURL* curl, CURLoption option, ...);
  CURLcode (*easy_getinfo)(CURL* curl, CURLINFO info, ...);
  CURLcode (*easy_perform)(CURL* curl);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* line);
  void (*slist_free_all)(curl_slist* list);
};

// Curl loads libcurl and runs curl_global_init the first time it is called (thread-safe), and
// returns the same table after; null when libcurl cannot be loaded, with the reason in
// `*error` (when non-null). A failed load is not retried.
const CurlApi* Curl(std::string* error = nullptr);

// CurlLoaded reports whether Curl has loaded libcurl in this process (for tests).
bool CurlLoaded();

}  // namespace cairn::http::internal
