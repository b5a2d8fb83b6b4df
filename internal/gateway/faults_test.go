package gateway_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestPostgresConnectionCut terminates the server's PostgreSQL backends
// again and again while requests run: every answer is either a success or
// a clean AWS 5xx error, the server recovers without a restart, and a
// write that failed left nothing half-written (a user exists with all of
// its tags, or not at all).
func TestPostgresConnectionCut(t *testing.T) {
	var pg *storetest.Engine
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			pg = &e
		}
	}
	if pg == nil {
		t.Skip("PostgreSQL engine not configured (IAMD_TEST_DATABASE_URL); CI=true fails in storetest.Engines instead")
	}
	cfg := pg.Config(t, t.TempDir())
	// A name of our own, so only this test's connections are cut.
	app := fmt.Sprintf("iamd-cut-%d", time.Now().UnixNano())
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	cfg.DatabaseURL = u.String()
	st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(time.Now())
	svc := iam.New(st, iam.Options{Clock: clk})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: "root@example.com",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newGateway(t, st, svc, nil))
	defer srv.Close()
	e := &env{t: t, url: srv.URL, clock: clk, st: st, svc: svc}
	root := e.iam(rootKeyID, rootSecret, "")

	admin, err := sql.Open("pgx", storetestBase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var cuts atomic.Int64
	stop := make(chan struct{})
	var cutter sync.WaitGroup
	cutter.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(60 * time.Millisecond):
			}
			var n int64
			if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err == nil {
				cuts.Add(n)
			}
		}
	})

	ctx := context.Background()
	var mu sync.Mutex
	ok, failed := map[string]bool{}, map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				name := fmt.Sprintf("cut-%d-%d", w, i)
				_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name),
					Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}})
				mu.Lock()
				if err == nil {
					ok[name] = true
				} else {
					failed[name] = true
				}
				mu.Unlock()
				if err != nil {
					var re *awshttp.ResponseError
					var ae smithy.APIError
					if !errors.As(err, &re) || !errors.As(err, &ae) || re.HTTPStatusCode() < 500 || ae.ErrorCode() != "ServiceFailure" {
						t.Errorf("CreateUser(%s) during cuts = %v, want success or a 5xx ServiceFailure", name, err)
					}
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	cutter.Wait()
	if cuts.Load() == 0 || len(failed) == 0 {
		t.Logf("%d backends cut, %d requests failed", cuts.Load(), len(failed))
	}

	// Recovery without a restart, and nothing half-written.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 10 s after the last cut: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for name := range ok {
		tags, err := root.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String(name)})
		if err != nil || len(tags.Tags) != 2 {
			t.Errorf("acknowledged user %s: tags %v, %v; want both", name, tags, err)
		}
	}
	for name := range failed {
		tags, err := root.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String(name)})
		var ae smithy.APIError
		switch {
		case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity":
		case err == nil && len(tags.Tags) == 2:
			// Committed, but the answer was lost with the connection.
		default:
			t.Errorf("user %s whose create failed: tags %v, %v; want absent or whole", name, tags, err)
		}
	}
	t.Logf("%d backends cut; %d creates acknowledged, %d answered 5xx; recovered without a restart", cuts.Load(), len(ok), len(failed))
}

// storetestBase is the PostgreSQL URL the tests connect to.
func storetestBase(t *testing.T) string {
	t.Helper()
	v := os.Getenv("IAMD_TEST_DATABASE_URL")
	if v == "" {
		t.Fatal("IAMD_TEST_DATABASE_URL is not set")
	}
	return v
}
