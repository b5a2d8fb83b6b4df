#!/usr/bin/env bash
# The console and the API share one single-use record for MFA codes, shown
# with a browser's requests (sent by Python's urllib, as a form post) and the
# real aws CLI against one running server: alice signs in to the console with
# her password and a code; she is refused when she signs in again (another
# browser) with the same code; and `aws sts get-session-token` refuses that code too.
# A fresh code then works for the CLI. Its stdout is the transcript.
#
#   e2e/awscli-console.sh [IAMD_BIN]
#
# Server and store as the other suites (lib.sh): SQLite in a fresh data dir,
# or the empty PostgreSQL database E2E_DATABASE_URL names. It ends with
# "awscli-console: N passed, 0 failed".
set -euo pipefail

suite=awscli-console
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

code_at() { totp_code "SEED_${1^^}" "${SEED[$1]}" "$2"; }

# console ARGS... runs the console client below: it prints what the browser
# would show (the page's title and notice) and exits 0 when the last page
# is the one it expects.
console() {
	echo "\$ console $(shell_words "$@")"
	set +e
	OUT=$(python3 "$work/console.py" "$AWS_ENDPOINT_URL" "$@" 2>&1)
	RC=$?
	set -e
	echo "$OUT"
}

start_iamd "$@"
cd "$work"

cat >console.py <<'PY'
# A browser's sign-in, as form posts with a cookie jar: the account, user
# name and password, then the MFA code. Prints each page's <title> and its
# notice; exit status 0 when the sign-in ends on "My security credentials".
import html, http.cookiejar, re, sys, urllib.parse, urllib.request

base, account, user, password, code = sys.argv[1:6]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        r = opener.open(urllib.request.Request(base + path, data=data, method="POST"))
    except urllib.error.HTTPError as e:
        r = e
    page = r.read().decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    notice = re.search(r'role="alert"[^>]*>(.*?)</', page, re.S)
    print("  POST", path, "->", r.status, "|", html.unescape(title.group(1).strip()) if title else "")
    if notice:
        print("  the page says:", html.unescape(re.sub(r"\s+", " ", notice.group(1))).strip())
    return page

page = post("/console/signin", {"account": account, "username": user, "password": password})
if 'name="code"' not in page:
    sys.exit("no MFA prompt after the password")
serial = re.search(r'<option value="([^"]+)"', page)
fields = {"code": code}
if serial:
    fields["serial"] = html.unescape(serial.group(1))
page = post("/console/signin/mfa", fields)
sys.exit(0 if "My security credentials" in page else 1)
PY

arn="arn:aws:iam::$account"
serial="$arn:mfa/alice"

step "alice: a console password, an access key and a virtual MFA device"
run_as root aws iam create-user --user-name alice
expect_success "create-user alice"
run_as root aws iam create-login-profile --user-name alice --password 'Correct-Horse-42'
expect_success "create-login-profile"
SECRET[alice-password]='Correct-Horse-42' # audit_scan looks for it too
run_as root aws iam create-access-key --user-name alice
expect_success "create-access-key"
KEY[alice]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[alice]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name alice --outfile alice.seed --bootstrap-method Base32StringSeed
expect_success "create-virtual-mfa-device"
SEED[alice]=$(cat alice.seed)
t=$(now_step)
run_as root aws iam enable-mfa-device --user-name alice --serial-number "$serial" \
	--authentication-code1 "$(code_at alice $(((t - 2) * 30)))" --authentication-code2 "$(code_at alice $(((t - 1) * 30)))"
expect_success "enable-mfa-device (the two previous steps' codes)"

step "alice signs in to the console with her password and the current code"
code=$(code_at alice $((t * 30)))
console "$account" alice 'Correct-Horse-42' "$code"
[[ $RC -eq 0 ]] || fail "console sign-in with a fresh code" "My security credentials" "$OUT"
ok "console sign-in with a fresh code"

step "in another browser, she signs in again with the same code: refused"
console "$account" alice 'Correct-Horse-42' "$code"
[[ $RC -ne 0 ]] || fail "console sign-in with the replayed code" "refused" "$OUT"
check_contains "the console refuses the replayed code" "MFA code" "$OUT"
ok "console sign-in with the replayed code is refused"

step "the same code through the API: aws sts get-session-token refuses it too (one single-use record)"
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$code"
expect_error "get-session-token with the code the console took" AccessDenied "MultiFactorAuthentication failed"

step "the next step's code works for the CLI"
sleep_until $(((t + 1) * 30))
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$(code_at alice $(((t + 1) * 30)))"
expect_success "get-session-token with a fresh code"
take_credentials alice-mfa

finish
