package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

func testAtomicity(t *testing.T, f *fixture) {
	st := f.st

	t.Run("ImportHardwareTokens", func(t *testing.T) {
		acct := f.account(t)
		existing := newHardware(acct, "HW-"+acct+"-0")
		if err := st.ImportHardwareTokens(ctx, acct, []iam.MFADevice{existing}); err != nil {
			t.Fatal(err)
		}
		token := func(s string) iam.MFADevice { return newHardware(acct, "HW-"+acct+"-"+s) }
		cases := []struct {
			name       string
			acct       string
			tokens     []iam.MFADevice
			wantSerial string // of the *DuplicateSerialError
			want       error
		}{
			{"a serial that exists", acct, []iam.MFADevice{token("1"), existing, token("2")}, existing.Serial, nil},
			{"a serial twice in the batch", acct, []iam.MFADevice{token("3"), token("4"), token("3")}, token("3").Serial, nil},
			{"no such account", "999999999999", []iam.MFADevice{token("5")}, "", iam.ErrNotFound},
		}
		for _, c := range cases {
			err := st.ImportHardwareTokens(ctx, c.acct, c.tokens)
			var dup *iam.DuplicateSerialError
			switch {
			case c.wantSerial != "":
				if !errors.As(err, &dup) || dup.Serial != c.wantSerial {
					t.Errorf("ImportHardwareTokens(%s) = %v, want a duplicate serial %s", c.name, err, c.wantSerial)
				}
			case !sameError(err, c.want):
				t.Errorf("ImportHardwareTokens(%s) = %v, want %v", c.name, err, c.want)
			}
		}
		checkTokens(t, st, acct, []string{existing.Serial})

		batch := []iam.MFADevice{token("9"), token("7"), token("8")}
		if err := st.ImportHardwareTokens(ctx, acct, batch); err != nil {
			t.Fatalf("ImportHardwareTokens(new serials) = %v", err)
		}
		checkTokens(t, st, acct, []string{existing.Serial, token("7").Serial, token("8").Serial, token("9").Serial})
	})

	t.Run("DeleteUser with dependents", func(t *testing.T) {
		// Each dependent blocks the delete, which leaves the user and the
		// dependent as they were; once it is gone the delete succeeds.
		cases := []struct {
			what   string
			add    func(t *testing.T, acct string, u *iam.User) (remove func() error)
			exists func(acct string, u *iam.User) (bool, error)
		}{
			{"login profile",
				func(t *testing.T, acct string, u *iam.User) func() error {
					if err := st.CreateLoginProfile(ctx, acct, &iam.LoginProfile{UserID: u.ID, PasswordHash: "hash", CreatedAt: t0}); err != nil {
						t.Fatal(err)
					}
					return func() error { return st.DeleteLoginProfile(ctx, acct, u.ID) }
				},
				func(acct string, u *iam.User) (bool, error) {
					_, err := st.LoginProfile(ctx, acct, u.ID)
					return found(err)
				}},
			{"access keys",
				func(t *testing.T, acct string, u *iam.User) func() error {
					k := f.accessKey(t, acct, u.ID)
					return func() error { return st.DeleteAccessKey(ctx, acct, u.ID, k.ID) }
				},
				func(acct string, u *iam.User) (bool, error) {
					ks, err := st.ListAccessKeys(ctx, acct, u.ID)
					return len(ks) == 1, err
				}},
			{"MFA device",
				func(t *testing.T, acct string, u *iam.User) func() error {
					d := f.device(t, acct, "dev")
					f.enable(t, acct, d.Serial, u.ID, 1)
					return func() error { return st.DeactivateMFADevice(ctx, acct, d.Serial, u.ID) }
				},
				func(acct string, u *iam.User) (bool, error) {
					n, err := st.CountMFADevices(ctx, acct, u.ID)
					return n == 1, err
				}},
			{"inline policies",
				func(t *testing.T, acct string, u *iam.User) func() error {
					if err := st.PutInlinePolicy(ctx, acct, userEntity(u), "inline", policyDoc, bytesLen, 10000); err != nil {
						t.Fatal(err)
					}
					return func() error { return st.DeleteInlinePolicy(ctx, acct, userEntity(u), "inline") }
				},
				func(acct string, u *iam.User) (bool, error) {
					_, err := st.InlinePolicy(ctx, acct, userEntity(u), "inline")
					return found(err)
				}},
			{"managed policies",
				func(t *testing.T, acct string, u *iam.User) func() error {
					p := f.policy(t, acct, "attached")
					if err := st.AttachPolicy(ctx, acct, userEntity(u), p.ARN, 10); err != nil {
						t.Fatal(err)
					}
					return func() error { return st.DetachPolicy(ctx, acct, userEntity(u), p.ARN) }
				},
				func(acct string, u *iam.User) (bool, error) {
					ps, _, err := st.ListAttachedPolicies(ctx, acct, userEntity(u), "", iam.Page{MaxItems: 10})
					return len(ps) == 1, err
				}},
			{"groups",
				func(t *testing.T, acct string, u *iam.User) func() error {
					g := f.group(t, acct, "team")
					if err := st.AddUserToGroup(ctx, acct, g.ID, u.ID, 10); err != nil {
						t.Fatal(err)
					}
					return func() error { return st.RemoveUserFromGroup(ctx, acct, g.ID, u.ID) }
				},
				func(acct string, u *iam.User) (bool, error) {
					gs, _, err := st.GroupsForUser(ctx, acct, u.ID, iam.Page{MaxItems: 10})
					return len(gs) == 1, err
				}},
		}
		for _, c := range cases {
			t.Run(c.what, func(t *testing.T) {
				acct := f.account(t)
				u := f.user(t, acct, "alice")
				if err := st.TagUser(ctx, acct, u.ID, tags("team", "blue"), 10); err != nil {
					t.Fatal(err)
				}
				remove := c.add(t, acct, u)
				if err := st.DeleteUser(ctx, acct, u.ID); conflict(err) != c.what {
					t.Errorf("DeleteUser(user with %s) = %v, want *ConflictError{%q}", c.what, err, c.what)
				}
				got, err := st.UserByID(ctx, acct, u.ID)
				if err != nil {
					t.Fatalf("UserByID after a refused delete = %v", err)
				}
				if diff := cmp.Diff(tags("team", "blue"), got.Tags); diff != "" {
					t.Errorf("tags after a refused delete (-want +got):\n%s", diff)
				}
				if ok, err := c.exists(acct, u); err != nil || !ok {
					t.Errorf("%s after a refused delete: there %v, %v, want true", c.what, ok, err)
				}
				if err := remove(); err != nil {
					t.Fatalf("removing the %s = %v", c.what, err)
				}
				if err := st.DeleteUser(ctx, acct, u.ID); err != nil {
					t.Errorf("DeleteUser(user without %s) = %v, want nil", c.what, err)
				}
				if _, err := st.UserByID(ctx, acct, u.ID); !sameError(err, iam.ErrNotFound) {
					t.Errorf("UserByID after delete = %v, want %v", err, iam.ErrNotFound)
				}
			})
		}
	})

	t.Run("DeleteUser/root and missing users", func(t *testing.T) {
		acct := f.account(t)
		for _, id := range []string{acct, "AIDANOSUCHUSER"} {
			if err := st.DeleteUser(ctx, acct, id); !sameError(err, iam.ErrNotFound) {
				t.Errorf("DeleteUser(%s) = %v, want %v", id, err, iam.ErrNotFound)
			}
		}
		if _, err := st.UserByID(ctx, acct, acct); err != nil {
			t.Errorf("root user after DeleteUser(root) = %v, want it there", err)
		}
	})

	t.Run("Delete with dependents", func(t *testing.T) {
		acct := f.account(t)
		r := f.role(t, acct, "admin", tags("env", "prod")...)
		g := f.group(t, acct, "team")
		p := f.policy(t, acct, "attached")
		versioned := f.policy(t, acct, "versioned")
		if _, err := st.CreatePolicyVersion(ctx, acct, versioned.ARN, policyDoc, false, t0, 5); err != nil {
			t.Fatal(err)
		}
		gu := f.user(t, acct, "member")
		if err := st.AddUserToGroup(ctx, acct, g.ID, gu.ID, 10); err != nil {
			t.Fatal(err)
		}
		ir := f.role(t, acct, "inline")
		if err := st.PutInlinePolicy(ctx, acct, roleEntity(ir), "p", policyDoc, bytesLen, 10000); err != nil {
			t.Fatal(err)
		}
		ig := f.group(t, acct, "inline")
		if err := st.PutInlinePolicy(ctx, acct, groupEntity(ig), "p", policyDoc, bytesLen, 10000); err != nil {
			t.Fatal(err)
		}
		mg := f.group(t, acct, "managed")
		for _, e := range []iam.Entity{roleEntity(r), groupEntity(mg)} {
			if err := st.AttachPolicy(ctx, acct, e, p.ARN, 10); err != nil {
				t.Fatal(err)
			}
		}
		u := f.user(t, acct, "alice")
		assigned := f.device(t, acct, "assigned")
		f.enable(t, acct, assigned.Serial, u.ID, 1)
		hw := newHardware(acct, "HW-assigned-"+acct)
		if err := st.ImportHardwareTokens(ctx, acct, []iam.MFADevice{hw}); err != nil {
			t.Fatal(err)
		}
		f.enable(t, acct, hw.Serial, u.ID, 1)

		cases := []struct {
			name   string
			delete func() error
			what   string
			still  func() error
		}{
			{"role with managed policies", func() error { return st.DeleteRole(ctx, acct, r.ID) }, "managed policies",
				func() error { return roleHasTags(st, acct, r.ID, tags("env", "prod")) }},
			{"role with inline policies", func() error { return st.DeleteRole(ctx, acct, ir.ID) }, "inline policies",
				func() error { _, err := st.RoleByID(ctx, acct, ir.ID); return err }},
			{"group with members", func() error { return st.DeleteGroup(ctx, acct, g.ID) }, "users",
				func() error { _, err := st.GroupByName(ctx, acct, g.Name); return err }},
			{"group with inline policies", func() error { return st.DeleteGroup(ctx, acct, ig.ID) }, "inline policies",
				func() error { _, err := st.GroupByName(ctx, acct, ig.Name); return err }},
			{"group with managed policies", func() error { return st.DeleteGroup(ctx, acct, mg.ID) }, "managed policies",
				func() error { _, err := st.GroupByName(ctx, acct, mg.Name); return err }},
			{"attached policy", func() error { return st.DeletePolicy(ctx, acct, p.ARN) }, "attachments",
				func() error { _, err := st.Policy(ctx, acct, p.ARN); return err }},
			{"policy with versions", func() error { return st.DeletePolicy(ctx, acct, versioned.ARN) }, "versions",
				func() error { _, err := st.PolicyVersion(ctx, acct, versioned.ARN, "v1"); return err }},
			{"default policy version", func() error { return st.DeletePolicyVersion(ctx, acct, versioned.ARN, "v1") }, "default version",
				func() error { _, err := st.PolicyVersion(ctx, acct, versioned.ARN, "v1"); return err }},
			{"assigned virtual device", func() error { return st.DeleteMFADevice(ctx, acct, assigned.Serial) }, "user",
				func() error { _, err := st.MFADevice(ctx, acct, assigned.Serial); return err }},
			{"assigned hardware token", func() error { return st.DeleteHardwareToken(ctx, acct, hw.Serial) }, "user",
				func() error { _, err := st.MFADevice(ctx, acct, hw.Serial); return err }},
		}
		for _, c := range cases {
			if err := c.delete(); conflict(err) != c.what {
				t.Errorf("delete %s = %v, want *ConflictError{%q}", c.name, err, c.what)
			}
			if err := c.still(); err != nil {
				t.Errorf("%s after a refused delete: %v", c.name, err)
			}
		}
	})

	t.Run("CreateAccount", func(t *testing.T) {
		acct := f.account(t)
		u := f.user(t, acct, "alice")
		k := f.accessKey(t, acct, u.ID)
		cases := []struct {
			name  string
			email string
			key   string
		}{
			{"a root key id that is taken", "new1@example.com", k.ID},
			{"an email that is taken", acct + "@EXAMPLE.com", ""},
		}
		for _, c := range cases {
			id := "9" + acct[1:]
			a := &iam.Account{ID: id, Email: c.email, CreatedAt: t0}
			root := &iam.User{ID: id, AccountID: id, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: t0}
			var key *iam.AccessKey
			if c.key != "" {
				key = &iam.AccessKey{ID: c.key, AccountID: id, UserID: id, Secret: "s", Status: iam.KeyActive, CreatedAt: t0}
			}
			if err := st.CreateAccount(ctx, a, root, "hash", key); !sameError(err, iam.ErrExists) {
				t.Errorf("CreateAccount(%s) = %v, want %v", c.name, err, iam.ErrExists)
			}
			if _, err := st.Account(ctx, id); !sameError(err, iam.ErrNotFound) {
				t.Errorf("Account after CreateAccount(%s) failed = %v, want %v", c.name, err, iam.ErrNotFound)
			}
			if _, err := st.UserByID(ctx, id, id); !sameError(err, iam.ErrNotFound) {
				t.Errorf("root user after CreateAccount(%s) failed = %v, want %v", c.name, err, iam.ErrNotFound)
			}
		}
		if _, owner, err := st.AccessKey(ctx, k.ID); err != nil || owner.ID != u.ID {
			t.Errorf("AccessKey(%s) after the failed creates = %v, %v, want alice's key", k.ID, owner, err)
		}
	})

	t.Run("CreateRole with a taken name", func(t *testing.T) {
		acct := f.account(t)
		r := f.role(t, acct, "admin", tags("env", "prod")...)
		dup := f.newRole(acct, "ADMIN", tags("env", "dev", "new", "x")...)
		if err := st.CreateRole(ctx, dup, 10); !sameError(err, iam.ErrExists) {
			t.Errorf("CreateRole(taken name) = %v, want %v", err, iam.ErrExists)
		}
		if err := roleHasTags(st, acct, r.ID, tags("env", "prod")); err != nil {
			t.Error(err)
		}
		if _, err := st.RoleByID(ctx, acct, dup.ID); !sameError(err, iam.ErrNotFound) {
			t.Errorf("RoleByID(the refused role) = %v, want %v", err, iam.ErrNotFound)
		}
	})

	t.Run("limits leave things as they were", func(t *testing.T) {
		acct := f.account(t)
		u := f.user(t, acct, "alice")
		// Replacing an inline policy with a bigger one past the size
		// limit keeps the old document.
		if err := st.PutInlinePolicy(ctx, acct, userEntity(u), "p", "0123456789", bytesLen, 15); err != nil {
			t.Fatal(err)
		}
		if err := st.PutInlinePolicy(ctx, acct, userEntity(u), "p", "01234567890123456789", bytesLen, 15); !sameError(err, iam.ErrLimit) {
			t.Errorf("PutInlinePolicy(past the size limit) = %v, want %v", err, iam.ErrLimit)
		}
		if doc, err := st.InlinePolicy(ctx, acct, userEntity(u), "p"); err != nil || doc != "0123456789" {
			t.Errorf("InlinePolicy after a refused replace = %q, %v, want the old document", doc, err)
		}
		// A device refused for the user's limit stays unassigned and
		// usable.
		f.enable(t, acct, f.device(t, acct, "first").Serial, u.ID, 1)
		second := f.device(t, acct, "second")
		if err := st.EnableMFADevice(ctx, acct, second.Serial, u.ID, 5, 0, t0, 1); !sameError(err, iam.ErrLimit) {
			t.Errorf("EnableMFADevice(past the limit) = %v, want %v", err, iam.ErrLimit)
		}
		if d, err := st.MFADevice(ctx, acct, second.Serial); err != nil || d.UserID != "" || d.LastStep != 0 {
			t.Errorf("device after a refused enable = %+v, %v, want unassigned at step 0", d, err)
		}
	})

	t.Run("quota requests", func(t *testing.T) {
		acct := f.account(t)
		req := func(id, key string, value int, status string) *quotas.Request {
			return &quotas.Request{ID: id, AccountID: acct, QuotaKey: key, DesiredValue: value, Status: status,
				Requester: "arn:aws:iam::" + acct + ":root", CreatedAt: t0, UpdatedAt: t0}
		}
		quota := func(key string) int {
			q, err := st.Quotas(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			return q[key]
		}
		approved := f.id("req-")
		if err := st.CreateQuotaRequest(ctx, req(approved, iam.QuotaUsers, 40, quotas.StatusApproved)); err != nil {
			t.Fatalf("CreateQuotaRequest(approved) = %v", err)
		}
		if got := quota(iam.QuotaUsers); got != 40 {
			t.Errorf("quota after an approved request = %d, want 40", got)
		}
		if err := st.CreateQuotaRequest(ctx, req(approved, iam.QuotaRoles, 90, quotas.StatusApproved)); !sameError(err, iam.ErrExists) {
			t.Errorf("CreateQuotaRequest(taken id) = %v, want %v", err, iam.ErrExists)
		}
		if got := quota(iam.QuotaRoles); got != 0 {
			t.Errorf("quota after a refused approved request = %d, want unset", got)
		}
		if err := st.CreateQuotaRequest(ctx, &quotas.Request{ID: f.id("req-"), AccountID: "999999999998", QuotaKey: iam.QuotaUsers,
			DesiredValue: 1, Status: quotas.StatusPending}); !sameError(err, iam.ErrNotFound) {
			t.Errorf("CreateQuotaRequest(no such account) = %v, want %v", err, iam.ErrNotFound)
		}
		if _, err := st.ResolveQuotaRequest(ctx, "no-such-request", quotas.StatusApproved, t0); !sameError(err, iam.ErrNotFound) {
			t.Errorf("ResolveQuotaRequest(no such request) = %v, want %v", err, iam.ErrNotFound)
		}

		// Of many decisions at once exactly one is taken, and the quota
		// follows it.
		pending := f.id("req-")
		if err := st.CreateQuotaRequest(ctx, req(pending, iam.QuotaUsers, 70, quotas.StatusPending)); err != nil {
			t.Fatal(err)
		}
		statuses := []string{quotas.StatusApproved, quotas.StatusDenied}
		errs := race(racers, func(i int) error {
			_, err := st.ResolveQuotaRequest(ctx, pending, statuses[i%2], t0.Add(1))
			return err
		})
		o := tally(errs, iam.ErrStale)
		o.check(t, "ResolveQuotaRequest", 1)
		if len(o.winners) == 1 {
			won := statuses[o.winners[0]%2]
			r, err := st.QuotaRequest(ctx, pending)
			if err != nil || r.Status != won {
				t.Errorf("QuotaRequest after the race = %+v, %v, want status %s", r, err, won)
			}
			want := 40
			if won == quotas.StatusApproved {
				want = 70
			}
			if got := quota(iam.QuotaUsers); got != want {
				t.Errorf("quota after %s won = %d, want %d", won, got, want)
			}
		}

		// Approval never lowers a quota.
		if err := st.SetQuota(ctx, acct, iam.QuotaGroups, 500); err != nil {
			t.Fatal(err)
		}
		lower := f.id("req-")
		if err := st.CreateQuotaRequest(ctx, req(lower, iam.QuotaGroups, 200, quotas.StatusPending)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ResolveQuotaRequest(ctx, lower, quotas.StatusApproved, t0); err != nil {
			t.Fatal(err)
		}
		if got := quota(iam.QuotaGroups); got != 500 {
			t.Errorf("quota after approving a lower value = %d, want 500", got)
		}
	})
}

// found turns a lookup's error into whether it found something.
func found(err error) (bool, error) {
	if errors.Is(err, iam.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func roleHasTags(st Store, acct, roleID string, want []iam.Tag) error {
	r, err := st.RoleByID(ctx, acct, roleID)
	if err != nil {
		return err
	}
	if diff := cmp.Diff(want, r.Tags); diff != "" {
		return errors.New("role tags (-want +got):\n" + diff)
	}
	return nil
}

func checkTokens(t *testing.T, st Store, acct string, want []string) {
	t.Helper()
	ts, err := st.ListHardwareTokens(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ts {
		got = append(got, d.Device.Serial)
		if d.Device.Secret != nil {
			t.Errorf("ListHardwareTokens gave %s's secret", d.Device.Serial)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hardware tokens (-want +got):\n%s", diff)
	}
}
