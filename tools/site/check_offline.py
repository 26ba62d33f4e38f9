"""Open every page of the static site in headless Chromium with the network cut, as in a classroom without one.

Every request that leaves the site's folder is aborted and counted; the
check fails on any such request, on a request inside the folder that
fails (a missing file), on a console error or an uncaught exception, on
equations left as raw TeX ($...$, \\(...\\), \\[...\\]) once MathJax has
finished, on a MathJax error, and on a figure without alt text. It prints
one line per page and a summary: pages opened, equations typeset,
figures with alt text, requests blocked.

    python tools/site/check_offline.py                  # outputs/site (make site-check)
    python tools/site/check_offline.py /tmp/site-try    # another build
    python tools/site/check_offline.py --slides DIR     # also step through the reveal.js decks in DIR

Chromium is Debian's (/usr/bin/chromium, or CHROMIUM=/path), driven by
Playwright; Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "browser"))
from lab import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the project's one way to start Chromium)

SITE = ROOT / "outputs" / "site"
PAGE_TIMEOUT_MS = 60_000  # one page, MathJax included
DEFAULT_ALT = "No description has been provided for this image"  # what nbconvert writes when a figure has none

# True once MathJax has started and has nothing left to do (the template queues a Typeset at startup).
MATHJAX_IDLE_JS = """() => !!(window.MathJax && MathJax.isReady && MathJax.Hub.queue
                            && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running)"""
MATHJAX_SECONDS = 60  # MathJax typesets a page in about a second; past this it is stuck (a missing file, say)


# What the reader sees of the equations and figures, once MathJax is done.
PAGE_FACTS_JS = r"""() => {
  const raw = [];
  const texts = document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon');
  for (const block of texts) {
    const copy = block.cloneNode(true);  // the text a reader sees: no code, no MathJax's own copies of the TeX
    copy.querySelectorAll('code, pre, script, .MathJax_Preview, .MathJax, .MathJax_Display, .MJX_Assistive_MathML')
      .forEach(node => node.remove());
    const text = copy.textContent;
    const found = text.match(/\$\$[^$]+\$\$|\$[^$\s][^$]*?[^$\s\\]\$|\$[^$\s]\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g) || [];
    raw.push(...found.map(match => match.slice(0, 80)));
  }
  const images = [...document.querySelectorAll('img')];
  return {
    raw,
    typeset: document.querySelectorAll('script[type^="math/tex"]').length,
    rendered: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_CHTML').length,
    mathErrors: document.querySelectorAll('.MathJax_Error, [data-mjx-error], merror').length,
    figures: images.filter(image => (image.getAttribute('src') || '').startsWith('data:image/')).length,
    withAlt: images.filter(image => (image.getAttribute('src') || '').startsWith('data:image/')
                                   && (image.getAttribute('alt') || '').trim()
                                   && image.getAttribute('alt') !== '""" + DEFAULT_ALT + r"""').length,
    noAlt: images.filter(image => !(image.getAttribute('alt') || '').trim()
                                  || image.getAttribute('alt') === '""" + DEFAULT_ALT + r"""').length,
  };
}"""


@dataclass
class Report:
    """What one page did: its problems, and what it showed."""
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    equations: int = 0
    figures: int = 0
    with_alt: int = 0
    note: str = ""


def mathjax_finished(page: Page) -> bool:
    """Wait until MathJax has typeset the page; False if it has not within MATHJAX_SECONDS, or never loaded."""
    if not page.evaluate("() => !!window.MathJax"):
        return False
    try:
        page.wait_for_function(MATHJAX_IDLE_JS, timeout=1000 * MATHJAX_SECONDS, polling=100)
        return True
    except PlaywrightTimeout:
        return False


def inside(url: str, site: Path) -> bool:
    """Whether `url` is a file in the site's folder (data: URLs never reach the network)."""
    return url.startswith("data:") or url.startswith(site.as_uri() + "/")


def open_offline(page: Page, url: str, site: Path, report: Report) -> None:
    """Load `url` with every request outside `site` aborted, recording blocked requests and errors in `report`."""
    def route(request_route):
        if inside(request_route.request.url, site):
            request_route.continue_()
        else:
            report.blocked.append(request_route.request.url)
            request_route.abort("internetdisconnected")

    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error"
            and report.problems.append(f"console error: {message.text[:200]}"))
    page.on("pageerror", lambda error: report.problems.append(f"uncaught exception: {str(error)[:200]}"))
    page.on("requestfailed", lambda request: inside(request.url, site)
            and report.problems.append(f"a file of the site failed to load: {request.url[len(site.as_uri()):]}"))
    page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)


def check_page(page: Page, path: Path, site: Path) -> Report:
    """Open one page offline, wait for MathJax, and check its equations and figures."""
    report = Report()
    open_offline(page, path.as_uri(), site, report)
    if not mathjax_finished(page):
        report.problems.append(f"MathJax did not load, or did not finish within {MATHJAX_SECONDS} s")
    facts = page.evaluate(PAGE_FACTS_JS)
    report.problems += [f"raw TeX left: {text!r}" for text in facts["raw"]]
    if facts["mathErrors"]:
        report.problems.append(f"{facts['mathErrors']} MathJax error(s)")
    if facts["typeset"] and not facts["rendered"]:
        report.problems.append(f"{facts['typeset']} equation(s) found, none rendered")
    if facts["noAlt"]:
        report.problems.append(f"{facts['noAlt']} image(s) without alt text")
    report.equations, report.figures, report.with_alt = facts["typeset"], facts["figures"], facts["withAlt"]
    return report


def check_deck(page: Page, path: Path, site: Path) -> Report:
    """Open one reveal.js deck offline and step through every slide to the end, checking each one's equations."""
    report = Report()
    open_offline(page, path.as_uri(), site, report)
    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady && Reveal.isReady()", timeout=PAGE_TIMEOUT_MS)
    except PlaywrightTimeout:
        report.problems.append("reveal.js did not start")
        return report
    if not mathjax_finished(page):
        report.problems.append(f"MathJax did not load, or did not finish within {MATHJAX_SECONDS} s")
    total = page.evaluate("() => Reveal.getTotalSlides()")
    steps = 0
    while not page.evaluate("() => Reveal.isLastSlide() && !Reveal.availableFragments().next") and steps < 10 * total:
        page.evaluate("() => Reveal.next()")
        steps += 1
    if not page.evaluate("() => Reveal.isLastSlide()"):
        report.problems.append(f"stepping did not reach the last of {total} slides")
    facts = page.evaluate(PAGE_FACTS_JS)
    report.problems += [f"raw TeX left: {text!r}" for text in facts["raw"]]
    report.equations, report.figures, report.with_alt = facts["typeset"], facts["figures"], facts["withAlt"]
    report.note = f", {total} slides stepped through"
    return report


def main(site: Path, slides: Path | None = None) -> int:
    """Check every page of `site` (and every deck in `slides`); returns the number of pages with problems."""
    if not (site / "index.html").exists():
        raise SystemExit(f"check_offline: no site in {site} (no index.html): build it first with `make site`")
    pages = [page for page in sorted(site.rglob("*.html")) if "_static" not in page.relative_to(site).parts]
    decks = sorted(slides.rglob("*.slides.html")) if slides else []
    reports = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path, folder, check in [(p, site, check_page) for p in pages] + [(d, slides, check_deck) for d in decks]:
            context = browser.new_context()  # a fresh one per page: no cache, no state carried over
            report = check(context.new_page(), path, folder)
            context.close()
            report.problems[:0] = [f"request outside the site blocked: {url[:120]}" for url in report.blocked]
            print(f"{'✗' if report.problems else '✓'} {path.relative_to(folder).as_posix()}: {report.equations} "
                  f"equations, {report.with_alt} of {report.figures} figures with alt text, "
                  f"{len(report.blocked)} requests blocked{report.note}", flush=True)
            for problem in report.problems[:20]:
                print(f"    {problem}")
            reports.append(report)
        browser.close()
    failed = sum(bool(report.problems) for report in reports)
    print(f"{len(reports)} pages opened offline ({len(pages)} site pages, {len(decks)} decks), "
          f"{len(reports) - failed} clean; {sum(r.equations for r in reports)} equations typeset, "
          f"{sum(r.with_alt for r in reports)} of {sum(r.figures for r in reports)} figures with alt text, "
          f"{sum(len(r.blocked) for r in reports)} requests outside the site blocked")
    return failed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=SITE, help=f"the site's folder (default: {SITE})")
    parser.add_argument("--slides", type=Path, help="a folder of reveal.js decks (make slides) to step through too")
    args = parser.parse_args()
    sys.exit(1 if main(args.site.resolve(), args.slides.resolve() if args.slides else None) else 0)
