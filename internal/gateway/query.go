package gateway

import (
	"bytes"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"net/http"
	"net/url"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
)

// queryRoute is the route of an AWS Query service (IAM, STS): a buffered
// body of at most maxQueryBody, every payload signed.
func (s *Server) queryRoute(a *api) *route {
	return &route{
		maxBody:    maxQueryBody,
		serve:      func(w http.ResponseWriter, r *http.Request, c *call) { s.serveQuery(w, r, c, a) },
		writeError: s.queryError(a.proto),
	}
}

// serveQuery is the AWS Query codec: authenticate, decode the form against
// the model, apply the session-credential rules, call the operation, render.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, c *call, a *api) {
	writeError := s.queryError(a.proto)
	service := c.signed.Credential.Service
	p, err := s.auth.Authenticate(r.Context(), c.signed)
	if err != nil {
		c.action = formAction(r, c.body)
		s.record(r, c, auditCall{service: service, action: c.action, err: err})
		writeError(w, c.reqID, err)
		return
	}
	c.principal = p.ARN()
	ctx := authz.WithRequestInfo(r.Context(), requestInfo(r, c.signed))
	form, err := formValues(r, c.body)
	if err != nil {
		writeError(w, c.reqID, err)
		return
	}
	req, err := a.proto.Decode(form)
	if req != nil {
		c.action = req.Action
	} else {
		c.action = form.Get("Action")
	}
	if err != nil {
		s.record(r, c, auditCall{service: service, action: c.action, principal: p, err: err})
		writeError(w, c.reqID, err)
		return
	}
	if err := authz.SessionAllows(service, req.Action, p); err != nil {
		s.record(r, c, auditCall{service: service, action: c.action, principal: p, query: &req.Params, err: err})
		writeError(w, c.reqID, err)
		return
	}
	h, ok := a.handlers[req.Action]
	if !ok {
		writeError(w, c.reqID, awserr.New(awserr.InvalidAction, "The action %s is not implemented by iamd yet.", req.Action))
		return
	}
	result, err := h(ctx, p, req.Params)
	s.record(r, c, auditCall{service: service, action: c.action, principal: p, query: &req.Params, result: result, err: err})
	if err != nil {
		writeError(w, c.reqID, err)
		return
	}
	awsquery.WriteResult(w, a.proto, req.Action, c.reqID, result)
}

// formAction is the Action a Query request names, for the audit event of a
// request that did not authenticate ("" when the form does not parse).
func formAction(r *http.Request, body []byte) string {
	form, err := formValues(r, body)
	if err != nil {
		return ""
	}
	return form.Get("Action")
}

// queryError renders errors of one Query service; an error that is not an
// AWS error is an internal failure, logged here with its detail and sent
// without it.
func (s *Server) queryError(proto *awsquery.Service) func(w http.ResponseWriter, reqID string, err error) {
	return func(w http.ResponseWriter, reqID string, err error) {
		var ae *awserr.Error
		if !errors.As(err, &ae) {
			s.log.Error("internal error", "id", reqID, "err", err)
		}
		awsquery.WriteError(w, proto, reqID, err)
	}
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
	// The signature covers every value of a repeated name, but an
	// operation reads one: refuse the ambiguity rather than act on a value
	// the caller may not have meant (the Query protocol never repeats a
	// name; list members are numbered).
	for k, v := range q {
		if len(v) > 1 {
			return nil, awserr.New(awserr.InvalidQueryParameter, "The parameter %s is given more than once.", k)
		}
	}
	return q, nil
}
