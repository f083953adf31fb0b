#!/usr/bin/env bash
# Finds headless Chromium and a Korean font (Korean pages as text, not boxes), installing Debian's
# chromium and fonts-noto-cjk when they are missing and we are root with apt-get; otherwise says
# how and fails. Exports AWSLAB_CHROMIUM, the browser's path (read by the browser tests,
# tests/it/common/browser.rs). Sourced from the project root by test.sh and report-screenshot.sh.
awslab_chromium_find() {
    local candidate
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" >/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
awslab_korean_font() { fc-list :lang=ko 2>/dev/null | grep -q .; }

if [[ -z "${AWSLAB_CHROMIUM:-}" ]] || [[ ! -x "$AWSLAB_CHROMIUM" ]]; then
    AWSLAB_CHROMIUM=$(awslab_chromium_find || true)
fi
if [[ -z "$AWSLAB_CHROMIUM" ]] || ! awslab_korean_font; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "installing chromium and fonts-noto-cjk (first run only)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium fonts-noto-cjk >&2 ||
            { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends chromium fonts-noto-cjk >&2; }
        AWSLAB_CHROMIUM=${AWSLAB_CHROMIUM:-$(command -v chromium)}
    else
        echo "awslab: the browser tests need Chromium and a Korean font. On Debian or Ubuntu:" >&2
        echo "  sudo apt-get install chromium fonts-noto-cjk" >&2
        echo "(or set AWSLAB_CHROMIUM to a Chromium binary)" >&2
        exit 1
    fi
fi
export AWSLAB_CHROMIUM
