package iam

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"regexp"
	"time"
)

// NewAccount describes an account to create. Empty fields are generated.
type NewAccount struct {
	ID                  string
	Email               string
	RootPassword        string
	RootAccessKeyID     string
	RootSecretAccessKey string
	SkipRootAccessKey   bool
}

// CreatedAccount is what CreateAccount made, including generated secrets,
// which the caller shows once.
type CreatedAccount struct {
	Account             Account
	RootPassword        string
	RootAccessKeyID     string
	RootSecretAccessKey string
	// Generated lists the fields that were generated, not given.
	Generated []string
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyPattern = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// CreateAccount creates an account with its root user (operators and
// first start only; not an AWS operation).
func (s *Service) CreateAccount(ctx context.Context, in NewAccount) (*CreatedAccount, error) {
	out := &CreatedAccount{}
	gen := func(field string) { out.Generated = append(out.Generated, field) }
	id := in.ID
	if id == "" {
		b := make([]byte, 12)
		if _, err := s.rand.Read(b); err != nil {
			return nil, err
		}
		for i := range b {
			b[i] = '0' + b[i]%10
		}
		if b[0] == '0' {
			b[0] = '1'
		}
		id = string(b)
		gen("account id")
	} else if !accountIDPattern.MatchString(id) {
		return nil, fmt.Errorf("account id %q must be 12 digits", id)
	}
	email := in.Email
	if email == "" {
		email = "root@" + id + ".iamd.invalid"
		gen("root email")
	}
	password := in.RootPassword
	if password == "" {
		var err error
		if password, err = NewSecretAccessKey(s.rand); err != nil {
			return nil, err
		}
		password = "Pw-" + password
		gen("root password")
	}
	hash, err := HashPassword(s.rand, password)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	acct := Account{ID: id, Email: email, CreatedAt: now}
	root := &User{AccountID: id, ID: id, Name: RootUserName, Path: "/", Root: true, CreatedAt: now}
	var key *AccessKey
	if !in.SkipRootAccessKey {
		if key, err = s.NewAccessKey(id, id); err != nil {
			return nil, err
		}
		if in.RootAccessKeyID != "" {
			if !accessKeyPattern.MatchString(in.RootAccessKeyID) {
				return nil, fmt.Errorf("root access key id %q must be 16 to 128 upper-case letters and digits", in.RootAccessKeyID)
			}
			key.ID = in.RootAccessKeyID
		} else {
			gen("root access key id")
		}
		if in.RootSecretAccessKey != "" {
			key.Secret = in.RootSecretAccessKey
		} else {
			gen("root secret access key")
		}
		out.RootAccessKeyID, out.RootSecretAccessKey = key.ID, key.Secret
	}
	if err := s.store.CreateAccount(ctx, &acct, root, hash, key); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("an account with id %s, email %s or root key id %s exists already", id, email, out.RootAccessKeyID)
		}
		return nil, err
	}
	out.Account, out.RootPassword = acct, password
	s.log.Info("account created", "account", id, "email", email)
	return out, nil
}

// GetAccountSummary counts the account's IAM entities and reports its
// quotas, with every key of AWS's SummaryMap plus iamd's
// MFADevicesPerUserQuota.
func (s *Service) GetAccountSummary(ctx context.Context, p *authz.Principal) (map[string]int, error) {
	if err := s.authz.Authorize(ctx, p, "iam:GetAccountSummary", "*"); err != nil {
		return nil, err
	}
	u, err := s.store.Usage(ctx, p.AccountID)
	if err != nil {
		return nil, internal("usage", err)
	}
	set, err := s.store.Quotas(ctx, p.AccountID)
	if err != nil {
		return nil, internal("quotas", err)
	}
	m := map[string]int{}
	for _, name := range QuotaNames() {
		m[name], _ = DefaultQuota(name)
		if v, ok := set[name]; ok {
			m[name] = v
		}
	}
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	m["Users"] = u.Users
	m["MFADevices"] = u.MFADevices
	m["MFADevicesInUse"] = u.MFADevicesInUse
	m["AccountMFAEnabled"] = b(u.RootMFADevices > 0)
	m["AccountAccessKeysPresent"] = b(u.RootAccessKeys > 0)
	m["AccountPasswordPresent"] = b(u.RootPassword)
	m["AccountSigningCertificatesPresent"] = 0
	pu, err := s.store.PolicyUsage(ctx, p.AccountID)
	if err != nil {
		return nil, internal("policy usage", err)
	}
	m["Groups"] = pu.Groups
	m["Policies"] = pu.Policies
	m["PolicyVersionsInUse"] = pu.PolicyVersionsInUse
	m["Roles"] = u.Roles
	// Entities iamd does not have yet.
	for _, k := range []string{"InstanceProfiles", "ServerCertificates", "Providers"} {
		m[k] = 0
	}
	m["GlobalEndpointTokenVersion"] = 1
	return m, nil
}
