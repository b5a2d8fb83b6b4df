#!/usr/bin/env python3
"""End-to-end test of iamd with boto3 as the client.

    python3 e2e/boto3_e2e.py [IAMD_BIN]

The iamd binary comes from the argument, else $IAMD_BIN, else it is built
from ./cmd/iamd into a temporary directory. The server gets a fresh
temporary data dir and a free port on 127.0.0.1. It uses the empty
PostgreSQL database named by E2E_DATABASE_URL or, when that is unset,
IAMD_DATABASE_URL; with neither (or E2E_DATABASE_URL set empty) SQLite.

TOTP codes are computed here, from the seed iamd hands out, by an
independent RFC 6238 implementation, so a passing run cross-checks iamd's
codes. The last line is "boto3-e2e: N passed, M failed"; the exit status is
non-zero when anything failed.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

import boto3
import botocore.config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
INVALID_CODE_MESSAGE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
PERIOD = 30

# The HTTP status AWS answers each error code with; all are the sender's fault.
ERROR_STATUS = {
    "AccessDenied": 403,
    "DeleteConflict": 409,
    "EntityAlreadyExists": 409,
    "InvalidAuthenticationCode": 403,
    "InvalidClientTokenId": 403,
    "NoSuchEntity": 404,
}


# ---- RFC 4226 / RFC 6238 -----------------------------------------------------


def b32decode(seed):
    """Decodes a Base32 seed, tolerating lower case and missing padding."""
    s = seed.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key, counter, digits=6, digest=hashlib.sha1):
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp_step(step, key, digits=6, digest=hashlib.sha1):
    return hotp(key, step, digits, digest)


def totp(key, at, digits=6, digest=hashlib.sha1):
    return hotp(key, int(at) // PERIOD, digits, digest)


def current_step():
    return int(time.time()) // PERIOD


def sleep_until_step(step):
    """Sleeps until just after the given time step starts."""
    delay = step * PERIOD - time.time()
    if delay > 0:
        log("  (waiting %.1f s for time step %d)" % (delay + 0.3, step))
        time.sleep(delay + 0.3)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- the server ----------------------------------------------------------------


class Server:
    """A fresh iamd on a free port, with its own data dir."""

    def __init__(self, binary=None):
        self.tmp = tempfile.mkdtemp(prefix="iamd-boto3.")
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")
        self.data_dir = os.path.join(self.tmp, "data")
        if binary:
            self.binary = os.path.abspath(binary)
        else:
            self.binary = os.path.join(self.tmp, "iamd")
            log("building iamd")
            subprocess.run(["go", "build", "-o", self.binary, "./cmd/iamd"], cwd=REPO, check=True)
        # E2E_DATABASE_URL wins when set, even empty (SQLite).
        self.database_url = os.environ.get("E2E_DATABASE_URL", os.environ.get("IAMD_DATABASE_URL", ""))

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("IAMD_")}
        env["IAMD_DATABASE_URL"] = self.database_url
        for _ in range(3):
            self.port = self.free_port()
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--addr", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir],
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

    def _listening(self):
        want = '"msg":"listening","addr":"127.0.0.1:%d"' % self.port
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return want in f.read()

    def _healthy(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port, timeout=2) as r:
                return r.status == 200 and r.read().strip() == b"ok"
        except OSError:
            return False

    def root_credentials(self):
        path = os.path.join(self.data_dir, "root-credentials.json")
        if not os.path.exists(path):
            raise RuntimeError("%s was not written: is the database empty?" % path)
        with open(path) as f:
            return json.load(f)

    def log_tail(self, n=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


SERVER = None  # the running Server, set by run()


def client(service, key_id, secret, token=None):
    return boto3.session.Session().client(
        service, endpoint_url=SERVER.endpoint, region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token,
        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))


class ClientErrorAssertions:
    """assertClientError, for the suites' TestCases."""

    def assertClientError(self, code, fn, *args, message=None, message_part=None, **kwargs):
        """fn(*args, **kwargs) fails with code, AWS's HTTP status for it and
        Type Sender; the message is message, or contains message_part."""
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, "error %s" % err)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], ERROR_STATUS[code],
                         "HTTP status of %s" % code)
        self.assertEqual(err.get("Type"), "Sender", "Type of %s" % code)
        if message is not None:
            self.assertEqual(err.get("Message"), message)
        if message_part is not None:
            self.assertIn(message_part, err.get("Message", ""))
        return cm.exception


# ---- the tests -----------------------------------------------------------------


class TOTPImplementation(unittest.TestCase):
    """This file's own TOTP against RFC 6238's test vectors (appendix B)."""

    def test_rfc6238_vectors(self):
        vectors = [
            (59, "94287082", hashlib.sha1, b"12345678901234567890"),
            (1111111109, "07081804", hashlib.sha1, b"12345678901234567890"),
            (1234567890, "89005924", hashlib.sha1, b"12345678901234567890"),
            (20000000000, "65353130", hashlib.sha1, b"12345678901234567890"),
            (59, "46119246", hashlib.sha256, b"12345678901234567890123456789012"),
            (1111111111, "67062674", hashlib.sha256, b"12345678901234567890123456789012"),
            (59, "90693936", hashlib.sha512, b"1234567890123456789012345678901234567890123456789012345678901234"),
        ]
        for at, want, digest, key in vectors:
            self.assertEqual(totp(key, at, 8, digest), want, "TOTP(%d, %s)" % (at, digest().name))
        self.assertEqual(totp(b"12345678901234567890", 59), "287082")

    def test_base32_roundtrip(self):
        key = bytes(range(40))
        self.assertEqual(b32decode(base64.b32encode(key).decode().rstrip("=").lower()), key)


class VirtualMFAWalkthrough(ClientErrorAssertions, unittest.TestCase):
    """One account's story, in order: the tests share state and run by name."""

    state = {}

    @classmethod
    def setUpClass(cls):
        creds = SERVER.root_credentials()
        cls.account = creds["account_id"]
        cls.root_iam = client("iam", creds["access_key_id"], creds["secret_access_key"])
        cls.root_sts = client("sts", creds["access_key_id"], creds["secret_access_key"])
        cls.user_arn = "arn:aws:iam::%s:user/alice" % cls.account
        cls.serial = "arn:aws:iam::%s:mfa/alice" % cls.account
        cls.spare_serial = "arn:aws:iam::%s:mfa/spare" % cls.account

    # helpers

    def alice(self, service):
        s = self.state
        return client(service, s["key_id"], s["secret"])

    def key(self):
        return b32decode(self.state["seed"])

    # the story

    def test_01_root_caller_identity(self):
        r = self.root_sts.get_caller_identity()
        self.assertEqual(r["Arn"], "arn:aws:iam::%s:root" % self.account)
        self.assertEqual(r["Account"], self.account)

    def test_02_create_user_and_key(self):
        u = self.root_iam.create_user(UserName="alice")["User"]
        self.assertEqual(u["UserName"], "alice")
        self.assertEqual(u["Arn"], self.user_arn)
        self.assertRegex(u["UserId"], r"^AIDA[A-Z0-9]{17}$")
        k = self.root_iam.create_access_key(UserName="alice")["AccessKey"]
        self.assertRegex(k["AccessKeyId"], r"^AKIA[A-Z0-9]{16}$")
        self.assertEqual(len(k["SecretAccessKey"]), 40)
        self.assertEqual(k["Status"], "Active")
        self.state.update(key_id=k["AccessKeyId"], secret=k["SecretAccessKey"])
        r = self.alice("sts").get_caller_identity()
        self.assertEqual(r["Arn"], self.user_arn)

    def test_03_create_virtual_mfa_device(self):
        d = self.root_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
        self.assertEqual(d["SerialNumber"], self.serial)
        seed = d["Base32StringSeed"]
        self.assertIsInstance(seed, bytes)
        self.assertRegex(seed, rb"^[A-Z2-7]{64}$")
        self.assertEqual(len(b32decode(seed.decode())), 40)
        png = d["QRCodePNG"]
        self.assertIsInstance(png, bytes)
        self.assertTrue(png.startswith(PNG_MAGIC), png[:16])
        check_png(self, png)
        self.state["seed"] = seed.decode()

        spare = self.root_iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]
        self.assertEqual(spare["SerialNumber"], self.spare_serial)
        self.assertNotEqual(spare["Base32StringSeed"], seed, "two devices got the same seed")

    def test_04_device_name_taken(self):
        self.assertClientError("EntityAlreadyExists", self.root_iam.create_virtual_mfa_device,
                               VirtualMFADeviceName="alice")

    def test_05_enable_with_wrong_codes(self):
        # Consecutive codes of alice's seed are wrong for the spare device.
        t = current_step()
        self.assertClientError("InvalidAuthenticationCode", self.root_iam.enable_mfa_device,
                               UserName="alice", SerialNumber=self.spare_serial,
                               AuthenticationCode1=totp_step(t - 1, self.key()),
                               AuthenticationCode2=totp_step(t, self.key()))
        # Right device, codes in the wrong order.
        self.assertClientError("InvalidAuthenticationCode", self.root_iam.enable_mfa_device,
                               UserName="alice", SerialNumber=self.serial,
                               AuthenticationCode1=totp_step(t, self.key()),
                               AuthenticationCode2=totp_step(t - 1, self.key()))

    def test_06_enable_with_codes_computed_here(self):
        t = current_step()
        self.root_iam.enable_mfa_device(UserName="alice", SerialNumber=self.serial,
                                        AuthenticationCode1=totp_step(t - 1, self.key()),
                                        AuthenticationCode2=totp_step(t, self.key()))
        self.state["enabled_step"] = t
        ds = self.root_iam.list_mfa_devices(UserName="alice")["MFADevices"]
        self.assertEqual([d["SerialNumber"] for d in ds], [self.serial])
        self.assertEqual(ds[0]["UserName"], "alice")
        self.assertIsInstance(ds[0]["EnableDate"], datetime.datetime)

    def test_07_listings_never_carry_seeds(self):
        raw = []

        def keep(http_response, **_):
            raw.append(http_response.content)

        self.root_iam.meta.events.register("after-call.iam.ListVirtualMFADevices", keep)
        try:
            seen = {}
            for status in ("Any", "Assigned", "Unassigned"):
                ds = self.root_iam.list_virtual_mfa_devices(AssignmentStatus=status)["VirtualMFADevices"]
                seen[status] = sorted(d["SerialNumber"] for d in ds)
                for d in ds:
                    self.assertNotIn("Base32StringSeed", d)
                    self.assertNotIn("QRCodePNG", d)
                if status == "Assigned":
                    self.assertEqual(ds[0]["User"]["Arn"], self.user_arn)
            ds = self.root_iam.list_virtual_mfa_devices()["VirtualMFADevices"]
            seen["(none)"] = sorted(d["SerialNumber"] for d in ds)
        finally:
            self.root_iam.meta.events.unregister("after-call.iam.ListVirtualMFADevices", keep)
        self.assertEqual(seen, {"Any": [self.serial, self.spare_serial], "Assigned": [self.serial],
                                "Unassigned": [self.spare_serial], "(none)": [self.serial, self.spare_serial]})
        self.assertEqual(len(raw), 4)
        for body in raw:
            self.assertNotIn(b"Base32StringSeed", body)
            self.assertNotIn(b"QRCodePNG", body)
            self.assertNotIn(self.state["seed"].encode(), body)

    def test_08_alice_without_policies_is_denied(self):
        self.assertClientError("AccessDenied", self.alice("iam").list_users)

    def test_09_session_without_mfa_cannot_call_iam(self):
        c = self.alice("sts").get_session_token(DurationSeconds=900)["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        iam = client("iam", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertClientError("InvalidClientTokenId", iam.list_users)
        sts = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"], self.user_arn)

    def test_10_root_session_capped_at_an_hour(self):
        c = self.root_sts.get_session_token(DurationSeconds=7200)["Credentials"]
        left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        self.assertLessEqual(left, 3600)
        self.assertGreater(left, 3500)

    def test_11_enable_codes_do_not_sign_in(self):
        t = self.state["enabled_step"]
        self.assertClientError("AccessDenied", self.alice("sts").get_session_token,
                               SerialNumber=self.serial, TokenCode=totp_step(t, self.key()),
                               message=INVALID_CODE_MESSAGE)

    def test_12_session_with_mfa(self):
        # The enable used steps t-1 and t; a real user waits for the next code.
        sleep_until_step(self.state["enabled_step"] + 1)
        code = totp(self.key(), time.time())
        c = self.alice("sts").get_session_token(SerialNumber=self.serial, TokenCode=code)["Credentials"]
        self.state["code"] = code
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        self.assertEqual(len(c["SecretAccessKey"]), 40)
        self.assertTrue(c["SessionToken"])
        left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        self.assertGreater(left, 43200 - 120)  # the default 12 hours
        sts = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        r = sts.get_caller_identity()
        self.assertEqual(r["Arn"], self.user_arn)
        self.assertEqual(r["Account"], self.account)
        # With MFA the session is alice herself, who may not list users.
        iam = client("iam", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertClientError("AccessDenied", iam.list_users)
        # A session cannot mint another.
        self.assertClientError("AccessDenied", sts.get_session_token)

    def test_13_replay_refused(self):
        self.assertClientError("AccessDenied", self.alice("sts").get_session_token,
                               SerialNumber=self.serial, TokenCode=self.state["code"],
                               message=INVALID_CODE_MESSAGE)

    def test_14_wrong_code_refused(self):
        t = current_step()
        near = {totp_step(s, self.key()) for s in range(t - 3, t + 4)}
        wrong = next(c for c in (totp_step(t - 1000 - i, self.key()) for i in range(20)) if c not in near)
        self.assertClientError("AccessDenied", self.alice("sts").get_session_token,
                               SerialNumber=self.serial, TokenCode=wrong, message=INVALID_CODE_MESSAGE)
        # The spare device is not alice's.
        self.assertClientError("AccessDenied", self.alice("sts").get_session_token,
                               SerialNumber=self.spare_serial, TokenCode=totp(self.key(), time.time()))

    def test_15_resync_learns_drift(self):
        # A device running 3 steps fast: its code is outside the window...
        t = current_step()
        self.assertClientError("AccessDenied", self.alice("sts").get_session_token,
                               SerialNumber=self.serial, TokenCode=totp_step(t + 4, self.key()),
                               message=INVALID_CODE_MESSAGE)
        # ...until a resync with two consecutive codes teaches iamd the drift.
        self.root_iam.resync_mfa_device(UserName="alice", SerialNumber=self.serial,
                                        AuthenticationCode1=totp_step(t + 2, self.key()),
                                        AuthenticationCode2=totp_step(t + 3, self.key()))
        c = self.alice("sts").get_session_token(SerialNumber=self.serial,
                                                TokenCode=totp_step(t + 4, self.key()))["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA")

    def test_16_delete_user_with_device_conflicts(self):
        self.root_iam.delete_access_key(UserName="alice", AccessKeyId=self.state["key_id"])
        e = self.assertClientError("DeleteConflict", self.root_iam.delete_user, UserName="alice")
        self.assertIn("MFA device", e.response["Error"]["Message"])
        self.assertClientError("DeleteConflict", self.root_iam.delete_virtual_mfa_device,
                               SerialNumber=self.serial)

    def test_17_deactivate_and_clean_up(self):
        self.root_iam.deactivate_mfa_device(UserName="alice", SerialNumber=self.serial)
        ds = self.root_iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
        self.assertEqual(sorted(d["SerialNumber"] for d in ds), [self.serial, self.spare_serial])
        self.assertEqual(self.root_iam.list_mfa_devices(UserName="alice")["MFADevices"], [])
        for serial in (self.serial, self.spare_serial):
            self.root_iam.delete_virtual_mfa_device(SerialNumber=serial)
        self.root_iam.delete_user(UserName="alice")
        self.assertClientError("NoSuchEntity", self.root_iam.get_user, UserName="alice")
        self.assertEqual(self.root_iam.list_virtual_mfa_devices()["VirtualMFADevices"], [])
        summary = self.root_iam.get_account_summary()["SummaryMap"]
        self.assertIs(type(summary["Users"]), int)
        self.assertEqual(summary["Users"], 0)
        self.assertEqual(summary["MFADevices"], 0)
        self.assertEqual(summary["MFADevicesInUse"], 0)


def check_png(tc, png):
    """Walks the PNG's chunks, checking each CRC, the header and the end."""
    pos, kinds = len(PNG_MAGIC), []
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        tc.assertEqual(zlib.crc32(kind + data), crc, "CRC of the %s chunk" % kind)
        kinds.append(kind)
        pos += 12 + length
    tc.assertEqual(kinds[0], b"IHDR")
    tc.assertEqual(kinds[-1], b"IEND")
    tc.assertIn(b"IDAT", kinds)
    width, height = struct.unpack(">II", png[16:24])
    tc.assertGreater(width, 20)
    tc.assertEqual(width, height, "a QR code is square")


def run(name, test_classes, binary=None):
    """Starts a fresh iamd (binary, else IAMD_BIN, else built), runs the
    TestCases against it, prints "NAME: N passed, M failed" last and returns
    the exit status."""
    global SERVER
    if binary is None:
        binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("IAMD_BIN")
    started = time.time()
    SERVER = Server(binary)
    try:
        SERVER.start()
        log("iamd %s on %s (%s)" % (SERVER.binary, SERVER.endpoint,
                                    "PostgreSQL" if SERVER.database_url else "SQLite"))
        loader = unittest.TestLoader()
        suite = unittest.TestSuite([loader.loadTestsFromTestCase(c) for c in test_classes])
        result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(suite)
        failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
        passed = result.testsRun - failed - len(result.skipped)
        if failed:
            log("--- server log (last 30 lines) ---\n" + SERVER.log_tail())
    except Exception as e:  # the server did not start
        log("%s: %s" % (name, e))
        passed, failed = 0, 1
    finally:
        SERVER.cleanup()
    log("(took %.0f s)" % (time.time() - started))
    print("%s: %d passed, %d failed" % (name, passed, failed), flush=True)
    return 1 if failed else 0


def main():
    return run("boto3-e2e", [TOTPImplementation, VirtualMFAWalkthrough])


if __name__ == "__main__":
    sys.exit(main())
