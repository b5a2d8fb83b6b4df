package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

// lister is one paged list of the store, seen as keys: add creates an
// item named name and returns the key it is listed by, remove deletes the
// item with that key, list reads one page, and less is the order the list
// promises.
type lister struct {
	add    func(name string) string
	remove func(key string)
	list   func(marker string, max int) (keys []string, next string, err error)
	less   func(a, b string) bool
	// fixed are keys listed from the start that the test never removes
	// (a policy's default version).
	fixed []string
}

// pagedList makes a lister in a fresh account; it may add items of its own
// that the list must leave out (another user's devices, AWS's policies).
type pagedList struct {
	name  string
	setup func(t *testing.T, f *fixture) lister
}

// pageNames are the items every list starts with, in the order they sort
// ignoring case; they are created in another order, and in mixed case, so
// that neither creation order nor case-sensitive order passes for the
// list's.
var pageNames = []string{"k00", "K01", "k02", "K03", "k04", "K05"}

var createOrder = []int{3, 0, 5, 1, 4, 2}

func testPagination(t *testing.T, f *fixture) {
	for _, l := range pagedLists(f) {
		t.Run(l.name+"/whole set", func(t *testing.T) {
			lst := l.setup(t, f)
			keys := slices.Clone(lst.fixed)
			for _, i := range createOrder {
				keys = append(keys, lst.add(pageNames[i]))
			}
			want := sortedBy(keys, lst.less)
			got, pages := walk(t, lst, "", 2)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("every page with MaxItems 2 (-want +got):\n%s", diff)
			}
			if pages != (len(want)+1)/2 {
				t.Errorf("%d items in %d pages of 2, want %d pages", len(want), pages, (len(want)+1)/2)
			}
			all, next, err := lst.list("", 1000)
			if err != nil || next != "" {
				t.Fatalf("list(MaxItems 1000) = next %q, %v, want \"\", nil", next, err)
			}
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("one page of 1000 (-want +got):\n%s", diff)
			}
		})

		t.Run(l.name+"/inserts and deletes between pages", func(t *testing.T) {
			lst := l.setup(t, f)
			keys := slices.Clone(lst.fixed)
			for _, i := range createOrder {
				keys = append(keys, lst.add(pageNames[i]))
			}
			sorted := sortedBy(keys, lst.less)
			first, next, err := lst.list("", 2)
			if err != nil || next == "" {
				t.Fatalf("first page = %v, next %q, %v, want 2 items and a marker", first, next, err)
			}
			if diff := cmp.Diff(sorted[:2], first); diff != "" {
				t.Fatalf("first page (-want +got):\n%s", diff)
			}
			marker := first[len(first)-1]
			// Between pages: one item that sorts before the marker and one
			// after it come, and the marker's own item and one not yet
			// seen go.
			current := slices.Clone(keys)
			for _, name := range []string{pageNames[0] + "a", pageNames[3] + "a"} {
				current = append(current, lst.add(name))
			}
			for _, k := range []string{marker, sorted[4]} {
				lst.remove(k)
				current = slices.DeleteFunc(current, func(c string) bool { return c == k })
			}
			var want []string
			for _, k := range sortedBy(current, lst.less) {
				if lst.less(marker, k) {
					want = append(want, k)
				}
			}
			rest, _ := walk(t, lst, next, 2)
			if diff := cmp.Diff(want, rest); diff != "" {
				t.Errorf("pages after %q with items added and removed (-want +got):\n%s", marker, diff)
			}
			seen := map[string]bool{}
			for _, k := range append(first, rest...) {
				if seen[k] {
					t.Errorf("%q listed twice", k)
				}
				seen[k] = true
			}
			for _, k := range sorted {
				if k != marker && k != sorted[4] && !seen[k] {
					t.Errorf("%q, untouched, was skipped", k)
				}
			}
		})

		t.Run(l.name+"/garbage marker", func(t *testing.T) {
			lst := l.setup(t, f)
			lst.add(pageNames[0])
			for _, m := range []string{"%%not a marker%%", "*"} {
				if _, _, err := lst.list(m, 2); !sameError(err, iam.ErrInvalidMarker) {
					t.Errorf("list(marker %q) = %v, want %v", m, err, iam.ErrInvalidMarker)
				}
			}
		})
	}
}

// walk reads pages of max items from marker on and returns their keys and
// the number of pages.
func walk(t *testing.T, l lister, marker string, max int) ([]string, int) {
	t.Helper()
	var out []string
	for pages := 1; ; pages++ {
		keys, next, err := l.list(marker, max)
		if err != nil {
			t.Fatalf("list(marker %q, MaxItems %d) = %v", marker, max, err)
		}
		if len(keys) > max {
			t.Errorf("page of %d items, want at most %d", len(keys), max)
		}
		out = append(out, keys...)
		if next == "" {
			return out, pages
		}
		if len(keys) == 0 {
			t.Fatalf("empty page with next marker %q", next)
		}
		if pages > 50 {
			t.Fatalf("more than 50 pages: marker %q does not advance", next)
		}
		marker = next
	}
}

func sortedBy(keys []string, less func(a, b string) bool) []string {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	return out
}

// keysOf maps a page to keys.
func keysOf[T any](items []T, next string, err error, key func(T) string) ([]string, string, error) {
	if err != nil {
		return nil, "", err
	}
	out := []string{}
	for _, it := range items {
		out = append(out, key(it))
	}
	return out, next, nil
}

// byName indexes what a lister created by key, for remove.
type byName[T any] map[string]T

func pagedLists(f *fixture) []pagedList {
	st := f.st
	return []pagedList{
		{"ListUsers", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			users := byName[*iam.User]{}
			return lister{
				add: func(name string) string { users[name] = f.user(t, acct, name); return name },
				remove: func(k string) {
					if err := st.DeleteUser(ctx, acct, users[k].ID); err != nil {
						t.Fatalf("DeleteUser(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					us, next, err := st.ListUsers(ctx, acct, "", iam.Page{Marker: m, MaxItems: max})
					return keysOf(us, next, err, func(u iam.User) string { return u.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListGroups", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			groups := byName[*iam.Group]{}
			return lister{
				add: func(name string) string { groups[name] = f.group(t, acct, name); return name },
				remove: func(k string) {
					if err := st.DeleteGroup(ctx, acct, groups[k].ID); err != nil {
						t.Fatalf("DeleteGroup(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					gs, next, err := st.ListGroups(ctx, acct, "", iam.Page{Marker: m, MaxItems: max})
					return keysOf(gs, next, err, func(g iam.Group) string { return g.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListRoles", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			roles := byName[*iam.Role]{}
			return lister{
				add: func(name string) string { roles[name] = f.role(t, acct, name); return name },
				remove: func(k string) {
					if err := st.DeleteRole(ctx, acct, roles[k].ID); err != nil {
						t.Fatalf("DeleteRole(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					rs, next, err := st.ListRoles(ctx, acct, "", iam.Page{Marker: m, MaxItems: max})
					return keysOf(rs, next, err, func(r iam.Role) string { return r.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListPolicies", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			return lister{
				add: func(name string) string { return f.policy(t, acct, name).Name },
				remove: func(k string) {
					if err := st.DeletePolicy(ctx, acct, "arn:aws:iam::"+acct+":policy/"+k); err != nil {
						t.Fatalf("DeletePolicy(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					ps, next, err := st.ListPolicies(ctx, acct, iam.PolicyFilter{Scope: iam.ScopeLocal}, iam.Page{Marker: m, MaxItems: max})
					return keysOf(ps, next, err, func(p iam.ManagedPolicy) string { return p.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListPolicyVersions", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			p := f.policy(t, acct, "versioned")
			// Enough versions first that v10 must sort by number, not text.
			for range 4 {
				v, err := st.CreatePolicyVersion(ctx, acct, p.ARN, policyDoc, false, t0, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.DeletePolicyVersion(ctx, acct, p.ARN, v.VersionID); err != nil {
					t.Fatal(err)
				}
			}
			return lister{
				add: func(string) string {
					v, err := st.CreatePolicyVersion(ctx, acct, p.ARN, policyDoc, false, t0, 1000)
					if err != nil {
						t.Fatalf("CreatePolicyVersion = %v", err)
					}
					return v.VersionID
				},
				remove: func(k string) {
					if err := st.DeletePolicyVersion(ctx, acct, p.ARN, k); err != nil {
						t.Fatalf("DeletePolicyVersion(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					vs, next, err := st.ListPolicyVersions(ctx, acct, p.ARN, iam.Page{Marker: m, MaxItems: max})
					return keysOf(vs, next, err, func(v iam.PolicyVersion) string { return v.VersionID })
				},
				less:  func(a, b string) bool { return versionNumber(a) > versionNumber(b) }, // newest first
				fixed: []string{"v1"},
			}
		}},
		{"ListMFADevices", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			f.enable(t, acct, f.device(t, acct, "zz-bob").Serial, f.user(t, acct, "bob").ID, 1) // another user's
			f.device(t, acct, "zz-spare")                                                       // nobody's
			return lister{
				add: func(name string) string {
					d := f.device(t, acct, name)
					f.enable(t, acct, d.Serial, u.ID, 1)
					return d.Serial
				},
				remove: func(k string) {
					if err := st.DeactivateMFADevice(ctx, acct, k, u.ID); err != nil {
						t.Fatalf("DeactivateMFADevice(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					ds, next, err := st.ListMFADevices(ctx, acct, u.ID, iam.Page{Marker: m, MaxItems: max})
					return keysOf(ds, next, err, func(d iam.MFADevice) string { return d.Serial })
				},
				less: byteLess,
			}
		}},
		virtualDevices("ListVirtualMFADevices/all", nil),
		virtualDevices("ListVirtualMFADevices/assigned", new(true)),
		virtualDevices("ListVirtualMFADevices/unassigned", new(false)),
		{"GroupMembers", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			g := f.group(t, acct, "team")
			f.user(t, acct, "zz-outsider")
			users := byName[*iam.User]{}
			return lister{
				add: func(name string) string {
					u := f.user(t, acct, name)
					if err := st.AddUserToGroup(ctx, acct, g.ID, u.ID, 10); err != nil {
						t.Fatalf("AddUserToGroup(%s) = %v", name, err)
					}
					users[name] = u
					return name
				},
				remove: func(k string) {
					if err := st.RemoveUserFromGroup(ctx, acct, g.ID, users[k].ID); err != nil {
						t.Fatalf("RemoveUserFromGroup(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					us, next, err := st.GroupMembers(ctx, acct, g.ID, iam.Page{Marker: m, MaxItems: max})
					return keysOf(us, next, err, func(u iam.User) string { return u.Name })
				},
				less: lowerLess,
			}
		}},
		{"GroupsForUser", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			f.group(t, acct, "zz-other")
			groups := byName[*iam.Group]{}
			return lister{
				add: func(name string) string {
					g := f.group(t, acct, name)
					if err := st.AddUserToGroup(ctx, acct, g.ID, u.ID, 10); err != nil {
						t.Fatalf("AddUserToGroup(%s) = %v", name, err)
					}
					groups[name] = g
					return name
				},
				remove: func(k string) {
					if err := st.RemoveUserFromGroup(ctx, acct, groups[k].ID, u.ID); err != nil {
						t.Fatalf("RemoveUserFromGroup(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					gs, next, err := st.GroupsForUser(ctx, acct, u.ID, iam.Page{Marker: m, MaxItems: max})
					return keysOf(gs, next, err, func(g iam.Group) string { return g.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListInlinePolicies", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			u := f.user(t, acct, "alice")
			other := f.user(t, acct, "bob")
			if err := st.PutInlinePolicy(ctx, acct, userEntity(other), "zz-bobs", policyDoc, bytesLen, 10000); err != nil {
				t.Fatal(err)
			}
			return lister{
				add: func(name string) string {
					if err := st.PutInlinePolicy(ctx, acct, userEntity(u), name, policyDoc, bytesLen, 10000); err != nil {
						t.Fatalf("PutInlinePolicy(%s) = %v", name, err)
					}
					return name
				},
				remove: func(k string) {
					if err := st.DeleteInlinePolicy(ctx, acct, userEntity(u), k); err != nil {
						t.Fatalf("DeleteInlinePolicy(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					return st.ListInlinePolicies(ctx, acct, userEntity(u), iam.Page{Marker: m, MaxItems: max})
				},
				less: byteLess,
			}
		}},
		{"ListAttachedPolicies", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			r := f.role(t, acct, "admin")
			f.policy(t, acct, "zz-unattached")
			return lister{
				add: func(name string) string {
					p := f.policy(t, acct, name)
					if err := st.AttachPolicy(ctx, acct, roleEntity(r), p.ARN, 100); err != nil {
						t.Fatalf("AttachPolicy(%s) = %v", name, err)
					}
					return name
				},
				remove: func(k string) {
					if err := st.DetachPolicy(ctx, acct, roleEntity(r), "arn:aws:iam::"+acct+":policy/"+k); err != nil {
						t.Fatalf("DetachPolicy(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					ps, next, err := st.ListAttachedPolicies(ctx, acct, roleEntity(r), "", iam.Page{Marker: m, MaxItems: max})
					return keysOf(ps, next, err, func(p iam.AttachedPolicy) string { return p.Name })
				},
				less: lowerLess,
			}
		}},
		{"ListEntitiesForPolicy", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			p := f.policy(t, acct, "shared")
			f.user(t, acct, "zz-unattached")
			entities := byName[iam.Entity]{}
			n := 0
			return lister{
				// Items cycle through the three kinds; the list orders by
				// kind, then by name.
				add: func(name string) string {
					var e iam.Entity
					switch n % 3 {
					case 0:
						e = userEntity(f.user(t, acct, name))
					case 1:
						e = groupEntity(f.group(t, acct, name))
					default:
						e = roleEntity(f.role(t, acct, name))
					}
					n++
					if err := st.AttachPolicy(ctx, acct, e, p.ARN, 100); err != nil {
						t.Fatalf("AttachPolicy(%s) = %v", name, err)
					}
					k := string(e.Kind) + "/" + name
					entities[k] = e
					return k
				},
				remove: func(k string) {
					if err := st.DetachPolicy(ctx, acct, entities[k], p.ARN); err != nil {
						t.Fatalf("DetachPolicy(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					es, next, err := st.ListEntitiesForPolicy(ctx, acct, p.ARN, nil, "", iam.Page{Marker: m, MaxItems: max})
					return keysOf(es, next, err, func(e iam.PolicyEntity) string { return string(e.Kind) + "/" + e.Name })
				},
				less: func(a, b string) bool {
					ka, na, _ := strings.Cut(a, "/")
					kb, nb, _ := strings.Cut(b, "/")
					if ka != kb {
						return ka < kb
					}
					return lowerLess(na, nb)
				},
			}
		}},
		{"ListRoleTags", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			r := f.role(t, acct, "tagged")
			f.role(t, acct, "other", iam.Tag{Key: "zz-others", Value: "x"})
			return lister{
				add: func(name string) string {
					if err := st.TagRole(ctx, acct, r.ID, []iam.Tag{{Key: name, Value: "v"}}, 50); err != nil {
						t.Fatalf("TagRole(%s) = %v", name, err)
					}
					return name
				},
				remove: func(k string) {
					if err := st.UntagRole(ctx, acct, r.ID, []string{k}); err != nil {
						t.Fatalf("UntagRole(%s) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					ts, next, err := st.ListRoleTags(ctx, acct, r.ID, iam.Page{Marker: m, MaxItems: max})
					return keysOf(ts, next, err, func(t iam.Tag) string { return t.Key })
				},
				less: lowerLess,
			}
		}},
		{"ListQuotaRequests", func(t *testing.T, f *fixture) lister {
			acct := f.account(t)
			other := f.account(t)
			// Requests sort newest first, then by id, descending; each
			// item's time comes from its name's number, so the names
			// k00a and k00 share a time and their ids decide. Requests
			// are never deleted: the list is of PENDING ones, and an item
			// leaves it when it is denied. Each asks for a quota of its
			// own, as an account has one open request per quota.
			create := func(acct, name string) string {
				at := t0.Add(time.Duration(nameNumber(name)) * time.Minute)
				r := &quotas.Request{ID: acct + "-" + name, AccountID: acct, QuotaKey: "Quota" + name, DesiredValue: 100,
					Status: quotas.StatusPending, Requester: "arn:aws:iam::" + acct + ":root", CreatedAt: at, UpdatedAt: at}
				if err := st.CreateQuotaRequest(ctx, r); err != nil {
					t.Fatalf("CreateQuotaRequest(%s) = %v", r.ID, err)
				}
				return r.ID
			}
			create(other, "k02")
			decided := create(acct, "k99")
			if _, err := st.ResolveQuotaRequest(ctx, decided, quotas.StatusApproved, t0); err != nil {
				t.Fatal(err)
			}
			return lister{
				add: func(name string) string { return create(acct, name) },
				remove: func(k string) {
					if _, err := st.ResolveQuotaRequest(ctx, k, quotas.StatusDenied, t0); err != nil {
						t.Fatalf("ResolveQuotaRequest(%s, denied) = %v", k, err)
					}
				},
				list: func(m string, max int) ([]string, string, error) {
					rs, next, err := st.ListQuotaRequests(ctx, quotas.RequestFilter{AccountID: acct, Status: quotas.StatusPending},
						quotas.Page{Token: m, Max: max})
					return keysOf(rs, next, err, func(r quotas.Request) string { return r.ID })
				},
				less: func(a, b string) bool {
					na, nb := nameNumber(a), nameNumber(b)
					if na != nb {
						return na > nb
					}
					return a > b
				},
			}
		}},
	}
}

// virtualDevices lists virtual devices, all or by assignment, among
// devices that the filter leaves out.
func virtualDevices(name string, assigned *bool) pagedList {
	return pagedList{name, func(t *testing.T, f *fixture) lister {
		st := f.st
		acct := f.account(t)
		u := f.user(t, acct, "alice")
		hw := newHardware(acct, "zz-hardware"+acct)
		if err := st.ImportHardwareTokens(ctx, acct, []iam.MFADevice{hw}); err != nil {
			t.Fatal(err)
		}
		f.enable(t, acct, hw.Serial, u.ID, 1) // assigned, but not virtual
		if assigned != nil {
			noise := f.device(t, acct, "zz-noise")
			if !*assigned {
				f.enable(t, acct, noise.Serial, u.ID, 1)
			}
		}
		return lister{
			add: func(name string) string {
				d := f.device(t, acct, name)
				if assigned != nil && *assigned {
					f.enable(t, acct, d.Serial, u.ID, 1)
				}
				return d.Serial
			},
			remove: func(k string) {
				if assigned != nil && *assigned {
					if err := st.DeactivateMFADevice(ctx, acct, k, u.ID); err != nil {
						t.Fatalf("DeactivateMFADevice(%s) = %v", k, err)
					}
				}
				if err := st.DeleteMFADevice(ctx, acct, k); err != nil {
					t.Fatalf("DeleteMFADevice(%s) = %v", k, err)
				}
			},
			list: func(m string, max int) ([]string, string, error) {
				ds, next, err := st.ListVirtualMFADevices(ctx, acct, assigned, iam.Page{Marker: m, MaxItems: max})
				return keysOf(ds, next, err, func(d iam.DeviceWithUser) string { return d.Device.Serial })
			},
			less: byteLess,
		}
	}}
}

// versionNumber is 7 for "v7".
func versionNumber(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "v"))
	return n
}

// nameNumber is the number after the last k or K of a key: 3 for
// "…-K03a".
func nameNumber(key string) int {
	s := key[strings.LastIndexAny(key, "kK")+1:]
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}
