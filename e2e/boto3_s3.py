#!/usr/bin/env python3
"""S3 with MFA Delete against a live iamd, with boto3 as the client.

    python3 e2e/boto3_s3.py [IAMD_BIN]

The iamd binary comes from the argument, else $IAMD_BIN, else it is built
from ./cmd/iamd into a temporary directory. The server gets a fresh
temporary data dir, a free port on 127.0.0.1 and a self-signed certificate
made here with openssl: boto3 talks HTTPS to it (verify= the certificate),
as AWS requires for x-amz-mfa, and so puts objects as aws-chunked bodies
with checksum trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER), the case the
checks of the payload modes look at. The last class restarts the server on
the same store over plain HTTP, where x-amz-mfa is refused unless iamd runs
with --allow-insecure-mfa-header. It uses the empty PostgreSQL database
named by E2E_DATABASE_URL or, when that is unset, IAMD_DATABASE_URL; with
neither (or E2E_DATABASE_URL set empty) SQLite.

Root's MFA device comes from `iamd account root-mfa`; its codes are
computed here (boto3_e2e's RFC 6238 implementation). Each accepted
x-amz-mfa spends its 30-second step, so the next accepted one waits for a
later step when it has to. At the end the audit trail is exported and
scanned (e2e/audit_scan.py) for root's seed and every x-amz-mfa value sent.
The last line is "boto3-s3: N passed, M failed"; the exit status is
non-zero when anything failed.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request
import ssl

sys.dont_write_bytecode = True  # no e2e/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boto3  # noqa: E402
import boto3.s3.transfer  # noqa: E402
import botocore.config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import boto3_e2e  # noqa: E402
from boto3_e2e import b32decode, current_step, log, sleep_until_step, totp_step  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MFA_REQUIRED = "Mfa Authentication must be used for this request"
ONLY_ROOT = "Only the bucket owner's root user can use its MFA device for MFA Delete."
CODE_REFUSED = "The MFA code in the x-amz-mfa header was not accepted."
BUCKET = "boto3-records"
MiB = 1 << 20

SECRETS = []  # what the audit trail must never hold: root's seed, x-amz-mfa values


def crc32c(data):
    """CRC-32C (Castagnoli), bitwise: botocore needs awscrt for it."""
    crc = 0xFFFFFFFF
    table = crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


crc32c.table = _crc32c_table()


def b64(raw):
    return base64.b64encode(raw).decode()


class Server(boto3_e2e.Server):
    """boto3_e2e's server, with HTTPS (a certificate made here) or plain
    HTTP, and further serve arguments."""

    def __init__(self, binary=None):
        super().__init__(binary)
        self.cert = os.path.join(self.tmp, "tls-cert.pem")
        self.key = os.path.join(self.tmp, "tls-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)
        self.tls = True
        self.args = []

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("IAMD_")}
        env["IAMD_DATABASE_URL"] = self.database_url
        args = list(self.args)
        if self.tls:
            args += ["--tls-cert", self.cert, "--tls-key", self.key]
        scheme = "https" if self.tls else "http"
        for _ in range(3):
            self.port = self.free_port()
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--addr", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir] + args,
                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf)
            self.endpoint = "%s://127.0.0.1:%d" % (scheme, self.port)
            deadline = time.time() + 30
            while time.time() < deadline and self.proc.poll() is None:
                if self._listening() and self._healthy():
                    log("iamd on %s %s" % (self.endpoint, " ".join(self.args)))
                    return
                time.sleep(0.1)
            if self.proc.poll() is None:
                raise RuntimeError("iamd did not answer /healthz within 30 s\n" + self.log_tail())
            if "address already in use" not in self.log_tail():
                raise RuntimeError("iamd exited with status %s\n%s" % (self.proc.returncode, self.log_tail()))
        raise RuntimeError("no free port in 3 tries")

    def _healthy(self):
        ctx = ssl.create_default_context(cafile=self.cert) if self.tls else None
        try:
            with urllib.request.urlopen(self.endpoint + "/healthz", timeout=2, context=ctx) as r:
                return r.status == 200 and r.read().strip() == b"ok"
        except OSError:
            return False

    def restart(self, tls, args=()):
        self.stop()
        self.tls, self.args = tls, list(args)
        self.start()

    def iamd(self, *args):
        """Runs an iamd command on the server's store; returns its stdout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("IAMD_")}
        env.update(IAMD_DATA_DIR=self.data_dir, IAMD_DATABASE_URL=self.database_url)
        p = subprocess.run([self.binary] + list(args), env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("iamd %s: %s" % (" ".join(args), p.stderr))
        return p.stdout


SERVER = None


def client(service, key_id, secret, token=None):
    return boto3.session.Session().client(
        service, endpoint_url=SERVER.endpoint, region_name="us-east-1", verify=SERVER.cert if SERVER.tls else None,
        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token,
        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                      s3={"addressing_style": "path"}))


class Root:
    """The account's root user and its MFA device, made once."""

    _made = None

    @classmethod
    def get(cls):
        if cls._made is None:
            cls._made = cls()
        return cls._made

    def __init__(self):
        creds = SERVER.root_credentials()
        self.account = creds["account_id"]
        self.key = (creds["access_key_id"], creds["secret_access_key"])
        SECRETS.append(creds["secret_access_key"])
        out = dict(line.split(None, 1) for line in SERVER.iamd("account", "root-mfa", self.account).splitlines()
                   if line.strip())
        self.serial = out["serial_number"].strip()
        seed = out["base32_string_seed"].strip()
        SECRETS.append(seed)
        self.seed = b32decode(seed)
        self.last = 0  # the last step whose code iamd accepted

    def s3(self):
        return client("s3", *self.key)

    def fresh_step(self, margin=10):
        """A step whose code is unused and taken for margin more seconds."""
        t = current_step()
        if t <= self.last or (t + 2) * 30 - time.time() < margin:
            sleep_until_step(t + 1)
            t = current_step()
        return t

    def header(self, step):
        """x-amz-mfa with the code of step, remembered for the audit scan."""
        h = "%s %s" % (self.serial, totp_step(step, self.seed))
        SECRETS.append(h)
        return h


class S3Assertions:
    def assertS3Error(self, code, status, fn, *args, message=None, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        r = cm.exception.response
        self.assertEqual(r["Error"]["Code"], code, "error %s" % r["Error"])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], status, "HTTP status of %s" % code)
        if message is not None:
            self.assertEqual(r["Error"].get("Message"), message)
        return r

    def body(self, s3, key, version=None, bucket=BUCKET):
        kw = {"VersionId": version} if version else {}
        return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()

    def versions(self, s3, prefix, bucket=BUCKET):
        """[(VersionId or "marker:"+VersionId, IsLatest)], versions first."""
        r = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        return ([(v["VersionId"], v["IsLatest"]) for v in r.get("Versions", [])] +
                [("marker:" + m["VersionId"], m["IsLatest"]) for m in r.get("DeleteMarkers", [])])


class MFADelete(S3Assertions, unittest.TestCase):
    """The issue's rules, in order: each test builds on the one before."""

    @classmethod
    def setUpClass(cls):
        cls.root = Root.get()
        cls.s3 = cls.root.s3()
        cls.s3.create_bucket(Bucket=BUCKET)
        cls.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        cls.ids = [cls.s3.put_object(Bucket=BUCKET, Key="ledger.csv", Body=b"revision %d\n" % i)["VersionId"]
                   for i in range(3)]

    def put_versioning(self, s3, status, mfa_delete, mfa=None):
        kw = {"MFA": mfa} if mfa is not None else {}
        return s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": status, "MFADelete": mfa_delete},
                                        **kw)

    def delete_version(self, s3, version, mfa=None, key="ledger.csv"):
        kw = {"MFA": mfa} if mfa is not None else {}
        return s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version, **kw)

    def test_00_three_versions(self):
        self.assertEqual(len(set(self.ids)), 3)
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=BUCKET).get("MFADelete"), None)

    def test_01_enable_mfa_delete_with_a_code(self):
        self.assertS3Error("AccessDenied", 403, self.put_versioning, self.s3, "Enabled", "Enabled", message=MFA_REQUIRED)
        r = self.assertS3Error("InvalidArgument", 400, self.put_versioning, self.s3, "Enabled", "Enabled",
                               mfa=self.root.serial)
        self.assertEqual(r["Error"].get("ArgumentName"), "x-amz-mfa")
        t = self.root.fresh_step()
        type(self).enable_header = self.root.header(t)
        self.put_versioning(self.s3, "Enabled", "Enabled", mfa=self.enable_header)
        self.root.last = t
        v = self.s3.get_bucket_versioning(Bucket=BUCKET)
        self.assertEqual((v["Status"], v["MFADelete"]), ("Enabled", "Enabled"))

    def test_02_permanent_delete_without_a_code(self):
        self.assertS3Error("AccessDenied", 403, self.delete_version, self.s3, self.ids[0], message=MFA_REQUIRED)
        self.assertEqual(self.body(self.s3, "ledger.csv", self.ids[0]), b"revision 0\n")

    def test_03_permanent_delete_with_a_wrong_code(self):
        good = totp_step(current_step(), self.root.seed)
        wrong = "%06d" % ((int(good) + 500000) % 10**6)
        SECRETS.append("%s %s" % (self.root.serial, wrong))
        self.assertS3Error("AccessDenied", 403, self.delete_version, self.s3, self.ids[0],
                           mfa="%s %s" % (self.root.serial, wrong), message=CODE_REFUSED)
        self.assertEqual(self.body(self.s3, "ledger.csv", self.ids[0]), b"revision 0\n")

    def test_04_permanent_delete_with_a_replayed_code(self):
        self.assertS3Error("AccessDenied", 403, self.delete_version, self.s3, self.ids[0], mfa=self.enable_header,
                           message=CODE_REFUSED)
        self.assertEqual(self.body(self.s3, "ledger.csv", self.ids[0]), b"revision 0\n")

    def test_05_permanent_delete_with_a_fresh_code(self):
        t = self.root.fresh_step()
        h = self.root.header(t)
        r = self.delete_version(self.s3, self.ids[0], mfa=h)
        self.root.last = t
        self.assertEqual(r["VersionId"], self.ids[0])
        self.assertS3Error("NoSuchVersion", 404, self.body, self.s3, "ledger.csv", self.ids[0])
        self.assertS3Error("AccessDenied", 403, self.delete_version, self.s3, self.ids[1], mfa=h, message=CODE_REFUSED)

    def test_06_delete_marker_needs_no_code(self):
        r = self.s3.delete_object(Bucket=BUCKET, Key="ledger.csv")
        self.assertTrue(r["DeleteMarker"])
        type(self).marker = r["VersionId"]
        self.assertS3Error("NoSuchKey", 404, self.body, self.s3, "ledger.csv")
        self.assertEqual(self.body(self.s3, "ledger.csv", self.ids[2]), b"revision 2\n")
        self.assertEqual(self.versions(self.s3, "ledger.csv"),
                         [(self.ids[2], False), (self.ids[1], False), ("marker:" + self.marker, True)])

    def test_07_delete_objects_without_a_code_refused_whole(self):
        self.s3.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"notes")
        before = self.versions(self.s3, "")
        self.assertS3Error("AccessDenied", 403, self.s3.delete_objects, Bucket=BUCKET, Delete={"Objects": [
            {"Key": "ledger.csv", "VersionId": self.ids[1]}, {"Key": "notes.txt"}]}, message=MFA_REQUIRED)
        self.assertEqual(self.versions(self.s3, ""), before, "a refused DeleteObjects removed nothing")

    def test_08_iam_user_with_s3_all_cannot_disable_or_destroy(self):
        iam = client("iam", *self.root.key)
        iam.create_user(UserName="ops")
        iam.put_user_policy(UserName="ops", PolicyName="s3-all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName="ops")["AccessKey"]
        SECRETS.append(k["SecretAccessKey"])
        ops = client("s3", k["AccessKeyId"], k["SecretAccessKey"])
        self.assertEqual(self.body(ops, "ledger.csv", self.ids[1]), b"revision 1\n")
        t = self.root.fresh_step(20)
        h = self.root.header(t)
        for status, mfa_delete in (("Enabled", "Disabled"), ("Suspended", "Enabled"), ("Suspended", "Disabled")):
            with self.subTest(status=status, mfa_delete=mfa_delete):
                self.assertS3Error("AccessDenied", 403, self.put_versioning, ops, status, mfa_delete, mfa=h,
                                   message=ONLY_ROOT)
        self.assertS3Error("AccessDenied", 403, self.put_versioning, ops, "Enabled", "Disabled", message=MFA_REQUIRED)
        self.assertS3Error("AccessDenied", 403, self.delete_version, ops, self.ids[1], mfa=h, message=ONLY_ROOT)
        self.assertS3Error("AccessDenied", 403, self.delete_version, ops, self.ids[1], message=MFA_REQUIRED)
        self.assertS3Error("AccessDenied", 403, ops.delete_objects, Bucket=BUCKET, MFA=h,
                           Delete={"Objects": [{"Key": "ledger.csv", "VersionId": self.ids[1]}]})
        v = self.s3.get_bucket_versioning(Bucket=BUCKET)
        self.assertEqual((v["Status"], v["MFADelete"]), ("Enabled", "Enabled"))
        # Temporary credentials with x-amz-mfa, even root's.
        c = client("sts", *self.root.key).get_session_token(DurationSeconds=900)["Credentials"]
        SECRETS.extend([c["SecretAccessKey"], c["SessionToken"]])
        session = client("s3", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertS3Error("InvalidRequest", 400, self.delete_version, session, self.ids[1], mfa=h,
                           message="DevPay and Mfa are mutually exclusive authorization methods.")
        # None of that spent the code: root's DeleteObjects takes it.
        r = self.s3.delete_objects(Bucket=BUCKET, MFA=h, Delete={"Objects": [
            {"Key": "ledger.csv", "VersionId": self.ids[1]}, {"Key": "notes.txt"}]})
        self.root.last = t
        self.assertEqual(r.get("Errors", []), [])
        self.assertEqual(sorted((d["Key"], d.get("VersionId"), d.get("DeleteMarker", False)) for d in r["Deleted"]),
                         [("ledger.csv", self.ids[1], False), ("notes.txt", None, True)])
        self.assertEqual(self.versions(self.s3, "ledger.csv"), [(self.ids[2], False), ("marker:" + self.marker, True)])


class Objects(S3Assertions, unittest.TestCase):
    """Bodies as boto3 sends them over HTTPS: aws-chunked with trailers."""

    @classmethod
    def setUpClass(cls):
        cls.s3 = Root.get().s3()
        cls.s3.create_bucket(Bucket="boto3-blobs")
        cls.sent = []
        cls.s3.meta.events.register("before-send.s3.PutObject", cls._keep_headers)

    @classmethod
    def _keep_headers(cls, request, **_):
        cls.sent.append({k.lower(): v for k, v in request.headers.items()})

    def last_sent(self):
        h = self.sent[-1]
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h.items()}

    def test_upload_and_download_file_single_put(self):
        data = os.urandom(20 * MiB + 12345)
        src = os.path.join(SERVER.tmp, "big.bin")
        dst = os.path.join(SERVER.tmp, "big.out")
        with open(src, "wb") as f:
            f.write(data)
        # iamd has no multipart upload: one PUT (and one GET), whatever the size.
        cfg = boto3.s3.transfer.TransferConfig(multipart_threshold=1 << 30)
        self.s3.upload_file(src, "boto3-blobs", "big.bin", Config=cfg)
        h = self.last_sent()
        self.assertEqual(h.get("x-amz-content-sha256"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        self.assertIn("aws-chunked", h.get("content-encoding", ""))
        self.assertEqual(h.get("x-amz-decoded-content-length"), str(len(data)))
        self.assertIn("x-amz-checksum-", h.get("x-amz-trailer", ""))
        head = self.s3.head_object(Bucket="boto3-blobs", Key="big.bin")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertEqual(head["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.s3.download_file("boto3-blobs", "big.bin", dst, Config=cfg)
        with open(dst, "rb") as f:
            self.assertTrue(f.read() == data, "downloaded bytes differ")

    def test_put_object_sha256_trailer(self):
        data = os.urandom(3 * MiB + 1)
        r = self.s3.put_object(Bucket="boto3-blobs", Key="sha256.bin", Body=data, ChecksumAlgorithm="SHA256")
        h = self.last_sent()
        self.assertEqual(h.get("x-amz-content-sha256"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        self.assertEqual(h.get("x-amz-trailer"), "x-amz-checksum-sha256")
        want = b64(hashlib.sha256(data).digest())
        self.assertEqual(r["ChecksumSHA256"], want)
        # botocore validates the body against the checksum it gets back.
        g = self.s3.get_object(Bucket="boto3-blobs", Key="sha256.bin", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumSHA256"], want)
        self.assertEqual(g["Body"].read(), data)

    def test_put_object_crc32c(self):
        # botocore computes CRC32C only with awscrt; without it, the value
        # computed here goes as the x-amz-checksum-crc32c header.
        data = os.urandom(MiB + 7)
        want = b64(crc32c(data).to_bytes(4, "big"))
        r = self.s3.put_object(Bucket="boto3-blobs", Key="crc32c.bin", Body=data, ChecksumCRC32C=want)
        self.assertEqual(self.last_sent().get("x-amz-checksum-crc32c"), want)
        self.assertEqual(r["ChecksumCRC32C"], want)
        g = self.s3.get_object(Bucket="boto3-blobs", Key="crc32c.bin", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32C"], want)
        self.assertEqual(b64(crc32c(g["Body"].read()).to_bytes(4, "big")), want)
        self.assertS3Error("BadDigest", 400, self.s3.put_object, Bucket="boto3-blobs", Key="crc32c.bin", Body=data + b"!",
                           ChecksumCRC32C=want)
        self.assertEqual(len(self.s3.list_object_versions(Bucket="boto3-blobs", Prefix="crc32c.bin")["Versions"]), 1,
                         "a refused put stores nothing")

    def test_put_object_default_crc32_and_content_md5(self):
        data = b"x" * 100000
        r = self.s3.put_object(Bucket="boto3-blobs", Key="md5.bin", Body=data,
                               ContentMD5=b64(hashlib.md5(data).digest()))
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertS3Error("BadDigest", 400, self.s3.put_object, Bucket="boto3-blobs", Key="md5.bin", Body=data,
                           ContentMD5=b64(hashlib.md5(b"other").digest()))
        g = self.s3.get_object(Bucket="boto3-blobs", Key="md5.bin", ChecksumMode="ENABLED")
        self.assertEqual(g["Body"].read(), data)


class PlainHTTP(S3Assertions, unittest.TestCase):
    """The same store over plain HTTP: without --allow-insecure-mfa-header
    x-amz-mfa is refused and nothing spent; with it, the code is taken."""

    def test_mfa_header_over_http(self):
        root = Root.get()
        SERVER.restart(tls=False)
        s3 = root.s3()
        self.assertTrue(SERVER.endpoint.startswith("http://"))
        data = b"over plain HTTP\n" * 1000
        s3.put_object(Bucket=BUCKET, Key="http.txt", Body=data, ChecksumAlgorithm="SHA256")
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="http.txt", ChecksumMode="ENABLED")["Body"].read(), data)
        v = MFADelete.ids[2]
        self.assertS3Error("AccessDenied", 403, s3.delete_object, Bucket=BUCKET, Key="ledger.csv", VersionId=v,
                           message=MFA_REQUIRED)
        t = root.fresh_step(20)
        h = root.header(t)
        self.assertS3Error("InvalidRequest", 400, s3.delete_object, Bucket=BUCKET, Key="ledger.csv", VersionId=v, MFA=h,
                           message="The x-amz-mfa header can only be sent over HTTPS.")
        self.assertEqual(self.body(s3, "ledger.csv", v), b"revision 2\n")
        SERVER.restart(tls=False, args=["--allow-insecure-mfa-header"])
        s3 = root.s3()
        s3.delete_object(Bucket=BUCKET, Key="ledger.csv", VersionId=v, MFA=h)
        root.last = t
        self.assertS3Error("NoSuchVersion", 404, self.body, s3, "ledger.csv", v)
        # Root turns MFA Delete off with a code; then versions go freely.
        t = root.fresh_step()
        s3.put_bucket_versioning(Bucket=BUCKET, MFA=root.header(t),
                                 VersioningConfiguration={"Status": "Suspended", "MFADelete": "Disabled"})
        root.last = t
        vv = s3.get_bucket_versioning(Bucket=BUCKET)
        self.assertEqual((vv["Status"], vv["MFADelete"]), ("Suspended", "Disabled"))
        s3.delete_object(Bucket=BUCKET, Key="ledger.csv", VersionId=MFADelete.marker)
        self.assertEqual(self.versions(s3, "ledger.csv"), [])


class AuditTrail(unittest.TestCase):
    def test_no_secret_in_the_audit_trail(self):
        time.sleep(1.2)  # the recorder writes batched events every second
        events = SERVER.iamd("audit", "export", "--data-dir", SERVER.data_dir)
        lines = [json.loads(x) for x in events.splitlines() if x.strip()]
        s3_events = [e for e in lines if e.get("eventSource") == "s3.amazonaws.com"]
        self.assertIn("DeleteObject", {e["eventName"] for e in s3_events})
        hidden = [e for e in s3_events if (e.get("requestParameters") or {}).get("x-amz-mfa")]
        self.assertTrue(hidden, "events of requests with x-amz-mfa")
        self.assertEqual({e["requestParameters"]["x-amz-mfa"] for e in hidden}, {"HIDDEN_DUE_TO_SECURITY_REASONS"})
        path = os.path.join(SERVER.tmp, "secrets")
        with open(path, "w") as f:
            f.write("\n".join(SECRETS) + "\n")
        p = subprocess.run([sys.executable, os.path.join(HERE, "audit_scan.py"), path], input=events,
                           capture_output=True, text=True)
        log("audit scan: " + p.stdout.strip())
        self.assertEqual(p.returncode, 0, p.stdout)


def main():
    global SERVER
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("IAMD_BIN")
    started = time.time()
    passed, failed = 0, 1
    try:
        SERVER = Server(binary)
        SERVER.start()
        log("iamd %s on %s (%s)" % (SERVER.binary, SERVER.endpoint,
                                    "PostgreSQL" if SERVER.database_url else "SQLite"))
        loader = unittest.TestLoader()
        suite = unittest.TestSuite([loader.loadTestsFromTestCase(c) for c in (MFADelete, Objects, PlainHTTP, AuditTrail)])
        result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, failfast=True).run(suite)
        failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
        passed = result.testsRun - failed - len(result.skipped)
        if failed:
            log("--- server log (last 30 lines) ---\n" + SERVER.log_tail())
    except Exception as e:  # the server did not start
        log("boto3-s3: %s" % e)
    finally:
        if SERVER:
            SERVER.cleanup()
    log("(took %.0f s)" % (time.time() - started))
    print("boto3-s3: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
