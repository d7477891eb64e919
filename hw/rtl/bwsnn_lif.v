// LIF unit, one step of one neuron, LAT = 9 pipeline stages, in bwsnn/golden.py's order:
//   I = (z << FRAC) + bias + (skip ? gain : 0)
//   U = sat(U >> LEAK + I); spike = U >= thr; hard: U = 0 / soft: U = sat(U - thr) where spiking.
// The unit takes the neuron's constants as bwsnn_lif_chain prepares them once for all T steps: c0 = bias and
// c1 = bias + gain, both clamped to CW bits, and thr clamped to the signed MB+1-bit range (W = MB + 2 bits).
// Why the clamps are exact: |z << FRAC| <= 2^(ZW-1+FRAC) =: Z, and only sat(U' + clamp(I)) matters, with I
// clamped to the signed MB+1-bit range [-2^MB, 2^MB - 1] (|U >> LEAK| < 2^(MB-1), so either bound saturates
// the sum the same way); a constant c outside [-(2^MB + Z), 2^MB + Z] puts z << FRAC + c beyond that range
// for every z, on the same side as any c' further out, so c may be clamped to CW = max(MB, ZW-1+FRAC) + 3
// bits. thr >= 2^(MB-1) never fires and thr <= -2^MB saturates U - thr to the top either way. Then
// D = U - thr is exact in W bits and fire = D >= 0 (its sign: no comparator).
// The layer's configuration (FRAC, LEAK, MB = mem_bits, SOFT, SPIKING) is fixed at synthesis (hw/gen.py
// takes it from the artifact): the shifts are wiring, and every adder is split in halves over two stages
// (short logic paths without carry chains).
//   1, 2 I = z << FRAC + (skip ? c1 : c0), low half then high half | 3 clamp I | 4, 5 V = U >> LEAK + I |
//   6 U = sat(V) | 7, 8 D = U - thr, low half then high half | 9 fire, reset.
// Only the valid bits are reset: the data registers need none, and a valid that powered up (or was in flight)
// must not outlive a reset shorter than the pipeline.
`default_nettype none
module bwsnn_lif #(
    parameter integer ZW      = 32,  // z's width (signed): |z| is bounded by the layer's fan-in
    parameter integer FRAC    = 0,
    parameter integer LEAK    = 0,
    parameter integer MB      = 32,  // mem_bits, 2..32
    parameter integer SOFT    = 0,
    parameter integer SPIKING = 1,
    localparam integer CW     = (MB > ZW - 1 + FRAC ? MB : ZW - 1 + FRAC) + 3,  // the clamped constants
    localparam integer W      = MB + 2                                          // membrane datapath
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 in_valid,
    input  wire signed [ZW-1:0] z,
    input  wire                 skip_spike,
    input  wire signed [CW-1:0] c0,         // clamped bias
    input  wire signed [CW-1:0] c1,         // clamped bias + gain
    input  wire                 first_step,  // membrane starts at 0: ignore u_old
    input  wire signed [MB-1:0] u_old,
    input  wire signed [W-1:0]  threshold,  // clamped to the signed MB+1-bit range
    output reg                  out_valid,
    output reg  signed [MB-1:0] u_new,
    output reg                  spike
);
    localparam integer IW = CW + 1;   // z << FRAC + c: exact (|z << FRAC| < 2^(CW-3))
    localparam integer HI = IW / 2;   // the split of the current's adder
    localparam integer H = W / 2;     // the split of the W-bit adders
    localparam integer HT = W - H;
    localparam signed [63:0] ONE = 64'sd1;
    // v saturated to the signed n-bit range: v fits iff its bits from n-1 up are all equal
    function automatic signed [W-1:0] sat_to(input signed [63:0] v, input integer n);
        reg signed [63:0] top;
        begin
            top = v >>> (n - 1);
            sat_to = top == 64'sd0 || top == -64'sd1 ? W'(v) : (v[63] ? W'(-(ONE <<< (n - 1)))
                                                                         : W'((ONE <<< (n - 1)) - ONE));
        end
    endfunction
    function automatic signed [W-1:0] sat(input signed [W-1:0] v);  // to the MB-bit membrane
        sat = sat_to(64'(v), MB);
    endfunction

    // 1, 2: I = z << FRAC + c, low half then high half; the leak is a constant shift (wiring)
    wire signed [IW-1:0] zf = IW'(z) <<< FRAC;
    wire signed [IW-1:0] c = IW'(skip_spike ? c1 : c0);
    reg         v1, v2;
    reg [HI:0]  lo1;
    reg [IW-HI-1:0] zh1, ch1;
    reg signed [IW-1:0] i2;
    reg signed [MB-1:0] l1, l2, l3;
    reg signed [W-1:0]  t1, t2, t3;
    always @(posedge clk) begin
        v1 <= !rst && in_valid;
        lo1 <= {1'b0, zf[HI-1:0]} + {1'b0, c[HI-1:0]};
        zh1 <= zf[IW-1:HI];
        ch1 <= c[IW-1:HI];
        l1 <= $signed(first_step ? {MB{1'b0}} : u_old) >>> LEAK;  // (the 0 would make it unsigned)
        t1 <= threshold;
        v2 <= !rst && v1;
        i2 <= {zh1 + ch1 + (IW-HI)'(lo1[HI]), lo1[HI-1:0]};
        {l2, t2} <= {l1, t1};
    end
    // 3: clamp I to the signed MB+1-bit range
    reg         v3;
    reg signed [W-1:0] i3;
    always @(posedge clk) begin
        v3 <= !rst && v2;
        i3 <= sat_to(64'(i2), MB + 1);
        {l3, t3} <= {l2, t2};
    end
    // 4, 5: V = U >> LEAK + I
    wire [W-1:0] l3w = W'(l3);
    reg          v4, v5;
    reg [H:0]    lo4;
    reg [HT-1:0] ah4, bh4;
    reg signed [W-1:0] v5_v, t4, t5;
    always @(posedge clk) begin
        v4 <= !rst && v3;
        lo4 <= {1'b0, l3w[H-1:0]} + {1'b0, i3[H-1:0]};
        ah4 <= l3w[W-1:H];
        bh4 <= i3[W-1:H];
        t4 <= t3;
        v5 <= !rst && v4;
        v5_v <= {ah4 + bh4 + HT'(lo4[H]), lo4[H-1:0]};
        t5 <= t4;
    end
    // 6: U = sat(V)
    reg         v6;
    reg signed [W-1:0] u6, t6;
    always @(posedge clk) begin
        v6 <= !rst && v5;
        u6 <= sat(v5_v);
        t6 <= t5;
    end
    // 7, 8: D = U - thr = U + ~thr + 1, low half then high half
    wire [W-1:0] nt6 = ~t6;
    reg          v7, v8;
    reg [H:0]    lo7;
    reg [HT-1:0] uh7, nh7;
    reg signed [W-1:0] u7, u8, d8;
    always @(posedge clk) begin
        v7 <= !rst && v6;
        lo7 <= {1'b0, u6[H-1:0]} + {1'b0, nt6[H-1:0]} + {{H{1'b0}}, 1'b1};
        uh7 <= u6[W-1:H];
        nh7 <= nt6[W-1:H];
        u7 <= u6;
        v8 <= !rst && v7;
        d8 <= {uh7 + nh7 + HT'(lo7[H]), lo7[H-1:0]};
        u8 <= u7;
    end
    // 9: fire = D >= 0, reset
    wire fire = SPIKING != 0 && !d8[W-1];
    /* verilator lint_off UNUSEDSIGNAL */  // saturated to MB bits: the top bits are sign copies
    wire signed [W-1:0] u_next = !fire ? u8 : (SOFT != 0 ? sat(d8) : {W{1'b0}});
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        out_valid <= !rst && v8;
        spike     <= fire;
        u_new     <= u_next[MB-1:0];
    end
endmodule
`default_nettype wire
