// Sliding-window generator (FINN's ConvolutionInputGenerator) between a pixel-addressed feature-map buffer
// (bwsnn_mapbuf) and the engine of a conv2d (or pool) layer. It walks the padded input in raster order, one
// pixel per cycle, over the rows and columns some window uses ((O - 1) S + K of them), and reads each input
// pixel once (a padding pixel is 0: pixel 0 / no spike, and is not read). Line buffers keep the K - 1 rows
// above (a column of K - 1 pixels per x, in LUT RAM); each pixel completes a column of K, the last K
// columns are the window, and at every position (y S, x S) that window is handed over in the artifact's
// (ky, kx, c) order, channels fastest (bwsnn/golden.py: col[(ky K + kx) C + c]), all P planes (the T steps'
// spikes, or layer 0's input bit-planes). So a stride-1 layer gets a window per cycle along a row and K - 1
// cycles of fill at each row's start: (H' S + K - S) (W' S + K - S) cycles a frame, about H W.
//   map reader: m_avail says a frame is readable; m_data is pixel m_addr (= iy W + ix) of every plane, plane
//               p in bits p C +: C, one cycle after the address; m_done frees the frame with its last read.
//   consumer:   o_valid says a window is held in o_data (plane p in bits p K K C +: K K C), o_last marks the
//               frame's last position; o_next (while o_valid) takes it. The head window is a register, up to
//               HOLD more wait in a LUT-RAM FIFO, so the walk runs ahead of the consumer: through the next
//               frame's first K - 1 rows, which emit no window, while the consumer works on this frame's last
//               ones (HOLD windows of R cycles each hide a start of (K - 1) W + K cycles: bwsnn/params.py
//               sizes it). HOLD = 0: no FIFO (its LUT RAM, 4 LUTs per 6 window bits, is most of a wide
//               window's cost): the walk hands each window to the head once it is free, 2 cycles after the
//               take, for a consumer slow enough that a frame's start fits in its work on one window.
//               The hand-over is registered: the walk sees the consumer's takes one cycle late (o_next reaches
//               only the FIFO's read side or the head, not the walk or the map's m_done).
`default_nettype none
module bwsnn_window #(
    parameter integer H   = 5,
    parameter integer W   = 5,
    parameter integer C   = 1,
    parameter integer P   = 1,
    parameter integer K   = 3,
    parameter integer S   = 1,
    parameter integer PAD = 0,
    parameter integer HOLD = 4,                                 // windows in the FIFO: 0 or a power of two >= 4
    localparam integer OH   = (H + 2 * PAD - K) / S + 1,
    localparam integer OW   = (W + 2 * PAD - K) / S + 1,
    localparam integer HU   = (OH - 1) * S + K,                 // padded rows / columns a window uses
    localparam integer WU   = (OW - 1) * S + K,
    localparam integer YL   = (H + PAD < HU ? H + PAD : HU) - 1, // the last input pixel read: (YL, XL) padded
    localparam integer XL   = (W + PAD < WU ? W + PAD : WU) - 1,
    localparam integer SKIPX = W + PAD - 1 - XL,                // input columns right of the used extent
    localparam integer PB   = C * P,                            // bits of a pixel, all planes
    localparam integer WB   = K * K * C,                        // window bits per plane
    localparam integer AI   = H * W > 1 ? $clog2(H * W) : 1,
    localparam integer YI   = HU > 1 ? $clog2(HU) : 1,
    localparam integer XI   = WU > 1 ? $clog2(WU) : 1,
    localparam integer LW   = K > 1 ? (K - 1) * PB : 1          // a line-buffer entry: K - 1 pixels
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              m_avail,
    output wire [AI-1:0]     m_addr,
    input  wire [P*C-1:0]    m_data,
    output wire              m_done,
    output wire              o_valid,
    output wire [P*WB-1:0]   o_data,
    output wire              o_last,
    input  wire              o_next
);
    // ------------------------------------------------------------------ A: the walk, the reads
    reg          running;
    reg [YI-1:0] py;
    reg [XI-1:0] px;
    reg [AI-1:0] addr;                      // the next input pixel's address (py - PAD) W + (px - PAD)
    /* verilator lint_off UNSIGNED */  // PAD = 0: a constant comparison
    wire row_in_map = 32'(py) >= PAD && 32'(py) < H + PAD;
    wire in_map = row_in_map && 32'(px) >= PAD && 32'(px) < W + PAD;
    /* verilator lint_on UNSIGNED */
    wire row_end = 32'(px) == WU - 1;
    wire at_end = 32'(py) == HU - 1 && 32'(px) == WU - 1;
    /* verilator lint_off UNUSEDSIGNAL */  // below the used extent
    wire [31:0] dy = 32'(py) - (K - 1), dx = 32'(px) - (K - 1);
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNSIGNED */  // K = 1: every pixel ends a window
    wire emits = 32'(py) >= K - 1 && 32'(px) >= K - 1 && dy % S == 0 && dx % S == 0;  // a window ends here
    /* verilator lint_on UNSIGNED */
    // the walk passes a point that emits only if a place stays free for its window (room: registers only, a
    // take frees a place the next cycle)
    reg       b_valid, b_emit, b_last, b_in_map;
    /* verilator lint_off UNUSEDSIGNAL */  // K = 1: no line buffer to index
    reg [XI-1:0] b_px;
    /* verilator lint_on UNUSEDSIGNAL */
    wire room;
    wire step = running && (!emits || room);
    assign m_addr = addr;
    assign m_done = step && in_map && 32'(py) == YL && 32'(px) == XL;
    always @(posedge clk) begin
        if (rst) running <= 1'b0;
        else if (!running && m_avail) running <= 1'b1;
        else if (step && at_end) running <= 1'b0;
        if (rst || !running) begin
            py <= {YI{1'b0}};
            px <= {XI{1'b0}};
            addr <= {AI{1'b0}};
        end else if (step) begin
            px <= row_end ? {XI{1'b0}} : px + 1'b1;
            if (row_end) py <= py + 1'b1;  // past HU - 1 only as the frame ends
            // the columns past the used extent are never read; after the last read the address is 0 again
            if (m_done) addr <= {AI{1'b0}};
            else addr <= addr + AI'(in_map) + (row_end && row_in_map ? AI'(SKIPX) : {AI{1'b0}});
        end
        b_valid <= !rst && step;
        b_emit <= emits;
        b_last <= at_end;
        b_in_map <= in_map;
        b_px <= px;
    end

    // ------------------------------------------------------------------ B: the pixel, columns, the window
    wire [PB-1:0] pix = b_in_map ? m_data : {PB{1'b0}};
    wire [K*PB-1:0] col;                    // rows py - K + 1 .. py at x = px: row ky at bits ky PB +: PB
    reg  [K*PB-1:0] cols [0:K-1];           // the last K columns, cols[K - 1] the newest
    generate
        if (K > 1) begin : lines
            reg [LW-1:0] lb [0:WU-1];       // the K - 1 pixels above each x (oldest row first)
            wire [LW-1:0] above = lb[b_px];
            assign col = {pix, above};
            always @(posedge clk) if (b_valid) lb[b_px] <= col[K*PB-1:PB];
        end else begin : point
            assign col = pix;
        end
    endgenerate
    // the window that ends at this pixel: columns 1.. K - 1 held and this one, in (ky, kx, c) order per plane
    wire [P*WB-1:0] wnd;
    genvar q, u, v;
    generate
        for (v = 0; v < K; v = v + 1) begin : kx_
            wire [K*PB-1:0] c_v = v == K - 1 ? col : cols[v + 1];
            for (u = 0; u < K; u = u + 1) begin : ky_
                for (q = 0; q < P; q = q + 1) begin : plane
                    assign wnd[q*WB + (u*K + v)*C +: C] = c_v[u*PB + q*C +: C];
                end
            end
        end
    endgenerate
    integer n;
    always @(posedge clk)
        if (b_valid) begin
            for (n = 0; n < K - 1; n = n + 1) cols[n] <= cols[n + 1];
            cols[K - 1] <= col;
        end

    // the head register (the consumer's window) and, HOLD > 0, the FIFO before it (LUT RAM)
    reg [P*WB-1:0] head;
    reg            head_last, head_valid;
    wire push = b_valid && b_emit;
    wire pop = head_valid && o_next;
    assign o_valid = head_valid;
    assign o_data = head;
    assign o_last = head_last;
    generate
        if (HOLD == 0) begin : head_only
            // a window is stepped only when the head is free and none is on its way: a push finds it empty
            assign room = !head_valid && !push;
            always @(posedge clk) begin
                if (rst) head_valid <= 1'b0;
                else if (push) head_valid <= 1'b1;
                else if (pop) head_valid <= 1'b0;
                if (push) {head_last, head} <= {b_last, wnd};
            end
        end else begin : fifo_
            localparam integer HI = $clog2(HOLD);
            reg [HI:0]     queued;                  // windows in the FIFO (not the head)
            reg [P*WB:0]   fifo [0:HOLD-1];         // {last, window}
            reg [HI-1:0]   wp, rp;
            wire load = queued != {(HI + 1){1'b0}} && (!head_valid || pop);
            assign room = 32'(queued) + 32'(push) < HOLD;
            always @(posedge clk) begin
                if (rst) begin
                    queued <= {(HI + 1){1'b0}};
                    wp <= {HI{1'b0}};
                    rp <= {HI{1'b0}};
                    head_valid <= 1'b0;
                end else begin
                    queued <= queued + (HI + 1)'(push) - (HI + 1)'(load);
                    if (push) wp <= wp + 1'b1;
                    if (load) rp <= rp + 1'b1;
                    if (load) head_valid <= 1'b1;
                    else if (pop) head_valid <= 1'b0;
                end
                if (push) fifo[wp] <= {b_last, wnd};
                if (load) {head_last, head} <= fifo[rp];
            end
        end
    endgenerate
endmodule
`default_nettype wire
