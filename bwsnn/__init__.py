"""bwsnn's contract: what every backend implements and the board needs, in numpy alone.

* :mod:`bwsnn.limits` - the fixed numbers (time steps, accumulator width, clock), defined once;
* :mod:`bwsnn.artifact` - the deploy artifact (``*.bwsnn.npz``): format, loading, validation;
* :mod:`bwsnn.golden` - the golden model: the bit-exact definition of the arithmetic (its docstring is the spec);
* :mod:`bwsnn.regmap` - the accelerator's register map and stream packing (``regmap.json``, parsed here only);
* :mod:`bwsnn.params` - the parameter image (descriptor fields, weight rows, neuron parameters);
* :mod:`bwsnn.planner` - the folding of each layer (PE x SIMD) for a target interval and a budget;
* :mod:`bwsnn.design` - the design record a bitstream is built from (its hash: the DESIGN_ID register);
* :mod:`bwsnn.npz` - the one safe ``.npz`` reader for artifacts, test data and datasets;
* :mod:`bwsnn.datasets` - the datasets as uint8 pixels (digits embedded; MNIST from a user directory);
* :mod:`bwsnn.random_artifact` - random valid artifacts, the edge cases every backend is tested on.

Backends (training/, hls/, hw/, sim/, host/) import from here; nothing here imports them.
"""
