package console

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestBrowserQuotaRequest: root opens Quotas from the header,
// sees the account's quotas, files an increase request with the form, and
// sees it PENDING next to one the operator approved earlier.
func TestBrowserQuotaRequest(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			ctx := context.Background()
			earlier, err := e.qs.RequestServiceQuotaIncrease(ctx, e.rootPrincipal(), quotas.ServiceCode, "iamd-MFADevicesPerUser", 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.qs.Approve(ctx, earlier.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute) // the console's request is the newer one
			bctx := newBrowser(t)
			shot := sqliteShot(eng.Name)
			drive(t, bctx, "root signs in and opens Service quotas",
				rootSignIn(e.url),
				chromedp.Click(button("Quotas")),
				chromedp.WaitVisible(`//h1[.="Service quotas"]`),
				chromedp.WaitVisible(`//tr[td[.="MFA devices per user"]]/td[3][.="2"]`),
			)
			drive(t, bctx, "request an increase",
				chromedp.SetValue(field("Quota"), "L-F55AF5E4"),
				fill("New value", "6000"),
				chromedp.Click(button("Request increase")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "Your request is filed")]`),
				chromedp.WaitVisible(`//tr[td[contains(., "Users per account")] and td[.="6000"]]/td/span[.="PENDING"]`),
				chromedp.WaitVisible(`//tr[td[contains(., "MFA devices per user")] and td[.="2"]]/td/span[.="APPROVED"]`),
				shot("quota-request"),
			)
			reqs, _, err := e.qs.ListRequestedServiceQuotaChangeHistory(ctx, e.rootPrincipal(), quotas.HistoryQuery{})
			if err != nil || len(reqs) != 2 || reqs[0].QuotaKey != "UsersQuota" || reqs[0].DesiredValue != 6000 {
				t.Errorf("requests = %+v, %v; want the console's for UsersQuota 6000 first", reqs, err)
			}
		})
	}
}
