#include "api/acme_api.h"

#include <memory>
#include <string>
#include <string_view>

#include "acme/problem.h"

namespace cairn::api {
namespace {

using acme::Endpoint;

struct Route {
  const char* method;
  const char* path;  // after "/acme/{provisioner}"
  Endpoint endpoint;
  std::vector<const char*> params;
};

void Fill(const acme::AcmeResponse& in, http::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.AddHeader(name, value);
  if (!in.content_type.empty()) out.SetHeader("Content-Type", in.content_type);
  out.body = in.body;
  for (const auto& [k, v] : in.log_fields.items()) out.log_fields[k] = v;
}

}  // namespace

void RegisterAcmeRoutes(http::Router& router, acme::AcmeServer& server, WorkQueue& work) {
  const std::vector<Route> routes = {
      {"GET", "/directory", Endpoint::kDirectory, {}},
      {"GET", "/new-nonce", Endpoint::kNewNonce, {}},
      {"POST", "/new-account", Endpoint::kNewAccount, {}},
      {"POST", "/account/{id}", Endpoint::kAccount, {"id"}},
      {"POST", "/account/{id}/orders", Endpoint::kAccountOrders, {"id"}},
      {"POST", "/new-order", Endpoint::kNewOrder, {}},
      {"POST", "/order/{id}", Endpoint::kOrder, {"id"}},
      {"POST", "/order/{id}/finalize", Endpoint::kFinalize, {"id"}},
      {"POST", "/authz/{id}", Endpoint::kAuthz, {"id"}},
      {"POST", "/challenge/{authz}/{id}", Endpoint::kChallenge, {"authz", "id"}},
      {"POST", "/certificate/{id}", Endpoint::kCertificate, {"id"}},
      {"POST", "/revoke-cert", Endpoint::kRevokeCert, {}},
      {"POST", "/key-change", Endpoint::kKeyChange, {}},
      {"GET", "/renewal-info/{id}", Endpoint::kRenewalInfo, {"id"}},
  };
  for (const char* prefix : {"/acme/{provisioner}", "/2.0/acme/{provisioner}"}) {
    for (const Route& route : routes) {
      router.HandleAsync(
          route.method, std::string(prefix) + route.path,
          [&server, &work, route](http::Request& req, http::Completion complete) {
            auto in = std::make_shared<acme::AcmeRequest>();
            in->endpoint = route.endpoint;
            for (const char* p : route.params) in->ids.push_back(req.PathParam(p));
            in->method = req.method;
            in->host = req.host;
            in->provisioner = req.PathParam("provisioner");
            in->content_type = std::string(req.Header("Content-Type"));
            in->body = std::move(req.body);
            in->remote_address = req.remote_address;
            in->request_id = req.request_id;
            auto shared_complete = std::make_shared<http::Completion>(std::move(complete));
            bool accepted = work.TrySubmit([&server, in, shared_complete] {
              auto out = std::make_shared<acme::AcmeResponse>();
              server.Handle(*in, *out);
              (*shared_complete)([out](http::Response& r) { Fill(*out, r); });
            });
            if (!accepted) {
              (*shared_complete)([](http::Response& r) {
                Status busy = acme::Problem(StatusCode::kUnavailable, "serverInternal",
                                            "the server is busy; try again shortly");
                r.status = 503;
                r.SetHeader("Content-Type", "application/problem+json");
                r.SetHeader("Retry-After", "1");
                r.body = acme::ProblemJson(busy).dump();
              });
            }
          });
    }
  }
}

}  // namespace cairn::api
