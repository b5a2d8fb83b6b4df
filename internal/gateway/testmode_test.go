package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/storetest"
	"github.com/iamd/iamd/internal/sts"
)

// testModeEnv is a gateway in test mode on SQLite, with a test clock, a
// reset the test controls and a console door that blocks when told to.
type testModeEnv struct {
	url     string
	clk     *clock.Settable
	resets  atomic.Int32
	resetIn chan struct{} // a reset waits here when set
	consIn  chan struct{} // the console waits here
}

func newTestModeEnv(t *testing.T) *testModeEnv {
	t.Helper()
	st := storetest.Engines(t)[0].Open(t)
	clk := clock.NewSettable()
	svc := iam.New(st, iam.Options{Clock: clk})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: "root@example.com",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
		t.Fatal(err)
	}
	e := &testModeEnv{clk: clk, consIn: make(chan struct{})}
	tm := gateway.NewTestMode(func(context.Context) error {
		e.resets.Add(1)
		if e.resetIn != nil {
			<-e.resetIn
		}
		return nil
	}, clk)
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("block") != "" {
			<-e.consIn
		}
		io.WriteString(w, "console")
	})
	gw := gateway.New(gateway.Deps{IAM: svc, STS: sts.New(svc, storetest.Sealer(t), nil), Store: st, Console: console, TestMode: tm})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTestModePathsAbsentWithoutTestMode: a server without test mode
// answers its paths 404, like any unknown path, on every engine.
func TestTestModePathsAbsentWithoutTestMode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, c := range []struct{ method, path string }{
			{"POST", "/moto-api/reset"}, {"POST", "/_iamd/reset"}, {"GET", "/_iamd/clock"},
			{"POST", "/_iamd/clock"}, {"GET", "/moto-api/reset"},
		} {
			body := ""
			if c.path == "/_iamd/clock" {
				body = `{"advance_seconds": 30}`
			}
			if code, _ := do(t, c.method, e.url+c.path, body); code != http.StatusNotFound {
				t.Errorf("%s %s without test mode = %d, want 404", c.method, c.path, code)
			}
		}
		if got := e.clock.Now(); time.Since(got) > time.Minute || time.Until(got) > time.Minute {
			t.Errorf("the clock moved: %v", got)
		}
	})
}

// TestTestModeReset: both reset paths answer 200 and call the reset; other
// methods and unknown /_iamd/ paths are refused.
func TestTestModeReset(t *testing.T) {
	e := newTestModeEnv(t)
	for _, p := range []string{"/moto-api/reset", "/_iamd/reset"} {
		code, body := do(t, "POST", e.url+p, "")
		if code != 200 || !strings.Contains(body, `"ok"`) {
			t.Errorf("POST %s = %d %s", p, code, body)
		}
		if code, _ := do(t, "GET", e.url+p, ""); code != http.StatusMethodNotAllowed {
			t.Errorf("GET %s = %d, want 405", p, code)
		}
	}
	if n := e.resets.Load(); n != 2 {
		t.Errorf("resets = %d, want 2", n)
	}
	if code, _ := do(t, "POST", e.url+"/_iamd/nothing", ""); code != 404 {
		t.Errorf("POST /_iamd/nothing = %d, want 404", code)
	}
}

// TestTestModeResetIsAtomic: a reset waits for the request in flight, and
// a request that comes during the reset waits for it to end.
func TestTestModeResetIsAtomic(t *testing.T) {
	e := newTestModeEnv(t)
	inflight := make(chan int, 1)
	go func() {
		code, _ := do(t, "GET", e.url+"/console/?block=1", "")
		inflight <- code
	}()
	time.Sleep(100 * time.Millisecond) // the console request is in
	e.resetIn = make(chan struct{})
	resetDone := make(chan int, 1)
	go func() {
		code, _ := do(t, "POST", e.url+"/_iamd/reset", "")
		resetDone <- code
	}()
	time.Sleep(100 * time.Millisecond)
	if n := e.resets.Load(); n != 0 {
		t.Fatal("the reset ran while a request was in flight")
	}
	close(e.consIn) // the request in flight ends; the reset starts
	if code := <-inflight; code != 200 {
		t.Fatalf("in-flight request = %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.resets.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if e.resets.Load() != 1 {
		t.Fatal("the reset did not start after the request ended")
	}
	during := make(chan int, 1)
	go func() {
		code, _ := do(t, "GET", e.url+"/console/", "")
		during <- code
	}()
	select {
	case <-during:
		t.Fatal("a request was served in the middle of a reset")
	case <-time.After(200 * time.Millisecond):
	}
	close(e.resetIn)
	if code := <-resetDone; code != 200 {
		t.Fatalf("reset = %d", code)
	}
	if code := <-during; code != 200 {
		t.Fatalf("request after the reset = %d", code)
	}
}

// callerIdentity signs GetCallerIdentity with the root key at the given
// time and returns the status.
func callerIdentity(t *testing.T, url string, at time.Time) (int, string) {
	t.Helper()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(body), "sts", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTestModeClock: the clock moves forward only, by advance_seconds or to
// a set time, and signatures are checked against it.
func TestTestModeClock(t *testing.T) {
	e := newTestModeEnv(t)
	var got struct {
		Now    string  `json:"now"`
		Offset float64 `json:"offset_seconds"`
	}
	read := func(code int, body string) time.Time {
		t.Helper()
		if code != 200 {
			t.Fatalf("clock = %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		now, err := time.Parse(time.RFC3339Nano, got.Now)
		if err != nil {
			t.Fatal(err)
		}
		return now
	}
	start := read(do(t, "GET", e.url+"/_iamd/clock", ""))
	if d := time.Since(start); d < 0 || d > time.Minute || got.Offset != 0 {
		t.Fatalf("a fresh test clock is at %v (offset %v), want the real time", start, got.Offset)
	}
	after := read(do(t, "POST", e.url+"/_iamd/clock", `{"advance_seconds": 30}`))
	if d := after.Sub(start); d < 30*time.Second || d > 40*time.Second || got.Offset != 30 {
		t.Fatalf("advanced 30s: %v after %v (offset %v)", after, start, got.Offset)
	}
	for _, bad := range []string{`{"advance_seconds": -1}`, `{}`, `{"advance_seconds": 1, "set": "2030-01-01T00:00:00Z"}`,
		`{"set": "yesterday"}`, `{"set": "2001-01-01T00:00:00Z"}`, `not json`, `{"advance": 5}`} {
		if code, body := do(t, "POST", e.url+"/_iamd/clock", bad); code != 400 || !strings.Contains(body, "error") {
			t.Errorf("POST /_iamd/clock %s = %d %s, want 400", bad, code, body)
		}
	}
	if e.clk.Offset() != 30*time.Second {
		t.Fatalf("a refused change moved the clock: offset %v", e.clk.Offset())
	}
	// A client signing with a frozen clock works once the test clock is at
	// its time, and the real time is then too far behind.
	frozen := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	if code, _ := callerIdentity(t, e.url, frozen); code == 200 {
		t.Fatal("a signature two hours ahead was accepted before the clock moved")
	}
	set := read(do(t, "POST", e.url+"/_iamd/clock", `{"set": "`+frozen.Format(time.RFC3339)+`"}`))
	if set.Sub(frozen) < 0 || set.Sub(frozen) > 5*time.Second {
		t.Fatalf("set to %v: clock at %v", frozen, set)
	}
	if code, body := callerIdentity(t, e.url, frozen); code != 200 {
		t.Fatalf("signed at the test clock's time: %d %s", code, body)
	}
	if code, body := callerIdentity(t, e.url, time.Now()); code == 200 || !strings.Contains(body, "Signature") {
		t.Fatalf("signed at the real time, two hours behind the test clock: %d %s", code, body)
	}
}

// TestTestModePathsAnswerLocalSuitesOnly: a reset or clock move through a
// proxy, from another site's page, or under a foreign Host is refused.
func TestTestModePathsAnswerLocalSuitesOnly(t *testing.T) {
	e := newTestModeEnv(t).url
	for _, tt := range []struct {
		name   string
		header map[string]string
		host   string
	}{
		{"through a proxy", map[string]string{"X-Forwarded-For": "203.0.113.9"}, ""},
		{"through nginx's defaults", map[string]string{"X-Real-IP": "203.0.113.9"}, ""},
		{"through a Via proxy", map[string]string{"Via": "1.1 proxy"}, ""},
		{"from another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, ""},
		{"from another origin", map[string]string{"Origin": "https://evil.example"}, ""},
		{"DNS rebinding", nil, "evil.example:8790"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e+"/moto-api/reset", nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: reset = %d, want 403", tt.name, resp.StatusCode)
		}
	}
	resp, err := http.Post(e+"/moto-api/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a local suite's reset = %d, want 200", resp.StatusCode)
	}
}
