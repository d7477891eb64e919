// LIF unit of one layer, LAT = 10 pipeline stages, in bwsnn/golden.py's order:
//   I = (z << FRAC) + bias + (skip ? gain : 0)   (exact in 32 bits: artifact validation bounds |I|)
//   U = sat(U >> LEAK + I); spike = U >= thr; hard: U = 0 / soft: U = sat(U - thr) where spiking.
// The layer's configuration (FRAC, LEAK, MB = mem_bits, SOFT, SPIKING) is fixed at synthesis (hw/gen.py
// takes it from the artifact), so the shifts are wiring and the membrane datapath is W = MB + 2 bits, not 32.
// Two clamps keep it exact: |U >> LEAK| < 2^(MB-1), so sat(U' + I) = sat(U' + clamp(I)) for I clamped to
// the signed MB+1-bit range [-2^MB, 2^MB - 1] (either bound saturates the sum the same way); thr >= 2^(MB-1)
// never fires and thr <= -2^MB saturates U - thr to the top either way, so thr is clamped to that range too.
// Then D = U - thr is exact in W bits and fire = D >= 0 (its sign: no comparator). Every clamp tests whether
// the bits from the range's sign bit up are all equal (a wide AND, not a carry chain), and every adder is
// split in halves over two stages (at most 17 bits per stage): short logic paths without carry chains too.
//   1 carry-save I's three terms, clamp thr | 2, 3 I = sum + carry | 4 clamp I | 5, 6 V = U >> LEAK + I |
//   7 U = sat(V) | 8, 9 D = U - thr, low half then high half | 10 fire, reset.
// Only the valid bits are reset: the data registers need none, and a valid that powered up (or was in flight)
// must not outlive a reset shorter than the pipeline.
`default_nettype none
module bwsnn_lif #(
    parameter integer ZW      = 32,  // z's width (signed): |z| is bounded by the layer's fan-in
    parameter integer FRAC    = 0,
    parameter integer LEAK    = 0,
    parameter integer MB      = 32,  // mem_bits, 2..32
    parameter integer SOFT    = 0,
    parameter integer SPIKING = 1
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 in_valid,
    input  wire signed [ZW-1:0] z,
    input  wire signed [31:0]   bias,
    input  wire                 skip_spike,
    input  wire signed [31:0]   skip_gain,
    input  wire                 first_step,  // membrane starts at 0: ignore u_old
    input  wire signed [MB-1:0] u_old,
    input  wire signed [31:0]   threshold,
    output reg                  out_valid,
    output reg  signed [MB-1:0] u_new,
    output reg                  spike
);
    localparam integer W = MB + 2;  // clamped current + leaked membrane, U - clamped thr: exact
    localparam integer H = W / 2;   // the split of W-bit adders
    localparam integer HT = W - H;  // their top half
    localparam signed [63:0] ONE = 64'sd1;
    // v (at most 34 significant bits) saturated to the signed n-bit range: v fits iff its bits from n-1 up
    // are all equal
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

    // 1: I's three terms carry-saved into two, thr clamped, the leak (a constant shift: wiring)
    function automatic [63:0] csa(input [31:0] a, input [31:0] b, input [31:0] c);  // {sum, carry}
        csa = {a ^ b ^ c, ((a & b) | (a & c) | (b & c)) << 1};
    endfunction
    reg         v1;
    reg [31:0]  s1, c1;
    reg signed [MB-1:0] l1;
    reg signed [W-1:0]  t1;
    always @(posedge clk) begin
        v1 <= !rst && in_valid;
        {s1, c1} <= csa(32'(z) <<< FRAC, bias, skip_spike ? skip_gain : 32'd0);
        l1 <= $signed(first_step ? {MB{1'b0}} : u_old) >>> LEAK;  // (the 0 would make it unsigned)
        t1 <= sat_to(64'(threshold), MB + 1);
    end
    // 2, 3: I = s1 + c1, low half then high half
    reg         v2, v3;
    reg [16:0]  lo2;
    reg [15:0]  sh2, ch2;
    reg signed [31:0]   i3;
    reg signed [MB-1:0] l2, l3;
    reg signed [W-1:0]  t2, t3;
    always @(posedge clk) begin
        v2 <= !rst && v1;
        lo2 <= {1'b0, s1[15:0]} + {1'b0, c1[15:0]};
        sh2 <= s1[31:16];
        ch2 <= c1[31:16];
        {l2, t2} <= {l1, t1};
        v3 <= !rst && v2;
        i3 <= {sh2 + ch2 + 16'(lo2[16]), lo2[15:0]};
        {l3, t3} <= {l2, t2};
    end
    // 4: clamp I to the signed MB+1-bit range
    reg         v4;
    reg signed [W-1:0]  i4, t4;
    reg signed [MB-1:0] l4;
    always @(posedge clk) begin
        v4 <= !rst && v3;
        i4 <= sat_to(64'(i3), MB + 1);
        {l4, t4} <= {l3, t3};
    end
    // 5, 6: V = U >> LEAK + I
    wire [W-1:0] l4w = W'(l4);
    reg          v5, v6;
    reg [H:0]    lo5;
    reg [HT-1:0] ah5, bh5;
    reg signed [W-1:0] v6_v, t5, t6;
    always @(posedge clk) begin
        v5 <= !rst && v4;
        lo5 <= {1'b0, l4w[H-1:0]} + {1'b0, i4[H-1:0]};
        ah5 <= l4w[W-1:H];
        bh5 <= i4[W-1:H];
        t5 <= t4;
        v6 <= !rst && v5;
        v6_v <= {ah5 + bh5 + HT'(lo5[H]), lo5[H-1:0]};
        t6 <= t5;
    end
    // 7: U = sat(V)
    reg         v7;
    reg signed [W-1:0] u7, t7;
    always @(posedge clk) begin
        v7 <= !rst && v6;
        u7 <= sat(v6_v);
        t7 <= t6;
    end
    // 8, 9: D = U - thr = U + ~thr + 1, low half then high half
    wire [W-1:0] nt7 = ~t7;
    reg          v8, v9;
    reg [H:0]    lo8;
    reg [HT-1:0] uh8, nh8;
    reg signed [W-1:0] u8, u9, d9;
    always @(posedge clk) begin
        v8 <= !rst && v7;
        lo8 <= {1'b0, u7[H-1:0]} + {1'b0, nt7[H-1:0]} + {{H{1'b0}}, 1'b1};
        uh8 <= u7[W-1:H];
        nh8 <= nt7[W-1:H];
        u8 <= u7;
        v9 <= !rst && v8;
        d9 <= {uh8 + nh8 + HT'(lo8[H]), lo8[H-1:0]};
        u9 <= u8;
    end
    // 10: fire = D >= 0, reset
    wire fire = SPIKING != 0 && !d9[W-1];
    /* verilator lint_off UNUSEDSIGNAL */  // saturated to MB bits: the top bits are sign copies
    wire signed [W-1:0] u_next = !fire ? u9 : (SOFT != 0 ? sat(d9) : {W{1'b0}});
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        out_valid <= !rst && v9;
        spike     <= fire;
        u_new     <= u_next[MB-1:0];
    end
endmodule
`default_nettype wire
