package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/quotas"
)

// The Service Quotas API (AWS JSON 1.1): requests signed for the
// "servicequotas" service, POST / with X-Amz-Target
// ServiceQuotasV20190624.<Operation> and a JSON body. It serves the quotas
// of IAM, the only service whose quotas iamd has.
const (
	serviceQuotasService = "servicequotas"
	serviceQuotasTarget  = "ServiceQuotasV20190624."
	jsonContentType      = "application/x-amz-json-1.1"
)

type sqHandler func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error)

// sqQuota is the model's ServiceQuota shape.
type sqQuota struct {
	ServiceCode         string
	ServiceName         string
	QuotaArn            string
	QuotaCode           string
	QuotaName           string
	Value               double
	Unit                string
	Adjustable          bool
	GlobalQuota         bool
	QuotaAppliedAtLevel string
	Description         string `json:",omitempty"`
}

// sqRequest is the model's RequestedServiceQuotaChange shape. Times are
// epoch seconds, as the JSON protocol writes timestamps.
type sqRequest struct {
	ID                    string `json:"Id"`
	ServiceCode           string
	ServiceName           string
	QuotaCode             string
	QuotaName             string
	DesiredValue          double
	Status                string
	Created               float64
	LastUpdated           float64
	Requester             string
	QuotaArn              string
	GlobalQuota           bool
	Unit                  string
	QuotaRequestedAtLevel string
}

// double is a model double written as AWS writes one, with a fraction
// (5000.0), so that the aws CLI shows 5000.0 as it does for AWS.
type double float64

func (d double) MarshalJSON() ([]byte, error) {
	b := strconv.AppendFloat(nil, float64(d), 'f', -1, 64)
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, ".0"...)
	}
	return b, nil
}

func quotaShape(v quotas.Value) sqQuota {
	return sqQuota{ServiceCode: quotas.ServiceCode, ServiceName: quotas.ServiceName, QuotaArn: v.ARN(v.AccountID),
		QuotaCode: v.Code, QuotaName: v.Name, Value: double(v.Value), Unit: "None", Adjustable: true, GlobalQuota: true,
		QuotaAppliedAtLevel: "ACCOUNT", Description: v.Description}
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func requestShape(r *quotas.Request) sqRequest {
	q := r.Quota()
	requester, _ := json.Marshal(struct {
		AccountID string `json:"accountId"`
		CallerArn string `json:"callerArn"`
	}{r.AccountID, r.Requester})
	return sqRequest{ID: r.ID, ServiceCode: quotas.ServiceCode, ServiceName: quotas.ServiceName, QuotaCode: q.Code,
		QuotaName: q.Name, DesiredValue: double(r.DesiredValue), Status: r.Status, Created: epochSeconds(r.CreatedAt),
		LastUpdated: epochSeconds(r.UpdatedAt), Requester: string(requester), QuotaArn: q.ARN(r.AccountID),
		GlobalQuota: true, Unit: "None", QuotaRequestedAtLevel: "ACCOUNT"}
}

func (s *Server) serviceQuotasHandlers() map[string]sqHandler {
	q := s.quotas
	return map[string]sqHandler{
		"ListServices": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			svcs, err := q.ListServices(ctx, p)
			if err != nil {
				return nil, err
			}
			type info struct{ ServiceCode, ServiceName string }
			out := make([]info, 0, len(svcs))
			for _, sv := range svcs {
				out = append(out, info{sv.Code, sv.Name})
			}
			page, next, err := quotas.PageOf(out, deref(in.NextToken), in.Max())
			if err != nil {
				return nil, err
			}
			return struct {
				Services  []info
				NextToken string `json:",omitempty"`
			}{page, next}, nil
		},
		"ListServiceQuotas": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			values, err := q.ListServiceQuotas(ctx, p, *in.ServiceCode)
			if err != nil {
				return nil, err
			}
			return quotaList(values, in, in.QuotaCode, in.QuotaAppliedAtLevel)
		},
		"ListAWSDefaultServiceQuotas": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			values, err := q.ListAWSDefaultServiceQuotas(ctx, p, *in.ServiceCode)
			if err != nil {
				return nil, err
			}
			return quotaList(values, in, nil, nil)
		},
		"GetServiceQuota": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			v, err := q.GetServiceQuota(ctx, p, *in.ServiceCode, *in.QuotaCode)
			if err != nil {
				return nil, err
			}
			return struct{ Quota sqQuota }{quotaShape(*v)}, nil
		},
		"GetAWSDefaultServiceQuota": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			v, err := q.GetAWSDefaultServiceQuota(ctx, p, *in.ServiceCode, *in.QuotaCode)
			if err != nil {
				return nil, err
			}
			return struct{ Quota sqQuota }{quotaShape(*v)}, nil
		},
		"RequestServiceQuotaIncrease": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			r, err := q.RequestServiceQuotaIncrease(ctx, p, *in.ServiceCode, *in.QuotaCode, *in.DesiredValue)
			if err != nil {
				return nil, err
			}
			return struct{ RequestedQuota sqRequest }{requestShape(r)}, nil
		},
		"GetRequestedServiceQuotaChange": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			r, err := q.GetRequestedServiceQuotaChange(ctx, p, *in.RequestID)
			if err != nil {
				return nil, err
			}
			return struct{ RequestedQuota sqRequest }{requestShape(r)}, nil
		},
		"ListRequestedServiceQuotaChangeHistory": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			return s.history(ctx, p, in, deref(in.ServiceCode), "")
		},
		"ListRequestedServiceQuotaChangeHistoryByQuota": func(ctx context.Context, p *authz.Principal, in *quotas.Input) (any, error) {
			return s.history(ctx, p, in, *in.ServiceCode, *in.QuotaCode)
		},
	}
}

func (s *Server) history(ctx context.Context, p *authz.Principal, in *quotas.Input, serviceCode, quotaCode string) (any, error) {
	type result struct {
		RequestedQuotas []sqRequest
		NextToken       string `json:",omitempty"`
	}
	reqs, next, err := s.quotas.ListRequestedServiceQuotaChangeHistory(ctx, p, quotas.HistoryQuery{
		ServiceCode: serviceCode, QuotaCode: quotaCode, Status: deref(in.Status),
		Page: quotas.Page{Token: deref(in.NextToken), Max: in.Max()}})
	if err != nil {
		return nil, err
	}
	out := result{RequestedQuotas: make([]sqRequest, 0, len(reqs)), NextToken: next}
	if lvl := deref(in.QuotaRequestedAtLevel); lvl == "RESOURCE" {
		out.NextToken = ""
		return out, nil // IAM's quotas are all account-level
	}
	for i := range reqs {
		out.RequestedQuotas = append(out.RequestedQuotas, requestShape(&reqs[i]))
	}
	return out, nil
}

// quotaList pages a list of quotas, only code's when set. Quotas applied at
// resource level: none.
func quotaList(values []quotas.Value, in *quotas.Input, code, level *string) (any, error) {
	type result struct {
		Quotas    []sqQuota
		NextToken string `json:",omitempty"`
	}
	shapes := make([]sqQuota, 0, len(values))
	for _, v := range values {
		if code != nil && *code != v.Code {
			continue
		}
		shapes = append(shapes, quotaShape(v))
	}
	if level != nil && *level == "RESOURCE" {
		shapes = shapes[:0]
	}
	page, next, err := quotas.PageOf(shapes, deref(in.NextToken), in.Max())
	if err != nil {
		return nil, err
	}
	return result{page, next}, nil
}

// deref is the value of an optional member, "" when absent.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// serveServiceQuotas is the AWS JSON 1.1 codec of the Service Quotas API:
// it authenticates the signed request, decodes the JSON input and calls the
// quotas domain.
func (s *Server) serveServiceQuotas(w http.ResponseWriter, r *http.Request, c *call) {
	if s.quotas == nil {
		s.writeJSONError(w, c.reqID, awserr.New("UnknownOperationException", "Service Quotas is not served here."))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	p, err := s.auth.Authenticate(r.Context(), c.signed)
	if err != nil {
		c.action = strings.TrimPrefix(target, serviceQuotasTarget)
		s.record(r, c, auditCall{service: serviceQuotasService, action: c.action, err: err})
		s.writeJSONError(w, c.reqID, err)
		return
	}
	c.principal = p.ARN()
	c.action = strings.TrimPrefix(target, serviceQuotasTarget)
	h, ok := s.sqHandlers[c.action]
	if r.Method != http.MethodPost || !strings.HasPrefix(target, serviceQuotasTarget) || !ok {
		s.writeJSONError(w, c.reqID, awserr.New("UnknownOperationException", "The operation %q is not served by iamd.", target))
		return
	}
	if err := authz.SessionAllows(serviceQuotasService, c.action, p); err != nil {
		s.writeJSONError(w, c.reqID, err)
		return
	}
	var in quotas.Input
	if b := bytes.TrimSpace(c.body); len(b) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			s.writeJSONError(w, c.reqID, awserr.New("SerializationException", "The request body is not valid JSON for %s.", c.action))
			return
		}
	}
	if err := in.Validate(c.action); err != nil {
		s.writeJSONError(w, c.reqID, err)
		return
	}
	ctx := authz.WithRequestInfo(r.Context(), requestInfo(r, c.signed))
	out, err := h(ctx, p, &in)
	s.record(r, c, auditCall{service: serviceQuotasService, action: c.action, principal: p, params: in.AuditMap(), result: out, err: err})
	if err != nil {
		s.writeJSONError(w, c.reqID, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.writeJSONError(w, c.reqID, err)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("x-amzn-RequestId", c.reqID)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// writeJSONError renders err in the JSON protocol as Service Quotas
// names its internal failure.
func (s *Server) writeJSONError(w http.ResponseWriter, reqID string, err error) {
	s.writeJSONErrorAs(w, reqID, err, quotas.CodeService)
}

// writeJSONErrorAs renders err in the AWS JSON protocol with the type and
// status of awserr's table; anything that is not an AWS error is the
// service's internal failure, whose detail goes to the log only.
func (s *Server) writeJSONErrorAs(w http.ResponseWriter, reqID string, err error, internal string) {
	code, msg := internal, "An internal error occurred. Request id: "+reqID
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code != "" {
		code, msg = ae.Code, ae.Message
	} else {
		s.log.Error("internal error", "id", reqID, "err", err)
	}
	typ, status := awserr.JSON(code, internal)
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}{typ, msg})
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("x-amzn-RequestId", reqID)
	w.Header().Set("x-amzn-ErrorType", typ)
	w.WriteHeader(status)
	w.Write(b)
}
