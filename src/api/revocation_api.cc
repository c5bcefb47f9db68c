#include "api/revocation_api.h"

#include <memory>
#include <string>

#include "base/encoding.h"
#include "base/strings.h"

namespace cairn::api {
namespace {

using authority::Authority;
using http::Request;
using http::Response;

void ServeCrl(const std::shared_ptr<const authority::CrlPublisher::Crl>& crl, Request& req,
              Response& r) {
  if (!crl) {
    RenderStatus(404, r);
    return;
  }
  const bool pem = req.HasQueryParam("pem");
  if (pem) {
    r.SetBody(200, "application/x-pem-file", crl->pem);
    r.SetHeader("Content-Disposition", "attachment; filename=\"crl.pem\"");
  } else {
    r.SetBody(200, "application/pkix-crl", crl->der);
    r.SetHeader("Content-Disposition", "attachment; filename=\"crl.crl\"");
  }
  r.SetHeader("Expires", http::HttpDate(crl->next_update));
  r.SetHeader("Last-Modified", http::HttpDate(crl->this_update));
  r.log_fields["crl_number"] = crl->number;
}

void ServeOcsp(Authority& a, std::string_view request_der, Response& r) {
  authority::OcspAnswer answer = a.ocsp()->Respond(request_der);
  r.SetBody(200, "application/ocsp-response", std::move(answer.der));
  r.log_fields["ocsp_status"] = answer.status;
  if (!answer.cacheable) {
    r.SetHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    return;
  }
  // RFC 5019 §6: caches may keep the response until its nextUpdate.
  const auto now = std::chrono::system_clock::now();
  const int64_t max_age = std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(answer.next_update - now).count());
  r.SetHeader("Cache-Control",
              "max-age=" + std::to_string(max_age) + ", public, no-transform, must-revalidate");
  r.SetHeader("Last-Modified", http::HttpDate(answer.this_update));
  r.SetHeader("Expires", http::HttpDate(answer.next_update));
  r.SetHeader("ETag", answer.etag);
}

}  // namespace

void RegisterRevocationRoutes(http::Router& router, AuthoritySource authority,
                              const std::string& ocsp_path) {
  for (const char* prefix : {"", "/1.0"}) {
    router.Handle("GET", std::string(prefix) + "/crl", [authority](Request& req, Response& r) {
      auto a = authority();
      ServeCrl(a->crl() ? a->crl()->full() : nullptr, req, r);
    });
    router.Handle("GET", std::string(prefix) + "/crl/delta",
                  [authority](Request& req, Response& r) {
                    auto a = authority();
                    ServeCrl(a->crl() ? a->crl()->delta() : nullptr, req, r);
                  });
  }
  router.Handle("POST", ocsp_path, [authority](Request& req, Response& r) {
    auto a = authority();
    if (a->ocsp() == nullptr) return RenderStatus(404, r);
    ServeOcsp(*a, req.body, r);
  });
  router.Handle("GET", ocsp_path + "/*", [authority](Request& req, Response& r) {
    auto a = authority();
    if (a->ocsp() == nullptr) return RenderStatus(404, r);
    // The request is base64 in the path (RFC 6960 Appendix A.1), URL-encoded by most clients
    // (the router decoded it); some send the URL-safe alphabet.
    std::string b64 = req.PathParam("*");
    for (char& c : b64) {
      if (c == '-') c = '+';
      if (c == '_') c = '/';
    }
    auto der = Base64Decode(b64);
    ServeOcsp(*a, der.ok() ? *der : std::string(), r);
  });
}

}  // namespace cairn::api
