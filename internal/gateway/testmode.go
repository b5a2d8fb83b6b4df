package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/clock"
)

// Test mode's unsigned paths. /moto-api/reset is moto's own, so suites
// written for moto reset iamd the same way.
const (
	motoResetPath   = "/moto-api/reset"
	testModePrefix  = "/_iamd/"
	testResetPath   = "/_iamd/reset"
	testClockPath   = "/_iamd/clock"
	maxTestModeBody = 4 << 10
)

// TestMode is the gateway's side of `iamd serve --test-mode`: it serves
// POST /moto-api/reset, POST /_iamd/reset and GET and POST /_iamd/clock,
// unsigned, and holds every other request off while a reset runs, so a
// request sees the state before the reset or after it, never half of it.
// A Server without one serves none of these paths (404 like any unknown
// path). Make one with NewTestMode.
type TestMode struct {
	reset func(context.Context) error
	clock *clock.Settable
	// gate: every other request holds it for reading; a reset for
	// writing.
	gate sync.RWMutex
}

// NewTestMode returns the test-mode door. reset wipes the store and
// re-creates the test accounts (one transaction); clk is the clock the
// domains serve with, which POST /_iamd/clock moves forward.
func NewTestMode(reset func(context.Context) error, clk *clock.Settable) *TestMode {
	return &TestMode{reset: reset, clock: clk}
}

// isTestModePath tells whether a path is test mode's.
func isTestModePath(p string) bool {
	return p == motoResetPath || strings.HasPrefix(p, testModePrefix)
}

// serveTestMode answers a test-mode path.
func (s *Server) serveTestMode(w http.ResponseWriter, r *http.Request) {
	if why := notLocal(r); why != "" {
		testModeError(w, http.StatusForbidden, "test mode's paths answer local test suites only: "+why)
		return
	}
	switch r.URL.Path {
	case motoResetPath, testResetPath:
		if r.Method != http.MethodPost {
			testModeError(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		if err := s.testReset(r.Context()); err != nil {
			s.log.Error("test mode reset failed", "err", err)
			testModeError(w, http.StatusInternalServerError, "reset failed: "+err.Error())
			return
		}
		writeTestModeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case testClockPath:
		s.serveTestClock(w, r)
	default:
		http.NotFound(w, r)
	}
}

// testReset waits for the requests in flight, writes what the recorders
// hold (their rows belong to the old state), and resets the store while
// new requests wait.
func (s *Server) testReset(ctx context.Context) error {
	tm := s.testMode
	tm.gate.Lock()
	defer tm.gate.Unlock()
	if s.audit != nil {
		if err := s.audit.Flush(ctx); err != nil {
			return fmt.Errorf("write batched audit events: %w", err)
		}
	}
	if err := s.FlushUsage(ctx); err != nil {
		return fmt.Errorf("write access key use: %w", err)
	}
	return tm.reset(ctx)
}

// clockRequest is POST /_iamd/clock's body: one of the two.
type clockRequest struct {
	AdvanceSeconds *float64 `json:"advance_seconds"`
	Set            *string  `json:"set"`
}

func (s *Server) serveTestClock(w http.ResponseWriter, r *http.Request) {
	clk := s.testMode.clock
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		var in clockRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, maxTestModeBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			testModeError(w, http.StatusBadRequest, `want {"advance_seconds": N} or {"set": "RFC3339"}: `+err.Error())
			return
		}
		var err error
		switch {
		case (in.AdvanceSeconds == nil) == (in.Set == nil):
			testModeError(w, http.StatusBadRequest, `want exactly one of "advance_seconds" and "set"`)
			return
		case in.AdvanceSeconds != nil:
			n := *in.AdvanceSeconds
			if math.IsNaN(n) || n > 100*365*24*3600 {
				testModeError(w, http.StatusBadRequest, "advance_seconds out of range")
				return
			}
			_, err = clk.Advance(time.Duration(n * float64(time.Second)))
		default:
			t, perr := time.Parse(time.RFC3339Nano, *in.Set)
			if perr != nil {
				testModeError(w, http.StatusBadRequest, "set: "+perr.Error())
				return
			}
			_, err = clk.Set(t)
		}
		if errors.Is(err, clock.ErrBackwards) {
			testModeError(w, http.StatusBadRequest, "the test clock only moves forward; it is at "+clk.Now().UTC().Format(time.RFC3339Nano))
			return
		}
		s.log.Warn("test mode: clock moved", "now", clk.Now().UTC().Format(time.RFC3339Nano), "offset", clk.Offset().String())
	default:
		testModeError(w, http.StatusMethodNotAllowed, "use GET or POST")
		return
	}
	writeTestModeJSON(w, http.StatusOK, map[string]any{
		"now":            clk.Now().UTC().Format(time.RFC3339Nano),
		"offset_seconds": clk.Offset().Seconds(),
	})
}

func writeTestModeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func testModeError(w http.ResponseWriter, status int, msg string) {
	writeTestModeJSON(w, status, map[string]string{"error": msg})
}

// notLocal says why a request to a test-mode path is not from a local test
// suite ("" when it is): the server listens on loopback, but a proxy on the
// same machine, a web page the developer has open (a cross-site POST), or
// DNS rebinding could still reach these unsigned paths.
func notLocal(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !isLoopbackHost(host) {
		return "the client is not on loopback"
	}
	for name := range r.Header {
		if c := http.CanonicalHeaderKey(name); c == "Forwarded" || c == "Via" || c == "X-Real-Ip" || strings.HasPrefix(c, "X-Forwarded-") {
			return "the request came through a proxy"
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !isLoopbackHost(host) {
		return "the Host is not a loopback name"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return "a browser sent it from another site"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !isLoopbackHost(u.Hostname()) {
			return "a browser sent it from another origin"
		}
	}
	return ""
}

func isLoopbackHost(h string) bool {
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
