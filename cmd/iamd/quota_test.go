package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/store/storetest"
)

const testAccount = "210987654321" // setRootEnv's

// iamdCmd runs an iamd command in-process and returns its stdout.
func iamdCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func mustIamd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := iamdCmd(t, args...)
	if err != nil {
		t.Fatalf("iamd %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// requestIncrease asks for a quota increase as root over the Service
// Quotas API, as the aws CLI does, and returns the answer's RequestedQuota.
func requestIncrease(t *testing.T, url, code string, desired int) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"ServiceCode": "iam", "QuotaCode": code, "DesiredValue": desired})
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "ServiceQuotasV20190624.RequestServiceQuotaIncrease")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testRootKey, SecretAccessKey: testRootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "servicequotas", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct{ RequestedQuota map[string]any }
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("RequestServiceQuotaIncrease = %d %s", resp.StatusCode, b)
	}
	return out.RequestedQuota
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func summaryValue(t *testing.T, root *awsiam.Client, key string) int32 {
	t.Helper()
	out, err := root.GetAccountSummary(context.Background(), &awsiam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.SummaryMap[key]
}

// TestQuotaCommands drives "iamd quota" against the store of a running
// server: a quota the operator lowers is enforced on the server's next
// request, and a request made over the Service Quotas API is listed,
// approved and visible in GetAccountSummary.
func TestQuotaCommands(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			sa := storeArgs(t, e, dir)
			d := startServe(t, sa...)
			ctx := context.Background()
			root, _ := clients(d.url, testRootKey, testRootSecret, "")
			for _, u := range []string{"alice", "bob"} {
				if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(u)}); err != nil {
					t.Fatal(err)
				}
			}

			// Lowered below usage: the users stay, the next one is refused.
			out := mustIamd(t, append(append([]string{"quota", "set"}, sa...), testAccount, "UsersQuota", "1")...)
			if !strings.Contains(out, "UsersQuota (L-F55AF5E4) of account 210987654321: 5000 -> 1") || !strings.Contains(out, "usage 2 is above") {
				t.Errorf("quota set said:\n%s", out)
			}
			_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol")})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "LimitExceeded" || ae.ErrorMessage() != "Cannot exceed quota for UsersPerAccount: 1" {
				t.Fatalf("CreateUser after quota set = %v, want LimitExceeded UsersPerAccount: 1", err)
			}
			if got := summaryValue(t, root, "UsersQuota"); got != 1 {
				t.Errorf("GetAccountSummary UsersQuota = %d, want 1", got)
			}
			out = mustIamd(t, append(append([]string{"quota", "list"}, sa...), testAccount)...)
			if !regexpMatch(`(?m)^UsersQuota\s+L-F55AF5E4\s+1 \(set\)\s+5000\s+2\s+Users per account$`, out) ||
				!regexpMatch(`(?m)^MFADevicesPerUserQuota\s+iamd-MFADevicesPerUser\s+1\s+1\s+-\s+MFA devices per user$`, out) {
				t.Errorf("quota list:\n%s", out)
			}

			// A request over the API waits for the operator.
			rq := requestIncrease(t, d.url, "iamd-MFADevicesPerUser", 3)
			id, _ := rq["Id"].(string)
			if rq["Status"] != "PENDING" || id == "" {
				t.Fatalf("RequestedQuota = %v", rq)
			}
			out = mustIamd(t, append([]string{"quota", "requests"}, sa...)...)
			if !regexpMatch(`(?m)^`+id+`\s+210987654321\s+MFADevicesPerUserQuota\s+iamd-MFADevicesPerUser\s+3\s+PENDING\s`, out) {
				t.Errorf("quota requests:\n%s", out)
			}
			out = mustIamd(t, append(append([]string{"quota", "approve"}, sa...), id)...)
			if want := "approved " + id + ": MFADevicesPerUserQuota (iamd-MFADevicesPerUser) of account 210987654321 is now 3"; !strings.Contains(out, want) {
				t.Errorf("quota approve said %q, want %q", out, want)
			}
			if got := summaryValue(t, root, "MFADevicesPerUserQuota"); got != 3 {
				t.Errorf("GetAccountSummary MFADevicesPerUserQuota after approval = %d, want 3", got)
			}
			if _, err := iamdCmd(t, append(append([]string{"quota", "deny"}, sa...), id)...); err == nil || !strings.Contains(err.Error(), "APPROVED already") {
				t.Errorf("quota deny of an approved request = %v", err)
			}
			out = mustIamd(t, append([]string{"quota", "requests"}, sa...)...)
			if strings.Contains(out, id) {
				t.Errorf("quota requests lists the approved request as pending:\n%s", out)
			}
			out = mustIamd(t, append(append([]string{"quota", "requests"}, sa...), "--status", "all", "--account", testAccount)...)
			if !strings.Contains(out, id) || !strings.Contains(out, "APPROVED") {
				t.Errorf("quota requests --status all:\n%s", out)
			}

			// A denial leaves the quota.
			rq = requestIncrease(t, d.url, "L-F4A5425F", 400)
			id, _ = rq["Id"].(string)
			out = mustIamd(t, append(append([]string{"quota", "deny"}, sa...), id)...)
			if !strings.Contains(out, "denied "+id) {
				t.Errorf("quota deny said %q", out)
			}
			if got := summaryValue(t, root, "GroupsQuota"); got != 300 {
				t.Errorf("GroupsQuota after a denial = %d, want 300", got)
			}
		})
	}
}

func TestQuotaCommandErrors(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	sa := []string{"--data-dir", dir, "--database-url", ""}
	mustIamd(t, append(append([]string{"account", "create"}, sa...), "--id", testAccount)...)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"quota"}, "usage:"},
		{"unknown subcommand", []string{"quota", "raise"}, "unknown command: quota raise"},
		{"set without value", append(append([]string{"quota", "set"}, sa...), testAccount, "UsersQuota"), "takes 3 argument(s)"},
		{"list without account", append([]string{"quota", "list"}, sa...), "takes 1 argument(s)"},
		{"flags after arguments", append([]string{"quota", "list", testAccount}, sa...), "takes 1 argument(s)"},
		{"value not a number", append(append([]string{"quota", "set"}, sa...), testAccount, "UsersQuota", "many"), "not a whole number"},
		{"more than 8 MFA devices", append(append([]string{"quota", "set"}, sa...), testAccount, "MFADevicesPerUserQuota", "9"),
			"MFADevicesPerUserQuota cannot exceed 8"},
		{"unknown quota", append(append([]string{"quota", "set"}, sa...), testAccount, "Users", "9"), `no quota "Users"`},
		{"unknown account", append(append([]string{"quota", "list"}, sa...), "999999999999"), "no account 999999999999"},
		{"unknown request", append(append([]string{"quota", "approve"}, sa...), "nope"), "no quota request nope"},
		{"unknown status", append(append([]string{"quota", "requests"}, sa...), "--status", "WAITING"), `status "WAITING"`},
		{"auto-approve not a number", []string{"serve", "--data-dir", dir, "--quota-auto-approve-max", "lots"},
			"--quota-auto-approve-max (IAMD_QUOTA_AUTO_APPROVE_MAX) must be a whole number"},
		{"auto-approve negative", []string{"serve", "--data-dir", dir, "--quota-auto-approve-max", "-1"}, "must be a whole number from 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iamdCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("iamd %s = %v, want an error containing %q", strings.Join(tt.args, " "), err, tt.want)
			}
		})
	}
	out := mustIamd(t, append(append([]string{"quota", "set"}, sa...), testAccount, "iamd-MFADevicesPerUser", "8")...)
	if !strings.Contains(out, "MFADevicesPerUserQuota (iamd-MFADevicesPerUser) of account 210987654321: 1 -> 8") {
		t.Errorf("quota set by code said %q", out)
	}
}

// TestQuotaAutoApproveFlag: with IAMD_QUOTA_AUTO_APPROVE_MAX, a request up
// to it is approved and applied at once.
func TestQuotaAutoApproveFlag(t *testing.T) {
	setRootEnv(t)
	t.Setenv("IAMD_QUOTA_AUTO_APPROVE_MAX", "4")
	d := startServe(t, "--data-dir", t.TempDir(), "--database-url", "")
	root, _ := clients(d.url, testRootKey, testRootSecret, "")
	if rq := requestIncrease(t, d.url, "iamd-MFADevicesPerUser", 4); rq["Status"] != "APPROVED" {
		t.Errorf("request within the ceiling = %v, want APPROVED", rq)
	}
	if got := summaryValue(t, root, "MFADevicesPerUserQuota"); got != 4 {
		t.Errorf("MFADevicesPerUserQuota = %d, want 4", got)
	}
	if rq := requestIncrease(t, d.url, "iamd-MFADevicesPerUser", 5); rq["Status"] != "PENDING" {
		t.Errorf("request above the ceiling = %v, want PENDING", rq)
	}
	if !strings.Contains(d.logs.String(), `"quota_auto_approve_max":4`) {
		t.Errorf("the log does not say requests are approved automatically")
	}
}
