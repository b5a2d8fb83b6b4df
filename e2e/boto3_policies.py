#!/usr/bin/env python3
"""aws:MultiFactorAuthPresent against a live iamd, with boto3 as the client.

    python3 e2e/boto3_policies.py [IAMD_BIN]

The iamd binary comes from the argument, else $IAMD_BIN, else it is built
from ./cmd/iamd into a temporary directory. The server gets a fresh
temporary data dir and a free port on 127.0.0.1. It uses the empty
PostgreSQL database named by E2E_DATABASE_URL or, when that is unset,
IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty) SQLite.

One user per condition operator: each has an inline policy allowing
iam:GetUser on its own ARN under Bool or BoolIfExists, "true" or "false",
on aws:MultiFactorAuthPresent, and calls GetUser with
  (a) its long-term access key          (the key is absent),
  (b) GetSessionToken without MFA       (IAM refuses these: InvalidClientTokenId),
  (c) GetSessionToken with MFA          (the key is "true"),
and the answers must follow the truth table of the reference (§8.2). The
"false" row, which IAM itself never sees, is checked with
SimulatePrincipalPolicy. Two more users show that Deny + BoolIfExists
"false" blocks long-term keys and Deny + Bool "false" does not.

TOTP codes are computed here (boto3_e2e's RFC 6238 implementation). Each
device is enabled with the codes of the two previous steps, so the current
step's code signs in at once and the suite never waits. The last line is
"boto3-policies: N passed, M failed"; the exit status is non-zero when
anything failed.
"""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # no e2e/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boto3_e2e  # noqa: E402
from boto3_e2e import ClientErrorAssertions, b32decode, client, current_step, totp, totp_step  # noqa: E402

# The four Allow variants: (condition operator, value) and, per §8.2, whether
# the condition matches when aws:MultiFactorAuthPresent is absent (long-term
# keys), "false" (temporary credentials without MFA) and "true" (with MFA).
VARIANTS = {
    "bool-true": ("Bool", "true", {"absent": False, "false": False, "true": True}),
    "bool-false": ("Bool", "false", {"absent": False, "false": True, "true": False}),
    "boolifexists-true": ("BoolIfExists", "true", {"absent": True, "false": False, "true": True}),
    "boolifexists-false": ("BoolIfExists", "false", {"absent": True, "false": True, "true": False}),
}


def allow_get_user(operator, value):
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowGetUserOnSelf",
            "Effect": "Allow",
            "Action": "iam:GetUser",
            "Resource": "arn:aws:iam::*:user/${aws:username}",
            "Condition": {operator: {"aws:MultiFactorAuthPresent": value}},
        }],
    }


def deny_without_mfa(operator):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowGetUserOnSelf", "Effect": "Allow", "Action": "iam:GetUser",
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "DenyAllWithoutMFA", "Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}}},
        ],
    }


class Identity:
    """A user with an access key, an enabled virtual device and sessions."""

    def __init__(self, root_iam, account, name, document):
        self.name = name
        self.arn = "arn:aws:iam::%s:user/%s" % (account, name)
        self.serial = "arn:aws:iam::%s:mfa/%s" % (account, name)
        root_iam.create_user(UserName=name)
        root_iam.put_user_policy(UserName=name, PolicyName="policy", PolicyDocument=json.dumps(document))
        k = root_iam.create_access_key(UserName=name)["AccessKey"]
        self.key = (k["AccessKeyId"], k["SecretAccessKey"])
        d = root_iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        self.seed = b32decode(d["Base32StringSeed"].decode())
        # The codes of the two previous steps: the current one stays free.
        t = current_step()
        root_iam.enable_mfa_device(UserName=name, SerialNumber=self.serial,
                                   AuthenticationCode1=totp_step(t - 2, self.seed),
                                   AuthenticationCode2=totp_step(t - 1, self.seed))
        self._sessions = {}

    def iam(self, creds):
        """An IAM client with 'long-term', 'no-mfa' or 'mfa' credentials."""
        if creds == "long-term":
            return client("iam", *self.key)
        if creds not in self._sessions:
            sts = client("sts", *self.key)
            if creds == "mfa":
                c = sts.get_session_token(SerialNumber=self.serial, TokenCode=totp(self.seed, time.time()))
            else:
                c = sts.get_session_token(DurationSeconds=900)
            c = c["Credentials"]
            self._sessions[creds] = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        return client("iam", *self._sessions[creds])


class PolicyTest(ClientErrorAssertions, unittest.TestCase):
    identities = {}

    @classmethod
    def setUpClass(cls):
        creds = boto3_e2e.SERVER.root_credentials()
        cls.account = creds["account_id"]
        cls.root_iam = client("iam", creds["access_key_id"], creds["secret_access_key"])

    @classmethod
    def identity(cls, name, document):
        if name not in cls.identities:
            cls.identities[name] = Identity(cls.root_iam, cls.account, name, document)
        return cls.identities[name]

    def assertGetUser(self, who, creds, allowed, why=None):
        iam = who.iam(creds)
        if allowed:
            u = iam.get_user(UserName=who.name)["User"]
            self.assertEqual(u["Arn"], who.arn)
            # Without UserName, GetUser is about the caller: the same resource.
            self.assertEqual(iam.get_user()["User"]["Arn"], who.arn)
        else:
            self.assertClientError("AccessDenied", iam.get_user, UserName=who.name,
                                   message_part="User: %s is not authorized to perform: iam:GetUser on resource: %s %s"
                                   % (who.arn, who.arn, why or "because no identity-based policy allows"))


class TruthTable(PolicyTest):
    """Allow iam:GetUser under each operator; the cases are generated below."""

    def variant(self, name):
        operator, value, _ = VARIANTS[name]
        return self.identity(name, allow_get_user(operator, value))

    def test_simulated_rows(self):
        # All three rows of §8.2 for each operator, the "false" row included,
        # through SimulatePrincipalPolicy.
        for name, (operator, value, matches) in VARIANTS.items():
            who = self.variant(name)
            for row, want in matches.items():
                with self.subTest(variant=name, context=row):
                    kw = {}
                    if row != "absent":
                        kw["ContextEntries"] = [{"ContextKeyName": "aws:MultiFactorAuthPresent",
                                                 "ContextKeyValues": [row], "ContextKeyType": "boolean"}]
                    r = self.root_iam.simulate_principal_policy(PolicySourceArn=who.arn, ActionNames=["iam:GetUser"],
                                                                ResourceArns=[who.arn], **kw)
                    decision = r["EvaluationResults"][0]["EvalDecision"]
                    self.assertEqual(decision, "allowed" if want else "implicitDeny",
                                     "%s %s with the key %s" % (operator, value, row))


def _make_case(name, creds):
    operator, value, matches = VARIANTS[name]

    def test(self):
        who = self.variant(name)
        if creds == "no-mfa":
            # IAM refuses sessions without MFA whatever the policy says.
            self.assertClientError("InvalidClientTokenId", who.iam(creds).get_user, UserName=who.name)
            sts = client("sts", *who._sessions["no-mfa"])
            self.assertEqual(sts.get_caller_identity()["Arn"], who.arn)
        else:
            self.assertGetUser(who, creds, matches["absent" if creds == "long-term" else "true"])

    test.__doc__ = "Allow + %s {aws:MultiFactorAuthPresent: %s}, %s credentials" % (operator, value, creds)
    return test


for _i, _name in enumerate(VARIANTS):
    for _j, _creds in enumerate(("long-term", "no-mfa", "mfa")):
        setattr(TruthTable, "test_%d%d_%s_%s" % (_i, _j, _name.replace("-", "_"), _creds.replace("-", "_")),
                _make_case(_name, _creds))


class DenyWithoutMFA(PolicyTest):
    """AWS's advice: Deny + BoolIfExists "false", not Deny + Bool "false"."""

    def test_deny_boolifexists_false_blocks_long_term_keys(self):
        who = self.identity("deny-boolifexists-false", deny_without_mfa("BoolIfExists"))
        self.assertGetUser(who, "long-term", False, "with an explicit deny in an identity-based policy")
        self.assertClientError("InvalidClientTokenId", who.iam("no-mfa").get_user)
        self.assertGetUser(who, "mfa", True)
        r = self.root_iam.simulate_principal_policy(PolicySourceArn=who.arn, ActionNames=["iam:GetUser"],
                                                    ResourceArns=[who.arn])
        self.assertEqual(r["EvaluationResults"][0]["EvalDecision"], "explicitDeny")

    def test_deny_bool_false_does_not_block_long_term_keys(self):
        who = self.identity("deny-bool-false", deny_without_mfa("Bool"))
        self.assertGetUser(who, "long-term", True)
        self.assertGetUser(who, "mfa", True)
        r = self.root_iam.simulate_principal_policy(
            PolicySourceArn=who.arn, ActionNames=["iam:GetUser"], ResourceArns=[who.arn],
            ContextEntries=[{"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["false"],
                             "ContextKeyType": "boolean"}])
        self.assertEqual(r["EvaluationResults"][0]["EvalDecision"], "explicitDeny")


def main():
    return boto3_e2e.run("boto3-policies", [TruthTable, DenyWithoutMFA])


if __name__ == "__main__":
    sys.exit(main())
