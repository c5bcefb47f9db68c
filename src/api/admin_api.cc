#include "api/admin_api.h"

#include <memory>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"

namespace cairn::api {
namespace {

using authority::Authority;
using http::Request;
using http::Response;

// kDefaultPageSize and kMaxPageSize bound list pages (?limit=).
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
// kMaxAdminBody bounds the JSON bodies of the admin API.
constexpr size_t kMaxAdminBody = 64 * 1024;

// AdminError renders step-ca's admin error {"type","detail","message"} for `s`.
void AdminError(const Status& s, Response& r) {
  struct Kind {
    int status;
    const char* type;
    const char* detail;
  };
  Kind k{500, "internalServerError", "the server experienced an internal error"};
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      k = {401, "unauthorized", "unauthorized"};
      break;
    case StatusCode::kNotFound:
      k = {404, "notFound", "resource not found"};
      break;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      k = {400, "badRequest", "bad request"};
      break;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      k = {409, "conflict", "conflict"};
      break;
    case StatusCode::kUnimplemented:
      k = {501, "notImplemented", "not implemented"};
      break;
    default:
      break;
  }
  const std::string message = s.public_message().empty() ? k.detail : s.public_message();
  nlohmann::json body{{"type", k.type}, {"detail", k.detail}, {"message", message}};
  r.SetBody(k.status, "application/json", body.dump() + "\n");
  r.log_fields["error"] = s.message();
}

Status NotImplemented(std::string msg) { return UnimplementedError(msg).WithPublicMessage(msg); }

Status BadRequest(std::string msg) { return InvalidArgumentError(msg).WithPublicMessage(msg); }

std::string AdminTypeName(store::AdminType t) {
  return t == store::AdminType::kSuperAdmin ? "SUPER_ADMIN" : "ADMIN";
}

// ParseAdminType accepts linkedca's Admin.Type as its name or its number.
Result<store::AdminType> ParseAdminType(const nlohmann::json& v) {
  if (v.is_string()) {
    if (v == "ADMIN") return store::AdminType::kAdmin;
    if (v == "SUPER_ADMIN") return store::AdminType::kSuperAdmin;
  } else if (v.is_number_integer()) {
    if (v == 1) return store::AdminType::kAdmin;
    if (v == 2) return store::AdminType::kSuperAdmin;
  }
  return BadRequest("invalid value for admin type");
}

nlohmann::json AdminJson(const Authority& a, const store::AdminRecord& admin) {
  const auto* p = a.provisioners().LoadByName(admin.provisioner);
  return {{"id", admin.id},
          {"subject", admin.subject},
          {"provisionerId", p != nullptr ? p->id() : admin.provisioner},
          {"type", AdminTypeName(admin.type)},
          {"createdAt", FormatRfc3339(admin.created_at)}};
}

// EabJson renders a linkedca.EABKey; the HMAC key only when the key was just made.
nlohmann::json EabJson(const store::AcmeEabKeyRecord& k, bool with_secret) {
  nlohmann::json j{
      {"id", k.id}, {"provisioner", k.provisioner}, {"createdAt", FormatRfc3339(k.created_at)}};
  if (with_secret) j["hmacKey"] = Base64Encode(k.hmac_key);
  if (!k.reference.empty()) j["reference"] = k.reference;
  if (!k.account_id.empty()) {
    j["account"] = k.account_id;
    j["boundAt"] = FormatRfc3339(k.bound_at);
  }
  return j;
}

void RenderJson(int status, const nlohmann::json& j, Response& r) {
  r.SetBody(status, "application/json", j.dump() + "\n");
}

// PageLimit reads ?limit= (default kDefaultPageSize, at most kMaxPageSize).
Result<int> PageLimit(const Request& req) {
  std::string v = req.QueryParam("limit");
  if (v.empty()) return kDefaultPageSize;
  if (v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
    return BadRequest("error parsing limit: '" + v.substr(0, 32) + "' is not a number");
  }
  int n = std::stoi(v);
  if (n <= 0) return kDefaultPageSize;
  return std::min(n, kMaxPageSize);
}

Result<nlohmann::json> AdminBody(const Request& req) {
  if (req.body.size() > kMaxAdminBody) return BadRequest("request body is too large");
  auto j = ParseJsonBody(req.body);
  if (!j.ok()) return BadRequest(j.status().message());
  return j;
}

// Guarded wraps a handler with the checks every admin route shares: the API is enabled, and the
// Authorization header carries a valid admin token for this method and path.
using AdminHandler =
    std::function<Status(Authority&, const store::AdminRecord&, Request&, Response&)>;

http::Handler Guarded(AuthoritySource source, AdminHandler handler) {
  return [source, handler = std::move(handler)](Request& req, Response& r) {
    std::shared_ptr<Authority> a = source();
    if (!a->admin_enabled()) {
      AdminError(NotImplemented("administration API not enabled"), r);
      return;
    }
    auto admin = a->AuthorizeAdminToken(req.Header("Authorization"), req.method, req.path);
    if (!admin.ok()) {
      AdminError(admin.status(), r);
      return;
    }
    r.log_fields["admin"] = admin->subject;
    if (Status s = handler(*a, *admin, req, r); !s.ok()) AdminError(s, r);
  };
}

// ---- Admins.

Status ListAdmins(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(int limit, PageLimit(req));
  std::string cursor = req.QueryParam("cursor");
  if (cursor.size() > store::kMaxSerialLength) return BadRequest("cursor is too long");
  CAIRN_ASSIGN_OR_RETURN(auto page, a.store().ListAdmins(cursor, limit));
  nlohmann::json admins = nlohmann::json::array();
  for (const auto& admin : page) admins.push_back(AdminJson(a, admin));
  const std::string next =
      page.size() == static_cast<size_t>(limit) ? page.back().id : std::string();
  RenderJson(200, {{"admins", admins}, {"nextCursor", next}}, r);
  return Status();
}

Result<store::AdminRecord> LoadAdmin(Authority& a, const std::string& id) {
  if (!store::ValidateAcmeId(id).ok())
    return NotFoundError("admin not found")
        .WithPublicMessage("admin " + id.substr(0, 64) + " not found");
  CAIRN_ASSIGN_OR_RETURN(auto admin, a.store().GetAdmin(id));
  if (!admin)
    return NotFoundError("admin not found").WithPublicMessage("admin " + id + " not found");
  return *std::move(admin);
}

Status GetAdmin(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(auto admin, LoadAdmin(a, req.PathParam("id")));
  RenderJson(200, AdminJson(a, admin), r);
  return Status();
}

Status CreateAdmin(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json body, AdminBody(req));
  auto subject = body.find("subject");
  auto provisioner = body.find("provisioner");
  if (subject == body.end() || !subject->is_string() || subject->get<std::string>().empty()) {
    return BadRequest("subject cannot be empty");
  }
  if (provisioner == body.end() || !provisioner->is_string() ||
      provisioner->get<std::string>().empty()) {
    return BadRequest("provisioner cannot be empty");
  }
  store::AdminType type = store::AdminType::kAdmin;
  if (auto t = body.find("type"); t != body.end()) {
    CAIRN_ASSIGN_OR_RETURN(type, ParseAdminType(*t));
  }
  CAIRN_ASSIGN_OR_RETURN(auto admin, a.CreateAdmin(subject->get<std::string>(),
                                                   provisioner->get<std::string>(), type));
  RenderJson(201, AdminJson(a, admin), r);
  return Status();
}

Status UpdateAdmin(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json body, AdminBody(req));
  auto t = body.find("type");
  if (t == body.end()) return BadRequest("invalid value for admin type");
  CAIRN_ASSIGN_OR_RETURN(store::AdminType type, ParseAdminType(*t));
  CAIRN_ASSIGN_OR_RETURN(auto current, LoadAdmin(a, req.PathParam("id")));
  CAIRN_ASSIGN_OR_RETURN(auto admin, a.UpdateAdmin(current.id, type));
  RenderJson(200, AdminJson(a, admin), r);
  return Status();
}

Status DeleteAdmin(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(auto current, LoadAdmin(a, req.PathParam("id")));
  CAIRN_RETURN_IF_ERROR(a.DeleteAdmin(current.id));
  RenderJson(200, {{"status", "ok"}}, r);
  return Status();
}

// ---- ACME EAB keys.

Status ListEabKeys(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(const provisioner::Provisioner* p,
                         a.EabProvisioner(req.PathParam("provisioner")));
  CAIRN_ASSIGN_OR_RETURN(int limit, PageLimit(req));
  const std::string reference = req.PathParam("key");  // a reference here
  std::string cursor = req.QueryParam("cursor");
  if (cursor.size() > store::kMaxSerialLength) return BadRequest("cursor is too long");
  nlohmann::json eaks = nlohmann::json::array();
  std::string next;
  if (reference.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto page, a.store().ListAcmeEabKeys(p->name(), cursor, limit));
    for (const auto& k : page) eaks.push_back(EabJson(k, /*with_secret=*/false));
    if (page.size() == static_cast<size_t>(limit)) next = page.back().id;
  } else {
    // One key at most has this reference; the store keeps them by id.
    std::string at;
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(auto page,
                             a.store().ListAcmeEabKeys(p->name(), at, store::kMaxListLimit));
      for (const auto& k : page) {
        if (k.reference == reference) eaks.push_back(EabJson(k, /*with_secret=*/false));
      }
      if (!eaks.empty() || page.size() < static_cast<size_t>(store::kMaxListLimit)) break;
      at = page.back().id;
    }
    if (eaks.empty()) {
      std::string msg = "ACME External Account Key not found";
      return NotFoundError(msg).WithPublicMessage(msg);
    }
  }
  RenderJson(200, {{"eaks", eaks}, {"nextCursor", next}}, r);
  return Status();
}

Status CreateEabKey(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  std::string reference;
  if (!req.body.empty()) {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json body, AdminBody(req));
    if (auto ref = body.find("reference"); ref != body.end() && !ref->is_null()) {
      if (!ref->is_string()) return BadRequest("reference must be a string");
      reference = ref->get<std::string>();
    }
  }
  CAIRN_ASSIGN_OR_RETURN(auto key, a.CreateEabKey(req.PathParam("provisioner"), reference));
  r.log_fields["eab_key_id"] = key.id;
  RenderJson(201, EabJson(key, /*with_secret=*/true), r);
  return Status();
}

Status DeleteEabKey(Authority& a, const store::AdminRecord&, Request& req, Response& r) {
  CAIRN_ASSIGN_OR_RETURN(const provisioner::Provisioner* p,
                         a.EabProvisioner(req.PathParam("provisioner")));
  const std::string id = req.PathParam("key");  // a key id here
  Status s = store::ValidateAcmeId(id).ok() ? a.store().DeleteAcmeEabKey(p->name(), id)
                                            : NotFoundError("external account key not found");
  if (s.code() == StatusCode::kNotFound) {
    std::string msg = "ACME External Account Key not found";
    return NotFoundError(msg).WithPublicMessage(msg);
  }
  CAIRN_RETURN_IF_ERROR(s);
  RenderJson(200, {{"status", "ok"}}, r);
  return Status();
}

}  // namespace

void RegisterAdminRoutes(http::Router& router, AuthoritySource authority) {
  router.Handle("GET", "/admin/admins", Guarded(authority, ListAdmins));
  router.Handle("GET", "/admin/admins/{id}", Guarded(authority, GetAdmin));
  router.Handle("POST", "/admin/admins", Guarded(authority, CreateAdmin));
  router.Handle("PATCH", "/admin/admins/{id}", Guarded(authority, UpdateAdmin));
  router.Handle("DELETE", "/admin/admins/{id}", Guarded(authority, DeleteAdmin));

  router.Handle("GET", "/admin/acme/eab/{provisioner}", Guarded(authority, ListEabKeys));
  router.Handle("GET", "/admin/acme/eab/{provisioner}/{key}", Guarded(authority, ListEabKeys));
  router.Handle("POST", "/admin/acme/eab/{provisioner}", Guarded(authority, CreateEabKey));
  router.Handle("DELETE", "/admin/acme/eab/{provisioner}/{key}", Guarded(authority, DeleteEabKey));

  // Provisioners, policies and webhooks live in ca.json until remote provisioner management
  // exists: a clear 501 rather than a 404.
  auto later = [](Authority&, const store::AdminRecord&, Request&, Response&) -> Status {
    return NotImplemented(
        "remote provisioner management is not available: provisioners, policies and webhooks "
        "are managed in ca.json (cairn ca provisioner ...)");
  };
  struct Pending {
    const char* method;
    const char* path;
  };
  static constexpr Pending kPending[] = {
      {"GET", "/admin/provisioners"},
      {"POST", "/admin/provisioners"},
      {"GET", "/admin/provisioners/{name}"},
      {"PUT", "/admin/provisioners/{name}"},
      {"DELETE", "/admin/provisioners/{name}"},
      {"GET", "/admin/policy"},
      {"POST", "/admin/policy"},
      {"PUT", "/admin/policy"},
      {"DELETE", "/admin/policy"},
      {"GET", "/admin/provisioners/{name}/policy"},
      {"POST", "/admin/provisioners/{name}/policy"},
      {"PUT", "/admin/provisioners/{name}/policy"},
      {"DELETE", "/admin/provisioners/{name}/policy"},
      {"POST", "/admin/provisioners/{name}/webhooks"},
      {"PUT", "/admin/provisioners/{name}/webhooks/{webhook}"},
      {"DELETE", "/admin/provisioners/{name}/webhooks/{webhook}"},
  };
  for (const Pending& p : kPending) router.Handle(p.method, p.path, Guarded(authority, later));
}

}  // namespace cairn::api
