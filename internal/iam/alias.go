package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
)

// validAlias applies the model's pattern for account aliases
// (^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$), which Go's regexp cannot
// express, and refuses 12 digits: such an alias would read as another
// account's id wherever an alias stands for the account (QR labels, and the
// console's sign-in later).
func validAlias(a string) error {
	bad := len(a) < 3 || len(a) > 63 || a[0] == '-' || a[len(a)-1] == '-' || strings.Contains(a, "--") ||
		strings.Trim(a, "abcdefghijklmnopqrstuvwxyz0123456789-") != ""
	if bad {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%s' at 'accountAlias' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", a)
	}
	if accountIDPattern.MatchString(a) {
		return awserr.New(awserr.InvalidInput, "The account alias %s looks like an account id; choose one that does not.", a)
	}
	return nil
}

// CreateAccountAlias sets the account's alias. An account has one alias:
// a new one replaces the old, as on AWS. Aliases are unique across all
// accounts of the store. New virtual MFA devices show the alias in their
// QR label instead of the account id.
func (s *Service) CreateAccountAlias(ctx context.Context, p *authz.Principal, alias string) error {
	if err := s.authz.Authorize(ctx, p, "iam:CreateAccountAlias", "*"); err != nil {
		return err
	}
	if err := validAlias(alias); err != nil {
		return err
	}
	switch err := s.store.SetAccountAlias(ctx, p.AccountID, alias); {
	case errors.Is(err, ErrExists):
		return awserr.New(awserr.EntityAlreadyExists, "The account alias %s already exists.", alias)
	case err != nil:
		return internal("set account alias", err)
	}
	s.log.Info("account alias set", "account", p.AccountID, "alias", alias, "by", p.ARN())
	return nil
}

// ListAccountAliases lists the account's alias: none or one.
func (s *Service) ListAccountAliases(ctx context.Context, p *authz.Principal) ([]string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListAccountAliases", "*"); err != nil {
		return nil, err
	}
	acct, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return nil, internal("account", err)
	}
	if acct.Alias == "" {
		return []string{}, nil
	}
	return []string{acct.Alias}, nil
}

// DeleteAccountAlias removes the account's alias, which must be the one
// named.
func (s *Service) DeleteAccountAlias(ctx context.Context, p *authz.Principal, alias string) error {
	if err := s.authz.Authorize(ctx, p, "iam:DeleteAccountAlias", "*"); err != nil {
		return err
	}
	switch err := s.store.DeleteAccountAlias(ctx, p.AccountID, alias); {
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "The account alias %s cannot be found.", alias)
	case err != nil:
		return internal("delete account alias", err)
	}
	s.log.Info("account alias deleted", "account", p.AccountID, "alias", alias, "by", p.ARN())
	return nil
}
