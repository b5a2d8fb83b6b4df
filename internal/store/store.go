// Package store is iamd's one SQL implementation of iam.Store, for SQLite
// (modernc.org/sqlite, WAL) and PostgreSQL (pgx through database/sql). Both
// engines run the same statements; the schema is versioned with goose and
// applied at open. Secrets are sealed before they reach SQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/seal"
)

//go:embed migrations
var migrations embed.FS

// SQLiteFileName is the database file in the data dir when no database URL
// is given.
const SQLiteFileName = "iamd.db"

// Store is a SQL store. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	sealer *seal.Sealer
	engine string // "sqlite" or "postgres"
	// dataDir is the SQLite store's data dir, where S3 object bytes live
	// as files ("" on PostgreSQL, which keeps them in rows).
	dataDir string

	// stmts caches prepared statements by query text: SQLite spends most
	// of a simple read parsing the SQL, so each statement is parsed once
	// per connection instead of once per call.
	stmts sync.Map // string → *sql.Stmt

	// txAccounts collects, per open transaction, the accounts lockAccount
	// bumped; onCommit (a func([]string)) is told of them after the commit.
	txAccounts sync.Map // *sql.Tx → *[]string
	hooksMu    sync.Mutex
	onCommit   atomic.Pointer[[]func([]string)]
	onReset    atomic.Pointer[[]func()] // told after ResetForTest
	// roundTrips counts statements and transactions sent (RoundTrips).
	roundTrips atomic.Int64

	// writer serialises this process's SQLite writers (transactions and
	// exec) in Go. SQLite takes one writer at a time anyway; left to its
	// busy handler, the losers sleep 1, 2, 5, 10… ms and retry, which at 32
	// concurrent single-use code writes gave a p99 of 200 ms. A writer
	// from another process (an iamd command on the same file) still meets
	// the busy timeout. Unused on PostgreSQL, which locks per row.
	// It is a one-slot semaphore so that a writer waiting for it gives up
	// when its request's context ends.
	writer chan struct{}
}

// writeLock takes the SQLite writer lock, or fails when ctx ends first;
// it returns the release.
func (s *Store) writeLock(ctx context.Context) (func(), error) {
	if s.engine != "sqlite" {
		return func() {}, nil
	}
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Config says where the store lives.
type Config struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file. Default ".".
	DataDir string
	// Logger receives migration progress. Default: discard.
	Logger *slog.Logger
	// MaxIdleConns is how many idle connections the pool keeps for reuse.
	// Default 64. Below the concurrency a server sees, every burst of calls
	// opens connections anew: on PostgreSQL a connection and an
	// authentication, on SQLite a file open and a parse of the whole
	// schema (profiled: half of an authorised read's CPU with
	// database/sql's default of 2). Idle connections close after 5
	// minutes.
	MaxIdleConns int
	// MaxOpenConns caps the connections to PostgreSQL (SQLite's are not
	// capped). Default 24: on the 2-core machine more backends do not
	// answer faster, and three nodes of one PostgreSQL (max_connections
	// 100 by default) must fit beside each other and its other clients.
	// Requests beyond it wait for a connection. No transaction uses the
	// pool while it holds its own connection, so the cap cannot deadlock
	// one against itself.
	MaxOpenConns int
}

// defaultMaxIdleConns and defaultMaxOpenConns are Config's defaults.
const (
	defaultMaxIdleConns = 64
	defaultMaxOpenConns = 24
)

// Open connects, applies pending migrations, and checks that the store was
// set up with the same master key (recording it on first open).
func Open(ctx context.Context, cfg Config, sealer *seal.Sealer) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db      *sql.DB
		err     error
		engine  string
		dialect goose.Dialect
		dataDir string
	)
	switch {
	case cfg.DatabaseURL == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = "."
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, SQLiteFileName)
		if err := privateSQLiteFiles(path); err != nil {
			return nil, err
		}
		// Writes take the lock at BEGIN (immediate) so a read-then-write
		// transaction never fails to upgrade; readers never wait (WAL).
		dsn := "file:" + path + "?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
		db, err = sql.Open("sqlite", dsn)
		engine, dialect, dataDir = "sqlite", goose.DialectSQLite3, dir
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://") || strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		db, err = sql.Open("pgx", cfg.DatabaseURL)
		engine, dialect = "postgres", goose.DialectPostgres
	default:
		return nil, errors.New("store: database URL must start with postgres:// (or be empty for SQLite)")
	}
	if err != nil {
		return nil, err
	}
	idle := cfg.MaxIdleConns
	if idle <= 0 {
		idle = defaultMaxIdleConns
	}
	if engine == "postgres" {
		open := cfg.MaxOpenConns
		if open <= 0 {
			open = defaultMaxOpenConns
		}
		idle = min(idle, open)
		db.SetMaxOpenConns(open)
	}
	db.SetMaxIdleConns(idle)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", engine, err)
	}
	if err := migrate(ctx, db, engine, dialect, log); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, sealer: sealer, engine: engine, dataDir: dataDir, writer: make(chan struct{}, 1)}
	if err := s.checkKey(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// privateSQLiteFiles makes the database file at path, and its WAL and
// shared-memory files, readable and writable by this user only: they hold
// password hashes and sealed secrets, and SQLite creates files 0644, which
// is safe only inside a 0700 data dir — and a data dir made by hand or
// mounted from elsewhere may not be one. SQLite gives the -wal and -shm
// files the database file's mode, so creating that one 0600 covers new
// stores; files an older iamd left readable are tightened.
func privateSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				return fmt.Errorf("store: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB, engine string, dialect goose.Dialect, log *slog.Logger) error {
	// One set of migrations serves both engines: they are written in the SQL
	// both understand (BYTEA has no special meaning to SQLite, which stores
	// the bytes as a blob).
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range res {
		log.Info("applied migration", "engine", engine, "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// checkKey records the master key's id and check value on first open and
// refuses a different key afterwards, so no store ever holds values sealed
// under two keys.
func (s *Store) checkKey(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id, check string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'master_key_id'`).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('master_key_id', $1), ('master_key_check', $2)`,
				s.sealer.ID(), s.sealer.Check())
			return err
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'master_key_check'`).Scan(&check); err != nil {
			return err
		}
		if id != s.sealer.ID() || check != s.sealer.Check() {
			return fmt.Errorf("store: this store was set up with master key %s, but this process has key %s: "+
				"start with the store's key (IAMD_MASTER_KEY or the data dir's %s)", id, s.sealer.ID(), seal.KeyFileName)
		}
		return nil
	})
}

// Engine names the SQL engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// stmt returns the prepared statement for query, preparing it once.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// query, queryRow and exec run a statement outside a transaction through
// the statement cache.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s.roundTrips.Add(1)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	s.roundTrips.Add(1)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.roundTrips.Add(1)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	unlock, err := s.writeLock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return st.ExecContext(ctx, args...)
}

// rowScanner is what a single-row query gives: *sql.Row, or errRow when
// the statement could not be prepared.
type rowScanner = interface{ Scan(...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// tx runs fn in one transaction, committed only when fn succeeds. The
// accounts whose generation it bumped are given to the OnCommit hook after
// the commit.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	s.roundTrips.Add(1)
	unlock, err := s.writeLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var accts []string
	s.txAccounts.Store(tx, &accts)
	defer s.txAccounts.Delete(tx)
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if hooks := s.onCommit.Load(); hooks != nil && len(accts) > 0 {
		for _, h := range *hooks {
			h(accts)
		}
	}
	return nil
}

// OnCommit adds a function told, after each commit, which accounts the
// transaction changed (their generation was bumped): a cache in this
// process drops what it holds of them at once instead of at its next poll.
func (s *Store) OnCommit(fn func(accountIDs []string)) { addHook(&s.hooksMu, &s.onCommit, fn) }

// OnReset adds a function told after a test-mode reset (ResetForTest),
// which remakes every account: a cache drops everything.
func (s *Store) OnReset(fn func()) { addHook(&s.hooksMu, &s.onReset, fn) }

// addHook appends fn to a copy-on-write list of hooks, which commits read
// without a lock.
func addHook[F any](mu *sync.Mutex, p *atomic.Pointer[[]F], fn F) {
	mu.Lock()
	defer mu.Unlock()
	var hooks []F
	if old := p.Load(); old != nil {
		hooks = append(hooks, *old...)
	}
	hooks = append(hooks, fn)
	p.Store(&hooks)
}

// RoundTrips counts the statements and transactions the store has sent
// to the database: a test asks how many a request costs.
func (s *Store) RoundTrips() int64 { return s.roundTrips.Load() }

// Generations returns every account's generation, the number each write
// transaction of the account bumps: caches poll it to notice other nodes'
// writes.
func (s *Store) Generations(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT id, generation FROM accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var g int64
		if err := rows.Scan(&id, &g); err != nil {
			return nil, err
		}
		out[id] = g
	}
	return out, rows.Err()
}

// lockAccount bumps the account's generation. Every write transaction
// starts with it: it serialises writes within one account on PostgreSQL, so
// quota counts taken later in the transaction hold, and it lets caches notice
// a change — other nodes' by polling the generations (Generations), this
// process's at once: the transaction tells OnCommit's hook when it commits.
func (s *Store) lockAccount(ctx context.Context, tx *sql.Tx, accountID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET generation = generation + 1 WHERE id = $1`, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account %s: %w", accountID, errNoAccount)
	}
	if v, ok := s.txAccounts.Load(tx); ok {
		accts := v.(*[]string)
		*accts = append(*accts, accountID)
	}
	return nil
}

var errNoAccount = errors.New("store: no such account")

// insertWithin is the one count-then-insert under a quota: in the
// account's write transaction it counts with count (args its parameters)
// and refuses with iam.ErrLimit when the count has reached max, else runs
// insert. lockAccount serialises the account's writers on both engines, so
// the count still holds when insert writes.
func (s *Store) insertWithin(ctx context.Context, accountID string, max int, count string, args []any, insert func(*sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := underQuota(ctx, tx, max, count, args...); err != nil {
			return err
		}
		return insert(tx)
	})
}

// underQuota is insertWithin's check, for writes that check something
// else first: iam.ErrLimit when count, run in tx after lockAccount, is at
// max or more.
func underQuota(ctx context.Context, tx *sql.Tx, max int, count string, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, count, args...).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return iam.ErrLimit
	}
	return nil
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(rowScanner) (*T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// trimPage cuts a list read with LIMIT max+1 to one page and returns the
// marker of the next page, made from the page's last item ("" when this is
// the last page).
func trimPage[T any](items []T, max int, key func(last T) string) ([]T, string) {
	if len(items) <= max {
		return items, ""
	}
	items = items[:max]
	return items, key(items[max-1])
}
