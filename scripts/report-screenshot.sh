#!/usr/bin/env bash
# report.html as a person sees it. The sample class (tests/fixtures/report/grades.{ko,en}.json,
# graded once from the emulator) is drawn with `awslab grade --from-json`, then rendered by
# headless Chromium to PNG at desktop and phone widths, under target/report-screenshots/. The
# rendered DOM must hold the page's text: its headings in the language, the charts, every student.
# Needs Debian's chromium and fonts-noto-cjk (Korean as text, not boxes); installs them when run
# as root with apt-get, and says how otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null; then
        browser=$(command -v "$candidate")
        break
    fi
done
korean_font() { fc-list :lang=ko 2>/dev/null | grep -q .; }
if [[ -z "$browser" ]] || ! korean_font; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "installing chromium and fonts-noto-cjk" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium fonts-noto-cjk >&2 ||
            { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends chromium fonts-noto-cjk >&2; }
        browser=$(command -v chromium)
    else
        echo "report-screenshot: needs Chromium and a Korean font. On Debian or Ubuntu:" >&2
        echo "  sudo apt-get install chromium fonts-noto-cjk" >&2
        exit 1
    fi
fi

cargo build --locked --quiet
awslab=target/debug/awslab
out=target/report-screenshots
rm -rf "$out"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# A closed network: no background fetches, no QUIC, no component updates, a fresh profile.
chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" "$@" 2>>"$out/chromium.log"
}

failed=0
check() { # what, file, text
    if ! grep -qF -- "$3" "$2"; then
        echo "report-screenshot: $1: '$3' is missing from the rendered page" >&2
        failed=1
    fi
}

for lang in ko en; do
    fixture=tests/fixtures/report/grades.$lang.json
    "$awslab" grade --from-json "$fixture" --out "$out/$lang"
    page="file://$PWD/$out/$lang/report.html"
    chrome --screenshot="$out/$lang-desktop.png" --window-size=1280,2000 "$page"
    chrome --screenshot="$out/$lang-phone.png" --window-size=390,2000 "$page"
    chrome --dump-dom "$page" >"$out/$lang/dom.html"
    for png in "$out/$lang-desktop.png" "$out/$lang-phone.png"; do
        if [[ ! -s "$png" ]]; then
            echo "report-screenshot: $png was not written (see $out/chromium.log)" >&2
            failed=1
        fi
    done
    dom="$out/$lang/dom.html"
    case $lang in
        ko) headings=("한눈에 보기" "점수 분포" "단계별 완료" "가장 많이 실패한 검사와 해결 방법" "학생별 결과" "채점하지 않은 계정" "1단계") ;;
        en) headings=("Class summary" "Score distribution" "Steps done" "Most common failing checks" "Students" "Accounts not graded" "Step 1") ;;
    esac
    for h in "${headings[@]}"; do check "$lang" "$dom" "$h"; done
    check "$lang" "$dom" '<svg class="histogram"'
    check "$lang" "$dom" '<table id="students">'
    # Every student of the fixture, as the page escapes the name.
    while IFS= read -r name; do
        check "$lang" "$dom" "$name"
    done < <(python3 -c '
import html, json, sys
for s in json.load(open(sys.argv[1]))["students"]:
    print(html.escape(s["student"], quote=False))
' "$fixture")
    if grep -qF '<script>alert(1)</script>' "$dom"; then
        echo "report-screenshot: $lang: a student name became a script" >&2
        failed=1
    fi
done

if [[ $failed -ne 0 ]]; then
    exit 1
fi
echo "report-screenshot: ok: $out/{ko,en}-{desktop,phone}.png"
