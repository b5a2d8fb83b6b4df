package main

import (
	"bufio"
	"bytes"
	"io"
	"sync"
	"time"
)

// logWriter batches the server's log lines: one request line each is
// thousands of write system calls a second when every line is its own
// write, which showed in the profiles. Lines are kept for at most
// flushEvery, or until the buffer fills; a warning or an error is
// written at once, so that what explains a failure is not held back; and
// Close writes what is left. The cost: a kill -9 loses at most the last
// flushEvery of request lines, never a warning.
//
// Written here rather than taken from a logging library: slog is the
// project's logger, and what it lacks is only this small buffered sink.
type logWriter struct {
	mu    sync.Mutex
	under io.Writer
	w     *bufio.Writer
	stop  chan struct{}
	done  chan struct{}
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 64 << 10
)

func newLogWriter(w io.Writer) *logWriter {
	lw := &logWriter{under: w, w: bufio.NewWriterSize(w, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go lw.loop()
	return lw
}

func (lw *logWriter) loop() {
	defer close(lw.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			lw.mu.Lock()
			lw.flush()
			lw.mu.Unlock()
		case <-lw.stop:
			return
		}
	}
}

// urgent tells a line slog's JSON or text handler wrote at WARN or above.
func urgent(p []byte) bool {
	return bytes.Contains(p, []byte(`"level":"WARN"`)) || bytes.Contains(p, []byte(`"level":"ERROR"`)) ||
		bytes.Contains(p, []byte("level=WARN")) || bytes.Contains(p, []byte("level=ERROR"))
}

// flush writes the buffer. A bufio.Writer keeps its first error for
// good, so after a failed write (a full disk, say) it is reset, dropping
// what it held, rather than refusing every later line.
func (lw *logWriter) flush() error {
	err := lw.w.Flush()
	if err != nil {
		lw.w.Reset(lw.under)
	}
	return err
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if urgent(p) {
		// What came before goes first; the warning itself is written
		// straight through even when that failed.
		_ = lw.flush()
		return lw.under.Write(p)
	}
	n, err := lw.w.Write(p)
	if err != nil {
		lw.w.Reset(lw.under)
	}
	return n, err
}

// Close writes what is buffered and stops the flusher.
func (lw *logWriter) Close() error {
	select {
	case <-lw.stop:
	default:
		close(lw.stop)
	}
	<-lw.done
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.flush()
}
