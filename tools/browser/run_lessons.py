"""Run lessons in JupyterLab, in a real (headless) browser, and check what a student sees.

`make test-browser` runs this. It starts JupyterLab on 127.0.0.1 with a random
token, opens copies of lessons 01, 02, 05, 06, 07, 08 and 09 in Debian's Chromium through
Playwright, runs each with "Kernel > Restart Kernel and Run All Cells..." and
checks:

  - every cell ran, every widget renders, and no cell shows an error or an exception;
  - lessons 02, 06 and 08: the live view's image and label change while the optimisation runs;
  - lesson 02: typing another class ("zebra") into the class picker and running
    the live-view cells again makes the live view name that class;
  - lesson 01: moving the slider of the last `interact` redraws its figure;
  - lesson 07: the explorer's Explain button, with the method "gradcam" chosen, shows
    a figure and names the class; with "your own file" and nothing uploaded it says
    so; and after uploading data/dog.png it explains dog.png;
  - lesson 08: both DeepDream live views end with a full bar and "ran all 60 steps"; in the
    channel explorer, with the steps slider at its minimum, another layer chosen (the channel's
    range follows) and a channel typed, Visualise runs to "ran all 32 steps" and shows a figure;
  - lesson 09 (no widgets): Run All shows its seven figures.

It prints one line per check (✓ or ✗ and what it measured), then "N passed,
M failed", and exits 1 if any check failed (2 if Chromium is missing).
Screenshots go to outputs/browser/. `python tools/browser/run_lessons.py 01 02`
runs only those lessons.
The lessons themselves are never changed: the browser works on copies in
outputs/browser/work/ (under the repository, so the setup cell finds lib/),
and everything started here (JupyterLab, kernels, Chromium) is stopped at the end.
"""

from __future__ import annotations

import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from lab import (CHROMIUM, CHROMIUM_ARGS, NOTEBOOK, OUT, PROBLEMS_JS, RECORD_LIVE_JS, ROOT, WIDGETS_JS, WORK,
                 JupyterLab, cell, check, live_view, live_view_state, open_notebook, restart_and_run_all, results,
                 run_cell, shot, wait_until_done)

# lesson -> the most seconds Run All may take. On a quiet 2-core CPU (bench/run.py --notebooks) lesson 06 takes
# about 70 s, lessons 08 and 09 about 60 s, lesson 07 about 40 s and the others under 20 s; in a browser a little
# more; the limits leave room for a busy machine
# (a run that finishes sooner doesn't wait).
LESSONS = {"01_noise_classification": 300, "02_naive_ideal_cat": 300,
           "05_exercises": 300, "06_what_the_network_really_sees": 1200,
           "07_where_does_the_network_look": 600, "08_inside_the_network": 900,
           "09_attacks_and_defences": 900}
WITHOUT_WIDGETS = ("09",)  # lessons whose outputs are figures and text only
FIGURES = {"09": 7}  # lesson -> how many figures Run All must show
NEW_CLASS = "zebra"  # typed into lesson 02's class picker
EXPLORER_CELL = "lib.explanation_explorer("  # lesson 07's cell that shows the explorer
EXPLAIN_TIMEOUT_MS = 180_000  # one click of Explain: a second or two on a quiet CPU, more when it compiles or the CPU is busy
LIVE_CELL = "callback=view"  # code in the cells (lessons 02, 06, 08) that run an optimisation shown in a live view
DREAM_CELL = "lib.deep_dream("  # lesson 08's two cells that show DeepDream in a live view
DREAM_STEPS = 60  # deep_dream's default: 2 octaves of 30 steps
CHANNEL_EXPLORER_CELL = "lib.channel_explorer("  # lesson 08's cell that shows the channel explorer
NEW_LAYER, NEW_LAYER_RANGE, NEW_CHANNEL = "block4", "0 to 39", 7  # chosen in it (Lite0's block4 has 40 channels)
VISUALISE_TIMEOUT_MS = 300_000  # one click of Visualise at 32 steps: several seconds on a quiet CPU

# ---------------------------------------------------------------- the lessons

def run_lesson(page: Page, lab: JupyterLab, name: str, timeout_s: float) -> None:
    """Open a copy of the lesson, Run All in a fresh kernel, and check the result; then the lesson's own checks."""
    for old in OUT.glob(f"{name}_*.png"):  # this lesson's screenshots from an earlier run
        old.unlink()
    (WORK / "lessons").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "lessons" / f"{name}.ipynb", WORK / "lessons" / f"{name}.ipynb")
    open_notebook(page, lab, f"outputs/browser/work/lessons/{name}.ipynb")
    page.evaluate(RECORD_LIVE_JS, LIVE_CELL)  # watch from the start: lesson 02's run takes under a second
    began = time.monotonic()
    restart_and_run_all(page)
    finished, prompts = wait_until_done(page, timeout_s)
    seconds = time.monotonic() - began
    ran = sum(bool(re.fullmatch(r"\[\d+\]:", p)) for p in prompts)
    check(finished and ran == len(prompts),
          f"{name}: Run All ran {ran}/{len(prompts)} code cells in {seconds:.0f} s"
          + ("" if finished else f" (still running after {timeout_s} s)"))
    problems = page.evaluate(PROBLEMS_JS)
    check(not problems, f"{name}: no error box, no exception, no unrendered widget"
          + ("" if not problems else ": " + "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")))
    views, shown = page.evaluate(WIDGETS_JS)
    check((views > 0 or name.startswith(WITHOUT_WIDGETS)) and shown == views, f"{name}: {shown}/{views} widget outputs rendered")
    if name[:2] in FIGURES:
        figures = page.evaluate(f"() => {NOTEBOOK}.querySelectorAll('.jp-OutputArea-output img').length")
        check(figures == FIGURES[name[:2]], f"{name}: {figures} figures shown (expected {FIGURES[name[:2]]})")
    shot(page, f"{name}_end")
    if problems and problems[0].startswith("cell "):  # the first broken cell, as the student sees it
        shot(page.locator(".jp-Notebook .jp-Cell").nth(int(problems[0].split()[1].rstrip(":"))), f"{name}_first_error")

    if name.startswith("05"):  # what an unsolved exercise's check says
        shot(cell(page, "exercises.check_"), f"{name}_first_check")
    if name.startswith("01"):
        check_interact(page, name)
    if name.startswith(("02", "06", "08")):
        check_live_view(page, name)
    if name.startswith("02"):
        check_class_picker(page, name)
    if name.startswith("07"):
        check_explorer(page, name)
    if name.startswith("08"):
        check_dreams(page, name)
        check_channel_explorer(page, name)


def check_interact(page: Page, name: str) -> None:
    """Lesson 01: the last interact redraws its figure when its slider `k` moves."""
    interact = page.locator(".widget-interact").last
    slider = interact.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    figure = interact.locator(".widget-output img").first
    if not check(interact.count() and slider.count() and figure.count(),
                 f"{name}: the last interact shows a slider and a figure"):
        return
    shot(interact, f"{name}_interact_before")
    k_before, src_before = readout.inner_text().strip(), figure.get_attribute("src")
    slider.locator(".noUi-handle").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # k: 5 -> 8, as a student would with the keyboard
    try:
        page.wait_for_function(
            """(before) => { const all = document.querySelectorAll('.widget-interact');
                             const img = all[all.length - 1].querySelector('.widget-output img');
                             return img && img.getAttribute('src') !== before; }""",
            arg=src_before, timeout=30_000)
    except Exception:
        pass
    page.wait_for_timeout(2000)  # let the last redraw land
    k_after, src_after = readout.inner_text().strip(), interact.locator(".widget-output img").first.get_attribute("src")
    check(k_after != k_before, f"{name}: the slider moved: k {k_before} -> {k_after}")
    check(src_after is not None and src_after != src_before,
          f"{name}: interact redrew the figure (image {'changed' if src_after != src_before else 'unchanged'}, "
          f"{len(src_before or '')} -> {len(src_after or '')} characters of data URL)")
    shot(interact, f"{name}_interact_after")


def check_live_view(page: Page, name: str) -> None:
    """The live view's label and image changed while the optimisation's cell was still running."""
    records = page.evaluate("() => window.liveRecords || []")
    during = [r for r in records if r["busy"] and r["view"] == 0]
    first = next((r for r in records if r["view"] == 0 and r["label"]), None)  # as displayed: the placeholder
    labels = list(dict.fromkeys(r["label"] for r in during if r["label"] and r["label"] != (first or {}).get("label")))
    images = list(dict.fromkeys(r["src"] for r in during if r["src"] and r["src"] != (first or {}).get("src")))
    seconds = (during[-1]["t"] - during[0]["t"]) / 1000 if during else 0
    check(len(labels) >= 2, f"{name}: the live view's label changed {len(labels)} times while the cell ran "
          f"(over {seconds:.1f} s): " + (" -> ".join([labels[0], "...", labels[-1]] if len(labels) > 2 else labels) or "-"))
    check(len(images) >= 2, f"{name}: the live view's image changed {len(images)} times while the cell ran")
    shot(live_view(page), f"{name}_liveview_end")


def check_class_picker(page: Page, name: str) -> None:
    """Lesson 02: type another class into the picker, run the live-view cells again, see it named."""
    box = page.locator(".jupyter-widgets.widget-text input[list]").first  # a Combobox: a text box with a list
    if not check(box.count() == 1, f"{name}: the class picker shows a text box"):
        return
    box.scroll_into_view_if_needed()
    box.fill(NEW_CLASS)
    box.press("Enter")
    page.wait_for_timeout(1000)  # the new value travels to the kernel
    shot(box.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')]").first,
         f"{name}_picker_{NEW_CLASS}")
    run_cell(page, "lib.LiveView(")           # view = lib.LiveView(..., target=picker.value)
    run_cell(page, "callback=view")           # result = lib.optimise_image(..., picker.value, callback=view)
    finished, _ = wait_until_done(page, 120)
    label = ([text.strip() for text in live_view(page).locator(".widget-label").all_inner_texts() if text.strip()]
             or [""])[-1]  # the Label widget: the last text in the view (the bar's own label is empty)
    check(finished and NEW_CLASS in label, f"{name}: after typing {NEW_CLASS!r} and running again, the live view says: {label!r}")
    shot(live_view(page), f"{name}_liveview_{NEW_CLASS}")


def check_explorer(page: Page, name: str) -> None:
    """Lesson 07: the explorer explains a photo with the method chosen, says when no file was uploaded,
    and explains a file uploaded through its upload button."""
    explorer = cell(page, EXPLORER_CELL).locator(".jp-OutputArea-output .widget-vbox").first
    button = explorer.locator("button.widget-button", has_text="Explain")
    output = explorer.locator(".widget-output")
    if not check(explorer.count() == 1 and button.count() == 1 and button.is_visible(),
                 f"{name}: the explorer renders, with its Explain button"):
        return
    def dropdown(label: str):  # the <select> of the Dropdown described as `label`
        return explorer.locator(".widget-dropdown").filter(
            has=page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).locator("select")
    def printed() -> str:  # what the explorer printed (its Output's stdout)
        return "\n".join(output.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']")
                         .all_inner_texts()).strip()
    def explain(wait_for: str, image: bool) -> tuple[bool, float]:
        """Click Explain, then wait until the output prints a line starting with `wait_for` (and shows an image)."""
        button.scroll_into_view_if_needed()
        began = time.monotonic()
        button.click()
        try:
            page.wait_for_function(
                """([box, start, image]) => {
                     const out = box.querySelector('.widget-output');
                     const lines = [...out.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]')]
                       .flatMap(o => o.textContent.split('\\n')).map(l => l.trim());
                     return lines.some(l => l.startsWith(start)) && (!image || !!out.querySelector('img'));
                   }""", arg=[explorer.element_handle(), wait_for, image], timeout=EXPLAIN_TIMEOUT_MS)
            return True, time.monotonic() - began
        except Exception:
            return False, time.monotonic() - began

    # 1. A shipped photo, the method "gradcam", as a student would choose them.
    method = dropdown("method")
    method.select_option(label="gradcam")
    chosen = method.input_value()
    start = "cat: where efficientnet_lite0 looks for"
    ok, seconds = explain(start, image=True)
    line = next((l for l in printed().splitlines() if l.startswith("cat:")), printed()[:120])
    check(ok and chosen == "gradcam", f"{name}: method {chosen!r}, Explain printed {line!r} "
          f"and showed a figure ({'after' if ok else 'nothing after'} {seconds:.0f} s)")
    figure = output.locator("img").first
    size = figure.evaluate("img => [img.naturalWidth, img.naturalHeight]") if figure.count() else [0, 0]
    ratio = size[0] / size[1] if size[1] else 0
    check(0 < ratio < 3, f"{name}: the figure holds the photo and one map, as for one method "
          f"({size[0]}x{size[1]} pixels, width/height {ratio:.1f}; all five would be wider)")
    shot(explorer, f"{name}_explorer_gradcam")

    # 2. "your own file" with nothing uploaded: the output says so.
    dropdown("photo").select_option(label="your own file (upload it below)")
    start = "\u2717 No file uploaded yet"
    ok, seconds = explain(start, image=False)
    check(ok and not output.locator("img").count(),
          f"{name}: with no file uploaded, Explain says: {(printed().splitlines() or [''])[0][:100]!r}")
    shot(explorer, f"{name}_explorer_no_upload")

    # 3. Upload data/dog.png through the upload button's file chooser (its <input type=file> is not in the page).
    upload = explorer.locator("button.widget-upload")
    try:
        with page.expect_file_chooser(timeout=15_000) as chooser:
            upload.click()
        chooser.value.set_files(str(ROOT / "data" / "dog.png"))
    except Exception as error:
        check(False, f"{name}: uploading data/dog.png: {type(error).__name__}: {str(error).splitlines()[0]}")
        return
    try:  # the button counts the files it holds, "(1)", once the upload's value is set
        page.wait_for_function("button => button.textContent.includes('(1)')", arg=upload.element_handle(), timeout=30_000)
    except Exception:
        pass
    page.wait_for_timeout(1000)  # the value travels to the kernel
    ok, seconds = explain("dog.png: where efficientnet_lite0 looks for", image=True)
    line = next((l for l in printed().splitlines() if "dog.png" in l), printed()[:120])
    check(ok, f"{name}: after uploading data/dog.png (button: {upload.inner_text().strip()!r}), Explain printed "
          f"{line!r} and showed a figure ({'after' if ok else 'nothing after'} {seconds:.0f} s)")
    shot(explorer, f"{name}_explorer_upload")


def check_dreams(page: Page, name: str) -> None:
    """Lesson 08: both DeepDream live views ended with a full bar and "ran all 60 steps"."""
    cells = page.locator(".jp-Notebook .jp-CodeCell").filter(has=page.locator(".jp-InputArea-editor", has_text=DREAM_CELL))
    if not check(cells.count() == 2, f"{name}: {cells.count()} cells show DeepDream in a live view (2 expected)"):
        return
    for k in range(cells.count()):
        code = cells.nth(k).locator(".jp-InputArea-editor").inner_text()
        layer = re.search(r"suggested\[[\"'](\w+)[\"']\]", code)
        which = f"DeepDream live view {k + 1} ({layer.group(1) if layer else 'layer ?'})"
        view = live_view(page, cells.nth(k).locator(".jp-OutputArea-output"))
        if not check(view.count() == 1, f"{name}: {which} renders"):
            continue
        label, full, bar = live_view_state(view)
        check(full >= 99.9 and label.startswith(f"ran all {DREAM_STEPS} steps"),
              f"{name}: {which} ended with its bar {full:.0f}% full ({bar.replace('progress-bar', '').strip(' -') or 'no style'}) "
              f"and says {label!r}")
        shot(view, f"{name}_dream_{k + 1}")


def check_channel_explorer(page: Page, name: str) -> None:
    """Lesson 08: in the channel explorer, the steps slider at its minimum, another layer (the channel's
    range follows it) and a channel typed; Visualise runs the live view to its end and shows a figure."""
    explorer = cell(page, CHANNEL_EXPLORER_CELL).locator(".jp-OutputArea-output .widget-vbox").first
    layer = explorer.locator(".widget-dropdown select").first
    channel = explorer.locator(".widget-text input").first
    range_box = explorer.locator(".widget-hbox").first  # HBox([channel, range label])
    slider = explorer.locator(".widget-slider").first
    button = explorer.locator("button.widget-button", has_text="Visualise")
    view = live_view(page, explorer)
    output = explorer.locator(".widget-output")
    if not check(explorer.count() == 1 and layer.count() == 1 and channel.count() == 1 and slider.count() == 1
                 and button.count() == 1 and button.is_visible() and view.count() == 1 and output.count() == 1,
                 f"{name}: the channel explorer renders, with its layer menu, channel box, steps slider, "
                 "Visualise button and live view"):
        return
    def range_text() -> str:  # the Label next to the channel box (the last text in the HBox)
        return ([t.strip() for t in range_box.locator(".widget-label").all_inner_texts() if t.strip()] or [""])[-1]
    explorer.scroll_into_view_if_needed()
    shot(explorer, f"{name}_explorer_start")

    # 1. The steps slider to its minimum, with the keyboard (step 32: 128 -> 32 in three presses).
    readout = slider.locator(".widget-readout")
    steps_before = readout.inner_text().strip()
    slider.locator(".noUi-handle").first.focus()
    for _ in range(8):
        if readout.inner_text().strip() == "32":
            break
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(200)
    steps = readout.inner_text().strip()
    check(steps == "32", f"{name}: the steps slider moved to its minimum: {steps_before} -> {steps}")

    # 2. Another layer: the range next to the channel box follows (the kernel answers).
    layer_before, range_before = layer.input_value(), range_text()
    layer.select_option(label=NEW_LAYER)
    deadline = time.monotonic() + 30
    while range_text() != NEW_LAYER_RANGE and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    check(layer.input_value() == NEW_LAYER and range_text() == NEW_LAYER_RANGE,
          f"{name}: layer {layer_before} -> {layer.input_value()}, the channel range {range_before!r} -> {range_text()!r}")

    # 3. A channel typed into the box.
    channel.fill(str(NEW_CHANNEL))
    channel.press("Enter")
    page.wait_for_timeout(1000)  # the new value travels to the kernel
    check(channel.input_value() == str(NEW_CHANNEL), f"{name}: channel {channel.input_value()!r} typed")

    # 4. Visualise: the explorer's live view runs to its end and a figure appears under it.
    button.scroll_into_view_if_needed()
    began = time.monotonic()
    button.click()
    try:
        page.wait_for_function(
            """([box, start]) => {
                 const views = [...box.querySelectorAll('.widget-vbox')].filter(v => v.querySelector('img') && v.querySelector('.widget-hprogress, .progress'));
                 const labels = views.length ? [...views[0].querySelectorAll('.widget-label')].map(l => l.textContent.trim()).filter(Boolean) : [];
                 return labels.length && labels[labels.length - 1].startsWith(start) && !!box.querySelector('.widget-output img');
               }""", arg=[explorer.element_handle(), "ran all "], timeout=VISUALISE_TIMEOUT_MS)
        ok = True
    except Exception:
        ok = False
    seconds = time.monotonic() - began
    page.wait_for_timeout(1000)  # let the last redraw land
    label, full, bar = live_view_state(view)
    check(ok and label.startswith(f"ran all {steps} steps") and full >= 99.9,
          f"{name}: Visualise ran the live view to its end ({'after' if ok else 'not after'} {seconds:.0f} s): "
          f"bar {full:.0f}% full, label {label!r}")
    figure = output.locator("img").first
    size = figure.evaluate("img => [img.naturalWidth, img.naturalHeight]") if figure.count() else [0, 0]
    printed = " ".join(t.strip() for t in output.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']").all_inner_texts() if t.strip())
    check(size[0] > 0 and not printed, f"{name}: a figure appears under the explorer ({size[0]}x{size[1]} pixels: "
          f"the ideal image of {NEW_LAYER} #{channel.input_value()} and its top patches)"
          + (f"; it also printed {printed[:150]!r}" if printed else ""))
    shot(explorer, f"{name}_explorer_visualised")


def main() -> int:
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: install Chromium (as root: apt-get update && apt-get install -y chromium) or set CHROMIUM=/path/to/chromium")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    lab = None
    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)  # `kill` stops as Ctrl-C does: everything started is stopped (see finally)
    try:
        lab = JupyterLab()
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="seecat-chromium-") as profile:
            browser = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport={"width": 1400, "height": 1000})
            try:
                chosen = [name for name in LESSONS if not sys.argv[1:] or name[:2] in sys.argv[1:]]
                for name in chosen:  # e.g. `python tools/browser/run_lessons.py 01 02` runs only those
                    timeout_s = LESSONS[name]
                    page = browser.new_page()
                    try:
                        run_lesson(page, lab, name, timeout_s)
                    except Exception as error:
                        check(False, f"{name}: the browser run broke off: {type(error).__name__}: {str(error).splitlines()[0]}")
                        shot(page, f"{name}_broken")
                    finally:
                        page.close()  # the copy is thrown away unsaved
                        lab.shut_down_kernels()
            finally:
                browser.close()
    except KeyboardInterrupt:
        check(False, "stopped (Ctrl-C or kill) before the end")
    except Exception as error:
        check(False, f"setting up: {type(error).__name__}: {error}")
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(WORK, ignore_errors=True)
    passed = sum(results)
    print(f"(took {time.monotonic() - began:.0f} s; screenshots in {OUT.relative_to(ROOT)}/)")
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
