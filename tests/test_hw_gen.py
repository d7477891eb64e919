"""hw/gen.py and bwsnn/params.py: one parameter-image definition for the .mem files and the AXI-Lite reload,
decodable back into the artifact; the planner's folding; the Verilog headers mirror their Python tables."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bwsnn import params, planner
from bwsnn.cost import Budget
from bwsnn.design import Design
from bwsnn.random_artifact import random_artifact
from bwsnn.regmap import REGMAP_PATH
from hw import gen

FOLDINGS = [None, ((4, 64), (8, 32), (2, 64))]


def read_mem(path: Path) -> np.ndarray:
    """$readmemh text -> uint32 (rows, words), least significant 32-bit word of each memory word first."""
    lines = path.read_text().split()
    words = len(lines[0]) // 8
    return np.array([[(int(v, 16) >> (32 * k)) & 0xFFFFFFFF for k in range(words)] for v in lines], np.uint32)


@pytest.mark.parametrize("pe_simd", FOLDINGS)
def test_mem_files_are_the_param_image(tmp_path: Path, pe_simd) -> None:
    art = random_artifact((200, 130, 130, 10), seed=4)
    fold = planner.plan(art) if pe_simd is None else params.folding(art, pe_simd)
    image = params.param_image(art, fold)
    lay = params.layout(art, fold)
    assert len(image) == lay.words
    gen.write_params(art, tmp_path, Design.of(art, fold))
    mems = [params.descriptors(art)]
    for i in range(len(art.layers)):
        mems += [read_mem(tmp_path / f"{k}{i}.mem").reshape(-1) for k in ("w", "b", "th", "g")]
    assert np.array_equal(np.concatenate(mems), image)
    assert f"localparam integer PARAM_WORDS = {lay.words};" in (tmp_path / "bwsnn_params.vh").read_text()
    chain = (tmp_path / "bwsnn_chain.vh").read_text()
    for ll in lay.layers:
        assert (f".N_IN({ll.n_in}), .N_OUT({ll.n_out}), .PE({ll.fold.pe}), .SIMD({ll.fold.simd}),"
                f" .LL({ll.fold.lif})") in chain
        assert f".WBASE({ll.wbase}), .BBASE({ll.bbase}), .THBASE({ll.thbase}), .GBASE({ll.gbase})" in chain


@pytest.mark.parametrize("pe_simd", FOLDINGS)
def test_image_decodes_to_the_artifact(pe_simd) -> None:
    art = random_artifact((200, 130, 130, 10), seed=9, mem_bits=None)
    fold = planner.plan(art) if pe_simd is None else params.folding(art, pe_simd)
    lay = params.layout(art, fold)
    image = params.param_image(art, fold)
    for i, (l, ll) in enumerate(zip(art.layers, lay.layers)):
        cfg = int(image[i])
        assert (cfg & 31, cfg >> 8 & 31, cfg >> 16 & 63, cfg >> 24 & 1) == (
            l.frac_bits, l.leak_shift, l.mem_bits, l.reset == "soft")
        pe, simd = ll.fold.pe, ll.fold.simd
        rows = image[ll.wbase:ll.bbase].reshape(ll.groups, ll.chunks, -1)
        bits = np.unpackbits(rows.view(np.uint8), axis=2, bitorder="little").reshape(ll.groups, ll.chunks, pe, simd)
        w = bits.transpose(0, 2, 1, 3).reshape(ll.n_pad, ll.chunks * simd)  # neuron-major again
        assert np.array_equal(w[:l.n_out, :l.n_in].astype(np.int8) * 2 - 1, l.weights_pm1())
        assert not w[l.n_out:].any() and not w[:, l.n_in:].any()
        # the LIF units' constants: bias and bias + gain clamped to CW bits, the threshold to mem_bits + 1
        def clamped(v: np.ndarray | None, bits: int, n: int = l.n_out) -> np.ndarray:
            lim = 1 << (min(bits, 32) - 1)
            return np.zeros(n, np.int64) if v is None else np.clip(v.astype(np.int64), -lim, lim - 1)
        cw = params.lif_const_bits(art, i)
        gain = None if l.skip_gain is None else l.bias.astype(np.int64) + l.skip_gain
        for base, v in ((ll.bbase, clamped(l.bias, cw)), (ll.thbase, clamped(l.threshold, l.mem_bits + 1)),
                        (ll.gbase, clamped(gain, cw))):
            got = image[base:base + ll.n_pad].view(np.int32)
            assert np.array_equal(got[:l.n_out], v)
            assert not got[l.n_out:].any()
    assert lay.words == lay.layers[-1].gbase + lay.layers[-1].n_pad


def test_plan_meets_the_target() -> None:
    """Given the room, the planner meets the target (the budget's part: tests/test_cost.py)."""
    art = random_artifact((784, 256, 256, 10), T=2, seed=3)
    for target in (1024, 256):
        f = planner.plan(art, target, Budget(1e9, 1e9))
        lay = params.layout(art, f)
        assert max(ll.cycles for ll in lay.layers) <= target
        assert all(ll.fold.pe // ll.fold.lif <= ll.chunks for ll in lay.layers)


def test_bad_foldings_are_one_line_errors() -> None:
    art = random_artifact(seed=1)
    for bad in (((3, 32), (1, 32), (1, 32)), ((1, 16), (1, 32), (1, 32)), ((1, 32),)):
        with pytest.raises(params.LayoutError, match="folding"):
            params.param_image(art, params.folding(art, bad))


def test_regmap_header_mirrors_json() -> None:
    spec = json.loads(REGMAP_PATH.read_text())
    header = gen.regmap_header()
    for name, r in spec["registers"].items():
        assert re.search(rf"localparam \[7:0\] REG_{name} = 8'd{r['offset']};", header), name
        for f, b in r.get("fields", {}).items():
            assert f"localparam integer {name}_{f} = {b};" in header
    assert f"32'h{spec['id_magic']:08x}" in header


def test_layer_configuration_reaches_the_rtl_generated(tmp_path: Path) -> None:
    """Each engine gets its layer's configuration as parameters; the register block gets the packed words
    (bwsnn.params.descriptors) it checks reloads against."""
    art = random_artifact(seed=2, mem_bits=None, reset=None, leak_shift=None)
    out = gen.write_params(art, tmp_path)
    chain = (out / "bwsnn_chain.vh").read_text()
    for i, l in enumerate(art.layers):
        assert (f".FRAC({l.frac_bits}), .LEAK({l.leak_shift}), .MB({l.mem_bits}), .SOFT({int(l.reset == 'soft')})"
                in chain.split("bwsnn_layer #(")[i + 1].split(f") layer{i} (")[0]), i
    words = re.search(r"localparam \[(\d+):0\] CFG_WORDS = \{(.*)\};", (out / "bwsnn_params.vh").read_text())
    assert int(words.group(1)) == 32 * len(art.layers) - 1
    got = [int(w.removeprefix("32'h"), 16) for w in words.group(2).split(", ")][::-1]
    assert got == [int(w) for w in params.descriptors(art)]


def test_a_layout_the_rtl_cannot_build_is_one_line_from_the_cli(tmp_path: Path) -> None:
    art = random_artifact((20, 8, 8, 8, 3), seed=1)
    art.layers[2].skip_from, art.layers[2].skip_gain = 0, art.layers[2].bias.copy()  # a shortcut over a layer
    path = tmp_path / "skip.bwsnn.npz"
    art.save(path)
    with pytest.raises(params.LayoutError) as e:
        gen.write_params(art, tmp_path / "p")
    msg = str(e.value)
    assert "\n" not in msg and "layers[2].skip_from" in msg and msg.endswith("got 0")
    r = subprocess.run([sys.executable, "-m", "hw.gen", str(path), str(tmp_path / "cli")],
                       capture_output=True, text=True, cwd=Path(gen.__file__).parents[1])
    assert r.returncode == 2 and r.stderr == f"error: {path}: {msg}\n"
