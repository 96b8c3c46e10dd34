#!/usr/bin/env python3
"""Open a sweep's report/index.html in a real headless browser (Debian's chromium) and check it.

The page must load with no console message (errors, warnings, uncaught exceptions), reference
nothing outside itself, and hold every chart with the marks report.json says it should have
(a point per sweep point, the Pareto frontier, the teacher's reference lines, a training curve
per student, ROC curves) and a table row per point. A full-page screenshot is kept (CI
artifact). --self-test first proves the checks can fail: a broken page must be rejected.
"""
import argparse
import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

CHARTS = ["ndcg-bytes", "ndcg-latency", "roc", "training-loss", "training-ndcg"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check_report: no chromium on PATH (scripts/deps.d/compress.sh installs Debian's chromium)")


def browse(page, extra, profile):
    """Runs headless chromium on `page` with `extra` arguments; returns (stdout, console lines)."""
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        # No network: the page must be self-contained.
        "--host-resolver-rules=MAP * ~NOTFOUND", *extra, pathlib.Path(page).resolve().as_uri(),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise SystemExit(f"check_report: chromium failed ({run.returncode}):\n{run.stderr[-2000:]}")
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


class Marks(html.parser.HTMLParser):
    """Counts, per chart (svg data-chart), its elements by class; and the page's table rows and external references."""

    def __init__(self):
        super().__init__()
        self.charts = {}
        self.current = None
        self.depth = 0
        self.rows = 0
        self.in_tbody = False
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href", "xlink:href"):
            value = a.get(key) or ""
            if re.match(r"^(https?:)?//", value):
                self.external.append(f"<{tag} {key}={value}>")
        if tag == "script" and a.get("src"):
            self.external.append(f"<script src={a['src']}>")
        if tag == "svg" and "data-chart" in a:
            self.current = a["data-chart"]
            self.charts[self.current] = {}
            self.depth = 0
        if self.current:
            self.depth += 1
            for cls in (a.get("class") or "").split():
                self.charts[self.current][cls] = self.charts[self.current].get(cls, 0) + 1
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody:
            self.rows += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.current:
            self.depth -= 1

    def handle_endtag(self, tag):
        if self.current:
            self.depth -= 1
            if tag == "svg" and self.depth <= 0:
                self.current = None
        if tag == "tbody":
            self.in_tbody = False

    def handle_data(self, data):
        if re.search(r"url\(\s*['\"]?(https?:)?//", data):
            self.external.append(f"url(...) in text: {data.strip()[:80]}")


def check(page, report, screenshot):
    """Every problem found with `page` (rendered by chromium) against `report` (report.json)."""
    problems = []
    with tempfile.TemporaryDirectory() as profile:
        dom, console = browse(page, ["--dump-dom", "--virtual-time-budget=3000"], profile)
    problems += [f"console: {line.split('] ', 1)[-1]}" for line in console]
    marks = Marks()
    marks.feed(dom)
    problems += [f"external reference: {e}" for e in marks.external]
    points = len(report["points"])
    students = len(report["students"])
    teacher = report["teacher"].get("metrics") is not None
    expected = {
        # chart: {class: count} (None: at least one)
        "ndcg-bytes": {"mark": points + (1 if teacher else 0), "frontier": 1, "reference": 2 if teacher else 0},
        "ndcg-latency": {"mark": points + (1 if teacher else 0), "frontier": 1, "reference": 2 if teacher else 0},
        # the chance line, the teacher's curve, the chosen and frontier students' curves
        "roc": {"series-line": None},
        "training-loss": {"series-line": students},
        "training-ndcg": {"series-line": students},
    }
    for chart in CHARTS:
        found = marks.charts.get(chart)
        if found is None:
            problems.append(f"chart {chart} is missing")
            continue
        for cls, count in expected[chart].items():
            have = found.get(cls, 0)
            if (count is None and have == 0) or (count is not None and have != count):
                problems.append(f"chart {chart}: {have} elements of class {cls}, expected {count or 'some'}")
    if chart_count := len(marks.charts):
        if chart_count != len(CHARTS):
            problems.append(f"{chart_count} charts, expected {len(CHARTS)}")
    if "roc" in marks.charts and marks.charts["roc"].get("series-line", 0) < (3 if teacher else 2):
        problems.append(f"chart roc: {marks.charts['roc'].get('series-line', 0)} curves, expected chance, teacher and students")
    rows = points + (1 if teacher else 0)
    if marks.rows != rows:
        problems.append(f"table: {marks.rows} rows, expected {rows}")
    if screenshot:
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        if os.path.exists(screenshot):
            os.remove(screenshot)
        with tempfile.TemporaryDirectory() as profile:
            browse(page, [f"--screenshot={os.path.abspath(screenshot)}", "--window-size=1400,3200"], profile)
        with open(screenshot, "rb") as f:
            head = f.read(8)
        if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(screenshot) < 20_000:
            problems.append(f"screenshot {screenshot} is not a full-page PNG ({os.path.getsize(screenshot)} bytes)")
    return problems


def self_test(page, report):
    """A copy of the page with a console error, an external image and a chart removed must fail
    on each of the three: the checks above can fail."""
    text = pathlib.Path(page).read_text(encoding="utf-8")
    broken = text.replace('data-chart="roc"', 'data-chart="gone"', 1)
    broken = broken.replace("</body>", '<img src="https://example.com/x.png"><script>console.error("self-test")</script></body>', 1)
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "broken.html")
        pathlib.Path(path).write_text(broken, encoding="utf-8")
        problems = check(path, report, None)
    wanted = ["console:", "external reference:", "chart roc is missing"]
    missed = [w for w in wanted if not any(p.startswith(w) for p in problems)]
    if missed:
        sys.exit(f"check_report --self-test: a broken page passed the checks for {missed} (found: {problems})")
    print(f"check_report: self-test ok (a broken page fails with {len(problems)} problems)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", help="the sweep's output directory (report.json, report/index.html)")
    parser.add_argument("--screenshot", help="where to write the full-page PNG")
    parser.add_argument("--self-test", action="store_true", help="first check that a broken copy of the page fails")
    args = parser.parse_args()
    page = os.path.join(args.sweep, "report", "index.html")
    with open(os.path.join(args.sweep, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    if args.self_test:
        self_test(page, report)
    problems = check(page, report, args.screenshot)
    if problems:
        print(f"check_report: {page} has {len(problems)} problems:")
        for p in problems:
            print(f"  {p}")
        sys.exit(1)
    print(f"check_report: {page} loads in chromium with no console message and no external reference; "
          f"{len(CHARTS)} charts with {len(report['points'])} points each, a table row per point"
          + (f"; screenshot {args.screenshot}" if args.screenshot else ""))


if __name__ == "__main__":
    main()
