"""``BUILD/report.md``: what the demo's steps measured, what they skipped and why, and what failed."""
from __future__ import annotations

from typing import Any

from flow.build import BuildState


def _fmt(v: Any, spec: str = ".2f") -> str:
    return "n/a" if v is None else format(v, spec)


def _accuracy_table(state: BuildState) -> list[str]:
    tr, g, h, r = (state.results.get(k, {}) for k in ("train", "golden", "hls", "rtl_host"))
    acc = tr.get("accuracy", {})
    n = g.get("images", "n/a")
    rows = ["| stage | images | accuracy % | agrees with golden |", "|---|---|---|---|"]
    if acc:
        rows += [f"| full-precision teacher | {n} | {acc['teacher']:.2f} | - |",
                 f"| BW-SNN (float scales) | {n} | {acc['bwsnn']:.2f} | - |",
                 f"| integer deploy mode (torch) | {n} | {acc['deploy']:.2f} | {g.get('deploy_agree', 'n/a')}/{n} |"]
    if g:
        rows.append(f"| golden model (numpy) | {n} | {_fmt(g.get('accuracy'))} | (reference) |")
    if h:
        rows.append(f"| HLS C-simulation ({h['target']}) | {h['images']} | {_fmt(h.get('accuracy'))} | "
                    f"{h['images'] - h['mismatches']}/{h['images']} |")
    if r:
        rows.append(f"| RTL accelerator via host program (sim) | {r['images']} | {_fmt(r['accuracy'])} | "
                    f"{r['golden_agree']}/{r['images']} |")
    rows.append("")
    if acc:
        rows += [f"Accuracy after each time step (deploy): {', '.join(f'{x:.2f}' for x in acc['per_step'])}.", ""]
    return rows


def _hardware(state: BuildState) -> list[str]:
    r, res = state.results.get("rtl_host", {}), state.results.get("resources", {})
    if not (r or res):
        return []
    lines = ["## Hardware (RTL accelerator)", ""]
    if r:
        batch = r.get("images_per_transfer", "n/a")
        lines.append(f"- streaming through the host driver (DMA transfers of up to {batch} images each way), measured "
                     f"in simulation: {_fmt(r.get('cycles_per_image'), '.0f')} cycles per image, "
                     f"{_fmt(r.get('images_per_s'), ',.0f')} images/s at {_fmt(r.get('clock_mhz'), '.0f')} "
                     f"MHz; latency of one image on an idle accelerator: {r.get('latency_cycles', 'n/a')} cycles")
    if res:
        lines.append(f"- Yosys `synth_xilinx -family {res['family']}` estimate for the {res['board']} ({res['part']}): "
                     f"LUT {res['lut']} ({_fmt(res.get('lut_pct'), '.1f')}%), FF {res['ff']} "
                     f"({_fmt(res.get('ff_pct'), '.1f')}%), RAMB36 {res['bram36']} "
                     f"({_fmt(res.get('bram36_pct'), '.1f')}%), DSP {res['dsp']}, CARRY4 {res.get('carry4', 'n/a')}")
    return [*lines, ""]


def render(state: BuildState, notes: list[str]) -> str:
    tr = state.results.get("train", {})
    lines = ["# bwsnn demo report", ""]
    if tr:
        cfg = tr["config"]
        lines += [f"Dataset: {tr['dataset']} ({tr['split']}); T = {tr['T']}; hidden {cfg['hidden']}; shortcuts "
                  f"{cfg['shortcuts']}; KD {tr['kd']}; {tr['weight_bits']} weight bits, all 1-bit.", ""]
    lines += ["## Accuracy at each stage", "", *_accuracy_table(state), *_hardware(state)]
    if "plots" in state.results:
        curves = state.results["plots"].get("curves")
        lines += ["## Pictures", "", *([f"![training curves]({curves})", ""] if curves else []),
                  "![spikes and membranes](spikes.png)", ""]
    lines += ["## Steps", "", "| step | status | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {status} | {state.seconds.get(name, 0):.0f} |" for name, status in state.status.items()
              if name != "report"]
    lines += ["", "## Not available on this machine", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines)
