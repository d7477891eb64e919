// Feature-map buffer in block RAM, in front of a window generator (a conv2d or pool layer's input): BANKS
// frames of PIX = H W pixels, C bits (the channels) of each of PLANES planes per pixel, so that the writer
// fills one frame while the window reads another. bwsnn_framebuf's writer and reader protocol, but the frame
// is a RAM addressed by pixel instead of a shift register: a 28x28x16 map of two steps is 25 kbit a bank,
// which as flip-flops would not fit the chip.
//   memory word: PPW pixels (PPW = lcm(WW, C) / C, a whole number of writes and of pixels), plane p in bits
//                p PPW C +: PPW C, pixel j of the word in bits j C +: C of its plane.
//   writer: w_start reserves a bank (while w_ready); each w_en brings the next WW bits of every plane in
//           raster order (pixel-major, channels fastest: the order every engine, pool and bwsnn_rx writes);
//           a word goes to the RAM with its last slice, or with the frame's last write (FILL / WW writes, the
//           bits past PIX C are the writer's padding and are dropped); w_commit makes the frame readable.
//   reader: r_avail says a frame is readable; r_data is pixel r_idx of every plane (plane p in bits p C +: C)
//           one cycle after the index (the RAM's read register, then the pixel's select); r_done frees the
//           bank (a read in the same cycle is still answered).
// Frames leave in the order they came.
`default_nettype none
module bwsnn_mapbuf #(
    parameter integer PLANES = 1,
    parameter integer BANKS  = 2,
    parameter integer PIX    = 16,   // pixels per frame
    parameter integer C      = 1,    // bits per pixel of a plane
    parameter integer FILL   = 16,   // bits per plane the writer writes per frame: PIX C up to a whole write
    parameter integer WW     = 8,
    parameter integer PPW    = 8,    // pixels per word: lcm(WW, C) / C (hw/gen.py)
    localparam integer WB    = PPW * C,                         // bits per plane of a word
    localparam integer SPW   = WB / WW,                         // writes per word
    localparam integer WORDS = (PIX + PPW - 1) / PPW,           // words per bank
    localparam integer DEPTH = BANKS * WORDS,
    localparam integer AW    = DEPTH > 1 ? $clog2(DEPTH) : 1,
    localparam integer RI    = PIX > 1 ? $clog2(PIX) : 1,
    localparam integer SI    = SPW > 1 ? $clog2(SPW) : 1,
    localparam integer JI    = PPW > 1 ? $clog2(PPW) : 1,
    localparam integer NW    = FILL / WW,                       // writes per frame
    localparam integer NI    = NW > 1 ? $clog2(NW) : 1
) (
    input  wire                   clk,
    input  wire                   rst,
    output wire                   w_ready,
    input  wire                   w_start,
    input  wire                   w_en,
    input  wire [PLANES*WW-1:0]   w_data,   // plane p in bits p*WW +: WW
    input  wire                   w_commit,
    output wire                   r_avail,
    input  wire [RI-1:0]          r_idx,
    output wire [PLANES*C-1:0]    r_data,
    input  wire                   r_done
);
    localparam integer CB = $clog2(BANKS + 1);
    reg [CB-1:0] used, full;              // banks reserved or full / banks full
    reg [AW-1:0] wbase, rbase;            // first word of the bank written / read
    assign w_ready = 32'(used) != BANKS;
    assign r_avail = full != {CB{1'b0}};
    wire [AW-1:0] next_w = 32'(wbase) == (BANKS - 1) * WORDS ? {AW{1'b0}} : wbase + AW'(WORDS);
    wire [AW-1:0] next_r = 32'(rbase) == (BANKS - 1) * WORDS ? {AW{1'b0}} : rbase + AW'(WORDS);

    // writer: slice s of word wa of the frame; the word's earlier slices wait in `stage`
    reg [SI-1:0]        s;
    reg [AW-1:0]        wa;
    reg [NI-1:0]        wn;               // writes of the frame so far
    reg [PLANES*WB-1:0] stage;
    wire frame_last = 32'(wn) == NW - 1;
    wire word_last = 32'(s) == SPW - 1 || frame_last;
    wire [PLANES*WB-1:0] word;            // stage with this write's slice in place
    genvar g, k;
    generate
        for (g = 0; g < PLANES; g = g + 1) begin : wplane
            for (k = 0; k < SPW; k = k + 1) begin : wslice
                assign word[g*WB + k*WW +: WW] = SPW == 1 || 32'(s) == k ? w_data[g*WW +: WW]
                                                                          : stage[g*WB + k*WW +: WW];
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) begin
            used <= {CB{1'b0}};
            full <= {CB{1'b0}};
            wbase <= {AW{1'b0}};
            rbase <= {AW{1'b0}};
            s <= {SI{1'b0}};
            wa <= {AW{1'b0}};
            wn <= {NI{1'b0}};
        end else begin
            used <= used + CB'(w_start) - CB'(r_done);
            full <= full + CB'(w_commit) - CB'(r_done);
            if (w_commit) wbase <= next_w;
            if (r_done) rbase <= next_r;
            if (w_en) begin
                s <= word_last ? {SI{1'b0}} : s + 1'b1;
                wa <= frame_last ? {AW{1'b0}} : wa + AW'(word_last);
                wn <= frame_last ? {NI{1'b0}} : wn + 1'b1;
            end
        end
        if (w_en) stage <= word;
    end

    reg [PLANES*WB-1:0] mem [0:DEPTH-1];
    reg [PLANES*WB-1:0] q;
    /* verilator lint_off UNUSEDSIGNAL */  // one pixel per word: no select
    reg [JI-1:0]        jr;               // the pixel of the word read
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */  // the word index fits AW bits
    wire [31:0] ra = 32'(rbase) + 32'(r_idx) / PPW;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        if (w_en && word_last) mem[wbase + wa] <= word;
        q <= mem[ra[AW-1:0]];
        jr <= JI'(32'(r_idx) % PPW);
    end
    generate
        for (g = 0; g < PLANES; g = g + 1) begin : plane
            wire [WB-1:0] pw = q[g*WB +: WB];
            if (PPW > 1) begin : sel
                assign r_data[g*C +: C] = pw[32'(jr)*C +: C];
            end else begin : whole
                assign r_data[g*C +: C] = pw;
            end
        end
    endgenerate
endmodule
`default_nettype wire
