package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"time"

	"github.com/iamd/iamd/internal/awserr"
)

// CredentialReportTTL is how long a credential report is served and
// reused: GenerateCredentialReport makes a new one only when the last is
// older, and GetCredentialReport refuses an older one (ReportExpired).
const CredentialReportTTL = 4 * time.Hour

// Report states of GenerateCredentialReport.
const (
	ReportStarted  = "STARTED"
	ReportComplete = "COMPLETE"
)

// Credential report error codes (the model's; awsquery's table gives them
// 410).
const (
	codeReportNotPresent = "ReportNotPresent"
	codeReportExpired    = "ReportExpired"
)

// CredentialReportColumns are the CSV header's columns, in AWS's order.
var CredentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
	"access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region",
	"access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// GenerateCredentialReport makes the account's credential report unless
// one newer than CredentialReportTTL exists. iamd generates it at once, so
// the state is always COMPLETE: the report is ready for GetCredentialReport
// when this returns. (AWS answers STARTED to the call that starts a report;
// a client polling for COMPLETE works with either.)
func (s *Service) GenerateCredentialReport(ctx context.Context, p *authz.Principal) (state string, err error) {
	if err := s.authz.Authorize(ctx, p, "iam:GenerateCredentialReport", "*"); err != nil {
		return "", err
	}
	now := s.clock.Now()
	r, err := s.store.CredentialReport(ctx, p.AccountID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", internal("credential report", err)
	}
	if err == nil && now.Sub(r.GeneratedAt) < CredentialReportTTL {
		return ReportComplete, nil
	}
	rows, err := s.store.CredentialReportData(ctx, p.AccountID)
	if err != nil {
		return "", internal("credential report data", err)
	}
	pp, err := s.passwordPolicy(ctx, p.AccountID)
	if err != nil {
		return "", err
	}
	content, err := buildCredentialReport(rows, pp)
	if err != nil {
		return "", internal("build credential report", err)
	}
	r = &CredentialReport{GeneratedAt: now.UTC().Truncate(time.Second), Content: content}
	if err := s.store.PutCredentialReport(ctx, p.AccountID, r); err != nil {
		return "", internal("put credential report", err)
	}
	s.log.Info("credential report generated", "account", p.AccountID, "identities", len(rows), "by", p.ARN())
	return ReportComplete, nil
}

// GetCredentialReport returns the account's credential report:
// ReportNotPresent when none was generated, ReportExpired when it is older
// than CredentialReportTTL.
func (s *Service) GetCredentialReport(ctx context.Context, p *authz.Principal) (*CredentialReport, error) {
	if err := s.authz.Authorize(ctx, p, "iam:GetCredentialReport", "*"); err != nil {
		return nil, err
	}
	r, err := s.store.CredentialReport(ctx, p.AccountID)
	if errors.Is(err, ErrNotFound) {
		return nil, awserr.New(codeReportNotPresent, "Credential report not present. Call GenerateCredentialReport to generate one.")
	}
	if err != nil {
		return nil, internal("credential report", err)
	}
	if s.clock.Now().Sub(r.GeneratedAt) >= CredentialReportTTL {
		return nil, awserr.New(codeReportExpired, "Credential report is older than 4 hours. Call GenerateCredentialReport to generate a new one.")
	}
	return r, nil
}

// reportTime is how credential reports write timestamps:
// 2017-06-10T02:35:07+00:00.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// buildCredentialReport writes the CSV: a header and one row per identity,
// with AWS's placeholders (N/A: does not apply or never happened;
// no_information: a password never used; not_supported: the root user's
// password fields).
func buildCredentialReport(rows []UserCredentials, pp *PasswordPolicy) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(CredentialReportColumns); err != nil {
		return nil, err
	}
	tf := func(b bool) string {
		if b {
			return "true"
		}
		return "false"
	}
	orNA := func(t time.Time) string {
		if t.IsZero() {
			return "N/A"
		}
		return reportTime(t)
	}
	for _, c := range rows {
		u := c.User
		rec := []string{u.Name, u.ARN(), reportTime(u.CreatedAt)}
		lastUsed := "N/A"
		if c.HasPassword {
			lastUsed = "no_information"
			if !u.PasswordLastUsed.IsZero() {
				lastUsed = reportTime(u.PasswordLastUsed)
			}
		}
		switch {
		case u.Root:
			rec = append(rec, "not_supported", lastUsed, "not_supported", "not_supported")
		case c.HasPassword:
			next := "N/A"
			if pp != nil && pp.ExpirePasswords() {
				next = reportTime(passwordExpiry(c.PasswordChangedAt, pp))
			}
			rec = append(rec, "true", lastUsed, reportTime(c.PasswordChangedAt), next)
		default:
			rec = append(rec, "false", "N/A", "N/A", "N/A")
		}
		rec = append(rec, tf(c.MFADevices > 0))
		for i := range 2 {
			if i >= len(c.AccessKeys) {
				rec = append(rec, "false", "N/A", "N/A", "N/A", "N/A")
				continue
			}
			k := c.AccessKeys[i]
			region, service := "N/A", "N/A"
			if !k.LastUsed.At.IsZero() {
				if k.LastUsed.Region != "" {
					region = k.LastUsed.Region
				}
				if k.LastUsed.Service != "" {
					service = k.LastUsed.Service
				}
			}
			rec = append(rec, tf(k.Status == KeyActive), reportTime(k.CreatedAt), orNA(k.LastUsed.At), region, service)
		}
		// iamd has no signing certificates.
		rec = append(rec, "false", "N/A", "false", "N/A")
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
