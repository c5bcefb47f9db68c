#pragma once

// step-ca's SSH API (stepca.md §1.5): POST /ssh/sign (and its aliases), GET /ssh/roots and
// /ssh/federation, under "/" and "/1.0/". Handlers only parse, call the authority and render.

#include "api/ca_api.h"
#include "http/router.h"

namespace cairn::api {

// RegisterSshRoutes adds the SSH routes to `router`.
void RegisterSshRoutes(http::Router& router, AuthoritySource authority);

// RegisterSshRenewRoutes adds POST /ssh/renew {"ott"} and /ssh/rekey {"ott","publicKey"}
// (SSHPOP tokens; 201 {"crt": base64}) (ssh_renew_api.cc).
void RegisterSshRenewRoutes(http::Router& router, AuthoritySource authority);

// RegisterSshKrlRoutes adds GET /ssh/krl: the OpenSSH KRL of the CA's SSH revocations
// (application/octet-stream; beyond step-ca) (ssh_krl_api.cc).
void RegisterSshKrlRoutes(http::Router& router, AuthoritySource authority);

// RegisterSshHostsRoutes adds POST /ssh/config (and /ssh/config/{type}), POST /ssh/check-host,
// GET /ssh/hosts (and /ssh/get-hosts), POST /ssh/bastion and GET /ssh/federation
// (ssh_hosts_api.cc).
void RegisterSshHostsRoutes(http::Router& router, AuthoritySource authority);

}  // namespace cairn::api
