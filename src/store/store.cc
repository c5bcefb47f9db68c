#include "store/store.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/json_depth.h"

namespace cairn::store {
namespace {

Status CheckText(std::string_view field, std::string_view value) {
  if (value.size() > kMaxTextField) {
    return InvalidArgumentError(std::string(field) + " is longer than " +
                                std::to_string(kMaxTextField) + " bytes");
  }
  return Status();
}

// IsValidUtf8WithoutControls reports whether `s` is well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF) without C0 controls or DEL.
bool IsValidUtf8WithoutControls(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// NestingDepthExceeds reports whether `j` nests arrays and objects more than `max_depth` deep
// (the outermost object counts as 1, as base/json_depth.h counts text). Iterative, and it stops
// at the first value too deep.
bool NestingDepthExceeds(const nlohmann::json& j, int max_depth) {
  std::vector<std::pair<const nlohmann::json*, int>> todo = {{&j, 1}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    if (depth > max_depth) return true;
    for (const auto& child : *v) todo.emplace_back(&child, depth + 1);
  }
  return false;
}

// kMaxAcmeDocDepth bounds the nesting of an ACME doc before it is parsed (the parser and the
// destructor of the parsed value recurse). ACME state nests a handful of levels.
constexpr int kMaxAcmeDocDepth = 32;

Status CheckAcmeField(std::string_view field, std::string_view value, size_t max) {
  if (value.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (value.size() > max) {
    return InvalidArgumentError(std::string(field) + " is longer than " + std::to_string(max) +
                                " bytes");
  }
  return Status();
}

Status CheckAcmeId(std::string_view field, std::string_view id) {
  return ValidateAcmeId(id).Annotate(field);
}

// CheckAcmeDoc checks that `doc` is a JSON object of at most kMaxAcmeDocSize bytes.
Status CheckAcmeDoc(std::string_view doc) {
  if (doc.size() > kMaxAcmeDocSize) {
    return InvalidArgumentError("doc is larger than " + std::to_string(kMaxAcmeDocSize) + " bytes");
  }
  if (JsonNestingDepth(doc) > kMaxAcmeDocDepth) {
    return InvalidArgumentError("doc nests deeper than " + std::to_string(kMaxAcmeDocDepth) +
                                " levels");
  }
  try {
    if (!nlohmann::json::parse(doc).is_object()) {
      return InvalidArgumentError("doc is not a JSON object");
    }
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("doc is not valid JSON");
  }
  return Status();
}

}  // namespace

void Store::RecordCertificateAsync(CertificateRecord cert, std::string token_id,
                                   std::function<void(Status)> done) {
  done(RecordCertificate(cert, token_id));
}

Status ValidateSerial(std::string_view serial) {
  if (serial.empty()) return InvalidArgumentError("serial is empty");
  if (serial.size() > kMaxSerialLength) {
    return InvalidArgumentError("serial is longer than " + std::to_string(kMaxSerialLength) +
                                " digits");
  }
  for (char c : serial) {
    if (c < '0' || c > '9') return InvalidArgumentError("serial is not a decimal number");
  }
  if (serial.size() > 1 && serial[0] == '0') {
    return InvalidArgumentError("serial has a leading zero (not canonical decimal)");
  }
  return Status();
}

Status ValidateTokenId(std::string_view token_id) {
  if (token_id.empty()) return InvalidArgumentError("token id is empty");
  if (token_id.size() > kMaxTokenIdLength) {
    return InvalidArgumentError("token id is longer than " + std::to_string(kMaxTokenIdLength) +
                                " bytes");
  }
  return Status();
}

Status ValidateCertificateRecord(const CertificateRecord& cert) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(cert.serial));
  if (!cert.renewed_from.empty()) {
    Status s = ValidateSerial(cert.renewed_from);
    if (!s.ok()) return s.Annotate("renewed_from");
  }
  if (!cert.acme_account_id.empty()) {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(cert.acme_account_id).Annotate("acme_account_id"));
  }
  if (cert.der.empty()) return InvalidArgumentError("certificate DER is empty");
  if (cert.der.size() > kMaxCertificateDer) {
    return InvalidArgumentError("certificate DER is larger than " +
                                std::to_string(kMaxCertificateDer) + " bytes");
  }
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_id", cert.provisioner_id));
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_name", cert.provisioner_name));
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_type", cert.provisioner_type));
  CAIRN_RETURN_IF_ERROR(CheckText("subject", cert.subject));
  if (cert.sans.size() > kMaxSans) {
    return InvalidArgumentError("more than " + std::to_string(kMaxSans) + " SANs");
  }
  for (const auto& san : cert.sans) CAIRN_RETURN_IF_ERROR(CheckText("SAN", san));
  return Status();
}

Status ValidateRevocationRecord(const RevocationRecord& rec) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(rec.serial));
  // RFC 5280 §5.3.1: 0..10, 7 is unused but we do not police that here.
  if (rec.reason_code < 0 || rec.reason_code > 10) {
    return InvalidArgumentError("revocation reason code " + std::to_string(rec.reason_code) +
                                " is not in 0..10");
  }
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_id", rec.provisioner_id));
  CAIRN_RETURN_IF_ERROR(CheckText("reason", rec.reason));
  if (!rec.token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(rec.token_id));
  return Status();
}

int ClampListLimit(int limit) {
  if (limit <= 0) return kDefaultListLimit;
  if (limit > kMaxListLimit) return kMaxListLimit;
  return limit;
}

Status ValidateListCursor(std::string_view cursor) {
  if (cursor.size() > kMaxSerialLength) {
    return InvalidArgumentError("list cursor is longer than " + std::to_string(kMaxSerialLength) +
                                " bytes");
  }
  return Status();
}

Status ValidateInventoryName(std::string_view inventory) {
  if (inventory.empty()) return InvalidArgumentError("inventory name is empty");
  if (inventory.size() > kMaxInventoryNameLength) {
    return InvalidArgumentError("inventory name is longer than " +
                                std::to_string(kMaxInventoryNameLength) + " characters");
  }
  for (char c : inventory) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgumentError("inventory name \"" + std::string(inventory.substr(0, 64)) +
                                  "\" may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return Status();
}

Status ValidateInventoryKey(std::string_view key) {
  if (key.empty()) return InvalidArgumentError("inventory key is empty");
  if (key.size() > kMaxInventoryKeyLength) {
    return InvalidArgumentError("inventory key is longer than " +
                                std::to_string(kMaxInventoryKeyLength) + " bytes");
  }
  if (!IsValidUtf8WithoutControls(key)) {
    return InvalidArgumentError("inventory key is not valid UTF-8 or contains control characters");
  }
  return Status();
}

Result<std::string> SerializeInventoryAttributes(const nlohmann::json& attributes) {
  if (!attributes.is_object()) {
    return InvalidArgumentError(std::string("inventory attributes must be a JSON object, not ") +
                                attributes.type_name());
  }
  // Check the depth before dump(), which recurses: a value built in memory (not parsed from
  // bounded text) could otherwise exhaust the stack.
  if (NestingDepthExceeds(attributes, kMaxInventoryAttributesDepth)) {
    return InvalidArgumentError("inventory attributes nest deeper than " +
                                std::to_string(kMaxInventoryAttributesDepth) + " levels");
  }
  std::string text;
  try {
    text = attributes.dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("inventory attributes contain a string that is not valid UTF-8");
  }
  if (text.size() > kMaxInventoryAttributesSize) {
    return InvalidArgumentError("inventory attributes are larger than " +
                                std::to_string(kMaxInventoryAttributesSize) + " bytes");
  }
  return text;
}

Status ValidateInventoryCursor(std::string_view cursor) {
  if (cursor.size() > kMaxInventoryKeyLength) {
    return InvalidArgumentError("list cursor is longer than " +
                                std::to_string(kMaxInventoryKeyLength) + " bytes");
  }
  return Status();
}

Result<std::vector<std::string>> SerializeInventoryImport(std::string_view inventory,
                                                          const std::vector<InventoryItem>& items) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
  if (items.size() > kMaxInventoryImportItems) {
    return InvalidArgumentError("cannot import more than " +
                                std::to_string(kMaxInventoryImportItems) + " items at once (got " +
                                std::to_string(items.size()) + ")");
  }
  std::vector<std::string> texts;
  texts.reserve(items.size());
  std::set<std::string_view> keys;
  size_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const InventoryItem& item = items[i];
    // Keys in messages are cut short: they may be up to 1 KiB (or, when invalid, anything).
    auto where = [&] {
      std::string key = item.key.size() > 64 ? item.key.substr(0, 64) + "..." : item.key;
      return "item " + std::to_string(i + 1) + " (key \"" + key + "\")";
    };
    if (item.inventory != inventory) {
      return InvalidArgumentError(where() + ": belongs to inventory \"" +
                                  item.inventory.substr(0, kMaxInventoryNameLength) + "\", not \"" +
                                  std::string(inventory) + "\"");
    }
    Status s = ValidateInventoryKey(item.key);
    if (!s.ok()) return s.Annotate(where());
    auto text = SerializeInventoryAttributes(item.attributes);
    if (!text.ok()) return text.status().Annotate(where());
    if (!keys.insert(item.key).second) return InvalidArgumentError(where() + ": duplicate key");
    total += item.key.size() + text->size();
    if (total > kMaxInventoryImportBytes) {
      return InvalidArgumentError("the import is larger than " +
                                  std::to_string(kMaxInventoryImportBytes) + " bytes");
    }
    texts.push_back(std::move(text).value());
  }
  return texts;
}

Status ValidateInventoryImport(std::string_view inventory,
                               const std::vector<InventoryItem>& items) {
  return SerializeInventoryImport(inventory, items).status();
}

Status ValidateInventoryAttributes(const nlohmann::json& attributes) {
  return SerializeInventoryAttributes(attributes).status();
}

Status ValidateInventoryItem(const InventoryItem& item) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryName(item.inventory));
  CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(item.key));
  return ValidateInventoryAttributes(item.attributes);
}

Status ValidateAcmeId(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("ACME id is empty");
  if (id.size() > kMaxAcmeIdLength) {
    return InvalidArgumentError("ACME id is longer than " + std::to_string(kMaxAcmeIdLength) +
                                " characters");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return InvalidArgumentError("ACME id may only contain letters, digits, '_' and '-'");
  }
  return Status();
}

Status ValidateAcmeAccountRecord(const AcmeAccountRecord& rec) {
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("account id", rec.id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("provisioner", rec.provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("key_id", rec.key_id, kMaxAcmeKeyIdLength));
  return CheckAcmeDoc(rec.doc).Annotate("account");
}

Status ValidateAcmeOrderRecord(const AcmeOrderRecord& rec) {
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("order id", rec.id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("account_id", rec.account_id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("provisioner", rec.provisioner, kMaxAcmeProvisionerLength));
  return CheckAcmeDoc(rec.doc).Annotate("order");
}

Status ValidateAcmeAuthzRecord(const AcmeAuthzRecord& rec) {
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("authorization id", rec.id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("account_id", rec.account_id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("order_id", rec.order_id));
  return CheckAcmeDoc(rec.doc).Annotate("authorization");
}

Status ValidateAcmeEabKeyRecord(const AcmeEabKeyRecord& rec) {
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("external account key id", rec.id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("provisioner", rec.provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(CheckText("reference", rec.reference));
  if (rec.hmac_key.size() < 16 || rec.hmac_key.size() > kMaxAcmeEabKeySize) {
    return InvalidArgumentError("external account HMAC key must be 16.." +
                                std::to_string(kMaxAcmeEabKeySize) + " bytes");
  }
  if (!rec.account_id.empty()) CAIRN_RETURN_IF_ERROR(CheckAcmeId("account_id", rec.account_id));
  return Status();
}

}  // namespace cairn::store

namespace cairn::store {

Status ValidateSshCertificateRecord(const SshCertificateRecord& rec) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(rec.serial));
  if (rec.serial.size() > 20 || (rec.serial.size() == 20 && rec.serial > "18446744073709551615")) {
    return InvalidArgumentError("SSH certificate serial does not fit 64 bits");
  }
  if (rec.cert.empty() || rec.cert.size() > kMaxCertificateDer) {
    return InvalidArgumentError("SSH certificate must be 1.." + std::to_string(kMaxCertificateDer) +
                                " bytes");
  }
  if (rec.type != 1 && rec.type != 2) {
    return InvalidArgumentError("SSH certificate type must be 1 (user) or 2 (host)");
  }
  CAIRN_RETURN_IF_ERROR(CheckText("key_id", rec.key_id));
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_id", rec.provisioner_id));
  CAIRN_RETURN_IF_ERROR(CheckText("provisioner_name", rec.provisioner_name));
  if (rec.principals.size() > kMaxSans) {
    return InvalidArgumentError("more than " + std::to_string(kMaxSans) + " principals");
  }
  for (const auto& p : rec.principals) CAIRN_RETURN_IF_ERROR(CheckText("principal", p));
  if (!rec.renewed_from.empty()) CAIRN_RETURN_IF_ERROR(ValidateSerial(rec.renewed_from));
  return Status();
}

std::string SshHostKey(std::string_view principal) {
  std::string out(principal);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

Status ValidateSshHostPrincipal(std::string_view principal) {
  if (principal.empty() || principal.size() > kMaxTextField) {
    return InvalidArgumentError("host principal must be 1.." + std::to_string(kMaxTextField) +
                                " bytes");
  }
  return Status();
}

Status ValidateAdminRecord(const AdminRecord& rec) {
  CAIRN_RETURN_IF_ERROR(CheckAcmeId("admin id", rec.id));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("provisioner", rec.provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(CheckAcmeField("subject", rec.subject, kMaxAdminSubjectLength));
  if (!IsValidUtf8WithoutControls(rec.subject)) {
    return InvalidArgumentError("subject must be UTF-8 without control characters");
  }
  if (rec.type != AdminType::kAdmin && rec.type != AdminType::kSuperAdmin) {
    return InvalidArgumentError("admin type must be ADMIN or SUPER_ADMIN");
  }
  return Status();
}

}  // namespace cairn::store
