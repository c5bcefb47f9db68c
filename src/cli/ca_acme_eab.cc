// `cairn ca acme eab add|list|remove`: the external account binding keys (RFC 8555 §7.3.4) of
// an ACME provisioner. An ACME client registers with a key id and its HMAC key; with
// "requireEAB" the provisioner accepts only accounts that do, and each key binds one account.
//
// step's open-source CA answers these with "not implemented"; Cairn keeps the keys in the CA's
// own database. The commands go through the CA's administration API (/admin/acme/eab, with an
// admin's x5c token) as step's do, or, with --offline or --ca-config, work directly on the
// database of a local ca.json (its `db`), also while cairn-ca runs.

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "cli/ca_admin_session.h"
#include "cli/ca_store.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "crypto/random.h"
#include "http/request.h"
#include "store/store.h"

namespace cairn::cli {
namespace {

// kHmacKeyBytes is the size of the HMAC keys made (256 bits, as step-ca makes them).
constexpr size_t kHmacKeyBytes = 32;
constexpr size_t kKeyIdLength = 32;

struct EabFlags {
  std::vector<std::string> args;
  std::string ca_config;
  bool offline = false;
  bool json = false;
  int limit = 0;
  bool no_pager = false;
  ClientFlags client;
  AdminFlags admin;

  // Offline reports whether the command works on a local database rather than the CA's API.
  bool Offline() const { return offline || !ca_config.empty(); }
};

// KeyFromJson reads a linkedca EABKey of the admin API.
Result<store::AcmeEabKeyRecord> KeyFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) {
    return InvalidArgumentError("the CA's EAB key answer is malformed");
  }
  store::AcmeEabKeyRecord k;
  k.id = j["id"].get<std::string>();
  k.provisioner = j.value("provisioner", "");
  k.reference = j.value("reference", "");
  k.account_id = j.value("account", "");
  if (auto h = j.find("hmacKey"); h != j.end() && h->is_string()) {
    CAIRN_ASSIGN_OR_RETURN(k.hmac_key, Base64Decode(h->get<std::string>()));
  }
  if (auto t = j.find("createdAt"); t != j.end() && t->is_string()) {
    CAIRN_ASSIGN_OR_RETURN(k.created_at, ParseRfc3339(t->get<std::string>()));
  }
  if (auto t = j.find("boundAt"); t != j.end() && t->is_string() && !k.account_id.empty()) {
    CAIRN_ASSIGN_OR_RETURN(k.bound_at, ParseRfc3339(t->get<std::string>()));
  }
  return k;
}

std::string EabPath(const std::string& provisioner) {
  return "/admin/acme/eab/" + http::PathEscape(provisioner);
}

nlohmann::json KeyJson(const store::AcmeEabKeyRecord& k, bool with_secret) {
  nlohmann::json j{{"id", k.id},
                   {"provisioner", k.provisioner},
                   {"reference", k.reference},
                   {"createdAt", FormatRfc3339(k.created_at)},
                   {"account", k.account_id}};
  if (k.bound_at != Time{}) j["boundAt"] = FormatRfc3339(k.bound_at);
  if (with_secret) j["hmacKey"] = Base64UrlEncode(k.hmac_key);
  return j;
}

void PrintTable(const std::vector<store::AcmeEabKeyRecord>& keys, bool with_secret) {
  std::printf("%-34s %-16s %-45s %-20s %-22s %s\n", "Key ID", "Provisioner",
              with_secret ? "Key (base64, raw url encoded)" : "Key", "Reference", "Created At",
              "Account");
  for (const auto& k : keys) {
    std::printf("%-34s %-16s %-45s %-20s %-22s %s\n", k.id.c_str(), k.provisioner.c_str(),
                with_secret ? Base64UrlEncode(k.hmac_key).c_str() : "*****", k.reference.c_str(),
                FormatRfc3339(k.created_at).c_str(),
                k.account_id.empty() ? "-" : k.account_id.c_str());
  }
}

Status Add(const EabFlags& f) {
  CAIRN_RETURN_IF_ERROR(
      tools::CheckArgs(f.args, 1, 2, "cairn ca acme eab add <provisioner> [<eab-key-reference>]"));
  auto print = [&](const store::AcmeEabKeyRecord& key) {
    if (f.json) {
      std::printf("%s\n", KeyJson(key, /*with_secret=*/true).dump(2).c_str());
    } else {
      PrintTable({key}, /*with_secret=*/true);
    }
  };
  if (!f.Offline()) {
    ClientFlags client = f.client;
    CAIRN_ASSIGN_OR_RETURN(auto session, AdminSession::Open(client, f.admin));
    nlohmann::json body{{"reference", f.args.size() == 2 ? f.args[1] : ""}};
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j,
                           session->Call("POST", EabPath(f.args[0]), body.dump()));
    CAIRN_ASSIGN_OR_RETURN(store::AcmeEabKeyRecord key, KeyFromJson(j));
    print(key);
    return Status();
  }
  store::AcmeEabKeyRecord key;
  key.provisioner = f.args[0];
  if (f.args.size() == 2) key.reference = f.args[1];
  auto& random = crypto::OsslRandom::Default();
  CAIRN_ASSIGN_OR_RETURN(key.id, random.Alphanumeric(kKeyIdLength));
  CAIRN_ASSIGN_OR_RETURN(key.hmac_key, random.Bytes(kHmacKeyBytes));
  return WithStore(f.ca_config, "ACME EAB keys", [&](store::Store& st) -> Status {
    Status s = st.CreateAcmeEabKey(key);
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("provisioner \"" + key.provisioner +
                                "\" already has an EAB key with reference \"" + key.reference +
                                "\"");
    }
    CAIRN_RETURN_IF_ERROR(s);
    auto stored = st.GetAcmeEabKey(key.provisioner, key.id);
    if (stored.ok() && stored->has_value()) key = **stored;
    print(key);
    return Status();
  });
}

Status List(const EabFlags& f) {
  CAIRN_RETURN_IF_ERROR(
      tools::CheckArgs(f.args, 1, 2, "cairn ca acme eab list <provisioner> [<eab-key-reference>]"));
  const std::string& provisioner = f.args[0];
  auto print = [&](const std::vector<store::AcmeEabKeyRecord>& keys) {
    if (f.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& k : keys) out.push_back(KeyJson(k, /*with_secret=*/false));
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      PrintTable(keys, /*with_secret=*/false);
    }
  };
  if (!f.Offline()) {
    ClientFlags client = f.client;
    CAIRN_ASSIGN_OR_RETURN(auto session, AdminSession::Open(client, f.admin));
    std::string path = EabPath(provisioner);
    if (f.args.size() == 2) path += "/" + http::PathEscape(f.args[1]);
    std::vector<store::AcmeEabKeyRecord> keys;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      std::string query = "?limit=100";
      if (!cursor.empty()) query += "&cursor=" + http::PathEscape(cursor);
      CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, session->Call("GET", path + query));
      if (!j.is_object() || !j.contains("eaks") || !j["eaks"].is_array()) {
        return InvalidArgumentError("the CA's EAB key list is malformed");
      }
      for (const auto& e : j["eaks"]) {
        CAIRN_ASSIGN_OR_RETURN(store::AcmeEabKeyRecord k, KeyFromJson(e));
        keys.push_back(std::move(k));
      }
      cursor = j.value("nextCursor", "");
      if (cursor.empty() || (f.limit > 0 && keys.size() >= static_cast<size_t>(f.limit))) break;
    }
    if (f.limit > 0 && keys.size() > static_cast<size_t>(f.limit)) keys.resize(f.limit);
    print(keys);
    return Status();
  }
  return WithStore(f.ca_config, "ACME EAB keys", [&](store::Store& st) -> Status {
    std::vector<store::AcmeEabKeyRecord> keys;
    std::string cursor;
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(auto page,
                             st.ListAcmeEabKeys(provisioner, cursor, store::kMaxListLimit));
      const bool last = page.size() < static_cast<size_t>(store::kMaxListLimit);
      if (!page.empty()) cursor = page.back().id;
      for (auto& k : page) {
        if (f.args.size() == 2 && k.reference != f.args[1]) continue;
        keys.push_back(std::move(k));
      }
      if (last || (f.limit > 0 && keys.size() >= static_cast<size_t>(f.limit))) break;
    }
    if (f.limit > 0 && keys.size() > static_cast<size_t>(f.limit)) keys.resize(f.limit);
    print(keys);
    return Status();
  });
}

Status Remove(const EabFlags& f) {
  CAIRN_RETURN_IF_ERROR(
      tools::CheckArgs(f.args, 2, 2, "cairn ca acme eab remove <provisioner> <key-id>"));
  if (!f.Offline()) {
    ClientFlags client = f.client;
    CAIRN_ASSIGN_OR_RETURN(auto session, AdminSession::Open(client, f.admin));
    CAIRN_RETURN_IF_ERROR(
        session->Call("DELETE", EabPath(f.args[0]) + "/" + http::PathEscape(f.args[1])).status());
    std::printf("Key was deleted successfully!\n");
    return Status();
  }
  return WithStore(f.ca_config, "ACME EAB keys", [&](store::Store& st) -> Status {
    Status s = st.DeleteAcmeEabKey(f.args[0], f.args[1]);
    if (s.code() == StatusCode::kNotFound) {
      return NotFoundError("provisioner \"" + f.args[0] + "\" has no EAB key \"" + f.args[1] +
                           "\"");
    }
    CAIRN_RETURN_IF_ERROR(s);
    std::printf("Key was deleted successfully!\n");
    return Status();
  });
}

void CommonFlags(CLI::App* cmd, EabFlags& f, const char* command) {
  f.client.command = command;
  AddAdminFlags(*cmd, f.admin, f.client);
  cmd->add_flag("--offline", f.offline,
                "Work on the database of the local ca.json instead of the CA's administration "
                "API.");
  cmd->add_option("--ca-config", f.ca_config,
                  "The certificate authority configuration <file> to use offline (implies "
                  "--offline). Defaults to $(cairn path)/config/ca.json");
}

}  // namespace

void RegisterCaAcmeCommands(CLI::App& ca, RunState& state) {
  CLI::App* acme = tools::AddCommand(
      ca, {.name = "acme",
           .summary = "manage ACME settings of the certificate authority",
           .usage = "cairn ca acme <subcommand> [arguments]",
           .description = "cairn ca acme manages what the CA's ACME provisioners need besides "
                          "ca.json."});
  acme->require_subcommand(1);
  CLI::App* eab = tools::AddCommand(
      *acme,
      {.name = "eab",
       .summary = "manage ACME External Account Binding keys",
       .usage = "cairn ca acme eab <subcommand> [arguments]",
       .description =
           "External Account Binding (RFC 8555 §7.3.4) ties an ACME account to a key the CA\n"
           "handed out: a key id and an HMAC key. A provisioner with \"requireEAB\": true\n"
           "accepts only accounts registered with one, and each key binds one account.\n\n"
           "The commands use the CA's administration API (ca.json: \"enableAdmin\": true) as\n"
           "an admin: --admin-cert/--admin-key, or a certificate obtained for --admin-subject\n"
           "from --admin-provisioner. With --offline (or --ca-config) they work on the CA's\n"
           "own database instead (the `db` of a local ca.json), also while cairn-ca runs."});
  eab->require_subcommand(1);

  auto add_flags = std::make_shared<EabFlags>();
  CLI::App* add = tools::AddCommand(
      *eab, {.name = "add",
             .summary = "add an ACME External Account Binding key",
             .usage = "cairn ca acme eab add <provisioner> [<eab-key-reference>] [--json]",
             .description = "cairn ca acme eab add makes a key for the ACME provisioner and "
                            "prints its key id and HMAC key\n(base64url): give both to the ACME "
                            "client (certbot --eab-kid/--eab-hmac-key, lego\n--eab --kid/--hmac). "
                            "The optional reference names the key; it is unique per provisioner.",
             .examples = "  $ cairn ca acme eab add acme\n\n  $ cairn ca acme eab add acme "
                         "customer-42 --json\n"});
  add->add_option("args", add_flags->args, "<provisioner> [<eab-key-reference>]");
  add->add_flag("--json", add_flags->json, "Print the key as JSON.");
  CommonFlags(add, *add_flags, "ca acme eab add");
  add->callback([&state, add_flags] { tools::Run(state, [&] { return Add(*add_flags); }); });

  auto list_flags = std::make_shared<EabFlags>();
  CLI::App* list = tools::AddCommand(
      *eab, {.name = "list",
             .summary = "list ACME External Account Binding keys",
             .usage = "cairn ca acme eab list <provisioner> [<eab-key-reference>] [--limit=<n>] "
                      "[--json]",
             .description = "cairn ca acme eab list prints the keys of the ACME provisioner "
                            "(without their HMAC keys), and\nthe account each is bound to.",
             .examples = "  $ cairn ca acme eab list acme\n"});
  list->add_option("args", list_flags->args, "<provisioner> [<eab-key-reference>]");
  list->add_flag("--json", list_flags->json, "Print the keys as JSON.");
  list->add_option("--limit", list_flags->limit, "Print at most <n> keys.");
  list->add_flag("--no-pager", list_flags->no_pager,
                 "Accepted for step compatibility; output is never paged.");
  CommonFlags(list, *list_flags, "ca acme eab list");
  list->callback([&state, list_flags] { tools::Run(state, [&] { return List(*list_flags); }); });

  auto remove_flags = std::make_shared<EabFlags>();
  CLI::App* remove = tools::AddCommand(
      *eab, {.name = "remove",
             .summary = "remove an ACME External Account Binding key",
             .usage = "cairn ca acme eab remove <provisioner> <key-id>",
             .description = "cairn ca acme eab remove deletes the key: no new account can bind "
                            "it. An account it\nalready bound keeps working.",
             .examples = "  $ cairn ca acme eab remove acme zFGdKC1sHmNf3Wsx3OujY808chxwEdmr\n"});
  remove->add_option("args", remove_flags->args, "<provisioner> <key-id>");
  CommonFlags(remove, *remove_flags, "ca acme eab remove");
  remove->callback(
      [&state, remove_flags] { tools::Run(state, [&] { return Remove(*remove_flags); }); });
}

}  // namespace cairn::cli
