#!/usr/bin/env bash
# IAM quotas, run for real with the aws CLI ("aws service-quotas" and "aws
# iam") and iamd's own "iamd quota" commands against one running server:
# the operator lowers a quota and the server enforces it on the next
# request; a user asks for more with request-service-quota-increase; the
# request waits until the operator approves it, and the new value shows in
# Service Quotas and in GetAccountSummary; a denial changes nothing; MFA
# devices per user stop at 8; and IAM policies decide who may see and ask.
# Its stdout is the transcript.
#
#   e2e/awscli-quotas.sh [IAMD_BIN]
#
# Without IAMD_BIN it builds ./cmd/iamd into a temporary directory. The
# server gets a fresh temporary data dir and a free port on 127.0.0.1. It
# uses the empty PostgreSQL database named by E2E_DATABASE_URL or, when that
# is unset, IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty)
# it uses SQLite. The iamd commands work on the same store while the server
# runs. Everything it creates in /tmp is removed on exit.
#
# It ends with "awscli-quotas: N passed, 0 failed" and status 0; a failed
# check prints what was expected and what came back, the server log's tail,
# and exits 1.
set -euo pipefail

suite=awscli-quotas
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
unset AWS_ENDPOINT_URL_SERVICE_QUOTAS

# summary KEY prints one value of the last get-account-summary output.
summary() { js "d['SummaryMap']['$1']"; }

# request_status ID prints the status of request ID in the last
# "iamd quota requests" output.
request_status() { awk -v id="$1" '$1 == id { print $6 }' <<<"$OUT"; }

start_iamd "$@"
cd "$work"
users_arn="arn:aws:servicequotas:us-east-1:$account:iam/L-F55AF5E4"

step "the quotas of IAM in Service Quotas"
run_as root aws service-quotas list-services
expect_success "list-services"
check_eq "one service: IAM" '[["iam", "AWS Identity and Access Management (IAM)"]]' \
	"$(js '[[s["ServiceCode"], s["ServiceName"]] for s in d["Services"]]')"
run_as root aws service-quotas list-service-quotas --service-code iam \
	--query 'Quotas[].[QuotaCode,QuotaName,Value]' --output text
expect_success "list-service-quotas --service-code iam"
check_eq "20 quotas" 20 "$(wc -l <<<"$OUT" | tr -d ' ')"
check_re "users per account is 5000" $'L-F55AF5E4\tUsers per account\t5000.0' "$OUT"
check_re "MFA devices per user is 1" $'iamd-MFADevicesPerUser\tMFA devices per user\t1.0' "$OUT"
run_as root aws service-quotas get-service-quota --service-code iam --quota-code L-F55AF5E4
expect_success "get-service-quota users per account"
check_eq "QuotaArn" "$users_arn" "$(js 'd["Quota"]["QuotaArn"]')"
check_eq "Value" 5000.0 "$(js 'd["Quota"]["Value"]')"
check_eq "Adjustable, GlobalQuota, Unit" '[true, true, "None"]' "$(js '[d["Quota"][k] for k in ("Adjustable", "GlobalQuota", "Unit")]')"

step "the operator lowers the user quota; the running server enforces it"
run_iamd quota set "$account" UsersQuota 1
expect_success "iamd quota set UsersQuota 1"
check_contains "iamd quota set says what changed" "UsersQuota (L-F55AF5E4) of account $account: 5000 -> 1" "$OUT"
run_as root aws iam create-user --user-name alice
expect_success "create-user alice (the first of 1)"
run_as root aws iam create-user --user-name bob
expect_error "create-user bob over the quota" LimitExceeded "Cannot exceed quota for UsersPerAccount: 1"
run_as root aws iam get-account-summary
expect_success "get-account-summary"
check_eq "Users" 1 "$(summary Users)"
check_eq "UsersQuota" 1 "$(summary UsersQuota)"
run_as root aws service-quotas get-service-quota --service-code iam --quota-code L-F55AF5E4 --query Quota.Value
expect_success "get-service-quota after the change"
check_eq "Service Quotas shows 1" 1.0 "$OUT"
run_as root aws service-quotas get-aws-default-service-quota --service-code iam --quota-code L-F55AF5E4 --query Quota.Value
expect_success "get-aws-default-service-quota"
check_eq "the default stays 5000" 5000.0 "$OUT"

step "root asks for 10 users"
run_as root aws service-quotas request-service-quota-increase --service-code iam --quota-code L-F55AF5E4 --desired-value 10
expect_success "request-service-quota-increase to 10"
request=$(js 'd["RequestedQuota"]["Id"]')
check_re "request Id is a UUID" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$request"
check_eq "Status" PENDING "$(js 'd["RequestedQuota"]["Status"]')"
check_eq "DesiredValue" 10.0 "$(js 'd["RequestedQuota"]["DesiredValue"]')"
check_eq "Requester" "{\"accountId\":\"$account\",\"callerArn\":\"arn:aws:iam::$account:root\"}" "$(js 'd["RequestedQuota"]["Requester"]')"
run_as root aws service-quotas request-service-quota-increase --service-code iam --quota-code L-F55AF5E4 --desired-value 20
expect_error "a second open request for the quota" ResourceAlreadyExistsException
run_as root aws service-quotas request-service-quota-increase --service-code iam --quota-code L-FE177D64 --desired-value 1000
expect_error "a request that is not an increase" IllegalArgumentException "must be greater than the current value"
run_as root aws service-quotas request-service-quota-increase --service-code iam --quota-code iamd-MFADevicesPerUser --desired-value 9
expect_error "more than 8 MFA devices per user" IllegalArgumentException "maximum value of quota iamd-MFADevicesPerUser, 8"
run_as root aws service-quotas get-requested-service-quota-change --request-id "$request"
expect_success "get-requested-service-quota-change"
check_eq "still PENDING" PENDING "$(js 'd["RequestedQuota"]["Status"]')"
run_as root aws iam create-user --user-name bob
expect_error "create-user bob while the request waits" LimitExceeded "Cannot exceed quota for UsersPerAccount: 1"

step "the operator approves it"
run_iamd quota requests
expect_success "iamd quota requests"
check_eq "the request is listed as PENDING" PENDING "$(request_status "$request")"
run_iamd quota approve "$request"
expect_success "iamd quota approve"
check_contains "iamd quota approve says the new value" "UsersQuota (L-F55AF5E4) of account $account is now 10" "$OUT"
run_iamd quota approve "$request"
expect_failure "approving it again" "is APPROVED already"
run_as root aws service-quotas get-requested-service-quota-change --request-id "$request"
expect_success "get-requested-service-quota-change after approval"
check_eq "APPROVED" APPROVED "$(js 'd["RequestedQuota"]["Status"]')"
run_as root aws iam get-account-summary
expect_success "get-account-summary after approval"
check_eq "UsersQuota is 10 in GetAccountSummary" 10 "$(summary UsersQuota)"
run_as root aws service-quotas get-service-quota --service-code iam --quota-code L-F55AF5E4 --query Quota.Value
expect_success "get-service-quota after approval"
check_eq "and in Service Quotas" 10.0 "$OUT"
run_as root aws iam create-user --user-name bob
expect_success "create-user bob under the raised quota"

step "a denied request changes nothing"
run_as root aws service-quotas request-service-quota-increase --service-code iam --quota-code iamd-MFADevicesPerUser --desired-value 2
expect_success "request 2 MFA devices per user"
mfa_request=$(js 'd["RequestedQuota"]["Id"]')
run_iamd quota deny "$mfa_request"
expect_success "iamd quota deny"
run_as root aws service-quotas list-requested-service-quota-change-history --service-code iam \
	--query 'RequestedQuotas[].[Id,QuotaCode,DesiredValue,Status]' --output text
expect_success "list-requested-service-quota-change-history"
check_re "the denied request" "$mfa_request"$'\tiamd-MFADevicesPerUser\t2.0\tDENIED' "$OUT"
check_re "the approved request" "$request"$'\tL-F55AF5E4\t10.0\tAPPROVED' "$OUT"
run_as root aws service-quotas list-requested-service-quota-change-history-by-quota --service-code iam \
	--quota-code iamd-MFADevicesPerUser --status DENIED
expect_success "list-requested-service-quota-change-history-by-quota --status DENIED"
check_eq "one denied MFA request" "[\"$mfa_request\"]" "$(js '[r["Id"] for r in d["RequestedQuotas"]]')"
run_as root aws iam get-account-summary
expect_success "get-account-summary after the denial"
check_eq "MFADevicesPerUserQuota stays 1" 1 "$(summary MFADevicesPerUserQuota)"

step "MFA devices per user: the operator may raise it to 8, never more"
run_iamd quota set "$account" MFADevicesPerUserQuota 9
expect_failure "iamd quota set MFADevicesPerUserQuota 9" "cannot exceed 8"
run_iamd quota set "$account" MFADevicesPerUserQuota 8
expect_success "iamd quota set MFADevicesPerUserQuota 8"
run_iamd quota list "$account"
expect_success "iamd quota list"
check_re "the list shows users: value 10 (set), default 5000, usage 2" 'UsersQuota +L-F55AF5E4 +10 \(set\) +5000 +2 ' "$OUT"
check_re "the list shows MFA devices: 8 (set)" 'MFADevicesPerUserQuota +iamd-MFADevicesPerUser +8 \(set\) +1 ' "$OUT"

step "IAM policies decide who may see and ask"
run_as root aws iam create-access-key --user-name alice
expect_success "create-access-key for alice"
KEY[alice]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[alice]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as alice aws service-quotas get-service-quota --service-code iam --quota-code L-F55AF5E4
expect_error "alice without policies" AccessDeniedException "servicequotas:GetServiceQuota on resource: $users_arn"
cat >sq-policy.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["servicequotas:Get*", "servicequotas:List*"], "Resource": "*"},
    {"Effect": "Allow", "Action": "servicequotas:RequestServiceQuotaIncrease",
     "Resource": "arn:aws:servicequotas:*:*:iam/L-FE177D64"}
  ]
}
EOF
show sq-policy.json
run_as root aws iam put-user-policy --user-name alice --policy-name service-quotas --policy-document file://sq-policy.json
expect_success "put-user-policy for alice"
run_as alice aws service-quotas get-service-quota --service-code iam --quota-code L-F55AF5E4 --query Quota.Value
expect_success "alice may read quotas now"
check_eq "alice sees 10" 10.0 "$OUT"
run_as alice aws service-quotas request-service-quota-increase --service-code iam --quota-code L-F55AF5E4 --desired-value 20
expect_error "alice may not ask for users" AccessDeniedException "servicequotas:RequestServiceQuotaIncrease"
run_as alice aws service-quotas request-service-quota-increase --service-code iam --quota-code L-FE177D64 --desired-value 1200
expect_success "alice may ask for roles"
check_eq "alice is the requester" "{\"accountId\":\"$account\",\"callerArn\":\"arn:aws:iam::$account:user/alice\"}" \
	"$(js 'd["RequestedQuota"]["Requester"]')"
run_iamd quota requests --status ALL
expect_success "iamd quota requests --status ALL"
check_eq "three requests in all" 3 "$(($(wc -l <<<"$OUT") - 1))"

finish
