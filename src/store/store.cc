#include "store/store.h"

namespace cairn::store {
namespace {

Status CheckText(std::string_view field, std::string_view value) {
  if (value.size() > kMaxTextField) {
    return InvalidArgumentError(std::string(field) + " is longer than " +
                                std::to_string(kMaxTextField) + " bytes");
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

}  // namespace cairn::store
