#include "cli/ca_store.h"

#include "authority/open_store.h"
#include "config/config.h"
#include "config/home.h"

namespace cairn::cli {

Result<std::unique_ptr<store::Store>> OpenCaStore(const std::string& ca_config,
                                                  std::string_view what) {
  const std::string path =
      ca_config.empty() ? config::CaConfigPath(config::CairnHome()) : ca_config;
  auto cfg = config::LoadCaConfig(path);
  if (!cfg.ok()) {
    if (cfg.status().code() == StatusCode::kNotFound) {
      return NotFoundError("the CA configuration " + path +
                           " does not exist (use --ca-config, or set STEPPATH)");
    }
    return cfg.status().Annotate("error loading configuration " + path);
  }
  if (!cfg->db) {
    return FailedPreconditionError(
        "the CA configuration " + path +
        " has no \"db\" block: a CA without a database keeps nothing across restarts, so it "
        "has nowhere to keep " +
        std::string(what) +
        "; add one, e.g. \"db\": {\"type\": \"badgerv2\", "
        "\"dataSource\": \"db\"}");
  }
  auto s = authority::OpenStoreFor(*cfg, config::HomeForConfig(path));
  if (!s.ok()) return s.status();
  return std::move(s).value();
}

}  // namespace cairn::cli
