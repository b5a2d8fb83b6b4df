#!/usr/bin/env bash
# Runs the HTTP benchmarks of an older commit and of the work tree side by
# side, alternating, so that both see the same machine:
#
#   scripts/bench-compare.sh REV [ROUNDS]
#
# The older commit is checked out in a temporary worktree; its benchmarks
# live in internal/server before the gateway issue, internal/gateway after.
set -euo pipefail
rev=${1:?usage: scripts/bench-compare.sh REV [ROUNDS]}
rounds=${2:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || true' EXIT
git -C "$here" worktree add -q --detach "$base" "$rev"
export IAMD_TEST_DATABASE_URL=${IAMD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
pkg() { if [[ -d $1/internal/gateway ]]; then echo ./internal/gateway; else echo ./internal/server; fi; }
for _ in $(seq "$rounds"); do
	for tree in "$base" "$here"; do
		label=head
		[[ $tree == "$base" ]] && label=$rev
		(cd "$tree" && go test -run '^$' -bench 'GetSessionToken|ListMFADevices' -benchmem -count 1 "$(pkg "$tree")" |
			grep '^Benchmark' | sed "s/^/$label /")
	done
done
