#pragma once

#include <string>

namespace cairn::config {

// CairnHome returns the directory that holds certs/, secrets/, config/, templates/ and db/:
//   $STEPPATH when set and non-empty (step compatibility: an existing step-ca deployment
//     keeps working unchanged, so it wins over CAIRNPATH when both are set);
//   else $CAIRNPATH when set and non-empty;
//   else ~/.cairn ($HOME, or the password database when HOME is unset).
// Thread-safe as long as nobody modifies the environment concurrently.
std::string CairnHome();

// HomeForConfig returns the directory relative paths of the ca.json at `config_path` are
// resolved against: $STEPPATH or $CAIRNPATH when set, else the parent of the config file's
// directory (<home>/config/ca.json). cairn-ca and the offline commands use it alike, so both
// open the same database.
std::string HomeForConfig(const std::string& config_path);

// Well-known paths under a home directory, as `step ca init` lays them out.
std::string CaConfigPath(const std::string& home);  // <home>/config/ca.json
std::string DefaultsPath(const std::string& home);  // <home>/config/defaults.json
std::string DbDirectory(const std::string& home);   // <home>/db

}  // namespace cairn::config
