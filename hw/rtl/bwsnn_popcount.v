// Population count of x & m (MASKED: a neuron's synapses that see a spike) or of x alone, for any N. The
// bits are first counted in groups that fit one LUT6 per count bit (3 masked pairs or 6 bits: the AND costs
// no LUT of its own), then the group counts go through a balanced adder tree. Written as one function:
// synthesis unrolls it into levels (not a chain), event-driven simulators evaluate one process, not N nets.
`default_nettype none
module bwsnn_popcount #(
    parameter integer N      = 64,
    parameter integer MASKED = 1,
    parameter integer W      = $clog2(N + 1),
    localparam integer G   = MASKED != 0 ? 3 : 6,           // bits per group
    localparam integer NG  = (N + G - 1) / G,
    localparam integer NG2 = NG > 1 ? 1 << $clog2(NG) : 1   // the tree's leaves (the extra ones are 0)
) (
    input  wire [N-1:0] x,
    /* verilator lint_off UNUSEDSIGNAL */  // MASKED = 0: not used
    input  wire [N-1:0] m,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [W-1:0] count
);
    wire [N-1:0] b = MASKED != 0 ? x & m : x;
    integer k, i, j;
    reg [NG2*W-1:0] s;  // s[i*W +: W]: partial sums of the current level
    reg [NG*G-1:0]  y;  // the bits counted, zero-padded to whole groups
    always @(*) begin
        y = (NG*G)'(b);
        s = {(NG2*W){1'b0}};
        for (i = 0; i < NG; i = i + 1)
            for (j = 0; j < G; j = j + 1) s[i*W +: W] = s[i*W +: W] + W'(y[i*G + j]);
        for (k = NG2 / 2; k >= 1; k = k / 2)
            for (i = 0; i < k; i = i + 1) s[i*W +: W] = s[2*i*W +: W] + s[(2*i+1)*W +: W];
        count = s[W-1:0];
    end
endmodule
`default_nettype wire
