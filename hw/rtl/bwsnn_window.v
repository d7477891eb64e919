// Sliding-window generator (FINN's ConvolutionInputGenerator idea) between a pixel-addressed feature-map
// buffer and the engine of a conv2d (or pool) layer: for every output position (y, x), in raster order, it
// fetches the K x K taps (y S + ky - PAD, x S + kx - PAD) of all P planes (the T steps' spikes, or layer 0's
// input bit-planes) into a window register in the artifact's (ky, kx, c) order, channels fastest
// (bwsnn/golden.py: col[(ky K + kx) C + c]). A tap outside the input is 0 (pixel 0 / no spike) and is not
// read. One tap per cycle, and along a row only the new columns: with S < K the window at x > 0 keeps the
// previous one's columns S.. K-1 (shifted to 0.. K-S-1) and fetches K S taps. The window register is
// double-buffered (the next window is fetched while the consumer works on the current one): K K + 2 cycles for
// a row's first window, K min(S, K) + 2 for the others, when the consumer keeps up.
//   map reader: m_avail says a frame is readable; m_data is pixel m_addr (= iy W + ix) of every plane, plane
//               p in bits p C +: C, one cycle after the address (bwsnn_framebuf with RW = C); m_done frees
//               the frame with its last tap's address (the buffer still answers that read).
//   consumer:   o_valid says a window is held in o_data (plane p in bits p K K C +: K K C), o_last marks the
//               frame's last position; o_next (while o_valid) takes it.
`default_nettype none
module bwsnn_window #(
    parameter integer H   = 5,
    parameter integer W   = 5,
    parameter integer C   = 1,
    parameter integer P   = 1,
    parameter integer K   = 3,
    parameter integer S   = 1,
    parameter integer PAD = 0,
    localparam integer OH   = (H + 2 * PAD - K) / S + 1,
    localparam integer OW   = (W + 2 * PAD - K) / S + 1,
    localparam integer TAPS = K * K,
    localparam integer WB   = TAPS * C,                       // window bits per plane
    localparam integer AI   = H * W > 1 ? $clog2(H * W) : 1,
    localparam integer TI   = TAPS > 1 ? $clog2(TAPS) : 1,
    localparam integer KI   = K > 1 ? $clog2(K) : 1,
    localparam integer CW   = $clog2((H > W ? H : W) + 2 * PAD + K + S + 1) + 2, // signed coordinates
    localparam integer KX0  = S < K ? K - S : 0            // the first new column of a window at x > 0
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              m_avail,
    output wire [AI-1:0]     m_addr,
    input  wire [P*C-1:0]    m_data,
    output wire              m_done,
    output reg               o_valid,
    output reg  [P*WB-1:0]   o_data,
    output reg               o_last,
    input  wire              o_next
);
    reg                 running, hold;      // a frame is read / the position's taps are all issued
    reg signed [CW-1:0] by, bx;             // the window's top-left input coordinate: y S - PAD, x S - PAD
    reg [KI-1:0]        ky, kx;
    reg [31:0]          oy, ox;
    wire [31:0] kx_first = ox == 32'd0 ? 32'd0 : KX0;   // this window's first fetched column
    /* verilator lint_off UNUSEDSIGNAL */  // below TAPS
    wire [31:0] tap = 32'(ky) * K + 32'(kx);
    /* verilator lint_on UNUSEDSIGNAL */
    wire last_tap = 32'(ky) == K - 1 && 32'(kx) == K - 1;
    wire reuse = issue && ky == {KI{1'b0}} && 32'(kx) == kx_first && kx_first != 32'd0;  // a position's first issue
    wire last_pos = oy == OH - 1 && ox == OW - 1;
    wire issue = running && !hold;
    wire signed [CW-1:0] iy = by + CW'(ky), ix = bx + CW'(kx);
    wire in_map = iy >= 0 && iy < CW'(H) && ix >= 0 && ix < CW'(W);
    /* verilator lint_off UNUSEDSIGNAL */  // the address fits AI bits inside the map
    wire [31:0] addr = 32'(iy) * W + 32'(ix);
    /* verilator lint_on UNUSEDSIGNAL */
    assign m_addr = in_map ? addr[AI-1:0] : {AI{1'b0}};  // defined when idle or outside (reset counters)
    assign m_done = issue && last_tap && last_pos;

    // the fetched window: taps arrive one cycle after their address
    reg            d_valid, d_in_map, d_full, d_last, f_full, f_last;
    reg [TI-1:0]   d_tap;
    reg [P*WB-1:0] fill;
    wire move = f_full && (!o_valid || o_next);  // the filled window to the output register
    integer q, u, v;
    always @(posedge clk) begin
        if (rst) begin
            running <= 1'b0;
            hold <= 1'b0;
        end else begin
            if (!running && !hold && m_avail) running <= 1'b1;
            else if (m_done) running <= 1'b0;
            if (issue && last_tap) hold <= 1'b1;
            else if (move) hold <= 1'b0;
        end
        if (rst || (!running && !hold)) begin  // also resets between frames: a frame starts at (0, 0)
            by <= -CW'(PAD);
            bx <= -CW'(PAD);
            ky <= {KI{1'b0}};
            kx <= {KI{1'b0}};
            oy <= 32'd0;
            ox <= 32'd0;
        end else if (issue) begin
            if (32'(kx) == K - 1) begin
                kx <= KI'(kx_first);
                ky <= 32'(ky) == K - 1 ? {KI{1'b0}} : ky + 1'b1;
            end else kx <= kx + 1'b1;
            if (last_tap) begin
                kx <= KI'(ox == OW - 1 ? 0 : KX0);  // the next window's first column
                if (ox == OW - 1) begin
                    ox <= 32'd0;
                    bx <= -CW'(PAD);
                    oy <= oy + 32'd1;
                    by <= by + CW'(S);
                end else begin
                    ox <= ox + 32'd1;
                    bx <= bx + CW'(S);
                end
            end
        end
        d_valid <= !rst && issue;
        d_in_map <= in_map;
        d_tap <= TI'(tap);
        d_full <= last_tap;
        d_last <= last_pos;
        if (reuse)  // the kept columns move left by S (the last taps written were the previous window's)
            for (q = 0; q < P; q = q + 1)
                for (u = 0; u < K; u = u + 1)
                    for (v = 0; v < KX0; v = v + 1)
                        fill[q*WB + (u*K + v)*C +: C] <= fill[q*WB + (u*K + v + S)*C +: C];
        if (d_valid)
            for (q = 0; q < P; q = q + 1)
                fill[q*WB + 32'(d_tap)*C +: C] <= d_in_map ? m_data[q*C +: C] : {C{1'b0}};
        if (rst) f_full <= 1'b0;
        else if (d_valid && d_full) f_full <= 1'b1;
        else if (move) f_full <= 1'b0;
        if (d_valid && d_full) f_last <= d_last;
        if (rst) o_valid <= 1'b0;
        else if (move) o_valid <= 1'b1;
        else if (o_next) o_valid <= 1'b0;
        if (move) begin
            o_data <= fill;
            o_last <= f_last;
        end
    end
endmodule
`default_nettype wire
