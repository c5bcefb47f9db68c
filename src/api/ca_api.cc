#include "api/ca_api.h"

#include <string>
#include <vector>

#include "base/duration.h"
#include "base/strings.h"

namespace cairn::api {

// kMaxStringFieldBytes bounds one string member of a request body.
constexpr size_t kMaxStringFieldBytes = 64 * 1024;

Result<std::string> StringFieldChecked(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return InvalidArgumentError(std::string("error reading request body: `") + name +
                                "` must be a string");
  }
  if (it->get_ref<const std::string&>().size() > kMaxStringFieldBytes) {
    return InvalidArgumentError(std::string("error reading request body: `") + name +
                                "` is too long");
  }
  return it->get<std::string>();
}

namespace {

using authority::Authority;
using http::Request;
using http::Response;

nlohmann::json PemList(const std::vector<pki::Certificate>& certs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : certs) out.push_back(c.pem());
  return out;
}

nlohmann::json TlsOptionsJson(const config::TlsOptions& tls) {
  return {{"cipherSuites", tls.cipher_suites},
          {"minVersion", tls.min_version},
          {"maxVersion", tls.max_version},
          {"renegotiation", tls.renegotiation}};
}

}  // namespace

// The body is written directly (keys in the order nlohmann::json would sort them, as before):
// it carries three to four PEM blocks, and building a JSON tree for them costs more than the
// rest of the response.
void RenderIssued(const Authority& a, const authority::Issued& issued, Response& r) {
  const std::string leaf_pem = issued.leaf.pem();
  // chain is the leaf then the authority's intermediates, whose PEM the authority keeps.
  auto pem_of = [&](size_t i) -> std::string {
    if (i == 0) return leaf_pem;
    const auto& cached = a.intermediate_pems();
    return i - 1 < cached.size() ? cached[i - 1] : issued.chain[i].pem();
  };
  std::string body;
  body.reserve(4 * 1024);
  body += "{\"ca\":";
  AppendJsonString(body, issued.chain.size() > 1 ? pem_of(1) : std::string());
  body += ",\"certChain\":[";
  for (size_t i = 0; i < issued.chain.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendJsonString(body, pem_of(i));
  }
  body += "],\"crt\":";
  AppendJsonString(body, leaf_pem);
  body += ",\"tlsOptions\":";
  body += TlsOptionsJson(a.config().tls).dump();
  body += "}\n";
  r.SetBody(201, "application/json", std::move(body));
  const pki::Certificate& c = issued.leaf;
  const pki::SubjectAltNames sans = c.sans();
  r.log_fields["serial"] = c.serial_decimal();
  r.log_fields["subject"] = c.subject_cn();
  r.log_fields["issuer"] = c.issuer_string();
  r.log_fields["sans"] = {
      {"dns", sans.dns}, {"email", sans.emails}, {"ip", sans.ips}, {"uri", sans.uris}};
  r.log_fields["valid-from"] = FormatRfc3339(c.not_before());
  r.log_fields["valid-to"] = FormatRfc3339(c.not_after());
  r.log_fields["public-key"] = c.public_key().Describe();
  if (!issued.provisioner.empty()) r.log_fields["provisioner"] = issued.provisioner;
}

namespace {

// Handlers -------------------------------------------------------------------------------------

void Health(Request&, Response& r) { r.SetJson(200, {{"status", "ok"}}); }

void Version(Request&, Response& r) { r.SetJson(200, {{"version", CAIRN_VERSION}}); }

void Root(const Authority& a, Request& req, Response& r) {
  auto root = a.RootBySha(req.path_params["sha"]);
  if (!root) {
    Status s = NotFoundError("root with fingerprint " + req.path_params["sha"] + " not found");
    return RenderError(s, r);
  }
  r.SetJson(200, {{"ca", root->pem()}});
}

void Roots(const Authority& a, Request&, Response& r) {
  r.SetJson(201, {{"crts", PemList(a.roots())}});
}

void RootsPem(const Authority& a, Request&, Response& r) {
  std::string body;
  for (const auto& c : a.roots()) body += c.pem();
  r.status = 200;
  r.SetHeader("Content-Type", "application/x-pem-file");
  r.body = std::move(body);
}

void Intermediates(const Authority& a, Request&, Response& r) {
  if (a.intermediates().empty()) return RenderStatus(501, r);
  r.SetJson(201, {{"crts", PemList(a.intermediates())}});
}

void IntermediatesPem(const Authority& a, Request&, Response& r) {
  if (a.intermediates().empty()) return RenderStatus(501, r);
  std::string body;
  for (const auto& c : a.intermediates()) body += c.pem();
  r.status = 200;
  r.SetHeader("Content-Type", "application/x-pem-file");
  r.body = std::move(body);
}

void Federation(const Authority& a, Request&, Response& r) {
  nlohmann::json crts = PemList(a.roots());
  for (const auto& c : a.federated_roots()) crts.push_back(c.pem());
  r.SetJson(201, {{"crts", std::move(crts)}});
}

void Provisioners(const Authority& a, Request& req, Response& r) {
  int limit = 0;
  std::string limit_text = req.QueryParam("limit");
  if (!limit_text.empty()) {
    char* end = nullptr;
    long v = std::strtol(limit_text.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || limit_text.size() > 9) {
      return RenderError(InvalidArgumentError("error converting limit to integer")
                             .WithPublicMessage("error converting " + limit_text + " to integer"),
                         r);
    }
    limit = static_cast<int>(v);
  }
  auto [entries, next] = a.provisioners().Find(req.QueryParam("cursor"), limit);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& e : entries) list.push_back(*e.json);
  nlohmann::ordered_json body;
  body["provisioners"] = std::move(list);
  body["nextCursor"] = next;
  r.status = 200;
  r.SetHeader("Content-Type", "application/json");
  r.body = body.dump();
}

void EncryptedKey(const Authority& a, Request& req, Response& r) {
  const auto* p = a.provisioners().LoadByEncryptedKeyId(req.path_params["kid"]);
  if (p == nullptr) {
    return RenderError(
        NotFoundError("encrypted key with kid " + req.path_params["kid"] + " was not found"), r);
  }
  r.SetJson(200, {{"key", p->encrypted_key()->second}});
}

}  // namespace

bool ParseSignRequest(std::string_view text, authority::SignRequest& sr, Response& r) {
  auto body = ParseJsonBody(text);
  if (!body.ok()) {
    RenderError(body.status(), r);
    return false;
  }
  for (auto [field, out] :
       {std::pair{"csr", &sr.csr_pem}, std::pair{"ott", &sr.ott},
        std::pair{"notBefore", &sr.not_before}, std::pair{"notAfter", &sr.not_after}}) {
    auto v = StringFieldChecked(*body, field);
    if (!v.ok()) {
      RenderError(v.status(), r);
      return false;
    }
    *out = std::move(v).value();
  }
  if (auto it = body->find("templateData"); it != body->end()) sr.template_data = *it;
  if (sr.csr_pem.empty()) {
    RenderError(InvalidArgumentError("missing csr").WithPublicMessage("missing csr"), r);
    return false;
  }
  if (sr.ott.empty()) {
    RenderError(InvalidArgumentError("missing ott").WithPublicMessage("missing ott"), r);
    return false;
  }
  return true;
}

namespace {

// Sign answers POST /sign without holding an I/O thread while the store commits: the checks
// and the signature run here, the response is written once the record is durable.
void Sign(std::shared_ptr<Authority> a, Request& req, http::Completion complete) {
  authority::SignRequest sr;
  Response parse_error;
  if (!ParseSignRequest(req.body, sr, parse_error)) {
    complete([err = std::move(parse_error)](Response& r) mutable { r = std::move(err); });
    return;
  }
  sr.request_id = req.request_id;
  Authority& authority = *a;
  authority.SignAsync(sr, [a = std::move(a), complete = std::move(complete)](
                              Result<authority::Issued> issued) mutable {
    // On the store's writer thread: hand the result over; the I/O thread renders it.
    auto result = std::make_shared<Result<authority::Issued>>(std::move(issued));
    complete([a = std::move(a), result](Response& r) {
      if (!result->ok()) return RenderError(result->status(), r);
      RenderIssued(*a, **result, r);
    });
  });
}

void Renew(Authority& a, Request& req, Response& r) {
  Result<authority::Issued> issued = InternalError("unreachable");
  if (!req.peer_chain_der.empty()) {
    issued = a.Renew(req.peer_chain_der);
  } else {
    std::string auth(req.Header("Authorization"));
    if (auth.size() > 7 && EqualsIgnoreCase(auth.substr(0, 7), "Bearer ")) {
      issued = a.RenewWithToken(Trim(std::string_view(auth).substr(7)));
    } else {
      return RenderError(InvalidArgumentError("missing client certificate")
                             .WithPublicMessage("missing client certificate"),
                         r);
    }
  }
  if (!issued.ok()) return RenderError(issued.status(), r);
  RenderIssued(a, *issued, r);
}

void Rekey(Authority& a, Request& req, Response& r) {
  if (req.peer_chain_der.empty()) {
    return RenderError(InvalidArgumentError("missing client certificate")
                           .WithPublicMessage("missing client certificate"),
                       r);
  }
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return RenderError(body.status(), r);
  auto csr = StringFieldChecked(*body, "csr");
  if (!csr.ok()) return RenderError(csr.status(), r);
  if (csr->empty()) {
    return RenderError(InvalidArgumentError("missing csr").WithPublicMessage("missing csr"), r);
  }
  auto issued = a.Rekey(req.peer_chain_der, *csr);
  if (!issued.ok()) return RenderError(issued.status(), r);
  RenderIssued(a, *issued, r);
}

void Revoke(Authority& a, Request& req, Response& r) {
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return RenderError(body.status(), r);
  authority::RevokeRequest rr;
  auto serial = StringFieldChecked(*body, "serial");
  auto ott = StringFieldChecked(*body, "ott");
  auto reason = StringFieldChecked(*body, "reason");
  for (const auto* v : {&serial, &ott, &reason}) {
    if (!v->ok()) return RenderError(v->status(), r);
  }
  rr.serial = *serial;
  rr.ott = *ott;
  rr.reason = *reason;
  if (auto it = body->find("reasonCode"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return RenderError(InvalidArgumentError("error reading request body: bad reasonCode"), r);
    }
    int64_t code = it->get<int64_t>();
    rr.reason_code = code < -1 || code > 1000 ? -1 : static_cast<int>(code);
  }
  if (auto it = body->find("passive"); it != body->end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return RenderError(InvalidArgumentError("error reading request body: bad passive"), r);
    }
    rr.passive = it->get<bool>();
  } else {
    rr.passive = false;
  }
  Status s = a.Revoke(rr, rr.ott.empty() ? req.peer_chain_der : std::vector<std::string>{});
  r.log_fields["serial"] = rr.serial;
  r.log_fields["reasonCode"] = rr.reason_code;
  r.log_fields["reason"] = rr.reason;
  r.log_fields["passiveOnly"] = rr.passive;
  r.log_fields["mTLS"] = rr.ott.empty();
  if (!s.ok()) return RenderError(s, r);
  r.SetJson(200, {{"status", "ok"}});
}

}  // namespace

void RegisterCaRoutes(http::Router& router, AuthoritySource source) {
  // Each handler takes the authority current when the request starts.
  auto with = [source](auto fn) {
    return [source, fn](Request& req, Response& resp) {
      std::shared_ptr<Authority> a = source();
      if (!a) return RenderStatus(503, resp);
      fn(*a, req, resp);
    };
  };
  for (std::string prefix : {"", "/1.0"}) {
    router.Handle("GET", prefix + "/health", Health);
    router.Handle("GET", prefix + "/version", Version);
    router.Handle("GET", prefix + "/root/{sha}", with(Root));
    router.Handle("GET", prefix + "/roots", with(Roots));
    router.Handle("GET", prefix + "/roots.pem", with(RootsPem));
    router.Handle("GET", prefix + "/intermediates", with(Intermediates));
    router.Handle("GET", prefix + "/intermediates.pem", with(IntermediatesPem));
    router.Handle("GET", prefix + "/federation", with(Federation));
    router.Handle("GET", prefix + "/provisioners", with(Provisioners));
    router.Handle("GET", prefix + "/provisioners/{kid}/encrypted-key", with(EncryptedKey));
    router.HandleAsync("POST", prefix + "/sign", [source](Request& req, http::Completion complete) {
      std::shared_ptr<Authority> a = source();
      if (!a) {
        return complete([](Response& r) { RenderStatus(503, r); });
      }
      Sign(std::move(a), req, std::move(complete));
    });
    router.Handle("POST", prefix + "/renew", with(Renew));
    router.Handle("POST", prefix + "/re-sign", with(Renew));
    router.Handle("POST", prefix + "/rekey", with(Rekey));
    router.Handle("POST", prefix + "/revoke", with(Revoke));
  }
}

}  // namespace cairn::api
