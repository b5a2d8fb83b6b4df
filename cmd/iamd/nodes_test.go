package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestThreeNodes runs three servers on one PostgreSQL database, as a
// deployment behind a load balancer would, each with its own cache: a code
// is single-use across all three, a policy removed on one node stops
// working on another within a second, failures throttle a device whatever
// node they reach, and a quota holds against creates spread over the nodes.
func TestThreeNodes(t *testing.T) {
	setRootEnv(t)
	var pg *storetest.Engine
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			pg = &e
		}
	}
	if pg == nil {
		t.Skip("three nodes share a PostgreSQL database; IAMD_TEST_DATABASE_URL is not set")
	}
	dir := t.TempDir()
	args := storeArgs(t, *pg, dir)
	var nodes [3]*daemon
	for i := range nodes {
		nodes[i] = startServe(t, args...)
	}
	ctx := context.Background()
	rootIAM := func(i int) *awsiam.Client { c, _ := clients(nodes[i].url, testRootKey, testRootSecret, ""); return c }

	// alice: a key, a policy that lets her list her devices, a device.
	root := rootIAM(0)
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	aliceID, aliceSecret := *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListMFADevices","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
	if err != nil {
		t.Fatal(err)
	}
	serial := *dev.VirtualMFADevice.SerialNumber
	codeAt := func(step int64) string { return otp.CodeAt(seed, step, otp.Params{}) }
	now := otp.Step(time.Now(), otp.Params{})
	// Enabled with the two previous steps, so the current one is fresh.
	if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(codeAt(now - 2)), AuthenticationCode2: aws.String(codeAt(now - 1))}); err != nil {
		t.Fatal(err)
	}

	t.Run("single-use code across nodes", func(t *testing.T) {
		code := codeAt(otp.Step(time.Now(), otp.Params{}))
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, sts := clients(nodes[i%3].url, aliceID, aliceSecret, "")
				_, err := sts.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
				if err == nil {
					ok.Add(1)
				} else if apiCode(err) == "AccessDenied" {
					refused.Add(1)
				} else {
					t.Errorf("GetSessionToken: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != 49 {
			t.Fatalf("50 GetSessionToken with one code over three nodes: %d succeeded, %d refused; want 1 and 49", ok.Load(), refused.Load())
		}
	})

	t.Run("policy removed on node A is honoured on node C within 1 s", func(t *testing.T) {
		aliceC, _ := clients(nodes[2].url, aliceID, aliceSecret, "")
		if _, err := aliceC.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{}); err != nil {
			t.Fatalf("ListMFADevices on C before: %v", err) // and C's cache is warm
		}
		if _, err := rootIAM(0).DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("list")}); err != nil {
			t.Fatal(err)
		}
		removed := time.Now()
		for {
			_, err := aliceC.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{})
			if apiCode(err) == "AccessDenied" {
				t.Logf("node C refused %v after the policy was removed on node A", time.Since(removed).Round(time.Millisecond))
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(removed) > time.Second {
				t.Fatal("node C still allows ListMFADevices 1 s after the policy was removed on node A")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("failures on every node throttle the device", func(t *testing.T) {
		// bob's device takes the failures; carol's, untouched, shows that
		// a right code is accepted on node B at this moment.
		creds := map[string][2]string{}
		seeds := map[string][]byte{}
		serials := map[string]string{}
		for _, name := range []string{"bob", "carol"} {
			if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
			k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			creds[name] = [2]string{*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey}
			d, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if seeds[name], err = otp.DecodeSecret(string(d.VirtualMFADevice.Base32StringSeed)); err != nil {
				t.Fatal(err)
			}
			serials[name] = *d.VirtualMFADevice.SerialNumber
			now := otp.Step(time.Now(), otp.Params{})
			if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(name), SerialNumber: d.VirtualMFADevice.SerialNumber,
				AuthenticationCode1: aws.String(otp.CodeAt(seeds[name], now-2, otp.Params{})), AuthenticationCode2: aws.String(otp.CodeAt(seeds[name], now-1, otp.Params{}))}); err != nil {
				t.Fatal(err)
			}
		}
		getToken := func(name string, node int, code string) error {
			_, sts := clients(nodes[node].url, creds[name][0], creds[name][1], "")
			_, err := sts.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serials[name]), TokenCode: aws.String(code)})
			return err
		}
		// Six wrong codes, two per node: no node alone sees the five
		// after which the device is blocked.
		for i := range 6 {
			wrong := otp.CodeAt(seeds["bob"], otp.Step(time.Now(), otp.Params{})+10+int64(i), otp.Params{})
			if err := getToken("bob", i%3, wrong); apiCode(err) != "AccessDenied" {
				t.Fatalf("wrong code #%d on node %d: %v, want AccessDenied", i, i%3, err)
			}
		}
		now := otp.Step(time.Now(), otp.Params{})
		if err := getToken("carol", 1, otp.CodeAt(seeds["carol"], now, otp.Params{})); err != nil {
			t.Fatalf("control: carol's right code on node B = %v", err)
		}
		if err := getToken("bob", 1, otp.CodeAt(seeds["bob"], now, otp.Params{})); apiCode(err) != "AccessDenied" {
			t.Fatalf("bob's right code on node B while his device is throttled: %v, want AccessDenied", err)
		}
	})

	t.Run("a quota holds against creates on three nodes", func(t *testing.T) {
		sa := args
		mustIamd(t, append(append([]string{"quota", "set"}, sa...), testAccount, "UsersQuota", "10")...)
		// alice, bob and carol exist: 7 more may be created, whatever
		// node gets them.
		var ok, limited atomic.Int32
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := rootIAM(i%3).CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%02d", i))})
				switch {
				case err == nil:
					ok.Add(1)
				case apiCode(err) == "LimitExceeded":
					limited.Add(1)
				default:
					t.Errorf("CreateUser: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 7 || limited.Load() != 23 {
			t.Fatalf("30 CreateUser over three nodes under UsersQuota 10 (3 users already): %d created, %d refused; want 7 and 23", ok.Load(), limited.Load())
		}
	})
}
