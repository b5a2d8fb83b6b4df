#!/usr/bin/env bash
# IAM policies and MFA, run for real with the aws CLI: policies that require
# MFA (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge), AWS's
# "manage only your own MFA device until you sign in with MFA" self-service
# policy on a group, a role whose trust policy requires MFA, and the policy
# simulator. Its stdout is the transcript.
#
#   e2e/awscli-policies.sh [IAMD_BIN]
#
# Without IAMD_BIN it builds ./cmd/iamd into a temporary directory. The
# server gets a fresh temporary data dir and a free port on 127.0.0.1. It
# uses the empty PostgreSQL database named by E2E_DATABASE_URL or, when that
# is unset, IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty)
# it uses SQLite. Everything it creates in /tmp is removed on exit.
#
# TOTP codes are spent with care, so the run waits little: each device
# (bob's and carol's are separate, so independent) is enabled with the codes
# of the two previous 30-second steps, and the code showing at that moment
# is the first sign-in code. A second sign-in with one device needs the next
# step; bob's comes after the MFA-age check, which sleeps anyway.
#
# It ends with "awscli-policies: N passed, 0 failed" and status 0; a failed
# check prints what was expected and what came back, the server log's tail,
# and exits 1.
set -euo pipefail

suite=awscli-policies
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# code_at DEVICE EPOCH prints the code of DEVICE's seed at that time,
# showing the command.
code_at() { totp_code "SEED_${1^^}" "${SEED[$1]}" "$2"; }

start_iamd "$@"

arn="arn:aws:iam::$account"
bob_arn="$arn:user/bob"
carol_arn="$arn:user/carol"
bob_serial="$arn:mfa/bob-phone"
carol_serial="$arn:mfa/carol-phone"
dave_serial="$arn:mfa/dave-phone"
read_policy_arn="$arn:policy/RequireMFAForIAMRead"
self_service_arn="$arn:policy/SelfManageMFAOnly"
role_arn="$arn:role/admin-mfa"

cd "$work" # policy documents and seed files live here

# ---- 1. a user without policies -------------------------------------------

step "1. bob, with an access key and no policy, may do nothing in IAM"
run_as root aws iam create-user --user-name bob
expect_success "create-user bob"
check_eq "bob's Arn" "$bob_arn" "$(js 'd["User"]["Arn"]')"
run_as root aws iam create-access-key --user-name bob
expect_success "create-access-key for bob"
KEY[bob]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[bob]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as bob aws sts get-caller-identity
expect_success "get-caller-identity as bob"
check_eq "bob's caller Arn" "$bob_arn" "$(js 'd["Arn"]')"
run_as bob aws iam list-users
expect_error "bob list-users without a policy" AccessDenied \
	"User: $bob_arn is not authorized to perform: iam:ListUsers on resource: " \
	"because no identity-based policy allows the iam:ListUsers action"
run_as bob aws iam create-virtual-mfa-device --virtual-mfa-device-name bob-phone \
	--outfile bob-phone.seed --bootstrap-method Base32StringSeed
expect_error "bob create-virtual-mfa-device without a policy" AccessDenied \
	"is not authorized to perform: iam:CreateVirtualMFADevice on resource: $bob_serial"

# ---- 2. an inline user policy ----------------------------------------------

step "2. an inline policy lets bob create a virtual MFA device"
cat >allow-create-mfa.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowCreateVirtualMFADevice",
      "Effect": "Allow",
      "Action": "iam:CreateVirtualMFADevice",
      "Resource": "arn:aws:iam::*:mfa/*"
    }
  ]
}
EOF
show allow-create-mfa.json
run_as root aws iam put-user-policy --user-name bob --policy-name AllowCreateVirtualMFADevice \
	--policy-document file://allow-create-mfa.json
expect_success "put-user-policy AllowCreateVirtualMFADevice for bob"
run_as root aws iam list-user-policies --user-name bob
expect_success "list-user-policies bob"
check_eq "bob's inline policies" '["AllowCreateVirtualMFADevice"]' "$(js 'd["PolicyNames"]')"
run_as bob aws iam create-virtual-mfa-device --virtual-mfa-device-name bob-phone \
	--outfile bob-phone.seed --bootstrap-method Base32StringSeed
expect_success "bob create-virtual-mfa-device bob-phone"
check_eq "bob-phone SerialNumber" "$bob_serial" "$(js 'd["VirtualMFADevice"]["SerialNumber"]')"
SEED[bob]=$(<bob-phone.seed)
check_re "bob-phone seed is 64 Base32 characters" '^[A-Z2-7]{64}$' "${SEED[bob]}"
echo "SEED_BOB=\$(cat bob-phone.seed)"

# ---- 3. the MFA-protected transcript --------------------------------------

echo
echo "##################################################################################"
echo "## TRANSCRIPT: a customer managed policy that allows IAM reads only with MFA"
echo "##################################################################################"
step "3. RequireMFAForIAMRead: iam:ListUsers and iam:GetAccountSummary, only with MFA"
cat >require-mfa.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowIAMReadOnlyWithMFA",
      "Effect": "Allow",
      "Action": ["iam:ListUsers", "iam:GetAccountSummary"],
      "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    }
  ]
}
EOF
show require-mfa.json
run_as root aws iam create-policy --policy-name RequireMFAForIAMRead --policy-document file://require-mfa.json
expect_success "create-policy RequireMFAForIAMRead"
check_eq "policy Arn" "$read_policy_arn" "$(js 'd["Policy"]["Arn"]')"
check_eq "policy DefaultVersionId" v1 "$(js 'd["Policy"]["DefaultVersionId"]')"
run_as root aws iam attach-user-policy --user-name bob --policy-arn "$read_policy_arn"
expect_success "attach-user-policy RequireMFAForIAMRead to bob"
run_as root aws iam list-attached-user-policies --user-name bob
expect_success "list-attached-user-policies bob"
check_eq "bob's attached policies" "[\"$read_policy_arn\"]" "$(js '[p["PolicyArn"] for p in d["AttachedPolicies"]]')"

echo
echo "# enable bob-phone with two consecutive codes: the two the app showed during the last"
echo "# minute, so the code showing now is still unused and signs bob in without a wait"
t=$(now_step)
code1=$(code_at bob $(((t - 2) * 30)))
code2=$(code_at bob $(((t - 1) * 30)))
run_as root aws iam enable-mfa-device --user-name bob --serial-number "$bob_serial" \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_success "enable-mfa-device bob-phone for bob"
run_as root aws iam list-mfa-devices --user-name bob
expect_success "list-mfa-devices bob"
check_eq "bob's devices" "[\"$bob_serial\"]" "$(js '[m["SerialNumber"] for m in d["MFADevices"]]')"

echo
echo "# bob's long-term access key carries no MFA: aws:MultiFactorAuthPresent is absent"
run_as bob aws iam list-users
expect_error "bob list-users with his access key (no MFA)" AccessDenied \
	"User: $bob_arn is not authorized to perform: iam:ListUsers on resource: " \
	"because no identity-based policy allows the iam:ListUsers action"

echo
echo "# a session without MFA cannot call IAM at all"
run_as bob aws sts get-session-token --duration-seconds 900
expect_success "bob get-session-token without MFA"
take_credentials bob-nomfa
run_as bob-nomfa aws iam list-users
expect_error "bob list-users with a session without MFA" InvalidClientTokenId

echo
echo "# bob signs in with the code his app shows now"
bob_step=$(now_step)
code=$(code_at bob $((bob_step * 30)))
run_as bob aws sts get-session-token --serial-number "$bob_serial" --token-code "$code"
expect_success "bob get-session-token with MFA"
bob_mfa_at=$(date +%s)
take_credentials bob-mfa
echo "export AWS_ACCESS_KEY_ID=${KEY[bob-mfa]} AWS_SECRET_ACCESS_KEY=<SecretAccessKey> AWS_SESSION_TOKEN=<SessionToken>"
run_as bob-mfa aws sts get-caller-identity
expect_success "get-caller-identity with bob's MFA session"
check_eq "the MFA session is bob" "$bob_arn" "$(js 'd["Arn"]')"
run_as bob-mfa aws iam list-users
expect_success "bob list-users with his MFA session"
check_contains "list-users lists bob" "\"$bob_arn\"" "$(js '[u["Arn"] for u in d["Users"]]')"
run_as bob-mfa aws iam get-account-summary
expect_success "bob get-account-summary with his MFA session"
check_eq "SummaryMap.Users" 1 "$(js 'd["SummaryMap"]["Users"]')"
echo "##################################################################################"
echo "## END OF TRANSCRIPT"
echo "##################################################################################"

# ---- 4. MFA age --------------------------------------------------------------

max_age=20
step "4. version v2 of RequireMFAForIAMRead: MFA no older than $max_age seconds"
cat >require-recent-mfa.json <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowListUsersWithRecentMFA",
      "Effect": "Allow",
      "Action": "iam:ListUsers",
      "Resource": "*",
      "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "$max_age"}}
    }
  ]
}
EOF
show require-recent-mfa.json
run_as root aws iam create-policy-version --policy-arn "$read_policy_arn" \
	--policy-document file://require-recent-mfa.json --set-as-default
expect_success "create-policy-version v2 --set-as-default"
check_eq "new VersionId" v2 "$(js 'd["PolicyVersion"]["VersionId"]')"
check_eq "v2 is the default" true "$(js 'd["PolicyVersion"]["IsDefaultVersion"]')"

age=$(($(date +%s) - bob_mfa_at))
echo
echo "# bob's MFA session is about $age s old"
run_as bob-mfa aws iam list-users
expect_success "list-users with an MFA session younger than $max_age s"
run_as root aws iam get-policy --policy-arn "$read_policy_arn"
expect_success "get-policy RequireMFAForIAMRead"
check_eq "DefaultVersionId" v2 "$(js 'd["Policy"]["DefaultVersionId"]')"
run_as bob aws iam list-users
expect_error "list-users with bob's access key (no aws:MultiFactorAuthAge)" AccessDenied

echo
echo "(sleeping until the MFA session is more than $max_age s old)"
sleep_until $((bob_mfa_at + max_age + 1))
age=$(($(date +%s) - bob_mfa_at))
echo "# bob's MFA session is now about $age s old"
run_as bob-mfa aws iam list-users
expect_error "list-users with an MFA session older than $max_age s" AccessDenied \
	"is not authorized to perform: iam:ListUsers"
run_as bob-mfa aws iam get-account-summary
expect_error "get-account-summary: v2 no longer allows it" AccessDenied

echo
echo "# back to v1: the same session reads again (no age limit, MFA present)"
run_as root aws iam set-default-policy-version --policy-arn "$read_policy_arn" --version-id v1
expect_success "set-default-policy-version v1"
run_as root aws iam list-policy-versions --policy-arn "$read_policy_arn"
expect_success "list-policy-versions"
check_eq "versions and the default" '[["v1", true], ["v2", false]]' \
	"$(js 'sorted([v["VersionId"], v["IsDefaultVersion"]] for v in d["Versions"])')"
run_as bob-mfa aws iam list-users
expect_success "list-users with the old MFA session under v1"

# ---- 5. self-service MFA policy on a group ------------------------------

step "5. the self-service policy: manage your own MFA device, nothing else until you sign in with MFA"
cat >self-manage-mfa.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowViewAccountInfo",
      "Effect": "Allow",
      "Action": "iam:ListVirtualMFADevices",
      "Resource": "*"
    },
    {
      "Sid": "AllowManageOwnVirtualMFADevice",
      "Effect": "Allow",
      "Action": "iam:CreateVirtualMFADevice",
      "Resource": "arn:aws:iam::*:mfa/*"
    },
    {
      "Sid": "AllowManageOwnUserMFA",
      "Effect": "Allow",
      "Action": [
        "iam:DeactivateMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "iam:ResyncMFADevice"
      ],
      "Resource": "arn:aws:iam::*:user/${aws:username}"
    },
    {
      "Sid": "DenyAllExceptListedIfNoMFA",
      "Effect": "Deny",
      "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
        "iam:ResyncMFADevice",
        "sts:GetSessionToken"
      ],
      "Resource": "*",
      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    }
  ]
}
EOF
show self-manage-mfa.json
run_as root aws iam create-policy --policy-name SelfManageMFAOnly --policy-document file://self-manage-mfa.json
expect_success "create-policy SelfManageMFAOnly"
check_eq "policy Arn" "$self_service_arn" "$(js 'd["Policy"]["Arn"]')"
run_as root aws iam create-group --group-name mfa-self-service
expect_success "create-group mfa-self-service"
check_eq "group Arn" "$arn:group/mfa-self-service" "$(js 'd["Group"]["Arn"]')"
run_as root aws iam attach-group-policy --group-name mfa-self-service --policy-arn "$self_service_arn"
expect_success "attach-group-policy SelfManageMFAOnly"
for u in carol dave; do
	run_as root aws iam create-user --user-name $u
	expect_success "create-user $u"
	run_as root aws iam add-user-to-group --group-name mfa-self-service --user-name $u
	expect_success "add-user-to-group $u"
done
run_as root aws iam create-access-key --user-name carol
expect_success "create-access-key for carol"
KEY[carol]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[carol]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as root aws iam get-group --group-name mfa-self-service
expect_success "get-group mfa-self-service"
check_eq "group members" '["carol", "dave"]' "$(js 'sorted(u["UserName"] for u in d["Users"])')"
run_as root aws iam list-attached-group-policies --group-name mfa-self-service
expect_success "list-attached-group-policies"
check_eq "the group's policy" "[\"$self_service_arn\"]" "$(js '[p["PolicyArn"] for p in d["AttachedPolicies"]]')"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name dave-phone \
	--outfile dave-phone.seed --bootstrap-method Base32StringSeed
expect_success "root creates dave-phone, a device for dave"
SEED[dave]=$(<dave-phone.seed)

echo
echo "# carol, with her access key (no MFA), enrols her own device"
run_as carol aws iam get-user
expect_success "carol get-user (herself) without MFA"
check_eq "get-user is carol" "$carol_arn" "$(js 'd["User"]["Arn"]')"
run_as carol aws iam create-virtual-mfa-device --virtual-mfa-device-name carol-phone \
	--outfile carol-phone.seed --bootstrap-method Base32StringSeed
expect_success "carol create-virtual-mfa-device carol-phone"
check_eq "carol-phone SerialNumber" "$carol_serial" "$(js 'd["VirtualMFADevice"]["SerialNumber"]')"
SEED[carol]=$(<carol-phone.seed)
echo "SEED_CAROL=\$(cat carol-phone.seed)"
t=$(now_step)
code1=$(code_at carol $(((t - 2) * 30)))
code2=$(code_at carol $(((t - 1) * 30)))
run_as carol aws iam enable-mfa-device --user-name carol --serial-number "$carol_serial" \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_success "carol enable-mfa-device carol-phone for herself"
run_as carol aws iam list-mfa-devices --user-name carol
expect_success "carol list-mfa-devices for herself"
check_eq "carol's devices" "[\"$carol_serial\"]" "$(js '[m["SerialNumber"] for m in d["MFADevices"]]')"
run_as carol aws iam list-virtual-mfa-devices
expect_success "carol list-virtual-mfa-devices"

echo
echo "# ...and nothing else"
t=$(now_step)
code1=$(code_at dave $(((t - 1) * 30)))
code2=$(code_at dave $((t * 30)))
run_as carol aws iam enable-mfa-device --user-name dave --serial-number "$dave_serial" \
	--authentication-code1 "$code1" --authentication-code2 "$code2"
expect_error "carol enable-mfa-device for dave" AccessDenied \
	"User: $carol_arn is not authorized to perform: iam:EnableMFADevice on resource: $arn:user/dave because no identity-based policy allows"
run_as carol aws iam list-users
expect_error "carol list-users without MFA" AccessDenied \
	"User: $carol_arn is not authorized to perform: iam:ListUsers on resource: " \
	"with an explicit deny in an identity-based policy"
run_as carol aws iam deactivate-mfa-device --user-name carol --serial-number "$carol_serial"
expect_error "carol deactivate-mfa-device of her own device without MFA" AccessDenied \
	"User: $carol_arn is not authorized to perform: iam:DeactivateMFADevice on resource: $carol_arn with an explicit deny in an identity-based policy"
run_as carol aws iam delete-virtual-mfa-device --serial-number "$carol_serial"
expect_error "carol delete-virtual-mfa-device (never granted)" AccessDenied "with an explicit deny"

echo
echo "# carol signs in with MFA"
code=$(code_at carol "$(date +%s)")
run_as carol aws sts get-session-token --serial-number "$carol_serial" --token-code "$code"
expect_success "carol get-session-token with MFA"
take_credentials carol-mfa
run_as carol-mfa aws iam list-users
expect_error "carol list-users with MFA: no explicit deny, still no allow" AccessDenied \
	"because no identity-based policy allows the iam:ListUsers action"
run_as carol-mfa aws iam deactivate-mfa-device --user-name carol --serial-number "$carol_serial"
expect_success "carol deactivate-mfa-device of her own device with MFA"
run_as carol-mfa aws iam list-mfa-devices --user-name carol
expect_success "carol list-mfa-devices"
check_eq "carol has no device now" 0 "$(js 'len(d["MFADevices"])')"

# ---- 6. AssumeRole with MFA ----------------------------------------------------

step "6. the role admin-mfa trusts the account, only with MFA"
cat >trust-mfa.json <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::$account:root"},
      "Action": "sts:AssumeRole",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    }
  ]
}
EOF
show trust-mfa.json
run_as root aws iam create-role --role-name admin-mfa --assume-role-policy-document file://trust-mfa.json
expect_success "create-role admin-mfa"
check_eq "role Arn" "$role_arn" "$(js 'd["Role"]["Arn"]')"
run_as root aws iam attach-role-policy --role-name admin-mfa --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess
expect_success "attach-role-policy IAMReadOnlyAccess"
cat >allow-assume.json <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "$role_arn"}
  ]
}
EOF
show allow-assume.json
run_as root aws iam put-user-policy --user-name bob --policy-name AllowAssumeAdminMFA \
	--policy-document file://allow-assume.json
expect_success "put-user-policy AllowAssumeAdminMFA for bob"

echo
echo "# without MFA the trust policy does not match"
run_as bob aws sts assume-role --role-arn "$role_arn" --role-session-name bob-admin
expect_error "bob assume-role without MFA" AccessDenied \
	"User: $bob_arn is not authorized to perform: sts:AssumeRole on resource: $role_arn"

echo
echo "# with a code from bob-phone (the next one after his sign-in)"
if (($(date +%s) < (bob_step + 1) * 30)); then
	echo "(waiting $(((bob_step + 1) * 30 - $(date +%s))) s for bob-phone's next code)"
	sleep_until $(((bob_step + 1) * 30))
fi
code=$(code_at bob "$(date +%s)")
run_as bob aws sts assume-role --role-arn "$role_arn" --role-session-name bob-admin \
	--serial-number "$bob_serial" --token-code "$code"
expect_success "bob assume-role with MFA"
check_eq "AssumedRoleUser.Arn" "arn:aws:sts::$account:assumed-role/admin-mfa/bob-admin" "$(js 'd["AssumedRoleUser"]["Arn"]')"
check_re "AssumedRoleUser.AssumedRoleId" '^AROA[A-Z0-9]+:bob-admin$' "$(js 'd["AssumedRoleUser"]["AssumedRoleId"]')"
take_credentials bob-admin
run_as bob-admin aws sts get-caller-identity
expect_success "get-caller-identity with the role session"
check_eq "caller is the assumed role" "arn:aws:sts::$account:assumed-role/admin-mfa/bob-admin" "$(js 'd["Arn"]')"
run_as bob-admin aws iam list-users
expect_success "list-users with the role session (IAMReadOnlyAccess)"
check_eq "the role session sees every user" '["bob", "carol", "dave"]' "$(js 'sorted(u["UserName"] for u in d["Users"])')"
run_as bob-admin aws iam create-user --user-name mallory
expect_error "create-user with the read-only role session" AccessDenied \
	"arn:aws:sts::$account:assumed-role/admin-mfa/bob-admin is not authorized to perform: iam:CreateUser"

echo
echo "# bob's MFA session from GetSessionToken also satisfies the trust policy"
run_as bob-mfa aws sts assume-role --role-arn "$role_arn" --role-session-name bob-admin-2
expect_success "assume-role with bob's MFA-backed session credentials"
check_eq "AssumedRoleUser.Arn" "arn:aws:sts::$account:assumed-role/admin-mfa/bob-admin-2" "$(js 'd["AssumedRoleUser"]["Arn"]')"

# ---- 7. the policy simulator ------------------------------------------------

step "7. simulate-principal-policy"
run_as root aws iam simulate-principal-policy --policy-source-arn "$carol_arn" --action-names iam:ListUsers \
	--context-entries ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=false,ContextKeyType=boolean
expect_success "simulate carol iam:ListUsers, MFA false"
check_eq "carol without MFA: EvalDecision" explicitDeny "$(js 'd["EvaluationResults"][0]["EvalDecision"]')"
check_eq "the deny comes from SelfManageMFAOnly" "[\"$self_service_arn\"]" \
	"$(js '[s["SourcePolicyId"] for s in d["EvaluationResults"][0]["MatchedStatements"]]')"
run_as root aws iam simulate-principal-policy --policy-source-arn "$carol_arn" --action-names iam:ListUsers \
	--context-entries ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean
expect_success "simulate carol iam:ListUsers, MFA true"
check_eq "carol with MFA: EvalDecision" implicitDeny "$(js 'd["EvaluationResults"][0]["EvalDecision"]')"
run_as root aws iam simulate-principal-policy --policy-source-arn "$carol_arn" --action-names iam:EnableMFADevice \
	--resource-arns "$carol_arn" \
	--context-entries ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=false,ContextKeyType=boolean
expect_success "simulate carol iam:EnableMFADevice on herself, MFA false"
check_eq "carol may enable her own device without MFA" allowed "$(js 'd["EvaluationResults"][0]["EvalDecision"]')"
run_as root aws iam simulate-principal-policy --policy-source-arn "$bob_arn" --action-names iam:CreateVirtualMFADevice \
	--resource-arns "$arn:mfa/bob-tablet"
expect_success "simulate bob iam:CreateVirtualMFADevice"
check_eq "bob may create a virtual MFA device: EvalDecision" allowed "$(js 'd["EvaluationResults"][0]["EvalDecision"]')"
check_eq "the allow comes from bob's inline policy" '["user"]' \
	"$(js '[s["SourcePolicyType"] for s in d["EvaluationResults"][0]["MatchedStatements"]]')"

finish
