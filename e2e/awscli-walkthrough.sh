#!/usr/bin/env bash
# The README walkthrough, run for real: start a fresh iamd, drive it with the
# aws CLI, and check every answer. Its stdout is the walkthrough's transcript.
#
#   e2e/awscli-walkthrough.sh [IAMD_BIN]
#
# Without IAMD_BIN it builds ./cmd/iamd into a temporary directory. The
# server gets a fresh temporary data dir and a free port on 127.0.0.1. It
# uses the empty PostgreSQL database named by E2E_DATABASE_URL or, when that
# is unset, IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty)
# it uses SQLite. Everything it creates in /tmp is removed on exit.
#
# It ends with "awscli-walkthrough: N passed, 0 failed" and status 0; a failed
# check prints what was expected and what came back, the server log's tail,
# and exits 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
work=$(mktemp -d "${TMPDIR:-/tmp}/iamd-awscli.XXXXXX")
log="$work/server.log"
server_pid=""
passed=0
failed=0
started=$(date +%s)
exec 3>&1 # the transcript, for functions whose stdout is captured

cleanup() {
	local status=$?
	cd /
	if [[ -n $server_pid ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ $status -ne 0 && $failed -eq 0 ]]; then
		# Something other than a check failed (set -e).
		echo "awscli-walkthrough: aborted with status $status" >&2
		server_log_tail
		echo "awscli-walkthrough: $passed passed, 1 failed"
	fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_log_tail() {
	if [[ -s $log ]]; then
		echo "--- server log (last 30 lines) ---" >&2
		tail -n 30 "$log" >&2
		echo "---" >&2
	fi
}

# ---- checks ---------------------------------------------------------------

ok() {
	passed=$((passed + 1))
	echo "  ok $passed - $1"
}

fail() { # what expected got
	failed=$((failed + 1))
	{
		echo "FAIL: $1"
		echo "  expected: $2"
		echo "  got:      $3"
	} >&2
	server_log_tail
	echo "awscli-walkthrough: $passed passed, $failed failed"
	exit 1
}

check_eq() { # what expected got
	if [[ $3 == "$2" ]]; then ok "$1"; else fail "$1" "$2" "$3"; fi
}

check_re() { # what regex got
	if [[ $3 =~ $2 ]]; then ok "$1"; else fail "$1" "match /$2/" "$3"; fi
}

check_contains() { # what needle haystack
	if [[ $3 == *"$2"* ]]; then ok "$1"; else fail "$1" "text containing '$2'" "$3"; fi
}

# js EXPR evaluates a Python expression over d, the last command's JSON
# output; strings print bare, anything else as JSON.
js() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[2])
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$OUT"
}

# ---- running the aws CLI --------------------------------------------------

# The CLI must see only what this script gives it.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN \
	AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CA_BUNDLE AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_STS
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_DEFAULT_OUTPUT=json AWS_PAGER="" AWS_MAX_ATTEMPTS=1
export AWS_EC2_METADATA_DISABLED=true

declare -A KEY SECRET TOKEN
OUT="" ERR="" RC=0

# run_as WHO aws ARGS... runs the aws CLI with WHO's credentials, prints the
# command and what it said, and leaves them in OUT, ERR and RC.
run_as() {
	local who=$1
	shift
	local -a env=(AWS_ACCESS_KEY_ID="${KEY[$who]}" AWS_SECRET_ACCESS_KEY="${SECRET[$who]}")
	if [[ -n ${TOKEN[$who]:-} ]]; then
		env+=(AWS_SESSION_TOKEN="${TOKEN[$who]}")
	fi
	echo "\$ $*        # as $who"
	if env "${env[@]}" "$@" >"$work/out" 2>"$work/err"; then RC=0; else RC=$?; fi
	OUT=$(<"$work/out")
	ERR=$(<"$work/err")
	if [[ -n $OUT ]]; then printf '%s\n' "$OUT"; fi
	if [[ -n $ERR ]]; then printf '%s\n' "$ERR"; fi
	if [[ $RC -ne 0 ]]; then echo "(exit status $RC)"; fi
}

expect_success() { # what
	if [[ $RC -eq 0 ]]; then ok "$1"; else fail "$1" "exit status 0" "exit status $RC: $ERR"; fi
}

expect_error() { # what code [message]
	if [[ $RC -eq 0 ]]; then fail "$1" "exit status != 0 with error $2" "exit status 0: $OUT"; fi
	check_contains "$1: error code $2" "An error occurred ($2)" "$ERR"
	if [[ -n ${3:-} ]]; then check_contains "$1: message" "$3" "$ERR"; fi
}

step() {
	echo
	echo "== $*"
}

# ---- TOTP codes from iamd itself ------------------------------------------

rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# code_at EPOCH prints the code of $seed at that time, showing the command.
code_at() {
	local at
	at=$(rfc3339 "$1")
	echo "\$ iamd token code --secret \$SEED --at $at" >&3
	"$bin" token code --secret "$seed" --at "$at"
}

# sleep_until EPOCH waits until just after that second.
sleep_until() {
	python3 -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time()) + 0.3)' "$1"
}

# ---- the server -----------------------------------------------------------

if [[ $# -gt 0 ]]; then
	bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	[[ -x $bin ]] || { echo "awscli-walkthrough: $1 is not executable" >&2; exit 2; }
else
	step "build iamd"
	(cd "$repo" && go build -o "$work/iamd" ./cmd/iamd)
	bin="$work/iamd"
	echo "built $bin"
fi

# E2E_DATABASE_URL wins when set, even empty (SQLite); else IAMD_DATABASE_URL.
db_url=${E2E_DATABASE_URL-${IAMD_DATABASE_URL:-}}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_server() {
	local attempt
	for attempt in 1 2 3; do
		port=$(free_port)
		# Only what is given here: no root credentials or keys from the caller.
		env -u IAMD_ACCOUNT_ID -u IAMD_ROOT_EMAIL -u IAMD_ROOT_PASSWORD -u IAMD_ROOT_ACCESS_KEY_ID \
			-u IAMD_ROOT_SECRET_ACCESS_KEY -u IAMD_MASTER_KEY -u IAMD_TLS_CERT -u IAMD_TLS_KEY \
			-u IAMD_ADDR -u IAMD_DATA_DIR IAMD_DATABASE_URL="$db_url" \
			"$bin" serve --addr "127.0.0.1:$port" --data-dir "$work/data" 2>>"$log" &
		server_pid=$!
		for _ in $(seq 300); do
			if grep -q "\"msg\":\"listening\",\"addr\":\"127.0.0.1:$port\"" "$log" 2>/dev/null &&
				[[ $(curl -sS -m 2 "http://127.0.0.1:$port/healthz" 2>/dev/null) == ok ]]; then
				return 0
			fi
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			fail "server answers /healthz within 30 s" "ok" "no answer"
		fi
		wait "$server_pid" || true
		server_pid=""
		if ! grep -q 'address already in use' "$log"; then
			fail "server starts" "a listening server" "it exited"
		fi
		echo "port $port was taken; trying another"
	done
	fail "server starts" "a free port within 3 tries" "none"
}

if [[ -n $db_url ]]; then where="an empty PostgreSQL database"; else where="SQLite in a fresh data dir"; fi
step "start iamd on $where"
start_server
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
grep -m 1 '"msg":"listening"' "$log"
echo "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION AWS_DEFAULT_OUTPUT=json"

creds="$work/data/root-credentials.json"
if [[ ! -s $creds ]]; then
	fail "first start writes root-credentials.json" "$creds" "no file (is the database empty?)"
fi
jfield() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$creds" "$1"; }
account=$(jfield account_id)
KEY[root]=$(jfield access_key_id)
SECRET[root]=$(jfield secret_access_key)
echo "root credentials from the data dir's root-credentials.json: account $account, access key ${KEY[root]}"
check_re "account id is 12 digits" '^[0-9]{12}$' "$account"

user_arn="arn:aws:iam::$account:user/alice"
serial="arn:aws:iam::$account:mfa/alice"
serial_qr="arn:aws:iam::$account:mfa/alice-phone"

# ---- the walkthrough ------------------------------------------------------

cd "$work" # files the CLI writes land here

step "who am I: the root user"
run_as root aws sts get-caller-identity
expect_success "get-caller-identity as root"
check_eq "root Arn" "arn:aws:iam::$account:root" "$(js 'd["Arn"]')"
check_eq "root Account" "$account" "$(js 'd["Account"]')"

step "create the IAM user alice"
run_as root aws iam create-user --user-name alice
expect_success "create-user alice"
check_eq "UserName" alice "$(js 'd["User"]["UserName"]')"
check_eq "user Arn" "$user_arn" "$(js 'd["User"]["Arn"]')"
check_re "UserId" '^AIDA[A-Z0-9]{17}$' "$(js 'd["User"]["UserId"]')"

step "give alice an access key"
run_as root aws iam create-access-key --user-name alice
expect_success "create-access-key for alice"
KEY[alice]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[alice]=$(js 'd["AccessKey"]["SecretAccessKey"]')
check_re "AccessKeyId" '^AKIA[A-Z0-9]{16}$' "${KEY[alice]}"
check_eq "SecretAccessKey length" 40 "${#SECRET[alice]}"
check_eq "key Status" Active "$(js 'd["AccessKey"]["Status"]')"

step "create a virtual MFA device, its seed as a QR code"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
	--outfile alice-phone.png --bootstrap-method QRCodePNG
expect_success "create-virtual-mfa-device with QRCodePNG"
check_eq "SerialNumber" "$serial_qr" "$(js 'd["VirtualMFADevice"]["SerialNumber"]')"
magic=$(od -An -tx1 -N8 alice-phone.png | tr -d ' \n')
echo "$(wc -c <alice-phone.png) bytes written to alice-phone.png, starting $magic"
check_eq "the QR code file is a PNG" 89504e470d0a1a0a "$magic"

step "create a second virtual MFA device, its seed as Base32"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name alice \
	--outfile alice.seed --bootstrap-method Base32StringSeed
expect_success "create-virtual-mfa-device with Base32StringSeed"
check_eq "SerialNumber" "$serial" "$(js 'd["VirtualMFADevice"]["SerialNumber"]')"
seed=$(<alice.seed)
echo "alice.seed: $seed"
check_re "the seed is 64 Base32 characters" '^[A-Z2-7]{64}$' "$seed"

step "a device name is taken only once"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name alice \
	--outfile again.seed --bootstrap-method Base32StringSeed
expect_error "create-virtual-mfa-device with the same name" EntityAlreadyExists

step "enabling needs the right codes"
# Codes of another seed (alice.seed, an hour ago) are wrong for alice-phone.
t=$(($(date +%s) / 30))
bad1=$(code_at $(((t - 120) * 30)))
bad2=$(code_at $(((t - 119) * 30)))
run_as root aws iam enable-mfa-device --user-name alice --serial-number "$serial_qr" \
	--authentication-code1 "$bad1" --authentication-code2 "$bad2"
expect_error "enable-mfa-device with wrong codes" InvalidAuthenticationCode

step "enable the device for alice with two consecutive codes"
now=$(date +%s)
t=$((now / 30))
code1=$(code_at $(((t - 1) * 30)))
code2=$(code_at $((t * 30)))
echo "codes: $code1 $code2"
run_as root aws iam enable-mfa-device --user-name alice --serial-number "$serial" \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_success "enable-mfa-device"
# Steps t-1 and t are used now; the first sign-in needs step t+1. The checks
# below need no code and run while that step comes.

step "alice's devices"
run_as root aws iam list-mfa-devices --user-name alice
expect_success "list-mfa-devices"
check_eq "list-mfa-devices shows the device" "[\"$serial\"]" "$(js '[m["SerialNumber"] for m in d["MFADevices"]]')"
check_eq "the device's UserName" alice "$(js 'd["MFADevices"][0]["UserName"]')"

step "virtual devices assigned to someone"
run_as root aws iam list-virtual-mfa-devices --assignment-status Assigned
expect_success "list-virtual-mfa-devices Assigned"
check_eq "Assigned lists alice's device" "[\"$serial\"]" "$(js '[m["SerialNumber"] for m in d["VirtualMFADevices"]]')"
check_eq "assigned to alice" "$user_arn" "$(js 'd["VirtualMFADevices"][0]["User"]["Arn"]')"
check_re "EnableDate is set" '^[0-9]{4}-' "$(js 'd["VirtualMFADevices"][0].get("EnableDate", "")')"
check_eq "no seed in a listing" "[]" \
	"$(js '[k for m in d["VirtualMFADevices"] for k in ("Base32StringSeed", "QRCodePNG") if k in m]')"

step "virtual devices assigned to no one"
run_as root aws iam list-virtual-mfa-devices --assignment-status Unassigned
expect_success "list-virtual-mfa-devices Unassigned"
check_eq "Unassigned lists the QR device" "[\"$serial_qr\"]" "$(js '[m["SerialNumber"] for m in d["VirtualMFADevices"]]')"

step "an assigned device cannot be deleted"
run_as root aws iam delete-virtual-mfa-device --serial-number "$serial"
expect_error "delete-virtual-mfa-device while assigned" DeleteConflict

step "alice has no policies: IAM says no"
run_as alice aws iam list-users
expect_error "alice's long-term key calling iam list-users" AccessDenied

step "a session without MFA cannot call IAM at all"
run_as alice aws sts get-session-token --duration-seconds 900
expect_success "get-session-token without MFA"
KEY[alice-session]=$(js 'd["Credentials"]["AccessKeyId"]')
SECRET[alice-session]=$(js 'd["Credentials"]["SecretAccessKey"]')
TOKEN[alice-session]=$(js 'd["Credentials"]["SessionToken"]')
check_re "session AccessKeyId" '^ASIA[A-Z0-9]{16}$' "${KEY[alice-session]}"
run_as alice-session aws iam list-users
expect_error "iam list-users with a session without MFA" InvalidClientTokenId

step "a wrong code is refused"
cur=$(($(date +%s) / 30))
valid=" $(for s in $(seq $((cur - 2)) $((cur + 3))); do "$bin" token code --secret "$seed" --at "$(rfc3339 $((s * 30)))"; done | tr '\n' ' ')"
wrong=""
for back in $(seq 100 110); do
	wrong=$(code_at $(((cur - back) * 30)))
	[[ $valid == *" $wrong "* ]] || break
done
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$wrong"
expect_error "get-session-token with a wrong code" AccessDenied \
	"MultiFactorAuthentication failed with invalid MFA one time pass code."

step "root sessions last at most an hour"
run_as root aws sts get-session-token --duration-seconds 7200
expect_success "root get-session-token"
lifetime=$(python3 -c '
import datetime, json, sys
e = json.loads(sys.argv[1])["Credentials"]["Expiration"]
e = datetime.datetime.fromisoformat(e.replace("Z", "+00:00"))
print(round((e - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))' "$OUT")
if ((lifetime > 3600 || lifetime < 3500)); then
	fail "root session lifetime is capped at 3600 s" "about 3600 s" "$lifetime s"
fi
ok "root session lifetime is capped at 3600 s ($lifetime s left)"

step "sign in as alice with the next code"
waited=$(($(date +%s)))
if ((waited < (t + 1) * 30)); then
	echo "(waiting $(((t + 1) * 30 - waited)) s for the next code)"
	sleep_until $(((t + 1) * 30))
fi
code=$(code_at "$(date +%s)")
echo "code: $code"
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$code"
expect_success "get-session-token with MFA"
KEY[alice-mfa-session]=$(js 'd["Credentials"]["AccessKeyId"]')
SECRET[alice-mfa-session]=$(js 'd["Credentials"]["SecretAccessKey"]')
TOKEN[alice-mfa-session]=$(js 'd["Credentials"]["SessionToken"]')
check_re "session AccessKeyId" '^ASIA[A-Z0-9]{16}$' "${KEY[alice-mfa-session]}"
check_eq "session SecretAccessKey length" 40 "${#SECRET[alice-mfa-session]}"
check_re "session Expiration" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$(js 'd["Credentials"]["Expiration"]')"
[[ -n ${TOKEN[alice-mfa-session]} ]] || fail "SessionToken" "a token" "nothing"
ok "SessionToken is set"

step "the same code again is a replay"
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$code"
expect_error "get-session-token replaying a used code" AccessDenied \
	"MultiFactorAuthentication failed with invalid MFA one time pass code."

step "the MFA session is alice"
run_as alice-mfa-session aws sts get-caller-identity
expect_success "get-caller-identity with the MFA session"
check_eq "session Arn is alice's" "$user_arn" "$(js 'd["Arn"]')"
check_eq "session Account" "$account" "$(js 'd["Account"]')"
run_as alice-mfa-session aws iam list-users
expect_error "iam list-users with the MFA session (alice has no policies)" AccessDenied

step "clean up: alice's access key"
run_as root aws iam delete-access-key --user-name alice --access-key-id "${KEY[alice]}"
expect_success "delete-access-key"
run_as root aws iam list-access-keys --user-name alice
expect_success "list-access-keys"
check_eq "alice has no keys" 0 "$(js 'len(d["AccessKeyMetadata"])')"

step "a user with an MFA device cannot be deleted"
run_as root aws iam delete-user --user-name alice
expect_error "delete-user while alice has a device" DeleteConflict "MFA device"

step "deactivate alice's device"
run_as root aws iam deactivate-mfa-device --user-name alice --serial-number "$serial"
expect_success "deactivate-mfa-device"
run_as root aws iam list-virtual-mfa-devices --assignment-status Unassigned
expect_success "list-virtual-mfa-devices Unassigned"
check_eq "the device is unassigned again" "[\"$serial\", \"$serial_qr\"]" \
	"$(js 'sorted(m["SerialNumber"] for m in d["VirtualMFADevices"])')"
run_as root aws iam list-mfa-devices --user-name alice
expect_success "list-mfa-devices"
check_eq "alice has no devices" 0 "$(js 'len(d["MFADevices"])')"

step "clean up: the devices and the user"
run_as root aws iam delete-virtual-mfa-device --serial-number "$serial"
expect_success "delete-virtual-mfa-device alice"
run_as root aws iam delete-virtual-mfa-device --serial-number "$serial_qr"
expect_success "delete-virtual-mfa-device alice-phone"
run_as root aws iam delete-user --user-name alice
expect_success "delete-user alice"
run_as root aws iam list-virtual-mfa-devices
expect_success "list-virtual-mfa-devices"
check_eq "no devices left" 0 "$(js 'len(d["VirtualMFADevices"])')"

step "the account is empty again"
run_as root aws iam get-account-summary
expect_success "get-account-summary"
check_eq "SummaryMap.Users is the number 0" "int 0" "$(js 'type(d["SummaryMap"]["Users"]).__name__ + " " + str(d["SummaryMap"]["Users"])')"

echo
echo "(took $(($(date +%s) - started)) s)"
echo "awscli-walkthrough: $passed passed, $failed failed"
