"""The deploy artifact: round trip, and one clear line for every kind of corruption."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact
from bwsnn.artifact import ArtifactError, Layer, Pool, Window
from bwsnn.random_artifact import random_artifact, random_conv_artifact, random_network


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy an artifact, letting `edit(meta, arrays)` change it, and re-sign it so only `edit` is wrong."""
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    arrays.pop("checksum")
    edit(meta, arrays)
    m = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    digest = artifact._checksum(m, arrays)
    with open(dst, "wb") as f:
        np.savez(f, meta=m, checksum=np.frombuffer(digest.encode(), np.uint8), **arrays)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    p = tmp_path / "m.bwsnn.npz"
    random_artifact((20, 16, 16, 3), seed=1).save(p)
    return p


def test_round_trip_keeps_every_field(saved: Path) -> None:
    a = random_artifact((20, 16, 16, 3), seed=1)
    b = artifact.load(saved)
    assert b.meta() == a.meta()
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(b.arrays()[k], v)
    np.testing.assert_array_equal(b.layers[0].weights_pm1().shape, (16, 20))
    assert set(np.unique(b.layers[0].weights_pm1())) <= {-1, 1}


def test_trained_artifact_loads(trained_artifact_path: Path) -> None:
    a = artifact.load(trained_artifact_path)
    assert a.T == 2 and a.n_in == 64 and len(a.classes) == 10
    assert [l.spiking for l in a.layers] == [True] * (len(a.layers) - 1) + [False]


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_flipped_byte_fails_checksum(saved: Path, tmp_path: Path) -> None:
    with np.load(saved) as z:
        arrays = {k: z[k].copy() for k in z.files}
    arrays["L1_bias"][0] += 1
    bad = tmp_path / "bad.npz"
    with open(bad, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ArtifactError) as e:
        artifact.load(bad)
    assert "checksum" in _one_line(e) and str(bad) in str(e.value)


@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_file(saved: Path, tmp_path: Path, keep: float) -> None:
    raw = saved.read_bytes()
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(ArtifactError) as e:
        artifact.load(bad)
    assert "truncated or corrupt" in _one_line(e)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no such file"):
        artifact.load(tmp_path / "nope.npz")


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "x.npz"
    p.write_text("hello")
    with pytest.raises(ArtifactError):
        artifact.load(p)


@pytest.mark.parametrize("edit,field", [
    (lambda m, a: m.update(version=99), "version"),
    (lambda m, a: m.update(format="other"), "format"),
    (lambda m, a: m.update(T=0), "T"),
    (lambda m, a: m["input"].update(bits=0), "input.bits"),
    (lambda m, a: m["input"].update(bits=9), "input.bits"),
    (lambda m, a: m["layers"][1].update({"in": 15}), "layers[1].in"),
    (lambda m, a: m["layers"][0].update(reset="sometimes"), "layers[0].reset"),
    (lambda m, a: m["layers"][0].update(mem_bits=40), "layers[0].mem_bits"),
    (lambda m, a: m["layers"][1].update(skip_from=2), "layers[1].skip_from"),
    (lambda m, a: (m["layers"][2].update(spiking=True), a.update(L2_threshold=np.zeros(3, np.int32))),
     "layers[2].spiking"),
    (lambda m, a: m.update(classes=["a"]), "classes"),
    (lambda m, a: a.update(L0_bias=a["L0_bias"].astype(np.int64)), "L0_bias"),
    (lambda m, a: a.pop("L1_threshold"), "L1_threshold"),
    (lambda m, a: a.update(L0_weights=a["L0_weights"] | 0xF0), "L0_weights"),  # 20 inputs: 4 padding bits
    (lambda m, a: m["layers"][0].pop("leak_shift"), "layers[0].leak_shift"),
    (lambda m, a: m["layers"][0].update(frac_bits=True), "layers[0].frac_bits"),
    (lambda m, a: a.update(L0_bias=np.full(16, 2**31 - 1, np.int32)), "layers[0] current bound"),
])
def test_inconsistent_fields_name_the_field(saved: Path, tmp_path: Path, edit, field: str) -> None:
    bad = tmp_path / "bad.npz"
    _rewrite(saved, bad, edit)
    with pytest.raises(ArtifactError) as e:
        artifact.load(bad)
    msg = _one_line(e)
    assert f"'{field}" in msg and "expected" in msg and "got" in msg


def test_save_refuses_an_invalid_artifact(tmp_path: Path) -> None:
    a = random_artifact((20, 16, 16, 3), seed=1)
    a.layers[1].threshold = None
    with pytest.raises(ArtifactError, match="L1_threshold"):
        a.save(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_archive_is_plain_npz(saved: Path) -> None:
    # one file, no pickles: anything that reads .npz can inspect it
    with zipfile.ZipFile(saved) as z:
        assert {"meta.npy", "checksum.npy", "L0_weights.npy"} <= set(z.namelist())
    with np.load(saved, allow_pickle=False) as z:
        assert json.loads(z["meta"].tobytes())["format"] == "bwsnn"


# --- version 2: conv2d and pool layers -----------------------------------------------------------------------

@pytest.fixture
def saved_conv(tmp_path: Path) -> Path:
    p = tmp_path / "conv.bwsnn.npz"
    random_conv_artifact(seed=1).save(p)
    return p


def test_conv_round_trip_keeps_every_field(saved_conv: Path) -> None:
    a, b = random_conv_artifact(seed=1), artifact.load(saved_conv)
    assert b.meta() == a.meta() and [l.kind for l in b.layers] == [l.kind for l in a.layers]
    assert [l.out_shape for l in b.layers] == [l.out_shape for l in a.layers]
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(b.arrays()[k], v)
    conv = b.layers[0].meta()
    assert conv["in"] == [11, 9, 2] and conv["out"] == [11, 9, 5] and (conv["kernel"], conv["padding"]) == (3, 1)
    assert b.layers[0].weights.shape == (5, (9 * 2 + 7) // 8) and b.layers[0].bias.shape == (5,)
    assert b.weight_bits() == sum(l.n_in * l.n_out for l in a.layers if l.kind != "pool")


def test_version_1_files_still_load(saved: Path, tmp_path: Path) -> None:
    old = tmp_path / "v1.npz"
    _rewrite(saved, old, lambda m, a: m.update(version=1))
    assert artifact.load(old).meta() == artifact.load(saved).meta()


# layers of random_conv_artifact(seed=1): 0 conv 11x9x2->5, 1 conv (skip 0), 2 pool 2/2 -> 5x4x5, 3 conv 1x1
# (skip 2), 4 pool 2/1 -> 4x3x5, 5 conv stride 2 -> 2x2x11, 6 conv (skip 5), 7 dense 44->13, 8 dense 13->6
@pytest.mark.parametrize("edit,field", [
    (lambda m, a: m.update(version=1), "layers[0].kind"),  # version 1 had dense layers only
    (lambda m, a: m["layers"][0].update(kind="conv3d"), "layers[0].kind"),
    (lambda m, a: m["layers"][0].update(out=[10, 9, 5]), "layers[0].out"),
    (lambda m, a: m["layers"][2].update(out=[5, 4, 6]), "layers[2].out"),
    (lambda m, a: m["layers"][0].update({"in": [11, 9]}), "layers[0].in"),
    (lambda m, a: m["layers"][0].pop("stride"), "layers[0].stride"),
    (lambda m, a: m["layers"][0].update(padding=3), "layers[0].padding"),
    (lambda m, a: m["layers"][0].update({"in": [2**20, 9, 2]}), "layers[0].in"),  # a map the file does not back
    (lambda m, a: m["layers"][0].update(stride=0), "layers[0].kernel/stride"),
    (lambda m, a: m["layers"][2].update(kernel=12), "layers[2].kernel"),
    (lambda m, a: m["layers"][4].update({"in": [5, 4, 6], "out": [4, 3, 6]}), "layers[4].in"),
    (lambda m, a: m["layers"][7].update({"in": 43}), "layers[7].in"),
    (lambda m, a: m["layers"][3].update(skip_from=1), "layers[3].skip_from"),
    (lambda m, a: a.update(L0_bias=np.zeros(11 * 9 * 5, np.int32)), "L0_bias"),  # per channel, not per position
    (lambda m, a: a.update(L1_weights=a["L1_weights"][:, :-1]), "L1_weights"),
])
def test_inconsistent_conv_fields_name_the_field(saved_conv: Path, tmp_path: Path, edit, field: str) -> None:
    bad = tmp_path / "bad.npz"
    _rewrite(saved_conv, bad, edit)
    with pytest.raises(ArtifactError) as e:
        artifact.load(bad)
    msg = _one_line(e)
    assert f"'{field}'" in msg and "expected" in msg and "got" in msg


@pytest.mark.parametrize("edit,field", [
    (lambda a: a.layers.insert(0, Pool(Window(a.input_shape, 2, 2))), "layers[0].kind"),
    (lambda a: a.layers.append(Pool(Window((1, 1, 6), 1, 1))), "layers[8].spiking"),  # the output is not last
    (lambda a: a.layers.insert(8, Pool(Window((13, 1, 1), 1, 1))), "layers[8].in"),  # a pool after a dense layer
    (lambda a: a.layers.__setitem__(0, Layer(n_in=2, n_out=99, weights=np.zeros((99, 1), np.uint8),  # 1x1 conv
                                             bias=np.zeros(99, np.int32), spiking=True, leak_shift=0, reset="hard",
                                             mem_bits=8, frac_bits=0, threshold=np.zeros(99, np.int32),
                                             window=Window((2048, 1024, 2), 1))), "layers[0].out"),
])
def test_pool_placement_and_conv_output_rules(edit, field: str) -> None:
    a = random_conv_artifact(seed=1)
    edit(a)
    with pytest.raises(ArtifactError, match=re.escape(f"'{field}'")):
        artifact.validate(a)


def test_the_output_layer_must_be_dense() -> None:
    a = random_network((4, 4, 1), (("conv", 3, 3, 1, 1), ("dense", 2)), seed=0)
    a.layers[1] = Layer(n_in=27, n_out=2, weights=np.zeros((2, 4), np.uint8), bias=np.zeros(2, np.int32),
                        spiking=False, leak_shift=0, reset="hard", mem_bits=8, frac_bits=0,
                        window=Window((4, 4, 3), 3, 1, 1))
    with pytest.raises(ArtifactError, match="'layers\\[1\\].kind': expected 'dense'"):
        artifact.validate(a)


def test_rtl_parameter_image_takes_conv_and_refuses_far_shortcuts_in_one_line() -> None:
    from bwsnn.params import LayoutError, folding, layout
    from bwsnn.planner import plan

    conv = random_conv_artifact(seed=1)
    lay = layout(conv, plan(conv))
    assert lay.words > 0 and any(l.pool for l in lay.layers)
    a = random_artifact(sizes=(20, 8, 8, 8, 5), seed=2)
    a.layers[2].skip_from = 0  # valid in the format; the RTL's shortcuts come from the previous layer
    with pytest.raises(LayoutError, match=r"^layers\[2\]\.skip_from: the RTL takes shortcuts from the previous "
                                          r"layer \(1\) only, got 0$"):
        layout(a, folding(a, [(1, 32)] * len(a.layers)))
def test_an_unknown_array_is_rejected(saved: Path, tmp_path: Path) -> None:
    # a threshold on the output layer is not part of the format either: nobody would read it
    for name, extra in (("extra", np.zeros(3, np.uint8)), ("L2_threshold", np.zeros(3, np.int32))):
        bad = tmp_path / f"{name}.npz"
        _rewrite(saved, bad, lambda m, a, name=name, extra=extra: a.update({name: extra}))
        with pytest.raises(ArtifactError) as e:
            artifact.load(bad)
        assert f"field '{name}': expected no array outside the format, got an unknown array" in _one_line(e)
