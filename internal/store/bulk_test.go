package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// bulkUsers returns users from..to-1 of acct, each with a key and an
// enabled virtual device.
func bulkUsers(acct string, from, to int, now time.Time) []store.BulkUser {
	var out []store.BulkUser
	for i := from; i < to; i++ {
		name := fmt.Sprintf("bulk-%05d", i)
		u := iam.User{ID: fmt.Sprintf("AIDABULK%012d", i), AccountID: acct, Name: name, Path: "/", CreatedAt: now}
		serial := iam.VirtualSerial(acct, "/", name)
		out = append(out, store.BulkUser{
			User: u,
			Key: &iam.AccessKey{ID: fmt.Sprintf("AKIABULK%012d", i), AccountID: acct, UserID: u.ID,
				Secret: fmt.Sprintf("secret-%d", i), Status: iam.KeyActive, CreatedAt: now},
			Device: &iam.MFADevice{Serial: serial, AccountID: acct, Kind: iam.DeviceVirtual, Path: "/", Name: name,
				Secret: bytes.Repeat([]byte{byte(i)}, 20), Digits: 6, Period: 30, OTPType: iam.OTPTypeTOTP, Hash: "SHA1",
				CreatedAt: now, UserID: u.ID, EnabledAt: now},
		})
	}
	return out
}

// TestBulkCreateUsers loads 2,500 users (several statements per table) in
// one call, reads them back through the ordinary reads, and checks that a
// batch with one duplicate leaves nothing behind.
func TestBulkCreateUsers(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			st := e.Open(t)
			acct := "123456789012"
			now := time.Now().UTC().Truncate(time.Second)
			root := &iam.User{ID: acct, AccountID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: now}
			if err := st.CreateAccount(ctx, &iam.Account{ID: acct, Email: "bulk@example.com", CreatedAt: now}, root, "", nil); err != nil {
				t.Fatal(err)
			}
			gens, err := st.Generations(ctx)
			if err != nil {
				t.Fatal(err)
			}

			const n = 2500
			if err := st.BulkCreateUsers(ctx, acct, bulkUsers(acct, 0, n, now)); err != nil {
				t.Fatalf("BulkCreateUsers(%d users) = %v", n, err)
			}
			after, err := st.Generations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after[acct] <= gens[acct] {
				t.Errorf("generation %d after the load, %d before: want it bumped", after[acct], gens[acct])
			}
			usage, err := st.Usage(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			if usage.Users != n || usage.MFADevicesInUse != n {
				t.Errorf("Usage = %d users, %d devices in use, want %d of each", usage.Users, usage.MFADevicesInUse, n)
			}

			for _, i := range []int{0, 1, 1234, n - 1} {
				want := bulkUsers(acct, i, i+1, now)[0]
				k, owner, err := st.AccessKey(ctx, want.Key.ID)
				if err != nil {
					t.Fatalf("AccessKey(%s) = %v", want.Key.ID, err)
				}
				if k.Secret != want.Key.Secret || k.Status != iam.KeyActive || k.UserID != want.User.ID || !k.CreatedAt.Equal(now) {
					t.Errorf("AccessKey(%s) = %+v, want the secret %q, active, of %s", want.Key.ID, k, want.Key.Secret, want.User.ID)
				}
				if owner.ID != want.User.ID || owner.Name != want.User.Name || owner.Root {
					t.Errorf("AccessKey(%s) owner = %+v, want %s", want.Key.ID, owner, want.User.Name)
				}
				u, err := st.UserByName(ctx, acct, want.User.Name)
				if err != nil || u.ID != want.User.ID || u.Path != "/" || !u.CreatedAt.Equal(now) {
					t.Errorf("UserByName(%s) = %+v, %v, want id %s", want.User.Name, u, err, want.User.ID)
				}
				d, err := st.MFADevice(ctx, acct, want.Device.Serial)
				if err != nil {
					t.Fatalf("MFADevice(%s) = %v", want.Device.Serial, err)
				}
				if d.UserID != want.User.ID || !d.EnabledAt.Equal(now) || !bytes.Equal(d.Secret, want.Device.Secret) ||
					d.Kind != iam.DeviceVirtual || d.Digits != 6 || d.Period != 30 || d.OTPType != iam.OTPTypeTOTP || d.Hash != "SHA1" ||
					d.LastStep != 0 || d.Name != want.User.Name {
					t.Errorf("MFADevice(%s) = %+v, want it assigned to %s with its seed", want.Device.Serial, d, want.User.ID)
				}
				if c, err := st.CountMFADevices(ctx, acct, want.User.ID); err != nil || c != 1 {
					t.Errorf("CountMFADevices(%s) = %d, %v, want 1", want.User.Name, c, err)
				}
			}
			d := bulkUsers(acct, 7, 8, now)[0]
			if err := st.AcceptMFACode(ctx, acct, d.Device.Serial, d.User.ID, 1000, 0, now); err != nil {
				t.Errorf("AcceptMFACode(a seeded device) = %v", err)
			}
			if err := st.AcceptMFACode(ctx, acct, d.Device.Serial, d.User.ID, 1000, 0, now); !errors.Is(err, iam.ErrStale) {
				t.Errorf("AcceptMFACode(the same step again) = %v, want ErrStale", err)
			}

			// One duplicate, of each kind in turn, anywhere in the batch:
			// the whole batch is refused.
			dupUser := bulkUsers(acct, n, n+300, now)
			dupUser[250].User.Name = "BULK-00042" // name_key ignores case
			dupKey := bulkUsers(acct, n, n+300, now)
			dupKey[10].Key.ID = "AKIABULK000000000003"
			dupSerial := bulkUsers(acct, n, n+300, now)
			dupSerial[299].Device.Serial = iam.VirtualSerial(acct, "/", "bulk-00005")
			inBatch := bulkUsers(acct, n, n+300, now)
			inBatch = append(inBatch, bulkUsers(acct, n+5, n+6, now)...)
			for name, batch := range map[string][]store.BulkUser{"user name": dupUser, "key id": dupKey, "serial": dupSerial, "twice in the batch": inBatch} {
				if err := st.BulkCreateUsers(ctx, acct, batch); !errors.Is(err, iam.ErrExists) {
					t.Errorf("BulkCreateUsers(a duplicate %s) = %v, want ErrExists", name, err)
				}
				usage, err := st.Usage(ctx, acct)
				if err != nil {
					t.Fatal(err)
				}
				if usage.Users != n || usage.MFADevices != n {
					t.Errorf("after a duplicate %s: %d users and %d devices, want %d of each", name, usage.Users, usage.MFADevices, n)
				}
				if _, err := st.UserByName(ctx, acct, fmt.Sprintf("bulk-%05d", n)); !errors.Is(err, iam.ErrNotFound) {
					t.Errorf("after a duplicate %s: UserByName(the batch's first) = %v, want ErrNotFound", name, err)
				}
				if _, _, err := st.AccessKey(ctx, fmt.Sprintf("AKIABULK%012d", n+1)); !errors.Is(err, iam.ErrNotFound) {
					t.Errorf("after a duplicate %s: AccessKey(the batch's second) = %v, want ErrNotFound", name, err)
				}
			}

			if err := st.BulkCreateUsers(ctx, "999999999999", bulkUsers("999999999999", 0, 1, now)); !errors.Is(err, iam.ErrNotFound) {
				t.Errorf("BulkCreateUsers(no such account) = %v, want ErrNotFound", err)
			}
			if err := st.BulkCreateUsers(ctx, acct, bulkUsers("210987654321", 0, 1, now)); err == nil {
				t.Error("BulkCreateUsers(users of another account) = nil, want an error")
			}
			// The store is still usable after the refused batches.
			if err := st.BulkCreateUsers(ctx, acct, bulkUsers(acct, n, n+3, now)); err != nil {
				t.Errorf("BulkCreateUsers(3 new users) = %v", err)
			}
		})
	}
}
