// GET /ssh/krl (and /1.0/ssh/krl): the OpenSSH KRL of the CA's SSH revocations, for sshd's
// RevokedKeys. A Cairn extension; step-ca has no such route.

#include <string>

#include "api/ssh_api.h"

namespace cairn::api {

void RegisterSshKrlRoutes(http::Router& router, AuthoritySource authority) {
  for (const char* prefix : {"", "/1.0"}) {
    router.Handle("GET", std::string(prefix) + "/ssh/krl",
                  [authority](http::Request&, http::Response& r) {
                    auto a = authority();
                    auto krl = a->SshKrl();
                    if (!krl.ok()) {
                      RenderError(krl.status(), r);
                      return;
                    }
                    r.SetBody(200, "application/octet-stream", std::move(krl).value());
                    r.SetHeader("Content-Disposition", "attachment; filename=\"krl\"");
                    r.SetHeader("Cache-Control", "no-store");
                  });
  }
}

}  // namespace cairn::api
