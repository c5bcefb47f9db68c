#include "http/curl_api.h"

#include <dlfcn.h>

#include <atomic>

namespace cairn::http::internal {
namespace {

constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
  CurlApi api{};
  bool ok = false;
  std::string error;
};

std::atomic<bool> loaded{false};

// Sym resolves `name` into `*fn`; false (with the reason in `error`) when it is missing.
template <typename Fn>
bool Sym(void* lib, const char* name, Fn* fn, std::string& error) {
  void* p = dlsym(lib, name);
  if (p == nullptr) {
    error = std::string(kSoname) + " has no " + name;
    return false;
  }
  *fn = reinterpret_cast<Fn>(p);
  return true;
}

Loaded Load() {
  Loaded out;
  // Never closed: handles and callbacks may outlive any owner we could name.
  void* lib = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    out.error = std::string("cannot load ") + kSoname + ": " + (why ? why : "unknown error");
    return out;
  }
  CurlApi& a = out.api;
  out.ok = Sym(lib, "curl_global_init", &a.global_init, out.error) &&
           Sym(lib, "curl_easy_init", &a.easy_init, out.error) &&
           Sym(lib, "curl_easy_cleanup", &a.easy_cleanup, out.error) &&
           Sym(lib, "curl_easy_reset", &a.easy_reset, out.error) &&
           Sym(lib, "curl_easy_setopt", &a.easy_setopt, out.error) &&
           Sym(lib, "curl_easy_getinfo", &a.easy_getinfo, out.error) &&
           Sym(lib, "curl_easy_perform", &a.easy_perform, out.error) &&
           Sym(lib, "curl_easy_strerror", &a.easy_strerror, out.error) &&
           Sym(lib, "curl_slist_append", &a.slist_append, out.error) &&
           Sym(lib, "curl_slist_free_all", &a.slist_free_all, out.error);
  if (out.ok && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    out.ok = false;
    out.error = "curl_global_init failed";
  }
  return out;
}

}  // namespace

const CurlApi* Curl(std::string* error) {
  static const Loaded* lib = [] {
    auto* l = new Loaded(Load());  // lives as long as the process, as the library does
    loaded.store(l->ok, std::memory_order_release);
    return l;
  }();
  if (!lib->ok) {
    if (error != nullptr) *error = lib->error;
    return nullptr;
  }
  return &lib->api;
}

bool CurlLoaded() { return loaded.load(std::memory_order_acquire); }

}  // namespace cairn::http::internal
