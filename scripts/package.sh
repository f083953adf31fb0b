#!/bin/sh
# Packs one built awslab binary as a release publishes it, for the installers and
# `cargo binstall` (Cargo.toml, [package.metadata.binstall]) to find:
#
#   OUTDIR/awslab-TARGET.tar.gz          (awslab-TARGET.zip for Windows)
#     awslab-TARGET/awslab               (awslab.exe for Windows)
#     awslab-TARGET/README.md
#   OUTDIR/awslab-TARGET.tar.gz.sha256   "<sha-256 in hex>  awslab-TARGET.tar.gz", as sha256sum writes it
#
# Usage: scripts/package.sh BINARY TARGET OUTDIR
# The release workflow runs it on every runner (Git Bash on Windows); scripts/release-check.sh
# runs it here on the debug binary.
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: $0 BINARY TARGET OUTDIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
target=$2
mkdir -p "$3"
out=$(cd "$3" && pwd)
[ -f "$bin" ] || { echo "package: no binary at $bin" >&2; exit 1; }

name="awslab-$target"
case $target in
    *windows*) exe=awslab.exe; archive="$name.zip" ;;
    *) exe=awslab; archive="$name.tar.gz" ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" "$stage/$name/$exe"
chmod 755 "$stage/$name/$exe"
cp "$root/README.md" "$stage/$name/README.md"
rm -f "$out/$archive" "$out/$archive.sha256"
case $archive in
    *.zip)
        if command -v 7z >/dev/null 2>&1; then
            (cd "$stage" && 7z a -tzip -bso0 -bsp0 "$out/$archive" "$name")
        else
            (cd "$stage" && zip -qr "$out/$archive" "$name")
        fi
        ;;
    *) (cd "$stage" && tar -czf "$out/$archive" "$name") ;;
esac

# sha256sum (Linux, Git Bash) or shasum (macOS): the same "<hex>  <name>" line.
if command -v sha256sum >/dev/null 2>&1; then
    (cd "$out" && sha256sum "$archive") >"$out/$archive.sha256"
else
    (cd "$out" && shasum -a 256 "$archive") >"$out/$archive.sha256"
fi
echo "$out/$archive"
