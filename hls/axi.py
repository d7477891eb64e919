"""The AXI4-Stream top shared with the RTL accelerator (bwsnn/regmap.json), written by an hls4ml writer pass.

hls4ml's VivadoAccelerator wrapper sends one value per beat; the RTL's host program sends 8 pixels per
64-bit beat and reads class + C scores as 32-bit words with TLAST on the last. :class:`WriteBwsnnAxiTop`
runs after ``vivadoaccelerator:write_hls`` in the writer flow and replaces ``<project>_axi.{h,cpp}`` (the
top that ``build_prj.tcl`` synthesises and ``build_lib.sh`` compiles), the Python bridge (so ``predict()``
runs the stream top, packing included) and the C-sim testbench, which drives the top with ``tb_data`` and
counts mismatches against the golden outputs there.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from hls4ml.model import ModelGraph
from hls4ml.model.optimizer import ModelOptimizerPass

from bwsnn.regmap import REGMAP, Regmap

_HEADER = """#ifndef {P}_AXI_H_
#define {P}_AXI_H_
// AXI4-Stream packing of bwsnn/regmap.json: in = {in_bits}-bit beats of {ppb} pixels (pixel k in bits 8k+7:8k,
// a packet of whole images, TLAST on its last beat), out = {out_bits}-bit words per image: class, then the {C}
// scores (TLAST on the last word of the packet's last image).
#include "{p}.h"
#if __has_include(<ap_axi_sdata.h>)
#include <ap_axi_sdata.h>
typedef ap_axiu<{in_bits}, 0, 0, 0> bwsnn_in_beat;
typedef ap_axiu<{out_bits}, 0, 0, 0> bwsnn_out_beat;
#else  // g++ C-sim with hls4ml's open ap_types: same members as ap_axiu
template <int W> struct bwsnn_axiu {{
    ap_uint<W> data;
    ap_uint<W / 8> keep;
    ap_uint<W / 8> strb;
    ap_uint<1> last;
}};
typedef bwsnn_axiu<{in_bits}> bwsnn_in_beat;
typedef bwsnn_axiu<{out_bits}> bwsnn_out_beat;
#endif
#include "hls_stream.h"

static const unsigned N_PIXELS = {n_in};
static const unsigned N_BEATS = {n_beats};
static const unsigned N_WORDS = {n_words};

void {p}_axi(hls::stream<bwsnn_in_beat> &in, hls::stream<bwsnn_out_beat> &out);

#ifndef __SYNTHESIS__
// C-sim driver shared by the testbench and the Python bridge (predict): packs `images` copies of one image
// the way the DMA delivers a batch, as one packet (the last copy in `beats` beats: N_BEATS, or fewer to test
// a short image), runs the top once per image, unpacks the last copy's words; false if a beat is left unread,
// the word count is wrong, a copy's result differs, or TLAST is anywhere but on the packet's last word.
template <class px_T, class word_T>
bool bwsnn_csim_packet(const px_T px[N_PIXELS], unsigned images, unsigned beats, word_T words[N_WORDS]) {{
    hls::stream<bwsnn_in_beat> in("in");
    hls::stream<bwsnn_out_beat> out("out");
    for (unsigned n = 0; n < images; n++) {{
        unsigned nb = n + 1 == images ? beats : N_BEATS;
        for (unsigned b = 0; b < nb; b++) {{
            bwsnn_in_beat beat;
            beat.data = 0;  // the last beat is zero-padded
            for (unsigned k = 0; k < {ppb} && b * {ppb} + k < N_PIXELS; k++)
                beat.data.range(8 * k + 7, 8 * k) = (unsigned)px[b * {ppb} + k];
            beat.keep = -1;
            beat.strb = -1;
            beat.last = n + 1 == images && b == nb - 1;
            in.write(beat);
        }}
    }}
    for (unsigned n = 0; n < images; n++) {p}_axi(in, out);
    bool ok = out.size() == images * N_WORDS;
    for (unsigned n = 0; n < images; n++) {{
        for (unsigned i = 0; i < N_WORDS && !out.empty(); i++) {{
            bwsnn_out_beat w = out.read();
            word_T v = (long long)(ap_int<{out_bits}>)w.data;
            ok &= n == 0 || v == words[i];
            words[i] = v;
            ok &= w.last == (n + 1 == images && i == N_WORDS - 1);
        }}
    }}
    return ok && in.empty();
}}

template <class px_T, class word_T> bool bwsnn_csim_image(const px_T px[N_PIXELS], word_T words[N_WORDS]) {{
    return bwsnn_csim_packet(px, 1, N_BEATS, words);
}}
#endif
#endif
"""

_TOP = """#include "{p}_axi.h"

void {p}_axi(hls::stream<bwsnn_in_beat> &in, hls::stream<bwsnn_out_beat> &out) {{
    #pragma HLS INTERFACE axis port=in
    #pragma HLS INTERFACE axis port=out
    #pragma HLS INTERFACE ap_ctrl_none port=return
    {in_t} x[N_PIXELS];
    {out_t} y[N_WORDS];
    // one image per call, N_BEATS beats; a packet (one DMA transfer) holds one or more images back to back and
    // TLAST ends it: on an image's last beat it marks the packet's last image, whose result then carries
    // TLAST (one output packet per input packet); earlier, the image is short: the rest reads as zero pixels
    bool last = false;
Unpack:
    for (unsigned b = 0; b < N_BEATS; b++) {{
        #pragma HLS PIPELINE II=1
        bwsnn_in_beat beat;
        beat.data = 0;
        if (!last) {{
            beat = in.read();
            last = beat.last;
        }}
        for (unsigned k = 0; k < {ppb}; k++) {{
            #pragma HLS UNROLL
            if (b * {ppb} + k < N_PIXELS) x[b * {ppb} + k] = beat.data.range(8 * k + 7, 8 * k);
        }}
    }}
    {p}(x, y);
Pack:
    for (unsigned i = 0; i < N_WORDS; i++) {{
        #pragma HLS PIPELINE II=1
        bwsnn_out_beat word;
        word.data = y[i];  // int32 scores, sign-extended to the word
        word.keep = -1;
        word.strb = -1;
        word.last = last && i == N_WORDS - 1;
        out.write(word);
    }}
}}
"""

_BRIDGE = """// Wrapper of top level function for Python bridge: predict() runs the AXI4-Stream top
void {p}_float(float *x, float *y) {{ bwsnn_csim_image(x, y); }}

void {p}_double(double *x, double *y) {{ bwsnn_csim_image(x, y); }}
}}

#endif
"""

_TB = """// C-sim testbench of the AXI top: tb_data/tb_input_features.dat (pixels, one image a line) in,
// compared word by word with tb_data/tb_output_predictions.dat (class, then scores: the golden model).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/{p}_axi.h"

static std::vector<long long> numbers(const std::string &line) {{
    std::istringstream ss(line);
    std::vector<long long> v;
    double d;
    while (ss >> d) v.push_back((long long)d);
    return v;
}}

int main() {{
    std::ifstream fin("tb_data/tb_input_features.dat"), fpr("tb_data/tb_output_predictions.dat");
    if (!fin.is_open() || !fpr.is_open()) {{
        std::printf("ERROR: tb_data/tb_input_features.dat or tb_output_predictions.dat missing\\n");
        return 2;
    }}
    std::string iline, pline;
    int images = 0, mismatches = 0, framing = 0;
    while (std::getline(fin, iline) && std::getline(fpr, pline)) {{
        std::vector<long long> px = numbers(iline), want = numbers(pline);
        if (px.size() != N_PIXELS || want.size() != N_WORDS) {{
            std::printf("ERROR: image %d: expected %u pixels and %u outputs\\n", images, N_PIXELS, N_WORDS);
            return 2;
        }}
        long long got[N_WORDS];
        bool bad = !bwsnn_csim_image(&px[0], got);
        for (unsigned i = 0; i < N_WORDS; i++) bad |= got[i] != want[i];
        if (bad) std::printf("MISMATCH image %d\\n", images);
        mismatches += bad;
        if (images == 0) {{
            // framing: a packet of three images gives three results in one packet; a short image gives a
            // well-formed result; the images after them are checked by the loop going on
            bool ok = bwsnn_csim_packet(&px[0], 3, N_BEATS, got);
            for (unsigned i = 0; i < N_WORDS; i++) ok &= got[i] == want[i];
            ok &= N_BEATS < 2 || bwsnn_csim_packet(&px[0], 1, N_BEATS - 1, got);
            if (!ok) std::printf("FRAMING ERROR\\n");
            framing += !ok;
        }}
        images++;
    }}
    std::printf("images %d mismatches %d framing_errors %d\\n", images, mismatches, framing);
    return mismatches != 0 || framing != 0 || images == 0;
}}
"""


def regmap_streams(rm: Regmap = REGMAP) -> tuple[int, int, int]:
    """(input tdata bits, pixels per input beat, output tdata bits) from the shared register map."""
    return rm.in_bits, rm.pixels_per_beat, rm.out_bits


class WriteBwsnnAxiTop(ModelOptimizerPass):
    """Writer pass: the regmap-packed AXI4-Stream top, its C-sim testbench, the bridge, the DMA widths."""

    def __init__(self) -> None:
        self.name = "write_bwsnn_axi_top"

    def transform(self, model: ModelGraph) -> bool:
        odir, p = Path(model.config.get_output_dir()), model.config.get_project_name()
        in_bits, ppb, out_bits = regmap_streams()
        x, y = model.get_input_variables()[0], model.get_output_variables()[0]
        n_in, n_words = x.size(), y.size()
        fmt = dict(p=p, P=p.upper(), in_bits=in_bits, ppb=ppb, out_bits=out_bits, n_in=n_in, C=n_words - 1,
                   n_beats=math.ceil(n_in / ppb), n_words=n_words, in_t=x.type.name, out_t=y.type.name)
        (odir / "firmware" / f"{p}_axi.h").write_text(_HEADER.format(**fmt))
        (odir / "firmware" / f"{p}_axi.cpp").write_text(_TOP.format(**fmt))
        (odir / f"{p}_test.cpp").write_text(_TB.format(**fmt))
        bridge = odir / f"{p}_bridge.cpp"
        text = bridge.read_text()
        bridge.write_text(text[:text.index("// Wrapper of top level function")] + _BRIDGE.format(**fmt))
        # hls4ml's PYNQ driver sends one value per word and all images as one packet: wrong for this top,
        # whose host program is host/ (one DMA packet per image each way, as for the RTL accelerator)
        (odir / "axi_stream_driver.py").unlink(missing_ok=True)
        # hls4ml 1.3.0 writes the two DMA widths swapped (input width as bit_width_hls_output); set both
        tcl = odir / "project.tcl"
        text = re.sub(r"set bit_width_hls_output \d+", f"set bit_width_hls_output {out_bits}", tcl.read_text())
        tcl.write_text(re.sub(r"set bit_width_hls_input \d+", f"set bit_width_hls_input {in_bits}", text))
        return False
