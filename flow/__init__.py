"""The build flow: ordered, named steps over a typed state (:mod:`flow.build`), the demo's steps
(:mod:`flow.steps`, ``make demo``), the benchmark (:mod:`flow.bench`, ``make bench``) and the report.
The top layer: it may import every other package; nothing imports it."""
