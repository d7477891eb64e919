// A conv2d engine's read ports into the window of its generator (bwsnn_window's o_data), shaped like a frame
// buffer's: chunk r_idx (RW bits of every plane, the window padded with 0 to whole chunks) and, for the
// shortcut, channels r2_idx RW2 +: RW2 of the centre tap (the input pixel at the output position: a shortcut
// keeps the shape, so stride 1 and padding (K - 1) / 2), both registered: data one cycle after the index.
`default_nettype none
module bwsnn_winread #(
    parameter integer P      = 1,
    parameter integer C      = 1,
    parameter integer TAPS   = 9,
    parameter integer RW     = 32,
    parameter integer RW2    = 1,   // divides C
    parameter integer PORT2  = 0,
    localparam integer WB    = TAPS * C,
    localparam integer NB    = (WB + RW - 1) / RW * RW,
    localparam integer RI    = NB / RW > 1 ? $clog2(NB / RW) : 1,
    localparam integer R2I   = C / RW2 > 1 ? $clog2(C / RW2) : 1
) (
    input  wire                  clk,
    input  wire [P*WB-1:0]       win,   // plane p in bits p WB +: WB
    /* verilator lint_off UNUSEDSIGNAL */  // one chunk / no shortcut: no index
    input  wire [RI-1:0]         r_idx,
    input  wire [R2I-1:0]        r2_idx,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [P*RW-1:0]       r_data,
    output reg  [P*RW2-1:0]      r2_data
);
    localparam integer CENTRE = TAPS / 2;  // (K - 1) / 2 K + (K - 1) / 2 for odd K
    /* verilator lint_off UNUSEDSIGNAL */  // offsets below NB
    wire [31:0] r_at = NB / RW > 1 ? 32'(r_idx) * RW : 32'd0;
    wire [31:0] r2_at = C / RW2 > 1 ? 32'(r2_idx) * RW2 : 32'd0;
    /* verilator lint_on UNUSEDSIGNAL */
    genvar q;
    generate
        for (q = 0; q < P; q = q + 1) begin : plane
            wire [NB-1:0] padded = NB'(win[q*WB +: WB]);
            always @(posedge clk) begin
                r_data[q*RW +: RW] <= padded[r_at +: RW];
                r2_data[q*RW2 +: RW2] <= PORT2 != 0 ? win[q*WB + CENTRE*C + r2_at +: RW2] : {RW2{1'b0}};
            end
        end
    endgenerate
endmodule
`default_nettype wire
