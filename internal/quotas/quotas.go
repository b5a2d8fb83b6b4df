// Package quotas is iamd's Service Quotas domain for IAM: the table of IAM
// quotas with their Service Quotas codes, each account's applied values,
// and quota increase requests, which an operator approves or denies (or
// which are approved at once up to a configured ceiling). IAM enforces the
// values (iam reads them from the store on every request); this package
// reports and changes them. It returns awserr errors with Service Quotas'
// codes and knows nothing of HTTP or SQL.
package quotas

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"log/slog"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
)

// Service Quotas' error codes (the model's exception shapes) that quotas
// returns; the wire layer sends them as they are, and turns IAM's
// AccessDenied into AccessDeniedException and internal errors into
// ServiceException.
const (
	CodeNoSuchResource         = "NoSuchResourceException"
	CodeIllegalArgument        = "IllegalArgumentException"
	CodeResourceAlreadyExists  = "ResourceAlreadyExistsException"
	CodeInvalidPaginationToken = "InvalidPaginationTokenException"
	CodeAccessDenied           = "AccessDeniedException"
	CodeService                = "ServiceException"
)

const (
	msgUnknownService = "The request failed because the specified service does not exist."
	msgUnknownQuota   = "The request failed because the specified quota does not exist."
	msgUnknownRequest = "The request failed because the specified request does not exist."
	// MaxValue is the largest quota value: the model's QuotaValue maximum.
	MaxValue = 10_000_000_000
)

// Request statuses, as the Service Quotas model names them. iamd uses
// PENDING (waiting for the operator), APPROVED and DENIED.
const (
	StatusPending        = "PENDING"
	StatusCaseOpened     = "CASE_OPENED"
	StatusApproved       = "APPROVED"
	StatusDenied         = "DENIED"
	StatusCaseClosed     = "CASE_CLOSED"
	StatusNotApproved    = "NOT_APPROVED"
	StatusInvalidRequest = "INVALID_REQUEST"
)

// Statuses lists every request status of the model.
func Statuses() []string {
	return []string{StatusPending, StatusCaseOpened, StatusApproved, StatusDenied, StatusCaseClosed, StatusNotApproved, StatusInvalidRequest}
}

// Request is a quota increase request.
type Request struct {
	ID           string // a UUID
	AccountID    string
	QuotaKey     string // the quota's GetAccountSummary key
	DesiredValue int
	Status       string
	// Requester is the ARN of the principal that asked.
	Requester string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Open tells whether the request still waits for a decision.
func (r *Request) Open() bool { return r.Status == StatusPending || r.Status == StatusCaseOpened }

// Quota returns the request's quota.
func (r *Request) Quota() Quota {
	q, _ := ByKey(r.QuotaKey)
	return q
}

// RequestFilter selects requests; empty fields select all.
type RequestFilter struct {
	AccountID string
	QuotaKey  string
	Status    string
}

// Page asks for one page of requests.
type Page struct {
	Token string // "" for the first page
	Max   int
}

// Store is the persistence quotas needs; internal/store implements it.
// Its errors are iam's: ErrNotFound, ErrExists, ErrStale,
// ErrInvalidMarker.
type Store interface {
	Account(ctx context.Context, id string) (*iam.Account, error)
	// Quotas returns the quotas set for the account (not the defaults).
	Quotas(ctx context.Context, accountID string) (map[string]int, error)
	// SetQuota sets one quota of an account (ErrNotFound: no account).
	SetQuota(ctx context.Context, accountID, name string, value int) error
	// CreateQuotaRequest stores a request: ErrExists when the account has
	// an open request for the quota already, ErrNotFound when there is no
	// such account. A request stored as APPROVED raises the quota to its
	// desired value in the same transaction (never lowers it).
	CreateQuotaRequest(ctx context.Context, r *Request) error
	// QuotaRequest returns a request of any account.
	QuotaRequest(ctx context.Context, id string) (*Request, error)
	// ListQuotaRequests lists requests newest first; next is "" on the
	// last page; ErrInvalidMarker for a token it did not make.
	ListQuotaRequests(ctx context.Context, f RequestFilter, page Page) (reqs []Request, next string, err error)
	// ResolveQuotaRequest decides an open request, in one conditional
	// write: status APPROVED also raises the quota to the desired value
	// (never lowers it). ErrNotFound: no such request; ErrStale: it is not
	// open (decided already, perhaps by a concurrent call).
	ResolveQuotaRequest(ctx context.Context, id, status string, now time.Time) (*Request, error)
}

// IAM is what quotas needs of the IAM service: its policy check, shared by
// every service iamd serves, and the account summary, whose numbers IAM
// enforces.
type IAM interface {
	AuthorizeAction(ctx context.Context, p *authz.Principal, action, resource string) error
	GetAccountSummary(ctx context.Context, p *authz.Principal) (map[string]int, error)
}

// Config tunes the service. Every field works at its zero value.
type Config struct {
	// AutoApproveMax approves an increase request at once when its desired
	// value is at most this. Default 0: every request waits for the
	// operator.
	AutoApproveMax int
}

// Options wires a Service. Zero fields get defaults: the real clock, a
// discarding logger and random UUIDs.
type Options struct {
	Clock  clock.Clock
	Logger *slog.Logger
	// NewID returns a new request id. Default: a random UUID.
	NewID  func() string
	Config Config
}

// Service reports and changes IAM quotas.
type Service struct {
	store Store
	iam   IAM
	clock clock.Clock
	log   *slog.Logger
	newID func() string
	cfg   Config
}

// New returns a Service over store, authorising through iamSvc.
func New(store Store, iamSvc IAM, o Options) *Service {
	s := &Service{store: store, iam: iamSvc, clock: o.Clock, log: o.Logger, newID: o.NewID, cfg: o.Config}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	return s
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Value is a quota's value in one account.
type Value struct {
	Quota
	AccountID string
	// Value is the applied value: the one set for the account, else the
	// default.
	Value int
	// Set tells whether the account has a value of its own.
	Set bool
}

// applied returns the applied value of every quota of an account.
func (s *Service) applied(ctx context.Context, accountID string) ([]Value, error) {
	set, err := s.store.Quotas(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("quotas of %s: %w", accountID, err)
	}
	out := make([]Value, 0, len(table))
	for _, q := range table {
		v := Value{Quota: q, AccountID: accountID, Value: q.Default()}
		if n, ok := set[q.Key]; ok {
			v.Value, v.Set = n, true
		}
		if q.Max > 0 && v.Value > q.Max {
			v.Value = q.Max // as IAM enforces it
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) value(ctx context.Context, accountID string, q Quota) (*Value, error) {
	all, err := s.applied(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Key == q.Key {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("quota %s missing from the table", q.Key)
}

func noSuchService() error { return awserr.New(CodeNoSuchResource, msgUnknownService) }

// quotaFor resolves a service and quota code from a request.
func quotaFor(serviceCode, code string) (Quota, error) {
	if serviceCode != ServiceCode {
		return Quota{}, noSuchService()
	}
	q, ok := ByCode(code)
	if !ok {
		return Quota{}, awserr.New(CodeNoSuchResource, msgUnknownQuota)
	}
	return q, nil
}

// ServiceInfo is a service Service Quotas lists.
type ServiceInfo struct{ Code, Name string }

// ListServices lists the services whose quotas iamd serves: IAM.
func (s *Service) ListServices(ctx context.Context, p *authz.Principal) ([]ServiceInfo, error) {
	if err := s.iam.AuthorizeAction(ctx, p, "servicequotas:ListServices", "*"); err != nil {
		return nil, err
	}
	return []ServiceInfo{{Code: ServiceCode, Name: ServiceName}}, nil
}

// ListServiceQuotas returns the applied value of every quota of the
// caller's account.
func (s *Service) ListServiceQuotas(ctx context.Context, p *authz.Principal, serviceCode string) ([]Value, error) {
	if err := s.iam.AuthorizeAction(ctx, p, "servicequotas:ListServiceQuotas", "*"); err != nil {
		return nil, err
	}
	if serviceCode != ServiceCode {
		return nil, noSuchService()
	}
	return s.applied(ctx, p.AccountID)
}

// GetServiceQuota returns one quota's applied value in the caller's
// account.
func (s *Service) GetServiceQuota(ctx context.Context, p *authz.Principal, serviceCode, code string) (*Value, error) {
	if err := s.iam.AuthorizeAction(withService(ctx, serviceCode), p, "servicequotas:GetServiceQuota", ARN(p.AccountID, code)); err != nil {
		return nil, err
	}
	q, err := quotaFor(serviceCode, code)
	if err != nil {
		return nil, err
	}
	return s.value(ctx, p.AccountID, q)
}

// ListAWSDefaultServiceQuotas returns every quota at its default.
func (s *Service) ListAWSDefaultServiceQuotas(ctx context.Context, p *authz.Principal, serviceCode string) ([]Value, error) {
	if err := s.iam.AuthorizeAction(ctx, p, "servicequotas:ListAWSDefaultServiceQuotas", "*"); err != nil {
		return nil, err
	}
	if serviceCode != ServiceCode {
		return nil, noSuchService()
	}
	out := make([]Value, 0, len(table))
	for _, q := range table {
		out = append(out, Value{Quota: q, AccountID: p.AccountID, Value: q.Default()})
	}
	return out, nil
}

// GetAWSDefaultServiceQuota returns one quota at its default.
func (s *Service) GetAWSDefaultServiceQuota(ctx context.Context, p *authz.Principal, serviceCode, code string) (*Value, error) {
	if err := s.iam.AuthorizeAction(ctx, p, "servicequotas:GetAWSDefaultServiceQuota", "*"); err != nil {
		return nil, err
	}
	q, err := quotaFor(serviceCode, code)
	if err != nil {
		return nil, err
	}
	return &Value{Quota: q, AccountID: p.AccountID, Value: q.Default()}, nil
}

// RequestServiceQuotaIncrease asks for a quota of the caller's account to
// be raised to desired, which must be a whole number above the applied
// value and within the quota's hard maximum. The request is PENDING until
// the operator decides, or APPROVED at once (and the quota raised) when
// desired is within the configured auto-approval ceiling.
func (s *Service) RequestServiceQuotaIncrease(ctx context.Context, p *authz.Principal, serviceCode, code string, desired float64) (*Request, error) {
	if err := s.iam.AuthorizeAction(withService(ctx, serviceCode), p, "servicequotas:RequestServiceQuotaIncrease", ARN(p.AccountID, code)); err != nil {
		return nil, err
	}
	q, err := quotaFor(serviceCode, code)
	if err != nil {
		return nil, err
	}
	if desired != math.Trunc(desired) || desired < 0 || desired > MaxValue {
		return nil, awserr.New(CodeIllegalArgument, "DesiredValue must be a whole number from 0 to %d for quota %s.", int64(MaxValue), q.Code)
	}
	want := int(desired)
	cur, err := s.value(ctx, p.AccountID, q)
	if err != nil {
		return nil, err
	}
	if want <= cur.Value {
		return nil, awserr.New(CodeIllegalArgument, "DesiredValue must be greater than the current value of quota %s, %d.", q.Code, cur.Value)
	}
	if q.Max > 0 && want > q.Max {
		return nil, awserr.New(CodeIllegalArgument, "DesiredValue exceeds the maximum value of quota %s, %d.", q.Code, q.Max)
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	r := &Request{ID: s.newID(), AccountID: p.AccountID, QuotaKey: q.Key, DesiredValue: want, Status: StatusPending,
		Requester: p.ARN(), CreatedAt: now, UpdatedAt: now}
	if s.cfg.AutoApproveMax > 0 && want <= s.cfg.AutoApproveMax {
		r.Status = StatusApproved
	}
	switch err := s.store.CreateQuotaRequest(ctx, r); {
	case errors.Is(err, iam.ErrExists):
		return nil, awserr.New(CodeResourceAlreadyExists,
			"An open request to increase quota %s exists already; it must be approved or denied before another can be made.", q.Code)
	case err != nil:
		return nil, fmt.Errorf("create quota request: %w", err)
	}
	s.log.Info("quota increase requested", "account", p.AccountID, "quota", q.Key, "code", q.Code, "desired", want,
		"current", cur.Value, "request", r.ID, "status", r.Status, "by", p.ARN())
	if r.Status == StatusApproved {
		s.log.Info("quota increase approved automatically", "account", p.AccountID, "quota", q.Key, "value", want,
			"request", r.ID, "auto_approve_max", s.cfg.AutoApproveMax)
	}
	return r, nil
}

// GetRequestedServiceQuotaChange returns one of the caller's account's
// requests.
func (s *Service) GetRequestedServiceQuotaChange(ctx context.Context, p *authz.Principal, id string) (*Request, error) {
	if err := s.iam.AuthorizeAction(ctx, p, "servicequotas:GetRequestedServiceQuotaChange", "*"); err != nil {
		return nil, err
	}
	r, err := s.store.QuotaRequest(ctx, id)
	if errors.Is(err, iam.ErrNotFound) || (err == nil && r.AccountID != p.AccountID) {
		return nil, awserr.New(CodeNoSuchResource, msgUnknownRequest)
	}
	if err != nil {
		return nil, fmt.Errorf("quota request: %w", err)
	}
	return r, nil
}

// HistoryQuery selects the caller's requests: for a service (empty: all)
// and optionally one quota, with one status (empty: all).
type HistoryQuery struct {
	ServiceCode string
	QuotaCode   string // "" for every quota of the service
	Status      string
	Page        Page
}

// ListRequestedServiceQuotaChangeHistory lists the caller's account's
// requests, newest first (ListRequestedServiceQuotaChangeHistory, and
// …ByQuota when q.QuotaCode is set).
func (s *Service) ListRequestedServiceQuotaChangeHistory(ctx context.Context, p *authz.Principal, q HistoryQuery) ([]Request, string, error) {
	action, resource := "servicequotas:ListRequestedServiceQuotaChangeHistory", "*"
	if q.QuotaCode != "" {
		action, resource = "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota", ARN(p.AccountID, q.QuotaCode)
	}
	if q.QuotaCode != "" {
		ctx = withService(ctx, q.ServiceCode)
	}
	if err := s.iam.AuthorizeAction(ctx, p, action, resource); err != nil {
		return nil, "", err
	}
	f := RequestFilter{AccountID: p.AccountID, Status: q.Status}
	if q.QuotaCode != "" {
		quota, err := quotaFor(q.ServiceCode, q.QuotaCode)
		if err != nil {
			return nil, "", err
		}
		f.QuotaKey = quota.Key
	} else if q.ServiceCode != "" && q.ServiceCode != ServiceCode {
		return nil, "", noSuchService()
	}
	if q.Status != "" && !validStatus(q.Status) {
		return nil, "", awserr.New(CodeIllegalArgument, "Status must be one of %v.", Statuses())
	}
	reqs, next, err := s.store.ListQuotaRequests(ctx, f, q.Page)
	if errors.Is(err, iam.ErrInvalidMarker) {
		return nil, "", awserr.New(CodeInvalidPaginationToken, "Invalid pagination token.")
	}
	if err != nil {
		return nil, "", fmt.Errorf("list quota requests: %w", err)
	}
	return reqs, next, nil
}

func validStatus(st string) bool {
	for _, v := range Statuses() {
		if v == st {
			return true
		}
	}
	return false
}

// withService sets servicequotas:service, the service whose quota a
// request names, as AWS sets it for the actions on one quota.
func withService(ctx context.Context, serviceCode string) context.Context {
	return authz.WithKeys(ctx, map[string][]string{"servicequotas:service": {serviceCode}})
}
