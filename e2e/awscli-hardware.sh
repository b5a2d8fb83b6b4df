#!/usr/bin/env bash
# Hardware tokens and accounts, run for real with the aws CLI and iamd's own
# commands against one running server: the operator imports tokens from
# PSKC and CSV seed files (all or nothing), users enable them through the
# IAM API like AWS hardware MFA devices, a token moves from one user to
# another, a second account sees nothing of the first, and the operator gives
# the root user an MFA device. Its stdout is the transcript.
#
#   e2e/awscli-hardware.sh [IAMD_BIN]
#
# Without IAMD_BIN it builds ./cmd/iamd into a temporary directory. The
# server gets a fresh temporary data dir and a free port on 127.0.0.1. It
# uses the empty PostgreSQL database named by E2E_DATABASE_URL or, when that
# is unset, IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty)
# it uses SQLite. The iamd commands work on the same store while the server
# runs. Everything it creates in /tmp is removed on exit.
#
# The token TOTP30-000001 of testdata/pskc/totp-30.pskcxml has the secret
# ASCII "12345678901234567891"; its codes are computed from that, the way a
# token would show them. Only 6-digit tokens can be enabled through the IAM
# API (its codes are 6 digits). Codes are spent with care: alice enables the
# token with the codes of the two previous 30-second steps and signs in with
# the current one at once; once she gives it up, it takes bob two fresh
# steps to enable it and a third to sign in, and the account and root-MFA
# checks run while those steps come.
#
# It ends with "awscli-hardware: N passed, 0 failed" and status 0; a failed
# check prints what was expected and what came back, the server log's tail,
# and exits 1.
set -euo pipefail

suite=awscli-hardware
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# code_at WHO EPOCH prints the code of SEED[WHO] at that time, showing the
# command.
code_at() { totp_code "SEED_${1^^}" "${SEED[$1]}" "$2"; }

# cols SERIAL FIELDS... prints those fields ($1 is the serial) of SERIAL's
# row in the last "iamd hardware list" output.
cols() {
	local serial=$1
	shift
	awk -v s="$serial" -v f="$*" 'NR > 1 && $1 == s { n = split(f, a, " "); line = ""
		for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") $(a[i]); print line }' <<<"$OUT"
}

# rows prints the first column of the last table output, without its header,
# sorted, on one line.
rows() { awk 'NR > 1 { print $1 }' <<<"$OUT" | sort | paste -sd ' ' -; }

# field NAME prints the value of "NAME value" in the last output.
field() { awk -v n="$1" '$1 == n { print $2 }' <<<"$OUT"; }

start_iamd "$@"

arn="arn:aws:iam::$account"
b_account=333333333333
psk=12345678901234567890123456789012
# Of GetAccountSummary's 35 values, the ones this suite is about.
summary='SummaryMap.{Users: Users, MFADevices: MFADevices, MFADevicesInUse: MFADevicesInUse, AccountMFAEnabled: AccountMFAEnabled}'

cd "$work"
ln -s "$repo/testdata" testdata
echo "# testdata/ is the repository's. iamd's commands use the server's store:"
if [[ -n $db_url ]]; then
	echo "export IAMD_DATA_DIR=$work/data IAMD_DATABASE_URL=<the server's database>"
else
	echo "export IAMD_DATA_DIR=$work/data"
fi

# ---- 1. importing tokens ------------------------------------------------------

step "1. the operator imports hardware tokens; a file is imported whole or not at all"
run_iamd hardware import --password wrong testdata/pskc/figure7.pskcxml
expect_failure "import figure7.pskcxml with a wrong password" "nothing imported"
check_eq "a failed import prints no serial" "" "$OUT"
run_iamd hardware list
expect_success "hardware list"
check_eq "no token yet" "" "$(rows)"

run_iamd hardware import --password qwerty testdata/pskc/figure7.pskcxml
expect_success "import figure7.pskcxml with the password qwerty"
check_eq "figure7.pskcxml holds 987654321" 987654321 "$OUT"
check_contains "import reports the account" "imported 1 token(s) into account $account" "$ERR"

run_iamd hardware import --psk "$psk" testdata/pskc/figure6.pskcxml
expect_failure "import figure6.pskcxml: the same serial again" "nothing imported" \
	"a device with serial 987654321 exists already"

run_iamd hardware import --psk 00112233445566778899aabbccddeeff testdata/pskc/totp-60.pskcxml
expect_failure "import totp-60.pskcxml with a wrong PSK" "nothing imported" "wrong key"

run_iamd hardware import testdata/pskc/totp-30.pskcxml
expect_success "import totp-30.pskcxml (plain)"
check_eq "totp-30.pskcxml holds two tokens" "TOTP30-000001 TOTP30-000002" "$(paste -sd ' ' - <<<"$OUT")"

cat >tokens.csv <<'EOF'
CSVTOKEN-000001,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
CSVTOKEN-000002,not-base32!
EOF
show tokens.csv
run_iamd hardware import tokens.csv
expect_failure "import a CSV file with one good line and one bad" "nothing imported" "CSVTOKEN-000002"

run_iamd hardware list
expect_success "hardware list"
check_eq "the inventory: the good files only" "987654321 TOTP30-000001 TOTP30-000002" "$(rows)"
check_eq "987654321" "hotp 8 Unassigned -" "$(cols 987654321 2 3 4 5)"
check_eq "TOTP30-000001" "totp 6 Unassigned -" "$(cols TOTP30-000001 2 3 4 5)"
check_eq "TOTP30-000002" "totp 6 Unassigned -" "$(cols TOTP30-000002 2 3 4 5)"

# ---- 2. alice enables a token --------------------------------------------------

step "2. users alice and bob, with an access key each"
for u in alice bob; do
	run_as root aws iam create-user --user-name $u
	expect_success "create-user $u"
	run_as root aws iam create-access-key --user-name $u
	expect_success "create-access-key for $u"
	KEY[$u]=$(js 'd["AccessKey"]["AccessKeyId"]')
	SECRET[$u]=$(js 'd["AccessKey"]["SecretAccessKey"]')
done

step "TOTP30-000001's secret is ASCII \"12345678901234567891\""
echo "\$ printf %s 12345678901234567891 | base32"
SEED[token]=$(printf %s 12345678901234567891 | base32)
echo "${SEED[token]}"
check_eq "the secret in Base32" GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR "${SEED[token]}"
echo "SEED_TOKEN=${SEED[token]}"
t=$(now_step)
code1=$(code_at token $(((t - 2) * 30)))
code2=$(code_at token $(((t - 1) * 30)))
echo "codes: $code1 $code2"
# The same codes by RFC 6238 from the ASCII secret, independently of iamd.
rfc6238=$(python3 -c '
import hashlib, hmac, struct, sys
key, t = b"12345678901234567891", int(sys.argv[1])
for step in (t - 2, t - 1):
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 15
    print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 10**6), end=" " if step < t - 1 else "\n")' "$t")
check_eq "iamd token code agrees with RFC 6238 (HMAC-SHA1, 30 s)" "$rfc6238" "$code1 $code2"

step "alice gets TOTP30-000001 with two consecutive codes"
run_as root aws iam enable-mfa-device --user-name alice --serial-number TOTP30-000001 \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_success "enable-mfa-device TOTP30-000001 for alice"
run_as root aws iam list-mfa-devices --user-name alice
expect_success "list-mfa-devices alice"
check_eq "alice's devices" '["TOTP30-000001"]' "$(js '[m["SerialNumber"] for m in d["MFADevices"]]')"
check_eq "the device's UserName" alice "$(js 'd["MFADevices"][0]["UserName"]')"
run_as root aws iam list-virtual-mfa-devices
expect_success "list-virtual-mfa-devices"
check_eq "a hardware token is no virtual device" 0 "$(js 'len(d["VirtualMFADevices"])')"

step "a token has one user; a serial not in the inventory does not exist"
run_as root aws iam enable-mfa-device --user-name bob --serial-number TOTP30-000001 \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_error "enable-mfa-device TOTP30-000001 for bob while alice has it" EntityAlreadyExists "MFA Device is already in use."
run_as root aws iam enable-mfa-device --user-name bob --serial-number GAHT99999999 \
	--authentication-code1 123456 --authentication-code2 654321
expect_error "enable-mfa-device GAHT99999999" NoSuchEntity "GAHT99999999"
echo
echo "# 987654321 shows 8-digit codes; the IAM API carries 6"
run_as root aws iam enable-mfa-device --user-name bob --serial-number 987654321 \
	--authentication-code1 12345678 --authentication-code2 87654321
expect_error "enable-mfa-device 987654321 with 8-digit codes" ValidationError \
	"Value at 'authenticationCode1' failed to satisfy constraint: Member must have length less than or equal to 6"

step "alice signs in with the code the token shows now"
now=$(date +%s)
alice_step=$((now / 30))
code=$(code_at token "$now")
run_as alice aws sts get-session-token --serial-number TOTP30-000001 --token-code "$code"
expect_success "alice get-session-token with TOTP30-000001"
take_credentials alice-mfa
run_as alice-mfa aws sts get-caller-identity
expect_success "get-caller-identity with alice's MFA session"
check_eq "the MFA session is alice" "$arn:user/alice" "$(js 'd["Arn"]')"
run_as alice aws sts get-session-token --serial-number TOTP30-000001 --token-code "$code"
expect_error "the same code again" AccessDenied "MultiFactorAuthentication failed with invalid MFA one time pass code."

step "alice gives the token up"
run_as root aws iam deactivate-mfa-device --user-name alice --serial-number TOTP30-000001
expect_success "deactivate-mfa-device TOTP30-000001 for alice"
run_as root aws iam list-mfa-devices --user-name alice
expect_success "list-mfa-devices alice"
check_eq "alice has no device" 0 "$(js 'len(d["MFADevices"])')"
run_iamd hardware list
expect_success "hardware list"
check_eq "TOTP30-000001 is unassigned again" "Unassigned -" "$(cols TOTP30-000001 4 5)"
echo
echo "# the codes alice used do not enable it again"
code0=$(code_at token $(((alice_step - 1) * 30)))
run_as root aws iam enable-mfa-device --user-name bob --serial-number TOTP30-000001 \
	--authentication-code1 "$code0" --authentication-code2 "$code"
expect_error "enable-mfa-device for bob with used codes" InvalidAuthenticationCode

# ---- 3. a second account -------------------------------------------------------

step "3. a second account, while TOTP30-000001's next codes come"
run_iamd account create --id $b_account --email b@example.com
expect_success "account create $b_account"
check_eq "account_id" $b_account "$(field account_id)"
check_eq "root_email" b@example.com "$(field root_email)"
check_re "root_password" '^.{20,}$' "$(field root_password)"
check_contains "the credentials are shown once" "shown only once" "$ERR"
KEY[b-root]=$(field access_key_id)
SECRET[b-root]=$(field secret_access_key)
check_re "access_key_id" '^AKIA[A-Z0-9]{16}$' "${KEY[b-root]}"
check_eq "secret_access_key length" 40 "${#SECRET[b-root]}"

run_iamd account list
expect_success "account list"
check_eq "both accounts" "$(printf '%s\n' "$account" $b_account | sort | paste -sd ' ' -)" "$(rows)"
check_eq "$b_account's root email" b@example.com "$(awk -v a=$b_account '$1 == a { print $2 }' <<<"$OUT")"

run_iamd hardware list
expect_failure "hardware list without --account, with two accounts" "name one with --account"
run_iamd hardware import --account $b_account testdata/pskc/totp-30.pskcxml
expect_failure "import totp-30.pskcxml into $b_account too: a token is in one account only" "nothing imported" \
	"a device with serial TOTP30-000001 exists already"
run_iamd hardware list --account $b_account
expect_success "hardware list --account $b_account"
check_eq "$b_account has no tokens" "" "$(rows)"

echo
echo "# account $b_account's root user sees nothing of account $account"
run_as b-root aws sts get-caller-identity
expect_success "get-caller-identity as $b_account's root"
check_eq "the caller" "arn:aws:iam::$b_account:root" "$(js 'd["Arn"]')"
run_as b-root aws iam list-users
expect_success "list-users in $b_account"
check_eq "no users in $b_account" "[]" "$(js '[u["UserName"] for u in d["Users"]]')"
run_as b-root aws iam get-user --user-name alice
expect_error "get-user alice in $b_account" NoSuchEntity "alice"
run_as b-root aws iam create-user --user-name carol
expect_success "create-user carol in $b_account"
check_eq "carol's Arn" "arn:aws:iam::$b_account:user/carol" "$(js 'd["User"]["Arn"]')"
t=$(now_step)
c1=$(code_at token $(((t - 1) * 30)))
c2=$(code_at token $((t * 30)))
run_as b-root aws iam enable-mfa-device --user-name carol --serial-number TOTP30-000001 \
	--authentication-code1 "$c1" --authentication-code2 "$c2"
expect_error "enable-mfa-device with $account's token for carol in $b_account" NoSuchEntity "TOTP30-000001"
run_as b-root aws iam get-account-summary --query "$summary"
expect_success "get-account-summary in $b_account"
check_eq "$b_account: Users" 1 "$(js 'd["Users"]')"
check_eq "$b_account: AccountMFAEnabled" 0 "$(js 'd["AccountMFAEnabled"]')"

# ---- 4. root MFA ---------------------------------------------------------------

step "4. the operator gives account $account's root user an MFA device"
run_as root aws iam get-account-summary --query "$summary"
expect_success "get-account-summary"
check_eq "AccountMFAEnabled before" 0 "$(js 'd["AccountMFAEnabled"]')"
run_iamd account root-mfa "$account"
expect_success "account root-mfa $account"
root_serial=$(field serial_number)
SEED[root]=$(field base32_string_seed)
check_re "serial_number" "^$arn:mfa/[A-Za-z0-9+=,.@_-]+\$" "$root_serial"
check_re "base32_string_seed" '^[A-Z2-7]{32,}$' "${SEED[root]}"
check_contains "the seed is shown once" "shown only once" "$ERR"
echo "SEED_ROOT=<base32_string_seed>"
run_as root aws iam get-account-summary --query "$summary"
expect_success "get-account-summary"
check_eq "AccountMFAEnabled" 1 "$(js 'd["AccountMFAEnabled"]')"
run_as root aws iam list-virtual-mfa-devices --assignment-status Assigned
expect_success "list-virtual-mfa-devices Assigned"
check_eq "the root device" "[\"$root_serial\"]" "$(js '[m["SerialNumber"] for m in d["VirtualMFADevices"]]')"
check_eq "assigned to root" "$arn:root" "$(js 'd["VirtualMFADevices"][0]["User"]["Arn"]')"

code=$(code_at root "$(date +%s)")
run_as root aws sts get-session-token --serial-number "$root_serial" --token-code "$code"
expect_success "root get-session-token with MFA"
take_credentials root-mfa
run_as root-mfa aws sts get-caller-identity
expect_success "get-caller-identity with root's MFA session"
check_eq "the MFA session is root" "$arn:root" "$(js 'd["Arn"]')"
run_as root-mfa aws iam list-users
expect_success "list-users with root's MFA session"
check_eq "users in $account" '["alice", "bob"]' "$(js 'sorted(u["UserName"] for u in d["Users"])')"

run_iamd account root-mfa --deactivate "$root_serial" "$account"
expect_success "account root-mfa --deactivate"
check_contains "deactivated" "deactivated $root_serial" "$OUT"
run_as root aws iam get-account-summary --query "$summary"
expect_success "get-account-summary"
check_eq "AccountMFAEnabled after" 0 "$(js 'd["AccountMFAEnabled"]')"

# ---- 5. bob takes the token over -------------------------------------------------

step "5. bob gets TOTP30-000001 with two fresh codes"
# alice used steps up to alice_step; bob needs alice_step+1 and +2 to enable,
# and signs in with alice_step+3.
if (($(date +%s) < (alice_step + 3) * 30)); then
	echo "(waiting $(((alice_step + 3) * 30 - $(date +%s))) s for two fresh steps)"
	sleep_until $(((alice_step + 3) * 30))
fi
t=$(now_step)
code1=$(code_at token $(((t - 2) * 30)))
code2=$(code_at token $(((t - 1) * 30)))
run_as root aws iam enable-mfa-device --user-name bob --serial-number TOTP30-000001 \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_success "enable-mfa-device TOTP30-000001 for bob"
run_as root aws iam list-mfa-devices --user-name bob
expect_success "list-mfa-devices bob"
check_eq "bob's devices" '["TOTP30-000001"]' "$(js '[m["SerialNumber"] for m in d["MFADevices"]]')"

code=$(code_at token "$(date +%s)")
run_as bob aws sts get-session-token --serial-number TOTP30-000001 --token-code "$code"
expect_success "bob get-session-token with TOTP30-000001"
take_credentials bob-mfa
run_as bob-mfa aws sts get-caller-identity
expect_success "get-caller-identity with bob's MFA session"
check_eq "the MFA session is bob" "$arn:user/bob" "$(js 'd["Arn"]')"

run_iamd hardware list --account "$account"
expect_success "hardware list --account $account"
check_eq "TOTP30-000001 is bob's" "Assigned $arn:user/bob" "$(cols TOTP30-000001 4 5)"
check_eq "TOTP30-000002 is unassigned" "Unassigned -" "$(cols TOTP30-000002 4 5)"

step "an assigned token stays in the inventory; an unassigned one can go"
run_iamd hardware remove --account "$account" TOTP30-000001
expect_failure "hardware remove TOTP30-000001 while bob has it" "deactivate it first"
run_iamd hardware remove --account "$account" TOTP30-000002
expect_success "hardware remove TOTP30-000002"
check_eq "removed" "removed TOTP30-000002" "$OUT"
run_iamd hardware list --account "$account"
expect_success "hardware list --account $account"
check_eq "the inventory" "987654321 TOTP30-000001" "$(rows)"
run_as root aws iam enable-mfa-device --user-name alice --serial-number TOTP30-000002 \
	--authentication-code1 123456 --authentication-code2 654321
expect_error "enable-mfa-device TOTP30-000002 after its removal" NoSuchEntity "TOTP30-000002"

finish
