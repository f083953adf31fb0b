#!/usr/bin/env bash
# The wizard as a student sees it, for the README: `awslab run` in a fresh sandbox (no AWS
# credentials, its own cache folder), in a 100-column tmux pane, "Do it for me" at the first
# step and "I'll do it myself" at the second; the pane's text with its colours rendered to PNG
# by headless Chromium (scripts/ansi-to-html.py). Writes docs/images/wizard.{en,ko}.png.
# Needs tmux, chromium, fonts-noto-cjk and fonts-noto-color-emoji, the debug build (cargo build)
# and moto in .venv (./scripts/test.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/student.XXXX)
student="$work"
socket="awslab-shot-$$"
stop() {
    for lang in en ko; do
        [ -d "$work/cache-$lang" ] && env -i HOME="$student" PATH=/usr/bin:/bin \
            AWSLAB_CACHE_DIR="$work/cache-$lang" "$root/target/debug/awslab" sandbox down >/dev/null 2>&1 || true
    done
    tmux -L "$socket" kill-server 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT

for lang in en ko; do
    mkdir -m 700 "$work/cache-$lang"
    tmux -L "$socket" new-session -d -s "$lang" -x 100 -y 40 -c "$student" \
        "env -i HOME=$student PATH=/usr/bin:/bin TERM=xterm-256color LANG=en_US.UTF-8 \
         AWSLAB_CACHE_DIR=$work/cache-$lang AWSLAB_MOTO_SERVER=$root/.venv/bin/moto_server \
         $root/target/debug/awslab run --lang $lang; sleep 600"
    sleep 15
    tmux -L "$socket" send-keys -t "$lang" Enter # Do it for me
    sleep 8
    tmux -L "$socket" send-keys -t "$lang" Down Enter # I'll do it myself
    sleep 6
    tmux -L "$socket" capture-pane -e -p -t "$lang" -S -300 >"$work/$lang.ansi"
    # From the first step's answer on: what "do it for me" printed, then the second step watched.
    start=$(sed 's/\x1b\[[0-9;]*m//g' "$work/$lang.ansi" |
        grep -n -e 'Do it for me$' -e '대신 해 주세요$' | tail -1 | cut -d: -f1)
    [ -n "$start" ] || { echo "wizard-screenshot: the first answer is not on the screen ($lang)" >&2; exit 1; }
    tail -n +"$start" "$work/$lang.ansi" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$work/$lang.pane"
    lines=$(wc -l <"$work/$lang.pane")
    python3 "$root/scripts/ansi-to-html.py" <"$work/$lang.pane" >"$work/$lang.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
        --window-size=880,$((lines * 19 + 32)) --screenshot="$root/docs/images/wizard.$lang.png" \
        "file://$work/$lang.html" 2>/dev/null
    echo "$root/docs/images/wizard.$lang.png"
done
