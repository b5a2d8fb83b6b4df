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

suite=awscli-walkthrough
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# code_at EPOCH prints the code of $seed at that time, showing the command.
code_at() { totp_code SEED "$seed" "$1"; }

start_iamd "$@"

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

finish
