#include "api/ssh_api.h"

#include <string>
#include <vector>

#include "base/encoding.h"

namespace cairn::api {
namespace {

using authority::Authority;
using http::Request;
using http::Response;

// kMaxPrincipals bounds the principals of one request (the certificate format allows more, no
// sane request needs them).
constexpr size_t kMaxRequestPrincipals = 256;

Result<authority::SshSignRequest> ParseSshSign(std::string_view body) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonBody(body));
  authority::SshSignRequest r;
  auto str = [&](const char* name, std::string* out) -> Status {
    CAIRN_ASSIGN_OR_RETURN(*out, StringFieldChecked(j, name));
    return Status();
  };
  CAIRN_RETURN_IF_ERROR(str("publicKey", &r.public_key));
  CAIRN_RETURN_IF_ERROR(str("ott", &r.ott));
  CAIRN_RETURN_IF_ERROR(str("certType", &r.cert_type));
  CAIRN_RETURN_IF_ERROR(str("keyID", &r.key_id));
  CAIRN_RETURN_IF_ERROR(str("validAfter", &r.valid_after));
  CAIRN_RETURN_IF_ERROR(str("validBefore", &r.valid_before));
  CAIRN_RETURN_IF_ERROR(str("addUserPublicKey", &r.add_user_public_key));
  if (auto it = j.find("principals"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > kMaxRequestPrincipals) {
      return InvalidArgumentError(
          "error reading request body: `principals` must be an array of "
          "at most " +
          std::to_string(kMaxRequestPrincipals) + " strings");
    }
    for (const auto& p : *it) {
      if (!p.is_string()) {
        return InvalidArgumentError("error reading request body: `principals` must be strings");
      }
      r.principals.push_back(p.get<std::string>());
    }
  }
  if (auto it = j.find("templateData"); it != j.end() && it->is_object()) r.template_data = *it;
  // step-ca's SignSSHRequest.Validate.
  if (r.public_key.empty()) return InvalidArgumentError("missing or empty publicKey");
  if (r.ott.empty()) return InvalidArgumentError("missing or empty ott");
  return r;
}

// SignSsh answers POST /ssh/sign; requests whose provisioner calls webhooks finish on the
// slow-work queue.
void SignSsh(std::shared_ptr<Authority> a, Request& req, http::Completion complete) {
  auto parsed = ParseSshSign(req.body);
  if (!parsed.ok()) {
    Status s = InvalidArgumentError(parsed.status().message())
                   .WithPublicMessage(parsed.status().message());
    complete([s](Response& r) { RenderError(s, r); });
    return;
  }
  parsed->request_id = req.request_id;
  Authority& authority = *a;
  // `a` rides along so that the authority outlives a request on the slow-work queue.
  authority.SignSshAsync(
      *parsed, [a, complete = std::move(complete)](Result<authority::SshIssued> issued) mutable {
        auto result = std::make_shared<Result<authority::SshIssued>>(std::move(issued));
        complete([result](Response& r) {
          if (!result->ok()) return RenderError(result->status(), r);
          const authority::SshIssued& out = **result;
          const ssh::Certificate& c = out.cert;
          nlohmann::json body{{"crt", Base64Encode(c.Marshal())}};
          if (out.add_user_cert) body["addUserCrt"] = Base64Encode(out.add_user_cert->Marshal());
          r.SetBody(201, "application/json", body.dump() + "\n");
          r.log_fields["serial"] = std::to_string(c.serial());
          r.log_fields["key-id"] = c.key_id();
          r.log_fields["principals"] = c.principals();
          r.log_fields["certificate-type"] = std::string(ssh::CertTypeName(c.type()));
          r.log_fields["provisioner"] = out.provisioner;
        });
      });
}

void RevokeSsh(Authority& a, Request& req, Response& r) {
  auto j = ParseJsonBody(req.body);
  if (!j.ok()) {
    RenderError(InvalidArgumentError(j.status().message()).WithPublicMessage(j.status().message()),
                r);
    return;
  }
  authority::RevokeRequest rr;
  auto str = [&](const char* name) -> std::string {
    auto it = j->find(name);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  rr.serial = str("serial");
  rr.ott = str("ott");
  rr.reason = str("reason");
  if (auto it = j->find("reasonCode"); it != j->end() && it->is_number_integer()) {
    rr.reason_code = it->get<int>();
  }
  if (auto it = j->find("passive"); it != j->end() && it->is_boolean()) {
    rr.passive = it->get<bool>();
  }
  Status s = a.RevokeSsh(rr);
  if (!s.ok()) {
    RenderError(s, r);
    return;
  }
  r.log_fields["serial"] = rr.serial;
  r.SetBody(200, "application/json", "{\"status\":\"ok\"}\n");
}

}  // namespace

void RegisterSshRoutes(http::Router& router, AuthoritySource authority) {
  RegisterSshRenewRoutes(router, authority);
  RegisterSshKrlRoutes(router, authority);
  RegisterSshHostsRoutes(router, authority);
  for (const char* prefix : {"", "/1.0"}) {
    for (const char* path : {"/ssh/sign", "/sign-ssh"}) {
      router.HandleAsync("POST", std::string(prefix) + path,
                         [authority](Request& req, http::Completion complete) {
                           SignSsh(authority(), req, std::move(complete));
                         });
    }
    router.Handle("POST", std::string(prefix) + "/ssh/revoke",
                  [authority](Request& req, Response& r) {
                    auto a = authority();
                    RevokeSsh(*a, req, r);
                  });
  }
}

}  // namespace cairn::api
