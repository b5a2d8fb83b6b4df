package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogWriter(t *testing.T) {
	out := &syncBuffer{}
	lw := newLogWriter(out)
	log := newLogger(lw)
	log.Info("request", "id", "r1")
	if strings.Contains(out.String(), "r1") {
		t.Fatal("an info line was written at once: it should wait for the next flush")
	}
	log.Warn("MFA code refused", "serial", "s1")
	if got := out.String(); !strings.Contains(got, "r1") || !strings.Contains(got, "s1") {
		t.Fatalf("a warning did not flush itself and what came before it: %q", got)
	}
	log.Info("request", "id", "r2")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "r2") {
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was not flushed on the timer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Many writers: every line arrives whole, none lost, after Close.
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				log.Info("request", "id", fmt.Sprintf("w%d-%d", w, i))
			}
		}()
	}
	wg.Wait()
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3+8*500 {
		t.Fatalf("%d lines, want %d", len(lines), 3+8*500)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("a line was cut or interleaved: %q", l)
		}
	}
	if err := lw.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// BenchmarkRequestLogLine is the cost of the gateway's one line per
// request (the same attributes), written the old way (a write system call
// per line) and through logWriter, to a real file.
func BenchmarkRequestLogLine(b *testing.B) {
	for _, mode := range []string{"unbuffered", "logWriter"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var w io.Writer = f
			if mode == "logWriter" {
				lw := newLogWriter(f)
				defer lw.Close()
				w = lw
			}
			log := newLogger(w)
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
						slog.String("method", "POST"), slog.String("path", "/"), slog.String("service", "iam"),
						slog.String("action", "ListMFADevices"), slog.String("principal", "arn:aws:iam::123456789012:user/bench-reader"),
						slog.Int("status", 200), slog.Duration("duration", 1234567), slog.String("remote", "127.0.0.1:54321"))
				}
			})
		})
	}
}

// failingOnce fails its first write, like a disk that filled and was
// cleared.
type failingOnce struct {
	syncBuffer
	failed bool
}

func (f *failingOnce) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("no space left on device")
	}
	return f.syncBuffer.Write(p)
}

// TestLogWriterRecoversFromAFailedWrite: one failed write does not
// silence the log for good (a bufio.Writer would keep the error).
func TestLogWriterRecoversFromAFailedWrite(t *testing.T) {
	out := &failingOnce{}
	lw := newLogWriter(out)
	log := newLogger(lw)
	log.Info("request", "id", "lost")
	log.Warn("first warning") // its flush of "lost" fails; the warning is written through
	log.Warn("second warning")
	log.Info("request", "id", "after")
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"first warning", "second warning", `"id":"after"`} {
		if !strings.Contains(got, want) {
			t.Errorf("after a failed write the log lacks %q:\n%s", want, got)
		}
	}
}
