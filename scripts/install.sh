#!/bin/sh
# Installs awslab from a GitHub release on Linux and macOS (AWS CloudShell included):
#   curl -fsSL https://github.com/OWNER/awslab/releases/latest/download/install.sh | sh
#
# It downloads the archive for this machine and its .sha256, refuses the archive unless its
# SHA-256 matches, checks that the binary runs here, and only then puts it in place
# (~/.local/bin/awslab by default). It contacts nothing but the release's download folder.
#
# Options (each also an environment variable):
#   --to DIR        AWSLAB_INSTALL_DIR        where to install (default: ~/.local/bin)
#   --version X.Y.Z AWSLAB_VERSION            a release other than the latest
#                   AWSLAB_INSTALL_BASE_URL   the folder holding the release's files, instead
#                                             of GitHub (a mirror; a local server in tests)
#                   AWSLAB_REPO               owner/name of the GitHub repository
set -eu

# The repository Cargo.toml names (scripts/release-check.sh checks that they agree).
repo=${AWSLAB_REPO:-OWNER/awslab}
to=${AWSLAB_INSTALL_DIR:-}
version=${AWSLAB_VERSION:-latest}
base=${AWSLAB_INSTALL_BASE_URL:-}

say() { printf 'awslab installer: %s\n' "$*"; }
fail() {
    printf 'awslab installer: error: %s\n' "$*" >&2
    exit 1
}

while [ "$#" -gt 0 ]; do
    case $1 in
        --to) [ "$#" -ge 2 ] || fail "--to needs a folder"; to=$2; shift 2 ;;
        --to=*) to=${1#--to=}; shift ;;
        --version) [ "$#" -ge 2 ] || fail "--version needs a version"; version=$2; shift 2 ;;
        --version=*) version=${1#--version=}; shift ;;
        -h | --help)
            echo "usage: install.sh [--to DIR] [--version X.Y.Z]"
            echo "Installs awslab into DIR (default ~/.local/bin) from its GitHub release."
            exit 0
            ;;
        *) fail "unknown option $1 (options: --to DIR, --version X.Y.Z)" ;;
    esac
done
if [ -z "$to" ]; then
    [ -n "${HOME:-}" ] || fail "HOME is not set: say where to install with --to DIR"
    to=$HOME/.local/bin
fi
version=${version#v}

# This machine, as a Rust target triple.
os=$(uname -s)
arch=$(uname -m)
case $arch in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail "no prebuilt awslab for $arch processors; build it from source: cargo install --locked awslab" ;;
esac
case $os in
    Linux)
        target=$arch-unknown-linux-gnu
        # The Linux builds need glibc 2.34 or newer (Amazon Linux 2023, Ubuntu 22.04, Debian 12).
        if ldd --version 2>&1 | grep -qi musl; then
            fail "this system uses musl libc (Alpine?); the prebuilt awslab needs glibc 2.34 or newer. Build it from source: cargo install --locked awslab"
        fi
        glibc=$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
        if [ -n "$glibc" ]; then
            major=${glibc%%.*}
            minor=${glibc#*.}
            if [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt 34 ]; }; then
                fail "this system has glibc $glibc; the prebuilt awslab needs 2.34 or newer. Build it from source: cargo install --locked awslab"
            fi
        fi
        ;;
    Darwin)
        # A shell under Rosetta says x86_64 on an Apple silicon Mac: take the native build.
        if [ "$arch" = x86_64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null || true)" = 1 ]; then
            arch=aarch64
        fi
        target=$arch-apple-darwin
        ;;
    MINGW* | MSYS* | CYGWIN*)
        fail "on Windows, use the PowerShell installer (install.ps1) instead"
        ;;
    *) fail "no prebuilt awslab for $os; build it from source: cargo install --locked awslab" ;;
esac

if [ -z "$base" ]; then
    if [ "$version" = latest ]; then
        base=https://github.com/$repo/releases/latest/download
    else
        base=https://github.com/$repo/releases/download/v$version
    fi
fi
base=${base%/}
archive=awslab-$target.tar.gz

# Downloads $1 to the file $2 (curl, else wget).
download() {
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --retry 2 --output "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        fail "neither curl nor wget is installed"
    fi
}

# The SHA-256 of file $1, in lower-case hex.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d ' ' -f 1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
    else
        fail "no sha256sum, shasum or openssl to check the download with"
    fi
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t awslab-install)
staged=
cleanup() {
    rm -rf "$tmp"
    if [ -n "$staged" ]; then rm -f "$staged"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "downloading $base/$archive"
download "$base/$archive" "$tmp/$archive" || fail "could not download $base/$archive"
download "$base/$archive.sha256" "$tmp/$archive.sha256" ||
    fail "could not download $base/$archive.sha256"

expected=$(cut -d ' ' -f 1 <"$tmp/$archive.sha256" | head -n 1 | tr 'A-F' 'a-f')
case $expected in
    *[!0-9a-f]*) expected= ;;
esac
[ "${#expected}" -eq 64 ] || fail "$archive.sha256 does not hold a SHA-256; nothing was installed"
actual=$(sha256_of "$tmp/$archive")
if [ "$actual" != "$expected" ]; then
    fail "checksum mismatch for $archive: expected $expected, got $actual. The download is damaged or not the published file; nothing was installed."
fi
say "checksum verified (SHA-256 $actual)"

mkdir "$tmp/x"
(cd "$tmp/x" && tar -xzf "../$archive") || fail "could not unpack $archive; nothing was installed"
new=$tmp/x/awslab-$target/awslab
[ -f "$new" ] || fail "$archive holds no awslab-$target/awslab; nothing was installed"

# Staged beside its final place (same file system, and not a /tmp that may forbid running
# programs), tried, then moved over any older awslab in one step.
mkdir -p "$to" || fail "cannot create $to"
to=$(cd "$to" && pwd)
staged=$to/.awslab.new.$$
cp "$new" "$staged" || fail "cannot write in $to"
chmod 755 "$staged"
if ! runs=$("$staged" --version 2>&1); then
    fail "the downloaded awslab does not run on this machine ($runs); nothing was installed"
fi
mv -f "$staged" "$to/awslab" || fail "cannot write $to/awslab"
staged=

say "installed $runs to $to/awslab"
case ":${PATH:-}:" in
    *":$to:"*) say "start the lab wizard with: awslab run" ;;
    *)
        say "$to is not on your PATH. Start the lab wizard with: $to/awslab run"
        say "or add it to PATH for new shells: echo 'export PATH=\"$to:\$PATH\"' >> ~/.profile"
        ;;
esac
