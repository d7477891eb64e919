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

// Layer 0's current from direct-encoded pixels: z = 2*sum(x where w = +1) - sum(x), once per image
template <class data_T, typename CONFIG_T>
void bwsnn_pixel_current(const data_T x[CONFIG_T::n_in],
                         const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                         const typename CONFIG_T::bias_t b[CONFIG_T::n_out], bwsnn_cur_t cur[CONFIG_T::n_out]) {
    const int row = CONFIG_T::in_bytes;  // one neuron's packed weights per cycle
    #pragma HLS ARRAY_RESHAPE variable=w cyclic factor=row
    ap_int<32> total = 0;
    for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
        #pragma HLS UNROLL
        total += x[j];
    }
Neurons:
    for (unsigned n = 0; n < CONFIG_T::n_out; n++) {
        #pragma HLS PIPELINE II=1
        ap_int<32> pos = 0;
        for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
            #pragma HLS UNROLL
            if (w[n * CONFIG_T::in_bytes + j / 8][j % 8]) pos += x[j];
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

} // namespace nnet

#endif
