// Package gateway is iamd's one front door. Every request takes the same
// path through it: a request id, one log line, panic recovery, then the
// route of its door — chosen from the SigV4 credential scope before the body
// is read — with that route's body policy (size limit, buffered and hashed
// for the Query and JSON protocols), its SigV4 payload options and its codec
// (AWS Query for IAM and STS, AWS JSON 1.1 for Service Quotas). The codec
// decodes the input, the principal is authenticated, authz applies the
// session-credential rules, the domain does the work, and the same codec
// renders the result or the error from awserr's one table. Unsigned
// requests reach only /healthz, when there is one the console under
// /console, and in test mode the reset and clock paths (testmode.go).
package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/auth"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/sts"
)

// maxQueryBody bounds a Query or JSON request body; IAM's largest inputs
// (policy documents) are far smaller.
const maxQueryBody = 1 << 20

// route is how the gateway serves one signed service: how much body it
// reads, which SigV4 payload modes it accepts, and the codec that serves
// the call and renders its errors.
type route struct {
	// maxBody is the largest body the route buffers and hashes before the
	// signature is checked.
	maxBody int64
	// sigv4 are the service's payload options (UNSIGNED-PAYLOAD only where
	// the service allows it).
	sigv4 sigv4.Options
	// serve answers a request whose body has been read and hashed.
	serve func(w http.ResponseWriter, r *http.Request, c *call)
	// writeError renders an error in the route's protocol.
	writeError func(w http.ResponseWriter, reqID string, err error)
	// signedTarget requires X-Amz-Target among the signed headers (the
	// JSON protocols, whose operation it names).
	signedTarget bool
	// stream leaves the body unread: serve sets the payload hash from the
	// signed headers and reads the body through the SigV4 decoder (S3).
	stream bool
}

// call is one request on its way through a route. The route fills in
// action and principal for the log line.
type call struct {
	reqID     string
	signed    *sigv4.Signed
	body      []byte
	action    string
	principal string
}

// handler carries out one Query operation for an authenticated principal
// and returns the result struct to render (nil for operations without
// output).
type handler func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error)

// api is one Query service and its operations.
type api struct {
	proto    *awsquery.Service
	handlers map[string]handler
}

// Server serves IAM and STS (AWS Query), Service Quotas (AWS JSON 1.1) and
// /healthz.
type Server struct {
	iam    *iam.Service
	sts    *sts.Service
	auth   *auth.Authenticator
	log    *slog.Logger
	routes map[string]*route // by SigV4 service name
	health func(context.Context) error
	// quotas serves the Service Quotas JSON API (servicequotas.go); nil
	// when the store has no quota requests.
	quotas *quotas.Service
	// sqHandlers are the Service Quotas operations, built once.
	sqHandlers map[string]sqHandler
	// console serves /console; nil when there is none.
	console http.Handler
	// audit records the events of security-relevant requests; nil
	// records none.
	audit      *audit.Recorder
	auditStore audit.Store
	clock      clock.Clock
	// testMode serves /moto-api/reset and /_iamd/*; nil without
	// --test-mode.
	testMode *TestMode
	// s3 serves the S3 REST-XML API (s3.go); nil serves none.
	s3           *s3.Service
	s3BaseDomain string
}

// Store is what the gateway itself reads and writes: keys, users and
// roles for authentication, access key use, and the health check.
type Store interface {
	auth.Store
	iam.UsageStore
	Ping(ctx context.Context) error
}

// Deps are what a Server serves with: the domains and the store its own
// middleware needs. IAM, STS and Store are required.
type Deps struct {
	IAM   *iam.Service
	STS   *sts.Service
	Store Store
	// Quotas serves the Service Quotas API; nil answers it with
	// UnknownOperationException.
	Quotas *quotas.Service
	// Log gets one line per request and the detail of internal errors;
	// nil discards.
	Log *slog.Logger
	// Console is the browser console's door, served under /console (and
	// a browser's GET / is redirected there); nil serves no console. It
	// gets the request after the gateway's middleware, unsigned: it
	// authenticates with its own session cookie and asks authz and mfa
	// like every other door.
	Console http.Handler
	// Audit records one CloudTrail-shaped event per security-relevant
	// request and serves CloudTrail's LookupEvents; nil records nothing.
	Audit *audit.Recorder
	// AuditStore is where LookupEvents reads; required with Audit.
	AuditStore audit.Store
	// TestMode, when set, serves test mode's unsigned reset and clock
	// paths (testmode.go) and holds requests off while a reset runs; nil
	// (every real server) serves none of them.
	TestMode *TestMode
	// S3 serves the small S3 API with MFA Delete; its zero value serves
	// none.
	S3 S3Config
}

// New returns a Server over the domain services.
func New(d Deps) *Server {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		iam:     d.IAM,
		sts:     d.STS,
		auth:    &auth.Authenticator{Store: d.Store, STS: d.STS, Clock: d.IAM.Clock()},
		log:     log,
		health:  d.Store.Ping,
		quotas:  d.Quotas,
		console: d.Console,
		audit:   d.Audit,
		clock:   d.IAM.Clock(),
	}
	s.testMode = d.TestMode
	s.auth.LastUsed = iam.NewUsageRecorder(d.Store, iam.UsageOptions{Logger: log})
	s.sqHandlers = s.serviceQuotasHandlers()
	s.routes = map[string]*route{
		"iam":                s.queryRoute(&api{proto: awsquery.IAM(), handlers: s.iamHandlers()}),
		"sts":                s.queryRoute(&api{proto: awsquery.STS(), handlers: s.stsHandlers()}),
		serviceQuotasService: {maxBody: maxQueryBody, serve: s.serveServiceQuotas, writeError: s.writeJSONError, signedTarget: true},
	}
	if d.S3.Service != nil {
		s.s3, s.s3BaseDomain = d.S3.Service, strings.ToLower(strings.TrimPrefix(d.S3.BaseDomain, "."))
		s.routes[s3Service] = s.s3Route()
	}
	if d.Audit != nil && d.AuditStore != nil {
		s.auditStore = d.AuditStore
		s.routes[cloudTrailService] = &route{maxBody: maxQueryBody, serve: s.serveCloudTrail, writeError: s.writeCloudTrailError, signedTarget: true}
	}
	return s
}

// ServeHTTP handles one request: the middleware every door shares.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{reqID: uuid.NewString()}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	var service string
	var rt *route
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// A bug, not the client's fault: the detail and stack go to
			// the log only; the client gets the route's internal failure
			// with the request id, if nothing was written yet.
			s.log.Error("panic serving request", "id", c.reqID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			switch {
			case rec.wrote:
			case service == "console":
				http.Error(rec, "Internal error (request id "+c.reqID+").", http.StatusInternalServerError)
			case rt != nil:
				rt.writeError(rec, c.reqID, errors.New("panic"))
			default:
				s.queryError(awsquery.IAM())(rec, c.reqID, errors.New("panic"))
			}
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("id", c.reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("service", service), slog.String("action", c.action),
			slog.String("principal", c.principal), slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	}()

	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.healthz(rec, r)
		return
	}
	if s.testMode != nil {
		if isTestModePath(r.URL.Path) {
			service = "testmode"
			s.serveTestMode(rec, r)
			return
		}
		// A reset waits for this request, and this one for a reset.
		s.testMode.gate.RLock()
		defer s.testMode.gate.RUnlock()
	}
	if s.console != nil {
		if r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/") {
			service = "console"
			r.Header.Set("X-Request-Id", c.reqID) // the gateway's, whatever the client sent
			s.console.ServeHTTP(rec, r)
			return
		}
		if r.URL.Path == "/" && r.Method == http.MethodGet && r.URL.RawQuery == "" && r.Header.Get("Authorization") == "" {
			// A browser at the root; SDKs always sign, and POST.
			http.Redirect(rec, r, "/console/", http.StatusFound)
			return
		}
	}
	// The credential scope names the service, and so the route, before any
	// of the body is read: each route has its own body policy.
	signed, err := sigv4.Parse(sigv4.Request{
		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header,
	})
	if errors.Is(err, sigv4.ErrNotSigned) {
		if r.URL.Path != "/" {
			http.NotFound(rec, r)
			return
		}
		s.queryError(awsquery.IAM())(rec, c.reqID, awserr.New(awserr.MissingAuthenticationToken, "Request is missing Authentication Token"))
		return
	}
	if err != nil {
		s.queryError(awsquery.IAM())(rec, c.reqID, auth.SignatureError(err))
		return
	}
	service = signed.Credential.Service
	rt = s.routes[service]
	if rt == nil {
		s.queryError(awsquery.IAM())(rec, c.reqID, awserr.New(awserr.InvalidClientTokenID,
			"Credential should be scoped to a valid service: '%s' is not served here.", service))
		return
	}
	if rt.stream {
		c.signed = signed
		rt.serve(rec, r, c)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, rt.maxBody+1))
	if err != nil {
		rt.writeError(rec, c.reqID, awserr.New(awserr.InvalidParameterValue, "Could not read the request body."))
		return
	}
	if int64(len(body)) > rt.maxBody {
		rt.writeError(rec, c.reqID, awserr.New(awserr.InvalidParameterValue, "The request body is larger than %d bytes.", rt.maxBody))
		return
	}
	sum := sha256.Sum256(body)
	signed.SetPayload(hex.EncodeToString(sum[:]), rt.sigv4)
	if rt.signedTarget && !signs(signed.SignedHeaders, "x-amz-target") {
		// The operation of a JSON API is in X-Amz-Target: unsigned, a
		// captured request could be replayed as another operation.
		rt.writeError(rec, c.reqID, awserr.New(awserr.IncompleteSignature, "X-Amz-Target must be a signed header."))
		return
	}
	c.signed, c.body = signed, body
	rt.serve(rec, r, c)
}

// requestInfo is what policy conditions may ask about the request. The
// source address is the TCP peer's: a proxy's X-Forwarded-For is not
// trusted.
func requestInfo(r *http.Request, signed *sigv4.Signed) authz.RequestInfo {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return authz.RequestInfo{SourceIP: ip, UserAgent: r.UserAgent(), SecureTransport: r.TLS != nil, Region: signed.Credential.Region}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.health(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		http.Error(w, "store unreachable\n", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// statusRecorder remembers the status for the log line, and whether
// anything was written (a panic after that cannot send an error).
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status, r.wrote = code, true
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// signs tells whether name (lower case) is among the signed headers.
func signs(signed []string, name string) bool {
	for _, h := range signed {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
