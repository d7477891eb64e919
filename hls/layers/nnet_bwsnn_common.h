// bwsnn kernels for hls4ml, the part every layer kind shares: types, the layer config, popcount, saturation,
// leak + integrate and the LIF update, bit-exact to bwsnn/golden.py. Spike trains and weights are bit-packed
// bytes, little bit order (bit b of byte k = neuron/input 8k+b), exactly the artifact's packing. A layer
// consumes its input's whole T-step train and produces its own, so the T steps run inside one call of the top
// function. One header per layer kind, as hls4ml's nnet_utils: nnet_bwsnn_dense.h, nnet_bwsnn_conv.h.
#ifndef NNET_BWSNN_COMMON_H_
#define NNET_BWSNN_COMMON_H_

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

// one neuron's LIF step: integrate, fire (U >= threshold), hard or soft reset; returns the spike
template <typename CONFIG_T>
inline bool bwsnn_lif_update(ap_int<CONFIG_T::mem_bits> &u, bwsnn_cur_t cur, typename CONFIG_T::threshold_t thr) {
    bwsnn_wide_t v = bwsnn_integrate<CONFIG_T>(u, cur);
    const bool spike = v >= bwsnn_wide_t(thr);
    if (spike) v = CONFIG_T::soft_reset ? bwsnn_sat<CONFIG_T>(v - bwsnn_wide_t(thr)) : bwsnn_wide_t(0);
    u = v;
    return spike;
}

} // namespace nnet

#endif
