package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// The targets "iamd bench compare" knows how to start.
const (
	targetSQLite   = "sqlite"
	targetPostgres = "postgres"
	targetTrivial  = "trivial"
	targetMoto     = "moto"
)

// targetTitle is a target's name in the tables and the chart.
func targetTitle(kind string, users int) string {
	var t string
	switch kind {
	case targetSQLite:
		t = "iamd SQLite"
	case targetPostgres:
		t = "iamd PostgreSQL"
	case targetTrivial:
		return "trivial handler"
	case targetMoto:
		return "moto_server"
	default:
		return kind
	}
	if users > 0 {
		t += fmt.Sprintf(" (%s users)", humanCount(users))
	}
	return t
}

func humanCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// benchCompare starts each target itself, seeds the iamd ones, measures
// every scenario on each, and writes the table, the chart and the raw
// results: the whole comparison in one run.
func benchCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf loadFlags
	lf.register(fs, 10000)
	targets := fs.String("targets", "trivial,sqlite,postgres,moto", "what to start and measure; moto is skipped when moto_server is not installed")
	usersList := fs.String("users", "10000", "seeded users (each with an access key and an enabled virtual device) per iamd target; a comma list measures each size")
	dbURL := fs.String("database-url", envOr("IAMD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"a PostgreSQL database to connect to while creating the bench's own [IAMD_TEST_DATABASE_URL]")
	work := fs.String("work", "", "keep the seeded stores here and reuse them on the next run (default: a temporary directory, removed)")
	out := fs.String("out", "bench-results", "directory for results.json, results.md and chart.png")
	doc := fs.String("doc", "", "also replace the section between <!-- bench:NAME begin --> and <!-- bench:NAME end --> in this markdown file")
	section := fs.String("section", "compare", "the section NAME in --doc")
	motoUsers := fs.Int("moto-users", 200, "users with MFA devices to provision through the API on moto")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scenarios, err := lf.check()
	if err != nil {
		return err
	}
	var sizes []int
	for s := range strings.SplitSeq(*usersList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 2_000_000 {
			return fmt.Errorf("--users: %q is not a count of 1..2000000", s)
		}
		sizes = append(sizes, n)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir := *work
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	} else {
		if dir, err = os.MkdirTemp("", "iamd-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var results []benchResult
	for t := range strings.SplitSeq(*targets, ",") {
		t = strings.TrimSpace(t)
		switch t {
		case targetTrivial:
			r, err := compareTrivial(ctx, exe, dir, lf, stderr)
			if err != nil {
				return fmt.Errorf("trivial: %w", err)
			}
			results = append(results, r...)
		case targetSQLite, targetPostgres:
			for _, n := range sizes {
				title := targetTitle(t, n)
				if len(sizes) == 1 {
					title = targetTitle(t, 0)
				}
				r, err := compareIamd(ctx, exe, filepath.Join(dir, fmt.Sprintf("%s-%d", t, n)), t, *dbURL, n, title, scenarios, lf, *work != "", stderr)
				if err != nil {
					return fmt.Errorf("%s: %w", title, err)
				}
				results = append(results, r...)
			}
		case targetMoto:
			path, err := exec.LookPath("moto_server")
			if err != nil {
				fmt.Fprintln(stderr, "bench: moto_server is not installed: moto skipped")
				continue
			}
			r, err := compareMoto(ctx, path, dir, scenarios, lf, *motoUsers, stderr)
			if err != nil {
				return fmt.Errorf("moto: %w", err)
			}
			results = append(results, r...)
		case "":
		default:
			return fmt.Errorf("unknown target %q (want sqlite, postgres, trivial, moto)", t)
		}
	}
	if err := writeResults(filepath.Join(*out, "results.json"), results); err != nil {
		return err
	}
	md := resultsTable(results, benchTargets)
	if len(sizes) > 1 {
		md += "\n" + sizeTable(results, sizes)
	}
	if err := os.WriteFile(filepath.Join(*out, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	chartPath := filepath.Join(*out, "chart.png")
	if err := benchChart(results, chartPath); err != nil {
		return err
	}
	fmt.Fprint(stdout, md)
	fmt.Fprintf(stdout, "\nchart: %s\n", chartPath)
	if *doc != "" {
		rel, err := filepath.Rel(filepath.Dir(*doc), chartPath)
		if err != nil {
			rel = chartPath
		}
		body := fmt.Sprintf("Measured %s with `iamd bench compare --targets %s --users %s --workers %d --duration %v` (%d cores).\n\n%s\n![throughput and p99 per scenario](%s)\n",
			time.Now().UTC().Format("2006-01-02"), *targets, *usersList, lf.workers, lf.duration, numCPU(), md, filepath.ToSlash(rel))
		if err := spliceDoc(*doc, *section, body); err != nil {
			return err
		}
	}
	return nil
}

// spliceDoc replaces the text between a named section's markers.
func spliceDoc(path, name, body string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- bench:"+name+" begin -->", "<!-- bench:"+name+" end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + body + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

// benchChild is a server the bench started.
type benchChild struct {
	cmd    *exec.Cmd
	base   string
	log    *os.File
	exited chan struct{}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startBenchChild runs a server and waits until it answers HTTP on addr.
func startBenchChild(ctx context.Context, logPath, addr string, env []string, name string, args ...string) (*benchChild, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	exited := make(chan struct{})
	c := &benchChild{cmd: cmd, base: "http://" + addr, log: lf, exited: exited}
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	probe := newAWSClient(c.base, 1).http
	for {
		resp, err := probe.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return c, nil
		}
		select {
		case <-exited:
			lf.Close()
			return nil, fmt.Errorf("%s exited at start; see %s", name, logPath)
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s did not answer on %s within a minute; see %s", name, addr, logPath)
		}
	}
}

func (c *benchChild) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.log.Close()
}

// peakRSS is the child's peak resident set in MiB (VmHWM), 0 if unknown.
func (c *benchChild) peakRSS() float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return math.Round(kb/1024*10) / 10
		}
	}
	return 0
}

func compareTrivial(ctx context.Context, exe, dir string, lf loadFlags, stderr io.Writer) ([]benchResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c, err := startBenchChild(ctx, filepath.Join(dir, "trivial.log"), addr, nil, exe, "bench", "trivial", "--addr", addr)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	env := &benchEnv{client: newAWSClient(c.base, lf.workers*2), reader: benchKey{"AKIAEXAMPLEEXAMPLE00", "trivial"}}
	rs := env.measure(ctx, targetTitle(targetTrivial, 0), []string{scenCallerIdentity}, lf, nil, stderr, func(r *benchResult) { r.RSSMiB = c.peakRSS() })
	for i := range rs {
		rs[i].Scenario = "trivial"
	}
	return rs, nil
}

// compareIamd starts iamd on a store of its own (kept in dir), seeds n
// users into it, and measures each scenario.
func compareIamd(ctx context.Context, exe, dir, kind, adminURL string, n int, title string, scenarios []string, lf loadFlags,
	keep bool, stderr io.Writer) ([]benchResult, error) {
	seedURL := ""
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// The root key is made once per store and kept beside it, so that a
	// kept store is reused with the same admin.
	admin, err := loadOrCreateAdmin(filepath.Join(dir, "admin.json"))
	if err != nil {
		return nil, err
	}
	// --database-url is always given, so that IAMD_DATABASE_URL in the
	// environment cannot move the SQLite target onto PostgreSQL.
	storeArgs := []string{"--data-dir", dir, "--database-url="}
	var env []string
	if kind == targetPostgres {
		u, err := benchDatabase(ctx, adminURL, dir)
		if err != nil {
			return nil, err
		}
		if !keep {
			defer dropBenchDatabase(adminURL, dir, stderr)
		}
		// The server takes the URL from its environment, not its
		// arguments, which every local user can read in ps.
		storeArgs = storeArgs[:2]
		env = append(env, "IAMD_DATABASE_URL="+u)
		seedURL = u
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env = append(env, "IAMD_ROOT_ACCESS_KEY_ID="+admin.AccessKeyID, "IAMD_ROOT_SECRET_ACCESS_KEY="+admin.SecretAccessKey,
		"IAMD_ACCOUNT_ID="+benchAccountID)
	c, err := startBenchChild(ctx, filepath.Join(dir, "server.log"), addr, env, exe, append([]string{"serve", "--addr", addr}, storeArgs...)...)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	manifest := filepath.Join(dir, "bench-manifest.json")
	seedArgs := []string{"--data-dir", dir, "--database-url=" + seedURL, "--users", strconv.Itoa(n), "--account", benchAccountID, "--manifest", manifest, "--batch", "5000"}
	if err := benchSeed(ctx, seedArgs, stderr, stderr); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	m, err := readManifest(manifest)
	if err != nil {
		return nil, err
	}
	be := &benchEnv{client: newAWSClient(c.base, lf.workers*2), admin: admin, tag: newTag()}
	if err := be.prepare(ctx, m, scenarios, lf, stderr); err != nil {
		return nil, err
	}
	rs := be.measure(ctx, title, scenarios, lf, m, stderr, func(r *benchResult) { r.RSSMiB = c.peakRSS() })
	if be.maxMFAStep() > m.LastStep {
		m.LastStep = be.maxMFAStep()
		if err := saveManifest(manifest, m); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// benchAccountID is the account the bench's iamd stores hold.
const benchAccountID = "111122223333"

func loadOrCreateAdmin(path string) (benchKey, error) {
	var k benchKey
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &k); err != nil || k.AccessKeyID == "" {
			return k, fmt.Errorf("%s: not an access key", path)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	var err error
	if k.AccessKeyID, err = iam.NewID(rand.Reader, "AKIA", 16); err != nil {
		return k, err
	}
	if k.SecretAccessKey, err = iam.NewSecretAccessKey(rand.Reader); err != nil {
		return k, err
	}
	b, _ := json.Marshal(k)
	return k, os.WriteFile(path, b, 0o600)
}

// benchDatabase returns the URL of the PostgreSQL database kept for dir,
// creating it on first use (its name is recorded in dir).
func benchDatabase(ctx context.Context, adminURL, dir string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("--database-url: %w", err)
	}
	nameFile := filepath.Join(dir, "database-name")
	name := ""
	if b, err := os.ReadFile(nameFile); err == nil {
		name = strings.TrimSpace(string(b))
	} else {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		name = "iamd_bench_" + hex.EncodeToString(b)
		db, err := sql.Open("pgx", adminURL)
		if err != nil {
			return "", err
		}
		_, err = db.ExecContext(ctx, "CREATE DATABASE "+name)
		db.Close()
		if err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
		if err := os.WriteFile(nameFile, []byte(name+"\n"), 0o600); err != nil {
			return "", err
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}

// dropBenchDatabase removes the database benchDatabase made for dir.
func dropBenchDatabase(adminURL, dir string, stderr io.Writer) {
	b, err := os.ReadFile(filepath.Join(dir, "database-name"))
	if err != nil {
		return
	}
	name := strings.TrimSpace(string(b))
	db, err := sql.Open("pgx", adminURL)
	if err == nil {
		_, err = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: could not drop the bench database %s: %v\n", name, err)
	}
}

func compareMoto(ctx context.Context, path, dir string, scenarios []string, lf loadFlags, users int, stderr io.Writer) ([]benchResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	c, err := startBenchChild(ctx, filepath.Join(dir, "moto.log"), addr, nil, path, "-H", host, "-p", port)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	lf.mfaUsers = users
	be := &benchEnv{client: newAWSClient(c.base, lf.workers*2), admin: benchKey{"AKIAIOSFODNN7EXAMPLE", "testing"}, tag: newTag()}
	if err := be.prepare(ctx, nil, scenarios, lf, stderr); err != nil {
		return nil, err
	}
	return be.measure(ctx, targetTitle(targetMoto, 0), scenarios, lf, nil, stderr, func(r *benchResult) { r.RSSMiB = c.peakRSS() }), nil
}
