"""The board wheel (board/pyproject.toml): built with ``build``, installed with pip into a clean venv that holds
numpy and nothing else of this project's world, its contents checked, and its notebook executed there with
nbclient, found through the ``pynq.notebooks`` entry point as ``pynq get-notebooks`` finds it.

Offline, as make test runs: numpy and the Jupyter kernel come from this venv's own installed distributions,
linked (not copied) into the clean venv's path; pynq is not installable without the network, so the notebook
takes its no-board path (golden backend), which it says in one line, and the board path runs against
tests/fake_pynq.py inside the clean venv, through the installed bwsnn_host.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement

from bwsnn import artifact, planner
from bwsnn.design import beside

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
CLEAN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the dev tree must not leak in
pytest.importorskip("build")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def link_distributions(names: list[str], into: Path) -> set[str]:
    """Symlink the installed distributions ``names`` and everything they require (markers evaluated, extras
    left out) into ``into``: a dependency closure as pip would install it, taken from this venv offline."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        dist = metadata.distribution(todo.pop())
        name = dist.metadata["Name"].lower().replace("-", "_")
        if name in seen:
            continue
        seen.add(name)
        for f in dist.files or []:
            top = Path(str(f)).parts[0]
            src = Path(dist.locate_file(top))
            if top != ".." and src.exists() and not (into / top).exists() and not top.endswith(".pth"):
                (into / top).symlink_to(src)
        for r in map(Requirement, dist.requires or []):
            if r.marker is None or r.marker.evaluate({"extra": ""}):
                todo.append(r.name)
    return seen


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the tree (setuptools writes build/ and egg-info next to its sources)."""
    src = tmp_path_factory.mktemp("src")
    junk = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "bitstreams")  # not a local make bitstream's
    for d in ("bwsnn", "host", "board"):
        shutil.copytree(ROOT / d, src / d, ignore=junk)
    shipped = src / "host" / "bitstreams" / "Pynq-Z2"  # what make bitstream TARGET=pynq-z2 delivers
    shipped.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(TESTS)!r}); import fake_pynq; "
                    f"fake_pynq.write_bitstream(fake_pynq.Path({str(shipped / 'bwsnn.bit')!r}))"], check=True)
    shutil.copyfile(ROOT / "board" / "notebooks" / "digits.bwsnn.npz", shipped / "model.bwsnn.npz")
    planner.design(artifact.load(shipped / "model.bwsnn.npz")).save(beside(shipped / "bwsnn.bit"))
    out = src / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                        str(src / "board")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (whl,) = out.glob("bwsnn_pynq-*.whl")
    return whl


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"bwsnn", "bwsnn_host", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "bwsnn/lut_costs.json" not in names  # the host packs from the design record: no planning on the board
    for needed in ("bwsnn/regmap.json", "bwsnn/boards.json", "bwsnn/design.py", "bwsnn/golden.py",
                   "bwsnn_host/overlay.py",
                   "bwsnn_host/driver.py", "bwsnn_host/notebooks/bwsnn_digits.ipynb",
                   "bwsnn_host/notebooks/digits.bwsnn.npz", "bwsnn_host/notebooks/digits_test.npz",
                   "bwsnn_host/bitstreams/Pynq-Z2/bwsnn.bit", "bwsnn_host/bitstreams/Pynq-Z2/bwsnn.hwh",
                   "bwsnn_host/bitstreams/Pynq-Z2/model.bwsnn.npz",
                   "bwsnn_host/bitstreams/Pynq-Z2/bwsnn.design.json"):
        assert needed in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert [r for r in requires if "extra ==" not in r] == ["numpy>=1.21"]
    points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[pynq.notebooks]" in points and "bwsnn-pynq = bwsnn_host.notebooks" in points
    assert wheel.stat().st_size < 200_000


@pytest.fixture(scope="module")
def clean_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with pip, the wheel installed by pip (no index), numpy linked in as its one dependency."""
    root = tmp_path_factory.mktemp("venv")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True, env=CLEAN_ENV).stdout.strip())
    for what, dists in (("numpy", ["numpy"]), ("kernel", ["ipykernel"]), ("plots", ["matplotlib"])):
        (root / what).mkdir()
        linked = link_distributions(dists, root / what)
        assert not linked & {"torch", "bwsnn", "brevitas", "cocotb"}, linked
        if what != "plots":  # matplotlib: only for the run that wants it (a .pth written then)
            (site / f"zz_{what}.pth").write_text(str(root / what) + "\n")
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check",
                        str(wheel)], capture_output=True, text=True, env=CLEAN_ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    return venv


def in_venv(venv: Path, code: str) -> str:
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=venv.parent,
                       env=CLEAN_ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def run_module(venv: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-m", *args], capture_output=True, text=True,
                          cwd=venv.parent, env=CLEAN_ENV)


def test_a_batch_on_the_fake_board_through_the_installed_wheel(clean_venv: Path, tmp_path: Path) -> None:
    """bwsnn_host.driver / transport / overlay as installed (the relative imports of host/, the shipped
    bitstream folder): BwsnnOverlay() with no argument on a fake Pynq-Z2, 300 images bit-exact."""
    out = in_venv(clean_venv, f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import numpy as np
from fake_pynq import FakePynq
from bwsnn import artifact, design, golden
from bwsnn_host import bitstreams
bit = bitstreams.find(bitstreams.BOARDS["pynq-z2"])
art = artifact.load(bit.parent / "model.bwsnn.npz")
fake = FakePynq(art, design=design.load(design.beside(bit)))  # the shipped record: the wheel cannot plan
sys.modules["pynq"] = fake.module
import bwsnn_host.driver, bwsnn_host.transport, bwsnn_host.overlay
from bwsnn_host import BwsnnOverlay
ol = BwsnnOverlay()
x = np.random.default_rng(1).integers(0, 256, (300, art.n_in), np.uint8)
p = ol.predict(x)
ol.close()
g = golden.run(art, x)
print(p.backend, np.array_equal(p.scores, g.scores) and np.array_equal(p.classes, g.classes), fake.downloads[0])
print(bwsnn_host.driver.__file__)
""")
    line, driver = out.splitlines()
    assert line.startswith("pynq True ") and line.endswith("bwsnn_host/bitstreams/Pynq-Z2/bwsnn.bit"), out
    assert str(clean_venv) in driver


def test_the_wheels_command_lines_refuse_in_one_line(clean_venv: Path, tmp_path: Path) -> None:
    """What the wheel does not ship (sim/, the simulated board's bench) is one error line, not a traceback;
    the progress bar without tqdm is a plain line."""
    nb = ROOT / "board" / "notebooks"
    data = ["--artifact", str(nb / "digits.bwsnn.npz"), "--data", str(nb / "digits_test.npz")]
    for args in (["bwsnn_host.run", "--backend", "sim", *data], ["bwsnn_host.bench", "--artifact",
                                                                str(nb / "digits.bwsnn.npz")]):
        r = run_module(clean_venv, *args)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert r.stderr.startswith("error: the sim backend needs the repository's sim/ package"), r.stderr
    assert in_venv(clean_venv, "import importlib.util as u; print(u.find_spec('tqdm'))").strip() == "None"
    r = run_module(clean_venv, "bwsnn_host.run", "--backend", "golden", *data)  # no --quiet
    assert r.returncode == 0 and r.stdout.startswith("golden: 360 images, accuracy "), r.stdout + r.stderr
    assert r.stderr.strip() == "golden: 360/360 images", r.stderr


def test_installed_package_is_board_side_only(clean_venv: Path) -> None:
    out = in_venv(clean_venv, "import importlib.util as u, bwsnn_host, bwsnn.golden, bwsnn_host.accelerator; "
                              "print(bwsnn_host.__file__); "
                              "print([m for m in ('torch', 'host', 'sim', 'hw', 'training', 'flow', 'pynq', "
                              "'sklearn') if u.find_spec(m)])")
    path, missing = out.splitlines()
    assert str(clean_venv) in path and missing == "[]"
    # the overlay class needs pynq: without it, one ImportError naming pynq
    r = subprocess.run([str(clean_venv / "bin" / "python"), "-c", "from bwsnn_host import BwsnnOverlay"],
                       capture_output=True, text=True, cwd=clean_venv.parent, env=CLEAN_ENV)
    assert r.returncode != 0 and "No module named 'pynq'" in r.stderr


def test_the_board_packs_from_the_design_record_without_a_cost_table(clean_venv: Path, tmp_path: Path) -> None:
    """A non-default design's record (written here, where the planner is) read in the clean venv: the wheel
    has no cost table, and the image it packs from the record is this tree's."""
    from bwsnn import planner
    from bwsnn.artifact import load

    nb = ROOT / "board" / "notebooks" / "digits.bwsnn.npz"
    design = planner.design(load(nb), target_cycles=64)
    design.save(tmp_path / "bwsnn.design.json")
    np.save(tmp_path / "want.npy", design.image(load(nb)))
    out = in_venv(clean_venv, "import numpy as np; from bwsnn import artifact, cost, design; "
                              f"d = design.load({str(tmp_path / 'bwsnn.design.json')!r}); "
                              f"img = d.image(artifact.load({str(nb)!r})); "
                              f"print(np.array_equal(img, np.load({str(tmp_path / 'want.npy')!r})), hex(d.id)); "
                              "print(not cost.COSTS_PATH.exists())")
    assert out.split() == ["True", f"0x{design.id:08x}", "True"]


@pytest.mark.parametrize("plots", [False, True], ids=["numpy-only", "with-matplotlib"])
def test_notebook_runs_in_the_clean_venv(clean_venv: Path, tmp_path: Path, plots: bool,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # `pynq get-notebooks`: the entry point names a package; its folder is copied to pynq-notebooks/<name>
    found = json.loads(in_venv(clean_venv, "import importlib, importlib.metadata as m, json, os; "
                                           "print(json.dumps({e.name: os.path.dirname(importlib.import_module("
                                           "e.value).__file__) for e in m.entry_points(group='pynq.notebooks')}))"))
    assert list(found) == ["bwsnn-pynq"]
    nbdir = tmp_path / "pynq-notebooks" / "bwsnn-pynq"
    shutil.copytree(found["bwsnn-pynq"], nbdir, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    spec = tmp_path / "jupyter" / "kernels" / "bwsnn-clean"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(clean_venv / "bin" / "python"), "-m",
                                                           "ipykernel_launcher", "-f", "{connection_file}"],
                                                  "display_name": "bwsnn clean venv", "language": "python"}))
    nb = nbformat.read(nbdir / "bwsnn_digits.ipynb", as_version=4)
    site = Path(in_venv(clean_venv, "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    plots_pth = site / "zz_plots.pth"
    plots_pth.unlink(missing_ok=True)
    if plots:
        plots_pth.write_text(str(clean_venv.parent / "plots") + "\n")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # the kernel inherits os.environ
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the dev tree must not leak in (unset already: fine)
    try:
        t0 = time.perf_counter()
        nbclient.NotebookClient(nb, kernel_name="bwsnn-clean", timeout=120,
                                resources={"metadata": {"path": str(nbdir)}}).execute()
        seconds = time.perf_counter() - t0
    finally:
        plots_pth.unlink(missing_ok=True)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "digits.bwsnn.npz: digits, 64-256-256-256-10, T = 2; 360 test images" in text
    assert "no bitstream: no board here: the pynq package is not installed (on a PYNQ 3.x image it is in PYNQ's " \
        "venv: run `source /usr/local/share/pynq-venv/bin/activate` first)" in text
    assert "the golden model runs instead (backend='golden'), bit-exact with the accelerator" in text
    golden_acc = json.loads(in_venv(clean_venv, "import json, numpy as np; from bwsnn import artifact, golden; "
                                                f"d = np.load({str(nbdir / 'digits_test.npz')!r}); "
                                                f"a = artifact.load({str(nbdir / 'digits.bwsnn.npz')!r}); "
                                                "r = golden.run(a, d['images'], trace=True); "
                                                "print(json.dumps([100 * float(np.mean(np.argmax(r.step_scores[:, t]"
                                                ", 1) == d['labels'])) for t in range(a.T)]))"))
    assert f"golden: accuracy {golden_acc[-1]:.2f} % on 360 images" in text
    for t, acc in enumerate(golden_acc):
        assert f"after step {t + 1}: accuracy {acc:.2f} %" in text
    assert "sim backend: not installed here" in text
    figures = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    if plots:  # the raster: input image + one panel per spiking layer, axes labelled
        raster = next(c for c in nb.cells if c.cell_type == "code" and "spike raster" in c.source)
        assert len(figures) == 1 and raster.outputs[-1]["output_type"] == "display_data"
        assert 'set_xlabel("time step t")' in raster.source and "matplotlib is not installed" not in text
    else:
        assert "spike raster: matplotlib is not installed (pip install matplotlib)" in text and not figures
    print(f"notebook executed in {seconds:.1f} s")
