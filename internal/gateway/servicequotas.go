package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"net/http"
	"regexp"
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

// sqInput holds the members of every operation's input; each operation
// reads those it has.
type sqInput struct {
	ServiceCode           *string  `json:"ServiceCode"`
	QuotaCode             *string  `json:"QuotaCode"`
	DesiredValue          *float64 `json:"DesiredValue"`
	RequestID             *string  `json:"RequestId"`
	Status                *string  `json:"Status"`
	NextToken             *string  `json:"NextToken"`
	MaxResults            *int     `json:"MaxResults"`
	QuotaAppliedAtLevel   *string  `json:"QuotaAppliedAtLevel"`
	QuotaRequestedAtLevel *string  `json:"QuotaRequestedAtLevel"`
	ContextID             *string  `json:"ContextId"`
	SupportCaseAllowed    *bool    `json:"SupportCaseAllowed"`
}

type sqHandler func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error)

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
		"ListServices": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := checkPaging(in); err != nil {
				return nil, err
			}
			svcs, err := q.ListServices(ctx, p)
			if err != nil {
				return nil, err
			}
			type info struct{ ServiceCode, ServiceName string }
			out := make([]info, 0, len(svcs))
			for _, sv := range svcs {
				out = append(out, info{sv.Code, sv.Name})
			}
			page, next, err := pageOf(out, in)
			if err != nil {
				return nil, err
			}
			return struct {
				Services  []info
				NextToken string `json:",omitempty"`
			}{page, next}, nil
		},
		"ListServiceQuotas": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := serviceAndQuota(in, false); err != nil {
				return nil, err
			}
			if err := checkPaging(in); err != nil {
				return nil, err
			}
			values, err := q.ListServiceQuotas(ctx, p, *in.ServiceCode)
			if err != nil {
				return nil, err
			}
			return quotaList(values, in, in.QuotaCode, in.QuotaAppliedAtLevel)
		},
		"ListAWSDefaultServiceQuotas": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := member(in.ServiceCode, "serviceCode", serviceCodePattern, true); err != nil {
				return nil, err
			}
			if err := checkPaging(in); err != nil {
				return nil, err
			}
			values, err := q.ListAWSDefaultServiceQuotas(ctx, p, *in.ServiceCode)
			if err != nil {
				return nil, err
			}
			return quotaList(values, in, nil, nil)
		},
		"GetServiceQuota": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := serviceAndQuota(in, true); err != nil {
				return nil, err
			}
			v, err := q.GetServiceQuota(ctx, p, *in.ServiceCode, *in.QuotaCode)
			if err != nil {
				return nil, err
			}
			return struct{ Quota sqQuota }{quotaShape(*v)}, nil
		},
		"GetAWSDefaultServiceQuota": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := serviceAndQuota(in, true); err != nil {
				return nil, err
			}
			v, err := q.GetAWSDefaultServiceQuota(ctx, p, *in.ServiceCode, *in.QuotaCode)
			if err != nil {
				return nil, err
			}
			return struct{ Quota sqQuota }{quotaShape(*v)}, nil
		},
		"RequestServiceQuotaIncrease": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := serviceAndQuota(in, true); err != nil {
				return nil, err
			}
			if in.DesiredValue == nil {
				return nil, missing("desiredValue")
			}
			r, err := q.RequestServiceQuotaIncrease(ctx, p, *in.ServiceCode, *in.QuotaCode, *in.DesiredValue)
			if err != nil {
				return nil, err
			}
			return struct{ RequestedQuota sqRequest }{requestShape(r)}, nil
		},
		"GetRequestedServiceQuotaChange": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := member(in.RequestID, "requestId", requestIDPattern, true); err != nil {
				return nil, err
			}
			r, err := q.GetRequestedServiceQuotaChange(ctx, p, *in.RequestID)
			if err != nil {
				return nil, err
			}
			return struct{ RequestedQuota sqRequest }{requestShape(r)}, nil
		},
		"ListRequestedServiceQuotaChangeHistory": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if in.ServiceCode != nil {
				if err := member(in.ServiceCode, "serviceCode", serviceCodePattern, true); err != nil {
					return nil, err
				}
			}
			return s.history(ctx, p, in, deref(in.ServiceCode), "")
		},
		"ListRequestedServiceQuotaChangeHistoryByQuota": func(ctx context.Context, p *authz.Principal, in *sqInput) (any, error) {
			if err := serviceAndQuota(in, true); err != nil {
				return nil, err
			}
			return s.history(ctx, p, in, *in.ServiceCode, *in.QuotaCode)
		},
	}
}

func (s *Server) history(ctx context.Context, p *authz.Principal, in *sqInput, serviceCode, quotaCode string) (any, error) {
	if err := checkPaging(in); err != nil {
		return nil, err
	}
	type result struct {
		RequestedQuotas []sqRequest
		NextToken       string `json:",omitempty"`
	}
	max := 100
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	reqs, next, err := s.quotas.ListRequestedServiceQuotaChangeHistory(ctx, p, quotas.HistoryQuery{
		ServiceCode: serviceCode, QuotaCode: quotaCode, Status: deref(in.Status),
		Page: quotas.Page{Token: deref(in.NextToken), Max: max}})
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
func quotaList(values []quotas.Value, in *sqInput, code, level *string) (any, error) {
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
	page, next, err := pageOf(shapes, in)
	if err != nil {
		return nil, err
	}
	return result{page, next}, nil
}

// pageOf returns one page of a short list held in memory; its NextToken is
// the offset, in base64.
func pageOf[T any](all []T, in *sqInput) ([]T, string, error) {
	max := 100
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	start := 0
	if tok := deref(in.NextToken); tok != "" {
		b, err := base64.StdEncoding.DecodeString(tok)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "offset:") || n < 0 || n > len(all) {
			return nil, "", awserr.New(quotas.CodeInvalidPaginationToken, "Invalid pagination token.")
		}
		start = n
	}
	end := min(start+max, len(all))
	next := ""
	if end < len(all) {
		next = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return all[start:end], next, nil
}

// Input constraints of the model (ServiceCode, QuotaCode, RequestId,
// MaxResults, Status, AppliedLevelEnum).
var (
	serviceCodePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,63}$`)
	quotaCodePattern   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,128}$`)
	requestIDPattern   = regexp.MustCompile(`^[0-9a-zA-Z][a-zA-Z0-9-]{1,128}$`)
)

func illegal(format string, args ...any) error {
	return awserr.New(quotas.CodeIllegalArgument, format, args...)
}

func missing(member string) error {
	return illegal("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// member checks a string member against its pattern; a required one must
// be there.
func member(v *string, name string, re *regexp.Regexp, required bool) error {
	if v == nil {
		if required {
			return missing(name)
		}
		return nil
	}
	if !re.MatchString(*v) {
		return illegal("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
			*v, name, strings.Trim(re.String(), "^$"))
	}
	return nil
}

// firstError returns the first non-nil error: AWS reports one at a time.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// serviceAndQuota checks the ServiceCode and QuotaCode members.
func serviceAndQuota(in *sqInput, quotaRequired bool) error {
	return firstError(member(in.ServiceCode, "serviceCode", serviceCodePattern, true),
		member(in.QuotaCode, "quotaCode", quotaCodePattern, quotaRequired))
}

func checkPaging(in *sqInput) error {
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 100) {
		return illegal("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", *in.MaxResults)
	}
	for name, v := range map[string]*string{"quotaAppliedAtLevel": in.QuotaAppliedAtLevel, "quotaRequestedAtLevel": in.QuotaRequestedAtLevel} {
		if v != nil && *v != "ACCOUNT" && *v != "RESOURCE" && *v != "ALL" {
			return illegal("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [ACCOUNT, RESOURCE, ALL]", *v, name)
		}
	}
	return nil
}

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
	p, err := s.auth.Authenticate(r.Context(), c.signed)
	if err != nil {
		s.writeJSONError(w, c.reqID, err)
		return
	}
	c.principal = p.ARN()
	target := r.Header.Get("X-Amz-Target")
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
	var in sqInput
	if b := bytes.TrimSpace(c.body); len(b) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			s.writeJSONError(w, c.reqID, awserr.New("SerializationException", "The request body is not valid JSON for %s.", c.action))
			return
		}
	}
	ctx := authz.WithRequestInfo(r.Context(), requestInfo(r, c.signed))
	out, err := h(ctx, p, &in)
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

// writeJSONError renders err in the JSON protocol with the type and status
// of awserr's table; anything that is not an AWS error is a
// ServiceException whose detail goes to the log only.
func (s *Server) writeJSONError(w http.ResponseWriter, reqID string, err error) {
	code, msg := quotas.CodeService, "An internal error occurred. Request id: "+reqID
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code != "" {
		code, msg = ae.Code, ae.Message
	} else {
		s.log.Error("internal error", "id", reqID, "err", err)
	}
	typ, status := awserr.JSON(code, quotas.CodeService)
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
