package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

// quotaRace is one count-then-write under a limit: racers calls at once,
// of which exactly want succeed and the others are refused.
type quotaRace struct {
	name string
	// setup prepares an account and returns the racing call and a count
	// of what the calls wrote, read back afterwards.
	setup   func(t *testing.T, f *fixture) (op func(i int) error, count func() (int, error))
	want    int   // successes
	total   int   // count afterwards; want when 0
	refusal error // ErrLimit when nil
}

func testQuotas(t *testing.T, f *fixture) {
	st := f.st
	cases := []quotaRace{
		{name: "CreateUser", want: 10, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error { return st.CreateUser(ctx, f.newUser(acct, fmt.Sprintf("user%02d", i)), 10) },
				func() (int, error) { u, err := st.Usage(ctx, acct); return usersOf(u), err }
		}},
		{name: "CreateUser/same name", want: 1, refusal: iam.ErrExists, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error {
					// One name in many spellings: names are unique ignoring case.
					return st.CreateUser(ctx, f.newUser(acct, caseVariant("twin", i)), 1000)
				},
				func() (int, error) { u, err := st.Usage(ctx, acct); return usersOf(u), err }
		}},
		{name: "CreateAccessKey", want: 2, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			other := f.user(t, acct, "bob")
			f.accessKey(t, acct, other.ID) // another user's key does not count
			return func(int) error { return st.CreateAccessKey(ctx, f.newAccessKey(acct, u.ID), 2) },
				func() (int, error) { ks, err := st.ListAccessKeys(ctx, acct, u.ID); return len(ks), err }
		}},
		{name: "CreateMFADevice", want: 5, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			// Hardware tokens are not virtual devices and do not count.
			if err := st.ImportHardwareTokens(ctx, acct, []iam.MFADevice{newHardware(acct, "HW"+acct)}); err != nil {
				t.Fatal(err)
			}
			return func(i int) error { return st.CreateMFADevice(ctx, newDevice(acct, fmt.Sprintf("dev%02d", i)), 5) },
				func() (int, error) { u, err := st.Usage(ctx, acct); return devicesOf(u), err }
		}},
		{name: "CreateGroup", want: 7, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error {
					return st.CreateGroup(ctx, &iam.Group{ID: f.id("AGPA"), AccountID: acct, Name: fmt.Sprintf("g%02d", i), Path: "/", CreatedAt: t0}, 7)
				},
				func() (int, error) { u, err := st.PolicyUsage(ctx, acct); return groupsOf(u), err }
		}},
		{name: "CreatePolicy", want: 6, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error {
					return st.CreatePolicy(ctx, f.newPolicy(acct, fmt.Sprintf("p%02d", i)), policyDoc, 6)
				},
				func() (int, error) { u, err := st.PolicyUsage(ctx, acct); return policiesOf(u), err }
		}},
		{name: "CreateRole", want: 8, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error { return st.CreateRole(ctx, f.newRole(acct, fmt.Sprintf("r%02d", i)), 8) },
				func() (int, error) { u, err := st.Usage(ctx, acct); return rolesOf(u), err }
		}},
		{name: "CreatePolicyVersion", want: 4, total: 5, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			p := f.policy(t, acct, "versioned")
			return func(i int) error {
					_, err := st.CreatePolicyVersion(ctx, acct, p.ARN, policyDoc, i%2 == 0, t0, 5)
					return err
				},
				func() (int, error) {
					vs, _, err := st.ListPolicyVersions(ctx, acct, p.ARN, iam.Page{MaxItems: 100})
					return len(vs), err
				}
		}},
		{name: "AddUserToGroup", want: 3, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			groups := make([]*iam.Group, racers)
			for i := range groups {
				groups[i] = f.group(t, acct, fmt.Sprintf("g%02d", i))
			}
			return func(i int) error { return st.AddUserToGroup(ctx, acct, groups[i].ID, u.ID, 3) },
				func() (int, error) {
					gs, _, err := st.GroupsForUser(ctx, acct, u.ID, iam.Page{MaxItems: 100})
					return len(gs), err
				}
		}},
		{name: "AttachPolicy", want: 4, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			r := f.role(t, acct, "admin")
			policies := make([]*iam.ManagedPolicy, racers)
			for i := range policies {
				policies[i] = f.policy(t, acct, fmt.Sprintf("p%02d", i))
			}
			return func(i int) error { return st.AttachPolicy(ctx, acct, roleEntity(r), policies[i].ARN, 4) },
				func() (int, error) {
					ps, _, err := st.ListAttachedPolicies(ctx, acct, roleEntity(r), "", iam.Page{MaxItems: 100})
					return len(ps), err
				}
		}},
		{name: "EnableMFADevice", want: 2, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			devices := make([]*iam.MFADevice, racers)
			for i := range devices {
				devices[i] = f.device(t, acct, fmt.Sprintf("dev%02d", i))
			}
			return func(i int) error { return st.EnableMFADevice(ctx, acct, devices[i].Serial, u.ID, 10, 0, t0, 2) },
				func() (int, error) { return st.CountMFADevices(ctx, acct, u.ID) }
		}},
		{name: "PutInlinePolicy", want: 3, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			return func(i int) error {
					return st.PutInlinePolicy(ctx, acct, userEntity(u), fmt.Sprintf("inline%02d", i), "0123456789", bytesLen, 30)
				},
				func() (int, error) {
					ns, _, err := st.ListInlinePolicies(ctx, acct, userEntity(u), iam.Page{MaxItems: 100})
					return len(ns), err
				}
		}},
		{name: "TagUser", want: 5, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			return func(i int) error { return st.TagUser(ctx, acct, u.ID, []iam.Tag{numberedTag(i)}, 5) },
				func() (int, error) { u, err := st.UserByID(ctx, acct, u.ID); return tagsOfUser(u), err }
		}},
		{name: "TagRole", want: 5, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			r := f.role(t, acct, "admin")
			return func(i int) error { return st.TagRole(ctx, acct, r.ID, []iam.Tag{numberedTag(i)}, 5) },
				func() (int, error) { r, err := st.RoleByID(ctx, acct, r.ID); return tagsOfRole(r), err }
		}},
		{name: "TagMFADevice", want: 5, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			d := f.device(t, acct, "tagged")
			return func(i int) error { return st.TagMFADevice(ctx, acct, d.Serial, []iam.Tag{numberedTag(i)}, 5) },
				func() (int, error) { ts, err := st.MFADeviceTags(ctx, acct, d.Serial); return len(ts), err }
		}},
		{name: "CreateQuotaRequest/one open per quota", want: 1, refusal: iam.ErrExists, setup: func(t *testing.T, f *fixture) (func(int) error, func() (int, error)) {
			acct := f.account(t)
			return func(i int) error {
					return st.CreateQuotaRequest(ctx, &quotas.Request{ID: f.id("req-"), AccountID: acct, QuotaKey: iam.QuotaUsers,
						DesiredValue: 100 + i, Status: quotas.StatusPending, Requester: "arn:aws:iam::" + acct + ":root", CreatedAt: t0, UpdatedAt: t0})
				},
				func() (int, error) {
					rs, _, err := st.ListQuotaRequests(ctx, quotas.RequestFilter{AccountID: acct}, quotas.Page{Max: 100})
					return len(rs), err
				}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, count := c.setup(t, f)
			refusal := c.refusal
			if refusal == nil {
				refusal = iam.ErrLimit
			}
			tally(race(racers, op), refusal).check(t, c.name, c.want)
			total := c.total
			if total == 0 {
				total = c.want
			}
			n, err := count()
			if err != nil {
				t.Fatalf("counting after the race: %v", err)
			}
			if n != total {
				t.Errorf("after %d %s at once: %d stored, want %d", racers, c.name, n, total)
			}
		})
	}
}

// caseVariant spells name with the letters of i's bits in upper case.
func caseVariant(name string, i int) string {
	b := []byte(name)
	for j := range b {
		if i&(1<<j) != 0 {
			b[j] = strings.ToUpper(string(b[j]))[0]
		}
	}
	return string(b)
}

func numberedTag(i int) iam.Tag { return iam.Tag{Key: fmt.Sprintf("key%02d", i), Value: fmt.Sprint(i)} }

func bytesLen(s string) int { return len(s) }

func usersOf(u *iam.Usage) int {
	if u == nil {
		return -1
	}
	return u.Users
}

func rolesOf(u *iam.Usage) int {
	if u == nil {
		return -1
	}
	return u.Roles
}

func devicesOf(u *iam.Usage) int {
	if u == nil {
		return -1
	}
	return u.MFADevices
}

func groupsOf(u *iam.PolicyUsage) int {
	if u == nil {
		return -1
	}
	return u.Groups
}

func policiesOf(u *iam.PolicyUsage) int {
	if u == nil {
		return -1
	}
	return u.Policies
}

func tagsOfUser(u *iam.User) int {
	if u == nil {
		return -1
	}
	return len(u.Tags)
}

func tagsOfRole(r *iam.Role) int {
	if r == nil {
		return -1
	}
	return len(r.Tags)
}
