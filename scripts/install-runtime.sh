#!/bin/sh
# The container's runtime install, in one place: the Dockerfile's runtime stage runs
# this, and tests/package/runtime-install.test.ts runs the same file in a clean
# temporary folder, so the test exercises exactly what the image does.
#
# Usage: install-runtime.sh <frameforge-x.y.z.tgz> <package-lock.json> <target dir>
#
# The package is unpacked from the tarball `npm pack` made (what npm would publish,
# nothing else from the repository), and its production dependencies are installed
# with `npm ci` against the repository's lock file, so the image runs the versions
# the tests ran, not whatever the registry holds that day.
set -eu
tarball=$1
lock=$2
target=$3
mkdir -p "$target"
tar -xzf "$tarball" -C "$target" --strip-components=1
cp "$lock" "$target/package-lock.json"
cd "$target"
npm ci --omit=dev --no-audit --no-fund
