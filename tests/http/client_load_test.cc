#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "http/client.h"
#include "http/curl_api.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

// Mapped reports whether a file whose name contains `name` is mapped into this process.
bool Mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  return text.find(name) != std::string::npos;
}

// libcurl (and GnuTLS, Kerberos, LDAP... behind it) is mapped only once a client is made. Run
// in a fresh process (the threadsafe death-test style re-executes the binary), so no earlier
// test has loaded it.
TEST(HttpClientLoadDeathTest, LibcurlIsLoadedOnFirstUse) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (Mapped("libcurl") || internal::CurlLoaded()) _exit(1);
        { HttpClient client(ClientOptions{}); }
        if (!internal::CurlLoaded() || !Mapped("libcurl.so.4")) _exit(2);
        // A request that cannot connect fails as any unreachable server does.
        HttpClient client(ClientOptions{});
        auto r = client.Get("http://127.0.0.1:1/");
        if (r.ok() || r.status().code() != StatusCode::kUnavailable) _exit(3);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace cairn::http
