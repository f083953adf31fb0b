#!/usr/bin/env bash
# What can be checked here of a release (.github/workflows/release.yml), in well under a minute,
# reusing the debug binary `cargo test` built (same code and dependencies as a release build,
# without the long release compile):
#  1. the workflow parses and its plan is the one the installers and `cargo binstall` expect
#     (the five targets, unit tests on each native runner, archives + .sha256 + installers
#     published on a v* tag), and Cargo.toml's binstall metadata names the same archives;
#  2. portability: the binary needs no glibc newer than Amazon Linux 2023's 2.34 and links no
#     library AWS CloudShell lacks (and the check does fail when it should);
#  3. an archive and its .sha256 for this machine's target, in the release layout, served from
#     127.0.0.1; install.sh, fetched from there as the README's one line does, installs into a
#     scratch folder and the installed awslab runs;
#  4. a checksum that does not match (the .sha256 altered, or the archive) is refused with a
#     clear message and a non-zero exit, installing nothing and leaving an installed awslab
#     as it was;
#  5. install.sh asks for the right release URL (latest, or --version), and stops on a glibc
#     older than 2.34 before downloading anything.
# Only loopback is contacted. Usage: scripts/release-check.sh [BINARY] (default target/debug/awslab).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bin=${1:-target/debug/awslab}
[[ -x $bin ]] || { echo "release-check: no binary at $bin; build it first (cargo build)" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=$(rustc -vV | sed -n 's/^host: //p')
[[ -n $version && -n $target ]] || { echo "release-check: cannot tell version or target" >&2; exit 1; }

work=$(mktemp -d)
server=
cleanup() {
    if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "release-check: FAILED: $*" >&2; exit 1; }
step() { echo "release-check: $*"; }

# 1. The workflow and the binstall metadata.
step "workflow plan (.github/workflows/release.yml)"
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - <<'PY' || fail "the release workflow's plan"
import yaml

with open(".github/workflows/release.yml") as f:
    wf = yaml.safe_load(f)
# YAML 1.1 reads the key `on` as True.
on = wf.get("on", wf.get(True))
assert "v*" in on["push"]["tags"], "not triggered by v* tags"
jobs = wf["jobs"]
build = jobs["build"]
matrix = build["strategy"]["matrix"]["include"]
targets = {m["target"]: m for m in matrix}
want = {
    "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin", "aarch64-apple-darwin", "x86_64-pc-windows-msvc",
}
assert set(targets) == want, f"targets {sorted(targets)}"
runs = "\n".join(s.get("run", "") for s in build["steps"])
assert "cargo test --locked --lib" in runs, "unit tests not run on each runner"
assert "scripts/package.sh" in runs, "archives not made by scripts/package.sh"
assert "scripts/portability-check.sh" in runs, "Linux binaries not checked for portability"
release = jobs["release"]
assert "build" in release["needs"]
assert release["if"].startswith("startsWith(github.ref, 'refs/tags/v')")
assert release["permissions"]["contents"] == "write"
rel = "\n".join(s.get("run", "") for s in release["steps"])
for part in ["install.sh", "install.ps1", "SHA256SUMS", "gh release create"]:
    assert part in rel, f"the release does not publish {part}"

print(f"release-check: plan: {len(targets)} targets, unit tests on each, release on v* tags")
PY
else
    # Without PyYAML: the workflow at least names every target and publishes the installers.
    for part in "tags:" "'v*'" x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu \
        x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc \
        "cargo test --locked --lib" install.sh install.ps1 SHA256SUMS; do
        grep -qF -- "$part" .github/workflows/release.yml || fail "release.yml lacks $part"
    done
    step "plan: checked by text (PyYAML is not installed)"
fi
# `cargo binstall` looks for the archives package.sh makes, under the same names.
for line in 'pkg-url = "{ repo }/releases/download/v{ version }/awslab-{ target }.tar.gz"' \
    'bin-dir = "awslab-{ target }/{ bin }{ binary-ext }"' \
    'pkg-url = "{ repo }/releases/download/v{ version }/awslab-{ target }.zip"'; do
    grep -qxF "$line" Cargo.toml || fail "Cargo.toml's [package.metadata.binstall] lacks: $line"
done
# The repository the installers download from by default is the one Cargo.toml names.
repo=$(sed -n 's|^repository = "https://github.com/\(.*\)"$|\1|p' Cargo.toml)
[[ -n $repo ]] || fail "Cargo.toml has no https://github.com/ repository"
grep -qF "AWSLAB_REPO:-$repo}" scripts/install.sh || fail "install.sh's default repository is not $repo"
grep -qF "else { '$repo' }" scripts/install.ps1 || fail "install.ps1's default repository is not $repo"
# The install lines in the READMEs and the install guides download from it too.
others=$(grep -ho 'https://github.com/[^/ ]*/[^/ ]*/releases' README*.md docs/install*.md |
    grep -vxF "https://github.com/$repo/releases" || true)
[[ -z $others ]] || fail "install lines naming another repository than $repo: $others"
for readme in README.md README.ko.md; do
    grep -qF "https://github.com/$repo/releases/latest/download/install.sh | sh" "$readme" ||
        fail "$readme has no install line"
done

# 2. Portability, and proof that the check can fail.
step "portability of $bin"
scripts/portability-check.sh "$bin" || fail "portability"
if AWSLAB_GLIBC_FLOOR=2.17 scripts/portability-check.sh "$bin" >/dev/null 2>&1; then
    fail "the portability check passed a binary needing a glibc newer than the floor 2.17"
fi
other=$(command -v curl)
if readelf -d "$other" | grep -q 'NEEDED.*libcurl'; then
    if scripts/portability-check.sh "$other" >/dev/null 2>&1; then
        fail "the portability check passed $other, which links libcurl"
    fi
fi

# 3. The release folder for this target, served on loopback.
step "archive for $target"
dl=$work/srv/download/v$version
mkdir -p "$dl"
scripts/package.sh "$bin" "$target" "$dl" >/dev/null
cp scripts/install.sh scripts/install.ps1 "$dl/"
archive=awslab-$target.tar.gz
(cd "$dl" && sha256sum -c --quiet "$archive.sha256") || fail "the .sha256 does not match its archive"
tar -tzf "$dl/$archive" | grep -qx "awslab-$target/awslab" || fail "archive layout"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/srv" >"$work/http.log" 2>&1 &
server=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$work/http.log" | head -n 1)
    [[ -n $port ]] && break
    sleep 0.05
done
[[ -n $port ]] || fail "the loopback file server did not start: $(cat "$work/http.log")"
base=http://127.0.0.1:$port/download/v$version

# As a student would: no proxy, a home of its own, the installer piped from the release.
run_installer() {
    local dest=$1
    env -i PATH=/usr/bin:/bin HOME="$work/home" AWSLAB_INSTALL_BASE_URL="$base" \
        sh -c 'curl -fsSL "$AWSLAB_INSTALL_BASE_URL/install.sh" | sh -s -- --to "$0"' "$dest"
}
mkdir -p "$work/home"
step "install.sh from $base"
run_installer "$work/bin" >"$work/install.out" 2>&1 || fail "install.sh: $(cat "$work/install.out")"
installed=$("$work/bin/awslab" --version) || fail "the installed awslab does not run"
[[ $installed == "awslab $version" ]] || fail "installed awslab says '$installed'"
grep -q "checksum verified" "$work/install.out" || fail "install.sh did not say it verified"
grep -q "$work/bin/awslab run" "$work/install.out" || fail "install.sh did not say how to run it"
[[ -z $(ls -A "$work/home") ]] || fail "install.sh wrote into HOME: $(ls -A "$work/home")"
[[ $(ls -A "$work/bin") == awslab ]] || fail "install.sh left more than awslab: $(ls -A "$work/bin")"
step "installed and ran: $installed"

# 4. A checksum that does not match: refused, nothing installed, nothing replaced.
refused() {
    local what=$1 dest=$2
    if run_installer "$dest" >"$work/refused.out" 2>&1; then
        fail "install.sh accepted $what"
    fi
    grep -q "checksum mismatch" "$work/refused.out" ||
        fail "install.sh did not say why it refused $what: $(cat "$work/refused.out")"
    grep -q "nothing was installed" "$work/refused.out" || fail "install.sh's refusal of $what"
}
good_sum=$(cat "$dl/$archive.sha256")
echo "$(printf '%064d' 0)  $archive" >"$dl/$archive.sha256"
refused "an altered .sha256" "$work/bin-tampered"
[[ ! -e $work/bin-tampered/awslab ]] || fail "install.sh installed despite a wrong checksum"
[[ -z $(ls -A "$work/bin-tampered" 2>/dev/null) ]] || fail "install.sh left files after refusing"
echo "$good_sum" >"$dl/$archive.sha256"
printf 'x' >>"$dl/$archive"
before=$(sha256sum "$work/bin/awslab")
refused "an altered archive" "$work/bin"
[[ $(sha256sum "$work/bin/awslab") == "$before" ]] || fail "a refused install replaced awslab"
[[ $(ls -A "$work/bin") == awslab ]] || fail "a refused install left files: $(ls -A "$work/bin")"
# 5. Before any download: the URL of the release asked for, and a system it cannot serve. A
# stand-in curl records what it is asked and fails, so nothing leaves this machine.
mkdir -p "$work/fake"
cat >"$work/fake/curl" <<'SH'
#!/bin/sh
for a in "$@"; do last=$a; done
echo "$last" >>"$FAKE_LOG"
exit 22
SH
chmod +x "$work/fake/curl"
fake_install() {
    env -i PATH="$work/fake:/usr/bin:/bin" HOME="$work/home" FAKE_LOG="$work/fake.log" \
        sh scripts/install.sh --to "$work/bin-fake" "$@" >"$work/fake.out" 2>&1
}
: >"$work/fake.log"
fake_install && fail "install.sh succeeded without a download"
grep -qxF "https://github.com/$repo/releases/latest/download/$archive" "$work/fake.log" ||
    fail "install.sh asked for $(cat "$work/fake.log"), not the latest release of $repo"
: >"$work/fake.log"
fake_install --version v0.9.1 && fail "install.sh succeeded without a download"
grep -qxF "https://github.com/$repo/releases/download/v0.9.1/$archive" "$work/fake.log" ||
    fail "install.sh --version asked for $(cat "$work/fake.log")"
grep -q "could not download" "$work/fake.out" || fail "install.sh's failed download: $(cat "$work/fake.out")"
if [[ $(uname -s) == Linux ]]; then
    printf '#!/bin/sh\necho "ldd (GNU libc) 2.31"\n' >"$work/fake/ldd"
    chmod +x "$work/fake/ldd"
    : >"$work/fake.log"
    fake_install && fail "install.sh accepted glibc 2.31"
    grep -q "glibc 2.31" "$work/fake.out" || fail "install.sh on glibc 2.31: $(cat "$work/fake.out")"
    [[ ! -s $work/fake.log ]] || fail "install.sh downloaded for a system it cannot serve"
fi
[[ ! -e $work/bin-fake ]] || fail "install.sh created its folder without installing"
step "install.sh asks for the latest or the --version release of $repo, and stops on glibc 2.31"

step "refused a mismatching checksum twice, installing nothing: $(grep -m1 'checksum mismatch' "$work/refused.out" | cut -c1-90)…"

cat "$work/install.out" "$work/refused.out" | sed "s/^/    /"
step "ok in $(($(date +%s) - started)) s"
