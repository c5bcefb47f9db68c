#!/usr/bin/env bash
# The SSH CA end to end: `cairn ca init --ssh`, the real cairn-ca, `cairn ssh certificate` for a
# user and a host, judged by OpenSSH's own ssh-keygen -L; /ssh/roots over curl; a replayed token
# and a principal outside the token refused; and a real login with the
# user certificate against sshd trusting the user CA and presenting a Cairn host certificate.
# usage: ssh_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/ssh_lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in ssh-keygen curl; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

unset SSH_AUTH_SOCK
ssh_ca_up "$CAIRN" "$CAIRN_CA" || { fail "cairn-ca serves" "$(tail -20 "$WORK/init.log" "$WORK/ca.log")"; finish; }
check "ca init --ssh" test -s "$CA_HOME/certs/ssh_user_ca_key.pub"
pass "cairn-ca serves"
fp() { ssh-keygen -l -f "$1" | awk '{print $2}'; }
USER_CA_FP=$(fp "$CA_HOME/certs/ssh_user_ca_key.pub")
HOST_CA_FP=$(fp "$CA_HOME/certs/ssh_host_ca_key.pub")

# A user certificate.
cd "$WORK" || exit 1
out=$("$CAIRN" ssh certificate "$ME@example.com" "$WORK/id_ecdsa" --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --no-password --insecure 2>&1)
expect_match "ssh certificate prints the certificate file" "Certificate: $WORK/id_ecdsa-cert.pub" "$out"
L=$(ssh-keygen -L -f "$WORK/id_ecdsa-cert.pub" 2>&1)
expect_match "user: ssh-keygen -L reads a user certificate" "ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate" "$L"
expect_match "user: key id" "Key ID: \"$ME@example.com\"" "$L"
expect_match "user: principal is the local part" "^ +$ME\$" "$(printf '%s' "$L" | sed -n '/Principals:/,/Critical/p')"
expect_match "user: and the subject" "^ +$ME@example.com\$" "$(printf '%s' "$L" | sed -n '/Principals:/,/Critical/p')"
expect_match "user: permit-pty" "permit-pty" "$L"
expect_match "user: permit-agent-forwarding" "permit-agent-forwarding" "$L"
expect_match "user: signed by the user CA" "Signing CA: ECDSA ${USER_CA_FP//+/\\+} " "$L"
# ssh-keygen reads the private key (OpenSSH format) and it matches the certificate.
check "user: ssh-keygen reads the private key" ssh-keygen -y -f "$WORK/id_ecdsa"
expect_eq "user: private key matches the .pub" "$(cut -d' ' -f1,2 "$WORK/id_ecdsa.pub")" "$(ssh-keygen -y -f "$WORK/id_ecdsa" | cut -d' ' -f1,2)"
# validity: ~16h for users.
span() { $PY - "$1" <<'PY'
import re, sys, datetime
m = re.search(r"Valid: from (\S+) to (\S+)", open(sys.argv[1]).read())
f = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")
print(int((f(m.group(2)) - f(m.group(1))).total_seconds()))
PY
}
ssh-keygen -L -f "$WORK/id_ecdsa-cert.pub" >"$WORK/user.L"
s=$(span "$WORK/user.L")
check "user: validity is about 16h (got ${s}s)" test "$s" -ge 57600 -a "$s" -le 57960
# cairn's own inspect and fingerprint agree with ssh-keygen.
I=$("$CAIRN" ssh inspect "$WORK/id_ecdsa-cert.pub" 2>&1)
expect_match "cairn ssh inspect: type" "user certificate" "$I"
expect_match "cairn ssh inspect: signing CA" "Signing CA: ECDSA ${USER_CA_FP//+/\\+} " "$I"
expect_eq "cairn ssh inspect: same lines as ssh-keygen -L" "$(sed 1d "$WORK/user.L")" "$(printf '%s\n' "$I" | sed 1d)"
expect_eq "cairn ssh fingerprint = ssh-keygen -l" "$(fp "$WORK/id_ecdsa.pub")" "$("$CAIRN" ssh fingerprint "$WORK/id_ecdsa-cert.pub")"

# A host certificate for 127.0.0.1.
"$CAIRN" ssh certificate --host 127.0.0.1 "$WORK/host_key" --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --no-password --insecure --kty OKP >/dev/null 2>&1
ssh-keygen -L -f "$WORK/host_key-cert.pub" >"$WORK/host.L" 2>&1
H=$(cat "$WORK/host.L")
expect_match "host: ssh-keygen -L reads a host certificate" "ssh-ed25519-cert-v01@openssh.com host certificate" "$H"
expect_match "host: principal" "^ +127.0.0.1\$" "$H"
expect_match "host: no extensions" "Extensions: \(none\)" "$H"
expect_match "host: signed by the host CA" "Signing CA: ECDSA ${HOST_CA_FP//+/\\+} " "$H"
s=$(span "$WORK/host.L")
check "host: validity is about 30 days (got ${s}s)" test "$s" -ge 2592000 -a "$s" -le 2592360

# --offline: the same certificate from an in-process authority over ca.json, its keys and its
# database (the CA's password unlocks the SSH user key; with --no-password, --password-file is
# that password).
check "ssh certificate --offline" "$CAIRN" ssh certificate offline@example.com "$WORK/offline" \
  --offline --provisioner admin --provisioner-password-file "$WORK/ppw" --password-file "$WORK/pw" \
  --no-password --insecure --no-agent
L=$(ssh-keygen -L -f "$WORK/offline-cert.pub" 2>&1)
expect_match "offline: signed by the user CA" "Signing CA: ECDSA ${USER_CA_FP//+/\\+} " "$L"
expect_match "offline: key id" 'Key ID: "offline@example.com"' "$L"
OFF_SERIAL=$(printf '%s' "$L" | sed -n 's/.*Serial: \([0-9]*\).*/\1/p')
check "offline: recorded in the CA's database" \
  /usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); sys.exit(0 if c.execute("select count(*) from ssh_certs where serial=?", (sys.argv[2],)).fetchone()[0]==1 else 1)' \
  "$(ls "$CA_HOME"/db/*.db 2>/dev/null | head -1)" "$OFF_SERIAL"

# Other key types and a password-protected key (encrypted PKCS#8, which OpenSSH reads).
"$CAIRN" ssh certificate rsa-user "$WORK/id_rsa" --kty RSA --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --no-password --insecure >/dev/null 2>&1
expect_eq "rsa: ssh-keygen reads the OpenSSH private key" "$(cut -d' ' -f1,2 "$WORK/id_rsa.pub")" "$(ssh-keygen -y -f "$WORK/id_rsa" 2>&1 | cut -d' ' -f1,2)"
expect_match "rsa: certificate" "ssh-rsa-cert-v01@openssh.com user certificate" "$(ssh-keygen -L -f "$WORK/id_rsa-cert.pub" 2>&1)"
printf 'key-password\n' >"$WORK/kpw"
"$CAIRN" ssh certificate enc-user "$WORK/id_enc" --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --password-file "$WORK/kpw" >/dev/null 2>&1
check_fails "encrypted key: unreadable without the password" ssh-keygen -y -P '' -f "$WORK/id_enc"
expect_eq "encrypted key: ssh-keygen reads it with the password" "$(cut -d' ' -f1,2 "$WORK/id_enc.pub")" "$(ssh-keygen -y -P key-password -f "$WORK/id_enc" 2>&1 | cut -d' ' -f1,2)"
check "ssh certificate refuses --no-password without --insecure" bash -c "! '$CAIRN' ssh certificate x '$WORK/x' --token t --no-password"

# /ssh/roots matches the CA's public keys.
roots=$(curl -sf --cacert "$ROOT" "$URL/ssh/roots")
expect_eq "/ssh/roots userKey" "$(cut -d' ' -f2 "$CA_HOME/certs/ssh_user_ca_key.pub")" "$($PY -c 'import json,sys; print(json.load(sys.stdin)["userKey"][0])' <<<"$roots")"
expect_eq "/ssh/roots hostKey" "$(cut -d' ' -f2 "$CA_HOME/certs/ssh_host_ca_key.pub")" "$($PY -c 'import json,sys; print(json.load(sys.stdin)["hostKey"][0])' <<<"$roots")"

# Tokens: one use only, and only for the principals they name.
TOK=$("$CAIRN" ca token --ssh bob@example.com --provisioner admin --password-file "$WORK/ppw" 2>/dev/null)
CLAIMS=$($PY -c 'import sys,json,base64; p=sys.argv[1].split(".")[1]; print(json.dumps(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["step"]))' "$TOK")
expect_eq "ca token --ssh claims" '{"ssh": {"certType": "user", "keyID": "bob@example.com", "principals": ["bob", "bob@example.com"], "validAfter": "", "validBefore": ""}}' "$CLAIMS"
TOKH=$("$CAIRN" ca token --ssh --host web.internal --principal web.internal --principal 127.0.0.1 --cert-not-after 2h --provisioner admin --password-file "$WORK/ppw" 2>/dev/null)
CLAIMS=$($PY -c 'import sys,json,base64; p=sys.argv[1].split(".")[1]; c=json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4))); print(c["aud"], json.dumps(c["step"]))' "$TOKH")
expect_eq "ca token --ssh --host claims" "$URL/1.0/ssh/sign "'{"ssh": {"certType": "host", "keyID": "web.internal", "principals": ["web.internal", "127.0.0.1"], "validAfter": "", "validBefore": "2h"}}' "$CLAIMS"
check "token signs once" "$CAIRN" ssh certificate bob@example.com "$WORK/bob" --token "$TOK" --no-password --insecure
out=$("$CAIRN" ssh certificate bob@example.com "$WORK/bob2" --token "$TOK" --no-password --insecure 2>&1) && fail "replayed token refused" "$out" || pass "replayed token refused"
expect_match "replay: step-ca's 401 message" "lacked necessary authorization" "$out"
TOK=$("$CAIRN" ca token --ssh bob@example.com --provisioner admin --password-file "$WORK/ppw" 2>/dev/null)
PUB=$(cut -d' ' -f2 "$WORK/bob.pub")
code=$(curl -s -o "$WORK/bad.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data "{\"publicKey\":\"$PUB\",\"ott\":\"$TOK\",\"certType\":\"user\",\"principals\":[\"root\"]}" "$URL/1.0/ssh/sign")
check "principal outside the token: 403 (got $code)" test "$code" = 403
expect_match "principal outside the token: JSON message" '"message"' "$(cat "$WORK/bad.json")"

# A real login (scripts/install-deps.sh --with-tests installs openssh-server and -client).
SSHD=/usr/sbin/sshd
if [ -x "$SSHD" ] && command -v ssh >/dev/null; then
  D=$WORK/sshd
  sshd_up "$D" "$WORK/host_key" "$WORK/host_key-cert.pub" || fail "sshd listens" "$(tail -5 "$WORK/sshd-sshd.log")"
  printf '@cert-authority * %s\n' "$(cat "$CA_HOME/certs/ssh_host_ca_key.pub")" >"$D/known_hosts"
  check "ssh login with the user certificate (host certificate trusted via @cert-authority)" \
    sshc -i "$WORK/id_ecdsa" -o CertificateFile="$WORK/id_ecdsa-cert.pub" "$ME@127.0.0.1" true
  # A certificate for another principal is refused.
  "$CAIRN" ssh certificate "nobody-else" "$WORK/other" --provisioner admin \
    --provisioner-password-file "$WORK/ppw" --no-password --insecure >/dev/null 2>&1
  check_fails "ssh login with a certificate for another principal is refused" \
    sshc -i "$WORK/other" -o CertificateFile="$WORK/other-cert.pub" "$ME@127.0.0.1" true
  # Without the host CA, the host certificate is not trusted.
  : >"$D/known_hosts"
  check_fails "unknown host CA: StrictHostKeyChecking refuses" \
    sshc -i "$WORK/id_ecdsa" -o CertificateFile="$WORK/id_ecdsa-cert.pub" "$ME@127.0.0.1" true
else
  fail "sshd and ssh are installed (scripts/install-deps.sh --with-tests)"
fi
finish
