package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// maxSeedUsers bounds --users: the size test is a million; twice that is
// still a few minutes.
const maxSeedUsers = 2_000_000

// benchReadPolicy is the reader's inline policy ("bench-read"): what the
// authorised-read scenario calls, on every user.
const benchReadPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
	`"Action":["iam:ListMFADevices","iam:GetUser","sts:GetCallerIdentity"],"Resource":"*"}]}`

// benchSeed runs "iamd bench seed": it fills an account with --users users,
// each with an active access key and an enabled virtual MFA device, all
// derived from the manifest's seed (bench_users.go), in batches of --batch
// users per transaction (store.BulkCreateUsers, which checks no quota). The
// manifest is rewritten after every committed batch, so a second run (or
// one after Ctrl-C) continues where the store ends.
func benchSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	users := fs.Int("users", 0, "seed users 0 to N-1 (required, 1 to 2000000); a manifest with fewer is continued")
	accountID := fs.String("account", "", "the account to fill (default: the store's only account; one is created in an empty store)")
	manifestPath := fs.String("manifest", "", "the manifest to write, or continue (default: bench-manifest.json in the data dir)")
	batch := fs.Int("batch", 1000, "users per transaction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench seed takes no arguments, got %q", fs.Args())
	}
	n := *users
	if n < 1 || n > maxSeedUsers {
		return fmt.Errorf("bench seed: --users must be 1 to %d, got %d", maxSeedUsers, n)
	}
	if *batch < 1 || *batch > 100_000 {
		return fmt.Errorf("bench seed: --batch must be 1 to 100000, got %d", *batch)
	}
	path := *manifestPath
	if path == "" {
		path = filepath.Join(sf.dataDir, "bench-manifest.json")
	}

	svc, st, err := sf.service(ctx, newLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	acct, err := seedAccount(ctx, svc, st, *accountID, stdout, stderr)
	if err != nil {
		return err
	}
	m, err := readManifest(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Bench users have derived keys and enabled devices whose seeds the
		// manifest gives away: they belong in a store of their own, never
		// in an account people use. A new manifest is started only in an
		// account without IAM users.
		usage, err := st.Usage(ctx, acct)
		if err != nil {
			return err
		}
		if usage.Users > 0 {
			return fmt.Errorf("bench seed: account %s already has %d IAM users: seed a store of its own (a new --data-dir or database), "+
				"since every bench user's credentials derive from the manifest", acct, usage.Users)
		}
		if m, err = newBenchManifest(ctx, svc, acct); err != nil {
			return err
		}
		if err := saveManifest(path, m); err != nil {
			return err
		}
	case err != nil:
		return err
	case m.AccountID != acct:
		return fmt.Errorf("bench seed: %s is the manifest of account %s, not %s: pass --account %s, or another --manifest",
			path, m.AccountID, acct, m.AccountID)
	}

	// Room above the seeded users for what bench run creates through the
	// API (the reader, one user per worker for enable-device).
	if err := raiseUsersQuota(ctx, st, acct, n+benchSpareUsers); err != nil {
		return err
	}

	// A batch that committed just before the process died is in the store
	// but not in the manifest: continue after it.
	from, err := seededUpTo(ctx, st, m, n)
	if err != nil {
		return err
	}
	if from > m.Users {
		fmt.Fprintf(stderr, "seed: the store holds users %d to %d beyond the manifest's %d: continuing after them\n", m.Users, from-1, m.Users)
		m.Users = from
		if err := saveManifest(path, m); err != nil {
			return err
		}
	}
	if m.Users >= n {
		fmt.Fprintf(stdout, "seed: the manifest has %d users already (asked for %d): nothing to do; manifest %s\n", m.Users, n, path)
		return nil
	}

	start := m.Users
	began := time.Now()
	prog := newSeedProgress(stderr, start, n, began)
	for m.Users < n {
		if ctx.Err() != nil {
			prog.done()
			fmt.Fprintf(stderr, "seed: interrupted at %d/%d users; manifest %s (run again to continue)\n", m.Users, n, path)
			return ctx.Err()
		}
		end := min(m.Users+*batch, n)
		rows := seedBatch(m, m.Users, end, time.Now().UTC().Truncate(time.Second))
		// A batch in flight is finished, not cancelled: Ctrl-C stops
		// between batches.
		if err := st.BulkCreateUsers(context.WithoutCancel(ctx), acct, rows); err != nil {
			prog.done()
			if errors.Is(err, iam.ErrExists) {
				return fmt.Errorf("bench seed: users %d to %d: %w: the account holds a %s or bench user not of this manifest's seed; "+
					"seed into a fresh store or account", m.Users, end-1, err, benchReaderName)
			}
			return fmt.Errorf("bench seed: users %d to %d: %w", m.Users, end-1, err)
		}
		m.Users = end
		if err := saveManifest(path, m); err != nil {
			prog.done()
			return err
		}
		prog.update(end, time.Now())
	}
	prog.done()
	took := time.Since(began)
	added := n - start
	rate := thousands(float64(added) / max(took.Seconds(), 1e-9))
	if start == 0 {
		fmt.Fprintf(stdout, "seed: %d users in %s (%s users/s); manifest %s\n", n, roundDuration(took), rate, path)
	} else {
		fmt.Fprintf(stdout, "seed: %d users (%d new) in %s (%s users/s); manifest %s\n", n, added, roundDuration(took), rate, path)
	}
	return nil
}

// seedAccount resolves the account to fill: id, or the store's only one.
// In a store without accounts it creates one (id, or a generated one) as
// "iamd account create" does, and shows its root credentials once.
func seedAccount(ctx context.Context, svc *iam.Service, st *store.Store, id string, stdout, stderr io.Writer) (string, error) {
	accts, err := st.Accounts(ctx)
	if err != nil {
		return "", err
	}
	if len(accts) > 0 {
		return resolveAccount(ctx, st, id)
	}
	c, err := svc.CreateAccount(ctx, iam.NewAccount{ID: id})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "account_id        %s\nroot_email        %s\nroot_password     %s\naccess_key_id     %s\nsecret_access_key %s\n",
		c.Account.ID, c.Account.Email, c.RootPassword, c.RootAccessKeyID, c.RootSecretAccessKey)
	fmt.Fprintln(stderr, "WARNING: the store had no account: one was created, and its root credentials are shown only once.")
	return c.Account.ID, nil
}

// raiseUsersQuota sets the account's users quota to at least min, so that
// API calls counted against it (CreateUser, CreateVirtualMFADevice) are not
// refused in a seeded account.
// benchSpareUsers is how many users above --users the quota allows.
const benchSpareUsers = 1000

func raiseUsersQuota(ctx context.Context, st *store.Store, acct string, atLeast int) error {
	q, err := st.Quotas(ctx, acct)
	if err != nil {
		return err
	}
	cur, ok := q[iam.QuotaUsers]
	if !ok {
		cur, _ = iam.DefaultQuota(iam.QuotaUsers)
	}
	if cur >= atLeast {
		return nil
	}
	return st.SetQuota(ctx, acct, iam.QuotaUsers, atLeast)
}

// newBenchManifest makes a manifest with a fresh seed and creates its
// reader through the IAM API as the account's root: the user, an access
// key and the inline policy "bench-read".
func newBenchManifest(ctx context.Context, svc *iam.Service, acct string) (*benchManifest, error) {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	root := &authz.Principal{AccountID: acct,
		User: &authz.Identity{AccountID: acct, ID: acct, Name: iam.RootUserName, Path: "/", Root: true}}
	if _, err := svc.CreateUser(ctx, root, "/", benchReaderName); err != nil {
		return nil, fmt.Errorf("bench seed: create %s (a manifest lost? seed into a fresh store or account): %w", benchReaderName, err)
	}
	k, _, err := svc.CreateAccessKey(ctx, root, benchReaderName)
	if err != nil {
		return nil, fmt.Errorf("bench seed: access key of %s: %w", benchReaderName, err)
	}
	if err := svc.PutInlinePolicy(ctx, root, iam.EntityUser, benchReaderName, "bench-read", benchReadPolicy); err != nil {
		return nil, fmt.Errorf("bench seed: policy of %s: %w", benchReaderName, err)
	}
	return &benchManifest{AccountID: acct, Seed: hex.EncodeToString(seed),
		Reader: benchKey{AccessKeyID: k.ID, SecretAccessKey: k.Secret}}, nil
}

// seedBatch returns seeded users from..to-1 as the store's bulk rows.
func seedBatch(m *benchManifest, from, to int, now time.Time) []store.BulkUser {
	rows := make([]store.BulkUser, 0, to-from)
	for i := from; i < to; i++ {
		bu := m.user(i)
		rows = append(rows, store.BulkUser{
			User: iam.User{AccountID: m.AccountID, ID: bu.UserID, Name: bu.Name, Path: "/", CreatedAt: now},
			Key: &iam.AccessKey{ID: bu.Key.AccessKeyID, AccountID: m.AccountID, UserID: bu.UserID,
				Secret: bu.Key.SecretAccessKey, Status: iam.KeyActive, CreatedAt: now},
			// As CreateVirtualMFADevice makes it, then EnableMFADevice.
			Device: &iam.MFADevice{Serial: bu.Serial, AccountID: m.AccountID, Kind: iam.DeviceVirtual, Path: "/", Name: bu.Name,
				Secret: bu.MFASecret, Digits: 6, Period: 30, OTPType: iam.OTPTypeTOTP, Hash: "SHA1", CreatedAt: now,
				UserID: bu.UserID, EnabledAt: now},
		})
	}
	return rows
}

// seededUpTo returns the first of users m.Users..n-1 not in the store (n
// when all are). Batches commit in order, all or nothing, so the seeded
// users are a prefix; a user counts as seeded when its derived access key
// is in the store.
func seededUpTo(ctx context.Context, st *store.Store, m *benchManifest, n int) (int, error) {
	has := func(i int) (bool, error) {
		_, _, err := st.AccessKey(ctx, m.user(i).Key.AccessKeyID)
		if errors.Is(err, iam.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	lo := m.Users // the first user that may be missing
	if lo >= n {
		return lo, nil
	}
	if ok, err := has(lo); err != nil || !ok {
		return lo, err
	}
	// lo is seeded: gallop to a missing one, then bisect.
	step, hi := 1, n
	for {
		probe := lo + step
		if probe >= n {
			break
		}
		ok, err := has(probe)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = probe
			break
		}
		lo, step = probe, step*2
	}
	// lo is seeded, hi is missing (or n).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := has(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// saveManifest writes the manifest atomically (a temporary file in the same
// directory, synced, then renamed over it), mode 0600: a crash leaves the
// old manifest or the new one.
func saveManifest(path string, m *benchManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// seedProgress reports on stderr at most every 250 ms: on a terminal one
// line rewritten in place, else a line every 5 s.
type seedProgress struct {
	w        io.Writer
	tty      bool
	from, n  int
	began    time.Time
	last     time.Time
	every    time.Duration
	lastLen  int
	reported bool
}

func newSeedProgress(w io.Writer, from, n int, began time.Time) *seedProgress {
	p := &seedProgress{w: w, tty: isTerminal(w), from: from, n: n, began: began, last: began, every: 5 * time.Second}
	if p.tty {
		p.every = 250 * time.Millisecond
	}
	return p
}

// update reports done users when the interval has passed since the last
// report.
func (p *seedProgress) update(done int, now time.Time) {
	if now.Sub(p.last) < p.every && done < p.n {
		return
	}
	if !p.tty && done >= p.n {
		return // the final line on stdout says it
	}
	p.last = now
	line := seedProgressLine(done, p.n, p.from, now.Sub(p.began))
	if p.tty {
		pad := max(p.lastLen-len(line), 0)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		p.lastLen = len(line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.reported = true
}

// done ends the rewritten line.
func (p *seedProgress) done() {
	if p.tty && p.reported {
		fmt.Fprintln(p.w)
		p.reported = false
	}
}

// seedProgressLine is "seed: 250000/1000000 users (25%), 41,200 users/s,
// eta 18s": the rate of this run (users from from on).
func seedProgressLine(done, n, from int, elapsed time.Duration) string {
	rate := float64(done-from) / max(elapsed.Seconds(), 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(n-done)/rate*float64(time.Second)) + time.Second/2).Truncate(time.Second).String()
	}
	return fmt.Sprintf("seed: %d/%d users (%d%%), %s users/s, eta %s", done, n, done*100/n, thousands(rate), eta)
}

// roundDuration shows a run's time: milliseconds under a second, else
// whole seconds.
func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
