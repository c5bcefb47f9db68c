#pragma once

// The subcommands of cairn-bench. Each returns the process exit code (0 = success) and prints
// its report to stdout (a human table, or one JSON object with --json), diagnostics to stderr.

#include <cstdint>
#include <string>
#include <vector>

namespace cairn::bench {

// SignFlags are the options of `cairn-bench sign` (see main.cc for their help).
struct SignFlags {
  std::string url;
  std::string root;
  std::string mode = "cairn";
  int connections = 16;
  double duration_s = 10;
  double warmup_s = 2;
  int64_t requests_max = 0;  // 0: sized from the duration
  int server_pid = 0;
  bool json = false;
  std::string ca_config;
  std::string provisioner;
  std::string password_file;
  std::string hmac_key;
  std::string profile;
  std::string issuer;
  int key_pool = 64;
};

// RunSign prepares the workload, drives it and checks every certificate. Exit code 0 when the
// run completed (errors are reported, not an exit failure), 1 on a setup failure.
int RunSign(const SignFlags& flags);

// FloorFlags are the options of `cairn-bench floor`.
struct FloorFlags {
  double seconds = 2;
  bool json = false;
};

// RunFloor measures the CPU time of one ECDSA P-256 signature and of one verification.
int RunFloor(const FloorFlags& flags);

// SeedFlags are the options of `cairn-bench seed`.
struct SeedFlags {
  std::string db;
  int64_t count = 0;
  int64_t batch = 100000;
  bool json = false;
};

// RunSeed fills a Cairn SQLite store with `count` certificate rows (and their used tokens).
int RunSeed(const SeedFlags& flags);

// StartupFlags are the options of `cairn-bench startup`.
struct StartupFlags {
  std::string url;
  std::string root;
  std::string path = "/health";
  std::string body;  // non-empty: POST it instead of GET
  double timeout_s = 30;
  double idle_s = 1;
  bool keep = false;
  std::string log;  // the child's stdout/stderr ("" = /dev/null)
  bool json = false;
  std::vector<std::string> command;
};

// RunStartup starts the command and measures the time to its first HTTP 200, then its idle RSS.
int RunStartup(const StartupFlags& flags);

// CrlFlags are the options of `cairn-bench crl`.
struct CrlFlags {
  std::string dir;  // an empty or missing directory for the store
  int64_t count = 1000000;
  int64_t batch = 100000;
  int repeat = 3;
  bool json = false;
};

// RunCrl seeds a store with `count` revocations and times CRL generation
// (authority::CrlPublisher). Exit code 0 when a signed CRL was published, 1 otherwise.
int RunCrl(const CrlFlags& flags);

}  // namespace cairn::bench
