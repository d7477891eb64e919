// R counts of CW bits (R x CW <= 6 inputs) -> their 4-bit sum: one LUT6 per sum bit.
`default_nettype none
module bwsnn_popcount_sum #(
    parameter integer R = 3,
    parameter integer CW = 2
) (
    input  wire [R*CW-1:0] c,
    output reg  [3:0]      sum
);
    integer j;
    always @(*) begin
        sum = 4'd0;
        for (j = 0; j < R; j = j + 1) sum = sum + 4'(c[j*CW +: CW]);
    end
endmodule
`default_nettype wire
