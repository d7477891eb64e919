// Population count of x & m (MASKED: a neuron's synapses that see a spike) or of x alone, for any N.
// MASKED: a LUT6-shaped tree whose first two levels are modules of their own, so that synthesis maps them as
// written (it keeps the hierarchy), one LUT6 per output bit:
//   level 1: groups of 3 pairs (6 LUT inputs: the AND costs no LUT) -> a 2-bit count;
//   level 2: 3 group counts (6 inputs) -> a 4-bit sum (<= 9);
//   then a balanced tree of two-operand adds, each masked to the largest count it can hold (synthesis cannot
//   see that a sum of nine bits fits 4 bits). Yosys (YoWASP 0.70) at N = 64: 112 LUT, 6 levels; the same
//   function written flat was mapped to 143.
// x alone (one count per input slice, not one per neuron): written flat in groups of 6 bits, which synthesis
// maps better as one function (93 LUT at N = 64; as modules 128).
`default_nettype none
module bwsnn_popcount #(
    parameter integer N      = 64,
    parameter integer MASKED = 1,
    parameter integer W      = $clog2(N + 1),
    localparam integer G   = MASKED != 0 ? 3 : 6,           // bits per group
    localparam integer R   = MASKED != 0 ? 3 : 1,           // groups per tree leaf
    localparam integer NR  = (N + G*R - 1) / (G*R),         // tree leaves
    localparam integer NL  = NR > 1 ? 1 << $clog2(NR) : 1   // the tree's leaves, a power of two (the extra ones are 0)
) (
    input  wire [N-1:0] x,
    /* verilator lint_off UNUSEDSIGNAL */  // MASKED = 0: not used
    input  wire [N-1:0] m,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [W-1:0] count
);
    localparam integer LW = $clog2(G*R + 1);  // a leaf's count
    wire [NR*LW-1:0] leaf;
    genvar q;
    generate
        if (MASKED != 0) begin : masked
            wire [NR*G*R-1:0] xp = (NR*G*R)'(x);  // zero-padded to whole leaves (the padding is not counted)
            wire [NR*G*R-1:0] mp = (NR*G*R)'(m);
            for (q = 0; q < NR; q = q + 1) begin : l2
                localparam integer NB = N - q*G*R < G*R ? N - q*G*R : G*R;  // the leaf's real bits
                bwsnn_popcount_leaf #(.NB(NB)) u (.x(xp[q*G*R +: G*R]), .m(mp[q*G*R +: G*R]),
                    .sum(leaf[q*LW +: LW]));
            end
        end else begin : plain
            reg [NR*G-1:0]  y;  // zero-padded to whole groups
            reg [NR*LW-1:0] c;
            integer j, i2;
            always @(*) begin
                y = (NR*G)'(x);
                c = {(NR*LW){1'b0}};
                for (i2 = 0; i2 < NR; i2 = i2 + 1)
                    for (j = 0; j < G; j = j + 1) c[i2*LW +: LW] = c[i2*LW +: LW] + LW'(y[i2*G + j]);
            end
            assign leaf = c;
        end
    endgenerate
    integer k, i;
    reg [NL*W-1:0] s;  // s[i*W +: W]: partial sums of the current level
    function automatic [W-1:0] fit(input integer n);  // the mask of a sum of n inputs (at most N are 1)
        fit = W'((1 << $clog2((n < N ? n : N) + 1)) - 1);
    endfunction
    always @(*) begin
        s = {(NL*W){1'b0}};
        for (i = 0; i < NR; i = i + 1) s[i*W +: W] = W'(leaf[i*LW +: LW]);
        for (k = NL / 2; k >= 1; k = k / 2)
            for (i = 0; i < k; i = i + 1)
                s[i*W +: W] = (s[2*i*W +: W] + s[(2*i+1)*W +: W]) & fit(G*R*NL/k);
        count = s[W-1:0];
    end
endmodule
`default_nettype wire
