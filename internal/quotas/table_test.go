package quotas

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
)

// confirmedAWSCodes are the IAM quota codes found in public Service Quotas
// listings (AWS's EKS best-practices guide, Terraform and monitoring
// code quoting the Service Quotas API, AWS User Guide tables), each
// seen in more than one independent source. No other L- code may appear
// in the table: a quota whose code is not confirmed gets an iamd code.
var confirmedAWSCodes = map[string]string{
	"L-F55AF5E4": "UsersQuota",
	"L-F4A5425F": "GroupsQuota",
	"L-FE177D64": "RolesQuota",
	"L-E95E4862": "PoliciesQuota",
	"L-6E65F664": "InstanceProfilesQuota",
	"L-BF35879D": "ServerCertificatesQuota",
	"L-4019AD8B": "AttachedPoliciesPerUserQuota",
	"L-384571C4": "AttachedPoliciesPerGroupQuota",
	"L-0DA4ABF3": "AttachedPoliciesPerRoleQuota",
	"L-C07B4B0D": "AssumeRolePolicySizeQuota",
}

func TestTableMatchesIAM(t *testing.T) {
	var keys []string
	for _, q := range Table() {
		keys = append(keys, q.Key)
	}
	want := iam.QuotaNames()
	got := append([]string(nil), keys...)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table keys differ from iam's quotas (-iam +table):\n%s", diff)
	}
}

func TestTableCodes(t *testing.T) {
	codePattern := regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,128}$`) // the model's QuotaCode
	seen := map[string]bool{}
	for _, q := range Table() {
		if seen[q.Code] {
			t.Errorf("code %s appears twice", q.Code)
		}
		seen[q.Code] = true
		if !codePattern.MatchString(q.Code) {
			t.Errorf("%s: code %q does not match the model's QuotaCode pattern", q.Key, q.Code)
		}
		if q.AWSCode() {
			if key, ok := confirmedAWSCodes[q.Code]; !ok || key != q.Key {
				t.Errorf("%s: AWS code %s is not a confirmed code of this quota", q.Key, q.Code)
			}
		} else if want := "iamd-" + strings.TrimSuffix(q.Key, "Quota"); q.Code != want {
			t.Errorf("%s: code = %s, want %s", q.Key, q.Code, want)
		}
		if q.Name == "" || len(q.Description) > 350 || q.Description == "" {
			t.Errorf("%s: name %q, description of %d characters", q.Key, q.Name, len(q.Description))
		}
		if (q.LimitName == "") == (q.Message == "") && q.UsageKey != "InstanceProfiles" && q.UsageKey != "ServerCertificates" &&
			q.Key != "SigningCertificatesPerUserQuota" {
			t.Errorf("%s: want exactly one of LimitName (%q) and Message (%q)", q.Key, q.LimitName, q.Message)
		}
	}
	for code := range confirmedAWSCodes {
		if !seen[code] {
			t.Errorf("confirmed code %s is not in the table", code)
		}
	}
}

func TestTableDefaults(t *testing.T) {
	tests := []struct {
		key      string
		def, max int
	}{
		{"UsersQuota", 5000, 0},
		{"GroupsQuota", 300, 0},
		{"RolesQuota", 1000, 0},
		{"PoliciesQuota", 1500, 0},
		{"InstanceProfilesQuota", 1000, 0},
		{"ServerCertificatesQuota", 20, 0},
		{"AccessKeysPerUserQuota", 2, 0},
		{"SigningCertificatesPerUserQuota", 2, 0},
		{"GroupsPerUserQuota", 10, 0},
		{"AttachedPoliciesPerUserQuota", 10, 0},
		{"AttachedPoliciesPerGroupQuota", 10, 0},
		{"AttachedPoliciesPerRoleQuota", 10, 0},
		{"UserPolicySizeQuota", 2048, 0},
		{"GroupPolicySizeQuota", 5120, 0},
		{"RolePolicySizeQuota", 10240, 0},
		{"PolicySizeQuota", 6144, 0},
		{"AssumeRolePolicySizeQuota", 2048, 0},
		{"VersionsPerPolicyQuota", 5, 0},
		{"PolicyVersionsInUseQuota", 10000, 0},
		{"MFADevicesPerUserQuota", 1, 8},
	}
	for _, tt := range tests {
		q, ok := ByKey(tt.key)
		if !ok {
			t.Errorf("ByKey(%q) found nothing", tt.key)
			continue
		}
		if q.Default() != tt.def || q.Max != tt.max {
			t.Errorf("ByKey(%q) = default %d, max %d, want %d, %d", tt.key, q.Default(), q.Max, tt.def, tt.max)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct{ name, want string }{
		{"UsersQuota", "UsersQuota"},
		{"usersquota", "UsersQuota"},
		{"L-F55AF5E4", "UsersQuota"},
		{"iamd-MFADevicesPerUser", "MFADevicesPerUserQuota"},
		{"l-f55af5e4", ""}, // codes are exact, as in Service Quotas
		{"Users", ""},
	}
	for _, tt := range tests {
		q, _ := Lookup(tt.name)
		if q.Key != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.name, q.Key, tt.want)
		}
	}
}

func TestARN(t *testing.T) {
	q, _ := ByKey("RolesQuota")
	if got, want := q.ARN("123456789012"), "arn:aws:servicequotas:us-east-1:123456789012:iam/L-FE177D64"; got != want {
		t.Errorf("ARN = %s, want %s", got, want)
	}
}
