"""hw/gen.py: one parameter-image definition for the .mem files and the AXI-Lite reload, decodable back
into the artifact; the Verilog register-map header mirrors bwsnn/regmap.json."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bwsnn import params
from bwsnn.random_artifact import random_artifact
from bwsnn.regmap import REGMAP_PATH
from hw import gen


def read_mem(path: Path, word_bits: int) -> np.ndarray:
    """$readmemh text -> uint32 words, least significant 32-bit word of each memory word first."""
    out = []
    for line in path.read_text().split():
        v = int(line, 16)
        out += [(v >> (32 * k)) & 0xFFFFFFFF for k in range(word_bits // 32)]
    return np.array(out, np.uint32)


@pytest.mark.parametrize("lanes", [64, 256])
def test_mem_files_are_the_param_image(tmp_path: Path, lanes: int) -> None:
    art = random_artifact((200, 96, 96, 10), seed=4)
    image = params.param_image(art, lanes)
    lay = params.layout(art, lanes)
    assert len(image) == lay.words
    gen.write_params(art, tmp_path, lanes)
    mems = [read_mem(tmp_path / f"{n}.mem", lanes if n == "weights" else 32) for n in gen.MEM_FILES]
    assert np.array_equal(np.concatenate(mems), image)
    header = (tmp_path / "bwsnn_params.vh").read_text()
    for k, v in {"P": lanes, "PARAM_WORDS": lay.words, "B_BASE": lay.b_base, "W_ROWS": lay.w_rows}.items():
        assert f"localparam integer {k} = {v};" in header


def test_image_decodes_to_the_artifact() -> None:
    art = random_artifact((100, 70, 70, 12), seed=9, mem_bits=None)
    lanes = 64
    lay = params.layout(art, lanes)
    parts = params.split_image(params.param_image(art, lanes), art, lanes)
    desc = parts["desc"].reshape(-1, params.DESC_STRIDE)
    rows = parts["weights"]
    for i, l in enumerate(art.layers):
        n_out, chunks, wbase, nbase, in_sb, out_sb, skip_sb, cfg = (int(v) for v in desc[i])
        assert (n_out, chunks, nbase) == (l.n_out, -(-l.n_in // lanes), sum(m.n_out for m in art.layers[:i]))
        assert (cfg & 31, cfg >> 8 & 31, cfg >> 16 & 63) == (l.frac_bits, l.leak_shift, l.mem_bits)
        assert (cfg >> 24 & 1, cfg >> 25 & 1, cfg >> 26 & 1) == (l.reset == "soft", l.spiking, l.skip_from is not None)
        if i:
            assert in_sb == int(desc[i - 1][5])
        if l.skip_from is not None:
            assert skip_sb == int(desc[l.skip_from][5])
        bits = np.unpackbits(rows[wbase:wbase + n_out * chunks].view(np.uint8), bitorder="little")
        bits = bits.reshape(n_out, chunks * lanes)
        assert np.array_equal(bits[:, :l.n_in].astype(np.int8) * 2 - 1, l.weights_pm1())
        assert not bits[:, l.n_in:].any()
        sl = slice(nbase, nbase + n_out)
        assert np.array_equal(parts["bias"][sl].view(np.int32), l.bias)
        if l.spiking:
            assert np.array_equal(parts["threshold"][sl].view(np.int32), l.threshold)
        if l.skip_gain is not None:
            assert np.array_equal(parts["skip_gain"][sl].view(np.int32), l.skip_gain)
    spiking_words = [-(-l.n_out // lanes) for l in art.layers if l.spiking]
    assert lay.spk_words == sum(spiking_words)


def test_lanes_must_be_a_power_of_two() -> None:
    art = random_artifact(seed=1)
    for bad in (32, 96, 100):
        with pytest.raises(ValueError, match="power of two"):
            params.param_image(art, bad)


def test_regmap_header_mirrors_json() -> None:
    spec = json.loads(REGMAP_PATH.read_text())
    header = gen.regmap_header()
    for name, r in spec["registers"].items():
        assert re.search(rf"localparam \[7:0\] REG_{name} = 8'd{r['offset']};", header), name
        for f, b in r.get("fields", {}).items():
            assert f"localparam integer {name}_{f} = {b};" in header
    assert f"32'h{spec['id_magic']:08x}" in header


def test_descriptor_fields_reach_the_rtl_generated(tmp_path: Path) -> None:
    art = random_artifact(seed=2)
    header = (gen.write_params(art, tmp_path) / "bwsnn_params.vh").read_text()
    for f in params.DESC_FIELDS:
        assert f"D_{f.name}_W = {f.word}, D_{f.name}_LSB = {f.lsb}, D_{f.name}_BITS = {f.bits};" in header
    top = (Path(gen.__file__).parent / "rtl" / "bwsnn_top.v").read_text()
    assert not re.search(r"nxt\[\d\]", top), "the RTL indexes descriptor words by hand"
    for f in params.DESC_FIELDS:
        assert f"D_{f.name}_W" in top, f.name


@pytest.mark.parametrize("sizes, lanes, field, value", [
    ((1, 65536, 2), 256, "N_OUT", 65536),  # 16-bit sizes: at most 65,535 neurons in a layer
    ((4096, 1100, 2), 64, "WBASE", 16 * 1100 * 4),  # 64 chunks of 64 lanes per neuron: 70,400 weight rows
])
def test_generator_limits_are_one_line_naming_field_limit_and_value(sizes, lanes, field, value, tmp_path) -> None:
    art = random_artifact(sizes, seed=0, skips=False)
    with pytest.raises(params.LayoutError) as e:
        gen.write_params(art, tmp_path / "p", lanes)
    msg = str(e.value)
    assert "\n" not in msg and f"descriptor field {field} holds 0..65535" in msg and msg.endswith(f"got {value}")
    path = tmp_path / "big.bwsnn.npz"
    art.save(path)
    r = subprocess.run([sys.executable, "-m", "hw.gen", str(path), str(tmp_path / "cli"), "--lanes", str(lanes)],
                       capture_output=True, text=True, cwd=Path(gen.__file__).parents[1])
    assert r.returncode == 2 and r.stderr == f"error: {path}: {msg}\n"


def test_the_wider_engine_fits_what_the_narrow_one_cannot(tmp_path: Path) -> None:
    art = random_artifact((4096, 1100, 2), seed=0, skips=False)  # 16 chunks of 256: 17,600 rows
    assert params.layout(art, 256).w_rows == 16 * 1100 + 2 * 5
    gen.write_params(art, tmp_path, 256)
