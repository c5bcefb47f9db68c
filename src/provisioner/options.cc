#include "provisioner/options.h"

#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "config/config.h"

namespace cairn::provisioner {
namespace {

constexpr size_t kMaxTemplateBytes = 1 << 20;
constexpr size_t kMaxInventoryLookups = 16;
constexpr size_t kMaxInventoryRules = 64;

Status Bad(const std::string& name, const std::string& field, const std::string& why) {
  return InvalidArgumentError("provisioner \"" + name + "\": " + field + ": " + why);
}

// ReadTemplateOptions parses options.<kind> ("x509" or "ssh").
Result<TemplateOptions> ReadTemplateOptions(const nlohmann::ordered_json& opts, const char* kind,
                                            const std::string& name, const std::string& home,
                                            const templates::FuncMap& funcs) {
  TemplateOptions out;
  auto it = opts.find(kind);
  if (it == opts.end() || it->is_null()) return out;
  const std::string field = std::string("options.") + kind;
  if (!it->is_object()) return Bad(name, field, "must be an object");
  std::string text;
  std::string tmpl_name;
  if (auto t = it->find("template"); t != it->end() && !t->is_null()) {
    if (!t->is_string()) return Bad(name, field + ".template", "must be a string");
    text = t->get<std::string>();
    // Inline JSON text, or the template in base64 (what `step ca provisioner --x509-template`
    // stores).
    std::string_view trimmed = Trim(text);
    if (!trimmed.empty() && trimmed.front() != '{') {
      auto decoded = Base64Decode(trimmed);
      if (!decoded.ok()) {
        return Bad(name, field + ".template", "neither a JSON template nor base64");
      }
      text = std::move(decoded).value();
    }
    tmpl_name = name + ".x509";
    if (std::string_view(kind) == "ssh") tmpl_name = name + ".ssh";
  } else if (auto f = it->find("templateFile"); f != it->end() && !f->is_null()) {
    if (!f->is_string() || f->get<std::string>().empty()) {
      return Bad(name, field + ".templateFile", "must be a path");
    }
    tmpl_name = config::ResolvePath(home, f->get<std::string>());
    auto content = ReadFile(tmpl_name, kMaxTemplateBytes);
    if (!content.ok()) {
      return Bad(name, field + ".templateFile", content.status().message());
    }
    text = std::move(content).value();
  }
  if (!tmpl_name.empty()) {
    auto parsed = templates::Template::Parse(tmpl_name, text, funcs);
    if (!parsed.ok()) return Bad(name, field, parsed.status().message());
    out.tmpl = std::move(parsed).value();
  }
  if (auto d = it->find("templateData"); d != it->end() && !d->is_null()) {
    if (!d->is_object()) return Bad(name, field + ".templateData", "must be an object");
    out.data = nlohmann::json::parse(d->dump());
  }
  return out;
}

Result<std::vector<InventoryLookup>> ReadInventories(const nlohmann::ordered_json& opts,
                                                     const std::string& name,
                                                     const templates::FuncMap& funcs) {
  std::vector<InventoryLookup> out;
  auto it = opts.find("inventories");
  if (it == opts.end() || it->is_null()) return out;
  if (!it->is_array()) return Bad(name, "options.inventories", "must be an array");
  if (it->size() > kMaxInventoryLookups) {
    return Bad(name, "options.inventories", "more than 16 lookups");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& e = (*it)[i];
    const std::string field = "options.inventories[" + std::to_string(i) + "]";
    if (!e.is_object()) return Bad(name, field, "must be an object");
    InventoryLookup l;
    auto inv = e.find("name");
    if (inv == e.end() || !inv->is_string() || inv->get<std::string>().empty()) {
      return Bad(name, field + ".name", "must name an inventory");
    }
    l.inventory = inv->get<std::string>();
    auto key = e.find("key");
    if (key == e.end() || !key->is_string() || key->get<std::string>().empty()) {
      return Bad(name, field + ".key", "must be a template such as \"{{ .Token.sub }}\"");
    }
    l.key_text = key->get<std::string>();
    auto parsed =
        templates::Template::Parse(name + ".inventories." + l.inventory, l.key_text, funcs);
    if (!parsed.ok()) return Bad(name, field + ".key", parsed.status().message());
    l.key = std::move(parsed).value();
    if (auto r = e.find("required"); r != e.end() && !r->is_null()) {
      if (!r->is_boolean()) return Bad(name, field + ".required", "must be a boolean");
      l.required = r->get<bool>();
    }
    if (auto rules = e.find("rules"); rules != e.end() && !rules->is_null()) {
      if (!rules->is_array() || rules->size() > kMaxInventoryRules) {
        return Bad(name, field + ".rules", "must be an array of at most 64 rules");
      }
      for (size_t j = 0; j < rules->size(); ++j) {
        const auto& r = (*rules)[j];
        const std::string rf = field + ".rules[" + std::to_string(j) + "]";
        if (!r.is_object()) return Bad(name, rf, "must be an object");
        InventoryRule rule;
        auto names = r.find("names");
        if (names == r.end() || !names->is_object() || names->empty()) {
          return Bad(name, rf + ".names",
                     "must be an object such as {\"dns\": [\"*.example.com\"]}");
        }
        auto pol = policy::X509Policy::FromJson(
            nlohmann::json{{"allow", nlohmann::json::parse(names->dump())}});
        if (!pol.ok()) return Bad(name, rf + ".names", pol.status().message());
        rule.names = std::move(pol).value();
        auto attr = r.find("attribute");
        if (attr == r.end() || !attr->is_string() || attr->get<std::string>().empty()) {
          return Bad(name, rf + ".attribute", "must name an attribute");
        }
        rule.attribute = attr->get<std::string>();
        if (auto eq = r.find("equals"); eq != r.end())
          rule.equals = nlohmann::json::parse(eq->dump());
        l.rules.push_back(std::move(rule));
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

bool Options::has_x509_webhooks() const {
  for (const webhook::Webhook& w : webhooks) {
    if (w.cert_type != webhook::CertType::kSsh &&
        (w.kind == webhook::Kind::kEnriching || w.kind == webhook::Kind::kAuthorizing)) {
      return true;
    }
  }
  return false;
}

bool Options::has_ssh_webhooks() const {
  for (const webhook::Webhook& w : webhooks) {
    if (w.cert_type != webhook::CertType::kX509 &&
        (w.kind == webhook::Kind::kEnriching || w.kind == webhook::Kind::kAuthorizing)) {
      return true;
    }
  }
  return false;
}

bool Options::has_x509_work() const {
  return x509.tmpl.has_value() || has_x509_webhooks() || !inventories.empty() ||
         !policy.x509.empty();
}

std::shared_ptr<const Options> EmptyOptions() {
  static const auto* empty = new std::shared_ptr<const Options>(std::make_shared<Options>());
  return *empty;
}

Result<std::shared_ptr<const Options>> ParseOptions(const nlohmann::ordered_json& raw,
                                                    const std::string& name,
                                                    const std::string& home,
                                                    const templates::FuncEnv& env) {
  auto out = std::make_shared<Options>();
  if (auto pol = raw.find("policy"); pol != raw.end() && !pol->is_null()) {
    auto parsed = policy::Policies::FromJson(nlohmann::json::parse(pol->dump()));
    if (!parsed.ok()) return Bad(name, "policy", parsed.status().message());
    out->policy = std::move(parsed).value();
  }
  auto it = raw.find("options");
  if (it == raw.end() || it->is_null()) return std::shared_ptr<const Options>(std::move(out));
  if (!it->is_object()) return Bad(name, "options", "must be an object");
  const templates::FuncMap x509_funcs = templates::X509FuncMap(env);
  const templates::FuncMap step_funcs = templates::StepFuncMap(env);
  CAIRN_ASSIGN_OR_RETURN(out->x509, ReadTemplateOptions(*it, "x509", name, home, x509_funcs));
  CAIRN_ASSIGN_OR_RETURN(out->ssh, ReadTemplateOptions(*it, "ssh", name, home, step_funcs));
  if (auto w = it->find("webhooks"); w != it->end()) {
    auto hooks = webhook::ParseWebhooks(nlohmann::json::parse(w->dump()));
    if (!hooks.ok()) return Bad(name, "options.webhooks", hooks.status().message());
    out->webhooks = std::move(hooks).value();
  }
  CAIRN_ASSIGN_OR_RETURN(out->inventories, ReadInventories(*it, name, x509_funcs));
  return std::shared_ptr<const Options>(std::move(out));
}

}  // namespace cairn::provisioner
