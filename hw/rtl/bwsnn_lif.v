// LIF unit, three pipeline stages (current | integrate | fire + reset), in bwsnn/golden.py's order:
//   I = (z << frac) + bias + (skip ? gain : 0)   (exact in 32 bits: artifact validation bounds |I|)
//   U = sat(U >> leak + I); spike = U >= thr; hard: U = 0 / soft: U = sat(U - thr) where spiking.
// sat clamps to mem_bits (2..32); 34-bit intermediates make every sum exact before clamping.
// Only the valid bits are reset: the data registers need none, and a valid that powered up (or was in flight)
// must not outlive a reset shorter than the pipeline.
`default_nettype none
module bwsnn_lif (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire signed [31:0] z,
    input  wire [4:0]         frac_bits,
    input  wire signed [31:0] bias,
    input  wire               skip_spike,
    input  wire signed [31:0] skip_gain,
    input  wire               first_step,  // membrane starts at 0: ignore u_old
    input  wire signed [31:0] u_old,
    input  wire [4:0]         leak_shift,
    input  wire [5:0]         mem_bits,
    input  wire signed [31:0] threshold,
    input  wire               soft_reset,
    input  wire               spiking,
    output reg                out_valid,
    output reg  signed [31:0] u_new,
    output reg                spike
);
    // stage A: current, leak, saturation bound
    reg               a_valid, a_soft, a_spiking;
    reg signed [31:0] a_cur, a_leaked, a_thr;
    reg signed [33:0] a_hi;
    wire signed [31:0] u_prev = first_step ? 32'sd0 : u_old;
    always @(posedge clk) begin
        a_valid   <= !rst && in_valid;
        a_cur     <= (z <<< frac_bits) + bias + (skip_spike ? skip_gain : 32'sd0);
        a_leaked  <= u_prev >>> leak_shift;
        a_hi      <= (34'sd1 <<< (mem_bits - 6'd1)) - 34'sd1;
        a_thr     <= threshold;
        a_soft    <= soft_reset;
        a_spiking <= spiking;
    end

    // stage B: integrate
    function automatic signed [33:0] sat(input signed [33:0] v, input signed [33:0] hi);
        sat = v > hi ? hi : (v < ~hi ? ~hi : v);
    endfunction
    reg               b_valid, b_soft, b_spiking;
    reg signed [33:0] b_u, b_hi, b_thr;
    always @(posedge clk) begin
        b_valid   <= !rst && a_valid;
        b_u       <= sat({{2{a_leaked[31]}}, a_leaked} + {{2{a_cur[31]}}, a_cur}, a_hi);
        b_hi      <= a_hi;
        b_thr     <= {{2{a_thr[31]}}, a_thr};
        b_soft    <= a_soft;
        b_spiking <= a_spiking;
    end

    // stage C: fire, reset
    wire fire = b_spiking && b_u >= b_thr;
    /* verilator lint_off UNUSEDSIGNAL */  // saturated to <= 32 bits: [33:32] are sign copies
    wire signed [33:0] u_soft = sat(b_u - b_thr, b_hi);
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        out_valid <= !rst && b_valid;
        spike     <= fire;
        u_new     <= !fire ? b_u[31:0] : (b_soft ? u_soft[31:0] : 32'sd0);
    end
endmodule
`default_nettype wire
