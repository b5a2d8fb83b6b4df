package gateway_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/png"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/storetest"
)

// forEachEngineWithServer is forEachEngine with the server itself at
// hand, to flush what it holds in memory.
func forEachEngineWithServer(t *testing.T, f func(t *testing.T, e *env, srv *gateway.Server)) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			st := eng.Open(t)
			clk := clock.NewFake(time.Now())
			svc := iam.New(st, iam.Options{Clock: clk})
			if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: "root@example.com",
				RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
				t.Fatal(err)
			}
			srv := newGateway(t, st, svc, nil)
			t.Cleanup(func() { srv.Close() })
			hs := httptest.NewServer(srv)
			t.Cleanup(hs.Close)
			f(t, &env{t: t, url: hs.URL, clock: clk, st: st, svc: svc}, srv)
		})
	}
}

func tagsOf(m map[string]string) []types.Tag {
	var out []types.Tag
	for k, v := range m {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestPasswordPolicyOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		_, err := root.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
		wantAPIError(t, "GetAccountPasswordPolicy(none)", err, "NoSuchEntity", 404, "The Password Policy with domain name 123456789012 cannot be found.")
		_, err = root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
		wantAPIError(t, "UpdateAccountPasswordPolicy(length 5)", err, "ValidationError", 400, "")

		if _, err := root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{
			MinimumPasswordLength: aws.Int32(12), RequireSymbols: true, PasswordReusePrevention: aws.Int32(2),
			AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(60)}); err != nil {
			t.Fatal(err)
		}
		got, err := root.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
		if err != nil {
			t.Fatal(err)
		}
		pp := got.PasswordPolicy
		if aws.ToInt32(pp.MinimumPasswordLength) != 12 || !pp.RequireSymbols || pp.RequireNumbers || pp.RequireUppercaseCharacters ||
			pp.RequireLowercaseCharacters || !pp.AllowUsersToChangePassword || !pp.ExpirePasswords || aws.ToInt32(pp.MaxPasswordAge) != 60 ||
			aws.ToInt32(pp.PasswordReusePrevention) != 2 || pp.HardExpiry == nil || *pp.HardExpiry {
			t.Errorf("GetAccountPasswordPolicy = %+v", pp)
		}

		akid, secret := e.user(ctx, root, "alice")
		_, err = root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Short-1")})
		wantAPIError(t, "CreateLoginProfile(short)", err, "PasswordPolicyViolation", 400, "Password should have a minimum length of 12")
		_, err = root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("NoSymbolsHere1")})
		wantAPIError(t, "CreateLoginProfile(no symbol)", err, "PasswordPolicyViolation", 400, "Password should have at least one symbol")
		if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"),
			Password: aws.String("first-password")}); err != nil {
			t.Fatal(err)
		}
		_, err = root.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("first-password")})
		wantAPIError(t, "UpdateLoginProfile(current password)", err, "PasswordPolicyViolation", 400, "Password should not be one of your last 2 passwords")
		_, err = root.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("too-short")})
		wantAPIError(t, "UpdateLoginProfile(short)", err, "PasswordPolicyViolation", 400, "Password should have a minimum length of 12")
		if _, err := root.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: aws.String("alice"),
			Password: aws.String("second-password")}); err != nil {
			t.Fatal(err)
		}

		// alice has no identity policy: AllowUsersToChangePassword alone lets her.
		alice := e.iam(akid, secret, "")
		if _, err := alice.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{}); err != nil {
			t.Errorf("GetAccountPasswordPolicy as alice: %v", err)
		}
		_, err = alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("second-password"), NewPassword: aws.String("first-password")})
		wantAPIError(t, "ChangePassword(one of the last 2)", err, "PasswordPolicyViolation", 400, "Password should not be one of your last 2 passwords")
		if _, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("second-password"),
			NewPassword: aws.String("third-password")}); err != nil {
			t.Errorf("ChangePassword as alice: %v", err)
		}
		_, err = alice.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers as alice", err, "AccessDenied", 403, "")

		if _, err := root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{}); err != nil {
			t.Fatal(err)
		}
		_, err = alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("third-password"), NewPassword: aws.String("fourth-password")})
		wantAPIError(t, "ChangePassword without AllowUsersToChangePassword", err, "AccessDenied", 403, "")
		_, err = alice.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
		wantAPIError(t, "GetAccountPasswordPolicy without AllowUsersToChangePassword", err, "AccessDenied", 403, "")
		got, err = root.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
		if err != nil || aws.ToInt32(got.PasswordPolicy.MinimumPasswordLength) != 6 || got.PasswordPolicy.MaxPasswordAge != nil ||
			got.PasswordPolicy.ExpirePasswords {
			t.Errorf("policy after an empty update = %+v, %v; want the defaults", got, err)
		}
		if _, err := root.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{}); err != nil {
			t.Fatal(err)
		}
		_, err = root.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
		wantAPIError(t, "DeleteAccountPasswordPolicy(none)", err, "NoSuchEntity", 404, "")
	})
}

func TestTagsOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		created, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice"),
			Tags: tagsOf(map[string]string{"team": "ops", "cost": "42"})})
		if err != nil {
			t.Fatal(err)
		}
		if m := tagMap(created.User.Tags); !cmp.Equal(m, map[string]string{"team": "ops", "cost": "42"}) {
			t.Errorf("CreateUser Tags = %v", m)
		}
		got, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		if k := got.User.Tags; len(k) != 2 || *k[0].Key != "cost" || *k[1].Key != "team" {
			t.Errorf("GetUser Tags = %v, want cost and team by key", tagMap(k))
		}
		if _, err := root.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: tagsOf(map[string]string{"TEAM": "sec"})}); err != nil {
			t.Fatal(err)
		}
		lt, err := root.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("alice")})
		if err != nil || !cmp.Equal(tagMap(lt.Tags), map[string]string{"TEAM": "sec", "cost": "42"}) || lt.IsTruncated {
			t.Errorf("ListUserTags = %+v, %v", lt, err)
		}
		if _, err := root.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"team"}}); err != nil {
			t.Fatal(err)
		}
		lt, err = root.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("alice")})
		if err != nil || !cmp.Equal(tagMap(lt.Tags), map[string]string{"cost": "42"}) {
			t.Errorf("ListUserTags after untag = %+v, %v", lt, err)
		}
		_, err = root.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: tagsOf(map[string]string{"aws:team": "x"})})
		wantAPIError(t, "TagUser(aws:)", err, "InvalidInput", 400, "")
		_, err = root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob"), Tags: tagsOf(map[string]string{"aws:x": "1"})})
		wantAPIError(t, "CreateUser(aws: tag)", err, "InvalidInput", 400, "")

		fifty := map[string]string{}
		for i := range 50 {
			fifty[fmt.Sprintf("k%02d", i)] = "v"
		}
		tooMany := tagsOf(fifty)
		tooMany = append(tooMany, types.Tag{Key: aws.String("one-more"), Value: aws.String("")})
		_, err = root.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: tooMany})
		wantAPIError(t, "TagUser(51 in one request)", err, "ValidationError", 400, "")
		_, err = root.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: tooMany[:50]})
		wantAPIError(t, "TagUser(51 in all)", err, "LimitExceeded", 409, "Cannot exceed quota for TagsPerUser: 50")

		// MFA devices: tags at creation, case-sensitive keys.
		dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone"),
			Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("prod")}, {Key: aws.String("env"), Value: aws.String("dev")}}})
		if err != nil {
			t.Fatal(err)
		}
		if m := tagMap(dev.VirtualMFADevice.Tags); !cmp.Equal(m, map[string]string{"Env": "prod", "env": "dev"}) {
			t.Errorf("CreateVirtualMFADevice Tags = %v", m)
		}
		serial := dev.VirtualMFADevice.SerialNumber
		if _, err := root.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: serial, Tags: tagsOf(map[string]string{"owner": "alice"})}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: serial, TagKeys: []string{"ENV", "env"}}); err != nil {
			t.Fatal(err)
		}
		mt, err := root.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: serial})
		if err != nil || !cmp.Equal(tagMap(mt.Tags), map[string]string{"Env": "prod", "owner": "alice"}) {
			t.Errorf("ListMFADeviceTags = %+v, %v", mt, err)
		}
		page, err := root.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: serial, MaxItems: aws.Int32(1)})
		if err != nil || len(page.Tags) != 1 || *page.Tags[0].Key != "Env" || !page.IsTruncated {
			t.Fatalf("ListMFADeviceTags(MaxItems 1) = %+v, %v", page, err)
		}
		page, err = root.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: serial, MaxItems: aws.Int32(1), Marker: page.Marker})
		if err != nil || len(page.Tags) != 1 || *page.Tags[0].Key != "owner" || page.IsTruncated {
			t.Errorf("ListMFADeviceTags(page 2) = %+v, %v", page, err)
		}
		_, err = root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("tablet"),
			Tags: tagsOf(map[string]string{"aws:x": "1"})})
		wantAPIError(t, "CreateVirtualMFADevice(aws: tag)", err, "InvalidInput", 400, "")
		_, err = root.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/tablet")})
		wantAPIError(t, "ListMFADeviceTags(refused device)", err, "NoSuchEntity", 404, "")
	})
}

func TestAccountAliasOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		if _, err := root.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
			t.Fatal(err)
		}
		l, err := root.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{})
		if err != nil || !cmp.Equal(l.AccountAliases, []string{"example-corp"}) || l.IsTruncated {
			t.Errorf("ListAccountAliases = %+v, %v", l, err)
		}
		_, err = root.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("Not_Valid")})
		wantAPIError(t, "CreateAccountAlias(bad pattern)", err, "ValidationError", 400, "")

		// New devices' QR labels carry the alias instead of the account id.
		dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(dev.VirtualMFADevice.QRCodePNG))
		if err != nil {
			t.Fatal(err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("QR code does not decode: %v", err)
		}
		want := "otpauth://totp/Amazon%20Web%20Services:phone@example-corp?secret=" + string(dev.VirtualMFADevice.Base32StringSeed) +
			"&issuer=Amazon%20Web%20Services"
		if res.GetText() != want {
			t.Errorf("QR code = %s, want %s", res.GetText(), want)
		}

		_, err = root.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("other-alias")})
		wantAPIError(t, "DeleteAccountAlias(not ours)", err, "NoSuchEntity", 404, "")
		if _, err := root.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
			t.Fatal(err)
		}
		l, err = root.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{})
		if err != nil || len(l.AccountAliases) != 0 {
			t.Errorf("ListAccountAliases after delete = %+v, %v", l, err)
		}
	})
}

func TestAccessKeyLastUsedOverHTTP(t *testing.T) {
	forEachEngineWithServer(t, func(t *testing.T, e *env, srv *gateway.Server) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")
		lu, err := root.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(akid)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(lu.UserName) != "alice" || lu.AccessKeyLastUsed.LastUsedDate != nil ||
			aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "N/A" || aws.ToString(lu.AccessKeyLastUsed.Region) != "N/A" {
			t.Errorf("GetAccessKeyLastUsed(never used) = %+v", lu.AccessKeyLastUsed)
		}
		cfg := e.config(akid, secret, "")
		cfg.Region = "eu-central-1"
		if _, err := awssts.NewFromConfig(cfg).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
		if err := srv.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
		lu, err = root.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(akid)})
		if err != nil {
			t.Fatal(err)
		}
		l := lu.AccessKeyLastUsed
		if aws.ToString(l.ServiceName) != "sts" || aws.ToString(l.Region) != "eu-central-1" || l.LastUsedDate == nil ||
			l.LastUsedDate.Sub(e.clock.Now()).Abs() > time.Second {
			t.Errorf("GetAccessKeyLastUsed after a call = service %s, region %s, date %v", aws.ToString(l.ServiceName),
				aws.ToString(l.Region), l.LastUsedDate)
		}
		_, err = root.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIANOSUCHKEY0000000")})
		wantAPIError(t, "GetAccessKeyLastUsed(unknown)", err, "NoSuchEntity", 404, "")
	})
}

func TestCredentialReportOverHTTP(t *testing.T) {
	forEachEngineWithServer(t, func(t *testing.T, e *env, srv *gateway.Server) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		_, err := root.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
		wantAPIError(t, "GetCredentialReport(none)", err, "ReportNotPresent", 410, "")

		akid, secret := e.user(ctx, root, "alice")
		e.device(ctx, root, "alice", "alice-phone")
		e.user(ctx, root, "bob")
		if _, err := e.iam(akid, secret, "").GetUser(ctx, &awsiam.GetUserInput{}); err == nil {
			t.Fatal("GetUser as alice without a policy succeeded")
		}
		if err := srv.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
		gen, err := root.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{})
		if err != nil || gen.State != types.ReportStateTypeComplete {
			t.Fatalf("GenerateCredentialReport = %+v, %v", gen, err)
		}
		r, err := root.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		if r.ReportFormat != types.ReportFormatTypeTextCsv || r.GeneratedTime == nil {
			t.Errorf("GetCredentialReport = format %q, time %v", r.ReportFormat, r.GeneratedTime)
		}
		recs, err := csv.NewReader(bytes.NewReader(r.Content)).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("report = %q, %v; want a header and 3 rows", r.Content, err)
		}
		if strings.Join(recs[0], ",") != strings.Join(iam.CredentialReportColumns, ",") {
			t.Errorf("header = %v", recs[0])
		}
		col := map[string]int{}
		for i, c := range recs[0] {
			col[c] = i
		}
		rows := map[string][]string{}
		for _, r := range recs[1:] {
			rows[r[0]] = r
		}
		if recs[1][0] != "<root_account>" || recs[1][col["arn"]] != "arn:aws:iam::123456789012:root" ||
			recs[1][col["password_enabled"]] != "not_supported" || recs[1][col["mfa_active"]] != "false" ||
			recs[1][col["access_key_1_active"]] != "true" {
			t.Errorf("root row = %v", recs[1])
		}
		// The authenticated calls so far (by root over IAM) show as used.
		if recs[1][col["access_key_1_last_used_service"]] != "iam" || recs[1][col["access_key_1_last_used_region"]] != "us-east-1" {
			t.Errorf("root's key last use = %v", recs[1])
		}
		for user, want := range map[string]string{"alice": "true", "bob": "false"} {
			if got := rows[user][col["mfa_active"]]; got != want {
				t.Errorf("%s mfa_active = %s, want %s", user, got, want)
			}
		}
		if rows["alice"][col["access_key_1_last_used_service"]] != "iam" {
			t.Errorf("alice's key last use = %v, want iam (her refused GetUser still used the key)", rows["alice"])
		}
		if gen, err := root.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}); err != nil || gen.State != types.ReportStateTypeComplete {
			t.Errorf("GenerateCredentialReport again = %+v, %v", gen, err)
		}
	})
}

func TestUpdateUserOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")
		serial, _ := e.device(ctx, root, "alice", "alice-phone")
		e.user(ctx, root, "bob")
		_, err := root.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("BOB")})
		wantAPIError(t, "UpdateUser(to BOB)", err, "EntityAlreadyExists", 409, "User with name BOB already exists.")
		if _, err := root.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("alicia"),
			NewPath: aws.String("/staff/")}); err != nil {
			t.Fatal(err)
		}
		who, err := e.sts(akid, secret, "").GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/staff/alicia" {
			t.Errorf("GetCallerIdentity with alice's key after rename = %+v, %v", who, err)
		}
		ds, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("alicia")})
		if err != nil || len(ds.MFADevices) != 1 || aws.ToString(ds.MFADevices[0].SerialNumber) != serial ||
			aws.ToString(ds.MFADevices[0].UserName) != "alicia" {
			t.Errorf("ListMFADevices(alicia) = %+v, %v", ds, err)
		}
		_, err = root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
		wantAPIError(t, "GetUser(old name)", err, "NoSuchEntity", 404, "")
	})
}
