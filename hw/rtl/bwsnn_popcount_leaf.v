// The count of x & m over the first NB <= 9 pairs, in groups of 3: two LUT6 levels (one if NB <= 3).
`default_nettype none
module bwsnn_popcount_leaf #(
    parameter integer NB = 9,
    localparam integer G  = 3,
    localparam integer CW = 2,
    localparam integer NG = (NB + G - 1) / G
) (
    /* verilator lint_off UNUSEDSIGNAL */  // the bits past NB are padding
    input  wire [8:0] x,
    input  wire [8:0] m,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [3:0] sum
);
    wire [NG*CW-1:0] c;
    genvar r;
    generate
        for (r = 0; r < NG; r = r + 1) begin : grp
            localparam integer GB = NB - r*G < G ? NB - r*G : G;
            bwsnn_popcount_group #(.G(GB), .CW(CW)) u (.x(x[r*G +: GB]), .m(m[r*G +: GB]), .count(c[r*CW +: CW]));
        end
        if (NG > 1) begin : add
            bwsnn_popcount_sum #(.R(NG), .CW(CW)) s (.c(c), .sum(sum));
        end else begin : one
            assign sum = 4'(c);
        end
    endgenerate
endmodule
`default_nettype wire
