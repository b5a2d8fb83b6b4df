package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store/storetest"
)

func TestMFAUserNextStepNearABoundary(t *testing.T) {
	// Half a second before step 1001 begins, the code for 999 is not
	// sent: the server may already be at 1001 when it arrives.
	u := &mfaUser{}
	if got, ok := u.nextStep(1001, 1000); got != 1000 || !ok {
		t.Errorf("nextStep near a boundary = %d, %v; want 1000, true", got, ok)
	}
}

func TestMFAUserNextStep(t *testing.T) {
	const now = 1000
	for _, tc := range []struct {
		name   string
		last   int64
		want   int64
		wantOK bool
	}{
		{"fresh device: the oldest step the server still takes", 0, now - 1, true},
		{"after now-1", now - 1, now, true},
		{"after now", now, now + 1, true},
		{"all three spent", now + 1, now + 2, false},
		{"enabled long ago", now - 50, now - 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &mfaUser{last: tc.last}
			got, ok := u.nextStep(now, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("nextStep(%d) with last %d = %d, %v; want %d, %v", now, tc.last, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestGoalVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    benchResult
		g    benchGoal
		want string
	}{
		{"met", benchResult{OpsPerSec: 6000, P99ms: 4}, benchGoal{0.5, 10}, "≥ 0.50, p99 ≤ 10 ms: **met**"},
		{"short", benchResult{OpsPerSec: 2500}, benchGoal{0.5, 0}, "≥ 0.50: **missed** (50% short)"},
		{"slow tail", benchResult{OpsPerSec: 9000, P99ms: 25}, benchGoal{0.35, 10}, "≥ 0.35, p99 ≤ 10 ms: **missed** (p99 2.5× over)"},
		{"errors fail it", benchResult{OpsPerSec: 9000, Errors: 1}, benchGoal{0.1, 0}, "≥ 0.10: **missed** (errors)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := goalVerdict(tc.r, tc.g, 10000); got != tc.want {
				t.Errorf("goalVerdict = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBenchTargets(t *testing.T) {
	for _, tc := range []struct {
		scenario, target string
		want             float64
		ok               bool
	}{
		{scenAuthorisedRead, "iamd SQLite", 0.50, true},
		{scenAuthorisedRead, "iamd PostgreSQL (1M users)", 0.35, true},
		{scenCallerIdentity, "iamd PostgreSQL", 0.6, true},
		{scenSessionToken, "iamd SQLite (1k users)", 0.25, true},
		{scenSessionToken, "iamd PostgreSQL", 0.10, true},
		{scenEnableDevice, "iamd SQLite", 0, false},
		{scenAuthorisedRead, "moto_server", 0, false},
	} {
		g, ok := benchTargets(tc.scenario, tc.target)
		if ok != tc.ok || g.ratio != tc.want {
			t.Errorf("benchTargets(%s, %s) = %v, %v; want %v, %v", tc.scenario, tc.target, g.ratio, ok, tc.want, tc.ok)
		}
	}
}

func TestResultsTableAndSizes(t *testing.T) {
	rs := []benchResult{
		{Target: "trivial handler", Scenario: "trivial", OpsPerSec: 20000, CallsPerOp: 1},
		{Target: "iamd SQLite (1k users)", Scenario: scenAuthorisedRead, Users: 1000, OpsPerSec: 12000, P99ms: 5, CallsPerOp: 1},
		{Target: "iamd SQLite (1M users)", Scenario: scenAuthorisedRead, Users: 1000000, OpsPerSec: 6000, P99ms: 9, RSSMiB: 120, CallsPerOp: 1},
		{Target: "iamd SQLite (1k users)", Scenario: scenEnableDevice, Users: 1000, OpsPerSec: 500, CallsPerOp: 4},
	}
	tab := resultsTable(rs, benchTargets)
	for _, want := range []string{
		"| authorised-read | iamd SQLite (1k users) | 12,000 | 0.00 | 5.00 | 0 |  | 0.60 | ≥ 0.50, p99 ≤ 10 ms: **met** |",
		"| authorised-read | iamd SQLite (1M users) | 6,000 |",
		"0.30 | ≥ 0.50, p99 ≤ 10 ms: **missed** (40% short) |",
		// enable-device counts its four calls against the ceiling.
		"| enable-device (4 calls) | iamd SQLite (1k users) | 500 |",
		"| 0.10 |  |",
	} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	sz := sizeTable(rs, []int{1000, 1000000})
	if want := "| authorised-read | iamd SQLite | 12,000 | 6,000 | 2.00× | 5.00 | 9.00 | 120 | **missed** |"; !strings.Contains(sz, want) {
		t.Errorf("size table lacks %q:\n%s", want, sz)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 22222.6: "22,223", 1234567: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestSpliceDoc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.md")
	os.WriteFile(path, []byte("# B\nbefore\n<!-- bench:x begin -->\nold\n<!-- bench:x end -->\nafter\n"), 0o644)
	if err := spliceDoc(path, "x", "new table\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := "# B\nbefore\n<!-- bench:x begin -->\nnew table\n<!-- bench:x end -->\nafter\n"; string(b) != want {
		t.Errorf("spliced:\n%s\nwant:\n%s", b, want)
	}
	if err := spliceDoc(path, "missing", "y"); err == nil {
		t.Error("a section without markers was spliced")
	}
}

func TestBenchLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8790", "http://localhost:1", "https://[::1]:443"} {
		if _, err := loopbackOnly(u); err != nil {
			t.Errorf("loopbackOnly(%s) = %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8790", "http://iam.amazonaws.com", "ftp://127.0.0.1/", "http://127.0.0.1.example.com"} {
		if _, err := loopbackOnly(u); err == nil {
			t.Errorf("loopbackOnly(%s) accepted", u)
		}
	}
	if err := benchCmd(context.Background(), []string{"run", "--endpoint", "https://iam.amazonaws.com"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Errorf("bench run against AWS: %v", err)
	}
}

func TestDriveCountsAndStops(t *testing.T) {
	var calls atomic.Int64
	r := drive(context.Background(), 4, 20*time.Millisecond, 150*time.Millisecond, func(ctx context.Context, w int) error {
		n := calls.Add(1)
		time.Sleep(time.Millisecond)
		if n%10 == 0 {
			return errors.New("every tenth fails")
		}
		return nil
	})
	if r.OK == 0 || r.Errors == 0 || r.FirstError != "every tenth fails" {
		t.Errorf("drive = %+v: want successes, errors and the first error", r)
	}
	if r.Seconds < 0.1 || r.Seconds > 1 || r.P50ms < 1 {
		t.Errorf("drive timed %.3f s, p50 %.2f ms; want about 0.15 s and at least 1 ms", r.Seconds, r.P50ms)
	}
	// Workers that run out of codes stop; the run ends when the last does.
	r = drive(context.Background(), 2, 0, 10*time.Second, func(ctx context.Context, w int) error { return errOutOfCodes })
	if r.Seconds > 1 || !strings.Contains(r.Note, "2 of 2 workers ran out") {
		t.Errorf("out of codes: %+v", r)
	}
}

// TestBenchRunAgainstIamd measures a real server with every scenario,
// provisioning through the API: each session-token-mfa call sends a real
// code the server checks, so no errors means none was reused.
func TestBenchRunAgainstIamd(t *testing.T) {
	setRootEnv(t)
	e := storetest.Engines(t)[0]
	d := startServe(t, storeArgs(t, e, t.TempDir())...)
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	err := benchCmd(context.Background(), []string{"run", "--endpoint", d.url, "--name", "iamd", "--workers", "3",
		"--duration", "400ms", "--warmup", "0s", "--mfa-users", "6",
		"--access-key-id", testRootKey, "--secret-access-key", testRootSecret, "--json", jsonPath}, out, errOut)
	if err != nil {
		t.Fatalf("bench run: %v\n%s", err, errOut)
	}
	rs, err := readResults(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(benchScenarios) {
		t.Fatalf("%d results, want %d:\n%s", len(rs), len(benchScenarios), out)
	}
	for _, r := range rs {
		if r.OK == 0 || r.Errors != 0 {
			t.Errorf("%s: %d ok, %d errors (%s)", r.Scenario, r.OK, r.Errors, r.FirstError)
		}
		if r.Scenario == scenSessionToken && r.OK > 6*3 {
			t.Errorf("session-token-mfa: %d sessions from 6 devices in under a second: a code was accepted twice", r.OK)
		}
	}
	if !strings.Contains(out.String(), "| authorised-read | iamd |") {
		t.Errorf("no table on stdout:\n%s", out)
	}
}

func TestBenchChartWritesPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.png")
	rs := []benchResult{
		{Target: "trivial handler", Scenario: "trivial", OpsPerSec: 20000, P99ms: 3},
		{Target: "iamd SQLite", Scenario: scenAuthorisedRead, OpsPerSec: 9000, P99ms: 6},
		{Target: "moto_server", Scenario: scenAuthorisedRead, OpsPerSec: 200, P99ms: 200},
	}
	if err := benchChart(rs, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 400 {
		t.Errorf("chart is %v", b)
	}
	if err := benchChart(nil, path); err == nil {
		t.Error("an empty chart was drawn")
	}
}

// TestBenchSeedRefusesAnAccountInUse: without its manifest, an account
// that has IAM users is not seeded: bench users' credentials derive from
// the manifest, so they must never land in an account people use.
func TestBenchSeedRefusesAnAccountInUse(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	args := []string{"seed", "--data-dir", dir, "--database-url=", "--users", "5"}
	if err := benchCmd(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "bench-manifest.json")); err != nil {
		t.Fatal(err)
	}
	err := benchCmd(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "already has 6 IAM users") {
		t.Fatalf("seeding an account with users and no manifest: %v", err)
	}
}

// TestBenchClientStaysOnLoopback: a redirect is not followed, and a name
// that resolves off loopback is not dialled.
func TestBenchClientStaysOnLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1/", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := newAWSClient(srv.URL, 1)
	_, err := c.call(context.Background(), benchKey{"AKIAEXAMPLEEXAMPLE00", "x"}, "sts", "GetSessionToken", "TokenCode", "123456")
	var ae *awsError
	if !errors.As(err, &ae) || ae.Status != http.StatusTemporaryRedirect {
		t.Fatalf("a redirect: %v; want its 307 answered, not followed", err)
	}
	if _, err := loopbackDial(context.Background(), "tcp", "192.0.2.1:80"); err == nil {
		t.Error("dialled an address off loopback")
	}
}
