#pragma once

#include "acme/server.h"
#include "base/work_queue.h"
#include "http/router.h"

namespace cairn::api {

// RegisterAcmeRoutes adds the ACME endpoints of every ACME provisioner (stepca.md §10) under
// "/acme/{provisioner}/..." and "/2.0/acme/{provisioner}/...": directory, new-nonce,
// new-account, account/{id}, account/{id}/orders, new-order, order/{id}, order/{id}/finalize,
// authz/{id}, challenge/{authz}/{id}, certificate/{id}, revoke-cert, key-change and
// renewal-info/{id}. Requests run on `work` (they wait for durable store writes, which the I/O
// threads must not); when it is full the client gets a 503 problem with Retry-After. `server`
// and `work` must outlive the router.
void RegisterAcmeRoutes(http::Router& router, acme::AcmeServer& server, WorkQueue& work);

}  // namespace cairn::api
