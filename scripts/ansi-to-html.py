#!/usr/bin/env python3
"""A terminal pane captured with `tmux capture-pane -e -p` (text with SGR colour codes) as one
HTML page, for headless Chromium to render (scripts/wizard-screenshot.sh). Only what the
wizard prints is handled: reset, bold, dim, the 16 foreground colours and their resets."""
import html
import re
import sys

COLOURS = {30: "#2e3436", 31: "#cc3333", 32: "#3d9a3d", 33: "#c4a000", 34: "#3465a4",
           35: "#a54aa5", 36: "#1f8f9f", 37: "#d3d7cf", 90: "#777", 91: "#ef5555",
           92: "#5fbf5f", 93: "#e0c040", 94: "#6f9fdf", 95: "#c07fc0", 96: "#40b8c8", 97: "#fff"}
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def convert(text):
    bold = dim = False
    colour = None
    out = []
    pos = 0
    for m in SGR.finditer(text):
        out.append(span(text[pos:m.start()], bold, dim, colour))
        pos = m.end()
        for code in [int(c) for c in m.group(1).split(";") if c] or [0]:
            if code == 0:
                bold = dim = False
                colour = None
            elif code == 1:
                bold = True
            elif code == 2:
                dim = True
            elif code == 22:
                bold = dim = False
            elif code == 39:
                colour = None
            elif code in COLOURS:
                colour = COLOURS[code]
    out.append(span(text[pos:], bold, dim, colour))
    return "".join(out)


def span(s, bold, dim, colour):
    if not s:
        return ""
    style = []
    if bold:
        style.append("font-weight:bold")
    if dim:
        style.append("opacity:.62")
    if colour:
        style.append(f"color:{colour}")
    s = html.escape(s)
    return f'<span style="{";".join(style)}">{s}</span>' if style else s


def main():
    text = sys.stdin.read().rstrip("\n")
    body = convert(text)
    print(f"""<!doctype html><meta charset="utf-8"><style>
html,body{{margin:0;background:#1e1f22}}
pre{{margin:0;padding:14px 18px;color:#e6e6e6;background:#1e1f22;
font:14px/1.35 'DejaVu Sans Mono','Noto Sans Mono CJK KR','Noto Color Emoji',monospace;white-space:pre}}
</style><pre>{body}</pre>""")


if __name__ == "__main__":
    main()
