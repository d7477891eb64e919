// G <= 6 bits -> their count: one LUT6 per count bit.
`default_nettype none
module bwsnn_popcount_group #(
    parameter integer G  = 3,
    parameter integer CW = $clog2(G + 1)
) (
    input  wire [G-1:0]  x,
    input  wire [G-1:0]  m,
    output reg  [CW-1:0] count
);
    integer j;
    always @(*) begin
        count = {CW{1'b0}};
        for (j = 0; j < G; j = j + 1) count = count + CW'(x[j] & m[j]);
    end
endmodule
`default_nettype wire
