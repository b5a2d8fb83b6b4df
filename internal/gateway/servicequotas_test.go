package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/store/storetest"
)

// sqResponse is a Service Quotas answer.
type sqResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// sqCall sends one signed Service Quotas request (AWS JSON 1.1) to url, as
// the SDK would: POST / with X-Amz-Target and a JSON body. body is
// marshalled unless it is a string.
func sqCall(t *testing.T, url string, at time.Time, creds aws.Credentials, op string, body any) sqResponse {
	t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "ServiceQuotasV20190624."+op)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(string(b)), "servicequotas", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := sqResponse{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", op, err, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("%s: Content-Type = %q", op, ct)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Errorf("%s: no x-amzn-RequestId", op)
	}
	return out
}

// wantSQError checks a Service Quotas error answer.
func wantSQError(t *testing.T, what string, r sqResponse, code string, status int, msg string) {
	t.Helper()
	if r.status != status || r.body["__type"] != code || r.header.Get("X-Amzn-Errortype") != code {
		t.Fatalf("%s: %d %s (x-amzn-ErrorType %q), want %d %s", what, r.status, r.raw, r.header.Get("X-Amzn-Errortype"), status, code)
	}
	if m, _ := r.body["Message"].(string); msg != "" && !strings.Contains(m, msg) {
		t.Errorf("%s: Message = %q, want it to contain %q", what, m, msg)
	}
}

func (r sqResponse) path(keys ...any) any {
	var v any = r.body
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// sq calls the env's server, signing at its fake clock's time.
func (e *env) sq(t *testing.T, creds aws.Credentials, op string, body any) sqResponse {
	t.Helper()
	return sqCall(t, e.url, e.clock.Now(), creds, op, body)
}

var rootCreds = aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}

func (e *env) quotaService(cfg quotas.Config) *quotas.Service {
	return quotas.New(e.st, e.svc, quotas.Options{Clock: e.clock, Config: cfg})
}

func (e *env) summary(t *testing.T, root *awsiam.Client) map[string]int32 {
	t.Helper()
	out, err := root.GetAccountSummary(context.Background(), &awsiam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int32{}
	for k, v := range out.SummaryMap {
		m[k] = v
	}
	return m
}

func TestServiceQuotasAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")

		r := e.sq(t, rootCreds, "ListServices", map[string]any{})
		if r.status != 200 || r.path("Services", 0, "ServiceCode") != "iam" ||
			r.path("Services", 0, "ServiceName") != "AWS Identity and Access Management (IAM)" || len(r.path("Services").([]any)) != 1 {
			t.Fatalf("ListServices = %d %s", r.status, r.raw)
		}

		r = e.sq(t, rootCreds, "ListServiceQuotas", map[string]any{"ServiceCode": "iam"})
		if r.status != 200 || len(r.path("Quotas").([]any)) != len(quotas.Table()) || r.path("NextToken") != nil {
			t.Fatalf("ListServiceQuotas = %d %s", r.status, r.raw)
		}
		want := map[string]any{"ServiceCode": "iam", "ServiceName": "AWS Identity and Access Management (IAM)",
			"QuotaArn": "arn:aws:servicequotas:us-east-1:123456789012:iam/L-F55AF5E4", "QuotaCode": "L-F55AF5E4",
			"QuotaName": "Users per account", "Value": 5000.0, "Unit": "None", "Adjustable": true, "GlobalQuota": true,
			"QuotaAppliedAtLevel": "ACCOUNT"}
		got := r.path("Quotas", 0).(map[string]any)
		delete(got, "Description")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListServiceQuotas first quota (-want +got):\n%s", diff)
		}

		// Pages of 6: 20 quotas in 4 pages.
		var codes []string
		body := map[string]any{"ServiceCode": "iam", "MaxResults": 6}
		for pages := 1; ; pages++ {
			r = e.sq(t, rootCreds, "ListServiceQuotas", body)
			for _, q := range r.path("Quotas").([]any) {
				codes = append(codes, q.(map[string]any)["QuotaCode"].(string))
			}
			tok, _ := r.path("NextToken").(string)
			if tok == "" {
				if pages != 4 {
					t.Errorf("ListServiceQuotas in pages of 6 took %d pages, want 4", pages)
				}
				break
			}
			body["NextToken"] = tok
		}
		if len(codes) != 20 || codes[0] != "L-F55AF5E4" || codes[19] != "iamd-PolicyVersionsInUse" {
			t.Errorf("paged quota codes = %v", codes)
		}

		// The operator lowers a quota: GetServiceQuota shows it, the AWS
		// default stays, and IAM enforces it on the next request.
		if _, _, err := e.quotaService(quotas.Config{}).Set(ctx, accountID, "RolesQuota", 0); err != nil {
			t.Fatal(err)
		}
		r = e.sq(t, rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-FE177D64"})
		if r.status != 200 || r.path("Quota", "Value") != 0.0 || r.path("Quota", "QuotaName") != "Roles per account" {
			t.Errorf("GetServiceQuota(roles) = %d %s", r.status, r.raw)
		}
		r = e.sq(t, rootCreds, "GetAWSDefaultServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-FE177D64"})
		if r.status != 200 || r.path("Quota", "Value") != 1000.0 {
			t.Errorf("GetAWSDefaultServiceQuota(roles) = %d %s", r.status, r.raw)
		}
		r = e.sq(t, rootCreds, "ListAWSDefaultServiceQuotas", map[string]any{"ServiceCode": "iam"})
		if r.status != 200 || r.path("Quotas", 2, "QuotaCode") != "L-FE177D64" || r.path("Quotas", 2, "Value") != 1000.0 {
			t.Errorf("ListAWSDefaultServiceQuotas = %d %s", r.status, r.raw)
		}
		_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustRoot)})
		wantAPIError(t, "CreateRole with RolesQuota 0", err, "LimitExceeded", 409, "Cannot exceed quota for RolesPerAccount: 0")

		// Ask for more; it waits for the operator.
		r = e.sq(t, rootCreds, "RequestServiceQuotaIncrease", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-FE177D64", "DesiredValue": 3})
		if r.status != 200 || r.path("RequestedQuota", "Status") != "PENDING" || r.path("RequestedQuota", "DesiredValue") != 3.0 {
			t.Fatalf("RequestServiceQuotaIncrease = %d %s", r.status, r.raw)
		}
		id := r.path("RequestedQuota", "Id").(string)
		if r.path("RequestedQuota", "Requester") != `{"accountId":"123456789012","callerArn":"arn:aws:iam::123456789012:root"}` ||
			r.path("RequestedQuota", "QuotaArn") != "arn:aws:servicequotas:us-east-1:123456789012:iam/L-FE177D64" ||
			r.path("RequestedQuota", "Created") != float64(e.clock.Now().UnixMilli())/1000 {
			t.Errorf("RequestedQuota = %s", r.raw)
		}
		r = e.sq(t, rootCreds, "GetRequestedServiceQuotaChange", map[string]any{"RequestId": id})
		if r.status != 200 || r.path("RequestedQuota", "Id") != id || r.path("RequestedQuota", "Status") != "PENDING" {
			t.Errorf("GetRequestedServiceQuotaChange = %d %s", r.status, r.raw)
		}
		if e.summary(t, root)["RolesQuota"] != 0 {
			t.Errorf("RolesQuota changed before approval")
		}

		// The operator approves: the quota is raised, everywhere at once.
		if _, err := e.quotaService(quotas.Config{}).Approve(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s := e.summary(t, root); s["RolesQuota"] != 3 || s["Roles"] != 0 {
			t.Errorf("GetAccountSummary after approval: RolesQuota %d, Roles %d, want 3, 0", s["RolesQuota"], s["Roles"])
		}
		if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustRoot)}); err != nil {
			t.Errorf("CreateRole after approval: %v", err)
		}
		r = e.sq(t, rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-FE177D64"})
		if r.path("Quota", "Value") != 3.0 {
			t.Errorf("GetServiceQuota after approval = %s", r.raw)
		}
		for _, tt := range []struct {
			op   string
			body map[string]any
		}{
			{"ListRequestedServiceQuotaChangeHistory", map[string]any{}},
			{"ListRequestedServiceQuotaChangeHistory", map[string]any{"ServiceCode": "iam", "Status": "APPROVED"}},
			{"ListRequestedServiceQuotaChangeHistoryByQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-FE177D64"}},
		} {
			r = e.sq(t, rootCreds, tt.op, tt.body)
			if r.status != 200 || len(r.path("RequestedQuotas").([]any)) != 1 || r.path("RequestedQuotas", 0, "Status") != "APPROVED" {
				t.Errorf("%s(%v) = %d %s", tt.op, tt.body, r.status, r.raw)
			}
		}
		for _, body := range []map[string]any{
			{"ServiceCode": "iam", "Status": "PENDING"},
			{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4"},
		} {
			op := "ListRequestedServiceQuotaChangeHistory"
			if body["QuotaCode"] != nil {
				op += "ByQuota"
			}
			r = e.sq(t, rootCreds, op, body)
			if r.status != 200 || len(r.path("RequestedQuotas").([]any)) != 0 {
				t.Errorf("%s(%v) = %d %s, want none", op, body, r.status, r.raw)
			}
		}
	})
}

const trustRoot = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

func TestServiceQuotasErrors(t *testing.T) {
	for _, eng := range storetest.Engines(t)[:1] {
		e := newEnv(t, eng)
		tests := []struct {
			name   string
			creds  aws.Credentials
			op     string
			body   any
			status int
			code   string
			msg    string
		}{
			{"unknown operation", rootCreds, "CreateSupportCase", map[string]any{}, 400, "UnknownOperationException", ""},
			{"not JSON", rootCreds, "ListServiceQuotas", "{", 400, "SerializationException", ""},
			{"wrong type", rootCreds, "ListServiceQuotas", `{"ServiceCode": 7}`, 400, "SerializationException", ""},
			{"missing member", rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam"}, 400, "IllegalArgumentException",
				"Value null at 'quotaCode' failed to satisfy constraint: Member must not be null"},
			{"bad quota code", rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L_1"}, 400,
				"IllegalArgumentException", "Member must satisfy regular expression pattern"},
			{"MaxResults 0", rootCreds, "ListServiceQuotas", map[string]any{"ServiceCode": "iam", "MaxResults": 0}, 400,
				"IllegalArgumentException", "Member must have value between 1 and 100"},
			{"bad level", rootCreds, "ListServiceQuotas", map[string]any{"ServiceCode": "iam", "QuotaAppliedAtLevel": "X"}, 400,
				"IllegalArgumentException", "enum value set"},
			{"bad token", rootCreds, "ListServiceQuotas", map[string]any{"ServiceCode": "iam", "NextToken": "bm9wZQ=="}, 400,
				"InvalidPaginationTokenException", ""},
			{"unknown service", rootCreds, "ListServiceQuotas", map[string]any{"ServiceCode": "ec2"}, 400, "NoSuchResourceException",
				"The request failed because the specified service does not exist."},
			{"unknown quota", rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-12345678"}, 400,
				"NoSuchResourceException", "The request failed because the specified quota does not exist."},
			{"unknown request", rootCreds, "GetRequestedServiceQuotaChange", map[string]any{"RequestId": "abc-123"}, 400,
				"NoSuchResourceException", ""},
			{"missing desired value", rootCreds, "RequestServiceQuotaIncrease", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4"},
				400, "IllegalArgumentException", "desiredValue"},
			{"not an increase", rootCreds, "RequestServiceQuotaIncrease", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4",
				"DesiredValue": 5000}, 400, "IllegalArgumentException", "must be greater than the current value of quota L-F55AF5E4, 5000"},
			{"above 8 MFA devices", rootCreds, "RequestServiceQuotaIncrease", map[string]any{"ServiceCode": "iam",
				"QuotaCode": "iamd-MFADevicesPerUser", "DesiredValue": 9}, 400, "IllegalArgumentException", "maximum value of quota iamd-MFADevicesPerUser, 8"},
			{"unknown key", aws.Credentials{AccessKeyID: "AKIANOSUCHKEY0000001", SecretAccessKey: "x"}, "ListServices", map[string]any{},
				400, "UnrecognizedClientException", "The security token included in the request is invalid."},
			{"wrong secret", aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: "wrong"}, "ListServices", map[string]any{},
				400, "InvalidSignatureException", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantSQError(t, tt.name, e.sq(t, tt.creds, tt.op, tt.body), tt.code, tt.status, tt.msg)
			})
		}
		// An empty body is an empty input.
		if r := e.sq(t, rootCreds, "ListServices", ""); r.status != 200 {
			t.Errorf("ListServices with no body = %d %s", r.status, r.raw)
		}
		// A second open request for a quota.
		body := map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F4A5425F", "DesiredValue": 400}
		if r := e.sq(t, rootCreds, "RequestServiceQuotaIncrease", body); r.status != 200 {
			t.Fatalf("first request = %d %s", r.status, r.raw)
		}
		wantSQError(t, "second open request", e.sq(t, rootCreds, "RequestServiceQuotaIncrease", body),
			"ResourceAlreadyExistsException", 400, "An open request to increase quota L-F4A5425F exists already")
	}
}

// TestServiceQuotasAuthorization: IAM users need servicequotas:*
// permissions, on the quota's ARN where the action has one.
func TestServiceQuotasAuthorization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		id, secret := e.user(ctx, root, "alice")
		alice := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		get := func(code string) sqResponse {
			return e.sq(t, alice, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": code})
		}
		wantSQError(t, "alice without policies", get("L-F55AF5E4"), "AccessDeniedException", 400,
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: servicequotas:GetServiceQuota on resource: "+
				"arn:aws:servicequotas:us-east-1:123456789012:iam/L-F55AF5E4")
		wantSQError(t, "alice ListServices", e.sq(t, alice, "ListServices", map[string]any{}), "AccessDeniedException", 400,
			"servicequotas:ListServices on resource: *")

		put := func(doc string) {
			t.Helper()
			if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("sq"),
				PolicyDocument: aws.String(doc)}); err != nil {
				t.Fatal(err)
			}
		}
		put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"servicequotas:GetServiceQuota",
			"Resource":"arn:aws:servicequotas:*:*:iam/L-F55AF5E4"}]}`)
		if r := get("L-F55AF5E4"); r.status != 200 {
			t.Errorf("GetServiceQuota allowed on its ARN = %d %s", r.status, r.raw)
		}
		wantSQError(t, "GetServiceQuota on another quota", get("L-FE177D64"), "AccessDeniedException", 400, "")
		req := map[string]any{"ServiceCode": "iam", "QuotaCode": "iamd-MFADevicesPerUser", "DesiredValue": 2}
		wantSQError(t, "request without permission", e.sq(t, alice, "RequestServiceQuotaIncrease", req),
			"AccessDeniedException", 400, "servicequotas:RequestServiceQuotaIncrease")

		put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"servicequotas:*","Resource":"*"},
			{"Effect":"Deny","Action":"servicequotas:RequestServiceQuotaIncrease","Resource":"arn:aws:servicequotas:*:*:iam/L-F55AF5E4"}]}`)
		r := e.sq(t, alice, "RequestServiceQuotaIncrease", req)
		if r.status != 200 || r.path("RequestedQuota", "Requester") != `{"accountId":"123456789012","callerArn":"arn:aws:iam::123456789012:user/alice"}` {
			t.Errorf("alice's request = %d %s", r.status, r.raw)
		}
		wantSQError(t, "request denied on its ARN", e.sq(t, alice, "RequestServiceQuotaIncrease",
			map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4", "DesiredValue": 6000}), "AccessDeniedException", 400,
			"with an explicit deny")
		// Requests are the account's, whoever made them.
		r = e.sq(t, rootCreds, "ListRequestedServiceQuotaChangeHistory", map[string]any{})
		if len(r.path("RequestedQuotas").([]any)) != 1 {
			t.Errorf("root's history = %s, want alice's request", r.raw)
		}
	})
}

// TestQuotasEnforced lowers each quota through the operator's service while
// the server runs and checks that the next IAM call is refused with
// LimitExceeded 409 and AWS's message, that what exists stays when a quota
// drops below usage, and that GetAccountSummary reports the same numbers.
func TestQuotasEnforced(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		ops := e.quotaService(quotas.Config{})
		set := func(name string, v int) {
			t.Helper()
			if _, _, err := ops.Set(ctx, accountID, name, v); err != nil {
				t.Fatal(err)
			}
		}
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		limit := func(what string, err error, msg string) {
			t.Helper()
			wantAPIError(t, what, err, "LimitExceeded", 409, msg)
		}
		s := aws.String
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

		for _, u := range []string{"u1", "u2"} {
			_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s(u)})
			must("CreateUser "+u, err)
		}

		set("GroupsQuota", 1)
		_, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("g1")})
		must("CreateGroup g1", err)
		_, err = root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("g2")})
		limit("CreateGroup over GroupsQuota", err, "Cannot exceed quota for GroupsPerAccount: 1")
		set("GroupsQuota", 5)
		_, err = root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("g2")})
		must("CreateGroup g2 after raising", err)

		set("GroupsPerUserQuota", 1)
		_, err = root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: s("g1"), UserName: s("u1")})
		must("AddUserToGroup g1", err)
		_, err = root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: s("g2"), UserName: s("u1")})
		limit("AddUserToGroup over GroupsPerUserQuota", err, "Cannot exceed quota for GroupsPerUser: 1")

		set("RolesQuota", 1)
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("r1"), AssumeRolePolicyDocument: s(trustRoot)})
		must("CreateRole r1", err)
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s(trustRoot)})
		limit("CreateRole over RolesQuota", err, "Cannot exceed quota for RolesPerAccount: 1")
		set("RolesQuota", 10)
		set("AssumeRolePolicySizeQuota", 50)
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s(trustRoot)})
		limit("CreateRole over AssumeRolePolicySizeQuota", err, "Cannot exceed quota for ACLSizePerRole: 50")

		set("PoliciesQuota", 1)
		p1, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("p1"), PolicyDocument: s(doc)})
		must("CreatePolicy p1", err)
		_, err = root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("p2"), PolicyDocument: s(doc)})
		limit("CreatePolicy over PoliciesQuota", err, "Cannot exceed quota for PoliciesPerAccount: 1")
		set("PoliciesQuota", 10)
		set("PolicySizeQuota", 50)
		_, err = root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("p2"), PolicyDocument: s(doc)})
		limit("CreatePolicy over PolicySizeQuota", err, "Cannot exceed quota for PolicySize: 50")
		set("PolicySizeQuota", 6144)

		set("VersionsPerPolicyQuota", 2)
		_, err = root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: p1.Policy.Arn, PolicyDocument: s(doc)})
		must("CreatePolicyVersion v2", err)
		_, err = root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: p1.Policy.Arn, PolicyDocument: s(doc)})
		limit("CreatePolicyVersion over VersionsPerPolicyQuota", err,
			"A managed policy can have up to 2 versions. Before you create a new version, you must delete an existing version.")

		readOnly := s("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
		set("AttachedPoliciesPerUserQuota", 1)
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("u1"), PolicyArn: p1.Policy.Arn})
		must("AttachUserPolicy p1", err)
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("u1"), PolicyArn: readOnly})
		limit("AttachUserPolicy over AttachedPoliciesPerUserQuota", err, "Cannot exceed quota for PoliciesPerUser: 1")
		set("AttachedPoliciesPerGroupQuota", 0)
		_, err = root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: s("g1"), PolicyArn: readOnly})
		limit("AttachGroupPolicy over AttachedPoliciesPerGroupQuota", err, "Cannot exceed quota for PoliciesPerGroup: 0")
		set("AttachedPoliciesPerRoleQuota", 0)
		_, err = root.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: s("r1"), PolicyArn: readOnly})
		limit("AttachRolePolicy over AttachedPoliciesPerRoleQuota", err, "Cannot exceed quota for PoliciesPerRole: 0")
		set("PolicyVersionsInUseQuota", 1)
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("u2"), PolicyArn: p1.Policy.Arn})
		limit("AttachUserPolicy over PolicyVersionsInUseQuota", err, "Cannot exceed quota for PolicyVersionsInUse: 1")
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("u1"), PolicyArn: p1.Policy.Arn})
		must("AttachUserPolicy again at PolicyVersionsInUseQuota (no change)", err)

		set("UserPolicySizeQuota", 50)
		_, err = root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("u1"), PolicyName: s("big"), PolicyDocument: s(doc)})
		limit("PutUserPolicy over UserPolicySizeQuota", err, "Maximum policy size of 50 bytes exceeded for user u1")
		set("GroupPolicySizeQuota", 50)
		_, err = root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: s("g1"), PolicyName: s("big"), PolicyDocument: s(doc)})
		limit("PutGroupPolicy over GroupPolicySizeQuota", err, "Maximum policy size of 50 bytes exceeded for group g1")
		set("RolePolicySizeQuota", 50)
		_, err = root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("r1"), PolicyName: s("big"), PolicyDocument: s(doc)})
		limit("PutRolePolicy over RolePolicySizeQuota", err, "Maximum policy size of 50 bytes exceeded for role r1")

		set("AccessKeysPerUserQuota", 1)
		_, err = root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: s("u1")})
		must("CreateAccessKey", err)
		_, err = root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: s("u1")})
		limit("CreateAccessKey over AccessKeysPerUserQuota", err, "Cannot exceed quota for AccessKeysPerUser: 1")

		// MFA devices: raised to 2 by the operator, then lowered below
		// usage: both devices keep working, a third is refused.
		set("MFADevicesPerUserQuota", 2)
		e.device(ctx, root, "u1", "d1")
		e.device(ctx, root, "u1", "d2")
		set("MFADevicesPerUserQuota", 1)
		d3, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("d3")})
		must("CreateVirtualMFADevice d3", err)
		seed := mustSeed(t, string(d3.VirtualMFADevice.Base32StringSeed))
		_, err = root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: s("u1"), SerialNumber: d3.VirtualMFADevice.SerialNumber,
			AuthenticationCode1: s(e.code(seed, -1)), AuthenticationCode2: s(e.code(seed, 0))})
		limit("EnableMFADevice over MFADevicesPerUserQuota", err, "Cannot exceed quota for MFADevicesPerUser: 1")
		devs, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: s("u1")})
		if err != nil || len(devs.MFADevices) != 2 {
			t.Errorf("u1's devices after lowering = %v, %v, want the 2 enabled before", devs, err)
		}

		// Users, and virtual MFA devices, which AWS caps at the user quota.
		set("UsersQuota", 1)
		_, err = root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("u3")})
		limit("CreateUser below usage", err, "Cannot exceed quota for UsersPerAccount: 1")
		_, err = root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("d4")})
		limit("CreateVirtualMFADevice over UsersQuota", err, "Cannot exceed quota for VirtualMFADevicesPerAccount: 1")
		if _, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: s("u2")}); err != nil {
			t.Errorf("a user above a lowered quota stays: %v", err)
		}

		sum := e.summary(t, root)
		want := map[string]int32{"Users": 2, "UsersQuota": 1, "Groups": 2, "GroupsQuota": 5, "Roles": 1, "RolesQuota": 10,
			"Policies": 1, "PoliciesQuota": 10, "PolicyVersionsInUse": 1, "PolicyVersionsInUseQuota": 1, "GroupsPerUserQuota": 1,
			"AccessKeysPerUserQuota": 1, "MFADevicesPerUserQuota": 1, "MFADevicesInUse": 2, "VersionsPerPolicyQuota": 2,
			"AttachedPoliciesPerUserQuota": 1, "AttachedPoliciesPerGroupQuota": 0, "AttachedPoliciesPerRoleQuota": 0,
			"UserPolicySizeQuota": 50, "GroupPolicySizeQuota": 50, "RolePolicySizeQuota": 50, "AssumeRolePolicySizeQuota": 50,
			"PolicySizeQuota": 6144}
		for k, v := range want {
			if sum[k] != v {
				t.Errorf("GetAccountSummary %s = %d, want %d", k, sum[k], v)
			}
		}
		for _, l := range mustReport(t, ops) {
			if int32(l.Value.Value) != sum[l.Key] {
				t.Errorf("%s: quota service %d, GetAccountSummary %d", l.Key, l.Value.Value, sum[l.Key])
			}
		}
	})
}

func mustReport(t *testing.T, ops *quotas.Service) []quotas.Line {
	t.Helper()
	lines, err := ops.Report(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestQuotaAutoApprove: with a ceiling, a request up to it is approved and
// applied at once; above it, it waits.
func TestQuotaAutoApprove(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			h := newGateway(t, e.st, e.svc, e.quotaService(quotas.Config{AutoApproveMax: 3}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			for _, tt := range []struct {
				desired float64
				status  string
				value   float64
			}{{3, "APPROVED", 3}, {4, "PENDING", 3}} {
				r := sqCall(t, srv.URL, e.clock.Now(), rootCreds, "RequestServiceQuotaIncrease",
					map[string]any{"ServiceCode": "iam", "QuotaCode": "iamd-MFADevicesPerUser", "DesiredValue": tt.desired})
				if r.status != 200 || r.path("RequestedQuota", "Status") != tt.status {
					t.Errorf("request for %v = %d %s, want %s", tt.desired, r.status, r.raw, tt.status)
				}
				r = sqCall(t, srv.URL, e.clock.Now(), rootCreds, "GetServiceQuota", map[string]any{"ServiceCode": "iam", "QuotaCode": "iamd-MFADevicesPerUser"})
				if r.path("Quota", "Value") != tt.value {
					t.Errorf("after asking for %v: Value = %v, want %v", tt.desired, r.path("Quota", "Value"), tt.value)
				}
			}
			if got := e.summary(t, e.iam(rootKeyID, rootSecret, ""))["MFADevicesPerUserQuota"]; got != 3 {
				t.Errorf("GetAccountSummary MFADevicesPerUserQuota = %d, want 3", got)
			}
		})
	}
}
