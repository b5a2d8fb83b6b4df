// Command iamd is a self-hosted identity service that speaks AWS's IAM and
// STS Query APIs with real multi-factor authentication.
//
//	iamd [serve] [flags]                  run the server (the default)
//	iamd token code [flags]               print a TOTP code, like oathtool
//	iamd account create|list|root-mfa     manage accounts and root MFA
//	iamd hardware import|list|remove      manage hardware OATH tokens
//	iamd quota list|set|requests|approve|deny  manage quotas and increase requests
//	iamd audit export                     write the audit trail as JSON Lines
//	iamd mfa-session --profile P          turn an MFA code into a session (credential helper)
//	iamd bench compare|run|seed|chart     measure iamd (and peers) on this machine
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "iamd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "token":
		return token(args, stdout, stderr)
	case "account":
		return account(ctx, args, stdout, stderr)
	case "hardware":
		return hardware(ctx, args, stdout, stderr)
	case "quota":
		return quota(ctx, args, stdout, stderr)
	case "audit":
		return auditCmd(ctx, args, stdout, stderr)
	case "mfa-session":
		return mfaSession(ctx, args, os.Stdin, stdout, stderr)
	case "bench":
		return benchCmd(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  iamd [serve] [--addr A] [--data-dir D] [--database-url U] [--tls-cert F --tls-key F] [--test-mode] [--pprof ADDR]
  iamd token code --secret BASE32 [--at RFC3339] [--digits 6] [--period 30]
  iamd account create [--data-dir D] [--database-url U] [--id 12DIGITS] [--email E]
  iamd account list [--data-dir D] [--database-url U]
  iamd account root-mfa [--data-dir D] [--database-url U] [--deactivate SERIAL] ACCOUNT
  iamd hardware import [--data-dir D] [--database-url U] [--account ID] [--psk HEX | --password P] FILE
  iamd hardware list [--data-dir D] [--database-url U] [--account ID]
  iamd hardware remove [--data-dir D] [--database-url U] [--account ID] SERIAL
  iamd quota list|set|requests|approve|deny [--data-dir D] [--database-url U] ...
  iamd audit export [--data-dir D] [--database-url U] [--since RFC3339|DURATION] [--account ID]
  iamd mfa-session --profile P [--serial ARN] [--code 123456] [--duration 43200] [--endpoint URL] [--credential-process]
  iamd bench compare|run|seed|chart|trivial ...   (run "iamd bench" for its usage)
Run "iamd serve -h" or "iamd token code -h" for the flags.`
