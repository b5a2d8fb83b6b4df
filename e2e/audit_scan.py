#!/usr/bin/env python3
"""Scans an audit trail (iamd audit export, JSON Lines on stdin) for secrets.

usage: iamd audit export ... | audit_scan.py SECRETS_FILE

SECRETS_FILE holds one secret a line: what the suite saw (secret keys,
session tokens, seeds, passwords). Every event is also checked for what
looks like a secret whatever the suite knew: a value under a key that names
a secret (password, secretAccessKey, sessionToken, tokenCode,
authenticationCode1/2, base32StringSeed, qRCodePNG) other than
HIDDEN_DUE_TO_SECURITY_REASONS. Prints "N events, no secret" or each finding,
and exits 1 on a finding or when nothing was read.
"""
import base64
import json
import sys

SECRET_KEYS = {"password", "oldpassword", "newpassword", "secretaccesskey", "sessiontoken", "tokencode",
               "authenticationcode1", "authenticationcode2", "base32stringseed", "qrcodepng"}
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"


def walk(v, path, found):
    if isinstance(v, dict):
        for k, x in v.items():
            if k.lower() in SECRET_KEYS and x not in (HIDDEN, None):
                found.append("%s.%s holds a value" % (path, k))
            walk(x, path + "." + k, found)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i), found)


def main():
    secrets = [s for s in open(sys.argv[1]).read().split("\n") if len(s) >= 8]
    forms = set()
    for s in secrets:
        forms.update({s, s.lower()})
        try:  # a seed in other encodings
            raw = base64.b32decode(s.upper() + "=" * (-len(s) % 8))
            forms.update({raw.hex(), base64.b64encode(raw).decode()})
        except Exception:
            pass
    n = 0
    found = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        n += 1
        event = json.loads(line)
        walk(event, event.get("eventName", "?"), found)
        for f in forms:
            if f in line:
                found.append("%s (%s) holds a secret the suite used" % (event.get("eventName"), event.get("eventID")))
    if n == 0:
        print("audit scan: no events read")
        return 1
    for f in sorted(set(found)):
        print("audit scan: " + f)
    if found:
        return 1
    print("%d events, no secret" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
