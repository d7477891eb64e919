// bwsnn kernels for hls4ml: binary (+/-1) dense synapses + integer LIF neurons, bit-exact to bwsnn/golden.py.
// Spike trains and weights are bit-packed bytes, little bit order (bit b of byte k = neuron/input 8k+b),
// exactly the artifact's packing. A layer consumes its input's whole T-step train and produces its own,
// so the T steps run inside one call of the top function.
#ifndef NNET_BWSNN_H_
#define NNET_BWSNN_H_

#include "ap_int.h"

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
        cur[n] = (bwsnn_wide_t(2 * pos - ns) << CONFIG_T::frac_bits) + bwsnn_wide_t(b[n]);
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

// one LIF step: integrate, fire (U >= threshold), hard or soft reset; writes this step's packed spikes
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
        bwsnn_wide_t v = bwsnn_integrate<CONFIG_T>(u[n], cur[n]);
        bool spike = v >= bwsnn_wide_t(thr[n]);
        if (spike) v = CONFIG_T::soft_reset ? bwsnn_sat<CONFIG_T>(v - bwsnn_wide_t(thr[n])) : bwsnn_wide_t(0);
        u[n] = v;
        s[t * CONFIG_T::out_bytes + n / 8][n % 8] = spike;
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
        cur[n] = (bwsnn_wide_t(2 * pos - total) << CONFIG_T::frac_bits) + bwsnn_wide_t(b[n]);
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

// the neuron constants and types of bwsnn_config, plus the window geometry (n_in = fan-in kernel*kernel*in_c;
// in_bytes / out_bytes = one step of the packed input / output map; n_out = output channels, pool: in_c)
struct bwsnn_conv_config : bwsnn_config {
    static const unsigned in_h = 1, in_w = 1, in_c = 1;
    static const unsigned out_h = 1, out_w = 1;
    static const unsigned kernel = 1, stride = 1, pad = 0;
    static const unsigned w_bytes = 1;  // one packed weight row
};

// z of channel o at output position (y, x): sum over the window of w * a, a = 0 outside the input (padding).
// PIXELS: a is the 8-bit image; else a is step t of a packed spike map.
template <class data_T, typename CONFIG_T, bool PIXELS>
ap_int<32> bwsnn_window_z(const data_T *a, unsigned t, unsigned y, unsigned x, unsigned o,
                          const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes]) {
    ap_int<32> z = 0;
    for (unsigned ky = 0; ky < CONFIG_T::kernel; ky++) {
        for (unsigned kx = 0; kx < CONFIG_T::kernel; kx++) {
            const int iy = int(y * CONFIG_T::stride + ky) - int(CONFIG_T::pad);
            const int ix = int(x * CONFIG_T::stride + kx) - int(CONFIG_T::pad);
            if (iy < 0 || ix < 0 || iy >= int(CONFIG_T::in_h) || ix >= int(CONFIG_T::in_w)) continue;
            for (unsigned c = 0; c < CONFIG_T::in_c; c++) {
                const unsigned j = (ky * CONFIG_T::kernel + kx) * CONFIG_T::in_c + c;
                const unsigned i = (unsigned(iy) * CONFIG_T::in_w + unsigned(ix)) * CONFIG_T::in_c + c;
                const bool plus = w[o * CONFIG_T::w_bytes + j / 8][j % 8];
                ap_int<32> v = PIXELS ? ap_int<32>(a[i] >> CONFIG_T::input_shift) : ap_int<32>(a[t * CONFIG_T::in_bytes + i / 8][i % 8]);
                z += plus ? v : ap_int<32>(-v);
            }
        }
    }
    return z;
}

// I = (z << frac_bits) + bias[o] (+ skip_gain[o] where the shortcut map spiked) for every neuron (y, x, o)
template <class data_T, class skip_T, typename CONFIG_T, bool PIXELS, bool SKIP>
void bwsnn_conv_current(const data_T *a, const skip_T *s_skip, unsigned t,
                        const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                        const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                        const typename CONFIG_T::gain_t *g,
                        bwsnn_cur_t cur[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out]) {
    for (unsigned y = 0; y < CONFIG_T::out_h; y++) {
        for (unsigned x = 0; x < CONFIG_T::out_w; x++) {
            for (unsigned o = 0; o < CONFIG_T::n_out; o++) {
                const unsigned n = (y * CONFIG_T::out_w + x) * CONFIG_T::n_out + o;
                ap_int<32> z = bwsnn_window_z<data_T, CONFIG_T, PIXELS>(a, t, y, x, o, w);
                bwsnn_wide_t c = (bwsnn_wide_t(z) << CONFIG_T::frac_bits) + bwsnn_wide_t(b[o]);
                if (SKIP && s_skip[t * CONFIG_T::out_bytes + n / 8][n % 8]) c += bwsnn_wide_t(g[o]);
                cur[n] = c;
            }
        }
    }
}

// one LIF step over the map; threshold per channel
template <class res_T, typename CONFIG_T>
void bwsnn_conv_fire(const bwsnn_cur_t cur[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                     ap_int<CONFIG_T::mem_bits> u[CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out],
                     const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out],
                     res_T s[CONFIG_T::T * CONFIG_T::out_bytes], unsigned t) {
    for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) s[t * CONFIG_T::out_bytes + k] = 0;
    for (unsigned n = 0; n < CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out; n++) {
        const bwsnn_wide_t th = thr[n % CONFIG_T::n_out];
        bwsnn_wide_t v = bwsnn_integrate<CONFIG_T>(u[n], cur[n]);
        bool spike = v >= th;
        if (spike) v = CONFIG_T::soft_reset ? bwsnn_sat<CONFIG_T>(v - th) : bwsnn_wide_t(0);
        u[n] = v;
        s[t * CONFIG_T::out_bytes + n / 8][n % 8] = spike;
    }
}

template <class data_T, class skip_T, class res_T, typename CONFIG_T, bool PIXELS, bool SKIP>
void bwsnn_conv_layer(const data_T *a, const skip_T *s_skip, res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                      const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                      const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                      const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out], const typename CONFIG_T::gain_t *g) {
    static const unsigned N = CONFIG_T::out_h * CONFIG_T::out_w * CONFIG_T::n_out;
    bwsnn_cur_t cur[N];
    ap_int<CONFIG_T::mem_bits> u[N];
    for (unsigned n = 0; n < N; n++) u[n] = 0;
    if (PIXELS) bwsnn_conv_current<data_T, skip_T, CONFIG_T, PIXELS, false>(a, s_skip, 0, w, b, g, cur);
ConvSteps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        // layer 0's z is computed once per image; spiking layers read step t of their input (and shortcut)
        if (!PIXELS) bwsnn_conv_current<data_T, skip_T, CONFIG_T, PIXELS, SKIP>(a, s_skip, t, w, b, g, cur);
        bwsnn_conv_fire<res_T, CONFIG_T>(cur, u, thr, s_out, t);
    }
}

// Layer 0 as a conv: the 8-bit image, channels-last
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_conv_encode_lif(const data_T x[CONFIG_T::in_h * CONFIG_T::in_w * CONFIG_T::in_c],
                           res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                           const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                           const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                           const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    bwsnn_conv_layer<data_T, res_T, res_T, CONFIG_T, true, false>(x, (const res_T *)0, s_out, w, b, thr,
                                                                   (const typename CONFIG_T::gain_t *)0);
}

template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_conv_lif(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes],
                    const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::w_bytes],
                    const typename CONFIG_T::bias_t b[CONFIG_T::n_out],
                    const typename CONFIG_T::threshold_t thr[CONFIG_T::n_out]) {
    bwsnn_conv_layer<data_T, data_T, res_T, CONFIG_T, false, false>(s_in, (const data_T *)0, s_out, w, b, thr,
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
    bwsnn_conv_layer<data_T, skip_T, res_T, CONFIG_T, false, true>(s_in, s_skip, s_out, w, b, thr, g);
}

// spike max-pool: OR of each kernel x kernel window (stride, no padding), per channel, every step
template <class data_T, class res_T, typename CONFIG_T>
void bwsnn_pool_or(const data_T s_in[CONFIG_T::T * CONFIG_T::in_bytes], res_T s_out[CONFIG_T::T * CONFIG_T::out_bytes]) {
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        for (unsigned k = 0; k < CONFIG_T::out_bytes; k++) s_out[t * CONFIG_T::out_bytes + k] = 0;
        for (unsigned y = 0; y < CONFIG_T::out_h; y++) {
            for (unsigned x = 0; x < CONFIG_T::out_w; x++) {
                for (unsigned c = 0; c < CONFIG_T::in_c; c++) {
                    bool any = false;
                    for (unsigned ky = 0; ky < CONFIG_T::kernel; ky++) {
                        for (unsigned kx = 0; kx < CONFIG_T::kernel; kx++) {
                            const unsigned i = ((y * CONFIG_T::stride + ky) * CONFIG_T::in_w + x * CONFIG_T::stride + kx)
                                               * CONFIG_T::in_c + c;
                            any = any || s_in[t * CONFIG_T::in_bytes + i / 8][i % 8];
                        }
                    }
                    const unsigned n = (y * CONFIG_T::out_w + x) * CONFIG_T::in_c + c;
                    s_out[t * CONFIG_T::out_bytes + n / 8][n % 8] = any;
                }
            }
        }
    }
}

} // namespace nnet

#endif
