// bwsnn dense kernels for hls4ml: binary (+/-1) dense synapses + integer LIF neurons (or the output
// integrator), bit-exact to bwsnn/golden.py; packing and types in nnet_bwsnn_common.h.
#ifndef NNET_BWSNN_DENSE_H_
#define NNET_BWSNN_DENSE_H_

#include "nnet_bwsnn_common.h"

namespace nnet {

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

// A dense layer of any kind, one step loop (as the conv kernel): ENCODE, layer 0: direct-encoded pixels in
// (the same at every step, so the current is computed once per image), else a spike train; SKIP: an identity
// shortcut's spike train adds skip_gain where it spiked; SPIKING: LIF neurons and a spike train out, else the
// output integrator (leak + integrate, never fires) and class + scores out. Arguments a kind does not use are
// null (thr without SPIKING, s_skip and g without SKIP).
template <class data_T, class skip_T, class res_T, typename CONFIG_T, bool ENCODE, bool SKIP, bool SPIKING>
void bwsnn_dense(const data_T *in, const skip_T *s_skip, res_T *out,
                 const typename CONFIG_T::weight_t w[CONFIG_T::n_out * CONFIG_T::in_bytes],
                 const typename CONFIG_T::bias_t b[CONFIG_T::n_out], const typename CONFIG_T::threshold_t *thr,
                 const typename CONFIG_T::gain_t *g) {
    bwsnn_cur_t cur[CONFIG_T::n_out];
    ap_int<CONFIG_T::mem_bits> u[CONFIG_T::n_out];
    if (ENCODE) bwsnn_pixel_current<data_T, CONFIG_T>(in, w, b, cur);
    bwsnn_zero<CONFIG_T>(u);
Steps:
    for (unsigned t = 0; t < CONFIG_T::T; t++) {
        if (!ENCODE) bwsnn_binary_current<data_T, CONFIG_T>(in, t, w, b, cur);
        if (SKIP) bwsnn_add_skip<skip_T, CONFIG_T>(s_skip, t, g, cur);
        if (SPIKING) bwsnn_fire<res_T, CONFIG_T>(cur, u, thr, out, t);
        else bwsnn_accumulate<CONFIG_T>(cur, u);
    }
    if (!SPIKING) bwsnn_emit<res_T, CONFIG_T>(u, out);
}

} // namespace nnet

#endif
