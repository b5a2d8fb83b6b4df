#!/usr/bin/env bash
# Runs every fuzz target for a while: scripts/fuzz.sh [SECONDS] (default 30).
# make test runs it with 2 s each (the committed corpora under each
# package's testdata/fuzz run as seeds in every go test too); make fuzz runs
# it with the default. A failure leaves its input under testdata/fuzz, to be
# committed with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
targets=(
	"./internal/awsquery FuzzDecode"
	"./internal/sigv4 FuzzParseAuthorization"
	"./internal/sigv4 FuzzParse"
	"./internal/sigv4 FuzzChunked"
	"./internal/s3 FuzzParseMFAHeader"
	"./internal/otp FuzzParseKeyURI"
	"./internal/policy FuzzParse"
	"./internal/policy FuzzGlob"
	"./internal/pskc FuzzParse"
	"./internal/pskc FuzzParseCSV"
)
for t in "${targets[@]}"; do
	set -- $t
	echo "fuzz: $2 in $1 for ${secs}s"
	go test -run '^$' -fuzz "^$2\$" -fuzztime "${secs}s" -fuzzminimizetime 2s -parallel 2 "$1"
done
echo "fuzz: ${#targets[@]} targets, no failure"
