#!/bin/sh
# Fails when a Linux build of awslab would not start in AWS CloudShell (Amazon Linux 2023):
# - it needs a glibc newer than AL2023's 2.34 (the highest GLIBC_x.y symbol version it imports);
# - it links a shared library outside the C runtime every glibc system has (the allow-list
#   below); TLS is rustls with aws-lc, compiled in, so not even libssl is needed.
# The release workflow runs it on each Linux release binary; scripts/release-check.sh runs it on
# the debug binary here (same dependencies, same imports).
#
# Usage: scripts/portability-check.sh BINARY
# AWSLAB_GLIBC_FLOOR overrides 2.34 (release-check lowers it to prove the check can fail).
set -eu

if [ "$#" -ne 1 ]; then
    echo "usage: $0 BINARY" >&2
    exit 2
fi
bin=$1
floor=${AWSLAB_GLIBC_FLOOR:-2.34}
for tool in readelf objdump; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "portability: $tool is missing (install binutils)" >&2
        exit 2
    }
done
[ -f "$bin" ] || { echo "portability: no file $bin" >&2; exit 2; }

failed=0

# Shared libraries: the NEEDED entries of the dynamic section (none for a static binary).
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
for lib in $needed; do
    case $lib in
        libc.so.* | libm.so.* | libgcc_s.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
            libutil.so.* | ld-linux*.so.*) ;;
        *)
            echo "portability: $bin links $lib, which AWS CloudShell (Amazon Linux 2023) may not have" >&2
            failed=1
            ;;
    esac
done

# glibc: the newest symbol version among the dynamic imports.
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -u -V | tail -n 1)
if [ -n "$newest" ]; then
    highest=$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -n 1)
    if [ "$highest" != "$floor" ]; then
        echo "portability: $bin needs glibc $newest, newer than $floor (Amazon Linux 2023, AWS CloudShell)" >&2
        objdump -T "$bin" | grep "GLIBC_$newest" | sed 's/^/  /' | head -n 5 >&2
        failed=1
    fi
fi

if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "portability: ok: glibc ${newest:-none} needed (at most $floor), links ${needed:-nothing}" | tr '\n' ' '
echo
