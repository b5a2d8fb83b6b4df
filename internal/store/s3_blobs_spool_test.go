package store_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// stallingReader yields some bytes, then blocks until released: a client
// that stops sending in the middle of an upload.
type stallingReader struct {
	first   []byte
	stalled chan struct{}
	release chan struct{}
	rest    io.Reader
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if len(s.first) > 0 {
		n := copy(p, s.first)
		s.first = s.first[n:]
		return n, nil
	}
	if s.stalled != nil {
		close(s.stalled)
		s.stalled = nil
		<-s.release
	}
	return s.rest.Read(p)
}

// TestS3BlobCreateHoldsNoConnWhileReading: a stalled upload holds no
// database connection; the bytes are written only once the body is in.
func TestS3BlobCreateHoldsNoConnWhileReading(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			idle := store.DBConnsInUse(st)
			r := &stallingReader{first: bytes.Repeat([]byte("a"), 3<<19), stalled: make(chan struct{}), release: make(chan struct{}),
				rest: bytes.NewReader(bytes.Repeat([]byte("b"), 1<<19))}
			stalled := r.stalled
			type result struct {
				id   string
				size int64
				err  error
			}
			done := make(chan result, 1)
			go func() {
				id, size, err := st.S3Blobs().Create(ctx, r)
				done <- result{id, size, err}
			}()
			<-stalled
			time.Sleep(50 * time.Millisecond)
			if n := store.DBConnsInUse(st); n > idle {
				t.Errorf("a stalled upload holds %d database connections (idle: %d)", n, idle)
			}
			close(r.release)
			res := <-done
			if res.err != nil || res.size != 2<<20 {
				t.Fatalf("Create = %d bytes, %v; want %d", res.size, res.err, 2<<20)
			}
			rc, err := st.S3Blobs().Open(ctx, res.id)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || len(got) != 2<<20 || got[0] != 'a' || got[len(got)-1] != 'b' {
				t.Fatalf("the blob read back is %d bytes, %v", len(got), err)
			}
		})
	}
}
