// Stream receiver: AXI4-Stream images (PIXELS_PER_BEAT = 8 pixels per 64-bit beat, bwsnn/regmap.json) into the
// pixel frame buffer, beat b as its b-th write (in order: the buffer shifts them in). Layer 0 sees
// x = pixel >> (8 - IB), so only those IB bits are written, as IB bit-planes of the beat's 8 pixels: w_data
// bit 8k + j is bit 8 - IB + k of pixel j. An image is taken while CONTINUOUS or a START credit allows it and
// a bank is free. A packet holds one or more whole images back to back (the DMA moves a batch per transfer):
// the beat after an image's last pixel beat starts the next image; TLAST on an image's last beat ends the
// packet (w_last: its result carries TLAST). TLAST before the last pixel: the rest is zero-padded and the
// packet ends (SHORT_IMAGE). Pixels past N_IN in the last beat read as 0.
`default_nettype none
module bwsnn_rx #(
    parameter integer N_IN = 64,
    parameter integer IB   = 8,      // input.bits: the top IB bits of each pixel are kept
    localparam integer BEATS = (N_IN + 7) / 8,
    localparam integer BW = BEATS > 1 ? $clog2(BEATS) : 1
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [63:0]   s_axis_tdata,
    input  wire          s_axis_tvalid,
    output wire          s_axis_tready,
    input  wire          s_axis_tlast,
    input  wire          continuous,
    input  wire          start,        // CTRL.START: one image's credit
    output reg           credit,
    output wire          busy,         // inside an image
    output wire          first_beat,   // an image's first beat is taken
    output reg           err_short,
    input  wire          w_ready,
    output wire          w_start,
    output wire          w_en,
    output wire [8*IB-1:0] w_data,   // plane k (bit 8 - IB + k of the 8 pixels) at bits 8k +: 8
    output wire          w_commit,
    output wire          w_last        // with w_commit: the image ends its packet
);
    localparam integer LAST_PIX = N_IN - 8 * (BEATS - 1);              // valid pixels in the last beat
    localparam [63:0] LAST_MASK = {64{1'b1}} >> (64 - 8 * LAST_PIX);  // zero the padding pixels
    localparam RX_DATA = 1'b0, RX_PAD = 1'b1;
    reg          state;
    reg [BW-1:0] beat;
    assign s_axis_tready = state == RX_DATA && (beat != 0 || (w_ready && (continuous || credit)));
    wire fire = s_axis_tvalid && s_axis_tready;
    wire last = 32'(beat) == BEATS - 1;
    assign first_beat = fire && state == RX_DATA && beat == 0;
    assign w_start = first_beat;
    assign w_en = (fire && state == RX_DATA) || state == RX_PAD;
    /* verilator lint_off UNUSEDSIGNAL */  // IB < 8: the pixels' low 8 - IB bits, layer 0 never sees them
    wire [63:0] pix = state == RX_PAD ? 64'd0 : (last ? s_axis_tdata & LAST_MASK : s_axis_tdata);
    /* verilator lint_on UNUSEDSIGNAL */
    genvar k, j;
    generate
        for (k = 0; k < IB; k = k + 1) begin : plane
            for (j = 0; j < 8; j = j + 1) begin : pixel
                assign w_data[8*k + j] = pix[8*j + 8 - IB + k];
            end
        end
    endgenerate
    assign w_commit = w_en && last;
    assign w_last = state == RX_PAD || s_axis_tlast;
    assign busy = beat != 0 || state != RX_DATA;

    always @(posedge clk) begin
        err_short <= 1'b0;
        if (rst) begin
            state <= RX_DATA;
            beat <= {BW{1'b0}};
            credit <= 1'b0;
        end else begin
            if (start) credit <= 1'b1;
            else if (first_beat) credit <= 1'b0;
            if (w_en) begin
                if (last) begin
                    beat <= {BW{1'b0}};
                    state <= RX_DATA;
                end else begin
                    beat <= beat + 1'b1;
                    // TLAST before the last pixel: the image is zero-padded to N_IN pixels
                    if (state == RX_DATA && s_axis_tlast) begin
                        state <= RX_PAD;
                        err_short <= 1'b1;
                    end
                end
            end
        end
    end
endmodule
`default_nettype wire
