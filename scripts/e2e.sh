#!/usr/bin/env bash
# Runs the end-to-end suites (aws CLI walkthrough, boto3, the aws CLI and
# boto3 policy suites, the aws CLI quota suite, the aws CLI hardware-token
# and account suite, the aws CLI audit-trail suite, the moto-style boto3
# suite against test mode, the aws CLI S3 MFA Delete suite (on PostgreSQL
# when there is one) and the boto3 one (on SQLite), and, on SQLite only,
# the aws CLI suites of iamd mfa-session and the console) against a built
# iamd, once on SQLite and once on PostgreSQL at the same time, each
# suite on a fresh database.
#
#   scripts/e2e.sh BIN
#
# PostgreSQL comes from IAMD_TEST_DATABASE_URL (a database to connect to
# while creating and dropping the suite's own). Without it the PostgreSQL
# runs are skipped, except under CI=true, where that is a failure.
set -euo pipefail
bin=$(realpath "${1:?usage: scripts/e2e.sh BIN}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "e2e: $1 is not installed ($2)" >&2
		exit 1
	fi
}
need aws "the aws CLI drives the walkthrough"
need openssl "makes the S3 suites' self-signed certificates"
need python3 "boto3 tests"
python3 -c 'import boto3' || { echo "e2e: python3 cannot import boto3" >&2; exit 1; }

engines=(sqlite)
if [[ -n ${IAMD_TEST_DATABASE_URL:-} ]]; then
	need psql "creates the PostgreSQL test database"
	engines+=(postgres)
elif [[ ${CI:-} == true ]]; then
	echo "e2e: CI=true but IAMD_TEST_DATABASE_URL is not set" >&2
	exit 1
else
	echo "e2e: IAMD_TEST_DATABASE_URL not set: PostgreSQL runs skipped" >&2
fi

db=""
cleanup() {
	if [[ -n $db ]]; then
		psql -q "$IAMD_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

# fresh_db sets url for the next suite: empty for SQLite, else a new
# PostgreSQL database (dropping the previous suite's).
fresh_db() {
	url=""
	if [[ $engine == postgres ]]; then
		cleanup
		db="iamd_e2e_$$_$RANDOM"
		psql -q "$IAMD_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
		base=${IAMD_TEST_DATABASE_URL%%\?*}
		url="${base%/*}/$db?sslmode=disable"
	fi
}

# suite NAME CMD... runs one suite on a fresh database, shows its output
# and adds its closing "N passed, M failed" line to the totals.
passed=0
suites=0
suite() {
	local name=$1
	shift
	fresh_db
	echo "=== e2e on $engine: $name"
	local out
	out=$(mktemp)
	E2E_DATABASE_URL=$url IAMD_BIN=$bin "$@" | tee "$out"
	local n
	n=$(tail -n 1 "$out" | sed -nE 's/.*: ([0-9]+) passed, 0 failed.*/\1/p')
	rm -f "$out"
	if [[ -z $n ]]; then
		echo "e2e: $name on $engine did not end with 'N passed, 0 failed'" >&2
		exit 1
	fi
	passed=$((passed + n))
	suites=$((suites + 1))
}

# run_engine ENGINE TOTALS runs every suite on one engine and writes
# "SUITES PASSED" to TOTALS.
run_engine() {
	engine=$1
	local totals=$2
	passed=0
	suites=0
	db=""
	trap cleanup EXIT
	suite "aws CLI walkthrough" "$here/e2e/awscli-walkthrough.sh" "$bin"
	suite "boto3" python3 "$here/e2e/boto3_e2e.py"
	suite "aws CLI policies and MFA" "$here/e2e/awscli-policies.sh" "$bin"
	suite "boto3 policies and MFA" python3 "$here/e2e/boto3_policies.py"
	suite "aws CLI quotas (Service Quotas and iamd quota)" "$here/e2e/awscli-quotas.sh" "$bin"
	suite "aws CLI hardware tokens and accounts" "$here/e2e/awscli-hardware.sh" "$bin"
	if [[ $engine == postgres || ${#engines[@]} -eq 1 ]]; then
		# The audit store's engines are both covered by go test; the
		# CLI story runs once, on PostgreSQL when there is one.
		suite "aws CLI audit trail (CloudTrail lookup-events)" "$here/e2e/awscli-audit.sh" "$bin"
	fi
	suite "boto3 in test mode (a moto-style suite: FOOBARKEY, /moto-api/reset, the test clock)" python3 "$here/e2e/boto3_testmode.py"
	# The S3 store's engines are both covered by go test (the contract
	# group and TestS3MFADelete on each); each client runs on one engine,
	# the aws CLI on PostgreSQL and boto3 on SQLite, to keep CI short.
	if [[ $engine == postgres || ${#engines[@]} -eq 1 ]]; then
		suite "aws CLI S3 MFA Delete (aws s3api over HTTPS and HTTP)" "$here/e2e/awscli-s3-mfa-delete.sh" "$bin"
	fi
	if [[ $engine == sqlite ]]; then
		suite "boto3 S3 (MFA Delete, aws-chunked trailers, checksums)" python3 "$here/e2e/boto3_s3.py"
	fi
	if [[ $engine == sqlite ]]; then
		# A client of STS only: one engine proves it.
		suite "aws CLI with iamd mfa-session (credential helper)" "$here/e2e/awscli-mfa-session.sh" "$bin"
		# The console and the CLI share one single-use record; the
		# store's engines are both covered by go test.
		suite "aws CLI and the console (a code the console took is refused by STS)" "$here/e2e/awscli-console.sh" "$bin"
	fi
	cleanup
	db=""
	echo "$suites $passed" >"$totals"
}

# The engines run at the same time (most of a suite's time is spent
# waiting for the next TOTP step, not on the CPU): PostgreSQL's suites in
# the background, their output shown when they end; SQLite's as they go.
results=$(mktemp -d)
bg_pid=""
if [[ " ${engines[*]} " == *" postgres "* ]]; then
	(run_engine postgres "$results/postgres") >"$results/postgres.log" 2>&1 &
	bg_pid=$!
fi
# Both run as background jobs, so that set -e holds inside each (it is
# off in a subshell whose status a || tests).
(run_engine sqlite "$results/sqlite") &
fg_pid=$!
status=0
wait "$fg_pid" || status=$?
if [[ -n $bg_pid ]]; then
	wait "$bg_pid" || status=$?
	cat "$results/postgres.log"
fi
if [[ $status -ne 0 ]]; then
	echo "e2e: a suite failed (see above)" >&2
	exit "$status"
fi
suites=0
passed=0
for engine in "${engines[@]}"; do
	read -r s p <"$results/$engine"
	suites=$((suites + s))
	passed=$((passed + p))
done
rm -rf "$results"
echo "e2e: $suites suites on ${engines[*]}"
echo "e2e: $passed passed, 0 failed"
