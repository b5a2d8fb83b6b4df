package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/quotas"
)

// quotaRow is one quota of the account, as the quotas page lists it.
type quotaRow struct {
	Name  string
	Code  string
	Value int
	Max   int // 0: no hard maximum
}

// quotaChoice is one option of the request form.
type quotaChoice struct{ Code, Label string }

// quotaRequestRow is one increase request of the account.
type quotaRequestRow struct {
	ID       string
	Name     string
	Code     string
	Desired  int
	Status   string
	Open     bool
	Created  string
	Updated  string
	Approved bool
}

// quotasData is the quotas page's data.
type quotasData struct {
	Quotas       []quotaRow
	QuotasDenied *denied
	// Choices are the request form's quotas: the account's, or IAM's
	// table (names and codes only) when the caller may not list values.
	Choices        []quotaChoice
	Requests       []quotaRequestRow
	RequestsDenied *denied
	RequestDenied  *denied
	// Code and Desired refill the form after a refusal.
	Code    string
	Desired string
}

// Service Quotas' actions, as the API authorises them.
const (
	actionListServiceQuotas  = "servicequotas:ListServiceQuotas"
	actionListQuotaRequests  = "servicequotas:ListRequestedServiceQuotaChangeHistory"
	actionRequestQuotaChange = "servicequotas:RequestServiceQuotaIncrease"
)

// quotaContext is a request's context with servicequotas:service set, as
// the quotas domain sets it for the actions on one quota.
func quotaContext(r *http.Request) context.Context {
	return authz.WithKeys(requestContext(r), map[string][]string{"servicequotas:service": {quotas.ServiceCode}})
}

// quotasList builds the quotas page as the caller: the applied values
// (servicequotas:ListServiceQuotas), the requests
// (servicequotas:ListRequestedServiceQuotaChangeHistory), and whether the
// caller may file one (servicequotas:RequestServiceQuotaIncrease).
func (s *Server) quotasList(r *http.Request, c *caller) (*quotasData, error) {
	ctx := requestContext(r)
	data := &quotasData{}
	values, err := s.quotas.ListServiceQuotas(ctx, c.principal, quotas.ServiceCode)
	if data.QuotasDenied = deniedBy(err, actionListServiceQuotas, c); data.QuotasDenied == nil && err != nil {
		return nil, err
	}
	for _, v := range values {
		data.Quotas = append(data.Quotas, quotaRow{Name: v.Name, Code: v.Code, Value: v.Value, Max: v.Max})
		data.Choices = append(data.Choices, quotaChoice{Code: v.Code, Label: v.Name + " (now " + strconv.Itoa(v.Value) + ")"})
	}
	if data.QuotasDenied != nil {
		for _, q := range quotas.Table() {
			data.Choices = append(data.Choices, quotaChoice{Code: q.Code, Label: q.Name})
		}
	}
	reqs, _, err := s.quotas.ListRequestedServiceQuotaChangeHistory(ctx, c.principal, quotas.HistoryQuery{
		ServiceCode: quotas.ServiceCode, Page: quotas.Page{Max: 100}})
	if data.RequestsDenied = deniedBy(err, actionListQuotaRequests, c); data.RequestsDenied == nil && err != nil {
		return nil, err
	}
	for i := range reqs {
		q := reqs[i].Quota()
		data.Requests = append(data.Requests, quotaRequestRow{ID: reqs[i].ID, Name: q.Name, Code: q.Code, Desired: reqs[i].DesiredValue,
			Status: reqs[i].Status, Open: reqs[i].Open(), Approved: reqs[i].Status == quotas.StatusApproved,
			Created: formatDate(reqs[i].CreatedAt), Updated: formatDate(reqs[i].UpdatedAt)})
	}
	err = s.iam.Authorize(quotaContext(r), c.principal, actionRequestQuotaChange, quotas.ARN(c.user.AccountID, "*"))
	if data.RequestDenied = deniedBy(err, actionRequestQuotaChange, c); data.RequestDenied == nil && err != nil {
		return nil, err
	}
	return data, nil
}

func (s *Server) quotasPage(w http.ResponseWriter, r *http.Request, c *caller) {
	s.renderQuotas(w, r, c, http.StatusOK, "", nil, nil)
}

// renderQuotas shows the quotas page; form refills the request form.
func (s *Server) renderQuotas(w http.ResponseWriter, r *http.Request, c *caller, status int, msg string, form *quotasData, d *denied) {
	if s.quotas == nil {
		s.notFound(w, r)
		return
	}
	data, err := s.quotasList(r, c)
	if err != nil {
		s.internalError(w, r, "quotas", err)
		return
	}
	if form != nil {
		data.Code, data.Desired = form.Code, form.Desired
	}
	if d != nil {
		data.RequestDenied = d
	}
	v := &view{Title: "Service quotas", Identity: c.identity(), Error: msg, Data: data}
	switch r.URL.Query().Get("requested") {
	// Fixed words only: a notice is trusted text.
	case quotas.StatusPending:
		v.Notice = "Your request is filed. It waits for the operator's decision."
	case quotas.StatusApproved:
		v.Notice = "Your request is approved: the quota is raised."
	}
	s.render(w, r, status, "quotas", v)
}

// requestQuota is servicequotas:RequestServiceQuotaIncrease as the
// caller, through the same quotas domain method as the API.
func (s *Server) requestQuota(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.quotas == nil {
		s.notFound(w, r)
		return
	}
	form := &quotasData{Code: strings.TrimSpace(r.PostFormValue("code")), Desired: strings.TrimSpace(r.PostFormValue("desired"))}
	if _, ok := quotas.ByCode(form.Code); !ok {
		s.renderQuotas(w, r, c, http.StatusBadRequest, "Choose a quota from the list.", form, nil)
		return
	}
	desired, err := strconv.ParseUint(form.Desired, 10, 64)
	if err != nil || desired > quotas.MaxValue {
		s.renderQuotas(w, r, c, http.StatusBadRequest, "The new value is a whole number, up to "+strconv.Itoa(quotas.MaxValue)+".", form, nil)
		return
	}
	req, err := s.quotas.RequestServiceQuotaIncrease(requestContext(r), c.principal, quotas.ServiceCode, form.Code, float64(desired))
	s.recordCallAt(r, c.principal, "servicequotas.amazonaws.com", "RequestServiceQuotaIncrease",
		map[string]any{"serviceCode": quotas.ServiceCode, "quotaCode": form.Code, "desiredValue": float64(desired)}, err)
	var ae *awserr.Error
	switch code := awserr.Code(err); {
	case err == nil:
		s.log.Info("console: quota increase requested", "account", c.user.AccountID, "by", c.user.ARN(), "quota", form.Code,
			"request", req.ID, "status", req.Status)
		http.Redirect(w, r, "/console/quotas?requested="+req.Status, http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.renderQuotas(w, r, c, http.StatusForbidden, "", form, deniedBy(err, actionRequestQuotaChange, c))
	case errors.As(err, &ae) && code != awserr.ServiceFailure && code != quotas.CodeService:
		s.renderQuotas(w, r, c, http.StatusBadRequest, strings.TrimSuffix(ae.Message, ".")+".", form, nil)
	default:
		s.internalError(w, r, "request quota increase", err)
	}
}
