// POST /ssh/renew and /ssh/rekey (stepca.md §1.5; step-ca's api/sshRenew.go, api/sshRekey.go):
// SSHPOP renewals and rekeys of host certificates. The X.509 identity certificate step-ca
// renews alongside when the request came over mTLS (`identityCrt`) is not issued here.

#include <string>

#include "api/ssh_api.h"
#include "base/encoding.h"

namespace cairn::api {
namespace {

using authority::Authority;
using http::Request;
using http::Response;

// StringField reads an optional string member; a member of another type is a 400.
Status StringField(const nlohmann::json& j, const char* name, std::string* out) {
  CAIRN_ASSIGN_OR_RETURN(*out, StringFieldChecked(j, name));
  return Status();
}

void RenderBadRequest(const Status& s, Response& r) {
  RenderError(InvalidArgumentError(s.message()).WithPublicMessage(s.message()), r);
}

void RenderIssued(const Result<authority::SshIssued>& issued, Response& r) {
  if (!issued.ok()) {
    RenderError(issued.status(), r);
    return;
  }
  const ssh::Certificate& c = issued->cert;
  nlohmann::json body{{"crt", Base64Encode(c.Marshal())}};
  r.SetBody(201, "application/json", body.dump() + "\n");
  r.log_fields["serial"] = std::to_string(c.serial());
  r.log_fields["key-id"] = c.key_id();
  r.log_fields["principals"] = c.principals();
  r.log_fields["certificate-type"] = std::string(ssh::CertTypeName(c.type()));
  r.log_fields["provisioner"] = issued->provisioner;
}

void RenewSsh(Authority& a, Request& req, Response& r) {
  auto j = ParseJsonBody(req.body);
  if (!j.ok()) return RenderBadRequest(j.status(), r);
  std::string ott;
  if (Status s = StringField(*j, "ott", &ott); !s.ok()) return RenderBadRequest(s, r);
  if (ott.empty()) return RenderBadRequest(InvalidArgumentError("missing or empty ott"), r);
  RenderIssued(a.RenewSsh(ott), r);
}

void RekeySsh(Authority& a, Request& req, Response& r) {
  auto j = ParseJsonBody(req.body);
  if (!j.ok()) return RenderBadRequest(j.status(), r);
  std::string ott, public_key;
  if (Status s = StringField(*j, "ott", &ott); !s.ok()) return RenderBadRequest(s, r);
  if (Status s = StringField(*j, "publicKey", &public_key); !s.ok()) {
    return RenderBadRequest(s, r);
  }
  if (ott.empty()) return RenderBadRequest(InvalidArgumentError("missing or empty ott"), r);
  if (public_key.empty()) {
    return RenderBadRequest(InvalidArgumentError("missing or empty public key"), r);
  }
  RenderIssued(a.RekeySsh(ott, public_key), r);
}

}  // namespace

void RegisterSshRenewRoutes(http::Router& router, AuthoritySource authority) {
  for (const char* prefix : {"", "/1.0"}) {
    router.Handle("POST", std::string(prefix) + "/ssh/renew",
                  [authority](Request& req, Response& r) {
                    auto a = authority();
                    RenewSsh(*a, req, r);
                  });
    router.Handle("POST", std::string(prefix) + "/ssh/rekey",
                  [authority](Request& req, Response& r) {
                    auto a = authority();
                    RekeySsh(*a, req, r);
                  });
  }
}

}  // namespace cairn::api
