"""The board code path (PynqTransport + Driver + Accelerator + CLI) against a fake ``pynq`` module.

pynq has no device here, so ``sys.modules['pynq']`` is replaced by :mod:`fake_pynq` (pynq 3.0.1 / 3.1's API and
rules; it plays the accelerator from bwsnn/regmap.json and the golden model).
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
from fake_pynq import BIT, FakePynq, cycles_for, write_bitstream

from bwsnn import golden, planner
from bwsnn.design import beside
from bwsnn.golden import InputError
from bwsnn.random_artifact import random_artifact, random_conv_artifact, random_images
from host import data, run
from host.accelerator import Accelerator
from host.errors import AcceleratorError, BitstreamError, DmaError, DmaTimeout, MismatchError


@pytest.fixture
def board(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> types.SimpleNamespace:
    art = random_artifact((64, 32, 32, 10), T=3, seed=5)
    art.save(tmp_path / "m.bwsnn.npz")
    bit = write_bitstream(tmp_path / "bwsnn.bit")
    fake = FakePynq(art)
    fake.acc.design.save(beside(bit))  # as hw/vivado/build.sh leaves it beside the .bit
    monkeypatch.setitem(sys.modules, "pynq", fake.module)
    return types.SimpleNamespace(art=art, art_path=tmp_path / "m.bwsnn.npz", bit=bit, fake=fake, dir=tmp_path)


def compress(log: list[tuple[str, str, int | None]]) -> list[tuple[str, str, int | None, int]]:
    """Runs of identical register accesses as (op, reg, value, count); PARAM_DATA values folded."""
    out: list = []
    for op, reg, val in log:
        key = (op, reg, None if reg == "PARAM_DATA" else val)
        if out and out[-1][:3] == key:
            out[-1] = (*key, out[-1][3] + 1)
        else:
            out.append((*key, 1))
    return out


def test_overlay_class_loads_the_bitstream_once(board: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """host.overlay.BwsnnOverlay, the pynq.Overlay subclass of the board wheel: it is the overlay the driver
    uses (no second download) and predicts bit-exactly; the package imports it only on first use."""
    import host

    monkeypatch.delitem(sys.modules, "host.overlay", raising=False)  # bind this test's fake pynq.Overlay
    loaded = []

    class CountingOverlay(board.fake.module.Overlay):
        def __init__(self, bitfile: str, **kwargs: object) -> None:
            loaded.append(bitfile)
            super().__init__(bitfile, **kwargs)

    monkeypatch.setattr(board.fake.module, "Overlay", CountingOverlay)
    ol = host.BwsnnOverlay(board.bit, board.art_path)
    images = random_images(board.art, 20, seed=3)
    pred = ol.predict(images)
    ol.close()
    want = golden.run(board.art, images)
    assert isinstance(ol, CountingOverlay) and loaded == [str(board.bit)]
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    assert pred.backend == "pynq" and all(b.freed for b in board.fake.buffers)
    with pytest.raises(AcceleratorError, match=r"^this pynq accelerator was closed \(close\(\) was called\): open a "
                       "new one; nothing runs in its place$"):  # never the golden model in its place
        ol.predict(images)


def test_board_path_streams_a_batch_bit_exactly(board: types.SimpleNamespace) -> None:
    n = 300  # transfers of 1, 256 (host.driver.BATCH) and 43 images
    images = random_images(board.art, n, seed=1)
    ctrl = {f: 1 << b for f, b in BIT["CTRL"].items()}
    words = board.fake.acc.design.param_words
    with Accelerator(board.art_path, board.bit, "pynq") as acc:
        pred = acc.predict(images)
        log = compress(board.fake.acc.log)
    want = golden.run(board.art, images)
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    cycles = [cycles_for(images[i]) for i in (0, 256, 299)]  # each transfer's last image
    assert len(set(cycles)) == 3  # the check below can tell them apart
    assert pred.cycles.tolist() == cycles and pred.latency_s == min(cycles) / 100e6
    assert [board.fake.acc.params[i] for i in range(words)] == board.fake.acc.design.image(board.art).tolist()
    assert log == [("r", "ID", None, 1), ("r", "DESIGN_ID", None, 1), ("r", "N_IN", None, 1),
                   ("r", "N_CLASSES", None, 1), ("r", "T", None, 1), ("r", "PARAM_WORDS", None, 1),
                   ("w", "CTRL", ctrl["CLEAR"], 1), ("r", "STATUS", None, 1),
                   ("w", "PARAM_ADDR", 0, 1), ("w", "PARAM_DATA", None, words),
                   ("r", "ERROR", None, 1),
                   ("w", "CTRL", ctrl["CLEAR"], 1), ("w", "CTRL", ctrl["CONTINUOUS"], 1),
                   ("r", "CYCLES_LAST", None, 3), ("w", "CTRL", 0, 1), ("r", "ERROR", None, 1),
                   ("r", "IMAGES_DONE", None, 1)]
    tx, rx = board.fake.dma.sendchannel, board.fake.dma.recvchannel
    assert tx.transfers == rx.transfers == 3 and pred.stats["ops"]["dma_send"] == 3
    in0, out0, in1, out1 = board.fake.buffers  # double-buffered
    # pynq's own cache maintenance ran for each transfer
    assert (in0.flushes, in1.flushes, out0.invalidates, out1.invalidates) == (2, 1, 2, 1)
    assert all(b.freed for b in board.fake.buffers)  # close() returned the contiguous memory


def test_bitstream_weights_are_kept_without_load_params(board: types.SimpleNamespace) -> None:
    with Accelerator(board.art_path, board.bit, "pynq", load_params=False) as acc:
        acc.predict(random_images(board.art, 2))
    assert not board.fake.acc.params and all(reg != "PARAM_ADDR" for _, reg, _ in board.fake.acc.log)


@pytest.mark.parametrize("reg,value,msg", [("ID", 0xDEADBEEF, "not a bwsnn accelerator"),
                                           ("N_IN", 784, "N_IN 784 vs 64"), ("T", 2, "T 2 vs 3"),
                                           ("PARAM_WORDS", 5, "PARAM_WORDS 5 vs")])
def test_artifact_bitstream_mismatch(board: types.SimpleNamespace, reg: str, value: int, msg: str) -> None:
    board.fake.acc.regs[reg] = value
    with pytest.raises(MismatchError, match=msg):
        Accelerator(board.art_path, board.bit, "pynq")
    assert all(b.freed for b in board.fake.buffers)


def test_parameters_are_not_loaded_into_a_busy_accelerator(board: types.SimpleNamespace) -> None:
    board.fake.acc.regs["STATUS"] = 1 << BIT["STATUS"]["BUSY"]
    with pytest.raises(AcceleratorError, match=r"not idle \(STATUS 0x1: BUSY\)"):
        Accelerator(board.art_path, board.bit, "pynq")
    assert not board.fake.acc.params


def test_bitstream_errors(board: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(bit: Path, msg: str, **kw: str) -> None:
        with pytest.raises(BitstreamError, match=msg) as e:
            Accelerator(board.art_path, bit, "pynq", **kw)
        assert "\n" not in str(e.value)

    fails(board.dir / "none.bit", "no such bitstream")
    board.bit.with_suffix(".hwh").rename(board.dir / "x.hwh")
    fails(board.bit, "missing bwsnn.hwh")
    (board.dir / "x.hwh").rename(board.bit.with_suffix(".hwh"))
    fails(board.bit, "no IP named 'acc'", ip_name="acc")
    board.fake.ip_dict["axi_dma_1"] = dict(board.fake.ip_dict["axi_dma_0"])
    fails(board.bit, "expected one AXI DMA in the overlay, found 2")
    board.fake.overlay_error = RuntimeError("Bitstream file bwsnn.bit does not exist.\nmore detail")
    fails(board.bit, "pynq could not load the overlay: RuntimeError: Bitstream file bwsnn.bit does not exist.$")
    with pytest.raises(BitstreamError, match="^no bwsnn bitstream for Pynq-Z2 in .*host/bitstreams/Pynq-Z2 "):
        Accelerator(board.art_path, None, "pynq")  # no --bitfile: this board's shipped one, none in the tree
    monkeypatch.setitem(sys.modules, "pynq", None)  # import pynq -> ImportError, as on a machine without it
    fails(board.bit, "needs the pynq package")


def fresh_host(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The host package with host.overlay imported again, so that BwsnnOverlay subclasses this test's fake."""
    import host

    monkeypatch.delitem(sys.modules, "host.overlay", raising=False)
    return host


def test_overlay_finds_the_active_boards_bitstream(board: types.SimpleNamespace,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """BwsnnOverlay() with no argument: the folder of the board pynq reports (as finn-examples picks its
    bitfiles), with the artifact the bitstream was built with; another board's folder is not used."""
    from host import bitstreams

    host = fresh_host(monkeypatch)
    shipped = board.dir / "package"
    (shipped / "Pynq-Z2").mkdir(parents=True)
    write_bitstream(shipped / "Pynq-Z2" / "bwsnn.bit")
    board.art.save(shipped / "Pynq-Z2" / "model.bwsnn.npz")
    board.fake.acc.design.save(beside(shipped / "Pynq-Z2" / "bwsnn.bit"))
    (shipped / "ZCU104").mkdir()
    monkeypatch.setattr(bitstreams, "PACKAGE_DIR", shipped)
    ol = host.BwsnnOverlay()
    images = random_images(board.art, 30, seed=5)
    pred = ol.predict(images)
    ol.close()
    assert board.fake.downloads == [str(shipped / "Pynq-Z2" / "bwsnn.bit")] and pred.backend == "pynq"
    assert np.array_equal(pred.scores, golden.run(board.art, images).scores)
    board.fake.module.Device.active_device.name = "ZCU104"
    with pytest.raises(BitstreamError, match=f"^no bwsnn bitstream for ZCU104 in {shipped / 'ZCU104'} \\(build one "
                       "with `make bitstream TARGET=zcu104`, then `make wheel`"):
        host.BwsnnOverlay()
    board.fake.module.Device.active_device.name = "Pynq-Z7"
    with pytest.raises(BitstreamError, match="^this board is 'Pynq-Z7' \\(pynq.Device.active_device.name\\), not one "
                       "bwsnn builds for: expected one of Pynq-Z2 \\(pynq-z2\\), "):
        host.BwsnnOverlay()
    assert len(board.fake.downloads) == 1


@pytest.mark.parametrize("part,built_for,msg", [
    ("7z010clg400", "tul.com.tw:pynq-z2:part0:1.0", r"built for part 7z010clg400, but this board \(Pynq-Z2\) is a "
     r"xc7z020clg400-1: rebuild it with `make bitstream TARGET=pynq-z2`$"),
    ("7z020clg400", "www.digilentinc.com:pynq-z1:part0:1.0", r"built for board www.digilentinc.com:pynq-z1:part0:1.0, "
     r"but this board is Pynq-Z2 \(tul.com.tw:pynq-z2:part0\)")])
def test_a_bitstream_of_another_board_is_refused_before_download(board: types.SimpleNamespace, part: str,
                                                                 built_for: str, msg: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    host = fresh_host(monkeypatch)
    write_bitstream(board.bit, part, built_for)
    for open_board in (lambda: Accelerator(board.art_path, board.bit, "pynq"),
                       lambda: host.BwsnnOverlay(board.bit, board.art_path)):
        with pytest.raises(BitstreamError, match=msg) as e:
            open_board()
        assert "\n" not in str(e.value)
    board.bit.write_bytes(b"\x00")
    with pytest.raises(BitstreamError, match="bwsnn.bit: not a Xilinx .bit file"):
        host.BwsnnOverlay(board.bit, board.art_path)
    assert board.fake.downloads == []  # nothing reached the PL


def test_download_false_on_an_unloaded_overlay_is_one_line(board: types.SimpleNamespace,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    host = fresh_host(monkeypatch)
    with pytest.raises(BitstreamError, match=r"bwsnn.bit: this bitstream is not the one loaded on the board "
                       r"\(download=False only attaches to the loaded one\): open it with download=True$"):
        host.BwsnnOverlay(board.bit, board.art_path, download=False)
    host.BwsnnOverlay(board.bit, board.art_path).close()
    attached = host.BwsnnOverlay(board.bit, board.art_path, download=False)  # the loaded one: attaches to it
    images = random_images(board.art, 3)
    assert np.array_equal(attached.predict(images).scores, golden.run(board.art, images).scores)
    attached.close()
    assert len(board.fake.downloads) == 1


@pytest.mark.parametrize("mode,where", [("no_output", "receive \\(S2MM\\)"), ("no_input", "send \\(MM2S\\)")])
def test_dma_time_out_never_hangs(board: types.SimpleNamespace, mode: str, where: str) -> None:
    """A hung channel: the time-out is the base plus the per-image term of the transfer (its first holds one
    image), then the DMA is reset and CONTINUOUS cleared before the error, and the buffers freed after it."""
    acc = Accelerator(board.art_path, board.bit, "pynq", timeout_s=0.05, timeout_base_s=0.1)
    board.fake.acc.mode = mode
    t0 = time.monotonic()
    with pytest.raises(DmaTimeout, match=f"^image 0: DMA {where} did not finish within 0.15 s; .*reload") as e:
        acc.predict(random_images(board.art, 4))
    assert time.monotonic() - t0 < 1.0 and "\n" not in str(e.value)
    assert board.fake.events == ["reset"] and board.fake.acc.log[-1] == ("w", "CTRL", 0)
    with pytest.raises(AcceleratorError, match="unusable after: image 0"):
        acc.predict(random_images(board.art, 1))
    acc.close()
    assert board.fake.events == ["reset"] + ["free"] * 4  # freed only once nothing was armed


def test_time_out_is_a_base_plus_a_term_per_image(board: types.SimpleNamespace) -> None:
    """Defaults: 1 s per transfer + 10 ms per image it holds (transfers of 1, 256 and 43 images)."""
    acc = Accelerator(board.art_path, board.bit, "pynq")
    seen: list[float] = []
    wait = acc._impl.t.wait_recv
    acc._impl.t.wait_recv = lambda timeout_s: seen.append(timeout_s) or wait(timeout_s)
    acc.predict(random_images(board.art, 300))
    assert seen == pytest.approx([1.01, 1 + 2.56, 1.43])
    acc.close()


def test_transfers_fit_the_dmas_length_register(board: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """An overlay with Vivado's default 14-bit length register (16,383 bytes): a 256-image batch of 64-byte
    images would be 16,384 bytes, so the transfers hold 255 (pynq's transfer raises ValueError past the limit)."""
    fake = FakePynq(board.art, length_bits=14)
    monkeypatch.setitem(sys.modules, "pynq", fake.module)
    images = random_images(board.art, 600, seed=4)
    with Accelerator(board.art_path, board.bit, "pynq") as acc:
        pred = acc.predict(images)
    want = golden.run(board.art, images)
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    assert pred.stats["images_per_transfer"] == 255 and fake.dma.sendchannel.transfers == 4  # 1, 255, 255, 89


def test_an_interrupt_mid_wait_leaves_nothing_armed(board: types.SimpleNamespace) -> None:
    """Ctrl-C in Jupyter while the host waits for results: the KeyboardInterrupt propagates as it is, after
    the DMA reset and CONTINUOUS cleared; the driver refuses to go on; a new one (a new download) works."""
    acc = Accelerator(board.art_path, board.bit, "pynq")
    board.fake.acc.mode = "interrupt"
    with pytest.raises(KeyboardInterrupt):
        acc.predict(random_images(board.art, 10))
    assert board.fake.events == ["reset"] and board.fake.acc.log[-1] == ("w", "CTRL", 0)
    with pytest.raises(AcceleratorError, match=r"unusable after: images 1\.\.9: interrupted \(KeyboardInterrupt\)"):
        acc.predict(random_images(board.art, 1))
    acc.close()
    assert board.fake.events[0] == "reset" and board.fake.events.count("free") == 4
    board.fake.acc.mode = "ok"
    images = random_images(board.art, 300, seed=9)
    with Accelerator(board.art_path, board.bit, "pynq") as again:
        pred = again.predict(images)
    assert np.array_equal(pred.scores, golden.run(board.art, images).scores)


def test_a_pynq_error_mid_batch_is_one_line(board: types.SimpleNamespace) -> None:
    """pynq's own RuntimeError (here "DMA channel not idle" on the second transfer): one DmaError line,
    the DMA reset, the driver marked broken."""
    acc = Accelerator(board.art_path, board.bit, "pynq")
    board.fake.acc.mode = "pynq_error"
    with pytest.raises(DmaError, match=r"^images 1\.\.256: RuntimeError: DMA channel not idle; .*reload the "
                       r"bitstream$") as e:
        acc.predict(random_images(board.art, 300))
    assert "\n" not in str(e.value) and board.fake.events == ["reset"]
    with pytest.raises(AcceleratorError, match="unusable after"):
        acc.predict(random_images(board.art, 1))
    acc.close()


def test_the_golden_model_runs_only_when_asked(board: types.SimpleNamespace) -> None:
    images = random_images(board.art, 5)
    with Accelerator(board.art_path, backend="golden") as g:
        assert g.predict(images).backend == "golden"
    with pytest.raises(AcceleratorError, match="this golden accelerator was closed"):
        g.predict(images)
    with Accelerator(board.art_path, board.bit, "pynq") as acc:
        assert acc.predict(images).backend == "pynq"


@pytest.mark.parametrize("mode,err,msg", [("dma_error", DmaError, "halted on an error"),
                                          ("short", DmaError, "got 40 bytes, expected 44"),
                                          ("short_image", AcceleratorError, "ERROR 0x1 \\(SHORT_IMAGE\\)")])
def test_dma_and_accelerator_errors(board: types.SimpleNamespace, mode: str, err: type, msg: str) -> None:
    with Accelerator(board.art_path, board.bit, "pynq") as acc:
        board.fake.acc.mode = mode
        with pytest.raises(err, match=msg):
            acc.predict(random_images(board.art, 3))


def test_bad_images_fail_before_any_transfer(board: types.SimpleNamespace) -> None:
    with Accelerator(board.art_path, board.bit, "pynq") as acc:
        for bad, msg in [(np.zeros((2, 63), np.uint8), "expected shape"), (np.full((2, 64), 256), "0..255"),
                         (np.zeros((2, 64), np.float32), "integer pixels")]:
            with pytest.raises(InputError, match=msg):
                acc.predict(bad)
    assert board.fake.dma.sendchannel.transfers == 0


def test_cli_on_the_board_path(board: types.SimpleNamespace, capsys: pytest.CaptureFixture) -> None:
    images = random_images(board.art, 40, seed=2)
    images[0] = images[2]  # no all-zero image: the latency is the smallest of varied cycle counts
    fastest = min(cycles_for(images[0]), cycles_for(images[-1]))  # transfers of 1 and 39 images
    labels = golden.run(board.art, images).classes
    labels[:4] = (labels[:4] + 1) % 10  # 36 of 40 right
    data.save(board.dir / "test.npz", images, labels)
    args = ["--bitfile", str(board.bit), "--artifact", str(board.art_path), "--data", str(board.dir / "test.npz"),
            "--quiet", "--json", str(board.dir / "s.json")]
    assert run.main(args) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("pynq: 40 images, accuracy 90.00% (36/40), ")
    assert f"latency {fastest / 100:.2f} us/image ({fastest} cycles at 100 MHz)" in out
    assert json.loads((board.dir / "s.json").read_text())["correct"] == 36
    assert json.loads((board.dir / "s.json").read_text())["latency_cycles"] == fastest
    assert json.loads((board.dir / "s.json").read_text())["accel"] == "rtl"  # auto found the register block
    board.fake.acc.regs["N_CLASSES"] = 11
    assert run.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: artifact does not match the bitstream") and err.count("\n") == 1


# ---------------------------------------------------------------- the stream-only hls4ml accelerator (hls/)
HLS_HWH = '<MODULE FULLNAME="/bwsnn_0" INSTANCE="bwsnn_0" MODTYPE="bwsnn_axi" VLNV="xilinx.com:hls:bwsnn_axi:1.0"/>'


@pytest.fixture
def hls_board(board: types.SimpleNamespace) -> types.SimpleNamespace:
    """The HLS overlay: the same DMA and stream; its IP has no AXI-Lite, so pynq's ip_dict lists only the DMA."""
    del board.fake.ip_dict["bwsnn_0"]
    board.bit.with_suffix(".hwh").write_text(HLS_HWH)
    return board


def test_hls_design_streams_a_batch_bit_exactly(hls_board: types.SimpleNamespace,
                                                caplog: pytest.LogCaptureFixture) -> None:
    n = 300  # three transfers each way
    images = random_images(hls_board.art, n, seed=3)
    with Accelerator(hls_board.art_path, hls_board.bit, "pynq", load_params=False) as acc:  # accel="auto"
        pred = acc.predict(images)
    want = golden.run(hls_board.art, images)
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    assert pred.cycles is None and pred.latency_s is None and 0 < pred.images_per_s < float("inf")
    assert pred.stats["accel"] == "hls" and "reg_read" not in pred.stats["ops"]
    assert hls_board.fake.acc.log == []  # not one register access
    assert hls_board.fake.dma.sendchannel.transfers == hls_board.fake.dma.recvchannel.transfers == 3
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "cannot be checked against the bitstream" in notes[0] and "synthesized" in notes[0]


def test_accel_option_overrides_detection(board: types.SimpleNamespace) -> None:
    board.bit.with_suffix(".hwh").write_text('<MODULE INSTANCE="bwsnn_0" VLNV="bwsnn:accel:bwsnn_top:1.0"/>')
    with Accelerator(board.art_path, board.bit, "pynq", accel="hls", load_params=False) as acc:
        pred = acc.predict(random_images(board.art, 3))
    assert pred.cycles is None and board.fake.acc.log == []  # the register block is there but left alone
    with pytest.raises(BitstreamError, match="--ip bwsnn_0 names a register block, but the HLS accelerator has none"):
        Accelerator(board.art_path, board.bit, "pynq", accel="hls", load_params=False, ip_name="bwsnn_0")
    with pytest.raises(ValueError, match="hls on the pynq backend only"):
        Accelerator(board.art_path, None, "golden", accel="hls")
    with pytest.raises(SystemExit):
        run.parse_args(["--artifact", "a", "--data", "d", "--backend", "sim", "--accel", "hls"])


def test_hls_overlay_errors(hls_board: types.SimpleNamespace) -> None:
    with pytest.raises(BitstreamError, match="expected one bwsnn accelerator register block in the overlay, found 0"):
        Accelerator(hls_board.art_path, hls_board.bit, "pynq", accel="rtl")
    with pytest.raises(AcceleratorError, match="weights are fixed at synthesis; use --no-load-params") as e:
        Accelerator(hls_board.art_path, hls_board.bit, "pynq")
    assert "\n" not in str(e.value)
    hls_board.bit.with_suffix(".hwh").write_text("<MODULE VLNV=\"xilinx.com:ip:axi_dma:7.1\"/>")
    with pytest.raises(BitstreamError, match="no bwsnn accelerator in the design"):
        Accelerator(hls_board.art_path, hls_board.bit, "pynq", load_params=False)


@pytest.mark.parametrize("mode,where", [("no_output", "receive \\(S2MM\\)"), ("no_input", "send \\(MM2S\\)")])
def test_hls_dma_time_out_never_hangs(hls_board: types.SimpleNamespace, mode: str, where: str) -> None:
    with Accelerator(hls_board.art_path, hls_board.bit, "pynq", load_params=False, timeout_s=0.05,
                     timeout_base_s=0.01) as acc:
        hls_board.fake.acc.mode = mode
        t0 = time.monotonic()
        with pytest.raises(DmaTimeout, match=f"image 0: DMA {where} did not finish within 0.06 s.*reload") as e:
            acc.predict(random_images(hls_board.art, 4))
        assert time.monotonic() - t0 < 1.0 and "\n" not in str(e.value)


def test_cli_on_the_hls_design(hls_board: types.SimpleNamespace, capsys: pytest.CaptureFixture) -> None:
    images = random_images(hls_board.art, 40, seed=2)
    labels = golden.run(hls_board.art, images).classes
    labels[:4] = (labels[:4] + 1) % 10  # 36 of 40 right
    data.save(hls_board.dir / "test.npz", images, labels)
    args = ["--bitfile", str(hls_board.bit), "--artifact", str(hls_board.art_path), "--data",
            str(hls_board.dir / "test.npz"), "--quiet", "--json", str(hls_board.dir / "s.json")]
    assert run.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the stream-only (HLS) accelerator has no parameter port") and err.count("\n") == 1
    assert run.main(args + ["--no-load-params"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("pynq: 40 images, accuracy 90.00% (36/40), ") and out.endswith(" us/image")
    s = json.loads((hls_board.dir / "s.json").read_text())
    assert s["accel"] == "hls" and s["correct"] == 36 and "latency_s" not in s


def test_hls_overlay_runs_conv_artifacts(hls_board: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HLS flow builds conv artifacts, so the host drives them on the HLS overlay."""
    art = random_conv_artifact(seed=3)
    art.save(hls_board.dir / "conv.bwsnn.npz")
    fake = FakePynq(art)
    del fake.ip_dict["bwsnn_0"]
    monkeypatch.setitem(sys.modules, "pynq", fake.module)
    images = random_images(art, 300, seed=2).reshape(300, *art.input_shape)
    with Accelerator(hls_board.dir / "conv.bwsnn.npz", hls_board.bit, "pynq", load_params=False) as acc:
        pred = acc.predict(images)
    want = golden.run(art, images)
    assert np.array_equal(pred.classes, want.classes) and np.array_equal(pred.scores, want.scores)
    assert fake.dma.sendchannel.transfers == 3


# ---------------------------------------------------------------- the design record (bwsnn.design)
def test_a_bitstream_of_another_design_is_refused_before_any_write(board: types.SimpleNamespace,
                                                                  capsys: pytest.CaptureFixture) -> None:
    """The record beside the .bit is another folding of the same artifact (same shape registers): the
    DESIGN_ID compare refuses it in one line naming both ids, before a single parameter word is written."""
    other = planner.design(board.art, target_cycles=16)
    assert other.id != board.fake.acc.design.id and other.folding != board.fake.acc.design.folding
    other.save(beside(board.bit))
    with pytest.raises(MismatchError) as e:
        Accelerator(board.art_path, board.bit, "pynq")
    msg = str(e.value)
    assert "\n" not in msg and f"0x{board.fake.acc.design.id:08x}" in msg and f"0x{other.id:08x}" in msg
    assert str(beside(board.bit)) in msg
    assert not [reg for op, reg, _ in board.fake.acc.log if op == "w"] and not board.fake.acc.params
    data.save(board.dir / "test.npz", random_images(board.art, 2))
    assert run.main(["--bitfile", str(board.bit), "--artifact", str(board.art_path), "--data",
                     str(board.dir / "test.npz"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the bitstream's DESIGN_ID") and err.count("\n") == 1


def test_the_image_is_packed_from_the_record(board: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's case: a random 64-128-128-10 artifact built at 64 cycles has the default plan's 1,609 words
    but another word order; with its record beside the .bit, the words written are its folding's image."""
    art = random_artifact((64, 128, 128, 10), seed=1)
    art.save(board.art_path)
    fake = FakePynq(art)
    monkeypatch.setitem(sys.modules, "pynq", fake.module)
    other, default = planner.design(art, target_cycles=64), fake.acc.design
    assert other.param_words == default.param_words == 1609
    assert not np.array_equal(other.image(art), default.image(art))
    other.save(beside(board.bit))
    fake.acc.regs["DESIGN_ID"] = other.id
    with Accelerator(board.art_path, board.bit, "pynq"):
        pass
    assert [fake.acc.params[i] for i in range(other.param_words)] == other.image(art).tolist()


def test_a_missing_or_edited_record_is_one_line(board: types.SimpleNamespace) -> None:
    record = beside(board.bit)
    text = record.read_text()
    record.unlink()
    with pytest.raises(BitstreamError, match=r"bwsnn\.design\.json: no such file, expected a design record") as e:
        Accelerator(board.art_path, board.bit, "pynq")
    assert "\n" not in str(e.value)
    record.write_text(text.replace('"pe": 1,', '"pe": 2,', 1))
    with pytest.raises(BitstreamError, match="is not the record's hash") as e:
        Accelerator(board.art_path, board.bit, "pynq")
    assert "\n" not in str(e.value) and not board.fake.acc.params


def test_an_artifact_the_record_was_not_built_for_is_one_line(board: types.SimpleNamespace) -> None:
    """A layer configuration other than the synthesized one: the shape registers cannot tell, the record can
    (before, ERROR.PARAM_VALUE told after the whole image was written)."""
    l0 = board.art.layers[0]
    other = dataclasses.replace(board.art, layers=[dataclasses.replace(l0, frac_bits=l0.frac_bits + 1),
                                                   *board.art.layers[1:]])
    other.save(board.dir / "o.bwsnn.npz")
    with pytest.raises(MismatchError, match=r"does not fit the design record \(record vs artifact\): "
                                            r"layers\[0\]\.config\.FRAC_BITS 2 vs 3$") as e:
        Accelerator(board.dir / "o.bwsnn.npz", board.bit, "pynq")
    assert "\n" not in str(e.value) and not board.fake.acc.params
