// cairn-ca: the online certificate authority. Serves step-ca's HTTP API for the ca.json given
// on the command line. Only wiring lives here; everything else is in the libraries.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "server/ca_server.h"

namespace {

// RaiseOpenFileLimit lifts the soft limit on open files to the hard one, as Go's runtime does
// for step-ca: a CA serves many connections, and under systemd's default soft limit of 1024 the
// server would lower its connection cap to fit. Best effort; the server logs the cap it uses.
void RaiseOpenFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  cairn::server::ServerFlags flags;
  CLI::App app{"cairn-ca: the Cairn online certificate authority, serving step-ca's API.",
               "cairn-ca"};
  app.set_version_flag("--version", std::string("cairn-ca ") + CAIRN_VERSION);
  app.add_option("config", flags.config_path, "Path to the ca.json configuration file")->required();
  app.add_option("--password-file", flags.password_file,
                 "File with the password that decrypts the intermediate CA key");
  app.add_option("--pidfile", flags.pid_file, "File to write the process id to");
  app.add_flag("--quiet", flags.quiet, "Do not print the start-up banner");
  app.add_option("--resolver", flags.resolver,
                 "DNS server (host:port) for ACME validation; default: the system resolver");
  app.add_option("--acme-http-port", flags.acme_http_port,
                 "Port where ACME http-01 challenges are checked (tests and closed networks; "
                 "default 80)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--acme-tls-port", flags.acme_tls_port,
                 "Port where ACME tls-alpn-01 challenges are checked (tests and closed networks; "
                 "default 443)")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--acme-strict-fqdn", flags.acme_strict_fqdn,
               "Look dns-01 TXT records up as fully qualified names (trailing dot)");
  app.footer(
      "Examples:\n"
      "  cairn-ca $(cairn path)/config/ca.json\n"
      "  cairn-ca --password-file pw.txt $(cairn path)/config/ca.json\n"
      "Signals: SIGHUP reloads ca.json; SIGTERM and SIGINT finish in-flight requests and exit.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  RaiseOpenFileLimit();
  return cairn::server::RunCaServer(flags);
}
