# The `cairn ca` client commands (bootstrap, root, roots, federation, health, token,
# certificate, sign, renew, revoke).
set(CAIRN_CLI_CLIENT_SOURCES ca_acme.cc ca_client.cc ca_client_flow.cc ca_client_renew.cc)
