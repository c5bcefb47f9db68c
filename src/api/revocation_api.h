#pragma once

// Active revocation over HTTP: the CRLs (stepca.md §9: GET /crl and /1.0/crl, DER or ?pem; and
// /crl/delta) and the OCSP responder (RFC 6960 Appendix A, RFC 5019: POST <path> with an
// application/ocsp-request body, GET <path>/<base64 request>). Served on the CA's address and
// on its plain-HTTP insecureAddress.

#include "api/ca_api.h"
#include "http/router.h"

namespace cairn::api {

// RegisterRevocationRoutes adds the CRL routes, and the OCSP routes at `ocsp_path` (ca.json's
// ocsp.path), to `router`. A disabled service answers 404, as step-ca's disabled CRL does.
void RegisterRevocationRoutes(http::Router& router, AuthoritySource authority,
                              const std::string& ocsp_path);

}  // namespace cairn::api
