// bwsnn kernels for hls4ml: binary (+/-1) dense synapses + integer LIF neurons, bit-exact to bwsnn/golden.py.
// Spike trains and weights are bit-packed bytes, little bit order (bit b of byte k = neuron/input 8k+b),
// exactly the artifact's packing. A layer consumes its input's whole T-step train and produces its own,
// so the T steps run inside one call of the top function.
#ifndef NNET_BWSNN_H_
#define NNET_BWSNN_H_

#include "ap_int.h"
#include "hls_stream.h"

namespace nnet {

typedef ap_int<32> bwsnn_cur_t;  // input current I: |I| < 2^31 by artifact validation
typedef ap_int<34> bwsnn_wide_t; // U >> leak (<= 32 bits) + I (32 bits), U - threshold: no overflow

struct bwsnn_config {
    static const unsigned n_in = 8;
    static const unsigned n_out = 8;
    static const unsigned in_bytes = 1;
    static const unsigned out_bytes = 1;
    static const unsigned T = 1;
    static const unsigned mem_bits = 16;
    static const unsigned leak_shift = 0;
    static const unsigned frac_bits = 0;
    static const bool soft_reset = false;
    static const unsigned input_shift = 0;  // layer 0: x = pixel >> (8 - input.bits)
    typedef ap_uint<8> weight_t;
    typedef ap_int<32> bias_t;
    typedef ap_int<32> threshold_t;
    typedef ap_int<32> gain_t;
};

template <class T> inline ap_uint<4> bwsnn_popcount8(T v) {
    ap_uint<4> c = 0;
    for (int b = 0; b < 8; b++) {
        #pragma HLS UNROLL
        c += v[b];
    }
    return c;
}

// membranes start at 0 for every image (ap_int's default constructor leaves them undefined)
template <typename CONFIG_T> inline void bwsnn_zero(ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out]) {
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS UNROLL
        u[n] = 0;
    }
}

// sat(v) to a mem_bits-wide signed membrane
template <typename CONFIG_T> inline bwsnn_wide_t bwsnn_sat(bwsnn_wide_t v) {
    const bwsnn_wide_t hi = (bwsnn_wide_t(1) << (CONFIG_T::mem_bits - 1)) - 1;
    const bwsnn_wide_t lo = -hi - 1;
    return v > hi ? hi : (v < lo ? lo : v);
}

// leak + integrate: U = sat((U >> leak_shift) + I); >> on a signed ap_int is arithmetic (floor)
template <typename CONFIG_T> inline bwsnn_wide_t bwsnn_integrate(bwsnn_wide_t u, bwsnn_cur_t cur) {
    return bwsnn_sat<CONFIG_T>((u >> CONFIG_T::leak_shift) + bwsnn_wide_t(cur));
}

// the synaptic part of the input current, I = (z << frac_bits) + bias (exact: |I| < 2^31 by validation)
template <typename CONFIG_T>
inline bwsnn_cur_t bwsnn_current(ap_int<32> z, typename CONFIG_T::bias_t bias) {
    return (bwsnn_wide_t(z) << CONFIG_T::frac_bits) + bwsnn_wide_t(bias);
}

// I = (z << frac_bits) + bias with z = 2*popcount(s & w) - popcount(s): AND + popcount, no multiplier
template <class data_T, typename CONFIG_T>
void bwsnn_binary_current(const data_T s[CONFIG_T::T * CONFIG_T::in_bytes], unsigned t,
                          const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                          const typename CONFIG_T::bias_t b[CONFIG_T::n_out], bwsnn_cur_t cur[CONFIG_T::n_out]) {
    const int row = CONFIG_T::in_bytes;  // one neuron's packed weights per cycle
    #pragma HLS ARRAY_RESHAPE variable=w cyclic factor=row
    ap_int<32> ns = 0;
    for (unsigned k = 0; k < CONFIG_T::in_bytes; k++) {
        #pragma HLS UNROLL
        ns += bwsnn_popcount8(s[t * CONFIG_T::in_bytes + k]);
    }
Neurons:
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        ap_int<32> pos = 0;
        for (unsigned k = 0; k < CONFIG_T::in_bytes; k++) {
            #pragma HLS UNROLL
            pos += bwsnn_popcount8(ap_uint<8>(s[t * CONFIG_T::in_bytes + k] & w[n * CONFIG_T::in_bytes + k]));
        }
        cur[n] = bwsnn_current<CONFIG_T>(2 * pos - ns, b[n]);
    }
}

// identity shortcut: I += skip_gain where the skip layer spiked at this step
template <class skip_T, typename CONFIG_T>
void bwsnn_add_skip(const skip_T s[CONFIG_T::T * CONFIG_T::out_bytes], unsigned t,
                    const typename CONFIG_T::gain_t g[CONFIG_T::n_out], bwsnn_cur_t cur[CONFIG_T::n_out]) {
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        if (s[t * CONFIG_T::out_bytes + n / 8][n % 8]) cur[n] += g[n];
    }
}

// one neuron's LIF step: integrate, fire (U >= threshold), hard or soft reset; returns the spike
template <typename CONFIG_T>
inline bool bwsnn_lif_update(ap_int<CONFIG_T::mem_bits> &u, bwsnn_cur_t cur, typename CONFIG_T::threshold_t thr) {
    bwsnn_wide_t v = bwsnn_integrate<CONFIG_T>(u, cur);
    const bool spike = v >= bwsnn_wide_t(thr);
    if (spike) v = CONFIG_T::soft_reset ? bwsnn_sat<CONFIG_T>(v - bwsnn_wide_t(thr)) : bwsnn_wide_t(0);
    u = v;
    return spike;
}

// one LIF step of the layer; writes this step's packed spikes
template <class res_T, typename CONFIG_T>
void bwsnn_fire(const bwsnn_cur_t cur[CONFIG_T::n_out], ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out],
                const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                res_T s[CONFIG_T::T * CONFIG_T::out_bytes], unsigned t) {
    for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) {
        #pragma HLS UNROLL
        s[t * CONFIG_T::out_bytes + k] = 0;
    }
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        s[t * CONFIG_T::out_bytes + n / 8][n % 8] = bwsnn_lif_update<CONFIG_T>(u[n], cur[n], thr[n]);
    }
}

// Layer 0's current from direct-encoded pixels x = pixel >> input_shift: z = 2*sum(x where w = +1) - sum(x),
// once per image
template <class data_T, typename CONFIG_T>
void bwsnn_pixel_current(const data_T x[CONFIG_T::n_in],
                         const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                         const typename CONFIG_T::bias_t b[CONFIG_T::n_out], bwsnn_cur_t cur[CONFIG_T::n_out]) {
    const int row = CONFIG_T::in_bytes;  // one neuron's packed weights per cycle
    #pragma HLS ARRAY_RESHAPE variable=w cyclic factor=row
    ap_int<32> total = 0;
    for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
        #pragma HLS UNROLL
        total += x[j] >> CONFIG_T::input_shift;
    }
Neurons:
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        ap_int<32> pos = 0;
        for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
            #pragma HLS UNROLL
            if (w[n * CONFIG_T::in_bytes + j / 8][j % 8]) pos += x[j] >> CONFIG_T::input_shift;
        }
        cur[n] = bwsnn_current<CONFIG_T>(2 * pos - total, b[n]);
    }
}

// Layer 0, spiking: direct-encoded pixels (same at every step) -> spike train
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_encode_lif(const data_T x[CONFIG_T::n_in], res_T spikes[CONFIG_T::T * CONFIG_T::out_bytes],
                      const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                      const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                      const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_pixel_current<data_T, CONFIG_T>(x, w, b, cur);
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_fire<res_T, CONFIG_T>(cur, u, thr, spikes, t);
    }
}

// Hidden layer: spike train in, spike train out
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_lif(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
               const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
               const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
               const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_binary_current<data_T, CONFIG_T>(s_in, t, w, b, cur);
        bwsnn_fire<res_T, CONFIG_T>(cur, u, thr, s_out, t);
    }
}

// Hidden layer with a shortcut: the skip layer's spike train is a second input
template <class data_T, class skip_T, class res_T, typename CONFIG_T>
void bwsnn_lif_skip(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes],
                    const skip_T s_skip[CONFIG_T::T * CONFIG_T::out_bytes],
                    res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                    const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                    const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                    const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                    const typename CONFIG_T::gain_t g[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_binary_current<data_T, CONFIG_T>(s_in, t, w, b, cur);
        bwsnn_add_skip<skip_T, CONFIG_T>(s_skip, t, g, cur);
        bwsnn_fire<res_T, CONFIG_T>(cur, u, thr, s_out, t);
    }
}

// one output-integrator step: leak + integrate, never fires
template <typename CONFIG_T>
void bwsnn_accumulate(const bwsnn_cur_t cur[CONFIG_T::n_out], ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out]) {
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        u[n] = bwsnn_integrate<CONFIG_T>(u[n], cur[n]);
    }
}

// class = argmax of the final scores, lowest index on ties; result = class, then the C scores
template <class res_T, typename CONFIG_T>
void bwsnn_emit(const ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out], res_T res[CONFIG_T::n_out + 1]) {
    unsigned best = 0;
    for (unsigned n = 1; n < CONFIG_T::n_out; n++) {
        if (u[n] > u[best]) best = n;
    }
    res[0] = best;
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS UNROLL
        res[n + 1] = u[n];
    }
}

// Output layer: spike train in, class + scores out
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_integrator(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T res[CONFIG_T::n_out + 1],
                      const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                      const typename CONFIG_T::bias_t b[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_binary_current<data_T, CONFIG_T>(s_in, t, w, b, cur);
        bwsnn_accumulate<CONFIG_T>(cur, u);
    }
    bwsnn_emit<res_T, CONFIG_T>(u, res);
}

// Output layer with a shortcut
template <class data_T, class skip_T, class res_T, typename CONFIG_T>
void bwsnn_integrator_skip(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes],
                           const skip_T s_skip[CONFIG_T::T * CONFIG_T::out_bytes], res_T res[CONFIG_T::n_out + 1],
                           const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                           const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                           const typename CONFIG_T::gain_t g[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_binary_current<data_T, CONFIG_T>(s_in, t, w, b, cur);
        bwsnn_add_skip<skip_T, CONFIG_T>(s_skip, t, g, cur);
        bwsnn_accumulate<CONFIG_T>(cur, u);
    }
    bwsnn_emit<res_T, CONFIG_T>(u, res);
}

// Layer 0 as the output layer (no hidden layer): pixels in, class + scores out
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_encode_integrator(const data_T x[CONFIG_T::n_in], res_T res[CONFIG_T::n_out + 1],
                             const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                             const typename CONFIG_T::bias_t b[CONFIG_T::n_out]) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    bwsnn_pixel_current<data_T, CONFIG_T>(x, w, b, cur);
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_accumulate<CONFIG_T>(cur, u);
    }
    bwsnn_emit<res_T, CONFIG_T>(u, res);
}

// ---- conv2d and spike max-pool (bwsnn/golden.py): maps are channels-last (H, W, C), flattened and packed as
// above (bit (y*W + x)*C + c); one weight row per output channel, columns in window order (ky, kx, c).
// Streaming structure (FINN's ConvolutionInputGenerator -> MVAU): a sliding-window generator reads one step
// of the input map once, pixel by pixel, through a line buffer (k-1 rows + the k x k window) and emits each
// k x k x C window on an hls::stream; the consumer (synapses + neurons, OR-pool) takes one window per output
// position in raster order.

// the neuron constants and types of bwsnn_config, plus the window geometry (n_in = fan-in kernel*kernel*in_c;
// in_bytes / out_bytes = one step of the packed input / output map; n_out = output channels, pool: in_c)
struct bwsnn_conv_config : bwsnn_config {
    static const unsigned in_h = 1, in_w = 1, in_c = 1;
    static const unsigned out_h = 1, out_w = 1;
    static const unsigned kernel = 1, stride = 1, pad = 0;
    static const unsigned w_bytes = 1;  // one packed weight row
};

// one window: the kernel x kernel x in_c values at one output position, in window order (ky, kx, c)
template <class val_T, typename CONFIG_T> struct bwsnn_window {
    val_T v[CONFIG_T::kernel * CONFIG_T::kernel * CONFIG_T::in_c];
};

// Sliding-window generator for step t of the input map a (PIXELS: the image, x = pixel >> input_shift; else
// the packed spike train). It walks the zero-padded frame (in_h + 2 pad) x (in_w + 2 pad) in raster order,
// one pixel (all C values) per cycle; padding is 0 (x = 0 / no spike). The line buffer keeps the last
// kernel-1 padded rows, the register window slides along the current row; a window whose top-left corner
// lies on the stride grid goes out, so windows come in output raster order and those that do not fit are
// never complete.
template <class data_T, class val_T, typename CONFIG_T, bool PIXELS>
void bwsnn_sliding_windows(const data_T *a, unsigned t, hls::stream<bwsnn_window<val_T, CONFIG_T> > &out) {
    const unsigned K = CONFIG_T::kernel, S = CONFIG_T::stride, P = CONFIG_T::pad, C = CONFIG_T::in_c;
    const unsigned LB = K > 1 ? K - 1 : 1;  // line-buffer rows (a 1x1 window needs none: one unused row)
    // static as in hls4ml's line buffers: no reset; every value is written before a complete window reads it
    static val_T rows[LB][CONFIG_T::in_w + 2 * P][C];
    #pragma HLS ARRAY_PARTITION variable=rows complete dim=1
    #pragma HLS ARRAY_PARTITION variable=rows complete dim=3
    static val_T win[K][K][C];
    #pragma HLS ARRAY_PARTITION variable=win complete dim=0
PaddedRows:
    for (unsigned py = 0; py < CONFIG_T::in_h + 2 * P; py++) {
    PaddedColumns:
        for (unsigned px = 0; px < CONFIG_T::in_w + 2 * P; px++) {
            #pragma HLS PIPELINE II=1
            const bool inside = py >= P && px >= P && py < CONFIG_T::in_h + P && px < CONFIG_T::in_w + P;
            const unsigned i0 = ((py - P) * CONFIG_T::in_w + (px - P)) * C;  // first value of pixel (py, px)
            for (unsigned ky = 0; ky < K; ky++) {
                for (unsigned kx = 0; kx + 1 < K; kx++) {
                    for (unsigned c = 0; c < C; c++) win[ky][kx][c] = win[ky][kx + 1][c];
                }
            }
            for (unsigned c = 0; c < C; c++) {
                const unsigned i = i0 + c;
                const val_T v = !inside ? val_T(0)
                                : PIXELS ? val_T(a[i] >> CONFIG_T::input_shift)
                                         : val_T(a[t * CONFIG_T::in_bytes + i / 8][i % 8]);
                // the new window column: this column of the k-1 buffered rows, then the new pixel
                for (unsigned r = 0; r + 1 < K; r++) win[r][K - 1][c] = rows[r][px][c];
                win[K - 1][K - 1][c] = v;
                for (unsigned r = 0; r + 2 < K; r++) rows[r][px][c] = rows[r + 1][px][c];
                if (K > 1) rows[LB - 1][px][c] = v;
            }
            if (py + 1 >= K && px + 1 >= K && (py + 1 - K) % S == 0 && (px + 1 - K) % S == 0) {
                bwsnn_window<val_T, CONFIG_T> w;
                for (unsigned ky = 0; ky < K; ky++) {
                    for (unsigned kx = 0; kx < K; kx++) {
                        for (unsigned c = 0; c < C; c++) w.v[(ky * K + kx) * C + c] = win[ky][kx][c];
                    }
                }
                out.write(w);
            }
        }
    }
}

// Layer 0's synapses, once per image: z = sum over the window of w * x (x = pixel >> input_shift);
// cur = (z << frac_bits) + bias.
// One neuron (position, channel) per cycle.
template <class data_T, typename CONFIG_T>
void bwsnn_conv_pixel_neurons(hls::stream<bwsnn_window<data_T, CONFIG_T> > &windows,
                              const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                              const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                              bwsnn_cur_t cur[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out]) {
    const int row = CONFIG_T::w_bytes;  // one output channel's packed weights per cycle
    #pragma HLS ARRAY_RESHAPE variable=w cyclic factor=row
Positions:
    for (unsigned p = 0; p < CONFIG_T::out_h * CONFIG_T::out_w; p++) {
        bwsnn_window<data_T, CONFIG_T> win = windows.read();
    Channels:
        for (unsigned o = 0; o < CONFIG_T::n_out; o++) {
            #pragma HLS PIPELINE II=1
            ap_int<32> z = 0;
            for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
                #pragma HLS UNROLL
                const ap_int<32> x = win.v[j];
                z += w[o * CONFIG_T::w_bytes + j / 8][j % 8] ? x : ap_int<32>(-x);
            }
            cur[p * CONFIG_T::n_out + o] = bwsnn_current<CONFIG_T>(z, b[o]);
        }
    }
}

// Spiking conv, step t: per window, z = 2*popcount(window & w_pos) - popcount(window) for each output channel,
// I = (z << frac_bits) + bias (+ skip_gain where the shortcut map spiked), then leak, integrate, fire, reset.
// One neuron (position, channel) per cycle; the window's popcount is shared by its channels.
template <class skip_T, class res_T, typename CONFIG_T, bool SKIP>
void bwsnn_conv_spike_neurons(hls::stream<bwsnn_window<ap_uint<1>, CONFIG_T> > &windows, const skip_T *s_skip,
                              unsigned t, const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                              const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                              const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                              const typename CONFIG_T::gain_t *g,
                              ap_int<CONFIG_T::mem_bits> u[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                              res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
    const int row = CONFIG_T::w_bytes;
    #pragma HLS ARRAY_RESHAPE variable=w cyclic factor=row
    for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) s_out[t * CONFIG_T::out_bytes + k] = 0;
Positions:
    for (unsigned p = 0; p < CONFIG_T::out_h * CONFIG_T::out_w; p++) {
        bwsnn_window<ap_uint<1>, CONFIG_T> win = windows.read();
        ap_int<32> ns = 0;
        for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
            #pragma HLS UNROLL
            ns += win.v[j];
        }
    Channels:
        for (unsigned o = 0; o < CONFIG_T::n_out; o++) {
            #pragma HLS PIPELINE II=1
            ap_int<32> pos = 0;
            for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
                #pragma HLS UNROLL
                pos += win.v[j] & w[o * CONFIG_T::w_bytes + j / 8][j % 8];
            }
            const unsigned n = p * CONFIG_T::n_out + o;
            bwsnn_cur_t cur = bwsnn_current<CONFIG_T>(2 * pos - ns, b[o]);
            if (SKIP && s_skip[t * CONFIG_T::out_bytes + n / 8][n % 8]) cur += g[o];
            s_out[t * CONFIG_T::out_bytes + n / 8][n % 8] = bwsnn_lif_update<CONFIG_T>(u[n], cur, thr[o]);
        }
    }
}

// one step of a conv map's neurons from stored currents (layer 0: the same current at every step)
template <class res_T, typename CONFIG_T>
void bwsnn_conv_fire(const bwsnn_cur_t cur[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                     ap_int<CONFIG_T::mem_bits> u[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                     const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                     res_T s[CONFIG_T::T * CONFIG_T::out_bytes], unsigned t) {
    for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) s[t * CONFIG_T::out_bytes + k] = 0;
Neurons:
    for (unsigned n = 0; n < CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        s[t * CONFIG_T::out_bytes + n / 8][n % 8] = bwsnn_lif_update<CONFIG_T>(u[n], cur[n], thr[n % CONFIG_T::n_out]);
    }
}

// Layer 0's currents: window generator and synapses run concurrently
template <class data_T, typename CONFIG_T>
void bwsnn_conv_pixel_current(const data_T x[CONFIG_T::in_h * CONFIG_T::in_w * CONFIG_T::in_c],
                              const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                              const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                              bwsnn_cur_t cur[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out]) {
    #pragma HLS DATAFLOW
    hls::stream<bwsnn_window<data_T, CONFIG_T> > windows("pixel_windows");
    #pragma HLS STREAM variable=windows depth=2
    bwsnn_sliding_windows<data_T, data_T, CONFIG_T, true>(x, 0, windows);
    bwsnn_conv_pixel_neurons<data_T, CONFIG_T>(windows, w, b, cur);
}

// one step of a spiking conv: window generator and neurons run concurrently
template <class data_T, class skip_T, class res_T, typename CONFIG_T, bool SKIP>
void bwsnn_conv_step(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], const skip_T *s_skip, unsigned t,
                     const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                     const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                     const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out], const typename CONFIG_T::gain_t *g,
                     ap_int<CONFIG_T::mem_bits> u[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                     res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
    #pragma HLS DATAFLOW
    hls::stream<bwsnn_window<ap_uint<1>, CONFIG_T> > windows("spike_windows");
    #pragma HLS STREAM variable=windows depth=2
    bwsnn_sliding_windows<data_T, ap_uint<1>, CONFIG_T, false>(s_in, t, windows);
    bwsnn_conv_spike_neurons<skip_T, res_T, CONFIG_T, SKIP>(windows, s_skip, t, w, b, thr, g, u, s_out);
}

// Layer 0 as a conv: the 8-bit image, channels-last; its currents are computed once per image
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_conv_encode_lif(const data_T x[CONFIG_T::in_h * CONFIG_T::in_w * CONFIG_T::in_c],
                           res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                           const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                           const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                           const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    static const unsigned N = CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out;
    bwsnn_cur_t cur[N];
    ap_int<CONFIG_T::mem_bits> u[N];
    for (unsigned n = 0; n < N; n++) u[n] = 0;
    bwsnn_conv_pixel_current<data_T, CONFIG_T>(x, w, b, cur);
ConvSteps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_conv_fire<res_T, CONFIG_T>(cur, u, thr, s_out, t);
    }
}

// spiking conv (SKIP: with the shortcut map train as a second input)
template <class data_T, class skip_T, class res_T, typename CONFIG_T, bool SKIP>
void bwsnn_conv_layer(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], const skip_T *s_skip,
                      res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                      const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                      const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                      const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out], const typename CONFIG_T::gain_t *g) {
    static const unsigned N = CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out;
    ap_int<CONFIG_T::mem_bits> u[N];
    for (unsigned n = 0; n < N; n++) u[n] = 0;
ConvSteps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_conv_step<data_T, skip_T, res_T, CONFIG_T, SKIP>(s_in, s_skip, t, w, b, thr, g, u, s_out);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_conv_lif(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                    const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                    const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                    const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    bwsnn_conv_layer<data_T, data_T, res_T, CONFIG_T, false>(s_in, (const data_T *)0, s_out, w, b, thr,
                                                              (const typename CONFIG_T::gain_t *)0);
}

template <class data_T, class skip_T, class res_T, typename CONFIG_T>
void bwsnn_conv_lif_skip(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes],
                         const skip_T s_skip[CONFIG_T::T * CONFIG_T::out_bytes],
                         res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                         const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                         const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                         const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                         const typename CONFIG_T::gain_t g[CONFIG_T::n_out]) {
    bwsnn_conv_layer<data_T, skip_T, res_T, CONFIG_T, true>(s_in, s_skip, s_out, w, b, thr, g);
}

// spike max-pool, step t: the OR of each window (no padding), all C channels of a position per cycle
template <class res_T, typename CONFIG_T>
void bwsnn_pool_windows_or(hls::stream<bwsnn_window<ap_uint<1>, CONFIG_T> > &windows, unsigned t,
                           res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
    const unsigned KK = CONFIG_T::kernel * CONFIG_T::kernel, C = CONFIG_T::in_c;
    for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) s_out[t * CONFIG_T::out_bytes + k] = 0;
Positions:
    for (unsigned p = 0; p < CONFIG_T::out_h * CONFIG_T::out_w; p++) {
        #pragma HLS PIPELINE II=1
        bwsnn_window<ap_uint<1>, CONFIG_T> win = windows.read();
        for (unsigned c = 0; c < C; c++) {
            ap_uint<1> any = 0;
            for (unsigned q = 0; q < KK; q++) any |= win.v[q * C + c];
            const unsigned n = p * C + c;
            s_out[t * CONFIG_T::out_bytes + n / 8][n % 8] = any;
        }
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_pool_step(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], unsigned t,
                     res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
    #pragma HLS DATAFLOW
    hls::stream<bwsnn_window<ap_uint<1>, CONFIG_T> > windows("pool_windows");
    #pragma HLS STREAM variable=windows depth=2
    bwsnn_sliding_windows<data_T, ap_uint<1>, CONFIG_T, false>(s_in, t, windows);
    bwsnn_pool_windows_or<res_T, CONFIG_T>(windows, t, s_out);
}

// spike max-pool: OR of each kernel x kernel window (stride, no padding), per channel, every step
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_pool_or(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
PoolSteps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        bwsnn_pool_step<data_T, res_T, CONFIG_T>(s_in, t, s_out);
    }
}

} // namespace nnet

#endif
