#!/bin/sh
# The release job builds the module in its own tree (as the main module):
#   go build -trimpath -ldflags=-buildid= -o bin/tally ./cmd/tally
# A user reproducing it (TALLY_INSTALL=1) runs what the README suggests,
#   go install -trimpath -ldflags=-buildid= example.com/tally/cmd/tally@v1.4.0
# which builds the same source as a dependency of a synthesized main module.
# Here the module proxy serving v1.4.0 is made from this very tree (the zip
# the public proxy would serve for the tag), in the build's private TMPDIR.
set -eu
mkdir -p bin
if [ "${TALLY_INSTALL:-}" != 1 ]; then
  exec go build -trimpath -ldflags=-buildid= -o bin/tally ./cmd/tally
fi
proxy=$TMPDIR/proxy
v=$proxy/example.com/tally/@v
mkdir -p "$v"
cp go.mod "$v/v1.4.0.mod"
printf '{"Version":"v1.4.0","Time":"2026-01-02T03:04:05Z"}\n' >"$v/v1.4.0.info"
printf 'v1.4.0\n' >"$v/list"
python3 - "$v/v1.4.0.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name in ["go.mod", "count/count.go", "cmd/tally/main.go"]:
        z.write(name, "example.com/tally@v1.4.0/" + name)
PY
GOPROXY=file://$proxy GOSUMDB=off GOFLAGS= GOBIN=$PWD/bin \
  go install -trimpath -ldflags=-buildid= example.com/tally/cmd/tally@v1.4.0
