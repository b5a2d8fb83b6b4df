#!/usr/bin/env bash
# Summarises a `go test -v` log: tests passed and failed in all, and the
# tests (subtests included) that ran on each storage engine.
log=${1:?usage: test-summary.sh GOTEST_LOG}
pass=$(grep -cE -- '^\s*--- PASS' "$log")
fail=$(grep -cE -- '^\s*--- FAIL' "$log")
skip=$(grep -cE -- '^\s*--- SKIP' "$log")
sqlite=$(grep -E -- '^\s*--- PASS: \S*/sqlite(/| |$)' "$log" | wc -l)
postgres=$(grep -E -- '^\s*--- PASS: \S*/postgres(/| |$)' "$log" | wc -l)
echo "storage engines: sqlite ${sqlite} tests passed, postgres ${postgres} tests passed"
echo "go test: ${pass} passed, ${fail} failed, ${skip} skipped"
