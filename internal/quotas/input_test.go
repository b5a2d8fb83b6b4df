package quotas

import (
	"testing"

	"github.com/iamd/iamd/internal/awserr"
)

func TestInputValidate(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v int) *int { return &v }
	f := 10.0
	tests := []struct {
		op       string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{"GetServiceQuota", Input{ServiceCode: s("iam"), QuotaCode: s("L-F55AF5E4")}, "", ""},
		{"GetServiceQuota", Input{ServiceCode: s("iam")}, CodeIllegalArgument,
			"1 validation error detected: Value null at 'quotaCode' failed to satisfy constraint: Member must not be null"},
		{"GetServiceQuota", Input{ServiceCode: s("-iam"), QuotaCode: s("L-1")}, CodeIllegalArgument,
			"1 validation error detected: Value '-iam' at 'serviceCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9-]{1,63}"},
		{"ListServiceQuotas", Input{ServiceCode: s("iam"), MaxResults: n(101)}, CodeIllegalArgument,
			"1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"},
		{"ListServiceQuotas", Input{ServiceCode: s("iam"), QuotaAppliedAtLevel: s("ORG")}, CodeIllegalArgument, ""},
		{"ListServiceQuotas", Input{ServiceCode: s("iam")}, "", ""},
		{"RequestServiceQuotaIncrease", Input{ServiceCode: s("iam"), QuotaCode: s("L-1")}, CodeIllegalArgument,
			"1 validation error detected: Value null at 'desiredValue' failed to satisfy constraint: Member must not be null"},
		{"RequestServiceQuotaIncrease", Input{ServiceCode: s("iam"), QuotaCode: s("L-1"), DesiredValue: &f}, "", ""},
		{"GetRequestedServiceQuotaChange", Input{}, CodeIllegalArgument, ""},
		{"ListRequestedServiceQuotaChangeHistory", Input{}, "", ""},
		{"ListServices", Input{MaxResults: n(0)}, CodeIllegalArgument, ""},
	}
	for _, tt := range tests {
		err := tt.in.Validate(tt.op)
		if got := awserr.Code(err); got != tt.wantCode {
			t.Errorf("%s: Validate = %v, want code %q", tt.op, err, tt.wantCode)
			continue
		}
		if tt.wantMsg != "" {
			if ae, _ := err.(*awserr.Error); ae == nil || ae.Message != tt.wantMsg {
				t.Errorf("%s: Validate = %v, want message %q", tt.op, err, tt.wantMsg)
			}
		}
	}
}

func TestPageOf(t *testing.T) {
	all := []int{1, 2, 3, 4, 5}
	var got []int
	token := ""
	for pages := 0; ; pages++ {
		page, next, err := PageOf(all, token, 2)
		if err != nil {
			t.Fatalf("PageOf(token %q) = %v", token, err)
		}
		got = append(got, page...)
		if next == "" {
			if pages != 2 {
				t.Errorf("pages = %d, want 3", pages+1)
			}
			break
		}
		token = next
	}
	if len(got) != 5 || got[4] != 5 {
		t.Errorf("PageOf pages = %v, want %v", got, all)
	}
	if _, _, err := PageOf(all, "garbage", 2); awserr.Code(err) != CodeInvalidPaginationToken {
		t.Errorf("PageOf(garbage) = %v, want %s", err, CodeInvalidPaginationToken)
	}
}
