#pragma once

// Checks shared by the issuance paths of the Authority (step-ca's validators).

#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "config/claims.h"
#include "crypto/key.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::authority::internal {

// BadRequest is kInvalidArgument (400) with `detail` as the public message.
Status BadRequest(std::string detail);
// Forbidden is kPermissionDenied (403) with `detail` as the public message.
Status Forbidden(std::string detail);

// CheckSshDuration is the duration half of step-ca's sshCertValidityValidator: `life` (the
// certificate's validAfter to validBefore) within the provisioner's SSH user or host minimum and
// maximum, the maximum stretched by `backdate`. kPermissionDenied with step-ca's message.
Status CheckSshDuration(bool user, Duration life, const config::EffectiveClaims& claims,
                        Duration backdate);

// TokenHash is the replay key of a token without a jti: the hex SHA-256 of the whole token.
std::string TokenHash(std::string_view token);

// CheckPublicKey is step-ca's defaultPublicKeyValidator: RSA of 2048 bits or more, EC P-256/
// 384/521 or Ed25519.
Status CheckPublicKey(const crypto::PublicKey& key);

// CheckSans is step-ca's defaultSANsValidator: for each SAN type the CSR lists, the set must
// equal the token's.
Status CheckSans(const pki::CertificateRequest& csr, const pki::SubjectAltNames& want);

// CheckNameBounds refuses, before anything is signed, a certificate the store could not record
// or that no client needs: more than templates::kMaxTemplateSans subject alternative names (the
// bound custom templates already have), or a subject attribute or SAN longer than
// store::kMaxTextField bytes. kInvalidArgument (400) with a public message.
Status CheckNameBounds(const pki::CertificateTemplate& tmpl);

// ApplyDefaultSubject fills empty subject fields from ca.json's authority.template.
void ApplyDefaultSubject(const nlohmann::json& tmpl, pki::Name& name);

// CheckValidity is step-ca's validityValidator: notAfter not in the past nor before notBefore,
// the duration within the claims (max plus `backdate`).
Status CheckValidity(Time nb, Time na, Time now, const config::EffectiveClaims& claims,
                     Duration backdate);

}  // namespace cairn::authority::internal
