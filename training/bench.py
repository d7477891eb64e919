"""Training benchmark -> build/bench/train.json (+ .md): the shipped models, the SEI-BWSNN ablation.

* The shipped models (models/*.bwsnn.npz, :mod:`training.shipped`): re-measured on their full test sets by
  the golden model, never retrained; they need --data-dir (or BWSNN_DATA_DIR), without it they are skipped.
* The SEI-BWSNN ablation (:mod:`training.ablation`: shortcuts x KD over seeds, one shared teacher per seed):
  the default preset's, retrained here (minutes); the kept studies (:data:`KEPT_ABLATIONS`: Fashion-MNIST's two
  SEI ablations, models/ablation-fashion and models/ablation-fashion-full, and CIFAR-10's recipe study,
  models/recipe-cifar10), re-measured from their runs (with --data-dir), each table also as a PNG beside
  train.md.
* The trainer's speed (:mod:`training.speed`): images/s of a student epoch of mnist-conv (digits-conv without
  mnist.npz in --data-dir), beside the trainer of --speed-ref COMMIT (default ``speed.BASELINE``, the trainer
  before issue 18's speed-ups; left out in a clone without that commit) timed on the same images
  (--skip-speed: not timed).
* The golden model's speed (:mod:`training.golden_speed`): images per CPU second on every shipped model, beside
  the golden model of --golden-ref COMMIT (default ``golden_speed.BASELINE``, before issue 26's products;
  --skip-golden-speed: not timed).
* --mnist-mlp: retrain the mnist-mlp preset too (hours on a 2-core CPU; MNIST from --data-dir, BWSNN_DATA_DIR
  or ../shared/data beside the repo).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from bwsnn import artifact, cli, datasets
from bwsnn.paths import build_dir
from training import ablation, golden_speed, shipped, speed, train

ROOT = Path(__file__).resolve().parents[1]


def _mnist_dir(arg: str | None) -> str | None:
    for cand in (arg, os.environ.get("BWSNN_DATA_DIR"), str(ROOT.parent / "shared" / "data")):
        if cand and (Path(cand) / "mnist.npz").exists():
            return cand
    return None


def _run(cfg: train.TrainConfig, out: Path) -> dict:
    rep = train.run(cfg, out)
    return {"teacher": rep["accuracy"]["teacher"], "bwsnn": rep["accuracy"]["bwsnn"],
            "deploy": rep["accuracy"]["deploy"], "per_step": rep["accuracy"]["per_step"],
            "seconds": rep["seconds"], "seconds_per_epoch": rep["seconds_per_epoch"]}


#: the kept ablations, re-measured and never retrained: name -> (folder in --models-dir, the preset that made
#: it, its study in :data:`training.ablation.STUDIES`)
KEPT_ABLATIONS = {"fashion": ("ablation-fashion", "fashion-ablation", "sei"),
                  "fashion-full": ("ablation-fashion-full", "fashion-ablation-full", "sei"),
                  "cifar10-recipe": ("recipe-cifar10", "cifar10-proxy", "recipe")}
STUDY_TITLES = {"sei": "shortcuts x KD", "recipe": "the recipe's ingredients, one at a time"}


def _kept_ablation(data_dir: str | None, runs: Path, preset: str, study: str) -> dict:
    """The kept runs of one ablation, re-measured; or why not."""
    dataset = train.PRESETS[preset].dataset
    if not data_dir:
        return {"skipped": f"no --data-dir (or BWSNN_DATA_DIR) with the {dataset} file"}
    if not shipped.models(runs):
        return {"skipped": f"no runs in {runs} (python -m training.ablation --study {study} --preset {preset} "
                           f"--out {runs})"}
    variants = ablation.summarize(runs, data_dir, ablation.STUDIES[study])
    first = variants[next(iter(variants))]["runs"][0]
    return {"preset": preset, "study": study, "seeds": sorted({int(r["model"].rsplit("seed", 1)[1])
                                               for v in variants.values() for r in v["runs"]}),
            "variants": variants, "command": first["command"].split("  # run ")[0]}


def shipped_models(data_dir: str | None, directory: Path) -> dict:
    """{"models": rows} or {"models_skipped": why}."""
    if not data_dir:
        return {"models_skipped": "no --data-dir (or BWSNN_DATA_DIR) with the MNIST / Fashion-MNIST files"}
    paths = shipped.models(directory)
    if not paths:
        return {"models_skipped": f"no *.bwsnn.npz in {directory}"}
    return {"models": [shipped.evaluate(p, data_dir) for p in paths]}


def markdown(result: dict) -> str:
    lines = ["# Training benchmark", "", "## Shipped models (golden model, full test sets, T=2)", ""]
    if "models" in result:
        lines += shipped.markdown(result["models"])
    else:
        lines.append(f"Skipped: {result['models_skipped']}.")
    lines += ["", "## Trainer speed (one student epoch, KD on)", ""]
    lines += ([f"Skipped ({result['speed']['skipped']})."] if "skipped" in result["speed"]
              else speed.markdown(result["speed"]))
    if "ref_skipped" in result["speed"]:
        lines += ["", f"No reference timed: {result['speed']['ref_skipped']}."]
    lines += ["", "## Golden model speed", ""]
    gs = result["golden_speed"]
    lines += [f"Skipped ({gs['skipped']})."] if "skipped" in gs else golden_speed.markdown(gs)
    lines += ["", "## Ablations (golden model, full test sets, mean +/- std over seeds)", ""]
    if "digits" not in result["ablation"]:
        lines += ["digits: skipped (--skip-ablation).", ""]
    for name, abl in result["ablation"].items():
        if "skipped" in abl:
            lines += [f"{name}: skipped ({abl['skipped']}).", ""]
            continue
        lines += [f"{name}: {STUDY_TITLES[abl['study']]} ({abl['preset']} preset, seeds {abl['seeds']}):", "",
                  *ablation.markdown(abl["variants"]), "", f"Command: `{abl['command']}`", "",
                  f"![{name}](ablation-{name}.png)", ""]
    if "mnist" in result:
        m = result["mnist"]
        lines += ["", f"MNIST preset (mnist-mlp): teacher {m['teacher']:.2f}%, BW-SNN {m['bwsnn']:.2f}%, "
                      f"deploy {m['deploy']:.2f}%, {m['seconds_per_epoch']:.1f} s/epoch, {m['seconds']:.0f} s total."]
    elif "mnist_skipped" in result:
        lines += ["", f"MNIST preset: skipped ({result['mnist_skipped']})."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = cli.Parser(prog="python -m training.bench", description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=cli.seed_list, default=[0, 1, 2], help="ablation seeds (default 0,1,2)")
    p.add_argument("--data-dir", type=cli.existing_dir,
                   help="dataset directory (mnist.npz, fashion_mnist.npz) of the shipped models")
    p.add_argument("--models-dir", type=cli.existing_dir, default=str(shipped.MODELS_DIR),
                   help="the shipped models (default: models/)")
    p.add_argument("--skip-ablation", action="store_true", help="skip the retrained digits ablation (the kept "
                   "Fashion-MNIST runs are re-measured regardless)")
    p.add_argument("--mnist-mlp", action="store_true", help="retrain the mnist-mlp preset (hours on a CPU)")
    p.add_argument("--mnist-epochs", type=cli.positive_int, help="override the mnist-mlp preset's epochs")
    p.add_argument("--speed-ref", help="time this commit's trainer beside this tree's (default: "
                   f"{speed.BASELINE}, the trainer before issue 18's speed-ups, when this clone has it; '' for none)")
    p.add_argument("--skip-speed", action="store_true", help="skip timing the trainer")
    p.add_argument("--speed-images", type=cli.positive_int, default=1280, help="training images per timed epoch")
    p.add_argument("--speed-rounds", type=cli.positive_int, default=1, help="alternating timing rounds")
    p.add_argument("--golden-ref", help="time this commit's golden model beside this tree's (default: "
                   f"{golden_speed.BASELINE}, before issue 26's products, when this clone has it; '' for none)")
    p.add_argument("--skip-golden-speed", action="store_true", help="skip timing the golden model")
    p.add_argument("--out", type=cli.output_dir, default=str(build_dir("bench")),
                   help="output folder (default BUILD/bench)")
    a = p.parse_args(argv)
    data_dir = a.data_dir and str(a.data_dir)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = a.seeds
    try:
        kept = [shipped.models(Path(a.models_dir) / folder) for folder, *_ in KEPT_ABLATIONS.values()]
        for path in shipped.models(Path(a.models_dir)) + sum(kept, []):
            shipped.read(path)  # every model and report checked before the minutes of retraining below
        result = shipped_models(data_dir or os.environ.get("BWSNN_DATA_DIR"), Path(a.models_dir))
    except (shipped.ShippedError, datasets.DataError, artifact.ArtifactError) as e:
        raise SystemExit(f"error: {e}") from None
    data_dir = data_dir or os.environ.get("BWSNN_DATA_DIR")
    if a.skip_speed:
        result["speed"] = {"skipped": "--skip-speed"}
    else:
        mnist = bool(data_dir) and (Path(data_dir) / "mnist.npz").is_file()
        ref = a.speed_ref
        if ref is None:  # the default reference only where this clone has it (not in a shallow one)
            ref = speed.BASELINE if speed.commit(speed.BASELINE) else ""
        try:
            result["speed"] = speed.measure("mnist-conv" if mnist else "digits-conv", data_dir if mnist else None,
                                            ref or None, a.speed_images, 1, a.speed_rounds)
        except speed.SpeedError as e:
            p.error(str(e).replace("--ref", "--speed-ref"))
        if a.speed_ref is None and not ref:
            result["speed"]["ref_skipped"] = (f"this clone lacks commit {speed.BASELINE} (the trainer before the "
                                              "speed-ups)")
    if a.skip_golden_speed:
        result["golden_speed"] = {"skipped": "--skip-golden-speed"}
    else:
        ref = a.golden_ref
        if ref is None:  # the default reference only where this clone has it
            ref = golden_speed.BASELINE if speed.commit(golden_speed.BASELINE) else ""
        try:
            result["golden_speed"] = golden_speed.measure(shipped.models(Path(a.models_dir)), ref or None)
        except speed.SpeedError as e:
            p.error(str(e).replace("--ref", "--golden-ref"))
    result["ablation"] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not a.skip_ablation:
            base = replace(train.PRESETS["digits"], export=False)
            runs = Path(tmp) / "ablation-digits"
            ablation.run(base, seeds, runs, work=Path(tmp) / "work")
            result["ablation"]["digits"] = {"preset": "digits", "study": "sei", "seeds": seeds, "variants":
                                            ablation.summarize(runs, None), "command": "make bench (retrained)"}
        try:  # kept runs: re-measured, never retrained
            for name, (folder, preset, study) in KEPT_ABLATIONS.items():
                result["ablation"][name] = _kept_ablation(data_dir or os.environ.get("BWSNN_DATA_DIR"),
                                                          Path(a.models_dir) / folder, preset, study)
        except (shipped.ShippedError, datasets.DataError, artifact.ArtifactError) as e:
            raise SystemExit(f"error: {e}") from None
        mnist = _mnist_dir(data_dir)
        if a.mnist_mlp and not mnist:
            result["mnist_skipped"] = "no mnist.npz found (pass --data-dir)"
        elif a.mnist_mlp:
            cfg = replace(train.PRESETS["mnist-mlp"], data_dir=mnist, export=False)
            if a.mnist_epochs:
                cfg = replace(cfg, epochs=a.mnist_epochs)
            result["mnist"] = _run(cfg, Path(tmp) / "mnist")
    for name, abl in result["ablation"].items():
        if "variants" in abl:
            ablation.plot(abl["variants"], out / f"ablation-{name}.png", f"{name} ablation ({abl['preset']})")
    (out / "train.json").write_text(json.dumps(result, indent=2))
    (out / "train.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
