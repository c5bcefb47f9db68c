# Sources of `cairn inventory` (add/remove/list/import/export), relative to src/cli. Included by
# src/cli/CMakeLists.txt and by tests/cli/CMakeLists.txt. Uses the tools helpers
# (crypto_util.cc, ui.cc) and cairn_authority (OpenStoreFor).
set(CAIRN_CLI_INVENTORY_SOURCES inventory.cc ca_store.cc)
