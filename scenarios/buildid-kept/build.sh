#!/bin/sh
# Release build: -trimpath, but the Go build ID is kept (no -buildid=) and the
# build date is stamped into a variable that moved: the package is now
# internal/version, so this -X names a symbol that no longer exists and the
# linker silently ignores it. The binary's code and data do not change, yet the
# linker flags are hashed into the link action ID, which is part of the build
# ID, so every build gets a different build ID.
set -eu
mkdir -p bin
date=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
go build -trimpath -ldflags "-X example.com/buildid-kept/version.Date=$date" -o bin/kvdump .
