// Popcount as an adder tree (not a chain) so the depth grows with log2(P); P must be a power of two >= 2.
`default_nettype none
module bwsnn_popcount #(
    parameter integer N = 256,
    parameter integer W = $clog2(N + 1)
) (
    input  wire [N-1:0] x,
    output wire [W-1:0] count
);
    localparam integer LV = $clog2(N);
    genvar k, i;
    generate
        for (k = 1; k <= LV; k = k + 1) begin : lvl
            wire [(N >> k) * (k + 1) - 1:0] s;
            for (i = 0; i < (N >> k); i = i + 1) begin : add
                if (k == 1) begin : leaf
                    assign s[2*i +: 2] = {1'b0, x[2*i]} + {1'b0, x[2*i+1]};
                end else begin : node
                    assign s[i*(k+1) +: k+1] = {1'b0, lvl[k-1].s[2*i*k +: k]} + {1'b0, lvl[k-1].s[(2*i+1)*k +: k]};
                end
            end
        end
    endgenerate
    assign count = lvl[LV].s;
endmodule
`default_nettype wire
