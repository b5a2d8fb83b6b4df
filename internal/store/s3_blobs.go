package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/iamd/iamd/internal/s3"
)

// S3ObjectsDir is the directory in a SQLite store's data dir that holds S3
// object bytes, one file per blob.
const S3ObjectsDir = "s3-objects"

// blobPartSize is how many bytes one s3_blob_parts row holds: small enough
// that neither a write nor a read holds more than this in memory, large
// enough that a 64 MiB object is 64 rows.
const blobPartSize = 1 << 20

// S3Blobs returns where the s3 domain keeps object bytes: files under the
// data dir with SQLite, rows in the database with PostgreSQL, so that
// every node of a PostgreSQL deployment reads what any node wrote.
func (s *Store) S3Blobs() s3.Blobs {
	if s.engine == "postgres" {
		return &dbBlobs{s: s}
	}
	return &fileBlobs{dir: filepath.Join(s.dataDir, S3ObjectsDir)}
}

// newBlobID returns a random blob id: 32 hex digits, unguessable and
// unique without asking anyone.
func newBlobID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// validBlobID tells whether id is one newBlobID could have made. Only
// those reach the file system, so an id is never a path.
func validBlobID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// recordingReader passes r through and keeps the error r returned, so that
// Create can tell the reader's error (returned as it is) from its own.
type recordingReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	if err := rr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}

// fileBlobs keeps each blob in a file dir/<id[:2]>/<id>, mode 0600 in
// directories 0700: object bytes are as private as the database.
type fileBlobs struct{ dir string }

func (b *fileBlobs) path(id string) string { return filepath.Join(b.dir, id[:2], id) }

// Create writes r to a temporary file beside the blob's final name and
// renames it into place only after r ended cleanly and the bytes reached
// the disk, so a blob is there whole or not at all.
func (b *fileBlobs) Create(ctx context.Context, r io.Reader) (string, int64, error) {
	id, err := newBlobID()
	if err != nil {
		return "", 0, err
	}
	final := b.path(id)
	shard := filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o700); err != nil {
		return "", 0, fmt.Errorf("store: s3 blob: %w", err)
	}
	f, err := os.CreateTemp(shard, "."+id+".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("store: s3 blob: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (string, int64, error) {
		f.Close()
		os.Remove(tmp)
		return "", 0, err
	}
	rr := &recordingReader{ctx: ctx, r: r}
	n, err := io.Copy(f, rr)
	if rr.err != nil {
		return fail(rr.err)
	}
	if err != nil {
		return fail(fmt.Errorf("store: s3 blob: %w", err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("store: s3 blob: %w", err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("store: s3 blob: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("store: s3 blob: %w", err)
	}
	// The rename is durable once the directory is synced.
	if d, err := os.Open(shard); err == nil {
		d.Sync()
		d.Close()
	}
	return id, n, nil
}

// Open opens the blob's file.
func (b *fileBlobs) Open(_ context.Context, id string) (io.ReadCloser, error) {
	if !validBlobID(id) {
		return nil, s3.ErrNoSuchBlob
	}
	f, err := os.Open(b.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s3.ErrNoSuchBlob
	}
	if err != nil {
		return nil, fmt.Errorf("store: s3 blob: %w", err)
	}
	return f, nil
}

// Delete removes the blob's file; a reader that has it open reads on.
func (b *fileBlobs) Delete(_ context.Context, id string) error {
	if !validBlobID(id) {
		return nil
	}
	if err := os.Remove(b.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: s3 blob: %w", err)
	}
	return nil
}

// dbBlobs keeps each blob as an s3_blobs row and its s3_blob_parts.
type dbBlobs struct{ s *Store }

// Create first spools r to a temporary file on this node, then writes the
// parts from it in one transaction, so memory holds one part at a time and
// nothing is committed unless r ended cleanly. The transaction is opened
// only once the client has sent the whole body: read straight from the
// client, a slow or stalled upload would hold a database connection (and
// its row locks) for as long as the server's read timeout allows, and a
// handful of them would take every connection the database has.
func (b *dbBlobs) Create(ctx context.Context, r io.Reader) (string, int64, error) {
	id, err := newBlobID()
	if err != nil {
		return "", 0, err
	}
	spool, err := os.CreateTemp("", "iamd-s3-upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("store: s3 blob: spool: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	rr := &recordingReader{ctx: ctx, r: r}
	if _, err := io.Copy(spool, rr); err != nil {
		if rr.err != nil {
			return "", 0, rr.err
		}
		return "", 0, fmt.Errorf("store: s3 blob: spool: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("store: s3 blob: spool: %w", err)
	}
	var size int64
	err = b.s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO s3_blobs (blob_id, size, parts, created_at) VALUES ($1, 0, 0, $2)`,
			id, ms(time.Now())); err != nil {
			return err
		}
		buf := make([]byte, blobPartSize)
		part := 0
		for {
			n, err := io.ReadFull(spool, buf)
			if n > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO s3_blob_parts (blob_id, part, data) VALUES ($1, $2, $3)`,
					id, part, buf[:n]); err != nil {
					return err
				}
				part++
				size += int64(n)
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE s3_blobs SET size = $2, parts = $3 WHERE blob_id = $1`, id, size, part)
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("store: s3 blob: %w", err)
	}
	return id, size, nil
}

// Open returns a reader that fetches one part at a time with ctx, outside
// any transaction, so a slow reader holds no connection between parts.
func (b *dbBlobs) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	var parts int
	err := b.s.queryRow(ctx, `SELECT parts FROM s3_blobs WHERE blob_id = $1`, id).Scan(&parts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s3.ErrNoSuchBlob
	}
	if err != nil {
		return nil, err
	}
	return &partReader{ctx: ctx, s: b.s, id: id, parts: parts}, nil
}

// Delete removes the blob with its parts (ON DELETE CASCADE).
func (b *dbBlobs) Delete(ctx context.Context, id string) error {
	_, err := b.s.exec(ctx, `DELETE FROM s3_blobs WHERE blob_id = $1`, id)
	return err
}

// partReader reads a blob's parts in order.
type partReader struct {
	ctx   context.Context
	s     *Store
	id    string
	parts int
	next  int    // the part to fetch next
	buf   []byte // what is left of the part fetched last
}

func (p *partReader) Read(out []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.next >= p.parts {
			return 0, io.EOF
		}
		var data []byte
		err := p.s.queryRow(p.ctx, `SELECT data FROM s3_blob_parts WHERE blob_id = $1 AND part = $2`, p.id, p.next).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			// Deleted while being read: the bytes end early.
			return 0, fmt.Errorf("store: s3 blob %s deleted while read: %w", p.id, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return 0, err
		}
		p.buf = data
		p.next++
	}
	n := copy(out, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

func (p *partReader) Close() error {
	p.buf, p.next = nil, p.parts
	return nil
}

// wipeBlobFiles removes every blob file of a SQLite store (test mode's
// reset; PostgreSQL's blobs go with their tables).
func (s *Store) wipeBlobFiles() error {
	if s.engine == "postgres" {
		return nil
	}
	if err := os.RemoveAll(filepath.Join(s.dataDir, S3ObjectsDir)); err != nil {
		return fmt.Errorf("store: reset: s3 objects: %w", err)
	}
	return nil
}
