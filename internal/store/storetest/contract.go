package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/s3"
)

// Store is what the contract covers: the storage interfaces of the iam,
// quotas and s3 domains, which internal/store implements for every engine.
type Store interface {
	iam.Store
	quotas.Store
	s3.Store
	// S3Blobs is where the s3 domain keeps object bytes.
	S3Blobs() s3.Blobs
}

// Contract runs the storage contract on stores that open returns, one
// fresh store per group of subtests: single-use MFA codes, quota races,
// pagination, tags, throttles, all-or-nothing writes, and S3 buckets,
// versions and blobs. Each subtest works in an account of its own, so the
// subtests of a group share the store.
func Contract(t *testing.T, open func(testing.TB) Store) {
	groups := []struct {
		name string
		run  func(*testing.T, *fixture)
	}{
		{"SingleUseCodes", testSingleUseCodes},
		{"Quotas", testQuotas},
		{"Pagination", testPagination},
		{"Tags", testTags},
		{"Throttles", testThrottles},
		{"Atomicity", testAtomicity},
		{"S3", testS3},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			g.run(t, &fixture{st: open(t)})
		})
	}
}

// racers is how many goroutines a race test starts at once.
const racers = 50

// t0 is the contract's clock: every time the suite writes is relative to it.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

var ctx = context.Background()

// fixture creates entities with ids unique in one store.
type fixture struct {
	st Store
	n  atomic.Int64
}

// id returns a new id with the prefix, unique in the store.
func (f *fixture) id(prefix string) string { return fmt.Sprintf("%s%08d", prefix, f.n.Add(1)) }

// account creates an account with its root user (whose id is the
// account's, as iam makes it) and returns its id.
func (f *fixture) account(t testing.TB) string {
	t.Helper()
	id := fmt.Sprintf("%012d", 100000000000+f.n.Add(1))
	a := &iam.Account{ID: id, Email: id + "@example.com", CreatedAt: t0}
	root := &iam.User{ID: id, AccountID: id, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: t0}
	if err := f.st.CreateAccount(ctx, a, root, "", nil); err != nil {
		t.Fatalf("CreateAccount(%s) = %v", id, err)
	}
	return id
}

// newUser returns an IAM user of the account, not yet stored.
func (f *fixture) newUser(acct, name string) *iam.User {
	return &iam.User{ID: f.id("AIDA"), AccountID: acct, Name: name, Path: "/", CreatedAt: t0}
}

// user creates an IAM user.
func (f *fixture) user(t testing.TB, acct, name string) *iam.User {
	t.Helper()
	u := f.newUser(acct, name)
	if err := f.st.CreateUser(ctx, u, 1000); err != nil {
		t.Fatalf("CreateUser(%s) = %v", name, err)
	}
	return u
}

// newDevice returns an unassigned virtual device, not yet stored.
func newDevice(acct, name string) *iam.MFADevice {
	return &iam.MFADevice{Serial: iam.VirtualSerial(acct, "/", name), AccountID: acct, Kind: iam.DeviceVirtual,
		Path: "/", Name: name, Secret: []byte("12345678901234567890"), Digits: 6, Period: 30, CreatedAt: t0}
}

// device creates an unassigned virtual device.
func (f *fixture) device(t testing.TB, acct, name string) *iam.MFADevice {
	t.Helper()
	d := newDevice(acct, name)
	if err := f.st.CreateMFADevice(ctx, d, 1000); err != nil {
		t.Fatalf("CreateMFADevice(%s) = %v", name, err)
	}
	return d
}

// enable assigns a device to a user at step.
func (f *fixture) enable(t testing.TB, acct, serial, userID string, step int64) {
	t.Helper()
	if err := f.st.EnableMFADevice(ctx, acct, serial, userID, step, 0, t0, 1000); err != nil {
		t.Fatalf("EnableMFADevice(%s, step %d) = %v", serial, step, err)
	}
}

// newHardware returns a hardware token, not yet stored.
func newHardware(acct, serial string) iam.MFADevice {
	return iam.MFADevice{Serial: serial, AccountID: acct, Kind: iam.DeviceHardware, Path: "/", Secret: []byte("hardware-seed-123456"),
		Digits: 6, Period: 30, CreatedAt: t0}
}

// group creates a group.
func (f *fixture) group(t testing.TB, acct, name string) *iam.Group {
	t.Helper()
	g := &iam.Group{ID: f.id("AGPA"), AccountID: acct, Name: name, Path: "/", CreatedAt: t0}
	if err := f.st.CreateGroup(ctx, g, 1000); err != nil {
		t.Fatalf("CreateGroup(%s) = %v", name, err)
	}
	return g
}

// newRole returns a role, not yet stored.
func (f *fixture) newRole(acct, name string, tags ...iam.Tag) *iam.Role {
	return &iam.Role{ID: f.id("AROA"), AccountID: acct, Name: name, Path: "/", AssumeRolePolicy: `{"Statement":[]}`,
		MaxSessionDuration: 3600, CreatedAt: t0, Tags: tags}
}

// role creates a role.
func (f *fixture) role(t testing.TB, acct, name string, tags ...iam.Tag) *iam.Role {
	t.Helper()
	r := f.newRole(acct, name, tags...)
	if err := f.st.CreateRole(ctx, r, 1000); err != nil {
		t.Fatalf("CreateRole(%s) = %v", name, err)
	}
	return r
}

// newPolicy returns a customer managed policy, not yet stored.
func (f *fixture) newPolicy(acct, name string) *iam.ManagedPolicy {
	return &iam.ManagedPolicy{ARN: "arn:aws:iam::" + acct + ":policy/" + name, ID: f.id("ANPA"), AccountID: acct,
		Name: name, Path: "/", DefaultVersion: "v1", CreatedAt: t0, UpdatedAt: t0}
}

// policy creates a customer managed policy.
func (f *fixture) policy(t testing.TB, acct, name string) *iam.ManagedPolicy {
	t.Helper()
	p := f.newPolicy(acct, name)
	if err := f.st.CreatePolicy(ctx, p, policyDoc, 1000); err != nil {
		t.Fatalf("CreatePolicy(%s) = %v", name, err)
	}
	return p
}

const policyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`

// accessKey creates an active access key for a user.
func (f *fixture) accessKey(t testing.TB, acct, userID string) *iam.AccessKey {
	t.Helper()
	k := f.newAccessKey(acct, userID)
	if err := f.st.CreateAccessKey(ctx, k, 1000); err != nil {
		t.Fatalf("CreateAccessKey(%s) = %v", userID, err)
	}
	return k
}

// newAccessKey returns an access key, not yet stored.
func (f *fixture) newAccessKey(acct, userID string) *iam.AccessKey {
	return &iam.AccessKey{ID: f.id("AKIATEST"), AccountID: acct, UserID: userID, Secret: "secret-" + userID,
		Status: iam.KeyActive, CreatedAt: t0}
}

// userEntity, groupEntity and roleEntity name an entity for the policy
// methods.
func userEntity(u *iam.User) iam.Entity {
	return iam.Entity{Kind: iam.EntityUser, ID: u.ID, Name: u.Name}
}

func groupEntity(g *iam.Group) iam.Entity {
	return iam.Entity{Kind: iam.EntityGroup, ID: g.ID, Name: g.Name}
}

func roleEntity(r *iam.Role) iam.Entity {
	return iam.Entity{Kind: iam.EntityRole, ID: r.ID, Name: r.Name}
}

// race runs op racers times at once, released together, and returns each
// call's error by index.
func race(n int, op func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = op(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// outcome sorts a race's errors into successes, the expected refusal and
// anything else.
type outcome struct {
	refusal     error
	ok, refused int
	winners     []int // indexes of the calls that succeeded
	other       []error
}

func tally(errs []error, refusal error) outcome {
	o := outcome{refusal: refusal}
	for i, err := range errs {
		switch {
		case err == nil:
			o.ok++
			o.winners = append(o.winners, i)
		case errors.Is(err, refusal):
			o.refused++
		default:
			o.other = append(o.other, err)
		}
	}
	return o
}

// check reports a race in which other than want calls succeeded or the
// others did not fail with the refusal.
func (o outcome) check(t testing.TB, what string, want int) {
	t.Helper()
	n := o.ok + o.refused + len(o.other)
	if o.ok != want || o.refused != n-want {
		t.Errorf("%s x%d: %d succeeded and %d got %v, want %d and %d", what, n, o.ok, o.refused, o.refusal, want, n-want)
	}
	for i, err := range o.other {
		if i == 3 {
			t.Errorf("%s: %d more unexpected errors", what, len(o.other)-3)
			break
		}
		t.Errorf("%s = %v, want nil or %v", what, err, o.refusal)
	}
}

// sameError reports whether err is want: nil only for nil, else errors.Is.
func sameError(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// conflict returns the What of a *iam.ConflictError, or "" when err is
// none.
func conflict(err error) string {
	var ce *iam.ConflictError
	if errors.As(err, &ce) {
		return ce.What
	}
	return ""
}

// lowerLess orders keys as IAM orders names: ignoring case.
func lowerLess(a, b string) bool { return strings.ToLower(a) < strings.ToLower(b) }

// byteLess orders keys byte by byte.
func byteLess(a, b string) bool { return a < b }
