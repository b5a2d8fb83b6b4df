package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const benchUsage = `usage:
  iamd bench compare [--targets sqlite,postgres,trivial,moto] [--users 10000] [--scenarios ...] [--workers 32] [--duration 5s] [--out DIR] [--doc docs/benchmarks.md]
  iamd bench run --endpoint URL [--manifest F] [--access-key-id K --secret-access-key S] [--scenarios ...] [--workers 32] [--duration 5s]
  iamd bench seed --users N [--data-dir D] [--database-url U] [--account ID] [--manifest F]
  iamd bench chart --in results.json --out chart.png
  iamd bench trivial --addr 127.0.0.1:0
Scenarios: caller-identity, authorised-read, session-token-mfa, enable-device. Every target must be a loopback address.`

// benchCmd runs "iamd bench": the load tool, its seeder and its reports.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(benchUsage)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "run":
		return benchRun(ctx, args, stdout, stderr)
	case "compare":
		return benchCompare(ctx, args, stdout, stderr)
	case "seed":
		return benchSeed(ctx, args, stdout, stderr)
	case "chart":
		return benchChartCmd(args, stderr)
	case "trivial":
		return benchTrivial(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown bench command %q\n%s", sub, benchUsage)
}

// loadFlags are the knobs every measuring command shares.
type loadFlags struct {
	scenarios string
	workers   int
	duration  time.Duration
	warmup    time.Duration
	mfaUsers  int
	readUsers int
}

func (l *loadFlags) register(fs *flag.FlagSet, defMFAUsers int) {
	fs.StringVar(&l.scenarios, "scenarios", strings.Join(benchScenarios, ","), "comma-separated scenarios")
	fs.IntVar(&l.workers, "workers", 32, "concurrent clients (c)")
	fs.DurationVar(&l.duration, "duration", 5*time.Second, "measured time per cell")
	fs.DurationVar(&l.warmup, "warmup", time.Second, "unmeasured time before each cell (fills caches and connection pools)")
	fs.IntVar(&l.mfaUsers, "mfa-users", defMFAUsers, "session-token-mfa: how many users with enabled devices it signs as")
	fs.IntVar(&l.readUsers, "read-users", 1000, "authorised-read: how many seeded users (spread over the account) it lists the devices of")
}

func (l *loadFlags) check() ([]string, error) {
	if l.workers < 1 || l.workers > 512 {
		return nil, errors.New("--workers must be 1..512")
	}
	if l.duration <= 0 || l.duration > 10*time.Minute || l.warmup < 0 || l.warmup > time.Minute {
		return nil, errors.New("--duration must be at most 10m and --warmup at most 1m")
	}
	var out []string
	for s := range strings.SplitSeq(l.scenarios, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		found := false
		for _, k := range benchScenarios {
			found = found || k == s
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (want %s)", s, strings.Join(benchScenarios, ", "))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("--scenarios names none")
	}
	return out, nil
}

// benchRun measures a server that is already running: iamd or a peer
// such as moto_server. With --manifest it signs as the users "iamd bench
// seed" made; without, it creates what it needs through the API with the
// admin key.
func benchRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf loadFlags
	lf.register(fs, 200)
	endpoint := fs.String("endpoint", "", "base URL of the server to measure (loopback only)")
	name := fs.String("name", "", "the target's name in the table (default: the endpoint)")
	manifestPath := fs.String("manifest", "", "bench-manifest.json from iamd bench seed (iamd only)")
	akid := fs.String("access-key-id", os.Getenv("AWS_ACCESS_KEY_ID"), "admin access key for provisioning [AWS_ACCESS_KEY_ID]")
	secret := fs.String("secret-access-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "admin secret key [AWS_SECRET_ACCESS_KEY]")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scenarios, err := lf.check()
	if err != nil {
		return err
	}
	if *endpoint == "" {
		return errors.New("--endpoint is required")
	}
	if _, err := loopbackOnly(*endpoint); err != nil {
		return err
	}
	if *name == "" {
		*name = *endpoint
	}
	var m *benchManifest
	if *manifestPath != "" {
		if m, err = readManifest(*manifestPath); err != nil {
			return err
		}
	}
	env := &benchEnv{client: newAWSClient(*endpoint, lf.workers*2), admin: benchKey{*akid, *secret}, tag: newTag()}
	if err := env.prepare(ctx, m, scenarios, lf, stderr); err != nil {
		return err
	}
	results := env.measure(ctx, *name, scenarios, lf, m, stderr, nil)
	if m != nil && env.maxMFAStep() > m.LastStep {
		m.LastStep = env.maxMFAStep()
		if err := saveManifest(*manifestPath, m); err != nil {
			return err
		}
	}
	fmt.Fprint(stdout, resultsTable(results, nil))
	if *jsonOut != "" {
		return writeResults(*jsonOut, results)
	}
	return nil
}

// prepare provisions what the scenarios need.
func (e *benchEnv) prepare(ctx context.Context, m *benchManifest, scenarios []string, lf loadFlags, stderr io.Writer) error {
	has := func(s string) bool {
		for _, x := range scenarios {
			if x == s {
				return true
			}
		}
		return false
	}
	needsAdmin := has(scenEnableDevice) || m == nil
	if needsAdmin && e.admin.AccessKeyID == "" {
		return errors.New("an admin key (--access-key-id, --secret-access-key) is needed to provision through the API")
	}
	if m != nil {
		e.fromManifest(m, lf.mfaUsers, lf.readUsers)
	} else {
		if err := e.provisionReader(ctx); err != nil {
			return err
		}
		if has(scenSessionToken) {
			n := max(lf.mfaUsers, lf.workers)
			last := time.Now()
			if err := e.provisionMFAUsers(ctx, n, func(done int) {
				if time.Since(last) > 2*time.Second || done == n {
					last = time.Now()
					fmt.Fprintf(stderr, "bench: provisioned %d/%d users with MFA devices\n", done, n)
				}
			}); err != nil {
				return err
			}
		}
	}
	if has(scenEnableDevice) {
		if err := e.provisionEnablers(ctx, lf.workers); err != nil {
			return err
		}
	}
	return nil
}

// measure runs every scenario against the target; after each cell it
// calls sample (when given) for the server's memory.
func (e *benchEnv) measure(ctx context.Context, target string, scenarios []string, lf loadFlags, m *benchManifest,
	stderr io.Writer, sample func(*benchResult)) []benchResult {
	var out []benchResult
	for _, s := range scenarios {
		if ctx.Err() != nil {
			break
		}
		r := benchResult{}
		op, err := e.scenarioOp(s, lf.workers, m)
		if err != nil {
			r.Note = err.Error()
		} else {
			r = drive(ctx, lf.workers, lf.warmup, lf.duration, op)
		}
		r.Target, r.Scenario, r.CallsPerOp = target, s, callsPerOp(s)
		if m != nil {
			r.Users = m.Users
		}
		if sample != nil {
			sample(&r)
		}
		fmt.Fprintf(stderr, "bench: %-28s %-18s %8.0f ops/s  p50 %6.2f ms  p99 %7.2f ms  %d errors %s\n",
			target, s, r.OpsPerSec, r.P50ms, r.P99ms, r.Errors, r.FirstError+r.Note)
		out = append(out, r)
	}
	return out
}

func writeResults(path string, results []benchResult) error {
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readResults(path string) ([]benchResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rs []benchResult
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rs, nil
}

// trivialBody is the trivial handler's fixed answer: about the size of a
// GetCallerIdentity response, so that it measures what the machine, the
// HTTP stack and the load generator cost without any of iamd's work.
var trivialBody = []byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
	`<Arn>arn:aws:iam::123456789012:user/bench</Arn><UserId>AIDAEXAMPLEEXAMPLE0</UserId><Account>123456789012</Account>` +
	`</GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)

// benchTrivial serves the trivial handler until ctx ends, printing its
// address on stdout: the ceiling every ratio is taken against.
func benchTrivial(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench trivial", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("--addr must be a loopback address")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(trivialBody)
	}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
