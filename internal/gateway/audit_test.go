package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/audit"
)

// lookupEvents calls CloudTrail's LookupEvents as the SDK would.
func (e *env) lookupEvents(t *testing.T, creds aws.Credentials, body map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(string(b)), "cloudtrail", "us-east-1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("LookupEvents: %v\n%s", err, raw)
	}
	return resp.StatusCode, out
}

// TestAuditTrail walks the MFA story through the API and reads it back
// with LookupEvents: a device created and enabled, a wrong code, a replayed
// code, GetSessionToken with MFA, a write made with the MFA session
// (mfaAuthenticated true); a refused caller's attempt is there too. Then it
// scans every stored event for the secrets the story used.
func TestAuditTrail(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		rootCreds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
		s := aws.String
		akid, secret := e.user(ctx, root, "alice")
		const password = "Correct-Horse-9-Battery"
		mustDo(t, func() error {
			_, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: s("alice"), Password: s(password)})
			return err
		})
		mustDo(t, func() error {
			_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("mfa-writes"),
				PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*",
					"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)})
			return err
		})
		dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("alice")})
		if err != nil {
			t.Fatal(err)
		}
		seedB32 := string(dev.VirtualMFADevice.Base32StringSeed)
		seed := mustSeed(t, seedB32)
		serial := *dev.VirtualMFADevice.SerialNumber
		c1, c2 := e.code(seed, -1), e.code(seed, 0)
		mustDo(t, func() error {
			_, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial),
				AuthenticationCode1: s(c1), AuthenticationCode2: s(c2)})
			return err
		})
		aliceSTS := e.sts(akid, secret, "")
		e.clock.Advance(30 * time.Second)
		wrong := "000000"
		if wrong == e.code(seed, 0) {
			wrong = "111111"
		}
		_, err = aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: s(serial), TokenCode: s(wrong)})
		wantAPIError(t, "GetSessionToken with a wrong code", err, "AccessDenied", 403, "")
		good := e.code(seed, 0)
		out, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: s(serial), TokenCode: s(good)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: s(serial), TokenCode: s(good)})
		wantAPIError(t, "GetSessionToken replaying the code", err, "AccessDenied", 403, "")
		cr := out.Credentials
		if _, err := e.iam(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken).CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("carol")}); err != nil {
			t.Fatalf("CreateUser with the MFA session: %v", err)
		}
		_, err = e.iam(akid, secret, "").CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("dave")})
		wantAPIError(t, "CreateUser without MFA", err, "AccessDenied", 403, "")
		if err := e.srv.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}

		events := func(attr, value string) []map[string]any {
			t.Helper()
			body := map[string]any{}
			if attr != "" {
				body["LookupAttributes"] = []map[string]string{{"AttributeKey": attr, "AttributeValue": value}}
			}
			status, got := e.lookupEvents(t, rootCreds, body)
			if status != 200 {
				t.Fatalf("LookupEvents(%s=%s) = %d %v", attr, value, status, got)
			}
			var out []map[string]any
			for _, ev := range got["Events"].([]any) {
				var rec map[string]any
				json.Unmarshal([]byte(ev.(map[string]any)["CloudTrailEvent"].(string)), &rec)
				out = append(out, rec)
			}
			return out
		}
		names := map[string]int{}
		for _, ev := range events("", "") {
			names[ev["eventName"].(string)]++
		}
		for _, want := range []string{"CreateUser", "CreateVirtualMFADevice", "EnableMFADevice", "GetSessionToken", "CreateLoginProfile", "CreateAccessKey"} {
			if names[want] == 0 {
				t.Errorf("no %s event; events: %v", want, names)
			}
		}
		sessions := events("EventName", "GetSessionToken")
		if len(sessions) != 3 {
			t.Fatalf("GetSessionToken events = %d, want 3 (wrong code, success, replay)", len(sessions))
		}
		// Newest first: replay, success, wrong code.
		if sessions[0]["errorCode"] != "AccessDenied" || sessions[1]["errorCode"] != nil || sessions[2]["errorCode"] != "AccessDenied" {
			t.Errorf("GetSessionToken events' error codes = %v, %v, %v", sessions[0]["errorCode"], sessions[1]["errorCode"], sessions[2]["errorCode"])
		}
		if add, _ := sessions[1]["additionalEventData"].(map[string]any); add["MFAUsed"] != "Yes" {
			t.Errorf("GetSessionToken additionalEventData = %v, want MFAUsed Yes", sessions[1]["additionalEventData"])
		}
		if rp, _ := sessions[1]["requestParameters"].(map[string]any); rp["tokenCode"] != "HIDDEN_DUE_TO_SECURITY_REASONS" {
			t.Errorf("GetSessionToken requestParameters = %v, want the code hidden", rp)
		}
		var sawMFAWrite, sawRefusal bool
		for _, ev := range events("Username", "alice") {
			ui := ev["userIdentity"].(map[string]any)
			if ev["eventName"] == "CreateUser" && ev["errorCode"] == nil {
				sc, _ := ui["sessionContext"].(map[string]any)
				attrs, _ := sc["attributes"].(map[string]any)
				sawMFAWrite = attrs["mfaAuthenticated"] == "true"
			}
			if ev["eventName"] == "CreateUser" && ev["errorCode"] == "AccessDenied" {
				sawRefusal = ui["type"] == "IAMUser" && ui["accessKeyId"] == akid
			}
		}
		if !sawMFAWrite || !sawRefusal {
			t.Errorf("alice's events: MFA-session write with mfaAuthenticated=true %v, refused CreateUser %v", sawMFAWrite, sawRefusal)
		}
		if got := events("ResourceName", serial); len(got) == 0 {
			t.Errorf("no event found by the device's serial")
		}
		// A caller without cloudtrail:LookupEvents is refused.
		if status, got := e.lookupEvents(t, aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, map[string]any{}); status != 400 || got["__type"] != "AccessDeniedException" {
			t.Errorf("LookupEvents as alice = %d %v, want 400 AccessDeniedException", status, got)
		}
		// Bad input as CloudTrail answers it.
		for _, tt := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"MaxResults": 51}, "InvalidMaxResultsException"},
			{map[string]any{"StartTime": 2000, "EndTime": 1000}, "InvalidTimeRangeException"},
			{map[string]any{"NextToken": "nope!"}, "InvalidNextTokenException"},
			{map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "Colour", "AttributeValue": "x"}}}, "InvalidLookupAttributesException"},
		} {
			if status, got := e.lookupEvents(t, rootCreds, tt.body); status != 400 || got["__type"] != tt.want {
				t.Errorf("LookupEvents(%v) = %d %v, want 400 %s", tt.body, status, got, tt.want)
			}
		}

		// No event holds a secret, in any encoding.
		var all bytes.Buffer
		if err := e.st.ExportEvents(ctx, time.Time{}, func(ev audit.Event) error {
			b, _ := json.Marshal(ev)
			all.Write(b)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		text := all.String()
		secrets := map[string]string{"seed": seedB32, "seed (lower case)": strings.ToLower(seedB32), "seed (hex)": hex.EncodeToString(seed),
			"seed (base64)": base64.StdEncoding.EncodeToString(seed), "alice's secret key": secret, "root's secret key": rootSecret,
			"password": password, "session secret": *cr.SecretAccessKey, "session token": *cr.SessionToken,
			"code 1": `"` + c1 + `"`, "code 2": `"` + c2 + `"`, "sign-in code": `"` + good + `"`, "wrong code": `"` + wrong + `"`}
		for what, v := range secrets {
			if strings.Contains(text, v) {
				t.Errorf("an audit event holds the %s", what)
			}
		}
		if !strings.Contains(text, serial) {
			t.Errorf("the export lacks the device's serial: the scan read nothing")
		}
	})
}
