// The provisioner's pipeline for X.509 issuance, when it has more than step's default leaf
// template (stepca.md §3.3, §3.4, §6): enriching webhooks, inventory lookups, its template,
// name policies (authority-wide and its own), inventory rules, authorizing webhooks. step-ca's
// order (authority/tls.go Sign): enrich, render, default subject, validate, policy, authorize.

#include <algorithm>

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "base/strings.h"
#include "templates/template.h"
#include "templates/x509_data.h"
#include "templates/x509_template.h"

namespace cairn::authority {
namespace {

using internal::ApplyDefaultSubject;
using internal::BadRequest;
using internal::Forbidden;

// kMaxInventoryKey bounds a rendered inventory key.
constexpr size_t kMaxInventoryKey = 1024;

templates::Value* MapEntry(templates::Map& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

// NamesOf lists the names a certificate would carry, for the name policies.
policy::X509Names NamesOf(const pki::CertificateTemplate& tmpl) {
  policy::X509Names names;
  names.common_name = tmpl.subject.common_name;
  names.dns = tmpl.sans.dns;
  names.ips = tmpl.sans.ips;
  names.emails = tmpl.sans.emails;
  names.uris = tmpl.sans.uris;
  return names;
}

// AttributeSatisfies reports whether inventory attribute `v` meets a rule's `equals` (equal,
// or contained when `v` is a list); without `equals`, whether it is present and not
// false/null/empty.
bool AttributeSatisfies(const nlohmann::json* v, const std::optional<nlohmann::json>& equals) {
  if (v == nullptr || v->is_null()) return false;
  if (!equals.has_value()) {
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_string() || v->is_array() || v->is_object()) return !v->empty();
    return true;
  }
  if (*v == *equals) return true;
  if (v->is_array()) return std::find(v->begin(), v->end(), *equals) != v->end();
  return false;
}

}  // namespace

void Authority::SetWebhookCredentials(const ServerCredentials& creds) {
  webhook::ClientOptions o;
  for (const pki::Certificate& r : roots_) o.trust_pem += r.pem();
  o.client_cert_pem = creds.chain_pem;
  o.client_key_pem = creds.key_pem;
  o.clock = &env_.clock;
  auto client = std::make_shared<const webhook::Client>(std::move(o));
  std::lock_guard<std::mutex> lock(webhook_mu_);
  webhook_client_ = std::move(client);
}

Status Authority::CallWebhooks(webhook::Kind kind, webhook::CertType type,
                               const provisioner::Provisioner& p, nlohmann::ordered_json payload,
                               const std::string& request_id, templates::Map& data) const {
  std::shared_ptr<const webhook::Client> client;
  for (const webhook::Webhook& w : p.options().webhooks) {
    if (!webhook::AppliesTo(w, kind, type)) continue;
    if (client == nullptr) {
      std::lock_guard<std::mutex> lock(webhook_mu_);
      client = webhook_client_;
      if (client == nullptr) {
        // No TLS identity yet (an authority used without a server): trust the roots only.
        webhook::ClientOptions o;
        for (const pki::Certificate& r : roots_) o.trust_pem += r.pem();
        o.clock = &env_.clock;
        client = std::make_shared<const webhook::Client>(std::move(o));
      }
    }
    // The url is itself a template over the template data (step-ca's Webhook.DoWithContext).
    auto url_tmpl = templates::Template::Parse("url", w.url, templates::StepFuncMap({}));
    if (!url_tmpl.ok()) return url_tmpl.status();
    auto url = url_tmpl->Execute(templates::Value::MakeMap(data));
    if (!url.ok()) return url.status();
    auto resp = client->Call(w, *url, payload, request_id);
    if (!resp.ok()) {
      env_.log.Warn(
          "webhook failed",
          {{"provisioner", p.name()}, {"webhook", w.name}, {"error", resp.status().message()}});
      return Forbidden(resp.status().message());
    }
    if (!resp->allow) {
      // step-ca answers 403 with the webhook's own error message, or ErrWebhookDenied's.
      std::string why = resp->error_message.empty() ? "webhook server did not allow request"
                                                    : resp->error_message;
      return PermissionDeniedError("webhook " + w.name + ": " + why).WithExactPublicMessage(why);
    }
    if (kind == webhook::Kind::kEnriching) {
      templates::Value* hooks = MapEntry(data, "Webhooks");
      if (hooks == nullptr || hooks->kind() != templates::Value::Kind::kMap) {
        data["Webhooks"] = templates::Value::MakeMap({});
        hooks = MapEntry(data, "Webhooks");
      }
      hooks->mutable_map()[w.name] = templates::Value::FromJson(resp->data);
    }
  }
  return Status();
}

Result<pki::CertificateTemplate> Authority::CustomTemplate(const SignRequest& request,
                                                           Prepared& prepared,
                                                           templates::Map& data) const {
  const provisioner::Provisioner& p = *prepared.provisioner;
  const provisioner::Options& opts = p.options();
  const provisioner::SignPlan& plan = prepared.plan;
  const pki::CertificateRequest& csr = *prepared.csr;
  CAIRN_RETURN_IF_ERROR(CheckCsr(plan, csr));

  // Template data (x509util.TemplateData): provisioner templateData at the top level, then
  // Subject, SANs, Token, Insecure.CR (and Insecure.User with a custom template).
  if (opts.x509.data.is_object()) {
    for (const auto& [k, v] : opts.x509.data.items()) data[k] = templates::Value::FromJson(v);
  }
  pki::Name subject;
  subject.common_name = plan.subject;
  data["Subject"] = templates::SubjectValue(subject);
  data["SANs"] = templates::SansValue(plan.sans);
  data["Token"] = templates::Value::FromJson(plan.token_claims);
  templates::Map insecure;
  insecure["CR"] = templates::CertificateRequestValue(csr);
  if (opts.x509.tmpl.has_value()) {
    insecure["User"] = request.template_data.is_object()
                           ? templates::Value::FromJson(request.template_data)
                           : templates::Value::MakeMap({});
  }
  data["Insecure"] = templates::Value::MakeMap(std::move(insecure));

  // Enriching webhooks see the CSR; their data becomes .Webhooks.<name>.
  if (opts.has_x509_webhooks()) {
    nlohmann::ordered_json payload;
    payload["provisionerName"] = p.name();
    payload["x509CertificateRequest"] = templates::CertificateRequestJson(csr);
    CAIRN_RETURN_IF_ERROR(CallWebhooks(webhook::Kind::kEnriching, webhook::CertType::kX509, p,
                                       std::move(payload), request.request_id, data));
  }

  // Inventories: the item found for each lookup is .Inventory.<name>.
  std::map<std::string, nlohmann::json> items;  // inventory name -> the item's attributes
  if (!opts.inventories.empty()) {
    templates::Map inventory;
    for (const provisioner::InventoryLookup& l : opts.inventories) {
      auto key = l.key.Execute(templates::Value::MakeMap(data));
      if (!key.ok()) {
        if (templates::IsFailError(key.status())) {
          return key.status().WithExactPublicMessage(key.status().public_message());
        }
        return InternalError("inventory " + l.inventory + " key: " + key.status().message())
            .WithPublicMessage("error applying inventory lookup");
      }
      std::string k(Trim(*key));
      if (k == "<no value>") k.clear();
      templates::Value item;
      if (!k.empty() && k.size() <= kMaxInventoryKey) {
        CAIRN_ASSIGN_OR_RETURN(auto found, env_.store.GetInventoryItem(l.inventory, k));
        if (found.has_value()) {
          item = templates::Value::FromJson(found->attributes);
          items[l.inventory] = std::move(found->attributes);
        }
      }
      if (item.is_nil() && l.required) {
        return Forbidden("no item \"" + k + "\" in inventory \"" + l.inventory + "\"");
      }
      inventory[l.inventory] = std::move(item);
    }
    data["Inventory"] = templates::Value::MakeMap(std::move(inventory));
  }

  pki::CertificateTemplate tmpl;
  if (opts.x509.tmpl.has_value()) {
    auto rendered = opts.x509.tmpl->Execute(templates::Value::MakeMap(data));
    if (!rendered.ok()) {
      // `fail` in a template is the author's answer to the user: 400 with its message.
      if (templates::IsFailError(rendered.status())) {
        return rendered.status().WithExactPublicMessage(rendered.status().public_message());
      }
      env_.log.Warn("template failed",
                    {{"provisioner", p.name()}, {"error", rendered.status().message()}});
      return InternalError(rendered.status().message())
          .WithPublicMessage("error applying certificate template");
    }
    auto parsed = templates::ParseCertificateJson(*rendered);
    if (!parsed.ok()) {
      env_.log.Warn("template output rejected",
                    {{"provisioner", p.name()}, {"error", parsed.status().message()}});
      return InternalError(parsed.status().message())
          .WithPublicMessage("error applying certificate template: " + parsed.status().message());
    }
    tmpl = std::move(parsed->tmpl);
    if (!parsed->has_not_before || !parsed->has_not_after) {
      pki::CertificateTemplate validity;
      DefaultValidity(plan, prepared.not_before, prepared.not_after, validity);
      if (!parsed->has_not_before) tmpl.not_before = validity.not_before;
      if (!parsed->has_not_after) tmpl.not_after = validity.not_after;
    }
  } else {
    // Step's default leaf template, built directly (the same certificate it renders).
    tmpl.subject.common_name = plan.subject;
    tmpl.sans = pki::SplitSans(plan.sans);
    tmpl.key_usage = pki::kDigitalSignature;
    if (csr.public_key().type() == crypto::KeyType::kRsa) tmpl.key_usage |= pki::kKeyEncipherment;
    tmpl.ext_key_usage = {"serverAuth", "clientAuth"};
    DefaultValidity(plan, prepared.not_before, prepared.not_after, tmpl);
  }
  ApplyDefaultSubject(config_.authority_template, tmpl.subject);
  CAIRN_RETURN_IF_ERROR(FinalizeTemplate(plan, tmpl));
  CAIRN_RETURN_IF_ERROR(CheckNames(tmpl, opts, items));

  // Authorizing webhooks see the certificate about to be signed.
  if (opts.has_x509_webhooks()) {
    nlohmann::ordered_json payload;
    payload["provisionerName"] = p.name();
    payload["x509Certificate"] = templates::CertificateJson(tmpl, csr.public_key());
    CAIRN_RETURN_IF_ERROR(CallWebhooks(webhook::Kind::kAuthorizing, webhook::CertType::kX509, p,
                                       std::move(payload), request.request_id, data));
  }
  return tmpl;
}

Status Authority::CheckNames(const pki::CertificateTemplate& tmpl, const provisioner::Options& opts,
                             const std::map<std::string, nlohmann::json>& items) const {
  bool inventory_rules = false;
  for (const provisioner::InventoryLookup& l : opts.inventories) {
    inventory_rules = inventory_rules || !l.rules.empty();
  }
  const bool checked = !policy_.x509.empty() || !opts.policy.x509.empty() || inventory_rules;
  if (!checked) return Status();
  // A template may write the subjectAltName extension itself; its names would then escape the
  // checks below, which read the template's SAN fields. Refuse it where names are checked.
  for (const pki::Extension& e : tmpl.extra_extensions) {
    if (e.oid == pki::kOidSubjectAltName) {
      return Forbidden(
          "the certificate template sets the subjectAltName extension directly, which a name "
          "policy or inventory rule does not allow");
    }
  }
  const policy::X509Names names = NamesOf(tmpl);
  if (Status s = policy_.x509.Check(names); !s.ok()) return s;
  if (Status s = opts.policy.x509.Check(names); !s.ok()) return s;
  // Inventory rules: a name a rule governs needs the item's attribute.
  for (const provisioner::InventoryLookup& l : opts.inventories) {
    auto item = items.find(l.inventory);
    const nlohmann::json* attributes = item == items.end() ? nullptr : &item->second;
    for (const provisioner::InventoryRule& rule : l.rules) {
      auto check_one = [&](policy::X509Names one, const std::string& name) -> Status {
        if (!rule.names.Check(one).ok()) return Status();  // not a name this rule governs
        const nlohmann::json* v = nullptr;
        if (attributes != nullptr && attributes->is_object()) {
          auto a = attributes->find(rule.attribute);
          if (a != attributes->end()) v = &*a;
        }
        if (AttributeSatisfies(v, rule.equals)) return Status();
        std::string want = rule.attribute;
        if (rule.equals.has_value()) want += "=" + rule.equals->dump();
        return Forbidden("name \"" + name + "\" requires an item of inventory \"" + l.inventory +
                         "\" with " + want);
      };
      for (const std::string& n : names.dns) CAIRN_RETURN_IF_ERROR(check_one({.dns = {n}}, n));
      for (const std::string& n : names.ips) CAIRN_RETURN_IF_ERROR(check_one({.ips = {n}}, n));
      for (const std::string& n : names.emails) {
        CAIRN_RETURN_IF_ERROR(check_one({.emails = {n}}, n));
      }
      for (const std::string& n : names.uris) CAIRN_RETURN_IF_ERROR(check_one({.uris = {n}}, n));
    }
  }
  return Status();
}

}  // namespace cairn::authority
