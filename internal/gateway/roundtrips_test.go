package gateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestStoreRoundTrips counts what a request costs the store once the cache
// is warm: an authorised read asks the store nothing (the key, the
// principal, its policies, the user it names and the device list come
// from the cache), and GetSessionToken with an MFA code makes one write
// (the code's single-use step) besides reading the device.
func TestStoreRoundTrips(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		id, secret := e.user(ctx, root, "reader")
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("mfa-read"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListMFADevices"],"Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		serial, seed := e.device(ctx, root, "reader", "reader")
		reader := e.iam(id, secret, "")
		list := func(user string) int {
			in := &awsiam.ListMFADevicesInput{}
			if user != "" {
				in.UserName = aws.String(user)
			}
			out, err := reader.ListMFADevices(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return len(out.MFADevices)
		}
		list("")
		list("reader") // warm
		before := e.st.RoundTrips()
		if n := list("") + list("reader"); n != 2 {
			t.Fatalf("%d devices listed in two calls, want 1 each", n)
		}
		read := e.st.RoundTrips() - before
		t.Logf("ListMFADevices (authorised read, warm cache): %d store round trips for 2 calls", read)
		if read != 0 {
			t.Errorf("ListMFADevices with a warm cache: %d round trips for 2 calls, want 0", read)
		}

		st := e.sts(id, secret, "")
		e.clock.Advance(60e9)
		before = e.st.RoundTrips()
		if _, err := st.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(e.code(seed, 0))}); err != nil {
			t.Fatal(err)
		}
		gst := e.st.RoundTrips() - before
		t.Logf("GetSessionToken with MFA (warm cache): %d store round trips", gst)
		if gst > 2 {
			t.Errorf("GetSessionToken with MFA: %d round trips, want at most 2 (the device, its single-use write; the audit event is batched)", gst)
		}

		// The cached list follows a deactivation at once.
		if _, err := root.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("reader"), SerialNumber: aws.String(serial)}); err != nil {
			t.Fatal(err)
		}
		if n := list("reader"); n != 0 {
			t.Errorf("after DeactivateMFADevice the reader still lists %d devices", n)
		}
	})
}
