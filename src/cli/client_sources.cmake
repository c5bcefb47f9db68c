# The `cairn ca` client commands (bootstrap, root, roots, federation, health, token,
# certificate, sign, renew, revoke) and `cairn ca acme eab` (through the admin API, or offline
# on the CA's database through ca_store.cc of the inventory sources).
set(CAIRN_CLI_CLIENT_SOURCES ca_acme.cc ca_acme_eab.cc ca_admin_session.cc ca_client.cc
    ca_client_flow.cc ca_client_renew.cc ssh.cc ssh_agent_cmds.cc ssh_config.cc
    ssh_pop.cc)
