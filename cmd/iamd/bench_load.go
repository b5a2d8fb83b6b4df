package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/otp"
)

// The scenarios "iamd bench" measures.
const (
	scenCallerIdentity = "caller-identity"   // sts:GetCallerIdentity as the reader
	scenAuthorisedRead = "authorised-read"   // iam:ListMFADevices of a (random seeded) user, allowed by an inline policy
	scenSessionToken   = "session-token-mfa" // sts:GetSessionToken with a fresh MFA code, each a single-use write
	scenEnableDevice   = "enable-device"     // CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice
)

var benchScenarios = []string{scenCallerIdentity, scenAuthorisedRead, scenSessionToken, scenEnableDevice}

// callsPerOp is how many HTTP requests one operation of a scenario makes.
func callsPerOp(scenario string) int {
	if scenario == scenEnableDevice {
		return 4
	}
	return 1
}

// benchResult is one cell: a scenario against a target.
type benchResult struct {
	Target     string  `json:"target"`
	Scenario   string  `json:"scenario"`
	Users      int     `json:"users,omitempty"`
	Workers    int     `json:"workers"`
	Seconds    float64 `json:"seconds"`
	OK         int     `json:"ok"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	CallsPerOp int     `json:"calls_per_op"`
	P50ms      float64 `json:"p50_ms"`
	P90ms      float64 `json:"p90_ms"`
	P99ms      float64 `json:"p99_ms"`
	Maxms      float64 `json:"max_ms"`
	// RSSMiB is the server's peak resident set (VmHWM) after the cell,
	// when the bench started the server itself.
	RSSMiB float64 `json:"rss_mib,omitempty"`
	// Note says why a cell stopped early (codes ran out) or was skipped.
	Note string `json:"note,omitempty"`
}

// errOutOfCodes stops a worker whose devices have no fresh time step left.
var errOutOfCodes = errors.New("every device's fresh codes are spent")

// drive runs op from workers goroutines for warmup (not counted) and then
// for duration, and summarises what it saw.
func drive(ctx context.Context, workers int, warmup, duration time.Duration, op func(ctx context.Context, w int) error) benchResult {
	type tally struct {
		lat      []time.Duration
		errs     int
		firstErr string
		outOf    bool
	}
	tallies := make([]tally, workers)
	var counting atomic.Bool
	runCtx, cancel := context.WithTimeout(ctx, warmup+duration)
	defer cancel()
	var start time.Time
	var startOnce sync.Once
	if warmup == 0 {
		startOnce.Do(func() { start = time.Now() })
		counting.Store(true)
	}
	go func() {
		select {
		case <-time.After(warmup):
			startOnce.Do(func() { start = time.Now() })
			counting.Store(true)
		case <-runCtx.Done():
		}
	}()
	var wg sync.WaitGroup
	var stopped atomic.Int64
	var lastStop atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			for runCtx.Err() == nil {
				t0 := time.Now()
				err := op(runCtx, w)
				d := time.Since(t0)
				if errors.Is(err, errOutOfCodes) {
					t.outOf = true
					stopped.Add(1)
					lastStop.Store(time.Now().UnixNano())
					return
				}
				if !counting.Load() {
					continue
				}
				if err != nil {
					if runCtx.Err() != nil {
						return // cut off by the end of the run
					}
					t.errs++
					if t.firstErr == "" {
						t.firstErr = err.Error()
					}
					continue
				}
				t.lat = append(t.lat, d)
			}
		}(&tallies[w])
	}
	wg.Wait()
	end := time.Now()
	startOnce.Do(func() { start = end })
	if n := stopped.Load(); n == int64(workers) {
		// Every worker ran out of codes: the run ended when the last did.
		if ls := time.Unix(0, lastStop.Load()); ls.After(start) {
			end = ls
		}
	}
	r := benchResult{Workers: workers, Seconds: end.Sub(start).Seconds()}
	var all []time.Duration
	outOf := 0
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errs
		if r.FirstError == "" {
			r.FirstError = t.firstErr
		}
		if t.outOf {
			outOf++
		}
	}
	slices.Sort(all)
	r.OK = len(all)
	if r.Seconds > 0 {
		r.OpsPerSec = float64(r.OK) / r.Seconds
	}
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	r.P50ms, r.P90ms, r.P99ms, r.Maxms = pct(0.50), pct(0.90), pct(0.99), pct(1)
	if outOf > 0 {
		r.Note = fmt.Sprintf("%d of %d workers ran out of fresh codes", outOf, workers)
	}
	return r
}

// loopbackOnly refuses a base URL that is not on this machine: the bench
// is for measuring a local server, not for loading someone else's.
func loopbackOnly(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: want an http:// or https:// URL", base)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%s: only loopback addresses may be measured", base)
	}
	return u, nil
}

// awsClient sends SigV4-signed Query API requests. It signs with the SDK's
// signer, as the AWS SDKs do, and keeps its connections alive.
type awsClient struct {
	base   string
	http   *http.Client
	signer *v4.Signer
}

func newAWSClient(base string, conns int) *awsClient {
	return &awsClient{
		base: strings.TrimRight(base, "/") + "/",
		http: &http.Client{
			Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DialContext: loopbackDial},
			Timeout:   30 * time.Second,
			// A redirect is an answer, never followed: it could lead the
			// load, and a request body with an MFA code, off this machine.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		signer: v4.NewSigner(),
	}
}

// loopbackDial dials only loopback addresses, whatever a name such as
// localhost resolves to.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if ip.IP.IsLoopback() {
			var d net.Dialer
			return d.DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
		}
	}
	return nil, fmt.Errorf("%s is not a loopback address: the bench measures this machine only", host)
}

// awsError is an error response: its HTTP status, Code and Message.
type awsError struct {
	Status  int
	Code    string
	Message string
}

func (e *awsError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends one Query API action and returns the response body.
func (c *awsClient) call(ctx context.Context, creds benchKey, service, action string, params ...string) ([]byte, error) {
	version := "2010-05-08"
	if service == "sts" {
		version = "2011-06-15"
	}
	form := url.Values{"Action": {action}, "Version": {version}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	body := form.Encode()
	sum := sha256.Sum256([]byte(body))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	ac := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	if err := c.signer.SignHTTP(ctx, ac, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &awsError{Status: resp.StatusCode, Code: xmlField(b, "Code"), Message: xmlField(b, "Message")}
	}
	return b, nil
}

// xmlField returns the text of the first element named name, or "".
func xmlField(b []byte, name string) string {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == name {
			var s string
			if dec.DecodeElement(&s, &se) == nil {
				return strings.TrimSpace(s)
			}
			return ""
		}
	}
}

// mfaUser is a caller with an enabled virtual device, for session-token-mfa.
type mfaUser struct {
	key    benchKey
	serial string
	secret []byte
	last   int64 // the highest time step this bench has sent a code for
}

// nextStep is the oldest step the server accepts for u that was not
// used: the server takes the steps either side of its own. lo is the
// step half a second from now, so that a code for the step before is not
// sent just as the server's clock moves past it; now is the step now.
func (u *mfaUser) nextStep(lo, now int64) (int64, bool) {
	s := max(u.last+1, lo-1)
	return s, s <= now+1
}

// benchEnv is what the scenarios run as on one target.
type benchEnv struct {
	client *awsClient
	admin  benchKey // creates what the scenarios need through the API
	reader benchKey
	// readNames are the users authorised-read lists devices of.
	readNames []string
	// mfa are session-token-mfa's callers, split between the workers.
	mfa []*mfaUser
	// enablers are enable-device's users, one per worker.
	enablers []string
	tag      string
}

// provisionReader creates, through the API, a user whose inline policy
// allows the read scenarios, and its access key.
func (e *benchEnv) provisionReader(ctx context.Context) error {
	name := "bench-reader-" + e.tag
	if _, err := e.client.call(ctx, e.admin, "iam", "CreateUser", "UserName", name); err != nil {
		return fmt.Errorf("CreateUser %s: %w", name, err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListMFADevices","iam:GetUser","sts:GetCallerIdentity"],"Resource":"*"}]}`
	if _, err := e.client.call(ctx, e.admin, "iam", "PutUserPolicy", "UserName", name, "PolicyName", "bench-read", "PolicyDocument", doc); err != nil {
		return fmt.Errorf("PutUserPolicy: %w", err)
	}
	k, err := e.createKey(ctx, name)
	if err != nil {
		return err
	}
	e.reader = k
	e.readNames = []string{name}
	return nil
}

func (e *benchEnv) createKey(ctx context.Context, user string) (benchKey, error) {
	b, err := e.client.call(ctx, e.admin, "iam", "CreateAccessKey", "UserName", user)
	if err != nil {
		return benchKey{}, fmt.Errorf("CreateAccessKey %s: %w", user, err)
	}
	k := benchKey{AccessKeyID: xmlField(b, "AccessKeyId"), SecretAccessKey: xmlField(b, "SecretAccessKey")}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return benchKey{}, fmt.Errorf("CreateAccessKey %s: no key in the answer", user)
	}
	return k, nil
}

// createDevice makes a virtual device and returns its serial and seed.
func (e *benchEnv) createDevice(ctx context.Context, name string) (string, []byte, error) {
	b, err := e.client.call(ctx, e.admin, "iam", "CreateVirtualMFADevice", "VirtualMFADeviceName", name)
	if err != nil {
		return "", nil, fmt.Errorf("CreateVirtualMFADevice %s: %w", name, err)
	}
	// Base32StringSeed is a blob in the wire model: base64 of the Base32
	// text.
	serial := xmlField(b, "SerialNumber")
	b32, err := base64.StdEncoding.DecodeString(xmlField(b, "Base32StringSeed"))
	var secret []byte
	if err == nil {
		secret, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(string(b32), "="))
	}
	if err != nil || serial == "" {
		return "", nil, fmt.Errorf("CreateVirtualMFADevice %s: no serial or seed in the answer", name)
	}
	return serial, secret, nil
}

// provisionMFAUsers creates n users with enabled virtual devices through
// the API (for a peer that cannot be seeded). The enabling codes are ten
// minutes old, inside the server's search window, so the steps around
// now stay fresh for the scenario.
func (e *benchEnv) provisionMFAUsers(ctx context.Context, n int, progress func(done int)) error {
	for i := range n {
		name := fmt.Sprintf("bench-mfa-%s-%d", e.tag, i)
		if _, err := e.client.call(ctx, e.admin, "iam", "CreateUser", "UserName", name); err != nil {
			return fmt.Errorf("CreateUser %s: %w", name, err)
		}
		k, err := e.createKey(ctx, name)
		if err != nil {
			return err
		}
		serial, secret, err := e.createDevice(ctx, name)
		if err != nil {
			return err
		}
		s := otp.Step(time.Now(), otp.Params{}) - 18
		if _, err := e.client.call(ctx, e.admin, "iam", "EnableMFADevice", "UserName", name, "SerialNumber", serial,
			"AuthenticationCode1", otp.CodeAt(secret, s, otp.Params{}), "AuthenticationCode2", otp.CodeAt(secret, s+1, otp.Params{})); err != nil {
			return fmt.Errorf("EnableMFADevice %s: %w", name, err)
		}
		e.mfa = append(e.mfa, &mfaUser{key: k, serial: serial, secret: secret, last: s + 1})
		if progress != nil {
			progress(i + 1)
		}
	}
	return nil
}

// provisionEnablers creates one user per worker for enable-device.
func (e *benchEnv) provisionEnablers(ctx context.Context, workers int) error {
	e.enablers = e.enablers[:0]
	for w := range workers {
		name := fmt.Sprintf("bench-enable-%s-%d", e.tag, w)
		if _, err := e.client.call(ctx, e.admin, "iam", "CreateUser", "UserName", name); err != nil {
			return fmt.Errorf("CreateUser %s: %w", name, err)
		}
		e.enablers = append(e.enablers, name)
	}
	return nil
}

// fromManifest takes the reader and the MFA users from a seeded account.
// mfaUsers caps how many of the seeded users session-token-mfa signs as,
// readUsers how many authorised-read reads.
func (e *benchEnv) fromManifest(m *benchManifest, mfaUsers, readUsers int) {
	e.reader = m.Reader
	// authorised-read lists the devices of readUsers users spread evenly
	// over the account: a working set the cache can hold, placed all
	// over the tables so that the size test still reaches every part.
	r := min(m.Users, max(readUsers, 1))
	e.readNames = make([]string, r)
	for j := range r {
		e.readNames[j] = benchUserName(j * max(m.Users/r, 1))
	}
	n := min(m.Users, mfaUsers)
	e.mfa = make([]*mfaUser, n)
	// Users are drawn evenly across the whole account so that the size
	// test touches rows all over the tables, not only the first ones.
	stride := max(m.Users/max(n, 1), 1)
	for j := range n {
		u := m.user(j * stride)
		e.mfa[j] = &mfaUser{key: u.Key, serial: u.Serial, secret: u.MFASecret, last: m.LastStep}
	}
}

// newTag is a short random suffix that keeps one run's names apart from
// an earlier run's on the same server.
func newTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// scenarioOp returns one operation of scenario for worker w of workers.
func (e *benchEnv) scenarioOp(scenario string, workers int, m *benchManifest) (func(ctx context.Context, w int) error, error) {
	switch scenario {
	case scenCallerIdentity:
		return func(ctx context.Context, _ int) error {
			_, err := e.client.call(ctx, e.reader, "sts", "GetCallerIdentity")
			return err
		}, nil
	case scenAuthorisedRead:
		rngs := make([]*mrand.Rand, workers)
		for w := range rngs {
			rngs[w] = mrand.New(mrand.NewPCG(uint64(w), 42))
		}
		return func(ctx context.Context, w int) error {
			name := e.readNames[rngs[w].IntN(len(e.readNames))]
			_, err := e.client.call(ctx, e.reader, "iam", "ListMFADevices", "UserName", name)
			return err
		}, nil
	case scenSessionToken:
		if len(e.mfa) < workers {
			return nil, fmt.Errorf("%s needs at least one MFA user per worker (%d users, %d workers)", scenario, len(e.mfa), workers)
		}
		next := make([]int, workers) // worker w uses users w, w+workers, …
		return func(ctx context.Context, w int) error {
			t := time.Now()
			now, lo := otp.Step(t, otp.Params{}), otp.Step(t.Add(500*time.Millisecond), otp.Params{})
			mine := (len(e.mfa) - w + workers - 1) / workers
			for range mine {
				u := e.mfa[w+next[w]*workers]
				next[w] = (next[w] + 1) % mine
				s, ok := u.nextStep(lo, now)
				if !ok {
					continue
				}
				u.last = s
				_, err := e.client.call(ctx, u.key, "sts", "GetSessionToken", "SerialNumber", u.serial,
					"TokenCode", otp.CodeAt(u.secret, s, otp.Params{}), "DurationSeconds", "900")
				return err
			}
			return errOutOfCodes
		}, nil
	case scenEnableDevice:
		if len(e.enablers) < workers {
			return nil, fmt.Errorf("%s: %d users for %d workers", scenario, len(e.enablers), workers)
		}
		var seq atomic.Int64
		return func(ctx context.Context, w int) error {
			user := e.enablers[w]
			serial, secret, err := e.createDevice(ctx, user+"-"+strconv.FormatInt(seq.Add(1), 10))
			if err != nil {
				return err
			}
			s := otp.Step(time.Now(), otp.Params{})
			_, err = e.client.call(ctx, e.admin, "iam", "EnableMFADevice", "UserName", user, "SerialNumber", serial,
				"AuthenticationCode1", otp.CodeAt(secret, s-1, otp.Params{}), "AuthenticationCode2", otp.CodeAt(secret, s, otp.Params{}))
			if err == nil {
				_, err = e.client.call(ctx, e.admin, "iam", "DeactivateMFADevice", "UserName", user, "SerialNumber", serial)
			}
			// The device goes whatever happened, so the next cycle starts clean.
			_, derr := e.client.call(context.WithoutCancel(ctx), e.admin, "iam", "DeleteVirtualMFADevice", "SerialNumber", serial)
			return errors.Join(err, derr)
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (want one of %s)", scenario, strings.Join(benchScenarios, ", "))
}

// maxMFAStep is the highest step session-token-mfa sent on any device, so
// that a later run on the same store starts after it.
func (e *benchEnv) maxMFAStep() int64 {
	var s int64
	for _, u := range e.mfa {
		s = max(s, u.last)
	}
	return s
}
