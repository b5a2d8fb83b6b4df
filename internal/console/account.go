package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// aliasData is the account alias page's data.
type aliasData struct {
	Alias        string
	ListDenied   *denied
	CreateDenied *denied
	DeleteDenied *denied
	// NewAlias refills the form after a refusal.
	NewAlias string
	// Refused is what a form just sent lacked.
	Refused *denied
}

// allowedOrDenied asks authz whether the caller may take action on
// resource: nil when it may, the denied section when it may not.
func (s *Server) allowedOrDenied(r *http.Request, c *caller, action, resource string) (*denied, error) {
	err := s.iam.Authorize(requestContext(r), c.principal, action, resource)
	if d := deniedBy(err, action, c); d != nil || err == nil {
		return d, nil
	}
	return nil, err
}

func (s *Server) aliasPage(w http.ResponseWriter, r *http.Request, c *caller) {
	s.renderAlias(w, r, c, http.StatusOK, "", "", nil)
}

// renderAlias shows the account alias page, each part asked of iam as the
// caller (iam:ListAccountAliases, iam:CreateAccountAlias,
// iam:DeleteAccountAlias).
func (s *Server) renderAlias(w http.ResponseWriter, r *http.Request, c *caller, status int, msg, newAlias string, d *denied) {
	data := &aliasData{NewAlias: newAlias}
	aliases, err := s.iam.ListAccountAliases(requestContext(r), c.principal)
	if data.ListDenied = deniedBy(err, "iam:ListAccountAliases", c); data.ListDenied == nil && err != nil {
		s.internalError(w, r, "list account aliases", err)
		return
	}
	if len(aliases) > 0 {
		data.Alias = aliases[0]
	}
	if data.CreateDenied, err = s.allowedOrDenied(r, c, "iam:CreateAccountAlias", "*"); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	if data.DeleteDenied, err = s.allowedOrDenied(r, c, "iam:DeleteAccountAlias", "*"); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	data.Refused = d
	v := &view{Title: "Account alias", Identity: c.identity(), Error: msg, Data: data}
	switch r.URL.Query().Get("alias") {
	// Fixed words only: a notice is trusted text.
	case "created":
		v.Notice = "The account alias is set. IAM users can sign in with it instead of the account ID."
	case "deleted":
		v.Notice = "The account alias is deleted. IAM users sign in with the account ID."
	}
	s.render(w, r, status, "account_alias", v)
}

// accountAlias sets or deletes the account's alias
// (iam:CreateAccountAlias, iam:DeleteAccountAlias) as the caller.
func (s *Server) accountAlias(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := requestContext(r)
	alias := strings.TrimSpace(r.PostFormValue("alias"))
	var err error
	var action, done string
	switch r.PostFormValue("op") {
	case "create":
		action, done = "iam:CreateAccountAlias", "created"
		err = s.iam.CreateAccountAlias(ctx, c.principal, alias)
		s.recordCall(r, c.principal, "CreateAccountAlias", map[string]any{"accountAlias": alias}, err)
	case "delete":
		action, done = "iam:DeleteAccountAlias", "deleted"
		err = s.iam.DeleteAccountAlias(ctx, c.principal, alias)
		s.recordCall(r, c.principal, "DeleteAccountAlias", map[string]any{"accountAlias": alias}, err)
	default:
		http.Redirect(w, r, "/console/account-alias", http.StatusSeeOther)
		return
	}
	var ae *awserr.Error
	switch code := awserr.Code(err); {
	case err == nil:
		s.log.Info("console: account alias changed", "account", c.user.AccountID, "by", c.user.ARN(), "op", done)
		http.Redirect(w, r, "/console/account-alias?alias="+done, http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.renderAlias(w, r, c, http.StatusForbidden, "", alias, deniedBy(err, action, c))
	case code == awserr.ValidationError:
		s.renderAlias(w, r, c, http.StatusBadRequest, "An alias is 3 to 63 lowercase letters, digits and hyphens; it starts and ends with a letter or digit and has no two hyphens in a row.", alias, nil)
	case code == awserr.EntityAlreadyExists:
		// Aliases are unique across the store: say only that this one is
		// taken, as AWS does.
		s.renderAlias(w, r, c, http.StatusConflict, "The alias "+alias+" is taken. Choose another.", alias, nil)
	case errors.As(err, &ae) && code != awserr.ServiceFailure:
		s.renderAlias(w, r, c, http.StatusBadRequest, strings.TrimSuffix(ae.Message, ".")+".", alias, nil)
	default:
		s.internalError(w, r, "account alias", err)
	}
}

// policyForm is the password policy page's form, as text fields and
// checkboxes.
type policyForm struct {
	MinLength, MaxAge, Reuse                            string
	Symbols, Numbers, Upper, Lower, AllowChange, Expiry bool
}

func formOfPolicy(pp *iam.PasswordPolicy) policyForm {
	f := policyForm{MinLength: strconv.Itoa(pp.MinimumPasswordLength), Symbols: pp.RequireSymbols, Numbers: pp.RequireNumbers,
		Upper: pp.RequireUppercaseCharacters, Lower: pp.RequireLowercaseCharacters, AllowChange: pp.AllowUsersToChangePassword,
		Expiry: pp.HardExpiry}
	if pp.MinimumPasswordLength == 0 {
		f.MinLength = strconv.Itoa(iam.DefaultMinimumPasswordLength)
	}
	if pp.MaxPasswordAge > 0 {
		f.MaxAge = strconv.Itoa(pp.MaxPasswordAge)
	}
	if pp.PasswordReusePrevention > 0 {
		f.Reuse = strconv.Itoa(pp.PasswordReusePrevention)
	}
	return f
}

// policyData is the password policy page's data.
type policyData struct {
	// Exists is set when the account has a policy; Rules describe the one
	// that applies (AWS's default rules when none).
	Exists       bool
	Rules        []string
	GetDenied    *denied
	UpdateDenied *denied
	DeleteDenied *denied
	Form         policyForm
	// Refused is what a form just sent lacked.
	Refused *denied
}

func (s *Server) passwordPolicyPage(w http.ResponseWriter, r *http.Request, c *caller) {
	s.renderPolicy(w, r, c, http.StatusOK, "", nil, nil)
}

// renderPolicy shows the password policy page, each part asked of iam as
// the caller (iam:GetAccountPasswordPolicy,
// iam:UpdateAccountPasswordPolicy, iam:DeleteAccountPasswordPolicy).
// form refills the form after a refusal.
func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, c *caller, status int, msg string, form *policyForm, d *denied) {
	data := &policyData{Form: formOfPolicy(&iam.PasswordPolicy{})}
	pp, err := s.iam.GetAccountPasswordPolicy(requestContext(r), c.principal)
	switch code := awserr.Code(err); {
	case err == nil:
		data.Exists, data.Rules, data.Form = true, passwordRules(pp), formOfPolicy(pp)
	case code == awserr.NoSuchEntity:
		data.Rules = passwordRules(nil)
	case code == awserr.AccessDenied:
		data.GetDenied = deniedBy(err, "iam:GetAccountPasswordPolicy", c)
	default:
		s.internalError(w, r, "password policy", err)
		return
	}
	if data.UpdateDenied, err = s.allowedOrDenied(r, c, "iam:UpdateAccountPasswordPolicy", "*"); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	if data.DeleteDenied, err = s.allowedOrDenied(r, c, "iam:DeleteAccountPasswordPolicy", "*"); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	if form != nil {
		data.Form = *form
	}
	data.Refused = d
	v := &view{Title: "Password policy", Identity: c.identity(), Error: msg, Data: data}
	switch r.URL.Query().Get("policy") {
	// Fixed words only: a notice is trusted text.
	case "updated":
		v.Notice = "The password policy is saved. Its rules apply to passwords set from now on; expiry applies at once."
	case "deleted":
		v.Notice = "The password policy is deleted. AWS's default rules apply."
	}
	s.render(w, r, status, "password_policy", v)
}

// passwordPolicy saves or deletes the account's password policy
// (iam:UpdateAccountPasswordPolicy, iam:DeleteAccountPasswordPolicy) as
// the caller.
func (s *Server) passwordPolicy(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := requestContext(r)
	if r.PostFormValue("op") == "delete" {
		err := s.iam.DeleteAccountPasswordPolicy(ctx, c.principal)
		s.recordCall(r, c.principal, "DeleteAccountPasswordPolicy", map[string]any{}, err)
		switch code := awserr.Code(err); {
		case err == nil, code == awserr.NoSuchEntity:
			s.log.Info("console: password policy deleted", "account", c.user.AccountID, "by", c.user.ARN())
			http.Redirect(w, r, "/console/password-policy?policy=deleted", http.StatusSeeOther)
		case code == awserr.AccessDenied:
			s.renderPolicy(w, r, c, http.StatusForbidden, "", nil, deniedBy(err, "iam:DeleteAccountPasswordPolicy", c))
		default:
			s.internalError(w, r, "delete password policy", err)
		}
		return
	}
	f := policyForm{MinLength: strings.TrimSpace(r.PostFormValue("min_length")), MaxAge: strings.TrimSpace(r.PostFormValue("max_age")),
		Reuse: strings.TrimSpace(r.PostFormValue("reuse")), Symbols: r.PostFormValue("symbols") != "", Numbers: r.PostFormValue("numbers") != "",
		Upper: r.PostFormValue("upper") != "", Lower: r.PostFormValue("lower") != "", AllowChange: r.PostFormValue("allow_change") != "",
		Expiry: r.PostFormValue("hard_expiry") != ""}
	number := func(v string, lo, hi int, what string) (int, string) {
		if v == "" {
			return 0, ""
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, what + " is a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + "."
		}
		return n, ""
	}
	pp := iam.PasswordPolicy{RequireSymbols: f.Symbols, RequireNumbers: f.Numbers, RequireUppercaseCharacters: f.Upper,
		RequireLowercaseCharacters: f.Lower, AllowUsersToChangePassword: f.AllowChange, HardExpiry: f.Expiry}
	var msg string
	if pp.MinimumPasswordLength, msg = number(f.MinLength, iam.DefaultMinimumPasswordLength, iam.MaxMinimumPasswordLength, "The minimum length"); msg == "" {
		if pp.MaxPasswordAge, msg = number(f.MaxAge, 1, iam.MaxMaxPasswordAge, "The expiry"); msg == "" {
			pp.PasswordReusePrevention, msg = number(f.Reuse, 1, iam.MaxPasswordReusePrevention, "The number of passwords remembered")
		}
	}
	if msg != "" {
		s.renderPolicy(w, r, c, http.StatusBadRequest, msg, &f, nil)
		return
	}
	err := s.iam.UpdateAccountPasswordPolicy(ctx, c.principal, pp)
	s.recordCall(r, c.principal, "UpdateAccountPasswordPolicy", map[string]any{"minimumPasswordLength": pp.MinimumPasswordLength,
		"requireSymbols": pp.RequireSymbols, "requireNumbers": pp.RequireNumbers, "requireUppercaseCharacters": pp.RequireUppercaseCharacters,
		"requireLowercaseCharacters": pp.RequireLowercaseCharacters, "allowUsersToChangePassword": pp.AllowUsersToChangePassword,
		"maxPasswordAge": pp.MaxPasswordAge, "passwordReusePrevention": pp.PasswordReusePrevention, "hardExpiry": pp.HardExpiry}, err)
	var ae *awserr.Error
	switch code := awserr.Code(err); {
	case err == nil:
		s.log.Info("console: password policy updated", "account", c.user.AccountID, "by", c.user.ARN())
		http.Redirect(w, r, "/console/password-policy?policy=updated", http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.renderPolicy(w, r, c, http.StatusForbidden, "", &f, deniedBy(err, "iam:UpdateAccountPasswordPolicy", c))
	case errors.As(err, &ae) && code != awserr.ServiceFailure:
		s.renderPolicy(w, r, c, http.StatusBadRequest, strings.TrimSuffix(ae.Message, ".")+".", &f, nil)
	default:
		s.internalError(w, r, "update password policy", err)
	}
}
