"""Host program for the bwsnn accelerator on a PYNQ-Z2 (numpy + pynq only; no torch on the board).

Notebook use, as with BNN-PYNQ::

    from host.accelerator import Accelerator
    acc = Accelerator("model.bwsnn.npz", "bwsnn.bit")          # backend="sim" or "golden" off the board
    pred = acc.predict(images)                                   # uint8 (N, n_in)
    pred.classes, pred.scores, pred.accuracy(labels), pred.images_per_s, pred.latency_s

Command line: ``python -m host.run --bitfile bwsnn.bit --artifact model.bwsnn.npz --data test.npz``
(test data format: :mod:`host.data`); benchmark: ``python -m host.bench``.

Layers: :mod:`bwsnn.regmap` (bwsnn/regmap.json: registers and stream packing) -> :mod:`host.driver` (every
register access and DMA stream) -> a :mod:`host.transport` (pynq on the board, cocotb in simulation).
"""
