// Command iamd-load sends signed IAM/STS requests to an iamd server from
// several workers for a bounded time and reports throughput and latency.
// It only targets loopback addresses: it is for measuring a local server.
//
//	iamd-load --url http://127.0.0.1:8790 --access-key-id AKIA… --secret-access-key … \
//	    [--action ListMFADevices] [--user-name alice] [--workers 8] [--duration 10s]
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "iamd-load:", err)
		os.Exit(1)
	}
}

// maxDuration and maxWorkers bound every run.
const (
	maxDuration = 5 * time.Minute
	maxWorkers  = 256
)

type result struct {
	latencies []time.Duration
	errors    int
	firstErr  string
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("iamd-load", flag.ContinueOnError)
	target := fs.String("url", "http://127.0.0.1:8790", "iamd base URL (loopback only)")
	akid := fs.String("access-key-id", os.Getenv("AWS_ACCESS_KEY_ID"), "access key id [AWS_ACCESS_KEY_ID]")
	secret := fs.String("secret-access-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key [AWS_SECRET_ACCESS_KEY]")
	token := fs.String("session-token", os.Getenv("AWS_SESSION_TOKEN"), "session token [AWS_SESSION_TOKEN]")
	action := fs.String("action", "GetCallerIdentity", "GetCallerIdentity (sts), or an IAM read: ListMFADevices, GetUser, ListUsers, GetAccountSummary")
	userName := fs.String("user-name", "", "UserName parameter for ListMFADevices/GetUser")
	workers := fs.Int("workers", 8, "concurrent workers")
	duration := fs.Duration("duration", 10*time.Second, "how long to send requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--url %s: only loopback addresses may be targeted", *target)
	}
	if *akid == "" || *secret == "" {
		return errors.New("--access-key-id and --secret-access-key are required")
	}
	if *workers < 1 || *workers > maxWorkers || *duration <= 0 || *duration > maxDuration {
		return fmt.Errorf("--workers must be 1..%d and --duration at most %v", maxWorkers, maxDuration)
	}
	service, version := "iam", "2010-05-08"
	if *action == "GetCallerIdentity" {
		service, version = "sts", "2011-06-15"
	}
	form := url.Values{"Action": {*action}, "Version": {version}}
	if *userName != "" {
		form.Set("UserName", *userName)
	}
	body := form.Encode()
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	creds := aws.Credentials{AccessKeyID: *akid, SecretAccessKey: *secret, SessionToken: *token}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}, Timeout: 30 * time.Second}
	signer := v4.NewSigner()

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	results := make([]result, *workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *workers {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequest(http.MethodPost, strings.TrimRight(*target, "/")+"/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				t0 := time.Now()
				if err := signer.SignHTTP(ctx, creds, req, hash, service, "us-east-1", t0); err != nil {
					r.errors++
					continue
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						r.errors++
						r.firstErr = err.Error()
					}
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					r.errors++
					if r.firstErr == "" {
						r.firstErr = fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
					}
					continue
				}
				r.latencies = append(r.latencies, time.Since(t0))
			}
		}(&results[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	errs, firstErr := 0, ""
	for _, r := range results {
		all = append(all, r.latencies...)
		errs += r.errors
		if firstErr == "" {
			firstErr = r.firstErr
		}
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	fmt.Fprintf(out, "action %s, %d workers, %v\n", *action, *workers, elapsed.Round(time.Millisecond))
	fmt.Fprintf(out, "requests %d ok, %d failed; %.0f req/s\n", len(all), errs, float64(len(all))/elapsed.Seconds())
	fmt.Fprintf(out, "latency p50 %v  p90 %v  p99 %v  max %v\n", pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	if errs > 0 {
		return fmt.Errorf("%d requests failed; first: %s", errs, firstErr)
	}
	return nil
}
