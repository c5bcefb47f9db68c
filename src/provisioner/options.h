#pragma once

// What every provisioner's `options` may say, whatever its type: the X.509 and SSH templates
// and their data, webhooks, inventory lookups, and (a Cairn extension of ca.json) a name
// policy of its own. Parsed once when the configuration loads, so that a broken template or
// policy fails the start (or the reload) with the file, line and reason.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/policy.h"
#include "templates/funcs.h"
#include "templates/template.h"
#include "webhook/webhook.h"

namespace cairn::provisioner {

// TemplateOptions are options.x509 or options.ssh: a custom template (`template`: inline JSON
// text or its base64; `templateFile`: a path, relative ones under $STEPPATH) and
// `templateData`, an object whose members become top-level template data.
struct TemplateOptions {
  // tmpl is the parsed custom template; nullopt means step's built-in one.
  std::optional<templates::Template> tmpl;
  // data is `templateData` (an object) or null.
  nlohmann::json data;
};

// InventoryRule makes some names conditional on an inventory item: when the certificate would
// carry a name matched by `names` (an allow-list in the policy format: dns, ip, email, uri,
// cn), the item must exist and its attribute `attribute` must equal `equals` (or, when the
// attribute is a list, contain it); without `equals` the attribute must be present and not
// false/empty.
struct InventoryRule {
  policy::X509Policy names;
  std::string attribute;
  std::optional<nlohmann::json> equals;
};

// InventoryLookup is one entry of options.inventories (a Cairn extension):
//   {"name": "people", "key": "{{ .Token.email }}", "required": true,
//    "rules": [{"names": {"dns": ["*.ops.example.com"]}, "attribute": "groups",
//               "equals": "ops"}]}
// `key` is a template over the X.509 template data (after enriching webhooks); its output,
// trimmed, is the item's key. The item's attributes become `.Inventory.<name>` in templates.
struct InventoryLookup {
  std::string inventory;
  std::string key_text;
  templates::Template key;
  // required refuses the request (403) when no item exists for the key.
  bool required = false;
  std::vector<InventoryRule> rules;
};

// Options are a provisioner's parsed options.
struct Options {
  TemplateOptions x509;
  TemplateOptions ssh;
  std::vector<webhook::Webhook> webhooks;
  std::vector<InventoryLookup> inventories;
  // policy is the provisioner's own name policy (`policy` on the provisioner object, in the
  // format of authority.policy). step-ca reads per-provisioner policies only from its admin
  // database; Cairn also reads them from ca.json.
  policy::Policies policy;

  // has_x509_work reports whether X.509 issuance needs more than step's default leaf template:
  // a custom template, a webhook for X.509, an inventory lookup or a policy.
  bool has_x509_work() const;
  // has_x509_webhooks reports whether a webhook applies to X.509 requests.
  bool has_x509_webhooks() const;
  // has_ssh_webhooks reports whether an enriching or authorizing webhook applies to SSH
  // requests.
  bool has_ssh_webhooks() const;
};

// ParseOptions reads `options` and `policy` of the provisioner object `raw` (named `name` in
// messages). `home` resolves relative templateFile paths. Fails with kInvalidArgument naming
// the provisioner and the field, and for templates the template name, line and reason; a
// missing templateFile is kInvalidArgument too.
// `funcs` is what templates may call (time and randomness come from it).
Result<std::shared_ptr<const Options>> ParseOptions(const nlohmann::ordered_json& raw,
                                                    const std::string& name,
                                                    const std::string& home,
                                                    const templates::FuncEnv& funcs);

// EmptyOptions returns the options of a provisioner without any.
std::shared_ptr<const Options> EmptyOptions();

}  // namespace cairn::provisioner
