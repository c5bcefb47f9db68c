#!/usr/bin/env bash
# SSH certificates through a provisioner's pipeline, end to end: an SSH template file, enriching
# and authorizing webhooks to a real HTTPS server written for the tests (HMAC-checked, client
# certificate required), the authority's SSH name policy for users and hosts, step's add-user
# certificate (over the API and `cairn ssh certificate --add-user`), template data from --set,
# bad input (unknown key type, truncated or non-base64 keys, garbage token, malformed JSON, too
# many principals, an oversized body), and a login to a real sshd with a certificate the
# template shaped, while an expired one is refused. Certificates are judged by ssh-keygen -L.
# usage: ssh_pipeline_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/ssh_lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in ssh-keygen curl /usr/sbin/sshd ssh; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done
unset SSH_AUTH_SOCK
cd "$WORK" || exit 1

ssh_ca_up "$CAIRN" "$CAIRN_CA" || { fail "cairn-ca serves" "$(tail -20 "$WORK/init.log" "$WORK/ca.log")"; finish; }
stop_pid "$CA_PID"

# --- the webhook server: a certificate from this CA, client certificates required -------------
"$CAIRN" certificate create 127.0.0.1 "$WORK/hook.crt" "$WORK/hook.key" \
  --ca "$CA_HOME/certs/intermediate_ca.crt" --ca-key "$CA_HOME/secrets/intermediate_ca_key" \
  --ca-password-file "$WORK/pw" --san 127.0.0.1 --no-password --insecure >/dev/null 2>&1
cat "$ROOT" "$CA_HOME/certs/intermediate_ca.crt" >"$WORK/client-ca.pem"
HOOK_PORT=$(free_port)
SECRET=$($PY -c 'import base64,os; print(base64.b64encode(os.urandom(64)).decode())')
spawn hook $PY "$HERE/webhook_server.py" "$HOOK_PORT" "$WORK/hook.crt" "$WORK/hook.key" \
  "$WORK/client-ca.pem" "$SECRET" "$WORK/hooks.jsonl"
wait_for 10 grep -q listening "$WORK/hook.log" || fail "webhook server starts" "$(cat "$WORK/hook.log")"

# --- a provisioner with an SSH template and webhooks; an SSH name policy -------------------------
mkdir -p "$CA_HOME/templates/ssh"
cat >"$CA_HOME/templates/ssh/tester.tpl" <<'TPL'
{{- if .Insecure.User.forbid }}{{ fail "user data asked to be refused" }}{{ end -}}
{
	"type": {{ toJson .Type }},
	"keyId": {{ toJson .KeyID }},
	"principals": {{ toJson (append .Principals .Webhooks.enrich.team) }},
	"extensions": {"permit-pty": "", "team@cairn.example": {{ toJson .Webhooks.enrich.team }}},
	"criticalOptions": {{ toJson .CriticalOptions }}
}
TPL
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_HOME/config/ca.json" "$WORK/tester.jwk" "$HOOK_PORT" "$SECRET" "$ME" <<'PYEOF'
import json, sys
path, jwk_path, hook_port, secret, me = sys.argv[1:6]
cfg = json.load(open(path))
hook = "https://127.0.0.1:%s" % hook_port
cfg["authority"]["policy"] = {"ssh": {
    "user": {"allow": {"principal": [me, "billing", "denied-by-hook", "alice", "mallory"]},
             "deny": {"principal": ["mallory"]}},
    "host": {"allow": {"dns": ["*.example.com"], "ip": ["127.0.0.0/8"]}}}}
cfg["authority"]["provisioners"].append({
    "type": "JWK", "name": "tester", "key": json.load(open(jwk_path)),
    "claims": {"enableSSHCA": True, "minUserSSHCertDuration": "1s"},
    "options": {
        "ssh": {"templateFile": "templates/ssh/tester.tpl"},
        "webhooks": [
            {"id": "wh-enrich", "name": "enrich", "url": hook + "/enrich", "kind": "ENRICHING",
             "certType": "SSH", "secret": secret},
            {"id": "wh-auth", "name": "auth", "url": hook + "/authorize", "kind": "AUTHORIZING",
             "certType": "SSH", "secret": secret},
            {"id": "wh-x509", "name": "x509only", "url": hook + "/deny", "kind": "AUTHORIZING",
             "certType": "X509", "secret": secret}]}})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF
spawn ca "$CAIRN_CA" "$CA_HOME/config/ca.json" --password-file "$WORK/pw"
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves the SSH pipeline config"; else
  fail "cairn-ca serves the SSH pipeline config" "$(tail -20 "$WORK/ca.log")"; finish; fi

tester_cert() {  # tester_cert NAME PRINCIPAL... [--set k=v]: a user certificate through tester
  local name=$1 args=() p; shift
  for p in "$@"; do case $p in --set|*=*) args+=("$p") ;; *) args+=(-n "$p") ;; esac; done
  "$CAIRN" ssh certificate "$name" "$WORK/$name" --provisioner tester --key "$WORK/tester.pem" \
    "${args[@]}" --no-password --insecure --no-agent -f
}

# A certificate that expires within seconds, for sshd to refuse at the end.
check "short-lived user certificate" "$CAIRN" ssh certificate "$ME" "$WORK/short" -n "$ME" \
  --provisioner tester --key "$WORK/tester.pem" --not-after 3s --no-password --insecure --no-agent
SHORT_END=$(($(date +%s) + 4))

# 1. The template adds the enriching webhook's team as a principal and an extension.
check "tester: user certificate through the template" tester_cert "$ME" "$ME"
L=$(ssh-keygen -L -f "$WORK/$ME-cert.pub" 2>&1)
PRINCIPALS=$(printf '%s' "$L" | sed -n '/Principals:/,/Critical/p')
expect_match "tester: the token's principal" "^ +$ME\$" "$PRINCIPALS"
expect_match "tester: the webhook's team as a principal" "^ +billing\$" "$PRINCIPALS"
expect_match "tester: the template's extension" "team@cairn.example" "$L"
expect_match "tester: permit-pty" "permit-pty" "$L"
check_fails "tester: no agent forwarding (the template left it out)" grep -q permit-agent-forwarding <<<"$L"
hooks() { $PY -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == sys.argv[2]:
        print(json.dumps(r))' "$WORK/hooks.jsonl" "$1" | tail -1; }
ENRICH=$(hooks /enrich)
expect_match "enrich webhook saw the SSH request" '"sshCertificateRequest": \{"publicKey": "[A-Za-z0-9+/=]+", "type": "user"' "$ENRICH"
expect_match "enrich webhook: HMAC signature verified" '"signature_ok": true' "$ENRICH"
expect_match "enrich webhook: the CA's client certificate" '"client_cn": "[^"]+"' "$ENRICH"
AUTH=$(hooks /authorize)
expect_match "authorize webhook saw the certificate's principals" "\"principals\": \\[\"$ME\", \"billing\"\\]" "$AUTH"
expect_match "authorize webhook saw the validity" '"validBefore": [0-9]+, "validAfter": [0-9]+' "$AUTH"
check_fails "an X.509-only webhook is not called for SSH" grep -q '"/deny"' "$WORK/hooks.jsonl"

# 2. The authorizing webhook and the name policy refuse.
out=$(tester_cert hooked denied-by-hook 2>&1)
expect_match "authorizing webhook refuses (403)" "403|not allow|Forbidden|forbidden" "$out"
check_fails "refused: no certificate written" test -s "$WORK/hooked-cert.pub"
out=$(tester_cert mallory mallory 2>&1)
expect_match "policy refuses a denied principal" 'principal name "mallory" not allowed' "$out"
check_fails "refused: no certificate written" test -s "$WORK/mallory-cert.pub"

# 3. Host certificates: the host policy allows *.example.com and 127.0.0.0/8 only.
check "host within the policy" "$CAIRN" ssh certificate --host web.example.com "$WORK/web" \
  -n web.example.com -n 127.0.0.1 --provisioner admin --provisioner-password-file "$WORK/ppw" \
  --no-password --insecure --no-agent
out=$("$CAIRN" ssh certificate --host web.other.org "$WORK/other" --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --no-password --insecure --no-agent 2>&1)
expect_match "host outside the policy is refused" 'not allowed|403' "$out"

# 4. Template data from the request reaches .Insecure.User; `fail` answers 400 with its text.
TOK=$("$CAIRN" ca token "$ME" --ssh -n "$ME" --provisioner tester --key "$WORK/tester.pem" 2>/dev/null)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/raw" >/dev/null
PUB=$(cut -d' ' -f2 "$WORK/raw.pub")
code=$(curl -s -o "$WORK/forbid.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data "{\"publicKey\":\"$PUB\",\"ott\":\"$TOK\",\"certType\":\"user\",\"templateData\":{\"forbid\":true}}" "$URL/1.0/ssh/sign")
expect_eq "template fail: 400" 400 "$code"
expect_match "template fail: the template's message" 'user data asked to be refused' "$(cat "$WORK/forbid.json")"

# 5. step's add-user certificate: a second key certified for ssh.addUserPrincipal with the
#    add-user command as force-command.
TOK=$("$CAIRN" ca token alice --ssh -n alice --provisioner admin --provisioner-password-file "$WORK/ppw" 2>/dev/null)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/au" >/dev/null
AU=$(cut -d' ' -f2 "$WORK/au.pub")
code=$(curl -s -o "$WORK/au.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data "{\"publicKey\":\"$PUB\",\"ott\":\"$TOK\",\"certType\":\"user\",\"addUserPublicKey\":\"$AU\"}" "$URL/1.0/ssh/sign")
expect_eq "add-user: 201" 201 "$code"
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print("ssh-ed25519-cert-v01@openssh.com " + j["addUserCrt"])' \
  "$WORK/au.json" >"$WORK/au-cert.pub" 2>/dev/null
AUL=$(ssh-keygen -L -f "$WORK/au-cert.pub" 2>&1)
expect_match "add-user: key id" 'Key ID: "alice-provisioner"' "$AUL"
expect_match "add-user: principal provisioner" '^ +provisioner$' "$AUL"
expect_match "add-user: force-command" 'force-command sudo useradd -m alice; nc -q0 localhost 22' "$AUL"

# ... and through `cairn ssh certificate --add-user`, which writes step's -provisioner files.
check "add-user: cairn ssh certificate --add-user" "$CAIRN" ssh certificate alice@example.com \
  "$WORK/alice" -n alice --add-user --provisioner admin --provisioner-password-file "$WORK/ppw" \
  --no-password --insecure --no-agent
AUL=$(ssh-keygen -L -f "$WORK/alice-provisioner-cert.pub" 2>&1)
expect_match "add-user (cli): force-command" 'force-command sudo useradd -m alice; nc -q0 localhost 22' "$AUL"
expect_eq "add-user (cli): the key matches its certificate" \
  "$(ssh-keygen -y -f "$WORK/alice-provisioner" | cut -d' ' -f2)" "$(cut -d' ' -f2 "$WORK/alice-provisioner.pub")"
out=$(tester_cert forbidden "$ME" --set forbid=true 2>&1)
expect_match "template fail through --set: the template's message" 'user data asked to be refused' "$out"

# Bad input: the CA answers with a status and a message, and keeps serving.
sign_raw() {  # sign_raw BODY: POST /1.0/ssh/sign; prints the status
  curl -s -o "$WORK/bad.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
    --data-binary "$1" "$URL/1.0/ssh/sign"
}
TOK() { "$CAIRN" ca token "$ME" --ssh -n "$ME" --provisioner admin --provisioner-password-file "$WORK/ppw" 2>/dev/null; }
DSS=$($PY -c 'import base64,struct
def s(b): return struct.pack(">I", len(b)) + b
print(base64.b64encode(s(b"ssh-dss") + s(b"\x01"*129) + s(b"\x02"*21) + s(b"\x03"*128) + s(b"\x04"*128)).decode())')
expect_eq "unknown key type (ssh-dss): 400" 400 "$(sign_raw "{\"publicKey\":\"$DSS\",\"ott\":\"$(TOK)\"}")"
expect_match "unknown key type: message" 'publicKey' "$(cat "$WORK/bad.json")"
TRUNC=$(printf '%s' "$PUB" | cut -c1-40)
expect_eq "truncated public key: 400" 400 "$(sign_raw "{\"publicKey\":\"$TRUNC\",\"ott\":\"$(TOK)\"}")"
expect_eq "public key not base64: 400" 400 "$(sign_raw "{\"publicKey\":\"@@@\",\"ott\":\"$(TOK)\"}")"
expect_eq "garbage token: 401" 401 "$(sign_raw "{\"publicKey\":\"$PUB\",\"ott\":\"not.a.token\"}")"
expect_eq "malformed JSON: 400" 400 "$(sign_raw '{"publicKey": ')"
MANY=$($PY -c 'import json; print(json.dumps(["p%d" % i for i in range(300)]))')
expect_eq "300 principals: 400" 400 "$(sign_raw "{\"publicKey\":\"$PUB\",\"ott\":\"$(TOK)\",\"principals\":$MANY}")"
$PY -c 'import json; print(json.dumps({"publicKey": "A" * (2 << 20), "ott": "x"}))' >"$WORK/huge.json"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/huge.json" "$URL/1.0/ssh/sign")
expect_eq "2 MB request: 413" 413 "$code"
check "the CA still serves" curl -sf --cacert "$ROOT" "$URL/health"

# 6. A login to a real sshd with the template's certificate.
sshd_up "$WORK/sshd" "$WORK/web" "$WORK/web-cert.pub" || fail "sshd listens" "$(tail -5 "$WORK/sshd-sshd.log")"
printf '@cert-authority * %s\n' "$(cat "$CA_HOME/certs/ssh_host_ca_key.pub")" >"$SSHD_DIR/known_hosts"
check "ssh login with the templated user certificate" \
  sshc -i "$WORK/$ME" -o CertificateFile="$WORK/$ME-cert.pub" "$ME@127.0.0.1" true
while [ "$(date +%s)" -le "$SHORT_END" ]; do sleep 0.5; done
out=$(sshc -v -i "$WORK/short" -o CertificateFile="$WORK/short-cert.pub" "$ME@127.0.0.1" true 2>&1)
expect_match "an expired user certificate does not log in" 'Permission denied' "$out"
expect_match "... because it expired" 'expired' "$out $(tail -20 "$WORK/sshd-sshd.log")"
finish
