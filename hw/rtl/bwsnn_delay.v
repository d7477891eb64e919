// D-cycle delay line of a W-bit bundle (D = 0: a wire).
`default_nettype none
module bwsnn_delay #(
    parameter integer W = 1,
    parameter integer D = 1
) (
    /* verilator lint_off UNUSEDSIGNAL */  // D = 0
    input  wire         clk,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [W-1:0] d,
    output wire [W-1:0] q
);
    generate
        if (D == 0) begin : wire_
            assign q = d;
        end else begin : regs
            reg [W-1:0] r [0:D-1];
            integer i;
            always @(posedge clk) begin
                r[0] <= d;
                for (i = 1; i < D; i = i + 1) r[i] <= r[i-1];
            end
            assign q = r[D-1];
        end
    endgenerate
endmodule
`default_nettype wire
