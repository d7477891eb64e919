// Binary synapse lane: term = 2*popcount(s & w) - popcount(s) = sum_j s_j * (+1 | -1 by w_j).
`default_nettype none
module bwsnn_synapse #(
    parameter integer P = 256,
    parameter integer CW = $clog2(P + 1)
) (
    input  wire [P-1:0]         s,     // spike (or input bit-plane) chunk
    input  wire [P-1:0]         w,     // weight bits: 1 = +1, 0 = -1
    output wire signed [CW:0]   term,
    output wire [CW-1:0]        pos    // popcount(s & w)
);
    wire [CW-1:0] n_on;
    bwsnn_popcount #(.N(P), .W(CW)) pc_s (.x(s), .count(n_on));
    bwsnn_popcount #(.N(P), .W(CW)) pc_p (.x(s & w), .count(pos));
    assign term = $signed({pos, 1'b0}) - $signed({1'b0, n_on});
endmodule
`default_nettype wire
