package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/iam"
)

// TestAccountIsolation gives two accounts users, devices and tokens with
// the same names, and checks that requests signed with one account's keys
// never see or touch the other's.
func TestAccountIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const otherID, otherKey, otherSecret = "210987654321", "AKIAOTHERACCOUNTKEY1", "otherotherotherotherotherotherotherother"
		if _, err := e.svc.CreateAccount(ctx, iam.NewAccount{ID: otherID, Email: "other@example.com",
			RootAccessKeyID: otherKey, RootSecretAccessKey: otherSecret}); err != nil {
			t.Fatal(err)
		}
		rootA := e.iam(rootKeyID, rootSecret, "")
		rootB := e.iam(otherKey, otherSecret, "")
		akidA, secretA := e.user(ctx, rootA, "alice")
		serialA, seedA := e.device(ctx, rootA, "alice", "phone")
		if err := e.svc.ImportHardwareTokens(ctx, accountID, []iam.HardwareToken{
			{Serial: "GAHT00000042", Secret: []byte("12345678901234567890"), OTPType: iam.OTPTypeTOTP, Digits: 6}}); err != nil {
			t.Fatal(err)
		}

		// B sees none of A's identities or devices.
		_, err := rootB.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
		wantAPIError(t, "B gets A's user", err, "NoSuchEntity", 404, "")
		users, err := rootB.ListUsers(ctx, &awsiam.ListUsersInput{})
		if err != nil || len(users.Users) != 0 {
			t.Fatalf("B lists users = %+v, %v; want none", users, err)
		}
		devs, err := rootB.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{})
		if err != nil || len(devs.VirtualMFADevices) != 0 {
			t.Fatalf("B lists virtual devices = %+v, %v; want none", devs, err)
		}
		// B's user cannot enable A's virtual device or A's hardware token.
		e.user(ctx, rootB, "alice")
		_, err = rootB.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serialA),
			AuthenticationCode1: aws.String(e.code(seedA, 1)), AuthenticationCode2: aws.String(e.code(seedA, 2))})
		wantAPIError(t, "B enables A's virtual device", err, "NoSuchEntity", 404, "")
		_, err = rootB.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String("GAHT00000042"),
			AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("123456")})
		wantAPIError(t, "B enables A's hardware token", err, "NoSuchEntity", 404, "")
		_, err = rootB.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serialA)})
		wantAPIError(t, "B deletes A's device", err, "NoSuchEntity", 404, "")
		_, err = rootB.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(akidA)})
		wantAPIError(t, "B deletes A's key", err, "NoSuchEntity", 404, "")
		// A's code is not consumed by anything B did.
		e.clock.Advance(30 * time.Second)
		if _, err := e.sts(akidA, secretA, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serialA),
			TokenCode: aws.String(e.code(seedA, 0))}); err != nil {
			t.Fatalf("A signs in after B's attempts: %v", err)
		}
		// A's key answers as A.
		who, err := e.sts(akidA, secretA, "").GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || *who.Account != accountID {
			t.Fatalf("A's identity = %+v, %v", who, err)
		}
		sumB, err := rootB.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
		if err != nil || sumB.SummaryMap["Users"] != 1 || sumB.SummaryMap["MFADevices"] != 0 {
			t.Fatalf("B's summary = %v, %v; want 1 user, 0 devices", sumB.SummaryMap, err)
		}
	})
}
