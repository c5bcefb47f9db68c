# Sources of the "tools" commands (path, ca init, ca provisioner, certificate, crypto), relative
# to src/cli. Included by src/cli/CMakeLists.txt and by tests/cli/CMakeLists.txt.
set(CAIRN_CLI_TOOLS_SOURCES
    ca_init.cc
    ca_provisioner.cc
    certificate.cc
    certificate_format.cc
    certificate_util.cc
    crypto.cc
    crypto_util.cc
    path.cc)
