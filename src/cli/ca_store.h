#pragma once

// Opening the CA's own database from the command line, for the commands that work offline on
// it (`cairn inventory`, `cairn ca acme eab`): they read ca.json and open its `db` the way
// cairn-ca does. SQLite in WAL mode lets them run while the server is up.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace cairn::cli {

// OpenCaStore opens the store of the CA configured in `ca_config` (empty: $(cairn path)/config/
// ca.json). `what` names what the command keeps there (e.g. "inventories"), for the error when
// ca.json has no `db` block (kFailedPrecondition). kNotFound when ca.json does not exist.
Result<std::unique_ptr<store::Store>> OpenCaStore(const std::string& ca_config,
                                                  std::string_view what);

// WithStore opens the CA's store, runs `body` on it and closes it; the first error wins.
template <typename F>
Status WithStore(const std::string& ca_config, std::string_view what, F&& body) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> st, OpenCaStore(ca_config, what));
  Status s = body(*st);
  Status closed = st->Close();
  return s.ok() ? closed : s;
}

}  // namespace cairn::cli
