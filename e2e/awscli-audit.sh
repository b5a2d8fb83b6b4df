#!/usr/bin/env bash
# The audit trail of an MFA story, read back with the aws CLI's
# `aws cloudtrail lookup-events`: a virtual device created and enabled, a
# wrong code, guessing throttled, GetSessionToken with MFA, and a write made
# with the MFA session (mfaAuthenticated=true). Its stdout is the
# transcript (docs/audit-transcript.txt).
#
#   e2e/awscli-audit.sh [IAMD_BIN]
#
# Like the other suites: a fresh iamd on SQLite or on the PostgreSQL
# database in E2E_DATABASE_URL; it ends with "awscli-audit: N passed, 0 failed".
set -euo pipefail

suite=awscli-audit
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

code_at() { totp_code SEED "${SEED[alice]}" "$1"; }

start_iamd "$@"
serial="arn:aws:iam::$account:mfa/alice"
cd "$work"

step "alice, an access key, and a policy that lets her create users only with MFA"
run_as root aws iam create-user --user-name alice
expect_success "create-user alice"
run_as root aws iam create-access-key --user-name alice
expect_success "create-access-key"
KEY[alice]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[alice]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as root aws iam put-user-policy --user-name alice --policy-name create-with-mfa --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'
expect_success "put-user-policy"

step "create and enable alice's virtual device"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name alice --outfile alice.seed --bootstrap-method Base32StringSeed
expect_success "create-virtual-mfa-device"
SEED[alice]=$(cat alice.seed)
t=$(now_step)
run_as root aws iam enable-mfa-device --user-name alice --serial-number "$serial" \
	--authentication-code1 "$(code_at $(((t - 1) * 30)))" --authentication-code2 "$(code_at $((t * 30)))"
expect_success "enable-mfa-device"

step "a wrong code, then guessing: the device throttles"
for i in 1 2 3 4 5 6; do
	run_as alice aws sts get-session-token --serial-number "$serial" --token-code 000000
	expect_error "get-session-token with a wrong code ($i)" AccessDenied "MultiFactorAuthentication failed"
done

step "the next step's code, once the back-off is over: a session with MFA"
# The next step, and at least 3 s after the last refusal: six failures
# block the device for 2 s, and on a busy machine the guesses may already
# reach into the next step.
wake=$(((t + 1) * 30 + 3))
if ((wake < $(date +%s) + 3)); then
	wake=$(($(date +%s) + 3))
fi
sleep_until "$wake"
code=$(code_at $(((t + 1) * 30)))
run_as alice aws sts get-session-token --serial-number "$serial" --token-code "$code"
expect_success "get-session-token with MFA"
take_credentials alice-mfa

step "a write with the MFA session"
run_as alice-mfa aws iam create-user --user-name carol
expect_success "create-user carol with MFA"
run_as alice aws iam create-user --user-name dave
expect_error "create-user dave without MFA" AccessDenied
sleep 1.2 # refusals are written in batches every second

step "TRANSCRIPT: what the audit trail says"
run_as root aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=EnableMFADevice
expect_success "lookup-events EnableMFADevice"
check_eq "one EnableMFADevice event" 1 "$(js 'len(d["Events"])')"
check_eq "its resource is the device" "$serial" "$(js '[r["ResourceName"] for r in d["Events"][0]["Resources"] if r["ResourceType"] == "AWS::IAM::MFADevice"][0]')"

run_as root aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=GetSessionToken
expect_success "lookup-events GetSessionToken"
check_eq "seven GetSessionToken events (6 refused, 1 issued)" 7 "$(js 'len(d["Events"])')"
check_eq "six refused with AccessDenied" 6 "$(js 'sum(1 for e in d["Events"] if __import__("json").loads(e["CloudTrailEvent"]).get("errorCode") == "AccessDenied")')"
check_eq "the newest issued credentials with MFA" Yes "$(js '__import__("json").loads(d["Events"][0]["CloudTrailEvent"])["additionalEventData"]["MFAUsed"]')"
check_eq "the code is hidden" HIDDEN_DUE_TO_SECURITY_REASONS "$(js '__import__("json").loads(d["Events"][0]["CloudTrailEvent"])["requestParameters"]["tokenCode"]')"

run_as root aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser --max-results 2
expect_success "lookup-events CreateUser"
check_eq "newest first: dave refused" AccessDenied "$(js '__import__("json").loads(d["Events"][0]["CloudTrailEvent"])["errorCode"]')"
check_eq "then carol, created with mfaAuthenticated=true" true "$(js '__import__("json").loads(d["Events"][1]["CloudTrailEvent"])["userIdentity"]["sessionContext"]["attributes"]["mfaAuthenticated"]')"
check_eq "by alice's session key" "${KEY[alice-mfa]}" "$(js 'd["Events"][1]["AccessKeyId"]')"

run_as alice aws cloudtrail lookup-events
expect_error "alice may not read the trail" AccessDeniedException
step "END TRANSCRIPT"

finish
