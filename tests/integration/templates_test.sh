#!/usr/bin/env bash
# Templates, name policies, webhooks and inventories, end to end: the real cairn-ca serves a
# ca.json whose provisioners carry a template file, inventory lookups and rules, webhooks to a
# real HTTPS server written for this test (it checks every HMAC signature and requires the
# CA's client certificate), and an authority-wide name policy. Certificates are read back with
# openssl.
# usage: templates_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")

PORT=$(free_port)
HOOK_PORT=$(free_port)
CA_HOME=$WORK/ca-home
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
STEPPATH=$CA_HOME "$CAIRN" ca init --name "Template CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_HOME/config/ca.json"
ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT

# --- the webhook server: a certificate from this CA, client certificates required -----------------
STEPPATH=$CA_HOME "$CAIRN" certificate create 127.0.0.1 "$WORK/hook.crt" "$WORK/hook.key" \
  --ca "$CA_HOME/certs/intermediate_ca.crt" --ca-key "$CA_HOME/secrets/intermediate_ca_key" \
  --ca-password-file "$WORK/pw" --san 127.0.0.1 --no-password --insecure >/dev/null 2>&1
check "webhook server certificate" test -s "$WORK/hook.crt"
cat "$ROOT" "$CA_HOME/certs/intermediate_ca.crt" >"$WORK/client-ca.pem"
SECRET=$($PY -c 'import base64,os; print(base64.b64encode(os.urandom(64)).decode())')
spawn hook $PY "$HERE/webhook_server.py" "$HOOK_PORT" "$WORK/hook.crt" "$WORK/hook.key" \
  "$WORK/client-ca.pem" "$SECRET" "$WORK/hooks.jsonl" "$WORK/release"
wait_for 10 grep -q listening "$WORK/hook.log" || fail "webhook server starts" "$(cat "$WORK/hook.log")"

# --- the template, inventory lookups, webhooks and policies ---------------------------------------
mkdir -p "$CA_HOME/templates/x509"
cat >"$CA_HOME/templates/x509/leaf.tpl" <<'TPL'
{{- if .Insecure.User.forbid }}{{ fail "user data asked to be refused" }}{{ end -}}
{
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }},
{{- with .Inventory.people }}
	"uris": ["spiffe://example.com/user/{{ .posixUser }}"],
{{- end }}
	"extensions": [
		{"id": "1.3.6.1.4.1.55555.1", "value": {{ asn1Enc (printf "utf8:%s/%v" .Webhooks.enrich.team .Webhooks.enrich.level) | toJson }}}
	],
	"keyUsage": ["digitalSignature"],
	"extKeyUsage": ["clientAuth"]
}
TPL
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY "$HERE/tokens.py" keygen "$WORK/slow.pem" "$WORK/slow.jwk"
$PY "$HERE/tokens.py" keygen "$WORK/rawsan.pem" "$WORK/rawsan.jwk"
$PY - "$CA_HOME/config/ca.json" "$WORK/tester.jwk" "$WORK/slow.jwk" "$HOOK_PORT" "$SECRET" \
  "$WORK/rawsan.jwk" <<'PYEOF'
import base64, json, sys
path, jwk_path, slow_jwk, hook_port, secret, rawsan_jwk = sys.argv[1:7]
cfg = json.load(open(path))
hook = "https://127.0.0.1:%s" % hook_port
cfg["authority"]["policy"] = {"x509": {
    "allow": {"dns": ["*.example.com", "*.ops.example.com"], "email": ["@example.com"],
              "uri": ["example.com"]},
    "deny": {"dns": ["forbidden.example.com"]}}}
cfg["authority"]["provisioners"].append({
    "type": "JWK", "name": "tester", "key": json.load(open(jwk_path)),
    "options": {
        "x509": {"templateFile": "templates/x509/leaf.tpl"},
        "inventories": [{"name": "people", "key": "{{ .Token.sub }}", "required": True,
                          "rules": [{"names": {"dns": ["*.ops.example.com"]},
                                     "attribute": "groups", "equals": "ops"}]}],
        "webhooks": [
            {"id": "wh-enrich", "name": "enrich", "url": hook + "/enrich", "kind": "ENRICHING",
             "certType": "X509", "secret": secret},
            {"id": "wh-auth", "name": "auth", "url": hook + "/authorize", "kind": "AUTHORIZING",
             "secret": secret}]}})
cfg["authority"]["provisioners"].append({
    "type": "JWK", "name": "slow", "key": json.load(open(slow_jwk)),
    "options": {"webhooks": [
        {"id": "wh-hold", "name": "hold", "url": hook + "/hold", "kind": "ENRICHING",
         "secret": secret}]}})
# A template that writes the subjectAltName extension itself (DNS www.other.org, outside the
# policy): names must not escape the policy that way.
name = b"www.other.org"
san_der = bytes([0x30, len(name) + 2, 0x82, len(name)]) + name
cfg["authority"]["provisioners"].append({
    "type": "JWK", "name": "rawsan", "key": json.load(open(rawsan_jwk)),
    "options": {"x509": {"template": json.dumps({
        "subject": {"commonName": "raw.example.com"},
        "extensions": [{"id": "2.5.29.17", "value": base64.b64encode(san_der).decode()}]})}}})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF

# --- inventories --------------------------------------------------------------------------------
inv() { STEPPATH=$CA_HOME "$CAIRN" inventory "$@"; }
check "inventory add alice" inv add people alice@example.com \
  --attributes '{"posixUser": "alice", "groups": ["ops", "dev"]}'
check "inventory add bob" inv add people bob@example.com --set posixUser=bob --set 'groups=["dev"]'
expect_match "inventory list shows alice" '^alice@example.com	.*"posixUser":"alice"' \
  "$(inv list people | grep alice)"

STEPPATH=$CA_HOME spawn ca "$CAIRN_CA" --password-file "$WORK/pw" "$CA_HOME/config/ca.json"
CA_PID=$LAST_PID
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves the templated config"; else
  fail "cairn-ca serves the templated config" "$(tail -20 "$WORK/ca.log")"; finish; fi

mint() { $PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" tester "$URL/1.0/sign" "$@"; }
csr() {  # csr FILE CN SAN...: a P-256 CSR
  local f=$1 cn=$2 sans="" s; shift 2
  for s in "$@"; do
    case $s in *@*) sans="$sans,email:$s" ;; *) sans="$sans,DNS:$s" ;; esac
  done
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$f.key" \
    -subj "/CN=$cn" -addext "subjectAltName=${sans#,}" -out "$WORK/$f.csr" 2>/dev/null
}
sign() {  # sign NAME TOKEN [TEMPLATE_DATA_JSON]: POST /1.0/sign; prints the status
  local body
  body=$($PY -c 'import json,sys; d={"csr": open(sys.argv[1]).read(), "ott": sys.argv[2]}
if len(sys.argv) > 3: d["templateData"] = json.loads(sys.argv[3])
print(json.dumps(d))' "$WORK/$1.csr" "${@:2}")
  curl -s -o "$WORK/$1.json" -w '%{http_code}' --max-time 30 --cacert "$ROOT" \
    -H 'Content-Type: application/json' -H "X-Request-Id: req-$1" --data-binary "$body" "$URL/1.0/sign"
}
crt_text() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["crt"])' "$WORK/$1.json" |
  openssl x509 -noout -text; }
message() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("message",""))' "$WORK/$1.json"; }

# 1. Alice: the template puts her inventory user as a URI, the enriching webhook's data as a
#    custom extension; the ops name is allowed because her item has groups ∋ ops.
csr alice alice@example.com alice@example.com db.ops.example.com
expect_eq "alice is issued" 201 "$(sign alice "$(mint alice@example.com --san alice@example.com --san db.ops.example.com)")"
TEXT=$(crt_text alice)
expect_match "URI from the inventory" 'URI:spiffe://example.com/user/alice' "$TEXT"
expect_match "email and DNS SANs kept" 'email:alice@example.com, DNS:db.ops.example.com|DNS:db.ops.example.com, email:alice@example.com' "$TEXT"
expect_match "custom extension present" '1\.3\.6\.1\.4\.1\.55555\.1' "$TEXT"
EXT_DER=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["crt"])' "$WORK/alice.json" |
  openssl asn1parse -i 2>/dev/null | grep -A1 '1.3.6.1.4.1.55555.1' | tail -1)
expect_match "extension carries the webhook's data" 'billing/3|OCTET STRING' "$EXT_DER"
CRT_DER_HEX=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["crt"])' "$WORK/alice.json" |
  openssl x509 -outform DER | od -An -tx1 | tr -d ' \n')
expect_match "extension value is UTF8String billing/3" "0c0962696c6c696e672f33" "$CRT_DER_HEX"
expect_match "template's EKU (clientAuth only)" 'TLS Web Client Authentication' "$TEXT"
if grep -q 'TLS Web Server Authentication' <<<"$TEXT"; then
  fail "template replaced the default EKU"; else pass "template replaced the default EKU"; fi
expect_match "provisioner extension still present" '1\.3\.6\.1\.4\.1\.37476\.9000\.64\.1' "$TEXT"

# The webhook server saw both calls, signed, with the CA's client certificate and request id.
HOOKS=$($PY - "$WORK/hooks.jsonl" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r["body"] or {}
    print(r["path"], r["signature_ok"], r["webhook_id"], r["request_id"], bool(r["client_cn"]),
          b.get("provisionerName"), "x509CertificateRequest" in b, "x509Certificate" in b,
          "timestamp" in b)
PYEOF
)
expect_match "enrich call signed, mTLS, with the CSR" '^/enrich True wh-enrich req-alice True tester True False True$' "$HOOKS"
expect_match "authorize call signed, mTLS, with the certificate" '^/authorize True wh-auth req-alice True tester False True True$' "$HOOKS"

# 2. Bob has an item but not the ops group: the ops name is refused, his dev name is fine.
csr bob bob@example.com bob@example.com db.ops.example.com
expect_eq "bob refused an ops name" 403 "$(sign bob "$(mint bob@example.com --san bob@example.com --san db.ops.example.com)")"
expect_match "the refusal names the name and the rule" 'db.ops.example.com.*people.*groups' "$(message bob)"
csr bob2 bob@example.com bob@example.com web.example.com
expect_eq "bob gets a name outside the rule" 201 "$(sign bob2 "$(mint bob@example.com --san bob@example.com --san web.example.com)")"
expect_match "bob's URI from the inventory" 'URI:spiffe://example.com/user/bob' "$(crt_text bob2)"

# 3. Carol has no inventory item and the lookup is required.
csr carol carol@example.com carol@example.com
expect_eq "carol refused (no inventory item)" 403 "$(sign carol "$(mint carol@example.com --san carol@example.com)")"
expect_match "the refusal names the inventory" 'carol@example.com.*people' "$(message carol)"
check "inventory add carol" inv add people carol@example.com --set posixUser=carol
csr carol2 carol@example.com carol@example.com
expect_eq "carol issued once added (no restart)" 201 "$(sign carol2 "$(mint carol@example.com --san carol@example.com)")"

# 4. The authority's name policy: denied names, names outside the allow list.
csr forb alice@example.com alice@example.com forbidden.example.com
expect_eq "denied DNS name refused" 403 "$(sign forb "$(mint alice@example.com --san alice@example.com --san forbidden.example.com)")"
expect_match "policy message names the name" 'forbidden.example.com' "$(message forb)"
csr other alice@example.com alice@example.com www.other.org
expect_eq "name outside the allow list refused" 403 "$(sign other "$(mint alice@example.com --san alice@example.com --san www.other.org)")"
expect_match "policy message names www.other.org" 'www.other.org' "$(message other)"

# A subjectAltName extension written by the template cannot carry names past the policy.
rawmint() { $PY "$HERE/tokens.py" token "$WORK/rawsan.pem" "$WORK/rawsan.jwk" rawsan "$URL/1.0/sign" "$@"; }
csr rawsan raw.example.com raw.example.com
expect_eq "template-written SAN extension refused under a policy" 403 "$(sign rawsan "$(rawmint raw.example.com --san raw.example.com)")"
expect_match "the refusal says why" 'subjectAltName extension directly' "$(message rawsan)"

# 5. The authorizing webhook says no.
csr hookdeny alice@example.com alice@example.com denied-by-hook.example.com
expect_eq "authorizing webhook denies" 403 "$(sign hookdeny "$(mint alice@example.com --san alice@example.com --san denied-by-hook.example.com)")"
expect_match "webhook denial message" 'webhook server did not allow request' "$(message hookdeny)"

# 6. `fail` in the template: 400 with the template author's message; user data reaches the
#    template only as .Insecure.User.
csr failing alice@example.com alice@example.com
expect_eq "template fail is a 400" 400 "$(sign failing "$(mint alice@example.com --san alice@example.com)" '{"forbid": true}')"
expect_eq "fail's message reaches the user" "user data asked to be refused" "$(message failing)"

# 7. A slow webhook holds its own requests only: while "slow" requests wait on /hold, other
#    requests are served.
slowmint() { $PY "$HERE/tokens.py" token "$WORK/slow.pem" "$WORK/slow.jwk" slow "$URL/1.0/sign" "$@"; }
SLOW_PIDS=()
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  csr "slow$i" "s$i.example.com" "s$i.example.com"
  (sign "slow$i" "$(slowmint "s$i.example.com" --san "s$i.example.com")" >"$WORK/slow$i.code") &
  SLOW_PIDS+=($!)
done
wait_for 5 test "$(grep -c '"/hold"' "$WORK/hooks.jsonl")" -ge 4 || true
csr quick alice@example.com alice@example.com web2.example.com
expect_eq "others are served while a webhook hangs" 201 "$(sign quick "$(mint alice@example.com --san alice@example.com --san web2.example.com)")"
expect_eq "health answers while a webhook hangs" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$ROOT" "$URL/health")"
touch "$WORK/release"
wait "${SLOW_PIDS[@]}"
CODES=$(for f in "$WORK"/slow*.code; do cat "$f"; echo; done | sort | uniq -c | tr -s ' ')
expect_eq "the held requests complete once released" " 12 201" "$CODES"

# 8. A broken template: the reload is refused (old config keeps serving), a start fails with
#    the file, line and reason.
cp "$CA_HOME/templates/x509/leaf.tpl" "$WORK/leaf.good"
printf '{\n  "subject": {{ toJson .Subject }\n}\n' >"$CA_HOME/templates/x509/leaf.tpl"
kill -HUP "$CA_PID"
sleep 1
kill -0 "$CA_PID" 2>/dev/null && pass "a failed reload keeps the server up" || fail "a failed reload keeps the server up"
expect_match "the failed reload is logged with file and line" 'leaf.tpl:2' "$(cat "$WORK/ca.log")"
csr after alice@example.com alice@example.com
expect_eq "old config still serves after a failed reload" 201 "$(sign after "$(mint alice@example.com --san alice@example.com)")"
stop_pid "$CA_PID"
OUT=$(STEPPATH=$CA_HOME timeout 20 "$CAIRN_CA" --password-file "$WORK/pw" "$CA_HOME/config/ca.json" 2>&1)
RC=$?
expect_eq "start with a broken template fails" 1 "$([ $RC -ne 0 ] && echo 1 || echo 0)"
expect_match "start error names the file and line" 'leaf.tpl:2' "$OUT"
cp "$WORK/leaf.good" "$CA_HOME/templates/x509/leaf.tpl"

finish
