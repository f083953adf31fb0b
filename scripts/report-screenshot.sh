#!/usr/bin/env bash
# report.html as a person sees it. The sample class (tests/fixtures/report/grades.{ko,en}.json,
# graded once from the emulator) is drawn with `awslab grade --from-json`, then rendered by
# headless Chromium to PNG at desktop and phone widths, under target/report-screenshots/. The
# rendered DOM must hold the page's text: its headings in the language, the charts, every student.
# A test-only copy of the page (report-probe.html, beside it, never written by awslab) carries one
# more script, allowed by its own hash, that scrolls the students table to its last row and opens
# every finding, then records in the DOM where the header is and how wide each finding is: the
# header must stay in view, and at phone width no finding may be wider than the screen.
# The anonymized report and a student's page are rendered too.
# Needs Debian's chromium and fonts-noto-cjk (Korean as text, not boxes): scripts/chromium.sh
# installs them when run as root with apt-get, and says how otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/chromium.sh
browser=$AWSLAB_CHROMIUM

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

# Headless Chromium lays a page out at least 500 px wide whatever --window-size says (and crops
# the screenshot): a phone's 390 px is a frame of that width. phone-<name>: `$1` framed at 390 px
# by `$2` px, the frame's probe verdict copied onto the outer page's <body>.
phone() {
    local page=$1 height=$2
    local frame
    frame="$(dirname "$page")/phone-$(basename "$page")"
    printf '%s\n' '<!doctype html><html><body style="margin:0">' \
        "<iframe src=\"$(basename "$page")\" style=\"border:0;width:390px;height:${height}px\"></iframe>" \
        '<script>window.addEventListener("message", function (e) {' \
        'document.body.setAttribute("data-probe", String(e.data)); });</script></body></html>' \
        >"$frame"
    echo "file://$PWD/$frame"
}

# report-probe.html: `$1` with the probe script added and allowed by its hash. It writes
# data-probe="ok" on <body>, or what went wrong.
probe() {
    python3 - "$1" "$2" <<'PY'
import base64, hashlib, sys
script = """
window.addEventListener("load", function () {
  var why = [];
  var details = document.querySelectorAll("#students details");
  Array.prototype.forEach.call(details, function (d) { d.open = true; });
  var rows = document.querySelectorAll("#students tr.student");
  var head = document.querySelector("#students thead th");
  if (!rows.length || !head) { why.push("no students table"); }
  else {
    rows[rows.length - 1].scrollIntoView({block: "end"});
    var top = head.getBoundingClientRect().top;
    var bottom = head.getBoundingClientRect().bottom;
    var scrolled = window.scrollY + document.querySelector(".scroll").scrollTop;
    if (scrolled <= 0) { why.push("nothing scrolled"); }
    if (top < -0.5 || bottom > window.innerHeight) {
      why.push("header out of view at top " + Math.round(top));
    }
    document.querySelector(".scroll").scrollLeft = 0;
    var wide = window.innerWidth;
    Array.prototype.forEach.call(document.querySelectorAll("#students details, #students details pre"), function (e) {
      var r = e.getBoundingClientRect();
      if (r.left < -0.5 || r.right > wide + 0.5 || e.scrollWidth > e.clientWidth + 1) {
        why.push("a finding " + Math.round(r.width) + " px wide at " + Math.round(r.left) + " in " + wide);
      }
    });
    if (document.documentElement.scrollWidth > wide + 1) { why.push("the page scrolls sideways"); }
  }
  var verdict = why.length ? why.slice(0, 3).join("; ") : "ok";
  document.body.setAttribute("data-probe", verdict);
  if (window.parent !== window) { window.parent.postMessage(verdict, "*"); }
});
"""
page = open(sys.argv[1], encoding="utf-8").read()
digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
page = page.replace("script-src 'sha256-", "script-src 'sha256-%s' 'sha256-" % digest, 1)
page = page.replace("</body>", "<script>%s</script></body>" % script, 1)
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
}
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
    chrome --screenshot="$out/$lang-phone.png" --window-size=390,2000 \
        "$(phone "$out/$lang/report.html" 2000)"
    chrome --dump-dom "$page" >"$out/$lang/dom.html"
    probe "$out/$lang/report.html" "$out/$lang/report-probe.html"
    for width in 1280 390; do
        if [[ $width == 390 ]]; then
            target=$(phone "$out/$lang/report-probe.html" 800)
        else
            target="file://$PWD/$out/$lang/report-probe.html"
        fi
        chrome --virtual-time-budget=5000 --window-size="$width,900" --dump-dom "$target" \
            >"$out/$lang/probe-$width.html"
        verdict=$(grep -o 'data-probe="[^"]*"' "$out/$lang/probe-$width.html" || true)
        if [[ "$verdict" != 'data-probe="ok"' ]]; then
            echo "report-screenshot: $lang at $width px: ${verdict:-the probe did not run}" >&2
            failed=1
        fi
    done
    # The page with every finding open, as a phone shows it.
    chrome --screenshot="$out/$lang-phone-open.png" --window-size=390,1600 --virtual-time-budget=5000 \
        "$(phone "$out/$lang/report-probe.html" 1600)"
    chrome --screenshot="$out/$lang-anonymous.png" --window-size=1280,1600 \
        "file://$PWD/$out/$lang/report-anonymous.html"
    student=$(find "$out/$lang/students" -name '*.html' | sort | head -n 1)
    chrome --screenshot="$out/$lang-student-phone.png" --window-size=390,1600 \
        "$(phone "$student" 1600)"
    chrome --dump-dom "file://$PWD/$student" >"$out/$lang/student-dom.html"
    check "$lang student page" "$out/$lang/student-dom.html" '<table class="steps-table">'
    chrome --dump-dom "file://$PWD/$out/$lang/report-anonymous.html" >"$out/$lang/anonymous-dom.html"
    check "$lang anonymous" "$out/$lang/anonymous-dom.html" '<svg class="histogram"'
    if grep -qF '<table id="students">' "$out/$lang/anonymous-dom.html"; then
        echo "report-screenshot: $lang: the anonymized report lists the students" >&2
        failed=1
    fi
    for png in "$out/$lang-desktop.png" "$out/$lang-phone.png" "$out/$lang-phone-open.png" \
        "$out/$lang-anonymous.png" "$out/$lang-student-phone.png"; do
        if [[ ! -s "$png" ]]; then
            echo "report-screenshot: $png was not written (see $out/chromium.log)" >&2
            failed=1
        fi
    done
    dom="$out/$lang/dom.html"
    case $lang in
        ko) headings=("한눈에 보기" "점수 분포" "단계별 완료" "가장 많이 실패한 검사와 해결 방법" "학생별 결과" "채점하지 않은 계정") ;;
        en) headings=("Class summary" "Score distribution" "Steps done" "Most common failing checks" "Students" "Accounts not graded") ;;
    esac
    for h in "${headings[@]}"; do check "$lang" "$dom" "$h"; done
    check "$lang" "$dom" '<svg class="histogram"'
    check "$lang" "$dom" '<table id="students">'
    # Step columns are headed by the step's title and id, not a number.
    check "$lang" "$dom" '<code class="step-id">policy</code>'
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
echo "report-screenshot: ok: $out/{ko,en}-{desktop,phone,phone-open,anonymous,student-phone}.png"
