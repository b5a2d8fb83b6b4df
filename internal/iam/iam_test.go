package iam_test

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// start is a fixed test time in the middle of a 30 s step.
var start = time.Date(2026, 3, 1, 12, 0, 15, 0, time.UTC)

type fixture struct {
	svc   *iam.Service
	st    *store.Store
	clock *clock.Fake
	root  *authz.Principal
}

func newFixture(t *testing.T, e storetest.Engine) *fixture {
	t.Helper()
	st := e.Open(t)
	clk := clock.NewFake(start)
	svc := iam.New(st, iam.Options{Clock: clk})
	ctx := context.Background()
	created, err := svc.CreateAccount(ctx, iam.NewAccount{ID: "123456789012", Email: "root@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	rootUser, err := st.UserByID(ctx, "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, clock: clk,
		root: &authz.Principal{AccountID: created.Account.ID, User: rootUser.Identity(), AccessKeyID: created.RootAccessKeyID}}
}

// forEachEngine runs f once per storage engine.
func forEachEngine(t *testing.T, f func(t *testing.T, fx *fixture)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, newFixture(t, e)) })
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := awserr.Code(err); got != code {
		t.Fatalf("%s: error = %v, want code %q", what, err, code)
	}
}

// device creates a virtual device and returns its serial and seed.
func (fx *fixture) device(t *testing.T, name string) (string, []byte) {
	t.Helper()
	d, err := fx.svc.CreateVirtualMFADevice(context.Background(), fx.root, "/", name)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := otp.DecodeSecret(d.Base32StringSeed)
	if err != nil {
		t.Fatal(err)
	}
	return d.Serial, seed
}

func (fx *fixture) user(t *testing.T, name string) *iam.User {
	t.Helper()
	u, err := fx.svc.CreateUser(context.Background(), fx.root, "/", name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// codeAt is the device's code at a step offset from the fake clock's step.
func (fx *fixture) codeAt(seed []byte, offset int64) string {
	return otp.CodeAt(seed, otp.Step(fx.clock.Now(), otp.Params{})+offset, otp.Params{})
}

// enable enables a device for a user with the codes of steps now-1 and now.
func (fx *fixture) enable(t *testing.T, user, serial string, seed []byte) {
	t.Helper()
	if err := fx.svc.EnableMFADevice(context.Background(), fx.root, user, serial, fx.codeAt(seed, -1), fx.codeAt(seed, 0)); err != nil {
		t.Fatalf("EnableMFADevice: %v", err)
	}
}

func TestUsersAndQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "Alice")
		_, err := fx.svc.CreateUser(ctx, fx.root, "/", "alice")
		wantCode(t, "CreateUser(alice) after Alice", err, awserr.EntityAlreadyExists)
		u, err := fx.svc.GetUser(ctx, fx.root, "ALICE")
		if err != nil || u.Name != "Alice" {
			t.Fatalf("GetUser(ALICE) = %v, %v; want Alice", u, err)
		}
		if err := fx.st.SetQuota(ctx, "123456789012", iam.QuotaUsers, 2); err != nil {
			t.Fatal(err)
		}
		fx.user(t, "bob")
		_, err = fx.svc.CreateUser(ctx, fx.root, "/", "carol")
		wantCode(t, "CreateUser over quota", err, awserr.LimitExceeded)

		users, next, err := fx.svc.ListUsers(ctx, fx.root, "", "", 1)
		if err != nil || len(users) != 1 || users[0].Name != "Alice" || next == "" {
			t.Fatalf("ListUsers page 1 = %v, %q, %v", users, next, err)
		}
		users, next, err = fx.svc.ListUsers(ctx, fx.root, "", next, 1)
		if err != nil || len(users) != 1 || users[0].Name != "bob" || next != "" {
			t.Fatalf("ListUsers page 2 = %v, %q, %v", users, next, err)
		}
		_, _, err = fx.svc.ListUsers(ctx, fx.root, "", "!!not a marker", 1)
		wantCode(t, "ListUsers(bad marker)", err, awserr.InvalidInput)

		wantCode(t, "DeleteUser(nobody)", fx.svc.DeleteUser(ctx, fx.root, "nobody"), awserr.NoSuchEntity)
		if err := fx.svc.DeleteUser(ctx, fx.root, "bob"); err != nil {
			t.Fatal(err)
		}
		sum, err := fx.svc.GetAccountSummary(ctx, fx.root)
		if err != nil {
			t.Fatal(err)
		}
		if sum["Users"] != 1 || sum["UsersQuota"] != 2 || sum["MFADevicesPerUserQuota"] != 1 || sum["AccountAccessKeysPresent"] != 1 {
			t.Errorf("GetAccountSummary = %v", sum)
		}
	})
}

func TestAccessKeysAndDeleteConflict(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		k1, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(k1.ID) != 20 || k1.ID[:4] != "AKIA" || len(k1.Secret) != 40 {
			t.Errorf("CreateAccessKey = %q/%d chars, want AKIA… of 20 and a 40-char secret", k1.ID, len(k1.Secret))
		}
		if _, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice"); err != nil {
			t.Fatal(err)
		}
		_, _, err = fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		wantCode(t, "third access key", err, awserr.LimitExceeded)
		keys, _, err := fx.svc.ListAccessKeys(ctx, fx.root, "alice")
		if err != nil || len(keys) != 2 {
			t.Fatalf("ListAccessKeys = %d keys, %v; want 2", len(keys), err)
		}
		for _, k := range keys {
			if k.Secret != "" {
				t.Errorf("ListAccessKeys returned a secret")
			}
		}
		if err := fx.svc.UpdateAccessKey(ctx, fx.root, "alice", k1.ID, iam.KeyInactive); err != nil {
			t.Fatal(err)
		}
		got, _, err := fx.st.AccessKey(ctx, k1.ID)
		if err != nil || got.Status != iam.KeyInactive || got.Secret != k1.Secret {
			t.Fatalf("AccessKey after update = %+v, %v", got, err)
		}
		wantCode(t, "DeleteUser with keys", fx.svc.DeleteUser(ctx, fx.root, "alice"), awserr.DeleteConflict)
		for _, k := range keys {
			if err := fx.svc.DeleteAccessKey(ctx, fx.root, "alice", k.ID); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, "DeleteAccessKey twice", fx.svc.DeleteAccessKey(ctx, fx.root, "alice", k1.ID), awserr.NoSuchEntity)

		if _, _, err := fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "short", false); awserr.Code(err) != awserr.PasswordPolicyViolation {
			t.Fatalf("CreateLoginProfile(short) = %v, want PasswordPolicyViolation", err)
		}
		if _, _, err := fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "Correct-Horse-1", true); err != nil {
			t.Fatal(err)
		}
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "Correct-Horse-1", true)
		wantCode(t, "second login profile", err, awserr.EntityAlreadyExists)
		wantCode(t, "DeleteUser with password", fx.svc.DeleteUser(ctx, fx.root, "alice"), awserr.DeleteConflict)
		if err := fx.svc.DeleteLoginProfile(ctx, fx.root, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.DeleteUser(ctx, fx.root, "alice"); err != nil {
			t.Fatalf("DeleteUser after clean-up: %v", err)
		}
	})
}

func TestEnableMFADeviceCodes(t *testing.T) {
	type codes func(fx *fixture, seed []byte) (string, string)
	at := func(a, b int64) codes {
		return func(fx *fixture, seed []byte) (string, string) { return fx.codeAt(seed, a), fx.codeAt(seed, b) }
	}
	tests := []struct {
		name  string
		codes codes
		ok    bool
	}{
		{"now-1 and now", at(-1, 0), true},
		{"late by 9 minutes", at(-19, -18), true},
		{"device ahead 9 minutes", at(18, 19), true},
		{"outside the 10 minute window", at(-22, -21), false},
		{"same code twice", at(0, 0), false},
		{"swapped", at(0, -1), false},
		{"not consecutive", at(-2, 0), false},
		{"wrong codes", func(*fixture, []byte) (string, string) { return "123456", "654321" }, false},
	}
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				serial, seed := fx.device(t, "dev"+string(rune('a'+i)))
				c1, c2 := tt.codes(fx, seed)
				err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, c1, c2)
				if tt.ok {
					if err != nil {
						t.Fatalf("EnableMFADevice(%s, %s) = %v, want success", c1, c2, err)
					}
					if err := fx.svc.DeactivateMFADevice(ctx, fx.root, "alice", serial); err != nil {
						t.Fatal(err)
					}
					// The codes are used: enabling again with them fails.
					err = fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, c1, c2)
					wantCode(t, "EnableMFADevice with used codes", err, awserr.InvalidAuthenticationCode)
					return
				}
				wantCode(t, "EnableMFADevice", err, awserr.InvalidAuthenticationCode)
			})
		}
	})
}

func TestDeviceAssignmentAndQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		fx.user(t, "bob")
		serial, seed := fx.device(t, "shared")
		fx.enable(t, "alice", serial, seed)

		fx.clock.Advance(time.Minute)
		err := fx.svc.EnableMFADevice(ctx, fx.root, "bob", serial, fx.codeAt(seed, -1), fx.codeAt(seed, 0))
		wantCode(t, "enable a device assigned to another user", err, awserr.EntityAlreadyExists)
		wantCode(t, "delete an assigned device", fx.svc.DeleteVirtualMFADevice(ctx, fx.root, serial), awserr.DeleteConflict)
		wantCode(t, "DeleteUser with a device", fx.svc.DeleteUser(ctx, fx.root, "alice"), awserr.DeleteConflict)

		// One device per user by default.
		second, seed2 := fx.device(t, "second")
		err = fx.svc.EnableMFADevice(ctx, fx.root, "alice", second, fx.codeAt(seed2, -1), fx.codeAt(seed2, 0))
		wantCode(t, "second device over the default quota", err, awserr.LimitExceeded)
		if err := fx.st.SetQuota(ctx, "123456789012", iam.QuotaMFADevicesPerUser, 2); err != nil {
			t.Fatal(err)
		}
		fx.enable(t, "alice", second, seed2)

		// Deactivate: the device is free for bob, and keeps its name.
		if err := fx.svc.DeactivateMFADevice(ctx, fx.root, "alice", serial); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deactivate twice", fx.svc.DeactivateMFADevice(ctx, fx.root, "alice", serial), awserr.NoSuchEntity)
		unassigned, _, err := fx.svc.ListVirtualMFADevices(ctx, fx.root, iam.AssignmentUnassigned, "", 0)
		if err != nil || len(unassigned) != 1 || unassigned[0].Device.Serial != serial || unassigned[0].User != nil {
			t.Fatalf("ListVirtualMFADevices(Unassigned) = %+v, %v", unassigned, err)
		}
		fx.clock.Advance(time.Minute)
		fx.enable(t, "bob", serial, seed)
		ds, u, _, err := fx.svc.ListMFADevices(ctx, fx.root, "bob", "", 0)
		if err != nil || len(ds) != 1 || ds[0].Serial != serial || u.Name != "bob" || ds[0].Secret != nil {
			t.Fatalf("ListMFADevices(bob) = %+v, %v", ds, err)
		}
		assigned, _, err := fx.svc.ListVirtualMFADevices(ctx, fx.root, iam.AssignmentAssigned, "", 0)
		if err != nil || len(assigned) != 2 {
			t.Fatalf("ListVirtualMFADevices(Assigned) = %d devices, %v; want 2", len(assigned), err)
		}
		sum, err := fx.svc.GetAccountSummary(ctx, fx.root)
		if err != nil || sum["MFADevices"] != 2 || sum["MFADevicesInUse"] != 2 || sum["MFADevicesPerUserQuota"] != 2 {
			t.Errorf("GetAccountSummary = %v, %v", sum, err)
		}
	})
}

func TestSignInCodeSingleUseAndDrift(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		serial, seed := fx.device(t, "phone")
		// The device runs 4 steps (2 minutes) ahead of the server.
		if err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, fx.codeAt(seed, 3), fx.codeAt(seed, 4)); err != nil {
			t.Fatal(err)
		}

		fx.clock.Advance(30 * time.Second)
		code := fx.codeAt(seed, 5) // what the drifting device shows now
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, code); err != nil {
			t.Fatalf("VerifySignInCode(drifted code) = %v, want success", err)
		}
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, code); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("VerifySignInCode(replayed) = %v, want ErrMFAInvalidCode", err)
		}
		fx.clock.Advance(30 * time.Second)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 6)); err != nil {
			t.Fatalf("VerifySignInCode(next step) = %v", err)
		}
		// A code from an older step than the last accepted one is refused,
		// even inside the skew window.
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 5)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("VerifySignInCode(older step) = %v, want ErrMFAInvalidCode", err)
		}
		bob := fx.user(t, "bob")
		if _, err := fx.svc.VerifySignInCode(ctx, bob.Identity(), serial, fx.codeAt(seed, 7)); !errors.Is(err, iam.ErrMFANotAssociated) {
			t.Fatalf("VerifySignInCode(another user's device) = %v, want ErrMFANotAssociated", err)
		}
		// Bob's attempt did not consume the code for alice.
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 7)); err != nil {
			t.Fatalf("VerifySignInCode after another user's attempt = %v", err)
		}
	})
}

func TestThrottleBackoff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		serial, seed := fx.device(t, "phone")
		fx.enable(t, "alice", serial, seed)
		fx.clock.Advance(30 * time.Second)
		wrong := "000000"
		if wrong == fx.codeAt(seed, 0) {
			wrong = "111111"
		}
		for i := 0; i < 6; i++ {
			if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, wrong); !errors.Is(err, iam.ErrMFAInvalidCode) {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		// After 6 failures the device is blocked for 2 s (1 s doubled):
		// the right code is refused, and the attempt counts as a failure
		// (now 7: blocked 4 s from this attempt).
		fx.clock.Advance(1 * time.Second)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 0)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("right code during back-off = %v, want refused", err)
		}
		d, err := fx.st.MFADevice(ctx, "123456789012", serial)
		if err != nil {
			t.Fatal(err)
		}
		if d.Failures != 7 || !d.BlockedUntil.Equal(fx.clock.Now().Add(4*time.Second)) {
			t.Fatalf("device after 7 failures: failures=%d blocked until %v, want 7 and now+4s", d.Failures, d.BlockedUntil)
		}
		fx.clock.Advance(3 * time.Second)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 0)); !errors.Is(err, iam.ErrMFAInvalidCode) {
			t.Fatalf("right code 1 s before the back-off ends = %v, want refused", err)
		}
		// Blocked 8 s from that attempt; once it ends the right code works
		// and the count resets.
		fx.clock.Advance(8 * time.Second)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 0)); err != nil {
			t.Fatalf("right code after the back-off = %v, want success", err)
		}
		d, _ = fx.st.MFADevice(ctx, "123456789012", serial)
		if d.Failures != 0 || !d.BlockedUntil.IsZero() {
			t.Errorf("after success: failures=%d blocked until %v, want reset", d.Failures, d.BlockedUntil)
		}
	})
}

func TestPasswords(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"Correct-Horse-1", true},
		{"abcDEF12", true},
		{"abcdefgh", false},
		{"Ab1!", false},
		{"ABCDEFGH12", false},
		{"root@example.com", false},
		{"123456789012", false},
	}
	acct := &iam.Account{ID: "123456789012", Email: "Root@Example.com"}
	for _, tt := range tests {
		err := iam.CheckDefaultPasswordPolicy(tt.password, acct)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDefaultPasswordPolicy(%q) = %v, want ok=%v", tt.password, err, tt.ok)
		}
		if err != nil && awserr.Code(err) != awserr.PasswordPolicyViolation {
			t.Errorf("CheckDefaultPasswordPolicy(%q) code = %q, want PasswordPolicyViolation", tt.password, awserr.Code(err))
		}
	}
	hash, err := iam.HashPassword(randReader{}, "Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		try  string
		want bool
	}{{"Correct-Horse-1", true}, {"correct-horse-1", false}, {"", false}} {
		if got, err := iam.CheckPassword(hash, tt.try); got != tt.want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.try, got, err, tt.want)
		}
	}
}

type randReader struct{}

func (randReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i)
	}
	return len(b), nil
}

// TestResyncRefusesAUsedFirstCode: a code spent at sign-in cannot serve
// again as the first code of a resync.
func TestResyncRefusesAUsedFirstCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		serial, seed := fx.device(t, "phone")
		fx.enable(t, "alice", serial, seed)
		fx.clock.Advance(30 * time.Second)
		if _, err := fx.svc.VerifySignInCode(ctx, alice.Identity(), serial, fx.codeAt(seed, 0)); err != nil {
			t.Fatal(err)
		}
		err := fx.svc.ResyncMFADevice(ctx, fx.root, "alice", serial, fx.codeAt(seed, 0), fx.codeAt(seed, 1))
		wantCode(t, "resync starting with the used code", err, awserr.InvalidAuthenticationCode)
		if err := fx.svc.ResyncMFADevice(ctx, fx.root, "alice", serial, fx.codeAt(seed, 1), fx.codeAt(seed, 2)); err != nil {
			t.Fatalf("resync with two fresh codes: %v", err)
		}
	})
}

// TestEnableFailuresChargeTheCaller: wrong codes for an unassigned device
// throttle whoever sends them, not the device, so nobody can keep another
// identity's new device blocked.
func TestEnableFailuresChargeTheCaller(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		mallory := fx.user(t, "mallory")
		fx.user(t, "victim")
		serial, seed := fx.device(t, "victim-phone")
		asMallory := &authz.Principal{AccountID: "123456789012", User: mallory.Identity()}
		// Mallory may enable devices for herself only (the self-service
		// policy's grant); she sends wrong codes for the victim's device.
		if err := fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "mallory", "self", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Action": "iam:EnableMFADevice", "Resource": "arn:aws:iam::*:user/${aws:username}"}]}`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			err := fx.svc.EnableMFADevice(ctx, asMallory, "", serial, "000000", "000001")
			wantCode(t, "mallory's wrong codes", err, awserr.InvalidAuthenticationCode)
		}
		d, err := fx.st.MFADevice(ctx, "123456789012", serial)
		if err != nil {
			t.Fatal(err)
		}
		if d.Failures != 0 || !d.BlockedUntil.IsZero() {
			t.Fatalf("device after mallory's attempts: failures=%d blocked until %v, want untouched", d.Failures, d.BlockedUntil)
		}
		fx.enable(t, "victim", serial, seed)
	})
}

// TestEnableThrottlesTheCaller: a caller who keeps sending wrong codes is
// refused even with the right ones until the back-off ends.
func TestEnableThrottlesTheCaller(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		serial, seed := fx.device(t, "phone")
		for i := 0; i < 6; i++ {
			err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, "000000", "000001")
			wantCode(t, "wrong enable codes", err, awserr.InvalidAuthenticationCode)
		}
		err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, fx.codeAt(seed, -1), fx.codeAt(seed, 0))
		wantCode(t, "right codes during the back-off", err, awserr.InvalidAuthenticationCode)
		fx.clock.Advance(10 * time.Second)
		if err := fx.svc.EnableMFADevice(ctx, fx.root, "alice", serial, fx.codeAt(seed, -1), fx.codeAt(seed, 0)); err != nil {
			t.Fatalf("right codes after the back-off: %v", err)
		}
	})
}
