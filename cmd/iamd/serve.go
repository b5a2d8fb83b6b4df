package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/console"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/sts"
)

// storeFlags are the flags every subcommand that opens the store takes.
type storeFlags struct {
	dataDir     string
	databaseURL string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("IAMD_DATA_DIR", "./iamd-data"), "data directory: SQLite file, master key, root credentials [IAMD_DATA_DIR]")
	fs.StringVar(&f.databaseURL, "database-url", os.Getenv("IAMD_DATABASE_URL"), "postgres:// URL; empty means SQLite in the data dir [IAMD_DATABASE_URL]")
}

// open loads the master key and opens the store.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (*store.Store, *seal.Sealer, error) {
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return nil, nil, err
	}
	sealer, created, err := seal.LoadOrCreate(os.Getenv("IAMD_MASTER_KEY"), f.dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}
	if created {
		log.Info("created master key", "path", filepath.Join(f.dataDir, seal.KeyFileName), "key_id", sealer.ID())
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: f.databaseURL, DataDir: f.dataDir, Logger: log}, sealer)
	if err != nil {
		return nil, nil, err
	}
	return st, sealer, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", envOr("IAMD_ADDR", "127.0.0.1:8790"), "listen address [IAMD_ADDR]")
	tlsCert := fs.String("tls-cert", os.Getenv("IAMD_TLS_CERT"), "TLS certificate file; serve HTTPS with --tls-key [IAMD_TLS_CERT]")
	tlsKey := fs.String("tls-key", os.Getenv("IAMD_TLS_KEY"), "TLS private key file [IAMD_TLS_KEY]")
	issuer := fs.String("issuer", envOr("IAMD_MFA_ISSUER", "Amazon Web Services"), "issuer in virtual MFA devices' otpauth URIs [IAMD_MFA_ISSUER]")
	quotaAutoApproveMax := fs.String("quota-auto-approve-max", envOr("IAMD_QUOTA_AUTO_APPROVE_MAX", "0"),
		"approve quota increase requests up to this value at once; 0: every request waits for iamd quota approve [IAMD_QUOTA_AUTO_APPROVE_MAX]")
	defRetention, err := envDuration("IAMD_AUDIT_RETENTION", audit.DefaultRetention)
	if err != nil {
		return err
	}
	retention := fs.Duration("audit-retention", defRetention, "how long audit events are kept (CloudTrail's event history: 90 days) [IAMD_AUDIT_RETENTION]")
	pprofAddr := fs.String("pprof", os.Getenv("IAMD_PPROF_ADDR"), "serve Go's profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060; empty: off [IAMD_PPROF_ADDR]")
	s3BaseDomain := fs.String("s3-base-domain", os.Getenv("IAMD_S3_BASE_DOMAIN"),
		"also serve S3 virtual-host-style requests: Host <bucket>.<this domain>; path style is always served [IAMD_S3_BASE_DOMAIN]")
	s3MaxObject := fs.String("s3-max-object-size", envOr("IAMD_S3_MAX_OBJECT_SIZE", "64MiB"),
		"largest S3 object one PutObject takes, in bytes or with KiB/MiB/GiB [IAMD_S3_MAX_OBJECT_SIZE]")
	insecureMFA := fs.Bool("allow-insecure-mfa-header", envBool("IAMD_ALLOW_INSECURE_MFA_HEADER"),
		"accept S3's x-amz-mfa header over plain HTTP; AWS requires HTTPS, since the header carries an MFA code: for local tests only [IAMD_ALLOW_INSECURE_MFA_HEADER=1]")
	testModeOn := fs.Bool("test-mode", envBool(testModeEnvValue), "for test suites: wipe the store and create the test account on start and on POST /moto-api/reset; serve /_iamd/clock; loopback only [IAMD_TEST_MODE=1]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	autoApproveMax, err := parseAutoApproveMax(*quotaAutoApproveMax)
	if err != nil {
		return err
	}
	maxObject, err := parseSize(*s3MaxObject)
	if err != nil {
		return fmt.Errorf("--s3-max-object-size: %w", err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if *testModeOn {
		if err := requireLoopback(*addr); err != nil {
			return err
		}
	}
	// Request lines are batched (logWriter); returning writes the rest.
	logOut := newLogWriter(stderr)
	defer logOut.Close()
	log := newLogger(logOut)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	st, sealer, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	var clk clock.Clock = clock.Real{}
	var tm *testMode
	if *testModeOn {
		testClock := clock.NewSettable()
		if tm, err = newTestMode(ctx, st, testClock, sf.dataDir, log); err != nil {
			return err
		}
		if err := tm.reset(ctx); err != nil {
			return err
		}
		clk = testClock
	}
	// What every signed request reads (its key, principal and policies)
	// is cached, for the gateway, the policy decision and the iam domain
	// alike; this process's writes clear it as they commit, other nodes'
	// within a poll (250 ms).
	cache := store.NewCache(st, store.CacheOptions{Logger: log})
	go cache.Run(ctx)
	decider := iam.NewDecider(cache, clk)
	iamSvc := iam.New(cache, iam.Options{Logger: log, Clock: clk, Config: iam.Config{Issuer: *issuer}, Authorizer: decider,
		ConsoleSessions: st})
	if tm == nil {
		marked, err := st.MarkedForTest(ctx)
		if err != nil {
			return err
		}
		if marked {
			return errors.New("this store was reset by --test-mode and holds its published test keys (FOOBARKEY): " +
				"serve it with --test-mode only, or give the server a data dir or database of its own")
		}
		if err := bootstrap(ctx, iamSvc, st, sf.dataDir, log); err != nil {
			return err
		}
	}
	stsSvc := sts.New(iamSvc, sealer, log)
	auditor := audit.NewRecorder(st, audit.Options{Logger: log, Retention: *retention, Clock: clk})
	defer auditor.Close() // writes the batched events after the last request
	// The console files quota increase requests with the same quotas
	// domain as the Service Quotas API.
	quotaSvc := servingQuotas(st, iamSvc, log, autoApproveMax)
	handler := gateway.New(gateway.Deps{IAM: iamSvc, STS: stsSvc, Store: cache, Quotas: quotaSvc, Log: log,
		Audit: auditor, AuditStore: st,
		S3: gateway.S3Config{BaseDomain: *s3BaseDomain, Service: s3.New(st, st.S3Blobs(), decider, iamSvc.CheckOwnCode,
			s3.Config{MaxObjectSize: maxObject, AllowInsecureMFAHeader: *insecureMFA, Clock: clk, Log: log})},
		Console: console.New(console.Options{IAM: iamSvc, Sessions: st, Logger: log, Audit: auditor, Quotas: quotaSvc}), TestMode: tm.door()})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10, // bounds what SigV4 canonicalises before the signature check
		// Long enough for an S3 object of the largest size on a slow
		// link; ReadHeaderTimeout still bounds a client that sends
		// nothing.
		ReadTimeout:  10 * time.Minute,
		WriteTimeout: 10 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if *pprofAddr != "" {
		stopPprof, err := startPprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); tm != nil && (!ok || !tcp.IP.IsLoopback()) {
		ln.Close()
		return fmt.Errorf("--test-mode listens on loopback only, and %s is not", ln.Addr())
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String(), "engine", st.Engine())
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if c, ok := srv.Handler.(io.Closer); ok {
		c.Close() // writes buffered access key use; logs its own failure
	}
	log.Info("stopped")
	return nil
}

// rootCredentialsFile holds what first start generated for the root user.
const rootCredentialsFile = "root-credentials.json"

// bootstrap creates the first account on an empty store from the IAMD_*
// environment, writing whatever it generated to the data dir once.
func bootstrap(ctx context.Context, svc *iam.Service, st *store.Store, dataDir string, log *slog.Logger) error {
	accts, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	if len(accts) > 0 {
		return nil
	}
	created, err := svc.CreateAccount(ctx, iam.NewAccount{
		ID:                  os.Getenv("IAMD_ACCOUNT_ID"),
		Email:               os.Getenv("IAMD_ROOT_EMAIL"),
		RootPassword:        os.Getenv("IAMD_ROOT_PASSWORD"),
		RootAccessKeyID:     os.Getenv("IAMD_ROOT_ACCESS_KEY_ID"),
		RootSecretAccessKey: os.Getenv("IAMD_ROOT_SECRET_ACCESS_KEY"),
	})
	if err != nil {
		return fmt.Errorf("create the first account: %w", err)
	}
	if len(created.Generated) == 0 {
		log.Info("created the first account from the environment", "account", created.Account.ID)
		return nil
	}
	out := map[string]string{"account_id": created.Account.ID}
	for _, g := range created.Generated {
		switch g {
		case "root email":
			out["root_email"] = created.Account.Email
		case "root password":
			out["root_password"] = created.RootPassword
		case "root access key id":
			out["access_key_id"] = created.RootAccessKeyID
		case "root secret access key":
			out["secret_access_key"] = created.RootSecretAccessKey
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	path := filepath.Join(dataDir, rootCredentialsFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	log.Warn("created the first account; its generated root credentials are in a file readable only by you: store them and delete it",
		"account", created.Account.ID, "path", path, "generated", created.Generated)
	return nil
}

// parseSize reads a byte count: digits, optionally followed by KiB, MiB or
// GiB.
func parseSize(v string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			v, mult = n, m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 || n > (5<<30)/mult {
		return 0, fmt.Errorf("%q is not a size from 1 byte to 5GiB", v)
	}
	return n * mult, nil
}
