package gateway_test

import (
	"context"
	"database/sql"
	"github.com/iamd/iamd/internal/authz"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// roleTestAuthorizer stands in for the policy engine in these tests: it
// allows everything except to the users named in deny, so the tests reach
// the trust-policy logic that AssumeRole adds.
type roleTestAuthorizer struct{ deny map[string]bool }

func (a roleTestAuthorizer) Authorize(_ context.Context, p *authz.Principal, action, resource string) error {
	if p.User != nil && a.deny[p.User.Name] {
		return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s", p.ARN(), action, resource)
	}
	return nil
}

// roleEnv is an env whose users may do everything but mallory, with a
// second connection to the database for rows that other areas own.
type roleEnv struct {
	*env
	db *sql.DB
}

func newRoleEnv(t *testing.T, eng storetest.Engine) *roleEnv {
	t.Helper()
	dir := t.TempDir()
	cfg := eng.Config(t, dir)
	st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Now())
	svc := iam.New(st, iam.Options{Clock: clk, Authorizer: roleTestAuthorizer{deny: map[string]bool{"mallory": true}}})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: "root@example.com",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newGateway(t, st, svc, nil))
	t.Cleanup(srv.Close)
	var db *sql.DB
	if cfg.DatabaseURL != "" {
		db, err = sql.Open("pgx", cfg.DatabaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFileName)+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &roleEnv{env: &env{t: t, url: srv.URL, clock: clk, st: st, svc: svc}, db: db}
}

func forEachRoleEngine(t *testing.T, f func(t *testing.T, e *roleEnv)) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newRoleEnv(t, eng)) })
	}
}

func (e *roleEnv) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

const (
	trustAccountRoot = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	trustRequireMFA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	trustExternalID = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"Unguessable-42"}}}]}`
)

func roleARN(name string) string { return "arn:aws:iam::123456789012:role/" + name }

func (e *roleEnv) createRole(ctx context.Context, root *awsiam.Client, name, trust string, maxSession int32) {
	e.t.Helper()
	in := &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	if maxSession != 0 {
		in.MaxSessionDuration = aws.Int32(maxSession)
	}
	if _, err := root.CreateRole(ctx, in); err != nil {
		e.t.Fatalf("CreateRole(%s): %v", name, err)
	}
}

func stsWith(e *roleEnv, c *ststypes.Credentials) *awssts.Client {
	return e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

func TestRoleCRUDOverHTTP(t *testing.T) {
	forEachRoleEngine(t, func(t *testing.T, e *roleEnv) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"123456789012\"}, \"Action\": \"sts:AssumeRole\"}]\n}"
		out, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("Deploy"), Path: aws.String("/ci/"),
			AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("CI deploys"), MaxSessionDuration: aws.Int32(7200),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}})
		if err != nil {
			t.Fatal(err)
		}
		r := out.Role
		if *r.Arn != "arn:aws:iam::123456789012:role/ci/Deploy" || !strings.HasPrefix(*r.RoleId, "AROA") || *r.Path != "/ci/" ||
			*r.MaxSessionDuration != 7200 || *r.Description != "CI deploys" || len(r.Tags) != 1 || r.CreateDate == nil {
			t.Errorf("CreateRole.Role = %+v", r)
		}
		// The trust policy comes back URL-encoded, as IAM sends it.
		if strings.ContainsAny(*r.AssumeRolePolicyDocument, " {\"") || strings.Contains(*r.AssumeRolePolicyDocument, "+") {
			t.Errorf("AssumeRolePolicyDocument = %q, want it percent-encoded", *r.AssumeRolePolicyDocument)
		}
		if doc, err := url.QueryUnescape(*r.AssumeRolePolicyDocument); err != nil || doc != trust {
			t.Errorf("decoded AssumeRolePolicyDocument = %q, %v, want %q", doc, err, trust)
		}

		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("DEPLOY"), AssumeRolePolicyDocument: aws.String(trust)})
		wantAPIError(t, "CreateRole(duplicate)", err, "EntityAlreadyExists", 409, "Role with name DEPLOY already exists.")
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
		wantAPIError(t, "CreateRole(malformed)", err, "MalformedPolicyDocument", 400, "")
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(trust),
			MaxSessionDuration: aws.Int32(60)})
		wantAPIError(t, "CreateRole(MaxSessionDuration 60)", err, "ValidationError", 400, "")

		got, err := root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("deploy")})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Role.RoleId != *r.RoleId || len(got.Role.Tags) != 1 || *got.Role.Tags[0].Value != "platform" {
			t.Errorf("GetRole = %+v", got.Role)
		}
		_, err = root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("nobody")})
		wantAPIError(t, "GetRole(missing)", err, "NoSuchEntity", 404, "The role with name nobody cannot be found.")

		if _, err := root.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("Deploy"), MaxSessionDuration: aws.Int32(43200)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: aws.String("Deploy"),
			Description: aws.String("new")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Deploy"),
			PolicyDocument: aws.String(trustRequireMFA)}); err != nil {
			t.Fatal(err)
		}
		_, err = root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Deploy"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
		wantAPIError(t, "UpdateAssumeRolePolicy(identity policy)", err, "MalformedPolicyDocument", 400, "")
		got, _ = root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Deploy")})
		if doc, _ := url.QueryUnescape(*got.Role.AssumeRolePolicyDocument); doc != trustRequireMFA ||
			*got.Role.MaxSessionDuration != 43200 || *got.Role.Description != "new" {
			t.Errorf("after updates: %+v", got.Role)
		}

		// Tags.
		if _, err := root.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("Deploy"), Tags: []iamtypes.Tag{
			{Key: aws.String("Team"), Value: aws.String("sre")}, {Key: aws.String("env"), Value: aws.String("")}}}); err != nil {
			t.Fatal(err)
		}
		tags, err := root.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("Deploy"), MaxItems: aws.Int32(1)})
		if err != nil || len(tags.Tags) != 1 || !tags.IsTruncated || *tags.Tags[0].Key != "env" {
			t.Fatalf("ListRoleTags page 1 = %+v, %v", tags, err)
		}
		tags, err = root.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("Deploy"), Marker: tags.Marker})
		if err != nil || len(tags.Tags) != 1 || tags.IsTruncated || *tags.Tags[0].Key != "Team" || *tags.Tags[0].Value != "sre" {
			t.Fatalf("ListRoleTags page 2 = %+v, %v", tags, err)
		}
		if _, err := root.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("Deploy"), TagKeys: []string{"TEAM"}}); err != nil {
			t.Fatal(err)
		}
		tags, _ = root.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("Deploy")})
		if len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" {
			t.Errorf("after UntagRole: %+v", tags.Tags)
		}
		_, err = root.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("Deploy"), Tags: []iamtypes.Tag{
			{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}})
		wantAPIError(t, "TagRole(duplicate keys)", err, "InvalidInput", 400, "")

		// Quota.
		if err := e.st.SetQuota(ctx, accountID, "RolesQuota", 2); err != nil {
			t.Fatal(err)
		}
		e.createRole(ctx, root, "second", trustAccountRoot, 0)
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("third"), AssumeRolePolicyDocument: aws.String(trust)})
		wantAPIError(t, "CreateRole(over quota)", err, "LimitExceeded", 409, "Cannot exceed quota for RolesPerAccount: 2")

		list, err := root.ListRoles(ctx, &awsiam.ListRolesInput{MaxItems: aws.Int32(1)})
		if err != nil || len(list.Roles) != 1 || !list.IsTruncated || *list.Roles[0].RoleName != "Deploy" || list.Roles[0].Tags != nil {
			t.Fatalf("ListRoles page 1 = %+v, %v", list, err)
		}
		list, err = root.ListRoles(ctx, &awsiam.ListRolesInput{Marker: list.Marker})
		if err != nil || len(list.Roles) != 1 || list.IsTruncated || *list.Roles[0].RoleName != "second" {
			t.Fatalf("ListRoles page 2 = %+v, %v", list, err)
		}
		list, _ = root.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: aws.String("/ci/")})
		if len(list.Roles) != 1 {
			t.Errorf("ListRoles(/ci/) = %d roles, want 1", len(list.Roles))
		}

		// DeleteRole waits for the role's policies to go. The rows are
		// written directly: policies are another area's operations.
		e.exec(`INSERT INTO policies (arn, id, account_id, name, name_key, path, default_version, created_at, updated_at)
			VALUES ('arn:aws:iam::123456789012:policy/p', 'ANPATESTPOLICY0000001', $1, 'p', 'p', '/', 'v1', 0, 0)`, accountID)
		e.exec(`INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn)
			VALUES ($1, 'role', $2, 'arn:aws:iam::123456789012:policy/p')`, accountID, *r.RoleId)
		_, err = root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("Deploy")})
		wantAPIError(t, "DeleteRole(attached policy)", err, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
		e.exec(`DELETE FROM policy_attachments WHERE entity_id = $1`, *r.RoleId)
		e.exec(`INSERT INTO inline_policies (account_id, entity_kind, entity_id, name, document) VALUES ($1, 'role', $2, 'inline', '{}')`,
			accountID, *r.RoleId)
		_, err = root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("Deploy")})
		wantAPIError(t, "DeleteRole(inline policy)", err, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
		e.exec(`DELETE FROM inline_policies WHERE entity_id = $1`, *r.RoleId)
		if _, err := root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("Deploy")}); err != nil {
			t.Fatal(err)
		}
		_, err = root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Deploy")})
		wantAPIError(t, "GetRole(deleted)", err, "NoSuchEntity", 404, "")
	})
}

func TestAssumeRole(t *testing.T) {
	forEachRoleEngine(t, func(t *testing.T, e *roleEnv) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")
		serial, seed := e.device(ctx, root, "alice", "alice-phone")
		malloryID, mallorySecret := e.user(ctx, root, "mallory")
		e.createRole(ctx, root, "open", trustAccountRoot, 7200)
		e.createRole(ctx, root, "mfa", trustRequireMFA, 0)
		e.createRole(ctx, root, "partner", trustExternalID, 0)
		alice := e.sts(akid, secret, "")
		denied := func(role string) string {
			return "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: " + roleARN(role)
		}
		assume := func(c *awssts.Client, in *awssts.AssumeRoleInput) (*awssts.AssumeRoleOutput, error) {
			if in.RoleSessionName == nil {
				in.RoleSessionName = aws.String("sess")
			}
			return c.AssumeRole(ctx, in)
		}

		_, err := assume(e.sts(rootKeyID, rootSecret, ""), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open"))})
		wantAPIError(t, "AssumeRole as root", err, "AccessDenied", 403, "Roles may not be assumed by root accounts.")
		_, err = assume(e.sts(malloryID, mallorySecret, ""), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open"))})
		wantAPIError(t, "AssumeRole without identity permission", err, "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/mallory is not authorized to perform: sts:AssumeRole on resource: "+roleARN("open"))
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("nosuch"))})
		wantAPIError(t, "AssumeRole(unknown role)", err, "AccessDenied", 403, denied("nosuch"))
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/other/open")})
		wantAPIError(t, "AssumeRole(wrong path)", err, "AccessDenied", 403, "")

		// Plain role: the session is the role's.
		out, err := assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), RoleSessionName: aws.String("deploy-1")})
		if err != nil {
			t.Fatal(err)
		}
		if *out.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/open/deploy-1" ||
			!strings.HasPrefix(*out.AssumedRoleUser.AssumedRoleId, "AROA") || !strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":deploy-1") ||
			!strings.HasPrefix(*out.Credentials.AccessKeyId, "ASIA") || out.PackedPolicySize != nil {
			t.Errorf("AssumeRole = %+v %+v", out.AssumedRoleUser, out.Credentials)
		}
		if d := out.Credentials.Expiration.Sub(e.clock.Now()); d < 3599*time.Second || d > 3601*time.Second {
			t.Errorf("default role session = %v, want 1h", d)
		}
		openCreds := out.Credentials
		who, err := stsWith(e, openCreds).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || *who.Arn != *out.AssumedRoleUser.Arn || *who.UserId != *out.AssumedRoleUser.AssumedRoleId || *who.Account != accountID {
			t.Fatalf("GetCallerIdentity(role session) = %+v, %v", who, err)
		}
		// A role session may call IAM (subject to policy) but not
		// GetSessionToken.
		if _, err := e.iam(*openCreds.AccessKeyId, *openCreds.SecretAccessKey, *openCreds.SessionToken).ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
			t.Errorf("ListRoles from a role session: %v", err)
		}
		_, err = stsWith(e, openCreds).GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
		wantAPIError(t, "GetSessionToken from a role session", err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")

		// Durations.
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), DurationSeconds: aws.Int32(7201)})
		wantAPIError(t, "AssumeRole(over MaxSessionDuration)", err, "ValidationError", 400,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		if _, err := assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), DurationSeconds: aws.Int32(7200)}); err != nil {
			t.Errorf("AssumeRole(7200 s): %v", err)
		}
		_, err = assume(stsWith(e, openCreds), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), DurationSeconds: aws.Int32(3601)})
		wantAPIError(t, "AssumeRole(chained, 3601 s)", err, "ValidationError", 400,
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		chained, err := assume(stsWith(e, openCreds), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), RoleSessionName: aws.String("hop")})
		if err != nil {
			t.Fatalf("AssumeRole(chained): %v", err)
		}
		// The role session has no MFA, so the chain cannot reach the MFA role.
		_, err = assume(stsWith(e, chained.Credentials), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa"))})
		wantAPIError(t, "AssumeRole(mfa role from MFA-less role session)", err, "AccessDenied", 403,
			"User: arn:aws:sts::123456789012:assumed-role/open/hop is not authorized to perform: sts:AssumeRole on resource: "+roleARN("mfa"))

		// Trust requiring MFA: long-term keys without MFA parameters and an
		// MFA-less session are refused.
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa"))})
		wantAPIError(t, "AssumeRole(mfa role, keys without MFA)", err, "AccessDenied", 403, denied("mfa"))
		noMFA, err := alice.GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = assume(stsWith(e, noMFA.Credentials), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa"))})
		wantAPIError(t, "AssumeRole(mfa role, MFA-less session)", err, "AccessDenied", 403, denied("mfa"))
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa")), SerialNumber: aws.String(serial)})
		wantAPIError(t, "AssumeRole(serial only)", err, "AccessDenied", 403,
			"MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")

		// A request refused for another reason spends no code.
		e.clock.Advance(30 * time.Second)
		code := e.code(seed, 0)
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("partner")), SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		wantAPIError(t, "AssumeRole(partner without ExternalId, with code)", err, "AccessDenied", 403, denied("partner"))
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), SerialNumber: aws.String(serial),
			TokenCode: aws.String(code), DurationSeconds: aws.Int32(9000)})
		wantAPIError(t, "AssumeRole(too long, with code)", err, "ValidationError", 400, "")

		// With the code: admitted, and the code is spent.
		withMFA, err := assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa")), RoleSessionName: aws.String("mfa-sess"),
			SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		if err != nil {
			t.Fatalf("AssumeRole(mfa role with code): %v", err)
		}
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa")), SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		wantAPIError(t, "AssumeRole(replayed code)", err, "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/nope"),
			TokenCode: aws.String("123456")})
		wantAPIError(t, "AssumeRole(unknown serial)", err, "AccessDenied", 403,
			"MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.")
		// MFA is carried into the role session and through chaining
		// (reference §8.1, recorded decision).
		if _, err := assume(stsWith(e, withMFA.Credentials), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa"))}); err != nil {
			t.Errorf("AssumeRole(mfa role from MFA role session): %v", err)
		}
		_, err = assume(stsWith(e, withMFA.Credentials), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa")),
			SerialNumber: aws.String(serial), TokenCode: aws.String(e.code(seed, 1))})
		wantAPIError(t, "AssumeRole(code from a role session)", err, "AccessDenied", 403,
			"MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.")

		// From an MFA-backed session no new code is needed.
		e.clock.Advance(30 * time.Second)
		mfaSession, err := alice.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(e.code(seed, 0))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := assume(stsWith(e, mfaSession.Credentials), &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("mfa"))}); err != nil {
			t.Errorf("AssumeRole(mfa role from MFA session): %v", err)
		}

		// ExternalId.
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("partner")), ExternalId: aws.String("guess")})
		wantAPIError(t, "AssumeRole(wrong ExternalId)", err, "AccessDenied", 403, denied("partner"))
		if _, err := assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("partner")), ExternalId: aws.String("Unguessable-42")}); err != nil {
			t.Errorf("AssumeRole(right ExternalId): %v", err)
		}

		// Session policies.
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), Policy: aws.String(`{"Statement":`)})
		wantAPIError(t, "AssumeRole(malformed session policy)", err, "MalformedPolicyDocument", 400, "")
		big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 2100) + `","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), Policy: aws.String(big)})
		wantAPIError(t, "AssumeRole(large session policy)", err, "PackedPolicyTooLarge", 400, "")
		sp := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`
		sessionTags := []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("x")}}
		// Session tags need sts:TagSession in the trust policy too.
		_, err = assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("open")), Tags: sessionTags})
		wantAPIError(t, "AssumeRole(tags, no sts:TagSession)", err, "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:TagSession on resource: "+roleARN("open"))
		e.createRole(ctx, root, "tagged", strings.Replace(trustAccountRoot, `"sts:AssumeRole"`, `["sts:AssumeRole","sts:TagSession"]`, 1), 0)
		scoped, err := assume(alice, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN("tagged")), Policy: aws.String(sp),
			PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}},
			Tags:       sessionTags})
		if err != nil {
			t.Fatalf("AssumeRole(session policy): %v", err)
		}
		if scoped.PackedPolicySize == nil || *scoped.PackedPolicySize <= 0 || *scoped.PackedPolicySize > 100 {
			t.Errorf("PackedPolicySize = %v", scoped.PackedPolicySize)
		}
		if _, err := stsWith(e, scoped.Credentials).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
			t.Errorf("GetCallerIdentity(session with policies): %v", err)
		}

		// Deleting the role ends its sessions.
		if _, err := root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("open")}); err != nil {
			t.Fatal(err)
		}
		_, err = stsWith(e, openCreds).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		wantAPIError(t, "GetCallerIdentity(deleted role)", err, "InvalidClientTokenId", 403, "")
		// A new role of the same name does not revive them.
		e.createRole(ctx, root, "open", trustAccountRoot, 0)
		_, err = stsWith(e, openCreds).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		wantAPIError(t, "GetCallerIdentity(role recreated)", err, "InvalidClientTokenId", 403, "")
	})
}
