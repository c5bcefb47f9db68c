// `cairn inventory add|remove|list|import|export`: the CA's inventories, named catalogs of items
// keyed by an identifier, each with JSON attributes the CA consults while issuing (e.g.
// inventory "people": alice@example.com -> {"posixUser": "alice", "groups": ["ops"]}).
//
// The commands work offline on the CA's own database: they read ca.json (--ca-config, default
// $(cairn path)/config/ca.json) and open its `db` the way cairn-ca does. SQLite in WAL mode lets
// them run while the server is up; what they write is visible to the server's next lookup.

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "authority/open_store.h"
#include "base/file.h"
#include "base/json_depth.h"
#include "base/strings.h"
#include "cli/ca_store.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "config/config.h"
#include "config/home.h"
#include "store/store.h"

namespace cairn::cli {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// kMaxImportFile bounds an import file (standard input: tools::kMaxInputSize).
constexpr size_t kMaxImportFile = 64 << 20;
// kMaxDocumentDepth bounds the nesting of an import document: an array of {"key", "attributes"}
// adds two levels above the attributes' own kMaxInventoryAttributesDepth.
constexpr int kMaxDocumentDepth = store::kMaxInventoryAttributesDepth + 2;
// kMaxCellDepth: a cell or --set value nested deeper than this is taken as a plain string
// (deeper JSON would be rejected by the store anyway); export applies the same rule.
constexpr int kMaxCellDepth = 64;

struct InventoryFlags {
  std::vector<std::string> args;
  std::string ca_config;
  std::string attributes;
  std::vector<std::string> set;
  bool json = false;
  std::string format;
  bool replace = false;
  std::string output;
  bool force = false;
};

// ListAll returns every item of `inventory`, page by page.
Result<std::vector<store::InventoryItem>> ListAll(store::Store& st, std::string_view inventory) {
  std::vector<store::InventoryItem> all;
  std::string cursor;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(auto page,
                           st.ListInventoryItems(inventory, cursor, store::kMaxListLimit));
    const bool last = page.size() < static_cast<size_t>(store::kMaxListLimit);
    if (!page.empty()) cursor = page.back().key;
    for (auto& item : page) all.push_back(std::move(item));
    if (last) return all;
  }
}

// ---------------------------------------------------------------------------------------------
// Values.

// CellJson returns `text` parsed as JSON when it is JSON (nested at most kMaxCellDepth deep),
// nullopt otherwise. It decides how CSV cells and --set values are read, and, on export, which
// strings must be written JSON-quoted to read back as strings.
std::optional<Json> CellJson(std::string_view text) {
  if (JsonNestingDepth(text) > kMaxCellDepth) return std::nullopt;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// CellValue reads a CSV cell or a --set value: JSON when it parses, else the text as a string.
Json CellValue(std::string_view text) {
  if (auto j = CellJson(text)) return *std::move(j);
  return Json(std::string(text));
}

// CellText is CellValue's inverse for export.
std::string CellText(const Json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return s.empty() || CellJson(s) ? v.dump() : s;
  }
  return v.dump();
}

// JsonError turns a parse exception's message into ours (without the library's "[json.
// exception.parse_error.101]" prefix).
std::string JsonError(const std::exception& e) {
  std::string msg = e.what();
  if (msg.starts_with("[json.exception.")) {
    size_t end = msg.find("] ");
    if (end != std::string::npos) msg = msg.substr(end + 2);
  }
  return msg;
}

Result<Json> ParseAttributesFlag(const std::string& text) {
  if (JsonNestingDepth(text) > store::kMaxInventoryAttributesDepth) {
    return InvalidArgumentError("invalid value for flag '--attributes': nested deeper than " +
                                std::to_string(store::kMaxInventoryAttributesDepth) + " levels");
  }
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    return InvalidArgumentError("invalid value for flag '--attributes': " + JsonError(e));
  }
  if (!j.is_object()) {
    return InvalidArgumentError("invalid value for flag '--attributes': expected a JSON object");
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Import formats.

std::string ShortKey(std::string_view key) {
  return key.size() > 64 ? std::string(key.substr(0, 64)) + "..." : std::string(key);
}

// ParseJsonImport reads either an object {key: {attributes}} or an array of
// {"key": "...", "attributes": {...}} ("attributes" optional).
Result<std::vector<store::InventoryItem>> ParseJsonImport(std::string_view inventory,
                                                          std::string_view data) {
  if (JsonNestingDepth(data) > kMaxDocumentDepth) {
    return InvalidArgumentError("JSON is nested deeper than " + std::to_string(kMaxDocumentDepth) +
                                " levels");
  }
  // The parser keeps the last of duplicate members silently; an import must not.
  std::set<std::string> top_keys;
  std::string duplicate;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && duplicate.empty() &&
        !top_keys.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(data, callback);
  } catch (const Json::exception& e) {
    return InvalidArgumentError("invalid JSON: " + JsonError(e));
  }
  if (!duplicate.empty()) {
    return InvalidArgumentError("key \"" + ShortKey(duplicate) + "\" appears more than once");
  }
  std::vector<store::InventoryItem> items;
  auto add = [&](std::string key, Json attributes) {
    store::InventoryItem item;
    item.inventory = std::string(inventory);
    item.key = std::move(key);
    item.attributes = std::move(attributes);
    items.push_back(std::move(item));
  };
  if (doc.is_object()) {
    for (auto& [key, attrs] : doc.items()) {
      if (!attrs.is_object()) {
        return InvalidArgumentError("item \"" + ShortKey(key) +
                                    "\": attributes must be a JSON object, not " +
                                    attrs.type_name());
      }
      add(key, std::move(attrs));
    }
    return items;
  }
  if (!doc.is_array()) {
    return InvalidArgumentError(
        "expected a JSON object {\"<key>\": {<attributes>}, ...} or an array "
        "[{\"key\": \"<key>\", \"attributes\": {<attributes>}}, ...]");
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    Json& e = doc[i];
    const std::string where = "element " + std::to_string(i + 1);
    if (!e.is_object()) return InvalidArgumentError(where + ": expected a JSON object");
    for (const auto& [member, value] : e.items()) {
      if (member != "key" && member != "attributes") {
        return InvalidArgumentError(where + ": unknown member \"" + ShortKey(member) +
                                    "\" (expected \"key\" and \"attributes\")");
      }
    }
    if (!e.contains("key") || !e["key"].is_string()) {
      return InvalidArgumentError(where + ": \"key\" must be a string");
    }
    Json attrs = Json::object();
    if (e.contains("attributes")) {
      if (!e["attributes"].is_object()) {
        return InvalidArgumentError(where + ": \"attributes\" must be a JSON object");
      }
      attrs = std::move(e["attributes"]);
    }
    add(e["key"].get<std::string>(), std::move(attrs));
  }
  return items;
}

// CsvRecord is one CSV record and the line it starts on.
struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
};

// ParseCsv reads RFC 4180 CSV: fields separated by commas, records by LF or CRLF, fields that
// hold commas, quotes or line breaks enclosed in double quotes (a quote inside doubled). A
// quote inside an unquoted field, or text after a closing quote, is an error (as Go's
// encoding/csv). Blank lines are skipped; a leading UTF-8 byte order mark is ignored.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view data) {
  if (data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
  std::vector<CsvRecord> records;
  size_t line = 1;
  size_t i = 0;
  const size_t n = data.size();
  auto at_eol = [&](size_t p) {
    return p < n && (data[p] == '\n' || (data[p] == '\r' && p + 1 < n && data[p + 1] == '\n'));
  };
  auto skip_eol = [&](size_t& p) {
    p += data[p] == '\r' ? 2 : 1;
    ++line;
  };
  while (i < n) {
    if (at_eol(i)) {  // a blank line
      skip_eol(i);
      continue;
    }
    CsvRecord rec;
    rec.line = line;
    for (;;) {
      std::string field;
      if (i < n && data[i] == '"') {
        const size_t start_line = line;
        ++i;
        for (;;) {
          if (i >= n) {
            return InvalidArgumentError("line " + std::to_string(start_line) +
                                        ": quoted field is not closed");
          }
          if (data[i] == '"') {
            if (i + 1 < n && data[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (data[i] == '\n') ++line;
          field.push_back(data[i++]);
        }
        if (i < n && data[i] != ',' && !at_eol(i)) {
          return InvalidArgumentError("line " + std::to_string(line) +
                                      ": unexpected text after a closing quote");
        }
      } else {
        while (i < n && data[i] != ',' && !at_eol(i)) {
          if (data[i] == '"') {
            return InvalidArgumentError("line " + std::to_string(line) +
                                        ": a quote in an unquoted field (enclose the field in "
                                        "double quotes and double the quote)");
          }
          field.push_back(data[i++]);
        }
      }
      rec.fields.push_back(std::move(field));
      if (i < n && data[i] == ',') {
        ++i;
        continue;
      }
      break;  // end of record: a line break or the end of the data
    }
    records.push_back(std::move(rec));
    if (i < n) skip_eol(i);
  }
  return records;
}

// ParseCsvImport reads a header row (the first column is the key, whatever its name; the
// others name attributes) and one item per row. Cells are JSON when they parse, else strings;
// an empty cell leaves the attribute out.
Result<std::vector<store::InventoryItem>> ParseCsvImport(std::string_view inventory,
                                                         std::string_view data) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(data));
  if (records.empty()) return InvalidArgumentError("no header row (expected key,<attribute>,...)");
  const std::vector<std::string>& header = records[0].fields;
  std::set<std::string_view> names;
  for (size_t c = 1; c < header.size(); ++c) {
    if (header[c].empty()) {
      return InvalidArgumentError("header: column " + std::to_string(c + 1) + " has no name");
    }
    if (!names.insert(header[c]).second) {
      return InvalidArgumentError("header: column \"" + ShortKey(header[c]) +
                                  "\" appears more than once");
    }
  }
  std::vector<store::InventoryItem> items;
  items.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    const std::string where = "line " + std::to_string(rec.line);
    if (rec.fields.size() != header.size()) {
      return InvalidArgumentError(where + ": " + std::to_string(rec.fields.size()) +
                                  " fields, but the header has " + std::to_string(header.size()));
    }
    store::InventoryItem item;
    item.inventory = std::string(inventory);
    item.key = rec.fields[0];
    for (size_t c = 1; c < header.size(); ++c) {
      if (rec.fields[c].empty()) continue;
      item.attributes[header[c]] = CellValue(rec.fields[c]);
    }
    items.push_back(std::move(item));
  }
  return items;
}

// CsvField quotes a field when it holds a comma, a quote, a line break, or leading or trailing
// spaces (which spreadsheets may trim).
std::string CsvField(std::string_view s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ExportCsv(const std::vector<store::InventoryItem>& items) {
  std::set<std::string> columns;
  for (const auto& item : items) {
    for (const auto& [name, value] : item.attributes.items()) columns.insert(name);
  }
  std::string out = "key";
  for (const std::string& c : columns) out += "," + CsvField(c);
  out += "\n";
  for (const auto& item : items) {
    out += CsvField(item.key);
    for (const std::string& c : columns) {
      out += ",";
      auto it = item.attributes.find(c);
      if (it != item.attributes.end()) out += CsvField(CellText(*it));
    }
    out += "\n";
  }
  return out;
}

std::string ExportJson(const std::vector<store::InventoryItem>& items) {
  Json doc = Json::object();  // std::map underneath: keys come out sorted
  for (const auto& item : items) doc[item.key] = item.attributes;
  return doc.dump(2) + "\n";
}

// FormatOf returns "json" or "csv": the --format flag when given, else the file's extension.
Result<std::string> FormatOf(const std::string& flag, const std::string& file) {
  if (!flag.empty()) {
    std::string f = ToLower(flag);
    if (f != "json" && f != "csv") return tools::InvalidFlagValue("format", flag, "json, csv");
    return f;
  }
  const std::string lower = ToLower(file);
  if (EndsWith(lower, ".json")) return std::string("json");
  if (EndsWith(lower, ".csv")) return std::string("csv");
  return InvalidArgumentError("cannot tell the format of " +
                              (file == "-" ? "standard input" : file) +
                              " from its name; use --format json or --format csv");
}

// ---------------------------------------------------------------------------------------------
// Commands.

Status Add(const InventoryFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(
      f.args, 2, 2, "cairn inventory add <inventory> <key> [--attributes=<json>] [--set k=v]"));
  const std::string& name = f.args[0];
  const std::string& key = f.args[1];
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryName(name));
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryKey(key));
  Json attributes = Json::object();
  if (!f.attributes.empty()) {
    CAIRN_ASSIGN_OR_RETURN(attributes, ParseAttributesFlag(f.attributes));
  }
  for (const std::string& kv : f.set) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tools::InvalidFlagValueMsg("set", kv, "expected <name>=<value>");
    }
    attributes[kv.substr(0, eq)] = CellValue(std::string_view(kv).substr(eq + 1));
  }
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryAttributes(attributes));
  return WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
    CAIRN_ASSIGN_OR_RETURN(auto existing, st.GetInventoryItem(name, key));
    store::InventoryItem item;
    item.inventory = name;
    item.key = key;
    item.attributes = std::move(attributes);
    CAIRN_RETURN_IF_ERROR(st.PutInventoryItem(item));
    Info(std::string(existing ? "Replaced" : "Added") + " item \"" + ShortKey(key) +
         "\" in inventory \"" + name + "\".");
    return Status();
  });
}

Status Remove(const InventoryFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(f.args, 2, 2, "cairn inventory remove <inventory> <key>"));
  const std::string& name = f.args[0];
  const std::string& key = f.args[1];
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryName(name));
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryKey(key));
  return WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
    Status s = st.DeleteInventoryItem(name, key);
    if (s.code() == StatusCode::kNotFound) {
      return NotFoundError("item not found: inventory \"" + name + "\" has no item \"" +
                           ShortKey(key) + "\"");
    }
    CAIRN_RETURN_IF_ERROR(s);
    Info("Removed item \"" + ShortKey(key) + "\" from inventory \"" + name + "\".");
    return Status();
  });
}

Status List(const InventoryFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(f.args, 0, 1, "cairn inventory list [<inventory>]"));
  if (f.args.empty()) {
    return WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
      CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> names, st.ListInventories());
      if (f.json) {
        tools::PrintOut(Json(names).dump(2) + "\n");
      } else {
        std::string out;
        for (const std::string& n : names) out += n + "\n";
        tools::PrintOut(out);
      }
      return Status();
    });
  }
  const std::string& name = f.args[0];
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryName(name));
  return WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<store::InventoryItem> items, ListAll(st, name));
    if (items.empty()) Info("Inventory \"" + name + "\" has no items.");
    if (f.json) {
      OrderedJson out = OrderedJson::array();
      for (const auto& item : items) {
        out.push_back(OrderedJson{{"key", item.key}, {"attributes", OrderedJson(item.attributes)}});
      }
      tools::PrintOut(out.dump(2) + "\n");
      return Status();
    }
    std::string out;
    for (const auto& item : items) out += item.key + "\t" + item.attributes.dump() + "\n";
    tools::PrintOut(out);
    return Status();
  });
}

Status Import(const InventoryFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(
      f.args, 2, 2, "cairn inventory import <inventory> <file> [--format=json|csv] [--replace]"));
  const std::string& name = f.args[0];
  const std::string& file = f.args[1];
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryName(name));
  CAIRN_ASSIGN_OR_RETURN(std::string format, FormatOf(f.format, file));
  const std::string source = file == "-" ? "standard input" : file;
  auto data = file == "-" ? tools::ReadStdin() : ReadFile(file, kMaxImportFile);
  if (!data.ok()) return data.status().Annotate("error reading " + source);
  auto items = format == "json" ? ParseJsonImport(name, *data) : ParseCsvImport(name, *data);
  if (!items.ok()) return items.status().Annotate("error parsing " + source);
  // Everything is checked before the store is opened; the write is then one transaction.
  Status valid = store::ValidateInventoryImport(name, *items);
  if (!valid.ok()) return valid.Annotate("error in " + source);
  return WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
    CAIRN_RETURN_IF_ERROR(st.PutInventoryItems(name, *items, f.replace));
    Info("imported " + std::to_string(items->size()) + (items->size() == 1 ? " item" : " items") +
         " into inventory \"" + name + "\"" + (f.replace ? " (its other items were removed)" : "") +
         ".");
    return Status();
  });
}

Status Export(const InventoryFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(
      f.args, 1, 1, "cairn inventory export <inventory> [--format=json|csv] [--output=<file>]"));
  const std::string& name = f.args[0];
  CAIRN_RETURN_IF_ERROR(store::ValidateInventoryName(name));
  std::string format = "json";
  if (!f.format.empty() || !f.output.empty()) {
    auto fmt = FormatOf(f.format, f.output);
    // Without --format, an output file of another extension gets JSON.
    if (fmt.ok()) {
      format = *fmt;
    } else if (!f.format.empty()) {
      return fmt.status();
    }
  }
  std::string text;
  CAIRN_RETURN_IF_ERROR(WithStore(f.ca_config, "inventories", [&](store::Store& st) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<store::InventoryItem> items, ListAll(st, name));
    text = format == "csv" ? ExportCsv(items) : ExportJson(items);
    return Status();
  }));
  if (f.output.empty()) {
    tools::PrintOut(text);
    return Status();
  }
  // Inventories may hold personal data: the file is private to its owner.
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(f.output, text, /*secret=*/true, f.force));
  Info("Your inventory has been saved in " + f.output + ".");
  return Status();
}

CLI::Option* AddCaConfigFlag(CLI::App* cmd, InventoryFlags& f) {
  return cmd->add_option("--ca-config", f.ca_config,
                         "The certificate authority configuration <file>. Defaults to "
                         "$(cairn path)/config/ca.json");
}

}  // namespace

void RegisterInventoryCommands(CLI::App& root, RunState& state) {
  CLI::App* group = tools::AddCommand(
      root,
      {.name = "inventory",
       .summary = "manage the inventories the certificate authority consults",
       .usage = "cairn inventory <subcommand> [arguments] [subcommand-flags]",
       .description =
           "An inventory is a named catalog of items, each an identifier (the key) with JSON\n"
           "attributes, that the CA looks up while issuing: inventory \"people\" may map\n"
           "alice@example.com to {\"posixUser\": \"alice\", \"groups\": [\"ops\"]}, inventory\n"
           "\"hosts\" may map vm-1234 to {\"workload\": \"billing\"}.\n\n"
           "Inventory names are 1 to 64 letters, digits, '.', '_' or '-'. Keys match exactly,\n"
           "byte for byte: write them in the form the CA looks them up (e.g. e-mail\n"
           "addresses and DNS names in lower case).\n\n"
           "The commands work on the CA's own database (the `db` of ca.json), also while\n"
           "cairn-ca runs; a CA without a `db` cannot keep inventories."});
  group->require_subcommand(1);

  auto add_flags = std::make_shared<InventoryFlags>();
  CLI::App* add = tools::AddCommand(
      *group,
      {.name = "add",
       .summary = "add an item to an inventory, or replace it",
       .usage = "cairn inventory add <inventory> <key> [--attributes=<json>] [--set <name>=<value>]"
                " [--ca-config=<file>]",
       .description =
           "cairn inventory add writes the item <key> of <inventory> with the attributes of\n"
           "--attributes (a JSON object) and --set (one attribute each; the value is read as\n"
           "JSON when it is JSON, else as a string; --set wins over --attributes). An existing\n"
           "item is replaced whole. The inventory is created with its first item.",
       .examples = "  $ cairn inventory add people alice@example.com --attributes "
                   "'{\"posixUser\": \"alice\", \"groups\": [\"ops\"]}'\n\n"
                   "  $ cairn inventory add hosts vm-1234 --set workload=billing --set tier=1\n"});
  add->add_option("args", add_flags->args, "<inventory> <key>");
  add->add_option("--attributes", add_flags->attributes, "The item's attributes, a JSON <object>.");
  add->add_option("--set", add_flags->set,
                  "An attribute <name>=<value>; repeat for more. The value is JSON when it "
                  "parses as JSON (1001, true, [\"ops\"]), else a string.")
      ->allow_extra_args(false);
  AddCaConfigFlag(add, *add_flags);
  add->callback([&state, add_flags] { tools::Run(state, [&] { return Add(*add_flags); }); });

  auto remove_flags = std::make_shared<InventoryFlags>();
  CLI::App* remove = tools::AddCommand(
      *group, {.name = "remove",
               .summary = "remove an item from an inventory",
               .usage = "cairn inventory remove <inventory> <key> [--ca-config=<file>]",
               .description = "cairn inventory remove deletes the item <key> of <inventory>. It "
                              "fails when there is no such item.",
               .examples = "  $ cairn inventory remove hosts vm-1234\n"});
  remove->add_option("args", remove_flags->args, "<inventory> <key>");
  AddCaConfigFlag(remove, *remove_flags);
  remove->callback(
      [&state, remove_flags] { tools::Run(state, [&] { return Remove(*remove_flags); }); });

  auto list_flags = std::make_shared<InventoryFlags>();
  CLI::App* list = tools::AddCommand(
      *group,
      {.name = "list",
       .summary = "list the inventories, or the items of one",
       .usage = "cairn inventory list [<inventory>] [--json] [--ca-config=<file>]",
       .description =
           "Without <inventory>, cairn inventory list prints the names of the inventories, one\n"
           "a line. With one, it prints its items in key order, one a line: the key, a tab, and\n"
           "the attributes as JSON. --json prints a JSON array instead (of names, or of\n"
           "{\"key\", \"attributes\"} objects).",
       .examples = "  $ cairn inventory list\n\n"
                   "  $ cairn inventory list hosts --json\n"});
  list->add_option("args", list_flags->args, "[<inventory>]");
  list->add_flag("--json", list_flags->json, "Print JSON.");
  AddCaConfigFlag(list, *list_flags);
  list->callback([&state, list_flags] { tools::Run(state, [&] { return List(*list_flags); }); });

  auto import_flags = std::make_shared<InventoryFlags>();
  CLI::App* import = tools::AddCommand(
      *group,
      {.name = "import",
       .summary = "import items into an inventory from a JSON or CSV file",
       .usage = "cairn inventory import <inventory> <file> [--format=json|csv] [--replace] "
                "[--ca-config=<file>]",
       .description =
           "cairn inventory import reads <file> (\"-\" for standard input), checks every item,\n"
           "and writes them all in one transaction: either every item is imported or none.\n"
           "Items with a key already in the inventory are replaced; with --replace, the\n"
           "inventory's other items are removed (an empty file then empties the inventory).\n\n"
           "JSON: an object {\"<key>\": {<attributes>}, ...}, or an array\n"
           "[{\"key\": \"<key>\", \"attributes\": {<attributes>}}, ...].\n"
           "CSV: a header row, then one item a row; the first column is the key, each other\n"
           "column an attribute named by the header. A cell is read as JSON when it is JSON\n"
           "(1001, true, [\"ops\"], \"007\" with its quotes), else as a string; an empty cell\n"
           "leaves the attribute out.\n\n"
           "The format follows the file's extension (.json, .csv) unless --format is given.",
       .examples = "  $ cairn inventory import people people.json\n\n"
                   "  $ cairn inventory import hosts hosts.csv --replace\n"});
  import->add_option("args", import_flags->args, "<inventory> <file>");
  import->add_option("--format", import_flags->format, "The <format> of the file: json or csv.");
  import->add_flag("--replace", import_flags->replace,
                   "Remove the inventory's items that are not in the file.");
  AddCaConfigFlag(import, *import_flags);
  import->callback(
      [&state, import_flags] { tools::Run(state, [&] { return Import(*import_flags);
});
}  // namespace cairn::cli
);

auto export_flags = std::make_shared<InventoryFlags>();
CLI::App* exp = tools::AddCommand(
    *group,
    {.name = "export",
     .summary = "export an inventory as JSON or CSV",
     .usage = "cairn inventory export <inventory> [--format=json|csv] [--output=<file>] "
              "[--force] [--ca-config=<file>]",
     .description =
         "cairn inventory export prints <inventory> in the form import reads: JSON (the\n"
         "default) as an object of items, keys sorted; CSV with a header row \"key\" and the\n"
         "attribute names, sorted. With --output the result is written to <file> (mode\n"
         "0600; its extension chooses the format unless --format is given).",
     .examples = "  $ cairn inventory export hosts > hosts.json\n\n"
                 "  $ cairn inventory export hosts --format csv --output hosts.csv\n"});
exp->add_option("args", export_flags->args, "<inventory>");
exp->add_option("--format", export_flags->format, "The output <format>: json or csv.");
exp->add_option("--output", export_flags->output, "The <file> to write instead of stdout.");
exp->add_flag("--force", export_flags->force, "Overwrite --output without asking.");
AddCaConfigFlag(exp, *export_flags);
exp->callback([&state, export_flags] { tools::Run(state, [&] { return Export(*export_flags); }); });
}

}  // namespace cairn::cli
