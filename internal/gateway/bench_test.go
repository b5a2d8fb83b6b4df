package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/store/storetest"
)

// BenchmarkGetSessionToken measures GetSessionToken with an MFA code end to
// end over HTTP: SigV4 signing (client side) and verification, key lookup,
// code check and the single-use compare-and-set in the store, token
// sealing. Each iteration moves the fake clock to the next 30 s step so
// every code is fresh; requests are signed at the fake time.
func BenchmarkGetSessionToken(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		b.Run(eng.Name, func(b *testing.B) {
			e := newEnvTB(b, eng)
			ctx := context.Background()
			root := e.iam(rootKeyID, rootSecret, "")
			akid, secret := e.user(ctx, root, "alice")
			serial, seed := e.device(ctx, root, "alice", "phone")
			creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
			signer := v4.NewSigner()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.clock.Advance(30 * time.Second)
				form := url.Values{"Action": {"GetSessionToken"}, "Version": {"2011-06-15"},
					"SerialNumber": {serial}, "TokenCode": {e.code(seed, 0)}}.Encode()
				req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				if err := signer.SignHTTP(ctx, creds, req, sha256Hex(form), "sts", "us-east-1", e.clock.Now()); err != nil {
					b.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("GetSessionToken: %d %s", resp.StatusCode, body)
				}
			}
		})
	}
}

// BenchmarkListMFADevices measures an authorised read over HTTP through
// the SDK: an IAM user with the self-service MFA policy (through a group)
// lists its own devices, so each request is authenticated, its policies
// gathered from the store and evaluated.
func BenchmarkListMFADevices(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		b.Run(eng.Name, func(b *testing.B) {
			e := newEnvTB(b, eng)
			ctx := context.Background()
			root := e.iam(rootKeyID, rootSecret, "")
			akid, secret := e.user(ctx, root, "alice")
			e.device(ctx, root, "alice", "phone")
			pol, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("SelfManageMFA"), PolicyDocument: aws.String(selfServiceMFA)})
			if err != nil {
				b.Fatal(err)
			}
			root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("mfa")})
			root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("mfa"), PolicyArn: pol.Policy.Arn})
			root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("mfa"), UserName: aws.String("alice")})
			alice := e.iam(akid, secret, "")
			in := &awsiam.ListMFADevicesInput{UserName: aws.String("alice")}
			if _, err := alice.ListMFADevices(ctx, in); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := alice.ListMFADevices(ctx, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
