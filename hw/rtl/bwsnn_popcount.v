// Popcount as a balanced adder tree written as one function: synthesis unrolls it into log2(N) levels
// (not a chain), and event-driven simulators evaluate it as one process instead of N nets.
`default_nettype none
module bwsnn_popcount #(
    parameter integer N = 256,  // a power of two
    parameter integer W = $clog2(N + 1)
) (
    input  wire [N-1:0] x,
    output reg  [W-1:0] count
);
    integer k, i;
    reg [N*W-1:0] s;  // s[i*W +: W]: partial sums of the current level
    always @(*) begin
        s = {(N*W){1'b0}};
        for (i = 0; i < N; i = i + 1) s[i*W +: W] = {{(W-1){1'b0}}, x[i]};
        for (k = N / 2; k >= 1; k = k / 2)
            for (i = 0; i < k; i = i + 1) s[i*W +: W] = s[2*i*W +: W] + s[(2*i+1)*W +: W];
        count = s[W-1:0];
    end
endmodule
`default_nettype wire
