#!/usr/bin/env bash
# Build the overlay's bitstream with Vivado if it is installed; otherwise say what was skipped and exit 0.
#   hw/vivado/build.sh [ARTIFACT] [target=BOARD] [key=value ...]   (BOARD: python -m bwsnn.boards list, default
#   the record's default; other keys: see hw/vivado/build.tcl; default kind=rtl)
# kind=rtl generates the parameter headers/.mem files of ARTIFACT (default $BWSNN_BUILD/model.bwsnn.npz) first.
# The .bit + .hwh and ARTIFACT are delivered to host/bitstreams/<PYNQ board name>/ (deliver=DIR to change it):
# the folder the board wheel ships and BwsnnOverlay() opens on that board.
set -euo pipefail
build=$(realpath -m "${BWSNN_BUILD:-build}")
cd "$(dirname "$0")/../.."
artifact=$build/model.bwsnn.npz
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then artifact=$1; shift; fi
target=
deliver=host/bitstreams
args=()
for a in "$@"; do
  case "$a" in
    target=*) target=${a#target=};;
    deliver=*) deliver=${a#deliver=};;
    *) args+=("$a");;
  esac
done
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
  python3 -m hw.gen "$artifact" "$build/hw/params"
  args+=("params=$build/hw/params")
fi
if [[ " ${args[*]-} " != *" out="* ]]; then args+=("out=$build/hw/vivado"); fi
vivado -mode batch -notrace -nojournal -log "$build/hw/vivado.log" -source hw/vivado/build.tcl -tclargs "${args[@]}"
pynq_board=$(sed -n 's/^set pynq_board {\(.*\)}$/\1/p' <<<"$board_vars")
cp "$artifact" "$deliver/$pynq_board/model.bwsnn.npz"  # the artifact the bitstream was built with, beside it
