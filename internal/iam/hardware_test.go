package iam_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
)

// rfcSecret is the RFC 4226 / RFC 6238 test secret.
var rfcSecret = []byte("12345678901234567890")

func TestHardwareTokensAcrossUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		bob := fx.user(t, "bob")
		if err := fx.svc.ImportHardwareTokens(ctx, "123456789012", []iam.HardwareToken{
			{Serial: "GAHT00000001", Secret: rfcSecret, OTPType: iam.OTPTypeTOTP, Digits: 6},
			{Serial: "GAHT00000002", Secret: rfcSecret, OTPType: iam.OTPTypeHOTP, Digits: 6},
		}); err != nil {
			t.Fatal(err)
		}
		// A file with a serial that exists imports nothing.
		err := fx.svc.ImportHardwareTokens(ctx, "123456789012", []iam.HardwareToken{
			{Serial: "GAHT00000003", Secret: rfcSecret, OTPType: iam.OTPTypeTOTP, Digits: 6},
			{Serial: "GAHT00000001", Secret: rfcSecret, OTPType: iam.OTPTypeTOTP, Digits: 6},
		})
		var dup *iam.DuplicateSerialError
		if !errors.As(err, &dup) || dup.Serial != "GAHT00000001" {
			t.Fatalf("import with a duplicate serial = %v, want DuplicateSerialError", err)
		}
		if tokens, _ := fx.svc.ListHardwareTokens(ctx, "123456789012"); len(tokens) != 2 {
			t.Fatalf("inventory after a failed import has %d tokens, want 2", len(tokens))
		}

		// An unknown serial cannot be enabled.
		err = fx.svc.EnableMFADevice(ctx, fx.root, "alice", "GAHT99999999", "123456", "654321")
		wantCode(t, "enable an unknown serial", err, awserr.NoSuchEntity)

		// TOTP token: enable for alice, sign in, deactivate, re-enable for bob.
		fx.enable(t, "alice", "GAHT00000001", rfcSecret)
		fx.clock.Advance(time.Minute)
		err = fx.svc.EnableMFADevice(ctx, fx.root, "bob", "GAHT00000001", fx.codeAt(rfcSecret, -1), fx.codeAt(rfcSecret, 0))
		wantCode(t, "enable a token in use", err, awserr.EntityAlreadyExists)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000001", fx.codeAt(rfcSecret, 0)); err != nil {
			t.Fatalf("alice signs in with the token: %v", err)
		}
		if err := fx.svc.DeactivateMFADevice(ctx, fx.root, "alice", "GAHT00000001"); err != nil {
			t.Fatal(err)
		}
		fx.clock.Advance(time.Minute)
		fx.enable(t, "bob", "GAHT00000001", rfcSecret)
		tokens, _ := fx.svc.ListHardwareTokens(ctx, "123456789012")
		if tokens[0].User == nil || tokens[0].User.Name != "bob" || tokens[0].Device.Secret != nil {
			t.Errorf("ListHardwareTokens()[0] = %+v, want assigned to bob, no secret", tokens[0])
		}
		if err := fx.svc.RemoveHardwareToken(ctx, "123456789012", "GAHT00000001"); err == nil {
			t.Error("removing an assigned token succeeded")
		}
		// Hardware tokens are not virtual devices.
		wantCode(t, "DeleteVirtualMFADevice(hardware)", fx.svc.DeleteVirtualMFADevice(ctx, fx.root, "GAHT00000002"), awserr.NoSuchEntity)

		// HOTP token (RFC 4226 Appendix D): counters 0 and 1 enable it;
		// sign-in accepts counters ahead within 10, each once.
		hotp := func(c uint64) string { return otp.HOTP(rfcSecret, c, otp.Params{}) }
		if err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", "GAHT00000002", hotp(0), hotp(1)); err != nil {
			t.Fatalf("enable HOTP with counters 0 and 1 (%s %s): %v", hotp(0), hotp(1), err)
		}
		if hotp(0) != "755224" || hotp(1) != "287082" {
			t.Fatalf("HOTP vectors: %s %s", hotp(0), hotp(1))
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000002", hotp(1)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("HOTP counter 1 again = %v, want refused", err)
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000002", hotp(5)); err != nil {
			t.Fatalf("HOTP counter 5 (look-ahead) = %v", err)
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000002", hotp(3)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("HOTP counter 3 after 5 = %v, want refused", err)
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000002", hotp(17)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("HOTP counter 17 (beyond the look-ahead of 10) = %v, want refused", err)
		}
		// Resync for a token pressed many times: two consecutive counters
		// within 100.
		if err := fx.svc.ResyncMFADevice(ctx, fx.root, "alice", "GAHT00000002", hotp(60), hotp(61)); err != nil {
			t.Fatalf("resync HOTP at 60/61: %v", err)
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), "GAHT00000002", hotp(62)); err != nil {
			t.Fatalf("HOTP counter 62 after resync = %v", err)
		}
		_ = bob
	})
}

func TestRootMFA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		d, err := fx.svc.CreateRootMFADevice(ctx, "123456789012")
		if err != nil {
			t.Fatal(err)
		}
		seed, err := otp.DecodeSecret(d.Base32StringSeed)
		if err != nil || len(d.Base32StringSeed) != 64 {
			t.Fatalf("root seed %q: %v", d.Base32StringSeed, err)
		}
		sum, _ := fx.svc.GetAccountSummary(ctx, fx.root)
		if sum["AccountMFAEnabled"] != 1 {
			t.Errorf("AccountMFAEnabled = %d, want 1", sum["AccountMFAEnabled"])
		}
		// The code of the current step is usable: none was used.
		if _, err := fx.svc.VerifySignInCode(ctx, fx.root.User, d.Serial, fx.codeAt(seed, 0)); err != nil {
			t.Fatalf("root signs in with the new device: %v", err)
		}
		if _, err := fx.svc.CreateRootMFADevice(ctx, "123456789012"); err == nil {
			t.Error("a second root device under the default limit of 1 was created")
		}
		if err := fx.svc.DeactivateRootMFADevice(ctx, "123456789012", d.Serial); err != nil {
			t.Fatal(err)
		}
		sum, _ = fx.svc.GetAccountSummary(ctx, fx.root)
		if sum["AccountMFAEnabled"] != 0 || sum["MFADevices"] != 0 {
			t.Errorf("after deactivation: AccountMFAEnabled=%d MFADevices=%d, want 0 and 0", sum["AccountMFAEnabled"], sum["MFADevices"])
		}
		if err := fx.svc.DeactivateRootMFADevice(ctx, "123456789012", d.Serial); err == nil {
			t.Error("deactivating a removed device succeeded")
		}
	})
}
