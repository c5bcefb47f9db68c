#include "authority/open_store.h"

#include "base/file.h"
#include "base/strings.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"

namespace cairn::authority {

Result<std::unique_ptr<store::Store>> OpenStoreFor(const config::CaConfig& config,
                                                   const std::string& home,
                                                   const store::StoreMetrics* metrics) {
  if (!config.db) return std::unique_ptr<store::Store>(std::make_unique<store::MemoryStore>());
  const std::string type = ToLower(config.db->type);
  if (type == "postgresql" || type == "postgres" || type == "mysql") {
    return UnimplementedError("db type \"" + config.db->type +
                              "\" is not available in this build; use the embedded store");
  }
  if (type != "badger" && type != "badgerv1" && type != "badgerv2" && type != "bbolt" &&
      type != "sqlite" && type != "sqlite3") {
    return InvalidArgumentError("unknown db type \"" + config.db->type + "\"");
  }
  if (config.db->data_source.empty()) return InvalidArgumentError("db.dataSource is empty");
  std::string path = config::ResolvePath(home, config.db->data_source);
  // step writes a directory for its key/value engines; Cairn keeps its SQLite file inside it.
  if (!EndsWith(path, ".db") && !EndsWith(path, ".sqlite")) path = JoinPath(path, "cairn.db");
  store::SqliteStoreOptions opts;
  opts.path = path;
  opts.metrics = metrics;
  auto s = store::OpenSqliteStore(opts);
  if (!s.ok()) return s.status().Annotate("opening the database " + path);
  return std::move(s).value();
}

}  // namespace cairn::authority
