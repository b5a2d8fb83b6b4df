package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
)

// tagged is one kind of taggable entity, seen through its tag methods.
type tagged struct {
	tag   func(tags []iam.Tag, max int) error
	untag func(keys []string) error
	// read returns the tags as every reader of the entity sees them; it
	// reports readers that disagree.
	read func(t *testing.T) ([]iam.Tag, error)
}

// taggable is a kind of entity with tags: fold says whether its keys
// ignore case (users and roles) or not (MFA devices).
type taggable struct {
	name string
	fold bool
	// create makes an entity with tags in a fresh account; missing is one
	// that does not exist.
	create  func(t *testing.T, f *fixture, tags []iam.Tag) tagged
	missing func(t *testing.T, f *fixture) tagged
}

func taggables(f *fixture) []taggable {
	st := f.st
	user := func(acct, id string) tagged {
		return tagged{
			tag:   func(tags []iam.Tag, max int) error { return st.TagUser(ctx, acct, id, tags, max) },
			untag: func(keys []string) error { return st.UntagUser(ctx, acct, id, keys) },
			read: func(t *testing.T) ([]iam.Tag, error) {
				u, err := st.UserByID(ctx, acct, id)
				if err != nil {
					return nil, err
				}
				byName, err := st.UserByName(ctx, acct, u.Name)
				if err != nil {
					t.Fatalf("UserByName(%s) = %v", u.Name, err)
				}
				if diff := cmp.Diff(u.Tags, byName.Tags); diff != "" {
					t.Errorf("UserByName's tags differ from UserByID's (-id +name):\n%s", diff)
				}
				keys, err := st.ListAccessKeys(ctx, acct, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					_, owner, err := st.AccessKey(ctx, k.ID)
					if err != nil {
						t.Fatalf("AccessKey(%s) = %v", k.ID, err)
					}
					if diff := cmp.Diff(u.Tags, owner.Tags); diff != "" {
						t.Errorf("AccessKey's owner tags differ from UserByID's (-id +key):\n%s", diff)
					}
				}
				return u.Tags, nil
			},
		}
	}
	role := func(acct, id string) tagged {
		return tagged{
			tag:   func(tags []iam.Tag, max int) error { return st.TagRole(ctx, acct, id, tags, max) },
			untag: func(keys []string) error { return st.UntagRole(ctx, acct, id, keys) },
			read: func(t *testing.T) ([]iam.Tag, error) {
				r, err := st.RoleByID(ctx, acct, id)
				if err != nil {
					return nil, err
				}
				byName, err := st.RoleByName(ctx, acct, r.Name)
				if err != nil {
					t.Fatalf("RoleByName(%s) = %v", r.Name, err)
				}
				if diff := cmp.Diff(r.Tags, byName.Tags); diff != "" {
					t.Errorf("RoleByName's tags differ from RoleByID's (-id +name):\n%s", diff)
				}
				listed, _, err := st.ListRoleTags(ctx, acct, id, iam.Page{MaxItems: 100})
				if err != nil {
					t.Fatalf("ListRoleTags = %v", err)
				}
				if diff := cmp.Diff(r.Tags, listed, emptyIsNil); diff != "" {
					t.Errorf("ListRoleTags differs from RoleByID's tags (-id +list):\n%s", diff)
				}
				return r.Tags, nil
			},
		}
	}
	device := func(acct, serial string) tagged {
		return tagged{
			tag:   func(tags []iam.Tag, max int) error { return st.TagMFADevice(ctx, acct, serial, tags, max) },
			untag: func(keys []string) error { return st.UntagMFADevice(ctx, acct, serial, keys) },
			read:  func(*testing.T) ([]iam.Tag, error) { return st.MFADeviceTags(ctx, acct, serial) },
		}
	}
	return []taggable{
		{name: "user", fold: true,
			create: func(t *testing.T, f *fixture, tags []iam.Tag) tagged {
				acct := f.account(t)
				u := f.newUser(acct, "alice")
				u.Tags = tags
				if err := st.CreateUser(ctx, u, 10); err != nil {
					t.Fatalf("CreateUser = %v", err)
				}
				f.accessKey(t, acct, u.ID)
				return user(acct, u.ID)
			},
			missing: func(t *testing.T, f *fixture) tagged { return user(f.account(t), "AIDANOSUCHUSER") },
		},
		{name: "role", fold: true,
			create: func(t *testing.T, f *fixture, tags []iam.Tag) tagged {
				acct := f.account(t)
				return role(acct, f.role(t, acct, "admin", tags...).ID)
			},
			missing: func(t *testing.T, f *fixture) tagged { return role(f.account(t), "AROANOSUCHROLE") },
		},
		{name: "MFA device", fold: false,
			create: func(t *testing.T, f *fixture, tags []iam.Tag) tagged {
				acct := f.account(t)
				d := newDevice(acct, "tagged")
				d.Tags = tags
				if err := st.CreateMFADevice(ctx, d, 10); err != nil {
					t.Fatalf("CreateMFADevice = %v", err)
				}
				return device(acct, d.Serial)
			},
			missing: func(t *testing.T, f *fixture) tagged {
				acct := f.account(t)
				// A hardware token has no tags of its own: only virtual
				// devices are taggable.
				hw := newHardware(acct, "HWTAG"+acct)
				if err := st.ImportHardwareTokens(ctx, acct, []iam.MFADevice{hw}); err != nil {
					t.Fatal(err)
				}
				return device(acct, hw.Serial)
			},
		},
	}
}

// emptyIsNil lets an empty list equal none.
var emptyIsNil = cmp.Comparer(func(a, b []iam.Tag) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

func tags(kv ...string) []iam.Tag {
	var out []iam.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, iam.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func testTags(t *testing.T, f *fixture) {
	// Each step runs on an entity that went through the steps before it;
	// fold and exact are the tags afterwards when keys ignore case and
	// when they do not.
	type step struct {
		name        string
		tag         []iam.Tag
		max         int
		untag       []string
		want        error // both ways, unless wantExact is set
		wantExact   error
		fold, exact []iam.Tag
	}
	steps := []step{
		{name: "tag", tag: tags("b", "1", "A", "2"), max: 10,
			fold: tags("A", "2", "b", "1"), exact: tags("A", "2", "b", "1")},
		{name: "tag a key in other case", tag: tags("B", "3"), max: 10,
			fold: tags("A", "2", "B", "3"), exact: tags("A", "2", "B", "3", "b", "1")},
		{name: "tag past the limit", tag: tags("c", "4", "d", "5"), max: 3, want: iam.ErrLimit,
			fold: tags("A", "2", "B", "3"), exact: tags("A", "2", "B", "3", "b", "1")},
		{name: "retag at the limit", tag: tags("a", "6"), max: 3, wantExact: iam.ErrLimit,
			fold: tags("a", "6", "B", "3"), exact: tags("A", "2", "B", "3", "b", "1")},
		{name: "empty value", tag: tags("e", ""), max: 10,
			fold: tags("a", "6", "B", "3", "e", ""), exact: tags("A", "2", "B", "3", "b", "1", "e", "")},
		{name: "untag", untag: []string{"b"},
			fold: tags("a", "6", "e", ""), exact: tags("A", "2", "B", "3", "e", "")},
		{name: "untag absent keys", untag: []string{"zz", "b"},
			fold: tags("a", "6", "e", ""), exact: tags("A", "2", "B", "3", "e", "")},
		{name: "untag all", untag: []string{"a", "A", "B", "e"}},
	}
	for _, k := range taggables(f) {
		t.Run(k.name+"/steps", func(t *testing.T) {
			e := k.create(t, f, nil)
			for _, s := range steps {
				want, wantTags := s.want, s.exact
				if k.fold {
					wantTags = s.fold
				} else if s.wantExact != nil {
					want = s.wantExact
				}
				var err error
				if s.tag != nil {
					err = e.tag(s.tag, s.max)
				} else {
					err = e.untag(s.untag)
				}
				if !sameError(err, want) {
					t.Errorf("%s %v (max %d): %v, want %v", s.name, s.tag, s.max, err, want)
				}
				got, err := e.read(t)
				if err != nil {
					t.Fatalf("reading tags after %s: %v", s.name, err)
				}
				if diff := cmp.Diff(wantTags, got, emptyIsNil); diff != "" {
					t.Errorf("tags after %s (-want +got):\n%s", s.name, diff)
				}
			}
		})

		t.Run(k.name+"/created with tags", func(t *testing.T) {
			e := k.create(t, f, tags("b", "1", "C", "2", "A", "3"))
			want := tags("A", "3", "C", "2", "b", "1")
			if k.fold {
				want = tags("A", "3", "b", "1", "C", "2")
			}
			got, err := e.read(t)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags of an entity created with tags (-want +got):\n%s", diff)
			}
		})

		t.Run(k.name+"/missing entity", func(t *testing.T) {
			e := k.missing(t, f)
			if err := e.tag(tags("a", "1"), 10); !sameError(err, iam.ErrNotFound) {
				t.Errorf("tag = %v, want %v", err, iam.ErrNotFound)
			}
			if err := e.untag([]string{"a"}); !sameError(err, iam.ErrNotFound) {
				t.Errorf("untag = %v, want %v", err, iam.ErrNotFound)
			}
			if _, err := e.read(t); !sameError(err, iam.ErrNotFound) {
				t.Errorf("read = %v, want %v", err, iam.ErrNotFound)
			}
		})

		t.Run(k.name+"/concurrent tags are all kept", func(t *testing.T) {
			e := k.create(t, f, nil)
			errs := race(racers, func(i int) error { return e.tag([]iam.Tag{numberedTag(i)}, 1000) })
			tally(errs, iam.ErrLimit).check(t, "tag", racers)
			got, err := e.read(t)
			if err != nil {
				t.Fatal(err)
			}
			var want []iam.Tag
			for i := range racers {
				want = append(want, numberedTag(i))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags after %d concurrent tag calls (-want +got):\n%s", racers, diff)
			}
		})
	}
}
