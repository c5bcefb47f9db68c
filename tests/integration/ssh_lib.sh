# Helpers for the SSH integration tests: source it after lib.sh.
#   ssh_ca_up CAIRN CAIRN_CA   `cairn ca init --ssh` in $WORK/ca-home and a running cairn-ca;
#                              sets CA_HOME, STEPPATH, ROOT, URL, PORT, ME and writes the CA
#                              password to $WORK/pw and the provisioner's ($admin) to $WORK/ppw.
#   sshd_up DIR HOSTKEY HOSTCERT [EXTRA_CONFIG_LINES]
#                              a real sshd on 127.0.0.1:$SPORT trusting the user CA, allowing
#                              principal $ME, presenting HOSTCERT; sets SPORT and SSHD_DIR.
#   sshc ARGS...               ssh to that sshd with no agent, no config, strict host keys
#                              against $SSHD_DIR/known_hosts.

ssh_ca_up() {
  local cairn=$1 cairn_ca=$2
  PORT=$(free_port)
  CA_HOME=$WORK/ca-home
  export STEPPATH=$CA_HOME
  printf 'ca-password\n' >"$WORK/pw"
  printf 'provisioner-password\n' >"$WORK/ppw"
  "$cairn" ca init --ssh --name "SSH CA" --provisioner admin --dns 127.0.0.1 \
    --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
    --provisioner-password-file "$WORK/ppw" >"$WORK/init.log" 2>&1 || return 1
  ROOT=$CA_HOME/certs/root_ca.crt
  URL=https://127.0.0.1:$PORT
  ME=$(id -un)
  spawn ca "$cairn_ca" "$CA_HOME/config/ca.json" --password-file "$WORK/pw"
  CA_PID=$LAST_PID
  wait_https "$URL/health" "$ROOT" 30
}

sshd_up() {
  local dir=$1 hostkey=$2 hostcert=$3 extra=${4:-}
  SSHD_DIR=$dir
  SPORT=$(free_port)
  mkdir -p "$dir" && chmod 700 "$dir"
  printf '%s\n' "$ME" >"$dir/principals"
  cat >"$dir/sshd_config" <<CFG
Port $SPORT
ListenAddress 127.0.0.1
HostKey $hostkey
HostCertificate $hostcert
TrustedUserCAKeys $CA_HOME/certs/ssh_user_ca_key.pub
AuthorizedPrincipalsFile $dir/principals
AuthorizedKeysFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
PidFile $dir/sshd.pid
LogLevel VERBOSE
$extra
CFG
  mkdir -p /run/sshd 2>/dev/null
  spawn "sshd-$(basename "$dir")" /usr/sbin/sshd -D -e -f "$dir/sshd_config"
  SSHD_PID=$LAST_PID
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SPORT"
}

sshc() {
  timeout 20 ssh -F none -o BatchMode=yes -o UserKnownHostsFile="$SSHD_DIR/known_hosts" \
    -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o IdentityAgent=none -p "$SPORT" "$@"
}
