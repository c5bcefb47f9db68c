// ca.json and defaults.json (config/): every input is tried as both.
//  - parse -> save -> parse is stable: the saved text parses to the same document and the same
//    typed fields, saves to the same bytes, and Validate answers the same for both;
//  - provisioner edits (what `cairn ca provisioner add/update/remove` and the admin API do):
//    a rejected edit leaves the config exactly as it was (same saved bytes); an accepted one
//    gives a config whose saved form parses back to itself. The edits come from the input:
//    re-adding every provisioner (must fail: the name exists), the top-level members
//    "fuzzAdd" (added) and "fuzzPatch" (merged into each provisioner), and removing each;
//  - defaults.json: parse -> save -> parse gives the same fields and the same bytes.
// Unknown members are kept by design, so "fuzzAdd"/"fuzzPatch" stay in the document too.

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/defaults.h"
#include "fuzz/fuzz.h"

namespace {

namespace config = cairn::config;
using OJson = nlohmann::ordered_json;

// AllFinite reports whether every number in `j` is finite: JSON text cannot carry an infinity
// (nlohmann reads 1e400 as one and writes it back as null).
bool AllFinite(const OJson& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>());
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (!AllFinite(v)) return false;
    }
  }
  return true;
}

// Typed renders the typed view of a config, for comparing two parses.
std::string Typed(const config::CaConfig& c) {
  std::ostringstream o;
  auto list = [&](const std::vector<std::string>& v) {
    o << '[';
    for (const auto& s : v) o << s.size() << ':' << s << ',';
    o << ']';
  };
  list(c.roots);
  list(c.federated_roots);
  o << c.crt << '|' << c.key << '|' << c.address << '|' << c.insecure_address << '|'
    << c.metrics_address << '|';
  list(c.dns_names);
  o << c.common_name << '|' << c.password << '|' << c.authority_type << '|' << c.backdate.count()
    << c.disable_issued_at_check << c.disable_get_ssh_hosts << c.enable_admin << '|';
  if (c.db) o << "db:" << c.db->type << ',' << c.db->data_source << ',' << c.db->database;
  if (c.logger) o << "log:" << c.logger->format << ',' << c.logger->trace_header;
  list(c.tls.cipher_suites);
  o << c.tls.min_version << ',' << c.tls.max_version << ',' << c.tls.renegotiation << '|';
  o << c.crl.enabled << c.crl.generate_on_revoke << c.crl.cache_duration.count() << ','
    << c.crl.renew_period.count() << c.crl.idp_url << c.crl.delta << '|';
  o << c.ocsp.enabled << c.ocsp.path << c.ocsp.lifetime.count() << c.ocsp.delegated
    << c.ocsp.responder_lifetime.count() << ',' << c.ocsp.cache_size << c.ocsp.url << '|';
  if (c.ssh) {
    o << "ssh:" << c.ssh->host_key << ',' << c.ssh->user_key << ',' << c.ssh->keys.size() << ','
      << c.ssh->add_user_principal << ',' << c.ssh->add_user_command << ','
      << c.ssh->bastion.dump();
    for (const auto& k : c.ssh->keys) o << k.type << k.federated << k.key.dump();
  }
  o << "tpl:" << c.templates.ssh_user.size() << ',' << c.templates.ssh_host.size() << ','
    << c.templates.data.dump() << '|' << c.authority_template.dump() << '|';
  for (const auto& p : c.provisioners) o << "p:" << p.type << ',' << p.name << ';';
  return o.str();
}

// CheckStable checks that `c` (already parsed) saves to text that parses back to itself.
void CheckStable(const config::CaConfig& c) {
  const std::string saved = config::SerializeCaConfig(c);
  auto again = config::ParseCaConfig(saved, c.path);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->raw == c.raw);
  FUZZ_CHECK(Typed(*again) == Typed(c));
  FUZZ_CHECK(config::SerializeCaConfig(*again) == saved);
  cairn::Status v1 = config::Validate(c);
  cairn::Status v2 = config::Validate(*again);
  FUZZ_CHECK(v1.code() == v2.code() && v1.message() == v2.message());
}

// CheckEdit runs `edit` on a copy of `c`: on failure the copy must be unchanged, on success
// the result must be stable.
template <typename Edit>
void CheckEdit(const config::CaConfig& c, const std::string& saved, Edit edit) {
  config::CaConfig copy = c;
  cairn::Status s = edit(copy);
  if (!s.ok()) {
    FUZZ_CHECK(config::SerializeCaConfig(copy) == saved);
    FUZZ_CHECK(Typed(copy) == Typed(c));
    return;
  }
  CheckStable(copy);
}

void CheckCaConfig(std::string_view in) {
  auto c = config::ParseCaConfig(in, "ca.json");
  auto twice = config::ParseCaConfig(in, "ca.json");
  FUZZ_CHECK(c.ok() == twice.ok());
  if (!c.ok()) {
    FUZZ_CHECK(c.status().code() == twice.status().code());
    FUZZ_CHECK(c.status().message() == twice.status().message());
    return;
  }
  if (!AllFinite(c->raw)) return;
  CheckStable(*c);
  const std::string saved = config::SerializeCaConfig(*c);

  for (const auto& p : c->provisioners) {
    // Adding a provisioner whose name exists must fail and change nothing.
    CheckEdit(*c, saved, [&](config::CaConfig& x) {
      cairn::Status s = x.AddProvisioner(p.raw);
      FUZZ_CHECK(!s.ok());
      return s;
    });
    CheckEdit(*c, saved, [&](config::CaConfig& x) {
      cairn::Status s = x.RemoveProvisioner(p.name);
      if (s.ok()) FUZZ_CHECK(x.provisioners.size() + 1 == c->provisioners.size());
      return s;
    });
  }
  const OJson* add =
      c->raw.is_object() && c->raw.contains("fuzzAdd") ? &c->raw["fuzzAdd"] : nullptr;
  if (add != nullptr) {
    CheckEdit(*c, saved, [&](config::CaConfig& x) {
      cairn::Status s = x.AddProvisioner(*add);
      if (s.ok()) FUZZ_CHECK(x.provisioners.size() == c->provisioners.size() + 1);
      return s;
    });
  }
  const OJson* patch =
      c->raw.is_object() && c->raw.contains("fuzzPatch") ? &c->raw["fuzzPatch"] : nullptr;
  if (patch != nullptr) {
    for (const auto& p : c->provisioners) {
      CheckEdit(*c, saved, [&](config::CaConfig& x) {
        cairn::Status s = x.UpdateProvisioner(p.name, *patch);
        if (s.ok()) FUZZ_CHECK(x.provisioners.size() == c->provisioners.size());
        return s;
      });
    }
  }
}

void CheckDefaults(std::string_view in) {
  auto d = config::ParseDefaults(in, "defaults.json");
  if (!d.ok()) {
    FUZZ_CHECK(d.status().code() == cairn::StatusCode::kInvalidArgument);
    return;
  }
  if (!AllFinite(d->raw)) return;
  const std::string saved = config::SerializeDefaults(*d);
  auto again = config::ParseDefaults(saved, "defaults.json");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ca_url == d->ca_url && again->ca_config == d->ca_config &&
             again->fingerprint == d->fingerprint && again->root == d->root);
  FUZZ_CHECK(config::SerializeDefaults(*again) == saved);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckCaConfig(in);
  CheckDefaults(in);
  return 0;
}
