#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "store/store.h"

namespace cairn::authority {

// OpenStoreFor opens the store ca.json's `db` block names: SQLite in `dataSource` (a directory,
// as step writes for badger/bbolt, gets a file cairn.db inside; a path ending in .db or .sqlite
// is the file itself), an in-memory store when there is no `db`. Relative paths are resolved
// against `home`. Fails with a clear message for a missing or read-only directory or an engine
// this build does not have. `metrics` (optional, not owned) observes the store's commits.
Result<std::unique_ptr<store::Store>> OpenStoreFor(const config::CaConfig& config,
                                                   const std::string& home,
                                                   const store::StoreMetrics* metrics = nullptr);

}  // namespace cairn::authority
