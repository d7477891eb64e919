// Small FIFO in registers (DEPTH a power of two): the start times of the images in flight.
`default_nettype none
module bwsnn_fifo #(
    parameter integer W = 32,
    parameter integer DEPTH = 16,
    localparam integer AW = $clog2(DEPTH)
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         push,
    input  wire [W-1:0] din,
    input  wire         pop,
    output wire [W-1:0] dout,
    output wire         empty
);
    reg [W-1:0] mem [0:DEPTH-1];
    reg [AW:0]  wa, ra;
    assign empty = wa == ra;
    assign dout = mem[ra[AW-1:0]];
    always @(posedge clk) begin
        if (rst) begin
            wa <= {(AW+1){1'b0}};
            ra <= {(AW+1){1'b0}};
        end else begin
            if (push) begin
                mem[wa[AW-1:0]] <= din;
                wa <= wa + 1'b1;
            end
            if (pop && !empty) ra <= ra + 1'b1;
        end
    end
endmodule
`default_nettype wire
