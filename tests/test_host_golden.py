"""The golden backend behind the Accelerator API, and the CLI's input checking and one-line errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bwsnn import golden
from bwsnn.artifact import ArtifactError
from bwsnn.golden import InputError
from bwsnn.random_artifact import random_artifact, random_images
from host import data, run
from host.accelerator import Accelerator


def test_golden_backend_is_the_golden_model(trained_artifact_path: Path, digits) -> None:
    acc = Accelerator(trained_artifact_path, backend="golden")
    x = digits.x_test[:100]
    pred = acc.predict(x.reshape(-1, 8, 8))  # (N, *input_shape) is accepted too
    want = golden.run(acc.art, x)
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    assert pred.accuracy(digits.y_test[:100]) == np.mean(want.classes == digits.y_test[:100])
    assert pred.cycles is None and pred.latency_s is None and pred.images_per_s > 0
    done: list[int] = []
    acc.predict(x[:7], progress=done.append)
    assert sum(done) == 7


def test_accelerator_rejects_bad_input(tmp_path: Path) -> None:
    art = random_artifact(seed=2)
    acc = Accelerator(art, backend="golden")
    with pytest.raises(InputError, match="expected shape"):
        acc.predict(np.zeros((3, 65), np.uint8))
    with pytest.raises(InputError, match="0..255"):
        acc.predict(np.full((3, 64), -1))
    with pytest.raises(ValueError, match="unknown backend 'fpga'"):
        Accelerator(art, backend="fpga")
    with pytest.raises(ArtifactError, match="no such file"):
        Accelerator(tmp_path / "none.bwsnn.npz", backend="golden")


def test_cli_golden_summary_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    art = random_artifact(seed=4)
    art.save(tmp_path / "m.bwsnn.npz")
    images = random_images(art, 30, seed=3)
    labels = golden.run(art, images).classes
    labels[:3] = (labels[:3] + 1) % 10
    data.save(tmp_path / "t.npz", images, labels)
    base = ["--backend", "golden", "--artifact", str(tmp_path / "m.bwsnn.npz"), "--quiet"]
    assert run.main(base + ["--data", str(tmp_path / "t.npz"), "--limit", "20"]) == 0
    assert capsys.readouterr().out.startswith("golden: 20 images, accuracy 85.00% (17/20), ")
    np.savez(tmp_path / "wide.npz", images=np.zeros((4, 65), np.uint8))
    np.savez(tmp_path / "range.npz", images=np.full((4, 64), 300, np.int16))
    (tmp_path / "bad.bwsnn.npz").write_bytes(b"junk")
    for args, msg in [(["--data", str(tmp_path / "wide.npz")], "expected shape (N, 64)"),
                      (["--data", str(tmp_path / "range.npz")], "expected pixels in 0..255, got range 300..300"),
                      (["--data", str(tmp_path / "none.npz")], "no such file"),
                      (["--data", str(tmp_path / "t.npz"), "--artifact", str(tmp_path / "bad.bwsnn.npz")],
                       "not an .npz archive")]:
        assert run.main(base + args) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and msg in err and err.count("\n") == 1


def test_host_data_writes_the_artifacts_test_set(trained_artifact_path: Path, tmp_path: Path, digits) -> None:
    out = tmp_path / "t.npz"
    assert data.main([str(trained_artifact_path), str(out)]) == 0
    x, y = data.load(out)
    assert np.array_equal(x, digits.x_test) and np.array_equal(y, digits.y_test)
    assert run.main(["--backend", "golden", "--artifact", str(trained_artifact_path), "--data", str(out),
                     "--quiet"]) == 0
