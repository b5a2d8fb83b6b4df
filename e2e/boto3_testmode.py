#!/usr/bin/env python3
"""boto3 against iamd in test mode, written the way moto users write theirs.

    python3 e2e/boto3_testmode.py [IAMD_BIN]

The iamd binary comes from the argument, else $IAMD_BIN, else it is built
from ./cmd/iamd. It is started with --test-mode on a free loopback port, on
the empty PostgreSQL database named by E2E_DATABASE_URL (else
IAMD_DATABASE_URL; with neither, or E2E_DATABASE_URL set empty, SQLite).

The tests know nothing of iamd but its endpoint: they sign with moto's
FOOBARKEY / FOOBARSECRET and POST /moto-api/reset before each test, as a
suite written for moto's server mode does. The MFA tests move iamd's test
clock (POST /_iamd/clock) to the next 30-second step instead of sleeping;
codes are still checked and single-use. Last, the pytest example of
docs/testing-with-iamd.md is run as it is written (with a minimal stand-in
for pytest when pytest is not installed). The last line is
"boto3_testmode: N passed, M failed".
"""

import json
import os
import re
import subprocess
import sys
import time
import types
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no e2e/__pycache__ from the import below

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import boto3_e2e  # noqa: E402
from boto3_e2e import b32decode, log, totp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ACCOUNT = "123456789012"


class TestModeServer(boto3_e2e.Server):
    """boto3_e2e's Server, started with --test-mode."""

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("IAMD_")}
        env["IAMD_DATABASE_URL"] = self.database_url
        for _ in range(3):
            self.port = self.free_port()
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--test-mode", "--addr", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir],
                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf)
            deadline = time.time() + 30
            while time.time() < deadline and self.proc.poll() is None:
                if self._listening() and self._healthy():
                    self.endpoint = "http://127.0.0.1:%d" % self.port
                    return
                time.sleep(0.1)
            if self.proc.poll() is None:
                raise RuntimeError("iamd did not answer /healthz within 30 s\n" + self.log_tail())
            if "address already in use" not in self.log_tail():
                raise RuntimeError("iamd exited with status %s\n%s" % (self.proc.returncode, self.log_tail()))
        raise RuntimeError("no free port in 3 tries")


def endpoint():
    return boto3_e2e.SERVER.endpoint


def http(method, path, body=None):
    """Returns (status, decoded JSON body) of an unsigned request."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint() + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def moto_client(service, key="FOOBARKEY", secret="FOOBARSECRET", token=None):
    """A client as a moto server-mode suite makes it."""
    return boto3.client(service, endpoint_url=endpoint(), region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def test_clock():
    """The test clock's time, as Unix seconds."""
    status, body = http("GET", "/_iamd/clock")
    assert status == 200, body
    return time.time() + body["offset_seconds"]


def advance(seconds):
    status, body = http("POST", "/_iamd/clock", {"advance_seconds": seconds})
    assert status == 200, body
    return time.time() + body["offset_seconds"]


class MotoStyleSuite(unittest.TestCase):
    """What a moto user's suite does, unchanged but for the endpoint."""

    def setUp(self):
        status, body = http("POST", "/moto-api/reset")
        self.assertEqual(200, status, body)
        self.iam = moto_client("iam")
        self.sts = moto_client("sts")

    def assertCode(self, code, fn, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        self.assertEqual(code, cm.exception.response["Error"]["Code"], cm.exception.response)

    def test_caller_is_test_admin(self):
        ident = self.sts.get_caller_identity()
        self.assertEqual(ACCOUNT, ident["Account"])
        self.assertEqual("arn:aws:iam::%s:user/test-admin" % ACCOUNT, ident["Arn"])
        att = self.iam.list_attached_user_policies(UserName="test-admin")["AttachedPolicies"]
        self.assertEqual(["AdministratorAccess"], [p["PolicyName"] for p in att])

    def test_a_fresh_account_holds_only_test_admin(self):
        self.assertEqual(["test-admin"], [u["UserName"] for u in self.iam.list_users()["Users"]])
        self.assertEqual([], self.iam.list_virtual_mfa_devices()["VirtualMFADevices"])
        self.assertEqual([], self.iam.list_policies(Scope="Local")["Policies"])

    def test_create_user_1(self):
        # This and the next test create the same user: the reset between
        # them forgets the first.
        self.iam.create_user(UserName="alice")
        self.iam.create_access_key(UserName="alice")
        self.iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}))

    def test_create_user_2(self):
        self.iam.create_user(UserName="alice")
        self.assertEqual(["alice", "test-admin"], sorted(u["UserName"] for u in self.iam.list_users()["Users"]))
        self.iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}))

    def test_reset_forgets_keys(self):
        self.iam.create_user(UserName="bob")
        key = self.iam.create_access_key(UserName="bob")["AccessKey"]
        bob = moto_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
        self.assertEqual("arn:aws:iam::%s:user/bob" % ACCOUNT, bob.get_caller_identity()["Arn"])
        self.assertEqual(200, http("POST", "/_iamd/reset")[0])
        self.assertCode("InvalidClientTokenId", bob.get_caller_identity)
        self.assertCode("NoSuchEntity", self.iam.get_user, UserName="bob")
        self.sts.get_caller_identity()  # FOOBARKEY is back at once

    def enable_device(self, user):
        """Creates user with a key and an enabled virtual device; returns
        (the user's STS client, serial, seed, the test clock's time)."""
        self.iam.create_user(UserName=user)
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        dev = self.iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        serial, seed = dev["SerialNumber"], b32decode(dev["Base32StringSeed"].decode())
        now = test_clock()
        self.iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                                   AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now))
        return moto_client("sts", key["AccessKeyId"], key["SecretAccessKey"]), serial, seed, now

    def test_mfa_session_by_advancing_the_clock(self):
        started = time.time()
        sts, serial, seed, now = self.enable_device("carol")
        # The code just used to enable the device is refused; the test
        # asks for the next step instead of sleeping for it.
        self.assertCode("AccessDenied", sts.get_session_token, SerialNumber=serial, TokenCode=totp(seed, now))
        later = advance(30)
        code = totp(seed, later)
        creds = sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
        self.assertCode("AccessDenied", sts.get_session_token, SerialNumber=serial, TokenCode=code)
        session = moto_client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        self.assertEqual("arn:aws:iam::%s:user/carol" % ACCOUNT, session.get_caller_identity()["Arn"])
        # Another step, another code: good once more.
        code = totp(seed, advance(30))
        sts.get_session_token(SerialNumber=serial, TokenCode=code)
        self.assertLess(time.time() - started, 20, "the test should not have slept for a step")

    def test_wrong_code_is_refused(self):
        sts, serial, seed, now = self.enable_device("dave")
        later = advance(30)
        good = totp(seed, later)
        wrong = "000000" if good != "000000" else "111111"
        self.assertCode("AccessDenied", sts.get_session_token, SerialNumber=serial, TokenCode=wrong)
        sts.get_session_token(SerialNumber=serial, TokenCode=good)

    def test_clock_moves_forward_only(self):
        status, body = http("GET", "/_iamd/clock")
        self.assertEqual(200, status)
        status, body = http("POST", "/_iamd/clock", {"set": "2001-01-01T00:00:00Z"})
        self.assertEqual(400, status, body)
        self.assertIn("forward", body["error"])
        status, body = http("POST", "/_iamd/clock", {"advance_seconds": -5})
        self.assertEqual(400, status, body)
        before = test_clock()
        ahead = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(before + 60))
        status, body = http("POST", "/_iamd/clock", {"set": ahead})
        self.assertEqual(200, status, body)
        self.assertGreaterEqual(test_clock(), before + 59)


# ---- the pytest example of docs/testing-with-iamd.md -------------------------------


def doc_pytest_example():
    """The first ```python block of the doc."""
    with open(os.path.join(REPO, "docs", "testing-with-iamd.md"), encoding="utf-8") as f:
        m = re.search(r"```python\n(.*?)```", f.read(), re.S)
    if not m:
        raise AssertionError("docs/testing-with-iamd.md has no python block")
    return m.group(1)


def fake_pytest():
    """Enough of pytest for the doc's example: fixtures (generators or not,
    by parameter name, "session" or per test)."""
    mod = types.ModuleType("pytest")

    def fixture(fn=None, scope="function"):
        def mark(f):
            f._fixture_scope = scope
            return f
        return mark(fn) if fn else mark
    mod.fixture = fixture
    return mod


def run_pytest_style(ns):
    """Runs the test_ functions of ns with their fixtures; returns the names
    run. Raises on the first failure."""
    import inspect
    session, ran = {}, []
    session_teardown = []

    def resolve(name, per_test, teardown):
        if name in session:
            return session[name]
        if name in per_test:
            return per_test[name]
        f = ns[name]
        args = [resolve(p, per_test, teardown) for p in inspect.signature(f).parameters]
        v = f(*args)
        if inspect.isgenerator(v):
            gen, v = v, next(v)
            (session_teardown if f._fixture_scope == "session" else teardown).append(gen)
        (session if f._fixture_scope == "session" else per_test)[name] = v
        return v

    try:
        for name, f in list(ns.items()):
            if not (name.startswith("test_") and callable(f)):
                continue
            per_test, teardown = {}, []
            try:
                f(*[resolve(p, per_test, teardown) for p in inspect.signature(f).parameters])
            finally:
                for gen in reversed(teardown):
                    next(gen, None)
            ran.append(name)
    finally:
        for gen in reversed(session_teardown):
            next(gen, None)
    return ran


class DocPytestExample(unittest.TestCase):
    """docs/testing-with-iamd.md's pytest fixture and tests, as written."""

    def test_doc_example_runs(self):
        src = doc_pytest_example()
        saved = {k: os.environ.get(k) for k in ("IAMD_BIN", "IAMD_DATABASE_URL")}
        try:
            import pytest  # noqa: F401
        except ImportError:
            sys.modules["pytest"] = fake_pytest()
        os.environ["IAMD_BIN"] = boto3_e2e.SERVER.binary
        os.environ.pop("IAMD_DATABASE_URL", None)  # its own server on SQLite
        try:
            ns = {"__name__": "doc_example"}
            exec(compile(src, "docs/testing-with-iamd.md", "exec"), ns)
            ran = run_pytest_style(ns)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        log("  doc example ran: " + ", ".join(ran))
        self.assertGreaterEqual(len(ran), 2, ran)


def main():
    boto3_e2e.Server = TestModeServer  # run() starts boto3_e2e.Server
    return boto3_e2e.run("boto3_testmode", [MotoStyleSuite, DocPytestExample])


if __name__ == "__main__":
    sys.exit(main())
