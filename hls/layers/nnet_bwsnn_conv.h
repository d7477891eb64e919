// bwsnn conv2d and spike max-pool kernels for hls4ml, bit-exact to bwsnn/golden.py; packing and types in
// nnet_bwsnn_common.h.
#ifndef NNET_BWSNN_CONV_H_
#define NNET_BWSNN_CONV_H_

#include "nnet_bwsnn_common.h"

namespace nnet {

// ---- conv2d and spike max-pool (bwsnn/golden.py): maps are channels-last (H, W, C), flattened and packed as
// the dense kernels' (bit (y*W + x)*C + c); one weight row per output channel, columns in window order (ky, kx, c).
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
