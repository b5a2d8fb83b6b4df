package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestPprof(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if _, err := startPprof("0.0.0.0:0", log); err == nil || !strings.Contains(err.Error(), "loopback only") {
		t.Fatalf("startPprof on every interface = %v, want a refusal", err)
	}
	stop, err := startPprof("127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	// A listener on a port of our choosing answers the index.
	stop, err = startPprof("127.0.0.1:18799", log)
	if err != nil {
		t.Skipf("port 18799 busy: %v", err)
	}
	defer stop()
	resp, err := http.Get("http://127.0.0.1:18799/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine") {
		t.Errorf("GET /debug/pprof/ = %d %.200s", resp.StatusCode, b)
	}
}
