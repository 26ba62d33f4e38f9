"""JupyterLab in headless Chromium, for tools/browser/run_lessons.py: start it, open a notebook, Run All, read cells.

Everything here drives the page as a student would (menus, buttons, what
the cells show); run_lessons.py holds the lessons' checks.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page


ROOT = Path(__file__).resolve().parents[2]


OUT = ROOT / "outputs" / "browser"


WORK = OUT / "work"  # copies of the lessons; must stay under ROOT (the setup cell looks up for lib/models.py)


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's; never a Playwright download


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


results: list[bool] = []


def check(ok: bool, what: str) -> bool:
    """Print one check's line and remember whether it passed."""
    print(f"{'✓' if ok else '✗'} {what}", flush=True)
    results.append(bool(ok))
    return ok


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with its own token, settings and runtime folders."""

    def __init__(self):
        self.token = secrets.token_hex(24)
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="seecat-browser-"))
        # Our own settings: no autosave (nothing is written back), no news pop-up, and
        # every cell kept in the page (JupyterLab otherwise drops cells scrolled far away).
        settings = {"docmanager-extension/plugin": {"autosave": False},
                    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
                    "notebook-extension/tracker": {"windowingMode": "none"}}
        for name, values in settings.items():
            path = self.temp / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, SEECAT_MODEL="efficientnet_lite0", JUPYTER_RUNTIME_DIR=str(self.temp / "runtime"))
        env.pop("MPLBACKEND", None)  # the notebooks' own inline backend draws the figures
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={ROOT}",
                   f"--LabApp.user_settings_dir={self.temp / 'settings'}",
                   f"--LabApp.workspaces_dir={self.temp / 'workspaces'}", "--LabApp.expose_app_in_browser=True"]
        if os.getuid() == 0:
            command.append("--allow-root")
        self.log = open(OUT / "jupyterlab.log", "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        for _ in range(120):  # wait until it answers (at most a minute)
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited with status {self.process.returncode}; see {self.log.name}")
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer on {self.url}; see {self.log.name}")

    def api(self, method: str, path: str):
        request = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self):
        """Stop the server (it shuts its kernels down), then anything of ours still running."""
        try:
            self.shut_down_kernels()
        except Exception:
            pass
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Kernels run in their own sessions: find any left by their connection file in our runtime folder.
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(self.temp / "runtime") in cmdline.read_bytes().decode(errors="replace"):
                    os.kill(int(cmdline.parent.name), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        self.log.close()
        shutil.rmtree(self.temp, ignore_errors=True)


# JavaScript run in the page. The notebook on show is the one in the main area.
NOTEBOOK = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"


PROMPTS_JS = f"""() => [...{NOTEBOOK}.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"""


KERNEL_STATUS_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel ? kernel.status : 'none';
}"""


# What a student would see as broken: error outputs (tracebacks), exceptions printed to stderr, widgets
# that never rendered. The cells' outputs come from the notebook's model; outputs inside widgets (an
# interact's figure, or its traceback) and the widgets themselves from the page.
PROBLEMS_JS = f"""() => {{
  const problems = [], exception = /Traceback \\(most recent call last\\)|^\\w*(Error|Exception)\\b/m;
  const lastLine = text => text.trim().split('\\n').slice(-1)[0].slice(0, 200);
  window.jupyterapp.shell.currentWidget.model.toJSON().cells.forEach((cell, index) => {{
    for (const output of cell.outputs || []) {{
      const text = [].concat(output.text || '').join('');
      if (output.output_type === 'error') problems.push(`cell ${{index}}: ${{output.ename}}: ${{output.evalue}}`.slice(0, 200));
      if (output.name === 'stderr' && exception.test(text)) problems.push(`cell ${{index}}: exception on stderr: ${{lastLine(text)}}`);
    }}
  }});
  for (const box of {NOTEBOOK}.querySelectorAll('.jupyter-widgets .jp-OutputArea-output')) {{
    if (box.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr' && exception.test(box.textContent))
      problems.push('error inside a widget: ' + lastLine(box.textContent));
  }}
  for (const box of {NOTEBOOK}.querySelectorAll('.jp-OutputArea-output')) {{
    const text = box.textContent;
    if (text.includes('Error displaying widget') || text.includes('Loading widget'))
      problems.push('widget not shown: ' + text.trim().slice(0, 200));
  }}
  return problems;
}}"""


# Widget outputs the notebook holds (from its model) against those on screen (a drawn widget, not a placeholder).
WIDGETS_JS = f"""() => {{
  const panel = window.jupyterapp.shell.currentWidget;
  const expected = panel.model.toJSON().cells.flatMap(c => c.outputs || [])
    .filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length;
  const outputs = [...{NOTEBOOK}.querySelectorAll('.jp-OutputArea-output')].filter(o => !o.parentElement.closest('.jupyter-widgets'));
  const shown = outputs.filter(o => {{ const w = o.querySelector('.jupyter-widgets'); return w && w.getBoundingClientRect().height > 0; }});
  return [expected, shown.length];
}}"""


# Records every change of each live view (a VBox with an image and a progress bar) as it happens, with
# whether the cell that runs the optimisation (its code contains `running`) was still running ([*]) then.
RECORD_LIVE_JS = f"""(running) => {{
  window.liveRecords = [];
  const last = new Map();
  const snapshot = () => {{
    const notebook = {NOTEBOOK};
    if (!notebook) return;
    const busy = [...notebook.querySelectorAll('.jp-CodeCell')].some(cell =>
      cell.querySelector('.jp-InputArea-editor').textContent.includes(running)
      && cell.querySelector('.jp-InputPrompt').textContent.includes('*'));
    const boxes = [...notebook.querySelectorAll('.widget-vbox')].filter(b => b.querySelector('img') && b.querySelector('.progress, .widget-hprogress'));
    boxes.forEach((box, index) => {{
      const labels = [...box.querySelectorAll('.widget-label')].filter(l => l.textContent.trim());
      const label = labels.length ? labels[labels.length - 1].textContent.trim() : '';
      const src = box.querySelector('img').getAttribute('src') || '';
      const key = label + ' | ' + src;
      if (last.get(index) !== key) {{
        last.set(index, key);
        window.liveRecords.push({{view: index, t: performance.now(), busy, label, src}});
      }}
    }});
  }};
  new MutationObserver(snapshot).observe(document.body, {{subtree: true, childList: true, attributes: true, characterData: true}});
}}"""


def open_notebook(page: Page, lab: JupyterLab, path: str) -> None:
    """Open a notebook in its own JupyterLab workspace and wait for its kernel."""
    workspace = Path(path).stem
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function(f"({KERNEL_STATUS_JS})() === 'idle'", timeout=120_000)


def restart_and_run_all(page: Page) -> None:
    """Kernel > Restart Kernel and Run All Cells..., then confirm the dialog."""
    page.locator(".lm-MenuBar-item", has_text="Kernel").click()
    page.locator(".lm-Menu-item", has_text="Restart Kernel and Run All").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()


def wait_until_done(page: Page, timeout_s: float) -> tuple[bool, list[str]]:
    """Wait until no cell is queued or running and the kernel is idle; (finished in time, prompts)."""
    deadline, settled = time.monotonic() + timeout_s, 0
    page.wait_for_timeout(1000)
    while time.monotonic() < deadline:
        prompts = page.evaluate(PROMPTS_JS)
        idle = page.evaluate(KERNEL_STATUS_JS) == "idle" and not any("*" in p for p in prompts)
        settled = settled + 1 if idle else 0
        if settled >= 3:  # idle three polls in a row: the run is over
            return True, prompts
        page.wait_for_timeout(1000)
    return False, page.evaluate(PROMPTS_JS)


def cell(page: Page, text: str):
    """The first code cell whose code contains `text`."""
    return page.locator(".jp-Notebook .jp-CodeCell").filter(has=page.locator(".jp-InputArea-editor", has_text=text)).first


def run_cell(page: Page, text: str) -> None:
    """Select the cell whose code contains `text` and run it (Shift+Enter), as a student would."""
    cell(page, text).locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")


def live_view(page: Page, within=None):
    """The (first) live view, in the page or `within` a locator: a VBox holding an image and a progress bar."""
    return (within or page).locator(".widget-vbox").filter(has=page.locator("img")).filter(
        has=page.locator(".progress, .widget-hprogress")).first


def live_view_state(view) -> tuple[str, float, str]:
    """A live view's label (the last text in it; the bar's own label is empty), how full its bar is
    (percent, from the bar's width) and the bar's classes (its style, e.g. progress-bar-success)."""
    return tuple(view.evaluate("""box => {
      const labels = [...box.querySelectorAll('.widget-label')].map(l => l.textContent.trim()).filter(Boolean);
      const bar = box.querySelector('.progress-bar');
      return [labels.length ? labels[labels.length - 1] : '', bar ? parseFloat(bar.style.width) : -1,
              bar ? bar.className : ''];
    }"""))


def shot(target, name: str) -> None:
    """Screenshot of the page or one element, to outputs/browser/NAME.png."""
    try:
        if hasattr(target, "scroll_into_view_if_needed"):
            target.scroll_into_view_if_needed(timeout=5000)
        target.screenshot(path=str(OUT / f"{name}.png"), timeout=15_000)
    except Exception as error:  # a missing screenshot is no reason to stop the checks
        print(f"  (no screenshot {name}: {str(error).splitlines()[0]})")
