// step-ca's SSH inventory and configuration routes (stepca.md §1.5; api/ssh.go SSHConfig,
// SSHCheckHost, SSHGetHosts, SSHBastion, SSHFederation): POST /ssh/config (and
// /ssh/config/{type}), POST /ssh/check-host, GET /ssh/hosts (and /ssh/get-hosts), POST
// /ssh/bastion, GET /ssh/roots and GET /ssh/federation, each also under /1.0.

#include <map>
#include <string>
#include <vector>

#include "api/ssh_api.h"
#include "base/encoding.h"

namespace cairn::api {
namespace {

using authority::Authority;
using http::Request;
using http::Response;
using OJson = nlohmann::ordered_json;

// BadBody is step-ca's 400 for a body it cannot read.
Status BadBody(const std::string& detail) {
  return InvalidArgumentError(detail).WithPublicMessage(detail);
}

// ParseObject parses the body as a JSON object.
Result<nlohmann::json> ParseObject(std::string_view body) {
  auto j = ParseJsonBody(body);
  if (!j.ok()) return BadBody("error reading request body: " + j.status().message());
  if (!j->is_object()) return BadBody("error reading request body: not a JSON object");
  return j;
}

// StringField reads an optional string member (null and absent are "").
Result<std::string> StringField(const nlohmann::json& j, const char* name) {
  auto v = StringFieldChecked(j, name);
  if (!v.ok()) return BadBody(v.status().message());
  return v;
}

void RenderJson(int status, const OJson& body, Response& r) {
  r.SetBody(status, "application/json", body.dump() + "\n");
}

OJson KeysJson(const std::vector<ssh::PublicKey>& keys) {
  OJson out = OJson::array();
  for (const auto& k : keys) out.push_back(Base64Encode(k.Marshal()));
  return out;
}

void SshConfig(const Authority& a, Request& req, Response& r) {
  auto j = ParseObject(req.body);
  if (!j.ok()) return RenderError(j.status(), r);
  auto type = StringField(*j, "type");
  if (!type.ok()) return RenderError(type.status(), r);
  std::map<std::string, std::string> data;
  if (auto it = j->find("data"); it != j->end() && !it->is_null()) {
    if (!it->is_object()) {
      return RenderError(BadBody("error reading request body: `data` must be an object"), r);
    }
    if (it->size() > Authority::kMaxSshConfigData) {
      return RenderError(BadBody("too many data entries (at most " +
                                 std::to_string(Authority::kMaxSshConfigData) + ")"),
                         r);
    }
    for (auto d = it->begin(); d != it->end(); ++d) {
      if (!d.value().is_string()) {
        return RenderError(BadBody("error reading request body: `data` values must be strings"), r);
      }
      data[d.key()] = d.value().get<std::string>();
    }
  }
  // step-ca's SSHConfigRequest.Validate: "" means user.
  if (type->empty()) *type = "user";
  if (*type != "user" && *type != "host") {
    return RenderError(BadBody("invalid type '" + *type + "'"), r);
  }
  auto out = a.GetSshConfig(*type, data);
  if (!out.ok()) return RenderError(out.status(), r);
  OJson list = OJson::array();
  for (const auto& o : *out) {
    OJson t;
    t["name"] = o.name;
    t["type"] = o.type;
    t["path"] = o.path;
    t["comment"] = o.comment;
    t["content"] = o.content ? OJson(Base64Encode(*o.content)) : OJson(nullptr);
    list.push_back(std::move(t));
  }
  OJson body = OJson::object();
  // omitempty: no templates, no member.
  if (!list.empty()) body[*type == "user" ? "userTemplates" : "hostTemplates"] = std::move(list);
  RenderJson(200, body, r);
}

void CheckHost(const Authority& a, Request& req, Response& r) {
  auto j = ParseObject(req.body);
  if (!j.ok()) return RenderError(j.status(), r);
  auto type = StringField(*j, "type");
  auto principal = StringField(*j, "principal");
  auto token = StringField(*j, "token");
  for (const auto* f : {&type, &principal, &token}) {
    if (!f->ok()) return RenderError(f->status(), r);
  }
  // step-ca's SSHCheckPrincipalRequest.Validate: host principals only.
  if (*type != "host") return RenderError(BadBody("unsupported type '" + *type + "'"), r);
  if (principal->empty()) return RenderError(BadBody("missing or empty principal"), r);
  auto exists = a.CheckSshHost(*principal, *token);
  if (!exists.ok()) return RenderError(exists.status(), r);
  RenderJson(200, OJson{{"exists", *exists}}, r);
}

void Hosts(const Authority& a, Response& r) {
  auto hosts = a.GetSshHosts();
  if (!hosts.ok()) return RenderError(hosts.status(), r);
  OJson list = OJson::array();
  for (const std::string& h : *hosts) {
    OJson host;
    host["hid"] = "";
    host["host_tags"] = nullptr;
    host["hostname"] = h;
    list.push_back(std::move(host));
  }
  RenderJson(200, OJson{{"hosts", std::move(list)}}, r);
}

void Bastion(const Authority& a, Request& req, Response& r) {
  auto j = ParseObject(req.body);
  if (!j.ok()) return RenderError(j.status(), r);
  auto user = StringField(*j, "user");
  auto hostname = StringField(*j, "hostname");
  for (const auto* f : {&user, &hostname}) {
    if (!f->ok()) return RenderError(f->status(), r);
  }
  if (hostname->empty()) return RenderError(BadBody("missing or empty hostname"), r);
  auto bastion = a.GetSshBastion(*user, *hostname);
  if (!bastion.ok()) return RenderError(bastion.status(), r);
  OJson body;
  body["hostname"] = *hostname;
  if (*bastion) {
    const Authority::SshBastion& b = **bastion;
    OJson bj;
    bj["hostname"] = b.hostname;
    // config.Bastion's omitempty members.
    if (!b.user.empty()) bj["user"] = b.user;
    if (!b.port.empty()) bj["port"] = b.port;
    if (!b.cmd.empty()) bj["cmd"] = b.cmd;
    if (!b.flags.empty()) bj["flags"] = b.flags;
    body["bastion"] = std::move(bj);
  }
  RenderJson(200, body, r);
}

// Keys answers GET /ssh/roots (the keys that verify this CA's certificates) and
// /ssh/federation (those and the federated ones) with step-ca's SSHRootsResponse.
void Keys(const Result<Authority::SshKeys>& keys, Response& r) {
  if (!keys.ok()) return RenderError(keys.status(), r);
  if (keys->user_keys.empty() && keys->host_keys.empty()) {
    std::string msg = "no keys found";
    return RenderError(NotFoundError(msg).WithPublicMessage(msg), r);
  }
  // SSHRootsResponse: userKey then hostKey, each omitted when empty.
  OJson body = OJson::object();
  if (!keys->user_keys.empty()) body["userKey"] = KeysJson(keys->user_keys);
  if (!keys->host_keys.empty()) body["hostKey"] = KeysJson(keys->host_keys);
  RenderJson(200, body, r);
}

}  // namespace

void RegisterSshHostsRoutes(http::Router& router, AuthoritySource authority) {
  for (std::string prefix : {"", "/1.0"}) {
    for (const char* path : {"/ssh/config", "/ssh/config/{type}"}) {
      // The {type} segment is ignored: the body's type decides, as in step-ca.
      router.Handle("POST", prefix + path, [authority](Request& req, Response& r) {
        auto a = authority();
        SshConfig(*a, req, r);
      });
    }
    router.Handle("POST", prefix + "/ssh/check-host", [authority](Request& req, Response& r) {
      auto a = authority();
      CheckHost(*a, req, r);
    });
    for (const char* path : {"/ssh/hosts", "/ssh/get-hosts"}) {
      router.Handle("GET", prefix + path, [authority](Request&, Response& r) {
        auto a = authority();
        Hosts(*a, r);
      });
    }
    router.Handle("POST", prefix + "/ssh/bastion", [authority](Request& req, Response& r) {
      auto a = authority();
      Bastion(*a, req, r);
    });
    router.Handle("GET", prefix + "/ssh/roots", [authority](Request&, Response& r) {
      auto a = authority();
      Keys(a->SshRootKeys(), r);
    });
    router.Handle("GET", prefix + "/ssh/federation", [authority](Request&, Response& r) {
      auto a = authority();
      Keys(a->SshFederationKeys(), r);
    });
  }
}

}  // namespace cairn::api
