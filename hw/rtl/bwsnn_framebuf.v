// Ping-pong frame buffer between two pipeline stages (receiver -> engine, engine -> engine, engine -> sender):
// two banks of PLANES x NB bits, so that the writer fills one frame while the reader works on the other.
//   writer: w_start reserves a bank for a new frame (allowed while w_ready), w_en writes the WW-bit slice
//           w_idx of every plane, w_commit (with or after the frame's last write) makes the frame readable;
//   reader: r_avail says a frame is readable; r_data / r2_data are the RW- / RW2-bit slices r_idx / r2_idx of
//           every plane one cycle after the index (two read ports); r_done frees the bank.
// Frames leave in the order they came. Banks are cleared by reset: bits a writer never writes read as 0.
// The write is decoded per WW-bit slice (a clock enable per slice, not a shifted mask of the whole bank).
`default_nettype none
module bwsnn_framebuf #(
    parameter integer PLANES = 1,
    parameter integer NB     = 64,   // bits per plane, a multiple of WW, RW and RW2
    parameter integer WW     = 8,
    parameter integer RW     = 32,
    parameter integer RW2    = 32,
    localparam integer WI  = NB / WW > 1 ? $clog2(NB / WW) : 1,
    localparam integer RI  = NB / RW > 1 ? $clog2(NB / RW) : 1,
    localparam integer R2I = NB / RW2 > 1 ? $clog2(NB / RW2) : 1
) (
    input  wire                   clk,
    input  wire                   rst,
    output wire                   w_ready,
    input  wire                   w_start,
    input  wire                   w_en,
    input  wire [WI-1:0]          w_idx,
    input  wire [PLANES*WW-1:0]   w_data,   // plane p in bits p*WW +: WW
    input  wire                   w_commit,
    output wire                   r_avail,
    input  wire [RI-1:0]          r_idx,
    output reg  [PLANES*RW-1:0]   r_data,
    input  wire [R2I-1:0]         r2_idx,
    output reg  [PLANES*RW2-1:0]  r2_data,
    input  wire                   r_done
);
    localparam integer NW = NB / WW;  // write slices per plane
    reg [1:0] used, full;             // banks reserved or full / banks full
    reg       wp, rp;
    assign w_ready = used != 2'd2;
    assign r_avail = full != 2'd0;

    always @(posedge clk) begin
        if (rst) begin
            used <= 2'd0;
            full <= 2'd0;
            wp <= 1'b0;
            rp <= 1'b0;
        end else begin
            used <= used + {1'b0, w_start} - {1'b0, r_done};
            full <= full + {1'b0, w_commit} - {1'b0, r_done};
            if (w_commit) wp <= !wp;
            if (r_done) rp <= !rp;
        end
    end

    wire [PLANES*NB-1:0] bank0, bank1;  // plane p in bits p*NB +: NB
    genvar p, s;
    generate
        for (s = 0; s < NW; s = s + 1) begin : slice
            wire hit = w_en && 32'(w_idx) == s;
            for (p = 0; p < PLANES; p = p + 1) begin : plane
                reg [WW-1:0] d0, d1;
                always @(posedge clk) begin
                    if (rst) begin
                        d0 <= {WW{1'b0}};
                        d1 <= {WW{1'b0}};
                    end else if (hit) begin
                        if (wp) d1 <= w_data[p*WW +: WW];
                        else d0 <= w_data[p*WW +: WW];
                    end
                end
                assign bank0[p*NB + s*WW +: WW] = d0;
                assign bank1[p*NB + s*WW +: WW] = d1;
            end
        end
    endgenerate

    wire [PLANES*NB-1:0] cur = rp ? bank1 : bank0;
    integer q;
    always @(posedge clk)
        for (q = 0; q < PLANES; q = q + 1) begin
            r_data[q*RW +: RW] <= cur[q*NB + 32'(r_idx) * RW +: RW];
            r2_data[q*RW2 +: RW2] <= cur[q*NB + 32'(r2_idx) * RW2 +: RW2];
        end
endmodule
`default_nettype wire
