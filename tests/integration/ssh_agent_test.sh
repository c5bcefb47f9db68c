#!/usr/bin/env bash
# The SSH agent and the KRL end to end, with OpenSSH's own tools as judges: `cairn ssh
# certificate` adds the certificate and key to a real ssh-agent (not with --no-agent);
# `cairn ssh login` puts a fresh key and certificate in the agent only, `cairn ssh list` shows
# it as ssh-add does, ssh logs in to a real sshd with nothing but the agent, and `cairn ssh
# logout` takes it away again. Then the KRL: one of two user certificates is revoked, `cairn ssh
# krl` (online and offline) writes a KRL that ssh-keygen -Q and sshd's RevokedKeys agree with.
# usage: ssh_agent_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/ssh_lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in ssh-agent ssh-add ssh-keygen ssh /usr/sbin/sshd curl; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

unset SSH_AUTH_SOCK
export HOME=$WORK/home
mkdir -p "$HOME"
ssh_ca_up "$CAIRN" "$CAIRN_CA" || { fail "cairn-ca serves" "$(tail -20 "$WORK/init.log" "$WORK/ca.log")"; finish; }
pass "cairn-ca serves"
cd "$WORK" || exit 1

spawn agent ssh-agent -D -a "$WORK/agent.sock"
wait_for 10 test -S "$WORK/agent.sock" || { fail "ssh-agent listens" "$(cat "$WORK/agent.log")"; finish; }
export SSH_AUTH_SOCK=$WORK/agent.sock
PROV=(--provisioner admin --provisioner-password-file "$WORK/ppw")

# --- ssh certificate adds the user certificate and its key to the agent -----------------------
out=$("$CAIRN" ssh certificate "$ME@example.com" "$WORK/id_user" "${PROV[@]}" --no-password --insecure 2>&1)
expect_match "ssh certificate: added to the agent" "SSH Agent: yes" "$out"
expect_eq "ssh-add -L shows the certificate" "$(cut -d' ' -f1,2 "$WORK/id_user-cert.pub") $ME@example.com" "$(ssh-add -L 2>&1)"
expect_match "ssh-add -l: a certificate identity, comment = key id" "^256 SHA256:.* $ME@example.com \(ECDSA-CERT\)\$" "$(ssh-add -l 2>&1)"
# The agent signs with it: ssh-keygen -Y sign through the agent (the certificate as the key).
printf 'hello\n' >"$WORK/msg"
check "the agent signs with the added key" ssh-keygen -Y sign -n file -f "$WORK/id_user-cert.pub" "$WORK/msg"
# Host certificates are not added (as step).
"$CAIRN" ssh certificate --host 127.0.0.1 "$WORK/host_key" "${PROV[@]}" --no-password --insecure --kty OKP >"$WORK/host.out" 2>&1
expect_eq "ssh certificate --host: nothing added" "1" "$(ssh-add -L | wc -l)"
ssh-add -D >/dev/null 2>&1
out=$("$CAIRN" ssh certificate "$ME@example.com" "$WORK/id_noagent" "${PROV[@]}" --no-password --insecure --no-agent 2>&1)
check "ssh certificate --no-agent writes the certificate" test -s "$WORK/id_noagent-cert.pub"
expect_eq "--no-agent: the agent stays empty" "The agent has no identities." "$(ssh-add -L 2>&1)"

# --- ssh login / list / logout ----------------------------------------------------------------
# Files written since (the CA's own database and the logs aside).
written() { find "$WORK" -path "$CA_HOME" -prune -o -type f -newer "$WORK/id_noagent-cert.pub" ! -name '*.log' -print | sort; }
before=$(written)
out=$("$CAIRN" ssh login "$ME" "${PROV[@]}" 2>&1)
expect_match "ssh login: added to the agent" "SSH Agent: yes" "$out"
after=$(written)
expect_eq "ssh login writes no files" "$before" "$after"
ssh-add -L >"$WORK/login-cert.pub" 2>&1
L=$(ssh-keygen -L -f "$WORK/login-cert.pub" 2>&1)
expect_match "ssh login: a user certificate in the agent" "ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate" "$L"
expect_match "ssh login: key id" "Key ID: \"$ME\"" "$L"
expect_match "ssh login: principal" "^ +$ME\$" "$(printf '%s' "$L" | sed -n '/Principals:/,/Critical/p')"
expect_eq "cairn ssh list = ssh-add -l" "$(ssh-add -l 2>&1)" "$("$CAIRN" ssh list 2>&1)"
expect_eq "cairn ssh list --raw = ssh-add -L" "$(ssh-add -L 2>&1)" "$("$CAIRN" ssh list --raw 2>&1)"
expect_eq "cairn ssh list <other subject>" "" "$("$CAIRN" ssh list nobody 2>&1)"
out=$("$CAIRN" ssh login "$ME" "${PROV[@]}" 2>&1)
expect_match "ssh login again: already present" "is already present in the SSH agent" "$out"
expect_eq "ssh login again: still one identity" "1" "$(ssh-add -L | wc -l)"

D=$WORK/sshd
sshd_up "$D" "$WORK/host_key" "$WORK/host_key-cert.pub" || fail "sshd listens" "$(tail -5 "$WORK/sshd-sshd.log")"
printf '@cert-authority * %s\n' "$(cat "$CA_HOME/certs/ssh_host_ca_key.pub")" >"$D/known_hosts"
ssha() {
  timeout 20 ssh -F none -o BatchMode=yes -o UserKnownHostsFile="$D/known_hosts" \
    -o StrictHostKeyChecking=yes -o IdentityAgent="$SSH_AUTH_SOCK" -p "$SPORT" "$ME@127.0.0.1" "$@"
}
check "ssh with only the agent logs in" ssha true
expect_match "sshd accepted the agent's certificate" "Accepted publickey for $ME .*ECDSA-CERT.*ID $ME " "$(cat "$WORK/sshd-sshd.log")"

# A plain key in the agent survives a logout of the CA's certificates.
ssh-keygen -q -t ed25519 -N '' -C plain-key -f "$WORK/plain" </dev/null
ssh-add "$WORK/plain" >/dev/null 2>&1
out=$("$CAIRN" ssh logout "$ME" 2>&1)
expect_eq "ssh logout <identity>" "Identity removed: $ME" "$out"
expect_eq "ssh logout: only the plain key is left" "$(cut -d' ' -f1,2 "$WORK/plain.pub") plain-key" "$(ssh-add -L 2>&1)"
check_fails "after logout the login fails" ssha true
expect_eq "ssh logout again: not found" "Identity not found: $ME" "$("$CAIRN" ssh logout "$ME" 2>&1)"
"$CAIRN" ssh login "$ME" "${PROV[@]}" >/dev/null 2>&1
expect_eq "ssh logout (all of this CA's certificates)" "Identity removed." "$("$CAIRN" ssh logout 2>&1)"
expect_eq "ssh logout: the plain key stays" "1" "$(ssh-add -L | wc -l)"
expect_eq "ssh logout --all" "All identities removed." "$("$CAIRN" ssh logout --all 2>&1)"
expect_eq "ssh list on an empty agent" "The agent has no identities." "$("$CAIRN" ssh list 2>&1)"
check_fails "ssh login without an agent fails" env -u SSH_AUTH_SOCK "$CAIRN" ssh login "$ME" "${PROV[@]}"

# --- KRL --------------------------------------------------------------------------------------
for u in a b; do
  "$CAIRN" ssh certificate "krl-$u" "$WORK/krl_$u" --principal "$ME" "${PROV[@]}" --no-password \
    --insecure --no-agent >/dev/null 2>&1
done
serial() { ssh-keygen -L -f "$1" | awk '/Serial:/ {print $2}'; }
SERIAL_A=$(serial "$WORK/krl_a-cert.pub")
# A JWK SSH revoke token (aud .../1.0/ssh/revoke, sub = serial), signed with the provisioner's key
# (decrypted with cairn crypto jwe decrypt) by Python's cryptography, not by Cairn.
$PY - "$CA_HOME/config/ca.json" >"$WORK/prov.jwe" 2>"$WORK/prov.kid" <<'PY'
import json, sys
p = [p for p in json.load(open(sys.argv[1]))["authority"]["provisioners"] if p["name"] == "admin"][0]
print(p["encryptedKey"]); print(p["key"]["kid"], file=sys.stderr)
PY
"$CAIRN" crypto jwe decrypt --password-file "$WORK/ppw" <"$WORK/prov.jwe" >"$WORK/prov.jwk" 2>"$WORK/jwe.log"
REVOKE_TOKEN=$($PY - "$WORK/prov.jwk" "$(cat "$WORK/prov.kid")" "$URL/1.0/ssh/revoke" "$SERIAL_A" <<'PY'
import base64, json, secrets, sys, time
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
jwk, kid, aud, sub = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
d = int.from_bytes(base64.urlsafe_b64decode(jwk["d"] + "=" * (-len(jwk["d"]) % 4)), "big")
key = ec.derive_private_key(d, ec.SECP256R1())
now = int(time.time())
head = {"alg": "ES256", "kid": kid, "typ": "JWT"}
claims = {"iss": "admin", "sub": sub, "aud": aud, "iat": now, "nbf": now, "exp": now + 300,
          "jti": secrets.token_hex(32)}
si = b64u(json.dumps(head).encode()) + "." + b64u(json.dumps(claims).encode())
r, s = utils.decode_dss_signature(key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
print(si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big")))
PY
)
code=$(curl -s -o "$WORK/revoke.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data "{\"serial\":\"$SERIAL_A\",\"ott\":\"$REVOKE_TOKEN\",\"passive\":true}" "$URL/1.0/ssh/revoke")
check "POST /ssh/revoke with a JWK token (got $code: $(cat "$WORK/revoke.json"))" test "$code" = 200

out=$("$CAIRN" ssh krl --out "$WORK/krl" 2>&1)
expect_match "cairn ssh krl --out" "KRL: $WORK/krl" "$out"
q=$(ssh-keygen -Q -f "$WORK/krl" "$WORK/krl_a-cert.pub" 2>&1)
expect_match "ssh-keygen -Q: the revoked certificate is REVOKED" "REVOKED" "$q"
check "ssh-keygen -Q: the other certificate is ok" ssh-keygen -Q -f "$WORK/krl" "$WORK/krl_b-cert.pub"
expect_match "ssh-keygen -Q -l lists the serial" "^serial: $SERIAL_A\$" "$(ssh-keygen -Q -l -f "$WORK/krl" 2>&1)"
# Offline, from the CA's own database (the server is running: SQLite WAL).
"$CAIRN" ssh krl --ca-config "$CA_HOME/config/ca.json" >"$WORK/krl-offline" 2>"$WORK/krl-offline.log"
check "cairn ssh krl --ca-config (stdout, not a terminal)" test -s "$WORK/krl-offline"
expect_match "offline KRL: REVOKED too" "REVOKED" "$(ssh-keygen -Q -f "$WORK/krl-offline" "$WORK/krl_a-cert.pub" 2>&1)"
check "offline KRL: the other certificate is ok" ssh-keygen -Q -f "$WORK/krl-offline" "$WORK/krl_b-cert.pub"
# GET /ssh/krl and /1.0/ssh/krl.
for path in /ssh/krl /1.0/ssh/krl; do
  ct=$(curl -s -o "$WORK/krl-curl" -w '%{http_code} %{content_type}' --cacert "$ROOT" "$URL$path")
  expect_eq "GET $path" "200 application/octet-stream" "$ct"
done
expect_match "GET /ssh/krl: a KRL" "REVOKED" "$(ssh-keygen -Q -f "$WORK/krl-curl" "$WORK/krl_a-cert.pub" 2>&1)"

# sshd with RevokedKeys refuses the revoked certificate and accepts the other.
D=$WORK/sshd-krl
sshd_up "$D" "$WORK/host_key" "$WORK/host_key-cert.pub" "RevokedKeys $WORK/krl" || fail "sshd (RevokedKeys) listens"
printf '@cert-authority * %s\n' "$(cat "$CA_HOME/certs/ssh_host_ca_key.pub")" >"$D/known_hosts"
check_fails "RevokedKeys: the revoked certificate is refused" \
  sshc -i "$WORK/krl_a" -o CertificateFile="$WORK/krl_a-cert.pub" "$ME@127.0.0.1" true
check "RevokedKeys: the other certificate logs in" \
  sshc -i "$WORK/krl_b" -o CertificateFile="$WORK/krl_b-cert.pub" "$ME@127.0.0.1" true
expect_match "sshd says why: revoked" "revoked" "$(cat "$WORK/sshd-sshd-krl.log")"
finish
