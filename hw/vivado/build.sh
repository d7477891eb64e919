#!/usr/bin/env bash
# Build the overlay's bitstream with Vivado if it is installed; otherwise say what was skipped and exit 0.
#   hw/vivado/build.sh [ARTIFACT] [target=BOARD] [cycles=N] [key=value ...]   (BOARD: python -m bwsnn.boards
#   list, default the record's default; other keys: see hw/vivado/build.tcl; default kind=rtl)
# kind=rtl plans the design of ARTIFACT (default $BWSNN_BUILD/model.bwsnn.npz) for BOARD's budget at N cycles per
# image (default: hw.gen's) and generates its record and parameter headers/.mem files first (python -m hw.gen);
# the record ends up beside the bitstream as bwsnn.design.json, which the host packs the weights from.
# The .bit + .hwh (+ the record) and ARTIFACT are delivered to host/bitstreams/<PYNQ board name>/ (deliver=DIR
# to change it): the folder the board wheel ships and BwsnnOverlay() opens on that board.
set -euo pipefail
build=$(realpath -m "${BWSNN_BUILD:-build}")
cd "$(dirname "$0")/../.."
artifact=$build/model.bwsnn.npz
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then artifact=$1; shift; fi
target=
deliver=host/bitstreams
gen_args=()
args=()
for a in "$@"; do
  case "$a" in
    target=*) target=${a#target=};;
    cycles=*) gen_args+=(--target-cycles "${a#cycles=}");;
    deliver=*) deliver=${a#deliver=};;
    *) args+=("$a");;
  esac
done
if [ -n "$target" ]; then gen_args+=(--target "$target"); fi
# the board first: an unknown one is one error line (exit 2) before anything else, Vivado or not
board_vars=$(python3 -m bwsnn.boards tcl ${target:+"$target"})
if ! command -v vivado >/dev/null 2>&1; then
  echo "bitstream skipped: vivado is not on PATH (hw/vivado/build.tcl needs Xilinx Vivado with Zynq support)"
  exit 0
fi
mkdir -p "$build/hw"
board_tcl=$build/hw/board-${target:-default}.tcl
echo "$board_vars" > "$board_tcl"
args+=("board=$board_tcl" "deliver=$deliver")
if [[ " ${args[*]-} " != *" kind=hls "* ]]; then
  python3 -m hw.gen "$artifact" "$build/hw/params" ${gen_args[@]+"${gen_args[@]}"}
  args+=("params=$build/hw/params")
fi
if [[ " ${args[*]-} " != *" out="* ]]; then args+=("out=$build/hw/vivado"); fi
vivado -mode batch -notrace -nojournal -log "$build/hw/vivado.log" -source hw/vivado/build.tcl -tclargs "${args[@]}"
pynq_board=$(sed -n 's/^set pynq_board {\(.*\)}$/\1/p' <<<"$board_vars")
mkdir -p "$deliver/$pynq_board"
cp "$artifact" "$deliver/$pynq_board/model.bwsnn.npz"  # the artifact the bitstream was built with, beside it
