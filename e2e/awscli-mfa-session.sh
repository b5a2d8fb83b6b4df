#!/usr/bin/env bash
# iamd mfa-session with the aws CLI: a wrong code writes nothing; a right
# one writes profile dev-mfa, which `aws --profile dev-mfa iam list-users`
# uses under an MFA-only policy (the long-term profile is refused); and a
# profile whose credential_process is `iamd mfa-session --credential-process`
# serves the aws CLI, from the cache the second time.
#
#   e2e/awscli-mfa-session.sh [IAMD_BIN]
#
# Like the other suites; it ends with "awscli-mfa-session: N passed, 0 failed".
set -euo pipefail

suite=awscli-mfa-session
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

code_at() { totp_code SEED "${SEED[dev]}" "$1"; }

start_iamd "$@"
serial="arn:aws:iam::$account:mfa/dev"
cd "$work"

step "the user dev: a key, a device, and a policy that allows list-users only with MFA"
run_as root aws iam create-user --user-name dev
expect_success "create-user dev"
run_as root aws iam create-access-key --user-name dev
expect_success "create-access-key"
KEY[dev]=$(js 'd["AccessKey"]["AccessKeyId"]')
SECRET[dev]=$(js 'd["AccessKey"]["SecretAccessKey"]')
run_as root aws iam put-user-policy --user-name dev --policy-name mfa-only --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'
expect_success "put-user-policy"
run_as root aws iam create-virtual-mfa-device --virtual-mfa-device-name dev --outfile dev.seed --bootstrap-method Base32StringSeed
expect_success "create-virtual-mfa-device"
SEED[dev]=$(cat dev.seed)
t=$(now_step)
run_as root aws iam enable-mfa-device --user-name dev --serial-number "$serial" \
	--authentication-code1 "$(code_at $(((t - 2) * 30)))" --authentication-code2 "$(code_at $(((t - 1) * 30)))"
expect_success "enable-mfa-device"

step "dev's shared credentials and config files"
export AWS_SHARED_CREDENTIALS_FILE="$work/credentials" AWS_CONFIG_FILE="$work/config"
(umask 077 && printf '[other]\naws_access_key_id = AKIAOTHEROTHER000001\naws_secret_access_key = other\n\n[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"${KEY[dev]}" "${SECRET[dev]}" >"$AWS_SHARED_CREDENTIALS_FILE")
printf '[profile dev]\nregion = us-east-1\nmfa_serial = %s\n' "$serial" >"$AWS_CONFIG_FILE"
cat "$AWS_CONFIG_FILE"
cp "$AWS_SHARED_CREDENTIALS_FILE" credentials.before
profile_env=(-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN)

step "the long-term profile cannot list users"
run_env "${profile_env[@]}" -- aws --profile dev iam list-users
expect_error "list-users with profile dev" AccessDenied

step "a wrong code: AccessDenied, and nothing written"
run_env "${profile_env[@]}" -- "$bin" mfa-session --profile dev --code 000000
expect_failure "mfa-session with a wrong code" AccessDenied
if cmp -s credentials.before "$AWS_SHARED_CREDENTIALS_FILE"; then ok "the credentials file is unchanged"; else fail "the credentials file is unchanged" same changed; fi

step "the current step's code (enabling used the two before): profile dev-mfa"
run_env "${profile_env[@]}" -- "$bin" mfa-session --profile dev --code "$(code_at $((t * 30)))" --duration 3600
expect_success "mfa-session"
check_contains "dev-mfa profile written" "[dev-mfa]" "$(cat "$AWS_SHARED_CREDENTIALS_FILE")"
check_contains "profile other kept" "aws_secret_access_key = other" "$(cat "$AWS_SHARED_CREDENTIALS_FILE")"
check_eq "file mode" 600 "$(stat -c %a "$AWS_SHARED_CREDENTIALS_FILE")"
SECRET[dev-mfa]=$(python3 -c 'import configparser,sys; c=configparser.ConfigParser(); c.read(sys.argv[1]); print(c["dev-mfa"]["aws_secret_access_key"])' "$AWS_SHARED_CREDENTIALS_FILE")
TOKEN[dev-mfa]=$(python3 -c 'import configparser,sys; c=configparser.ConfigParser(); c.read(sys.argv[1]); print(c["dev-mfa"]["aws_session_token"])' "$AWS_SHARED_CREDENTIALS_FILE")
run_env "${profile_env[@]}" -- aws --profile dev-mfa iam list-users
expect_success "list-users with profile dev-mfa (MFA session)"

step "credential_process: the aws CLI asks iamd mfa-session (the next step's code)"
sleep_until $(((t + 1) * 30))
printf '\n[profile devcp]\nregion = us-east-1\ncredential_process = %s mfa-session --profile dev --credential-process --code %s\n' \
	"$bin" "$(code_at $(((t + 1) * 30)))" >>"$AWS_CONFIG_FILE"
run_env "${profile_env[@]}" XDG_CACHE_HOME="$work/cache" -- aws --profile devcp iam list-users
expect_success "list-users with profile devcp (credential_process)"
run_env "${profile_env[@]}" XDG_CACHE_HOME="$work/cache" -- aws --profile devcp sts get-caller-identity
expect_success "again: from the cache (the code in the profile is spent)"
check_eq "the session is dev's" "arn:aws:iam::$account:user/dev" "$(js 'd["Arn"]')"

finish
