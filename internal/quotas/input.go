package quotas

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
)

// Input holds the members of a Service Quotas request under the API's
// names (JSON decodes into it as it is); each operation reads those it
// has. Validate checks it against the model's constraints.
type Input struct {
	ServiceCode           *string
	QuotaCode             *string
	DesiredValue          *float64
	RequestID             *string `json:"RequestId"`
	Status                *string
	NextToken             *string
	MaxResults            *int
	QuotaAppliedAtLevel   *string
	QuotaRequestedAtLevel *string
	ContextID             *string `json:"ContextId"`
	SupportCaseAllowed    *bool
}

// Input constraints of the model (ServiceCode, QuotaCode, RequestId).
var (
	serviceCodePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,63}$`)
	quotaCodePattern   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,128}$`)
	requestIDPattern   = regexp.MustCompile(`^[0-9a-zA-Z][a-zA-Z0-9-]{1,128}$`)
)

// Validate checks the members operation op reads against the Service
// Quotas model, reporting the first violation as AWS words it
// (IllegalArgumentException).
func (in *Input) Validate(op string) error {
	switch op {
	case "ListServices":
		return in.paging()
	case "ListServiceQuotas":
		return firstError(in.serviceAndQuota(false), in.paging())
	case "ListAWSDefaultServiceQuotas":
		return firstError(member(in.ServiceCode, "serviceCode", serviceCodePattern, true), in.paging())
	case "GetServiceQuota", "GetAWSDefaultServiceQuota":
		return in.serviceAndQuota(true)
	case "RequestServiceQuotaIncrease":
		if err := in.serviceAndQuota(true); err != nil {
			return err
		}
		if in.DesiredValue == nil {
			return missing("desiredValue")
		}
	case "GetRequestedServiceQuotaChange":
		return member(in.RequestID, "requestId", requestIDPattern, true)
	case "ListRequestedServiceQuotaChangeHistory":
		return firstError(member(in.ServiceCode, "serviceCode", serviceCodePattern, false), in.paging())
	case "ListRequestedServiceQuotaChangeHistoryByQuota":
		return firstError(in.serviceAndQuota(true), in.paging())
	}
	return nil
}

// Max is MaxResults, 100 when absent.
func (in *Input) Max() int {
	if in.MaxResults != nil {
		return *in.MaxResults
	}
	return 100
}

func illegal(format string, args ...any) error {
	return awserr.New(CodeIllegalArgument, format, args...)
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

func (in *Input) serviceAndQuota(quotaRequired bool) error {
	return firstError(member(in.ServiceCode, "serviceCode", serviceCodePattern, true),
		member(in.QuotaCode, "quotaCode", quotaCodePattern, quotaRequired))
}

func (in *Input) paging() error {
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 100) {
		return illegal("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", *in.MaxResults)
	}
	for _, lv := range []struct {
		name string
		v    *string
	}{{"quotaAppliedAtLevel", in.QuotaAppliedAtLevel}, {"quotaRequestedAtLevel", in.QuotaRequestedAtLevel}} {
		if lv.v != nil && *lv.v != "ACCOUNT" && *lv.v != "RESOURCE" && *lv.v != "ALL" {
			return illegal("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [ACCOUNT, RESOURCE, ALL]", *lv.v, lv.name)
		}
	}
	return nil
}

// PageOf returns one page of a short list held in memory (IAM has a few
// dozen quotas); its NextToken is the offset, in base64. A token it did not
// make is InvalidPaginationTokenException.
func PageOf[T any](all []T, token string, max int) ([]T, string, error) {
	start := 0
	if token != "" {
		b, err := base64.StdEncoding.DecodeString(token)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "offset:") || n < 0 || n > len(all) {
			return nil, "", awserr.New(CodeInvalidPaginationToken, "Invalid pagination token.")
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

// AuditMap returns the members that were sent as CloudTrail's
// requestParameters show them (lower-case first letters). None is secret.
func (in *Input) AuditMap() map[string]any {
	out := map[string]any{}
	put := func(name string, v any, ok bool) {
		if ok {
			out[name] = v
		}
	}
	put("serviceCode", deref(in.ServiceCode), in.ServiceCode != nil)
	put("quotaCode", deref(in.QuotaCode), in.QuotaCode != nil)
	if in.DesiredValue != nil {
		out["desiredValue"] = *in.DesiredValue
	}
	put("requestId", deref(in.RequestID), in.RequestID != nil)
	put("status", deref(in.Status), in.Status != nil)
	put("quotaAppliedAtLevel", deref(in.QuotaAppliedAtLevel), in.QuotaAppliedAtLevel != nil)
	put("quotaRequestedAtLevel", deref(in.QuotaRequestedAtLevel), in.QuotaRequestedAtLevel != nil)
	if in.MaxResults != nil {
		out["maxResults"] = *in.MaxResults
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
