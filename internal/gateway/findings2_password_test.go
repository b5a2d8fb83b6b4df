package gateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestChangePasswordThrottledOverTheWire (finding 10 of issue 9): after five
// wrong old passwords the SDK sees LimitExceeded (409), for the right old
// password as for a wrong one.
func TestChangePasswordThrottledOverTheWire(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := aws.String
		root := e.iam(rootKeyID, rootSecret, "")
		id, secret := e.user(ctx, root, "alice")
		if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: s("alice"), Password: s("Password01!")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{
			AllowUsersToChangePassword: true}); err != nil {
			t.Fatal(err)
		}
		alice := e.iam(id, secret, "")
		for range 5 {
			_, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: s("Wrong-password1"), NewPassword: s("Password02!")})
			wantAPIError(t, "wrong old password", err, "InvalidInput", 400, "The old password was incorrect.")
		}
		const msg = "Password change attempt limit exceeded, please try again later."
		_, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: s("Password01!"), NewPassword: s("Password02!")})
		wantAPIError(t, "right old password while throttled", err, "LimitExceeded", 409, msg)
		_, err = alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: s("Wrong-password1"), NewPassword: s("Password02!")})
		wantAPIError(t, "wrong old password while throttled", err, "LimitExceeded", 409, msg)
	})
}
