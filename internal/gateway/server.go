// Package gateway is iamd's HTTP front door: it routes each signed request by
// the service in its SigV4 scope, authenticates it, decodes the Query
// parameters against the AWS model, calls the domain, and renders the result
// or the AWS error. Unsigned requests reach only /healthz.
package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/iamd/iamd/internal/auth"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/sts"
)

// maxBody bounds a Query request body; IAM's largest inputs (policy
// documents) are far smaller.
const maxBody = 1 << 20

// handler carries out one operation for an authenticated principal and
// returns the result struct to render (nil for operations without output).
type handler func(ctx context.Context, p *iam.Principal, in awsquery.Params) (any, error)

// api is one Query service and its operations.
type api struct {
	proto    *awsquery.Service
	handlers map[string]handler
}

// Server serves the IAM and STS Query APIs and /healthz.
type Server struct {
	iam    *iam.Service
	sts    *sts.Service
	auth   *auth.Authenticator
	log    *slog.Logger
	apis   map[string]*api // by SigV4 service name
	health func(context.Context) error
	// quotas serves the Service Quotas JSON API (servicequotas.go); nil
	// when the store has no quota requests.
	quotas *quotas.Service
}

// New returns a Server over the domain services.
func New(iamSvc *iam.Service, stsSvc *sts.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		iam:    iamSvc,
		sts:    stsSvc,
		auth:   &auth.Authenticator{Store: iamSvc.Store(), STS: stsSvc, Clock: iamSvc.Clock()},
		log:    log,
		health: iamSvc.Store().Ping,
	}
	s.auth.LastUsed = iam.NewUsageRecorder(iamSvc.Store(), iam.UsageOptions{Logger: log})
	s.quotas = defaultQuotas(iamSvc, log)
	s.apis = map[string]*api{
		"iam": {proto: awsquery.IAM(), handlers: s.iamHandlers()},
		"sts": {proto: awsquery.STS(), handlers: s.stsHandlers()},
	}
	return s
}

// ServeHTTP handles one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	var service, action, principal string
	defer func() {
		s.log.Info("request", "id", reqID, "method", r.Method, "path", r.URL.Path, "service", service, "action", action,
			"principal", principal, "status", rec.status, "duration", time.Since(start), "remote", r.RemoteAddr)
	}()

	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.healthz(rec, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		awsquery.WriteError(rec, awsquery.IAM(), reqID, awserr.New(awserr.InvalidParameterValue, "Could not read the request body."))
		return
	}
	if len(body) > maxBody {
		awsquery.WriteError(rec, awsquery.IAM(), reqID, awserr.New(awserr.InvalidParameterValue, "The request body is larger than %d bytes.", maxBody))
		return
	}
	sum := sha256.Sum256(body)
	signed, err := sigv4.Parse(sigv4.Request{
		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host,
		Header: r.Header, PayloadHash: hex.EncodeToString(sum[:]),
	})
	if errors.Is(err, sigv4.ErrNotSigned) {
		if r.URL.Path != "/" {
			http.NotFound(rec, r)
			return
		}
		awsquery.WriteError(rec, awsquery.IAM(), reqID, awserr.New(awserr.MissingAuthenticationToken, "Request is missing Authentication Token"))
		return
	}
	if err != nil {
		awsquery.WriteError(rec, awsquery.IAM(), reqID, auth.SignatureError(err))
		return
	}
	service = signed.Credential.Service
	if service == serviceQuotasService { // AWS JSON 1.1, not Query
		action, principal = s.serveServiceQuotas(rec, r, signed, body, reqID)
		return
	}
	a, ok := s.apis[service]
	if !ok {
		awsquery.WriteError(rec, awsquery.IAM(), reqID, awserr.New(awserr.InvalidClientTokenID,
			"Credential should be scoped to a valid service: '%s' is not served here.", service))
		return
	}
	p, err := s.auth.Authenticate(r.Context(), signed)
	if err != nil {
		s.writeError(rec, a, reqID, err)
		return
	}
	principal = p.ARN()
	ctx := iam.WithRequestInfo(r.Context(), requestInfo(r, signed))
	form, err := formValues(r, body)
	if err != nil {
		s.writeError(rec, a, reqID, err)
		return
	}
	req, err := a.proto.Decode(form)
	if req != nil {
		action = req.Action
	} else {
		action = form.Get("Action")
	}
	if err != nil {
		s.writeError(rec, a, reqID, err)
		return
	}
	if err := sessionAllows(service, req.Action, p); err != nil {
		s.writeError(rec, a, reqID, err)
		return
	}
	h, ok := a.handlers[req.Action]
	if !ok {
		s.writeError(rec, a, reqID, awserr.New(awserr.InvalidAction, "The action %s is not implemented by iamd yet.", req.Action))
		return
	}
	result, err := h(ctx, p, req.Params)
	if err != nil {
		s.writeError(rec, a, reqID, err)
		return
	}
	awsquery.WriteResult(rec, a.proto, req.Action, reqID, result)
}

// requestInfo is what policy conditions may ask about the request. The
// source address is the TCP peer's: a proxy's X-Forwarded-For is not
// trusted.
func requestInfo(r *http.Request, signed *sigv4.Signed) iam.RequestInfo {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return iam.RequestInfo{SourceIP: ip, UserAgent: r.UserAgent(), SecureTransport: r.TLS != nil, Region: signed.Credential.Region}
}

// writeError renders err; an error that is not an AWS error is an internal
// failure, logged here with its detail and sent without it.
func (s *Server) writeError(w http.ResponseWriter, a *api, reqID string, err error) {
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		s.log.Error("internal error", "id", reqID, "err", err)
	}
	awsquery.WriteError(w, a.proto, reqID, err)
}

// sessionAllows applies what temporary credentials may call (reference
// §7.3). GetSessionToken credentials: without MFA no IAM at all; in STS only
// AssumeRole and GetCallerIdentity. Role sessions (AssumeRole): IAM subject
// to policy, and all of STS except GetFederationToken and GetSessionToken.
func sessionAllows(service, action string, p *iam.Principal) error {
	if p.Session == nil {
		return nil
	}
	if p.Role != nil {
		if service == "sts" {
			switch action {
			case "GetSessionToken", "GetFederationToken":
				return awserr.New(awserr.AccessDenied, "Cannot call %s with session credentials", action)
			}
		}
		return nil
	}
	switch service {
	case "iam":
		if !p.Session.MFA() {
			return auth.ErrInvalidToken
		}
	case "sts":
		switch action {
		case "GetCallerIdentity", "AssumeRole":
		case "GetSessionToken":
			return awserr.New(awserr.AccessDenied, "Cannot call GetSessionToken with session credentials")
		default:
			return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: sts:%s with session credentials from GetSessionToken", p.ARN(), action)
		}
	}
	return nil
}

// formValues reads the Query parameters: the form body of a POST, merged
// with the URL's query string (where GET and presigned requests carry them).
// SigV4's own query parameters are not operation parameters.
func formValues(r *http.Request, body []byte) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, awserr.New(awserr.InvalidParameterValue, "The query string is not well formed.")
	}
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			delete(q, k)
		}
	}
	if r.Method == http.MethodPost && len(bytes.TrimSpace(body)) > 0 {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			return nil, awserr.New(awserr.InvalidParameterValue, "Content-Type must be application/x-www-form-urlencoded.")
		}
		b, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, awserr.New(awserr.InvalidParameterValue, "The request body is not a well-formed form.")
		}
		for k, v := range b {
			q[k] = append(q[k], v...)
		}
	}
	return q, nil
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

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
