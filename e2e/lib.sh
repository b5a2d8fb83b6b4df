# shellcheck shell=bash
# What the aws CLI suites (e2e/awscli-*.sh) share: a fresh iamd on a free
# port, the aws CLI and iamd commands run as a transcript, checks, and TOTP
# codes from iamd itself. A suite sets its name and sources this file:
#
#   set -euo pipefail
#   suite=awscli-example
#   source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
#   start_iamd "$@"        # [IAMD_BIN]: the server, root's keys, $account
#   cd "$work"
#   ... steps and checks ...
#   finish                 # "(took N s)" and "$suite: N passed, 0 failed"
#
# Sourcing it sets:
#   here, repo      e2e/ and the repository
#   work            a temporary directory, removed on exit ($work/data is the
#                   server's data dir)
#   log             the server's log file
#   KEY SECRET TOKEN SEED   associative arrays: credentials by name, for
#                   run_as, and TOTP seeds by name, free for the suite
#   OUT ERR RC      the last run_as or run_iamd command's stdout, stderr and
#                   exit status
# and fd 3 as the transcript, for functions whose stdout is captured.
#
# start_iamd [IAMD_BIN] takes the binary (or builds ./cmd/iamd into $work),
# and sets bin, port, db_url (E2E_DATABASE_URL when set, even empty, else
# IAMD_DATABASE_URL; empty means SQLite), AWS_ENDPOINT_URL, account,
# KEY[root] and SECRET[root].
#
# Optional, set before start_iamd or start_server (both empty by default,
# which is plain HTTP and "iamd serve --addr --data-dir" only):
#   server_tls_cert, server_tls_key   serve HTTPS with these files
#                               (--tls-cert, --tls-key); /healthz is then
#                               checked with curl --cacert server_tls_cert
#   server_args                 an array of further "iamd serve" arguments
# start_server sets server_url (http:// or https://127.0.0.1:port);
# stop_server stops the server, so that start_server can start another on
# the same store.
#
# Checks (each prints "  ok N - WHAT", or fails the suite):
#   ok WHAT; fail WHAT EXPECTED GOT (prints both, the server log's tail and
#   the summary line, and exits 1)
#   check_eq WHAT EXPECTED GOT; check_re WHAT REGEX GOT
#   check_contains WHAT NEEDLE HAYSTACK; check_not_contains WHAT NEEDLE HAYSTACK
#   js EXPR: a Python expression over d, $OUT parsed as JSON; strings print
#   bare, anything else as JSON
#
# Commands (each prints "$ COMMAND", then what it said; sets OUT, ERR, RC):
#   run_as WHO aws ARGS...      the aws CLI with KEY/SECRET/TOKEN[WHO]
#   run_iamd ARGS...            iamd's own commands (account, hardware, ...)
#                               on the server's store: IAMD_DATA_DIR and
#                               IAMD_DATABASE_URL are set for them
#   run_env ENV... -- CMD...    any command with env(1)'s ENV arguments (it
#                               prints what it said, not the command)
#   (commands are shown quoted where a shell needs it: shell_words ARGS...)
#   expect_success WHAT         RC is 0
#   expect_error WHAT CODE [PART...]   the aws CLI failed with error CODE,
#                               ERR containing each PART
#   expect_failure WHAT [PART...]      the command failed, ERR containing
#                               each PART (for iamd commands)
#   take_credentials WHO        the Credentials in $OUT (GetSessionToken,
#                               AssumeRole) become WHO's
#   show FILE; step TITLE       print a file; print a "== TITLE" heading
#
# TOTP:
#   totp_code LABEL SECRET EPOCH   the code of SECRET at EPOCH, showing
#                               "$ iamd token code --secret $LABEL --at ..."
#   rfc3339 EPOCH; now_step (the current 30-s step); sleep_until EPOCH
#
# finish prints the time taken and the summary line.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
work=$(mktemp -d "${TMPDIR:-/tmp}/iamd-$suite.XXXXXX")
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
		echo "$suite: aborted with status $status" >&2
		server_log_tail
		echo "$suite: $passed passed, 1 failed"
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
	echo "$suite: $passed passed, $failed failed"
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

check_not_contains() { # what needle haystack
	if [[ $3 != *"$2"* ]]; then ok "$1"; else fail "$1" "text without '$2'" "$3"; fi
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

# ---- running the aws CLI and iamd -----------------------------------------

# The CLI must see only what this script gives it.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN \
	AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CA_BUNDLE AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_STS
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_DEFAULT_OUTPUT=json AWS_PAGER="" AWS_MAX_ATTEMPTS=1
export AWS_EC2_METADATA_DISABLED=true

declare -A KEY SECRET TOKEN SEED
OUT="" ERR="" RC=0

# run_env ENV... -- CMD... runs CMD with ENV, prints what it said, and leaves
# it in OUT, ERR and RC.
run_env() {
	local -a env=()
	while [[ $1 != -- ]]; do
		env+=("$1")
		shift
	done
	shift
	if env "${env[@]}" "$@" >"$work/out" 2>"$work/err"; then RC=0; else RC=$?; fi
	OUT=$(<"$work/out")
	ERR=$(<"$work/err")
	if [[ -n $OUT ]]; then printf '%s\n' "$OUT"; fi
	if [[ -n $ERR ]]; then printf '%s\n' "$ERR"; fi
	if [[ $RC -ne 0 ]]; then echo "(exit status $RC)"; fi
}

# shell_words ARGS... prints ARGS as a shell reads them back: a word with
# characters other than letters, digits and _./:=,@+%- in single quotes.
shell_words() {
	local out="" w q="'"
	for w in "$@"; do
		if [[ -z $w || $w == *[!A-Za-z0-9_./:=,@+%-]* ]]; then
			w="'${w//$q/$q\\$q$q}'"
		fi
		out+="${out:+ }$w"
	done
	printf '%s' "$out"
}

# run_as WHO aws ARGS... runs the aws CLI with WHO's credentials, prints the
# command and what it said, and leaves them in OUT, ERR and RC.
run_as() {
	local who=$1
	shift
	local -a env=(AWS_ACCESS_KEY_ID="${KEY[$who]}" AWS_SECRET_ACCESS_KEY="${SECRET[$who]}")
	if [[ -n ${TOKEN[$who]:-} ]]; then
		env+=(AWS_SESSION_TOKEN="${TOKEN[$who]}")
	fi
	echo "\$ $(shell_words "$@")        # as $who"
	run_env "${env[@]}" -- "$@"
}

# run_iamd ARGS... runs "iamd ARGS" on the server's store (its data dir and
# database), prints the command and what it said, and leaves them in OUT,
# ERR and RC.
run_iamd() {
	echo "\$ iamd $(shell_words "$@")"
	run_env -u IAMD_ACCOUNT_ID -u IAMD_ROOT_EMAIL -u IAMD_ROOT_PASSWORD -u IAMD_ROOT_ACCESS_KEY_ID \
		-u IAMD_ROOT_SECRET_ACCESS_KEY -u IAMD_MASTER_KEY -u IAMD_TLS_CERT -u IAMD_TLS_KEY -u IAMD_ADDR \
		IAMD_DATA_DIR="$work/data" IAMD_DATABASE_URL="$db_url" -- "$bin" "$@"
}

expect_success() { # what
	if [[ $RC -eq 0 ]]; then ok "$1"; else fail "$1" "exit status 0" "exit status $RC: $ERR"; fi
}

expect_error() { # what code [message-part...]
	local what=$1 code=$2 part
	if [[ $RC -eq 0 ]]; then fail "$what" "exit status != 0 with error $code" "exit status 0: $OUT"; fi
	check_contains "$what: error code $code" "An error occurred ($code)" "$ERR"
	shift 2
	for part in "$@"; do
		check_contains "$what: message" "$part" "$ERR"
	done
}

expect_failure() { # what [message-part...]
	local what=$1 part
	if [[ $RC -eq 0 ]]; then fail "$what" "exit status != 0" "exit status 0: $OUT"; fi
	ok "$what: exit status $RC"
	shift
	for part in "$@"; do
		check_contains "$what: message" "$part" "$ERR"
	done
}

# take_credentials WHO keeps the Credentials of the last command's output
# (GetSessionToken, AssumeRole) as WHO's.
take_credentials() {
	KEY[$1]=$(js 'd["Credentials"]["AccessKeyId"]')
	SECRET[$1]=$(js 'd["Credentials"]["SecretAccessKey"]')
	TOKEN[$1]=$(js 'd["Credentials"]["SessionToken"]')
	check_re "$1: AccessKeyId of temporary credentials" '^ASIA[A-Z0-9]{16}$' "${KEY[$1]}"
	[[ -n ${TOKEN[$1]} ]] || fail "$1: SessionToken" "a token" "nothing"
}

# show FILE prints a file (a policy document, say) the way a reader would
# look at it.
show() {
	echo "\$ cat $1"
	cat "$1"
}

step() {
	echo
	echo "== $*"
}

# ---- TOTP codes from iamd itself ------------------------------------------

rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# totp_code LABEL SECRET EPOCH prints the code of SECRET at that time,
# showing the command with $LABEL in place of the secret.
totp_code() {
	local at
	at=$(rfc3339 "$3")
	echo "\$ iamd token code --secret \$$1 --at $at" >&3
	"$bin" token code --secret "$2" --at "$at"
}

# sleep_until EPOCH waits until just after that second.
sleep_until() {
	python3 -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time()) + 0.3)' "$1"
}

now_step() { echo $(($(date +%s) / 30)); }

# ---- the server -----------------------------------------------------------

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

server_tls_cert="" server_tls_key=""
server_args=()
server_url=""

start_server() {
	local attempt scheme=http
	local -a extra=("${server_args[@]}") curl_tls=()
	if [[ -n $server_tls_cert ]]; then
		scheme=https
		extra+=(--tls-cert "$server_tls_cert" --tls-key "$server_tls_key")
		curl_tls=(--cacert "$server_tls_cert")
	fi
	for attempt in 1 2 3; do
		port=$(free_port)
		# Only what is given here: no root credentials or keys from the caller.
		env -u IAMD_ACCOUNT_ID -u IAMD_ROOT_EMAIL -u IAMD_ROOT_PASSWORD -u IAMD_ROOT_ACCESS_KEY_ID \
			-u IAMD_ROOT_SECRET_ACCESS_KEY -u IAMD_MASTER_KEY -u IAMD_TLS_CERT -u IAMD_TLS_KEY \
			-u IAMD_ADDR -u IAMD_DATA_DIR IAMD_DATABASE_URL="$db_url" \
			"$bin" serve --addr "127.0.0.1:$port" --data-dir "$work/data" "${extra[@]}" 2>>"$log" &
		server_pid=$!
		server_url="$scheme://127.0.0.1:$port"
		for _ in $(seq 300); do
			if grep -q "\"msg\":\"listening\",\"addr\":\"127.0.0.1:$port\"" "$log" 2>/dev/null &&
				[[ $(curl -sS -m 2 "${curl_tls[@]}" "$server_url/healthz" 2>/dev/null) == ok ]]; then
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

# stop_server stops the running server (SIGTERM, then SIGKILL after 5 s).
stop_server() {
	if [[ -n $server_pid ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=""
	fi
}

# start_iamd [IAMD_BIN] starts a fresh iamd and reads the root credentials
# it wrote on first start.
start_iamd() {
	if [[ $# -gt 0 ]]; then
		bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
		[[ -x $bin ]] || { echo "$suite: $1 is not executable" >&2; exit 2; }
	else
		step "build iamd"
		(cd "$repo" && go build -o "$work/iamd" ./cmd/iamd)
		bin="$work/iamd"
		echo "built $bin"
	fi

	# E2E_DATABASE_URL wins when set, even empty (SQLite); else IAMD_DATABASE_URL.
	db_url=${E2E_DATABASE_URL-${IAMD_DATABASE_URL:-}}

	local where
	if [[ -n $db_url ]]; then where="an empty PostgreSQL database"; else where="SQLite in a fresh data dir"; fi
	step "start iamd on $where"
	start_server
	export AWS_ENDPOINT_URL="$server_url"
	grep -m 1 '"msg":"listening"' "$log"
	echo "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION AWS_DEFAULT_OUTPUT=json"

	local creds="$work/data/root-credentials.json"
	if [[ ! -s $creds ]]; then
		fail "first start writes root-credentials.json" "$creds" "no file (is the database empty?)"
	fi
	account=$(root_credential "$creds" account_id)
	KEY[root]=$(root_credential "$creds" access_key_id)
	SECRET[root]=$(root_credential "$creds" secret_access_key)
	echo "root credentials from the data dir's root-credentials.json: account $account, access key ${KEY[root]}"
	check_re "account id is 12 digits" '^[0-9]{12}$' "$account"
}

root_credential() { # file field
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

finish() {
	audit_scan
	echo
	echo "(took $(($(date +%s) - started)) s)"
	echo "$suite: $passed passed, $failed failed"
}

# audit_scan exports the suite's audit trail and checks that no event holds
# a secret: none the suite saw (secret keys, session tokens, seeds, the root
# password), and no value under a secret's name.
audit_scan() {
	local secrets="$work/secrets" w
	(umask 077 && : >"$secrets")
	for w in "${!SECRET[@]}"; do echo "${SECRET[$w]}" >>"$secrets"; done
	for w in "${!TOKEN[@]}"; do echo "${TOKEN[$w]}" >>"$secrets"; done
	for w in "${!SEED[@]}"; do echo "${SEED[$w]}" >>"$secrets"; done
	if [[ -s $work/data/root-credentials.json ]]; then
		root_credential "$work/data/root-credentials.json" root_password >>"$secrets" 2>/dev/null || true
	fi
	sleep 1.2 # the recorder writes batched events every second
	local out
	out=$(IAMD_DATA_DIR="$work/data" IAMD_DATABASE_URL="$db_url" "$bin" audit export --data-dir "$work/data" 2>/dev/null |
		python3 "$here/audit_scan.py" "$secrets") || fail "no secret in the audit trail" "no finding" "$out"
	ok "no secret in the audit trail ($out)"
}
