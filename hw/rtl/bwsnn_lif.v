// LIF unit, one step of one neuron, LAT = 2 pipeline stages, in bwsnn/golden.py's order:
//   I = (z << FRAC) + bias + (skip ? gain : 0)
//   U = sat(U >> LEAK + I); spike = U >= thr; hard: U = 0 / soft: U = sat(U - thr) where spiking.
// The unit takes the neuron's constants as the parameter image holds them (bwsnn.params.neuron_words prepares
// them once, when the image is packed): c0 = bias and c1 = bias + gain, both clamped to CW bits, and thr
// clamped to the signed MB+1-bit range (W = MB + 2 bits). Why the clamps are exact: |z << FRAC| <= 2^(ZW-1+FRAC)
// =: Z, and only sat(U' + I) matters (|U >> LEAK| < 2^(MB-1)); a constant c outside [-(2^MB + Z), 2^MB + Z]
// puts U' + z << FRAC + c beyond the membrane's range for every z and U', on the same side as any c' further
// out, so c may be clamped to CW >= max(MB, ZW-1+FRAC) + 3 bits. thr >= 2^(MB-1) never fires and thr <= -2^MB
// saturates U - thr to the top either way. Then V = U' + z << FRAC + c is exact in CW + 1 bits (|V| <
// 2^(CW-4) + 2^(CW-3) + 2^(CW-1)), D = U - thr exact in W bits and fire = D >= 0 (its sign: no comparator).
// The layer's configuration (FRAC, LEAK, MB = mem_bits, SOFT, SPIKING) is fixed at synthesis (hw/gen.py
// takes it from the artifact): the shifts are wiring. Each stage is whole carry chains, as the fabric runs
// them (hw/timing.py: a 24-bit add is ~2 LUT levels, not 12):
//   1 V = U >> LEAK + (z << FRAC + (skip ? c1 : c0)): two chained adds, the low FRAC bits of the first are
//     c's own and the constant mux sits in the adds' LUTs | 2 U = sat(V), D = U - thr (the saturation in the
//     subtractor's LUTs), fire, reset.
// FIRST: the membrane starts at 0 (no u_old, one add). Only the valid bits are reset: the data registers need
// none, and a valid that powered up (or was in flight) must not outlive a reset shorter than the pipeline.
`default_nettype none
module bwsnn_lif #(
    parameter integer ZW      = 32,  // z's width (signed): |z| is bounded by the layer's fan-in
    parameter integer FRAC    = 0,
    parameter integer LEAK    = 0,
    parameter integer MB      = 32,  // mem_bits, 2..32
    parameter integer SOFT    = 0,
    parameter integer SPIKING = 1,
    parameter integer FIRST   = 0,   // step 0: u_old is 0
    parameter integer CW      = 32,  // the clamped constants: >= max(MB, ZW - 1 + FRAC) + 3
    localparam integer W      = MB + 2,                                         // D = U - thr
    localparam integer VW     = CW + 1                                          // V = U' + I
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 in_valid,
    input  wire signed [ZW-1:0] z,
    input  wire                 skip_spike,
    input  wire signed [CW-1:0] c0,         // clamped bias
    input  wire signed [CW-1:0] c1,         // clamped bias + gain
    /* verilator lint_off UNUSEDSIGNAL */   // FIRST: the membrane starts at 0
    input  wire signed [MB-1:0] u_old,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire signed [W-1:0]  threshold,  // clamped to the signed MB+1-bit range
    output reg                  out_valid,
    output reg  signed [MB-1:0] u_new,
    output reg                  spike
);
    localparam signed [63:0] ONE = 64'sd1;
    // v saturated to the signed MB-bit membrane: v fits iff its bits from MB-1 up are all equal
    function automatic signed [W-1:0] sat(input signed [VW-1:0] v);
        reg signed [VW-1:0] top;
        begin
            top = v >>> (MB - 1);
            sat = top == {VW{1'b0}} || top == {VW{1'b1}} ? W'(v) : (v[VW-1] ? W'(-(ONE <<< (MB - 1)))
                                                                              : W'((ONE <<< (MB - 1)) - ONE));
        end
    endfunction

    // 1: V = U >> LEAK + I, I = z << FRAC + c exact in VW bits; c's low FRAC bits pass (z << FRAC has none)
    wire signed [CW-1:0] c = skip_spike ? c1 : c0;
    wire signed [VW-1:0] i_cur;
    generate
        if (FRAC > 0) begin : frac
            wire signed [VW-FRAC-1:0] hi = (VW-FRAC)'($signed(c[CW-1:FRAC])) + (VW-FRAC)'(z);
            assign i_cur = {hi, c[FRAC-1:0]};
        end else begin : whole
            assign i_cur = VW'(c) + VW'(z);
        end
    endgenerate
    wire signed [VW-1:0] v_cur;
    generate
        if (FIRST != 0) begin : start
            assign v_cur = i_cur;
        end else begin : step
            assign v_cur = VW'(u_old >>> LEAK) + i_cur;
        end
    endgenerate
    reg                 v1;
    reg signed [VW-1:0] v1_v;
    reg signed [W-1:0]  t1;
    always @(posedge clk) begin
        v1 <= !rst && in_valid;
        v1_v <= v_cur;
        t1 <= threshold;
    end

    // 2: U = sat(V), D = U - thr, fire = D >= 0, reset
    wire signed [W-1:0] u = sat(v1_v);
    wire signed [W-1:0] d = u - t1;
    wire fire = SPIKING != 0 && !d[W-1];
    /* verilator lint_off UNUSEDSIGNAL */  // saturated to MB bits: the top bits are sign copies
    wire signed [W-1:0] u_next = !fire ? u : (SOFT != 0 ? sat(VW'(d)) : {W{1'b0}});
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        out_valid <= !rst && v1;
        spike     <= fire;
        u_new     <= u_next[MB-1:0];
    end
endmodule
`default_nettype wire
