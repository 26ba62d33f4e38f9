"""A smoke run of the benchmark, so that it can't silently rot (its figures are not checked); its modules' layout."""

import ast
import graphlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def test_the_tiny_benchmark_prints_its_tables():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--tiny"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout
    assert "| efficientnet_lite0 |" in table and "(b)/(c)" in table
    for task in ("naive ideal Siamese cat", "dog -> Siamese cat", "TV ideal Siamese cat", "TV ideal zebra"):
        assert table.count(f"| {task} |") == 2, task
    assert '| efficientnet_lite0, recipe "fourier": the same + 0.0003 TV, centred logit |' in table
    assert " of 1 (mean " in table  # the rows measured over three seeds
    assert '| efficientnet_lite0 + efficientnet_lite1, recipe "fourier", both models at once |' in table
    assert "/1 |" in table
    assert "### 6. Attribution maps" in table
    check_explain_table(table)
    assert "### 7. Inside the network" in table
    for task in ("one channel's ideal image", "four diverse images in one batch", "DeepDream on the cat photo, 224 px"):
        (row,) = [line for line in table.splitlines() if line.startswith(f"| {task} |")]
        seconds = row.split(" | ")[2]
        assert float(seconds.split()[0]) > 0 and row.endswith(("| yes |", "| no |")), row
    assert "### 8. Attacks (lesson 09)" in table
    (batch,) = [line for line in table.splitlines() if line.startswith("| PGD, 2 steps at 4/255, all 3 photos in one call |")]
    (alone,) = [line for line in table.splitlines() if line.startswith("| the same, one photo at a time |")]
    assert float(batch.split(" | ")[1].split()[0]) > 0 and "x the batch" in alone
    assert re.search(r"\| lesson 09's curves: .* at 2 budgets \| [\d.]+ \| <= 60 s \| (yes|no) \|", table)
    assert re.search(r"\| PGD, untargeted \| \d+% \| \d+% \|", table)
    assert "### 9. The cost of SEECAT_DETERMINISTIC=1" in table
    check_determinism_table(table)
    assert "### 10. Attacks that survive a camera" in table
    check_eot_tables(table)


def check_eot_tables(table: str) -> None:
    """Section 10 (tiny): one (draws, steps) row, then one row per photo and the mean, each a count or a share."""
    assert re.search(r"^\| 2 \| 2 \| \d of 2 \| \d \| \d \| \d+% \| [\d.]+ \|$", table, re.MULTILINE)
    photos = re.findall(r"^\| (\S+\.(?:png|jpg)) \| [^|]+ \| (yes|no) \| (yes|no) \| (\d+) of 20 \| ([\d.]+) \|$", table,
                        re.MULTILINE)
    assert len(photos) == 2 and all(float(seconds) > 0 for *_, seconds in photos), photos
    assert re.search(r"^\| mean \| \| \d+% \| \d+% \| \d+% \| [\d.]+ \|$", table, re.MULTILINE)


def check_determinism_table(table: str) -> None:
    """Section 9: the Fourier recipe and PGD, determinism off and on, ms per step and two bit-identity verdicts."""
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()
            if line.startswith(("| Fourier recipe, ", "| PGD at 4/255, "))]
    assert [(row[0].split(",")[0], row[1]) for row in rows] == [("Fourier recipe", "off"), ("Fourier recipe", "on"),
                                                               ("PGD at 4/255", "off"), ("PGD at 4/255", "on")]
    for _, mode, milliseconds, ratio, within, across in rows:
        assert all(float(ms) > 0 for ms in milliseconds.split(", ")), milliseconds
        assert ratio == "—" if mode == "off" else re.fullmatch(r"\d+\.\d\dx", ratio), ratio
        assert re.fullmatch(r"(yes|no \(up to [\d.e+-]+/255\))(, (yes|no \(.*\)))?", within), within
        assert re.fullmatch(r"yes|no \(up to [\d.e+-]+/255\)", across), across


def check_explain_table(table: str) -> None:
    """Section 6 has a row per attribution method, its seconds numbers, and the process's peak memory."""
    rows = {cells[0]: cells for cells in (line.strip("| ").split(" | ") for line in table.splitlines()
                                          if line.startswith("| ") and line.count(" | ") == 6)}
    for method in ("gradient", "smoothgrad", "integrated_gradients", "gradcam", "occlusion"):
        _, settings, batched, unbatched, speed_up, target, within = rows[method]
        assert float(batched) > 0 and target.startswith("<= ") and within in ("yes", "no"), rows[method]
        if method in ("gradient", "gradcam"):  # nothing to batch
            assert unbatched == speed_up == "—", rows[method]
        else:
            assert float(unbatched) > 0 and float(speed_up.removesuffix("x")) > 0, rows[method]
            assert "batch_size=" in settings, rows[method]
    assert re.search(r"Peak memory of this process \(.*\): \d+ MB", table)


def bench_imports() -> dict[str, set[str]]:
    """Which of bench/'s modules each of them imports (at its top or inside a function), read from its source."""
    paths = {path.stem: path for path in BENCH.glob("*.py")}
    graph = {}
    for name, path in paths.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
        graph[name] = imported & paths.keys() - {name}
    return graph


def test_the_bench_modules_import_each_other_without_a_circle():
    graph = bench_imports()
    assert {"run", "common", "peers"} <= graph.keys(), graph
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError, naming the circle
    assert order[0] == "common" and graph["common"] == set(), graph  # common imports no other bench module
    assert not any("run" in imported for imported in graph.values()), graph  # the entry point: no module imports it
    with pytest.raises(graphlib.CycleError):  # the check itself sees a circle
        list(graphlib.TopologicalSorter({"run": {"peers"}, "peers": {"run"}}).static_order())


def _bench(module: str = "run"):
    """A module of bench/, imported as bench/run.py imports it."""
    import importlib

    sys.path.insert(0, str(BENCH))
    return importlib.import_module(module)


def test_each_section_has_one_entry_and_its_flag_picks_it():
    run = _bench()
    flags = [section.flag for section in run.SECTIONS if section.flag]
    assert flags == ["goals", "notebooks", "explain", "inside", "attacks", "determinism", "eot", "peers"]
    assert len({section.heading for section in run.SECTIONS}) == len(run.SECTIONS)
    for flag in flags:
        assert run.chosen(run.parse([f"--{flag}"])).flag == flag
    assert run.chosen(run.parse(["--notebooks", "lessons/02_naive_ideal_cat.ipynb"])).flag == "notebooks"
    assert run.chosen(run.parse(["--tiny"])) is None  # the full run
    with pytest.raises(SystemExit):
        run.parse(["--goals", "--eot"])  # one section at a time


def test_an_agreement_cell_shows_each_seed_and_the_mean():
    quality = _bench("quality")
    assert quality.agreement_cell([7], 10) == "7/10"
    assert quality.agreement_cell([6, 7, 8], 10) == "6, 7, 8 of 10 (mean 7.0)"


def test_the_floor_counts_each_compiled_function_at_its_median_without_its_first_call():
    notebooks = _bench("notebooks")
    report = "1234\nCOMPILED-CALLS " + json.dumps([
        ["step", 5, 2.0, 0.1],  # traced in its first call: 5 calls at 0.1 s
        ["step", 1, 1.5, None],  # called once: no steady-state time
        ["attribution", 3, 0.5, 0.2],
        ["predict", 4, 0.3, 0.01],
    ])
    floor = notebooks.compute_floor(report)
    assert floor["step"] == pytest.approx(0.5) and floor["attribution"] == pytest.approx(0.6)
    assert floor["predict"] == pytest.approx(0.04)
    assert floor["calls"] == {"step": 6, "attribution": 3, "predict": 4} and floor["functions"] == 4
    assert floor["once"] == 1 and floor["once_seconds"] == pytest.approx(1.5)
    assert floor["first_seconds"] == pytest.approx(2.0 + 1.5 + 0.5 + 0.3)
    with pytest.raises(ValueError, match="COMPILED-CALLS"):
        notebooks.compute_floor("1234\n")


def test_the_notebooks_table_shows_shares_floors_gaps_and_the_targets():
    notebooks = _bench("notebooks")
    floor = notebooks.compute_floor("COMPILED-CALLS " + json.dumps([["step", 11, 3.0, 2.0], ["predict", 10, 0.5, 0.2]]))
    none = notebooks.compute_floor("COMPILED-CALLS []")
    table = notebooks.notebook_table([("lessons/00_a.ipynb", 20.0, none, "800", []),
                                      ("lessons/01_b.ipynb", 380.0, floor, "900", ["cell 3: ValueError: bad"])])
    rows = {cells[0]: cells for cells in (row.strip("| ").split(" | ") for row in table if row.startswith("| "))}
    assert rows["lessons/00_a.ipynb"][1:] == ["20", "5%", "0.0 (0.0 + 0.0)", "20", "—", "0, 0", "0, 0.0", "800"]
    # 11 steps at 2 s and 10 predictions at 0.2 s: a floor of 24 s, 356 s above it; the first calls took 3.5 s
    assert rows["lessons/01_b.ipynb (error in cell 3: ValueError: bad)"][1:] == [
        "380", "95%", "24.0 (22.0 + 2.0)", "356", "15.8x", "11, 10", "2, 3.5", "900"]
    assert rows["**all**"][1:] == ["**400**", "100%", "**24.0**", "376", "16.7x", "11, 10", "2, 3.5", "**900** (the largest)"]
    summary = next(line for line in table if line.startswith("All notebooks"))
    assert "400 s against the target of 360 s (over)" in summary
    assert "the largest, lessons/01_b.ipynb: 380 s against 90 s for one notebook (over)" in summary
    part = notebooks.notebook_table([("lessons/00_a.ipynb", 20.0, none, "800", [])], whole_curriculum=False)
    assert any(line.startswith("These 1 notebooks (not the whole curriculum): 20 s;") and "(within)" in line
               for line in part)


def test_the_instrument_times_every_compiled_function_a_notebook_calls(tmp_path):
    """A tiny notebook with a setup cell, then steps (direct, optimise_image's, PGD's), a gradient map, a prediction."""
    import nbformat

    notebooks = _bench("notebooks")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport lib"),
        nbformat.v4.new_code_cell(
            "import keras, numpy as np, tensorflow as tf\n"
            "image = keras.Input((8, 8, 3))\n"
            "model = keras.Model(image, keras.layers.Dense(1000)(keras.layers.Flatten()(image)), name='tiny')\n"
            "grey = np.full((8, 8, 3), 0.5, np.float32)\n"
            "step = lib.make_step(model, lib.cross_entropy(1), tf.Variable(grey[None]))\n"
            "for _ in range(5):\n    step()\n"
            "result = lib.optimise_image(model, lib.cross_entropy(2), num_steps=4, stop_at=None)\n"
            "attacked = lib.pgd(model, grey[None], [3], 4, steps=3)\n"
            "gradient = lib.explain(model, grey, 1, 'gradient')\n"
            "probabilities = lib.models.predict_batch(model, np.stack([grey] * 3))"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    seconds, report, errors = notebooks.run_notebook(path, notebooks.REPORT_CELL, after_setup=notebooks.INSTRUMENT_CELL)
    assert not errors, errors
    functions = json.loads(next(line for line in report.splitlines() if line.startswith("COMPILED-CALLS "))[15:])
    counts = sorted((kind, count) for kind, count, _, _ in functions)
    assert ("step", 5) in counts, counts  # the direct step, each call counted
    assert len([kind for kind, _ in counts if kind == "step"]) == 3, counts  # and optimise_image's and PGD's
    floor = notebooks.compute_floor(report)
    assert floor["calls"]["step"] >= 5 + 4 + 3 and floor["calls"]["attribution"] >= 1 and floor["calls"]["predict"] >= 1
    assert 0 < floor["step"] < seconds, floor
    assert re.search(r"^\d+$", report, re.MULTILINE), "the kernel's peak memory"
