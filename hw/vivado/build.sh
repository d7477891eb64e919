#!/usr/bin/env bash
# Build the overlay's bitstream with Vivado if it is installed; otherwise say what was skipped and exit 0.
#   hw/vivado/build.sh [ARTIFACT] [target=BOARD] [key=value ...]   (BOARD: python -m bwsnn.boards list, default
#   the record's default; other keys: see hw/vivado/build.tcl; default kind=rtl)
# kind=rtl generates the parameter headers/.mem files of ARTIFACT (default $BWSNN_BUILD/model.bwsnn.npz) first.
set -euo pipefail
build=$(realpath -m "${BWSNN_BUILD:-build}")
cd "$(dirname "$0")/../.."
artifact=$build/model.bwsnn.npz
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then artifact=$1; shift; fi
target=
args=()
for a in "$@"; do
  if [[ "$a" == target=* ]]; then target=${a#target=}; else args+=("$a"); fi
done
if ! command -v vivado >/dev/null 2>&1; then
  echo "bitstream skipped: vivado is not on PATH (hw/vivado/build.tcl needs Xilinx Vivado with Zynq support)"
  exit 0
fi
mkdir -p "$build/hw"
board_tcl=$build/hw/board-${target:-default}.tcl
python -m bwsnn.boards tcl ${target:+"$target"} > "$board_tcl"  # an unknown board: one line, exit 2
args+=("board=$board_tcl")
if [[ " ${args[*]-} " != *" kind=hls "* ]]; then
  python -m hw.gen "$artifact" "$build/hw/params"
  args+=("params=$build/hw/params")
fi
if [[ " ${args[*]-} " != *" out="* ]]; then args+=("out=$build/hw/vivado"); fi
exec vivado -mode batch -notrace -nojournal -log "$build/hw/vivado.log" -source hw/vivado/build.tcl -tclargs "${args[@]}"
