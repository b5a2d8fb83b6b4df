#!/usr/bin/env bash
# S3 MFA Delete, run for real with the aws CLI (aws s3api, aws s3) against
# one store: the operator gives the root user an MFA device, root makes a
# versioned bucket and turns MFA Delete on with a code, and from then on a
# version is destroyed only with a fresh code from root's device: not
# without one, not with a wrong or a replayed one, not by an IAM user with
# s3:*, not through DeleteObjects, not with temporary credentials. Delete
# markers need no code. A multi-MiB object goes up and down with
# "aws s3api put-object" and "aws s3 cp". All of that over HTTPS, with a
# self-signed certificate made here; then the same store over plain HTTP,
# where x-amz-mfa is refused unless the server runs with
# --allow-insecure-mfa-header. Its stdout is the transcript.
#
#   e2e/awscli-s3-mfa-delete.sh [IAMD_BIN]
#
# Without IAMD_BIN it builds ./cmd/iamd into a temporary directory. The
# server gets a fresh temporary data dir and a free port on 127.0.0.1. It
# uses the empty PostgreSQL database named by E2E_DATABASE_URL or, when that
# is unset, IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty)
# it uses SQLite. Everything it creates in /tmp is removed on exit.
#
# Root's codes are spent with care: each accepted x-amz-mfa consumes its
# 30-second step, so the next accepted one needs a later step, and iamd
# takes a code one step either side of its clock, so a code is good until
# its step's successor ends. The suite waits (sleep_until) for the next step
# only when the current one is used already or would end too soon for the
# requests the code is meant for (the aws CLI can take seconds a call on a
# busy machine). Refused requests consume nothing: the code an IAM user was
# refused with is the one root then uses, and so is the code refused over
# plain HTTP.
#
# Every x-amz-mfa value sent is added to the secrets the audit scan looks
# for, with root's seed: the trail records that the header was sent, never
# its code.
#
# It ends with "awscli-s3-mfa-delete: N passed, 0 failed" and status 0; a
# failed check prints what was expected and what came back, the server log's
# tail, and exits 1.
set -euo pipefail

suite=awscli-s3-mfa-delete
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# code_at EPOCH prints the code of root's device at that time, showing the
# command.
code_at() { totp_code SEED_ROOT "${SEED[root]}" "$1"; }

# root_last is the last step whose code root's device had accepted.
root_last=0

# fresh_step SECONDS prints a step whose code root's device has not used
# and iamd takes for at least SECONDS more (at most 55): the current one,
# after waiting for the next when it is used or too old.
fresh_step() {
	local t
	t=$(now_step)
	if ((t <= root_last || (t + 2) * 30 - $(date +%s) < $1)); then
		echo "(waiting $(((t + 1) * 30 - $(date +%s))) s for the next 30-second step)" >&3
		sleep_until $(((t + 1) * 30))
		t=$(now_step)
	fi
	echo "$t"
}

# mfa_header STEP prints "SERIAL CODE" for root's code at STEP; remember_header
# adds a value to the secrets the audit scan looks for.
n_headers=0
mfa_header() {
	local code
	code=$(code_at $(($1 * 30)))
	echo "$root_serial $code"
}
remember_header() { # value
	n_headers=$((n_headers + 1))
	SEED[x-amz-mfa-$n_headers]=$1
}

# versions prints the last list-object-versions output as
# "VersionId:IsLatest ..." (Versions) and "marker:VersionId:IsLatest ..."
# (DeleteMarkers), newest first.
versions() {
	js '" ".join(["%s:%s" % (v["VersionId"], v["IsLatest"]) for v in d.get("Versions", [])] + ["marker:%s:%s" % (m["VersionId"], m["IsLatest"]) for m in d.get("DeleteMarkers", [])])'
}

cd "$work"

# ---- 0. TLS and the server -------------------------------------------------------

step "0. a self-signed certificate for 127.0.0.1 and localhost"
echo "\$ openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' -keyout tls-key.pem -out tls-cert.pem"
run_env -- openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$work/tls-key.pem" -out "$work/tls-cert.pem"
expect_success "openssl makes a self-signed certificate"
echo "\$ openssl x509 -in tls-cert.pem -noout -subject -ext subjectAltName"
run_env -- openssl x509 -in "$work/tls-cert.pem" -noout -subject -ext subjectAltName
expect_success "openssl x509"
check_contains "the certificate names 127.0.0.1" "IP Address:127.0.0.1" "$OUT"

server_tls_cert="$work/tls-cert.pem" server_tls_key="$work/tls-key.pem"
echo "# iamd serve ... --tls-cert tls-cert.pem --tls-key tls-key.pem"
start_iamd "$@"
check_re "the server speaks HTTPS" '^https://127\.0\.0\.1:[0-9]+$' "$AWS_ENDPOINT_URL"
export AWS_CA_BUNDLE="$work/tls-cert.pem"
echo "export AWS_CA_BUNDLE=tls-cert.pem"
cat >"$AWS_CONFIG_FILE" <<'EOF'
[default]
s3 =
    addressing_style = path
EOF
echo "export AWS_CONFIG_FILE=aws-config"
show aws-config

arn="arn:aws:iam::$account"
bucket=records

# ---- 1. root's MFA device --------------------------------------------------------

step "1. the operator gives the root user an MFA device"
run_iamd account root-mfa "$account"
expect_success "account root-mfa $account"
root_serial=$(awk '$1 == "serial_number" { print $2 }' <<<"$OUT")
SEED[root]=$(awk '$1 == "base32_string_seed" { print $2 }' <<<"$OUT")
check_re "serial_number" "^$arn:mfa/[A-Za-z0-9+=,.@_-]+\$" "$root_serial"
check_re "base32_string_seed" '^[A-Z2-7]{32,}$' "${SEED[root]}"
echo "SEED_ROOT=<base32_string_seed>"

# ---- 2. a versioned bucket -------------------------------------------------------

step "2. a bucket with versioning, and three versions of one object"
run_as root aws s3api create-bucket --bucket $bucket
expect_success "create-bucket $bucket"
check_eq "Location" "/$bucket" "$(js 'd["Location"]')"
run_as root aws s3api put-bucket-versioning --bucket $bucket --versioning-configuration Status=Enabled
expect_success "put-bucket-versioning Status=Enabled"
run_as root aws s3api get-bucket-versioning --bucket $bucket
expect_success "get-bucket-versioning"
check_eq "versioning before MFA Delete" '{"Status": "Enabled"}' "$(js 'd')"

declare -a vid
for i in 1 2 3; do
	printf 'ledger, revision %d\n' "$i" >"ledger-$i.csv"
	run_as root aws s3api put-object --bucket $bucket --key ledger.csv --body "ledger-$i.csv"
	expect_success "put-object ledger.csv, revision $i"
	vid[i]=$(js 'd["VersionId"]')
	check_re "revision $i has a version id" '^[A-Za-z0-9._-]{16,}$' "${vid[i]}"
	check_eq "revision $i's ETag is its MD5" "\"$(md5sum "ledger-$i.csv" | cut -d' ' -f1)\"" "$(js 'd["ETag"]')"
done
check_eq "three distinct version ids" 3 "$(printf '%s\n' "${vid[@]}" | sort -u | wc -l)"
echo "versions: ${vid[1]} ${vid[2]} ${vid[3]}"

# ---- 3. MFA Delete on -------------------------------------------------------------

step "3. root turns MFA Delete on, with a code from its device"
run_as root aws s3api put-bucket-versioning --bucket $bucket \
	--versioning-configuration Status=Enabled,MFADelete=Enabled
expect_error "MFADelete=Enabled without --mfa" AccessDenied "Mfa Authentication must be used for this request"
t=$(fresh_step 20)
header=$(mfa_header "$t")
remember_header "$header"
enable_header=$header
run_as root aws s3api put-bucket-versioning --bucket $bucket \
	--versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "$header"
expect_success "put-bucket-versioning MFADelete=Enabled --mfa 'SERIAL CODE'"
root_last=$t
run_as root aws s3api get-bucket-versioning --bucket $bucket
expect_success "get-bucket-versioning"
check_eq "Status" Enabled "$(js 'd["Status"]')"
check_eq "MFADelete" Enabled "$(js 'd["MFADelete"]')"

# ---- 4. permanent deletes --------------------------------------------------------

step "4. a permanent delete without a code is refused, and the version stays"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}"
expect_error "delete-object --version-id without --mfa" AccessDenied "Mfa Authentication must be used for this request"
run_as root aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" out-1.csv
expect_success "get-object revision 1"
check_eq "revision 1 is still readable" "ledger, revision 1" "$(<out-1.csv)"
check_eq "its VersionId" "${vid[1]}" "$(js 'd["VersionId"]')"

step "with a wrong code: refused"
good=$(code_at "$(date +%s)")
wrong=$(printf '%06d' $(((10#$good + 500000) % 1000000)))
echo "wrong code: $wrong"
remember_header "$root_serial $wrong"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" \
	--mfa "$root_serial $wrong"
expect_error "delete-object with a wrong code" AccessDenied "The MFA code in the x-amz-mfa header was not accepted."

step "with the code that turned MFA Delete on (a replay): refused"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" \
	--mfa "$enable_header"
expect_error "delete-object with a replayed code" AccessDenied "The MFA code in the x-amz-mfa header was not accepted."
run_as root aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" out-1.csv
expect_success "get-object revision 1"
check_eq "revision 1 survived the refused deletes" "ledger, revision 1" "$(<out-1.csv)"

step "with a fresh code: removed for good"
t=$(fresh_step 20)
header=$(mfa_header "$t")
remember_header "$header"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" --mfa "$header"
expect_success "delete-object --version-id with a fresh code"
root_last=$t
check_eq "the deleted VersionId" "${vid[1]}" "$(js 'd["VersionId"]')"
run_as root aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" out-1.csv
expect_error "get-object of the removed version" NoSuchVersion "The specified version does not exist."
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[1]}" --mfa "$header"
expect_error "the same code again" AccessDenied "The MFA code in the x-amz-mfa header was not accepted."

# ---- 5. delete markers -------------------------------------------------------------

step "5. a delete without a version id adds a delete marker, no code needed"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv
expect_success "delete-object without --version-id"
check_eq "DeleteMarker" true "$(js 'd["DeleteMarker"]')"
marker=$(js 'd["VersionId"]')
check_re "the marker's VersionId" '^[A-Za-z0-9._-]{16,}$' "$marker"
run_as root aws s3api get-object --bucket $bucket --key ledger.csv out.csv
expect_error "get-object without a version after the marker" NoSuchKey "The specified key does not exist."
run_as root aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[3]}" out-3.csv
expect_success "get-object revision 3 behind the marker"
check_eq "revision 3" "ledger, revision 3" "$(<out-3.csv)"
run_as root aws s3api list-object-versions --bucket $bucket
expect_success "list-object-versions"
check_eq "versions and markers, newest first" "${vid[3]}:False ${vid[2]}:False marker:$marker:True" "$(versions)"
check_eq "the versions' sizes" "[19, 19]" "$(js '[v["Size"] for v in d["Versions"]]')"
check_eq "the versions' ETags" "[\"\\\"$(md5sum ledger-3.csv | cut -d' ' -f1)\\\"\", \"\\\"$(md5sum ledger-2.csv | cut -d' ' -f1)\\\"\"]" \
	"$(js '[v["ETag"] for v in d["Versions"]]')"

# ---- 6. an IAM user with s3:* --------------------------------------------------------

step "6. an IAM user with s3:* on everything"
cat >s3-all.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
}
EOF
show s3-all.json
run_as root aws iam create-user --user-name ops
expect_success "create-user ops"
run_as root aws iam put-user-policy --user-name ops --policy-name s3-all --policy-document file://s3-all.json
expect_success "put-user-policy s3-all"
run_as root aws iam create-access-key --user-name ops
expect_success "create-access-key for ops"
KEY[ops]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[ops]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as ops aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" out-2.csv
expect_success "ops get-object revision 2"
check_eq "ops reads revision 2" "ledger, revision 2" "$(<out-2.csv)"

step "ops cannot change versioning or delete a version for good without a code"
run_as ops aws s3api put-bucket-versioning --bucket $bucket --versioning-configuration Status=Suspended
expect_error "ops Status=Suspended without a code" AccessDenied "Mfa Authentication must be used for this request"
run_as ops aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}"
expect_error "ops delete-object --version-id" AccessDenied "Mfa Authentication must be used for this request"
run_as ops aws s3api put-object --bucket $bucket --key notes.txt --body ledger-1.csv
expect_success "ops may still write"
notes_vid=$(js 'd["VersionId"]')

# ---- 7. DeleteObjects --------------------------------------------------------------

step "7. delete-objects naming a version, without a code: refused as a whole"
objects="{\"Objects\": [{\"Key\": \"ledger.csv\", \"VersionId\": \"${vid[2]}\"}, {\"Key\": \"notes.txt\"}]}"
run_as root aws s3api delete-objects --bucket $bucket --delete "$objects"
expect_error "delete-objects with a version, without --mfa" AccessDenied "Mfa Authentication must be used for this request"
run_as root aws s3api list-object-versions --bucket $bucket --prefix ledger.csv
expect_success "list-object-versions ledger.csv"
check_eq "nothing removed from ledger.csv" "${vid[3]}:False ${vid[2]}:False marker:$marker:True" "$(versions)"
run_as root aws s3api list-object-versions --bucket $bucket --prefix notes.txt
expect_success "list-object-versions notes.txt"
check_eq "no marker on notes.txt" "$notes_vid:True" "$(versions)"

# ---- 8. malformed headers and temporary credentials -----------------------------------

step "8. a malformed x-amz-mfa: InvalidArgument"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" --mfa "$root_serial"
expect_error "--mfa with the serial only" InvalidArgument \
	"Mfa header is invalid -- the header should be formatted as {serialNumber}(space){tokenCode}"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" --mfa "$root_serial 12345x"
expect_error "--mfa with a code that is no number" InvalidArgument "Mfa header is invalid"

step "temporary credentials with x-amz-mfa: InvalidRequest"
run_as root aws sts get-session-token --duration-seconds 900
expect_success "root get-session-token"
take_credentials root-session
run_as root-session aws s3api get-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" out-2.csv
expect_success "the session may read"
t=$(fresh_step 45)
header=$(mfa_header "$t")
remember_header "$header"
run_as root-session aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" --mfa "$header"
expect_error "root's session credentials with --mfa" InvalidRequest "DevPay and Mfa are mutually exclusive authorization methods."

step "ops with root's serial and that fresh code: refused, and the code is not spent"
run_as ops aws s3api put-bucket-versioning --bucket $bucket \
	--versioning-configuration Status=Enabled,MFADelete=Disabled --mfa "$header"
expect_error "ops MFADelete=Disabled" AccessDenied "Only the bucket owner's root user can use its MFA device for MFA Delete."
run_as ops aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[2]}" --mfa "$header"
expect_error "ops delete-object --version-id --mfa" AccessDenied "Only the bucket owner's root user can use its MFA device for MFA Delete."
run_as root aws s3api delete-objects --bucket $bucket --mfa "$header" --delete "$objects"
expect_success "root's delete-objects with a version and the same --mfa"
root_last=$t
check_eq "Deleted" "[[\"ledger.csv\", \"${vid[2]}\"], [\"notes.txt\", true]]" \
	"$(js 'sorted([x["Key"], x.get("VersionId") or x.get("DeleteMarker")] for x in d["Deleted"])')"
run_as ops aws s3api get-bucket-versioning --bucket $bucket
expect_success "get-bucket-versioning"
check_eq "MFA Delete is still on" "Enabled Enabled" "$(js 'd["Status"] + " " + d["MFADelete"]')"
run_as root aws s3api list-object-versions --bucket $bucket
expect_success "list-object-versions"
check_eq "ledger.csv: revision 3 and the marker" "${vid[3]}:False marker:$marker:True" \
	"$(js '" ".join(["%s:%s" % (v["VersionId"], v["IsLatest"]) for v in d.get("Versions", []) if v["Key"] == "ledger.csv"] + ["marker:%s:%s" % (m["VersionId"], m["IsLatest"]) for m in d.get("DeleteMarkers", []) if m["Key"] == "ledger.csv"])')"
check_eq "notes.txt: its version and a new marker" "1 1" \
	"$(js '"%d %d" % (sum(v["Key"] == "notes.txt" for v in d.get("Versions", [])), sum(m["Key"] == "notes.txt" and m["IsLatest"] for m in d.get("DeleteMarkers", [])))')"

# ---- 9. objects of several MiB ------------------------------------------------------------

step "9. a 7 MiB object up and down: aws s3api put-object, aws s3 cp, aws s3 ls"
# Below aws s3's 8 MiB multipart threshold: iamd takes single PUTs only.
echo "\$ head -c $((7 << 20)) /dev/urandom >big.bin"
run_env -- sh -c "head -c $((7 << 20)) /dev/urandom >big.bin"
expect_success "7 MiB of random bytes"
big_md5=$(md5sum big.bin | cut -d' ' -f1)
run_as root aws s3api create-bucket --bucket blobs
expect_success "create-bucket blobs"
run_as root aws s3api put-object --bucket blobs --key big.bin --body big.bin
expect_success "put-object big.bin"
check_eq "ETag" "\"$big_md5\"" "$(js 'd["ETag"]')"
run_as root aws s3api head-object --bucket blobs --key big.bin
expect_success "head-object big.bin"
check_eq "ContentLength" $((7 << 20)) "$(js 'd["ContentLength"]')"
run_as root aws s3api get-object --bucket blobs --key big.bin big.s3api
expect_success "get-object big.bin"
echo "\$ cmp big.bin big.s3api"
run_env -- cmp big.bin big.s3api
expect_success "get-object returns the same bytes"

run_as root aws s3 cp --no-progress big.bin s3://blobs/copied/big.bin
expect_success "aws s3 cp up"
run_as root aws s3 cp --no-progress s3://blobs/copied/big.bin big.cp
expect_success "aws s3 cp down"
echo "\$ cmp big.bin big.cp"
run_env -- cmp big.bin big.cp
expect_success "aws s3 cp returns the same bytes"
run_as root aws s3api head-object --bucket blobs --key copied/big.bin
expect_success "head-object copied/big.bin"
check_eq "the copy's ETag" "\"$big_md5\"" "$(js 'd["ETag"]')"

run_as root aws s3 ls
expect_success "aws s3 ls"
check_eq "the buckets" "blobs records" "$(awk '{ print $3 }' <<<"$OUT" | sort | paste -sd ' ' -)"
run_as root aws s3 ls s3://blobs/ --recursive
expect_success "aws s3 ls s3://blobs/ --recursive"
check_eq "the objects and sizes" "$((7 << 20)) big.bin $((7 << 20)) copied/big.bin" \
	"$(awk '{ print $3, $4 }' <<<"$OUT" | paste -sd ' ' -)"

# ---- 10. plain HTTP ---------------------------------------------------------------------

step "10. the same store over plain HTTP: x-amz-mfa refused"
stop_server
server_tls_cert="" server_tls_key=""
echo "# iamd serve ... (no --tls-cert)"
start_server
export AWS_ENDPOINT_URL=$server_url
echo "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
check_re "the server speaks HTTP" '^http://127\.0\.0\.1:[0-9]+$' "$AWS_ENDPOINT_URL"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[3]}"
expect_error "without --mfa over HTTP: MFA Delete still applies" AccessDenied "Mfa Authentication must be used for this request"
t=$(fresh_step 45)
header=$(mfa_header "$t")
remember_header "$header"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[3]}" --mfa "$header"
expect_error "--mfa over HTTP" InvalidRequest "The x-amz-mfa header can only be sent over HTTPS."

step "with --allow-insecure-mfa-header the same code is taken"
stop_server
server_args=(--allow-insecure-mfa-header)
echo "# iamd serve ... --allow-insecure-mfa-header"
start_server
export AWS_ENDPOINT_URL=$server_url
echo "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
run_as root aws s3api delete-object --bucket $bucket --key ledger.csv --version-id "${vid[3]}" --mfa "$header"
expect_success "delete-object --version-id --mfa over HTTP with --allow-insecure-mfa-header"
root_last=$t
check_eq "the deleted VersionId" "${vid[3]}" "$(js 'd["VersionId"]')"
run_as root aws s3api list-object-versions --bucket $bucket --prefix ledger.csv
expect_success "list-object-versions ledger.csv"
check_eq "only the delete marker is left" "marker:$marker:True" "$(versions)"
run_as root aws s3api delete-bucket --bucket $bucket
expect_error "delete-bucket while a marker remains" BucketNotEmpty

step "MFA Delete off again: root, with a fresh code"
t=$(fresh_step 20)
header=$(mfa_header "$t")
remember_header "$header"
run_as root aws s3api put-bucket-versioning --bucket $bucket \
	--versioning-configuration Status=Suspended,MFADelete=Disabled --mfa "$header"
expect_success "put-bucket-versioning Status=Suspended,MFADelete=Disabled"
root_last=$t
run_as root aws s3api get-bucket-versioning --bucket $bucket
expect_success "get-bucket-versioning"
check_eq "versioning suspended, MFA Delete shown Disabled" "Suspended Disabled" "$(js 'd["Status"] + " " + d["MFADelete"]')"
run_as root aws s3api delete-objects --bucket $bucket --delete "{\"Objects\": [{\"Key\": \"ledger.csv\", \"VersionId\": \"$marker\"}, {\"Key\": \"notes.txt\", \"VersionId\": \"$notes_vid\"}]}"
expect_success "delete-objects of versions and a marker, no code needed now"
run_as root aws s3api list-object-versions --bucket $bucket
expect_success "list-object-versions"
check_eq "left: the marker on notes.txt" "[\"notes.txt\"]" "$(js '[m["Key"] for m in d.get("DeleteMarkers", [])] + [v["Key"] for v in d.get("Versions", [])]')"
notes_marker=$(js 'd["DeleteMarkers"][0]["VersionId"]')
run_as root aws s3api delete-object --bucket $bucket --key notes.txt --version-id "$notes_marker"
expect_success "delete-object of notes.txt's marker"
run_as root aws s3api delete-bucket --bucket $bucket
expect_success "delete-bucket $bucket"

step "the audit trail has the S3 deletes, with x-amz-mfa hidden"
run_as root aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventSource,AttributeValue=s3.amazonaws.com --max-results 50 \
	--query 'Events[].CloudTrailEvent'
expect_success "lookup-events s3.amazonaws.com"
check_contains "a DeleteObject event" '\"eventName\":\"DeleteObject\"' "$OUT"
check_contains "a PutBucketVersioning event" '\"eventName\":\"PutBucketVersioning\"' "$OUT"
check_contains "x-amz-mfa recorded as hidden" '\"x-amz-mfa\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"' "$OUT"

echo
echo "# the audit scan looks for root's seed and each of the $n_headers x-amz-mfa values sent"
finish
