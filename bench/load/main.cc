// cairn-bench: the load generator and measuring tools behind bench/run.

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace cairn::bench;
  CLI::App app{"cairn-bench: measure certificate issuance (Cairn and its peers) on this machine.",
               "cairn-bench"};
  app.require_subcommand(1);

  SignFlags sign;
  CLI::App* s = app.add_subcommand("sign",
                                   "Drive POST /sign (or cfssl's sign/authsign) and "
                                   "measure throughput, latency, server CPU and RSS");
  s->add_option("--url", sign.url, "Server URL, https://127.0.0.1:PORT")->required();
  s->add_option("--root", sign.root, "PEM root certificate(s) to trust (TLS and issuer chain)")
      ->required();
  s->add_option("--mode", sign.mode, "cairn | cfssl | cfssl-authsign")->capture_default_str();
  s->add_option("--connections", sign.connections, "Keep-alive TLS connections")
      ->capture_default_str();
  s->add_option("--duration", sign.duration_s, "Measured seconds")->capture_default_str();
  s->add_option("--warmup", sign.warmup_s, "Warm-up seconds before the measured window")
      ->capture_default_str();
  s->add_option("--requests-max", sign.requests_max,
                "Requests to prepare (cairn: one token each; 0 = 12,000/s of run time)");
  s->add_option("--server-pid", sign.server_pid, "Server process to read CPU and RSS from");
  s->add_option("--ca-config", sign.ca_config, "cairn: ca.json with the JWK provisioner");
  s->add_option("--provisioner", sign.provisioner, "cairn: JWK provisioner name");
  s->add_option("--password-file", sign.password_file, "cairn: file with the provisioner password");
  s->add_option("--hmac-key", sign.hmac_key, "cfssl-authsign: the auth key, hex");
  s->add_option("--profile", sign.profile, "cfssl: signing profile to request");
  s->add_option("--issuer", sign.issuer,
                "PEM of the signing CA (default for cairn: ca.json's \"crt\")");
  s->add_option("--key-pool", sign.key_pool, "Distinct P-256 keys for the CSRs")
      ->capture_default_str();
  s->add_flag("--json", sign.json, "Print one JSON object");

  FloorFlags floor;
  CLI::App* fl = app.add_subcommand(
      "floor", "CPU time of one ECDSA P-256 signature + two verifications (OpenSSL EVP)");
  fl->add_option("--seconds", floor.seconds, "Measuring time")->capture_default_str();
  fl->add_flag("--json", floor.json, "Print one JSON object");

  SeedFlags seed;
  CLI::App* sd = app.add_subcommand("seed", "Fill a Cairn SQLite store with N certificates");
  sd->add_option("--db", seed.db, "Path to cairn.db")->required();
  sd->add_option("--count", seed.count, "Certificates to add")->required();
  sd->add_option("--batch", seed.batch, "Rows per transaction")->capture_default_str();
  sd->add_flag("--json", seed.json, "Print one JSON object");

  StartupFlags startup;
  CLI::App* st = app.add_subcommand(
      "startup", "Start a server, time its first HTTP 200, then read its idle RSS");
  st->add_option("--url", startup.url, "Server URL, https://127.0.0.1:PORT")->required();
  st->add_option("--root", startup.root, "PEM root certificate(s) to trust")->required();
  st->add_option("--path", startup.path, "Path to poll")->capture_default_str();
  st->add_option("--body", startup.body, "POST this body instead of a GET");
  st->add_option("--timeout", startup.timeout_s, "Give up after seconds")->capture_default_str();
  st->add_option("--idle", startup.idle_s, "Seconds to wait before reading the idle RSS")
      ->capture_default_str();
  st->add_flag("--keep", startup.keep, "Leave the server running (its pid is printed)");
  st->add_option("--log", startup.log, "File for the server's stdout/stderr");
  st->add_flag("--json", startup.json, "Print one JSON object");
  st->add_option("command", startup.command, "The server command line, after --")->required();

  CrlFlags crl;
  CLI::App* cr = app.add_subcommand(
      "crl", "Seed N revocations into a SQLite store, then time Cairn's CRL generation");
  cr->add_option("--dir", crl.dir, "Empty directory for the store (cairn.db)")->required();
  cr->add_option("--count", crl.count, "Revoked certificates")->capture_default_str();
  cr->add_option("--batch", crl.batch, "Rows per seeding transaction")->capture_default_str();
  cr->add_option("--repeat", crl.repeat, "Generations after the first (median reported)")
      ->capture_default_str();
  cr->add_flag("--json", crl.json, "Print one JSON object");

  CLI11_PARSE(app, argc, argv);
  if (s->parsed()) return RunSign(sign);
  if (fl->parsed()) return RunFloor(floor);
  if (sd->parsed()) return RunSeed(seed);
  if (st->parsed()) return RunStartup(startup);
  if (cr->parsed()) return RunCrl(crl);
  return 2;
}
