#!/usr/bin/env bash
# Renders the HTML report that test_report wrote (build/artifacts/report.html) in headless Chromium and checks
# the DOM Chromium built from it: the SVG timeline with a mark per access (the unexpected ones marked), the
# agent's gaps shaded, a table row per access, the file named with <script> shown as text (no script element
# anywhere), and no element that loads anything from a URL. Takes a screenshot, kept as
# build/artifacts/report.png, and checks it is a real picture.
#
# Prints TAP lines ("ok N - ...", "not ok N - ...", "ok N # SKIP ...") that run.sh counts. Without Chromium
# the tests are skipped, except under CI=true, where that is a failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
art=$here/build/artifacts
html=$art/report.html
marks=${CV_REPORT_MARKS:-10}		# what test_report's log holds
unexpected=${CV_REPORT_UNEXPECTED:-5}
gaps=${CV_REPORT_GAPS:-2}

echo "1..3"
chrome=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -z "$chrome" ]; then
	if [ "${CI:-}" = true ]; then
		for i in 1 2 3; do
			echo "not ok $i - chromium-headless-shell is not installed (tests/scripts/install-deps.sh)"
		done
		exit 1
	fi
	for i in 1 2 3; do echo "ok $i # SKIP chromium-headless-shell is not installed"; done
	exit 0
fi
if [ ! -s "$html" ]; then
	for i in 1 2 3; do echo "not ok $i - $html is missing: test_report writes it (run build/test_report)"; done
	exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" --no-first-run
       --disable-background-networking)
failed=0

dom=$art/report.dom.html
if timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>"$art/chromium.log" && [ -s "$dom" ]; then
	echo "ok 1 - chromium renders the report"
else
	echo "not ok 1 - chromium could not render $html (see $art/chromium.log)"
	failed=1
fi

if python3 - "$dom" "$marks" "$unexpected" "$gaps" <<'PY'
import sys
from html.parser import HTMLParser

dom, want_marks, want_unexp, want_gaps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.svg = 0
        self.marks = self.unexp_marks = self.gap_rects = 0
        self.rows = self.unexp_rows = 0
        self.text = []
        self.external = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "svg" and "timeline" in cls:
            self.svg += 1
        if tag == "rect" and "mark" in cls:
            self.marks += 1
            self.unexp_marks += "unexpected" in cls
        if tag == "rect" and "gap" in cls:
            self.gap_rects += 1
        if tag == "tr" and "access" in cls:
            self.rows += 1
            self.unexp_rows += "unexpected" in cls
        if tag == "script":
            self.scripts += 1
        for k, v in attrs:
            # Anything that would make the browser fetch: src, href, srcset, poster, data, style url().
            if k in ("src", "href", "xlink:href", "srcset", "poster", "data", "action", "formaction") and v:
                self.external.append(f"<{tag} {k}={v}>")
            if k == "style" and v and "url(" in v:
                self.external.append(f"<{tag} style={v}>")
        if tag in ("link", "iframe", "object", "embed", "img", "video", "audio", "source"):
            self.external.append(f"<{tag}>")

    def handle_data(self, data):
        self.text.append(data)


p = Dom()
p.feed(open(dom, encoding="utf-8").read())
text = "".join(p.text)
if p.svg != 1:
    problems.append(f"{p.svg} svg timelines, not 1")
if p.marks != want_marks or p.unexp_marks != want_unexp:
    problems.append(f"timeline: {p.marks} marks ({p.unexp_marks} unexpected), not {want_marks} ({want_unexp})")
if p.gap_rects != want_gaps:
    problems.append(f"timeline: {p.gap_rects} gaps shaded, not {want_gaps}")
if p.rows != want_marks or p.unexp_rows != want_unexp:
    problems.append(f"table: {p.rows} rows ({p.unexp_rows} unexpected), not {want_marks} ({want_unexp})")
if p.scripts:
    problems.append(f"{p.scripts} script elements: a path became markup")
if "/media/frigate/clips/<script>alert(1)</script>.mp4" not in text:
    problems.append("the <script> path is not shown as text")
if p.external:
    problems.append("elements load URLs: " + ", ".join(p.external[:5]))
if "url(" in text and "http" in text.split("url(", 1)[1][:10]:
    problems.append("the style sheet loads a URL")
for s in problems:
    print("# " + s)
sys.exit(1 if problems else 0)
PY
then
	echo "ok 2 - the DOM has the timeline ($marks marks, $unexpected unexpected, $gaps gaps), $marks rows," \
		"the <script> path as text, nothing external"
else
	echo "not ok 2 - the rendered DOM is not the report it should be (above)"
	failed=1
fi

png=$art/report.png
rm -f "$png"
timeout 120 "$chrome" "${flags[@]}" --screenshot="$png" --window-size=1280,1600 "file://$html" \
	>>"$art/chromium.log" 2>&1
# A blank page compresses to a few KB; the report, with its table and timeline, is well over that.
size=$(stat -c %s "$png" 2>/dev/null || echo 0)
if [ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$size" -gt 20000 ]; then
	echo "ok 3 - screenshot $png ($size bytes)"
else
	echo "not ok 3 - no screenshot, or a trivial one ($png, $size bytes; see $art/chromium.log)"
	failed=1
fi
exit "$failed"
