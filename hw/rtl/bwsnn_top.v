// bwsnn accelerator: AXI4-Lite control + parameter port, AXI4-Stream images in, results out.
//
// One layer engine walks the network of the parameter image (see bwsnn/params.py) time step by time step:
// per cycle it reads one P-bit weight row (neuron n, input chunk c), popcounts it against the matching
// spike chunk and accumulates the neuron's current; after the neuron's last chunk the LIF unit updates
// its membrane. Layer 0 takes the 8-bit pixels as 8 bit-planes (8 popcount lanes weighted by 2^b, no
// multiplier); its synaptic sums are computed at t = 0 only and re-read from z0_ram at t > 0.
// The shape (memory depths, N_IN, T, ...) comes from the generated bwsnn_params.vh; all arithmetic
// parameters (descriptors, weights, bias, threshold, gain) come from the reloadable parameter image.
//
// Pipeline: S0 issue (addresses) -> S1 RAM data, popcount -> S2 accumulate -> S3..S5 LIF stages ->
// S6 write-back. The engine drains it at each layer end (layer l+1 needs all of l's spikes).
`default_nettype none
module bwsnn_top (
    input  wire        clk,
    input  wire        rst_n,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [7:0]  s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,  // registers are written whole
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [7:0]  s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    input  wire [63:0] s_axis_tdata,
    input  wire [7:0]  s_axis_tkeep,  // pixels are positional (regmap.json): tkeep is not consulted
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        s_axis_tvalid,
    output wire        s_axis_tready,
    input  wire        s_axis_tlast,
    output wire [31:0] m_axis_tdata,
    output wire [3:0]  m_axis_tkeep,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready,
    output wire        m_axis_tlast
);
/* verilator lint_off UNUSEDPARAM */  // generated tables: the engine reads only the fields it needs
`include "bwsnn_params.vh"
`include "bwsnn_regmap.vh"
/* verilator lint_on UNUSEDPARAM */

    localparam integer LOG2P  = $clog2(P);
    localparam integer RW     = P / 32;                       // 32-bit words per weight row
    localparam integer LOG2RW = RW > 1 ? $clog2(RW) : 1;
    localparam integer CW     = $clog2(P + 1);                // popcount width
    localparam integer NW     = NEURONS > 1 ? $clog2(NEURONS) : 1;
    localparam integer WW     = W_ROWS > 1 ? $clog2(W_ROWS) : 1;
    localparam integer SW     = SPK_WORDS > 1 ? $clog2(SPK_WORDS) : 1;
    localparam integer SBW    = $clog2(P * SPK_WORDS);        // spike bit index (LOG2P with one spike word)
    localparam integer ZW     = Z0_DEPTH > 1 ? $clog2(Z0_DEPTH) : 1;
    localparam integer ICW    = IN_CHUNKS > 1 ? $clog2(IN_CHUNKS) : 1;
    localparam integer PSW    = LOG2P + 9;                    // pixel sum of a chunk: up to 255 * P
    localparam integer LW     = N_LAYERS > 1 ? $clog2(N_LAYERS) : 1;
    localparam integer TW     = $clog2(T_STEPS + 1);
    localparam integer BEATS  = (N_IN + PIXELS_PER_BEAT - 1) / PIXELS_PER_BEAT;
    localparam integer BW     = BEATS > 1 ? $clog2(BEATS) : 1;
    localparam integer CLW    = $clog2(N_CLASSES + 1);        // output beat index 0..N_CLASSES
    localparam integer OW     = N_CLASSES > 1 ? $clog2(N_CLASSES) : 1;  // class index 0..N_CLASSES-1
    localparam integer DW     = $clog2(W_BASE);               // descriptor address bits (W_BASE = 8 * N_LAYERS)
    localparam integer LAST_PIX = N_IN - PIXELS_PER_BEAT * (BEATS - 1);  // valid pixels in the last beat
    localparam [63:0] LAST_MASK = {64{1'b1}} >> (64 - 8 * LAST_PIX);    // zero the padding pixels

    wire rst = !rst_n;
    reg [31:0] now;  // free-running cycle counter (CYCLES_LAST)
    always @(posedge clk) now <= rst ? 32'd0 : now + 32'd1;

    // ------------------------------------------------------------------ AXI4-Lite
    wire        wr_fire = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    wire        rd_fire = s_axil_arvalid && !s_axil_rvalid;
    wire [7:0]  wa = {s_axil_awaddr[7:2], 2'b00};
    assign s_axil_awready = wr_fire;
    assign s_axil_wready  = wr_fire;
    assign s_axil_bresp   = 2'b00;
    assign s_axil_arready = rd_fire;
    assign s_axil_rresp   = 2'b00;

    reg        continuous, credit;
    reg [2:0]  err;
    reg [31:0] images_done, cycles_last, param_addr;
    wire       ctrl_wr   = wr_fire && wa == REG_CTRL;
    wire       start     = ctrl_wr && s_axil_wdata[CTRL_START];
    wire       clear     = ctrl_wr && s_axil_wdata[CTRL_CLEAR];
    wire       pdata_wr  = wr_fire && wa == REG_PARAM_DATA;
    wire       paddr_bad = param_addr >= PARAM_WORDS;
    reg        err_short, err_long;  // pulses from the receiver

    // parameter port, registered once before the memories
    reg        pw_valid;
    reg [31:0] pw_addr, pw_data;

    always @(posedge clk) begin
        if (rst) begin
            s_axil_bvalid <= 1'b0;
            continuous <= 1'b0;
            param_addr <= 32'd0;
            pw_valid <= 1'b0;
        end else begin
            if (wr_fire) s_axil_bvalid <= 1'b1;
            else if (s_axil_bready) s_axil_bvalid <= 1'b0;
            if (ctrl_wr) continuous <= s_axil_wdata[CTRL_CONTINUOUS];
            if (wr_fire && wa == REG_PARAM_ADDR) param_addr <= s_axil_wdata;
            else if (pdata_wr) param_addr <= param_addr + 32'd1;
            pw_valid <= pdata_wr && !paddr_bad;
        end
        pw_addr <= param_addr;
        pw_data <= s_axil_wdata;
    end

    // ------------------------------------------------------------------ status registers
    wire obuf_done;  // last output beat accepted
    reg  busy_r;
    reg [31:0] t_out;
    always @(posedge clk) begin
        if (rst || clear) begin
            err <= 3'd0;
            images_done <= 32'd0;
            cycles_last <= 32'd0;
        end else begin
            if (wr_fire && wa == REG_ERROR) err <= err & ~s_axil_wdata[2:0];
            if (err_short) err[ERROR_SHORT_IMAGE] <= 1'b1;
            if (err_long) err[ERROR_LONG_IMAGE] <= 1'b1;
            if (pdata_wr && paddr_bad) err[ERROR_PARAM_ADDR] <= 1'b1;
            if (obuf_done) begin
                images_done <= images_done + 32'd1;
                cycles_last <= now - t_out + 32'd1;
            end
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
        end else if (rd_fire) begin
            s_axil_rvalid <= 1'b1;
            case ({s_axil_araddr[7:2], 2'b00})
                REG_CTRL:        s_axil_rdata <= (32'(credit) << CTRL_START) | (32'(continuous) << CTRL_CONTINUOUS);
                REG_STATUS:      s_axil_rdata <= (32'(busy_r) << STATUS_BUSY) | (32'(!busy_r && !credit) << STATUS_IDLE);
                REG_IMAGES_DONE: s_axil_rdata <= images_done;
                REG_CYCLES_LAST: s_axil_rdata <= cycles_last;
                REG_ERROR:       s_axil_rdata <= {29'd0, err};
                REG_ID:          s_axil_rdata <= ID_MAGIC;
                REG_N_IN:        s_axil_rdata <= N_IN;
                REG_N_CLASSES:   s_axil_rdata <= N_CLASSES;
                REG_T:           s_axil_rdata <= T_STEPS;
                REG_PARAM_WORDS: s_axil_rdata <= PARAM_WORDS;
                REG_PARAM_ADDR:  s_axil_rdata <= param_addr;
                default:         s_axil_rdata <= 32'd0;
            endcase
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end
    end

    // ------------------------------------------------------------------ parameter memories
    wire pw_desc = pw_valid && pw_addr < W_BASE;
    wire pw_w    = pw_valid && pw_addr >= W_BASE && pw_addr < B_BASE;
    wire pw_b    = pw_valid && pw_addr >= B_BASE && pw_addr < TH_BASE;
    wire pw_th   = pw_valid && pw_addr >= TH_BASE && pw_addr < G_BASE;
    wire pw_g    = pw_valid && pw_addr >= G_BASE;
    /* verilator lint_off UNUSEDSIGNAL */  // only the low bits address the memories
    wire [31:0] w_off = pw_addr - W_BASE;
    wire [31:0] b_off = pw_addr - B_BASE;
    wire [31:0] th_off = pw_addr - TH_BASE;
    wire [31:0] g_off = pw_addr - G_BASE;
    /* verilator lint_on UNUSEDSIGNAL */

    reg [31:0]  desc_ram [0:W_BASE-1];
    reg [P-1:0] w_ram    [0:W_ROWS-1];
    reg [31:0]  bias_ram [0:NEURONS-1];
    reg [31:0]  thr_ram  [0:NEURONS-1];
    reg [31:0]  gain_ram [0:NEURONS-1];
    initial begin
        $readmemh(MEM_DESC, desc_ram);
        $readmemh(MEM_WEIGHTS, w_ram);
        $readmemh(MEM_BIAS, bias_ram);
        $readmemh(MEM_THRESHOLD, thr_ram);
        $readmemh(MEM_SKIP_GAIN, gain_ram);
    end

    // engine-side read addresses / data (declared here, driven by the engine below)
    reg  [WW-1:0] wrow;
    wire [NW-1:0] np_addr;
    reg  [P-1:0]  w_q;
    reg  [31:0]   bias_q, thr_q, gain_q;
    wire [DW-1:0] f_addr;
    reg  [31:0]   desc_q;

    integer lane;
    always @(posedge clk) begin
        for (lane = 0; lane < RW; lane = lane + 1)
            if (pw_w && (RW == 1 || w_off[LOG2RW-1:0] == lane[LOG2RW-1:0]))
                w_ram[w_off[WW+LOG2RW-1:LOG2RW]][32*lane +: 32] <= pw_data;
        w_q <= w_ram[wrow];
    end
    always @(posedge clk) begin
        if (pw_desc) desc_ram[pw_addr[DW-1:0]] <= pw_data;
        desc_q <= desc_ram[f_addr];
    end
    always @(posedge clk) begin
        if (pw_b) bias_ram[b_off[NW-1:0]] <= pw_data;
        bias_q <= bias_ram[np_addr];
    end
    always @(posedge clk) begin
        if (pw_th) thr_ram[th_off[NW-1:0]] <= pw_data;
        thr_q <= thr_ram[np_addr];
    end
    always @(posedge clk) begin
        if (pw_g) gain_ram[g_off[NW-1:0]] <= pw_data;
        gain_q <= gain_ram[np_addr];
    end

    // ------------------------------------------------------------------ input stream -> input buffer
    localparam [1:0] RX_DATA = 2'd0, RX_PAD = 2'd1, RX_DROP = 2'd2;
    reg [1:0]  rx_state;
    reg [BW-1:0] rx_beat;
    reg        inbuf_full;
    wire       inbuf_release;
    reg [IN_CHUNKS*P*8-1:0] inbuf;  // pixel i in bits 8i+7..8i; bits past N_IN stay 0
    reg [31:0] t_in, t_eng;

    assign s_axis_tready = rx_state == RX_DROP ||
                           (rx_state == RX_DATA && !inbuf_full && (rx_beat != 0 || continuous || credit));
    wire rx_fire = s_axis_tvalid && s_axis_tready;
    wire rx_last = 32'(rx_beat) == BEATS - 1;
    wire rx_write = (rx_fire && rx_state == RX_DATA) || rx_state == RX_PAD;
    wire [63:0] rx_pixels = rx_state == RX_PAD ? 64'd0 : (rx_last ? s_axis_tdata & LAST_MASK : s_axis_tdata);
    // per input chunk, the sum of its pixels (layer 0's pop(s) term)
    reg  [PSW-1:0] psum [0:IN_CHUNKS-1];
    reg  [10:0]    beat_sum;
    integer px;
    always @(*) begin
        beat_sum = 11'd0;
        for (px = 0; px < 8; px = px + 1) beat_sum = beat_sum + {3'd0, rx_pixels[8*px +: 8]};
    end
    /* verilator lint_off UNUSEDSIGNAL */  // beat index = {chunk, beat within the chunk}
    wire [31:0] rx_beat32 = 32'(rx_beat);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [ICW-1:0] rx_chunk = IN_CHUNKS > 1 ? rx_beat32[ICW+LOG2P-4:LOG2P-3] : {ICW{1'b0}};
    wire rx_chunk_first = rx_beat32[LOG2P-4:0] == 0;
    always @(posedge clk)
        if (rx_write) psum[rx_chunk] <= (rx_chunk_first ? {PSW{1'b0}} : psum[rx_chunk]) + {{(PSW-11){1'b0}}, beat_sum};

    always @(posedge clk) begin
        err_short <= 1'b0;
        err_long <= 1'b0;
        if (rst) begin
            rx_state <= RX_DATA;
            rx_beat <= {BW{1'b0}};
            inbuf_full <= 1'b0;
            inbuf <= {(IN_CHUNKS*P*8){1'b0}};
            credit <= 1'b0;
        end else begin
            if (start) credit <= 1'b1;
            if (inbuf_release) inbuf_full <= 1'b0;
            if (rx_fire && rx_state == RX_DATA && rx_beat == 0) begin
                t_in <= now;
                if (!start) credit <= 1'b0;
            end
            if (rx_write) begin
                inbuf[rx_beat * 64 +: 64] <= rx_pixels;
                if (rx_last) begin
                    rx_beat <= {BW{1'b0}};
                    inbuf_full <= 1'b1;
                    // a beat past the last pixel without TLAST: drop the rest of the packet
                    rx_state <= rx_state == RX_DATA && !s_axis_tlast ? RX_DROP : RX_DATA;
                    err_long <= rx_state == RX_DATA && !s_axis_tlast;
                end else begin
                    rx_beat <= rx_beat + 1'b1;
                    // TLAST before the last pixel: the image is zero-padded to N_IN pixels
                    if (rx_state == RX_DATA && s_axis_tlast) begin
                        rx_state <= RX_PAD;
                        err_short <= 1'b1;
                    end
                end
            end else if (rx_fire && rx_state == RX_DROP && s_axis_tlast) begin
                rx_state <= RX_DATA;
            end
        end
    end

    // ------------------------------------------------------------------ engine control
    localparam [1:0] E_IDLE = 2'd0, E_INIT = 2'd1, E_ISSUE = 2'd2, E_DRAIN = 2'd3;
    reg [1:0]  e_state;
    reg [LW-1:0] l;
    reg [TW-1:0] t;
    reg [15:0] n, c;
    // current layer (from its descriptor)
    reg [15:0] cur_nout, cur_chunks;
    reg [NW-1:0] cur_nbase;
    reg [SW-1:0] cur_insb, cur_outsb, cur_skipsb;
    reg [4:0]  cur_frac, cur_leak;
    reg [5:0]  cur_mb;
    reg        cur_soft, cur_spiking, cur_skip;
    // descriptor prefetch of the next layer into nxt[0..7] (runs while a layer issues)
    reg [31:0] nxt [0:DESC_STRIDE-1];
    reg [3:0]  f_k;
    reg        f_pending;  // desc_q holds word f_k - 1
    reg [LW-1:0] f_layer;
    wire       f_done = f_k == DESC_STRIDE[3:0] && !f_pending;
    /* verilator lint_off UNUSEDSIGNAL */  // one layer: f_layer is always 0 and not an address bit
    wire [LW+2:0] f_word = {f_layer, f_k[2:0]};
    /* verilator lint_on UNUSEDSIGNAL */
    assign f_addr = f_word[DW-1:0];
    wire [2:0] f_prev = f_k[2:0] - 3'd1;  // the word desc_q holds (explicit width: 8 wraps to 7)

    wire       is_last_layer = 32'(l) == N_LAYERS - 1;
    wire       is_last_step = 32'(t) == T_STEPS - 1;
    wire       l0t0 = l == 0 && t == 0;           // layer 0 from the pixels
    wire       l0z0 = l == 0 && t != 0;           // layer 0 re-reading its synaptic sums
    wire [15:0] chunks_eff = l0z0 ? 16'd1 : cur_chunks;
    wire       out_final = is_last_layer && is_last_step;
    reg        obuf_valid;
    wire       pipe_busy;
    wire       iss_last_c = c == chunks_eff - 16'd1;
    wire       iss_last = iss_last_c && n == cur_nout - 16'd1;
    wire       issue = e_state == E_ISSUE;
    wire       start_layer = e_state == E_INIT && f_done && !(out_final && obuf_valid);
    wire       drained = e_state == E_DRAIN && !pipe_busy;
    wire       image_done = drained && is_last_layer && is_last_step;
    assign inbuf_release = drained && l0t0;

    always @(posedge clk) begin
        if (rst || pw_desc) begin  // a descriptor reload refetches
            f_k <= 4'd0;
            f_pending <= 1'b0;
            f_layer <= {LW{1'b0}};
        end else if (start_layer) begin
            f_k <= 4'd0;
            f_pending <= 1'b0;
            f_layer <= is_last_layer ? {LW{1'b0}} : l + 1'b1;
        end else begin
            if (f_pending) nxt[f_prev] <= desc_q;
            f_pending <= f_k != DESC_STRIDE[3:0] && !f_pending;
            if (f_k != DESC_STRIDE[3:0] && !f_pending) f_k <= f_k + 4'd1;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            e_state <= E_IDLE;
            l <= {LW{1'b0}};
            t <= {TW{1'b0}};
        end else begin
            case (e_state)
                E_IDLE: if (inbuf_full) begin
                    e_state <= E_INIT;
                    l <= {LW{1'b0}};
                    t <= {TW{1'b0}};
                    t_eng <= t_in;
                end
                E_INIT: if (start_layer) e_state <= E_ISSUE;
                E_ISSUE: if (iss_last) e_state <= E_DRAIN;
                default: if (drained) begin  // E_DRAIN
                    if (!is_last_layer) begin
                        l <= l + 1'b1;
                        e_state <= E_INIT;
                    end else begin
                        l <= {LW{1'b0}};
                        t <= is_last_step ? {TW{1'b0}} : t + 1'b1;
                        e_state <= is_last_step ? E_IDLE : E_INIT;
                    end
                end
            endcase
        end
        if (start_layer) begin
            cur_nout   <= nxt[D_N_OUT_W][D_N_OUT_LSB +: 16];
            cur_chunks <= nxt[D_CHUNKS_W][D_CHUNKS_LSB +: 16];
            cur_nbase  <= nxt[D_NBASE_W][D_NBASE_LSB +: NW];
            cur_insb   <= nxt[D_IN_SBASE_W][D_IN_SBASE_LSB +: SW];
            cur_outsb  <= nxt[D_OUT_SBASE_W][D_OUT_SBASE_LSB +: SW];
            cur_skipsb <= nxt[D_SKIP_SBASE_W][D_SKIP_SBASE_LSB +: SW];
            cur_frac   <= nxt[D_FRAC_BITS_W][D_FRAC_BITS_LSB +: 5];
            cur_leak   <= nxt[D_LEAK_SHIFT_W][D_LEAK_SHIFT_LSB +: 5];
            cur_mb     <= nxt[D_MEM_BITS_W][D_MEM_BITS_LSB +: 6];
            cur_soft   <= nxt[D_SOFT_RESET_W][D_SOFT_RESET_LSB];
            cur_spiking <= nxt[D_SPIKING_W][D_SPIKING_LSB];
            cur_skip   <= nxt[D_HAS_SKIP_W][D_HAS_SKIP_LSB];
            wrow <= nxt[D_WBASE_W][D_WBASE_LSB +: WW];
            n <= 16'd0;
            c <= 16'd0;
        end else if (issue) begin
            wrow <= wrow + 1'b1;
            c <= iss_last_c ? 16'd0 : c + 16'd1;
            if (iss_last_c) n <= n + 16'd1;
        end
    end

    // ------------------------------------------------------------------ S0 -> S1: RAM reads
    reg [P*SPK_WORDS-1:0] spk;  // spike words: bit b of word i = neuron (i - sbase) * P + b of its layer
    reg [ZW-1:0] z0_raddr;
    reg signed [31:0] z0_ram [0:Z0_DEPTH-1];
    reg signed [31:0] z0_q;
    reg          s1_valid, s1_first, s1_last;
    reg [15:0]   s1_n;
    reg [ICW-1:0] s1_c;
    reg [SW-1:0] s1_sidx;
    always @(posedge clk) begin
        s1_valid <= !rst && issue;
        s1_first <= c == 16'd0;
        s1_last  <= iss_last_c;
        s1_n     <= n;
        s1_c     <= c[ICW-1:0];
        s1_sidx  <= cur_insb + c[SW-1:0];
        z0_raddr <= n[ZW-1:0];
    end
    always @(posedge clk) z0_q <= z0_ram[z0_raddr];  // read in S1's cycle: data in S2 (matches s2_* below)

    // ------------------------------------------------------------------ S1: popcount lanes
    // Spiking layers: lane 0, 2*pop(s & w) - pop(s). Layer 0 at t = 0: z = sum_j x_j w_j
    // = 2 * sum_b 2^b pop(plane_b & w) - sum_j x_j, with the chunk's pixel sum taken at reception.
    wire [P*8-1:0] pix_chunk = inbuf[s1_c * (P * 8) +: P * 8];
    wire [P-1:0] s_word = spk[s1_sidx * P +: P];
    wire [CW-1:0] lane_pos [0:7];
    wire signed [CW:0] spk_term;
    genvar b, j;
    generate
        for (b = 0; b < 8; b = b + 1) begin : planes
            wire [P-1:0] plane;
            for (j = 0; j < P; j = j + 1) begin : bit_
                assign plane[j] = pix_chunk[8*j + b];
            end
            if (b == 0) begin : shared  // lane 0 also serves the spiking layers
                bwsnn_synapse #(.P(P), .CW(CW)) syn (
                    .s(l0t0 ? plane : s_word), .w(w_q), .term(spk_term), .pos(lane_pos[0]));
            end else begin : pixel_only  // idle (no toggling) outside layer 0's pixel pass
                bwsnn_popcount #(.N(P), .W(CW)) pc (.x(l0t0 ? plane & w_q : {P{1'b0}}), .count(lane_pos[b]));
            end
        end
    endgenerate

    // ------------------------------------------------------------------ S2: accumulate
    reg [CW-1:0]      s2_pos [0:7];
    reg signed [CW:0] s2_spk_term;
    reg [PSW-1:0]     s2_psum;
    reg          s2_valid, s2_first, s2_last;
    reg [15:0]   s2_n;
    integer q, r;
    always @(posedge clk) begin
        s2_valid <= !rst && s1_valid;
        s2_first <= s1_first;
        s2_last  <= s1_last;
        s2_n     <= s1_n;
        for (q = 0; q < 8; q = q + 1) s2_pos[q] <= lane_pos[q];
        s2_spk_term <= spk_term;
        s2_psum <= psum[s1_c];
    end
    reg [31:0] planes_pos;  // sum_b pop(plane_b & w) * 2^b = sum of the chunk's pixels with weight +1
    always @(*) begin
        planes_pos = 32'd0;
        for (r = 0; r < 8; r = r + 1) planes_pos = planes_pos + ({{(32-CW){1'b0}}, s2_pos[r]} << r);
    end
    wire signed [31:0] pix_term = $signed({planes_pos[30:0], 1'b0}) - $signed({{(32-PSW){1'b0}}, s2_psum});
    wire signed [31:0] term = l0t0 ? pix_term : (l0z0 ? z0_q : $signed({{(31-CW){s2_spk_term[CW]}}, s2_spk_term}));
    reg  signed [31:0] acc;
    wire signed [31:0] acc_next = (s2_first ? 32'sd0 : acc) + term;
    wire s2_done = s2_valid && s2_last;

    reg          s3_valid;
    reg [15:0]   s3_n;
    reg signed [31:0] s3_z;
    reg [31:0]   u_q;
    reg [31:0]   mem_ram [0:NEURONS-1];
    always @(posedge clk) begin
        if (s2_valid) acc <= acc_next;
        if (s2_done && l0t0) z0_ram[s2_n[ZW-1:0]] <= acc_next;
        s3_valid <= !rst && s2_done;
        s3_n     <= s2_n;
        s3_z     <= acc_next;
    end
    assign np_addr = cur_nbase + s2_n[NW-1:0];  // bias/threshold/gain/membrane: data in S3
    always @(posedge clk) u_q <= mem_ram[np_addr];

    // ------------------------------------------------------------------ S3..S6: LIF, write-back
    /* verilator lint_off UNUSEDSIGNAL */  // spike bit addresses: only the spike memory's width is used
    wire [31:0] skip_bit = 32'(cur_skipsb) * P + 32'(s3_n);  // spike word skipsb + n/P, bit n%P
    wire [31:0] wb_bit = 32'(cur_outsb) * P + 32'(wb_n);
    /* verilator lint_on UNUSEDSIGNAL */
    wire        skip_spike = cur_skip && spk[skip_bit[SBW-1:0]];
    wire        lif_valid, lif_spike;
    wire signed [31:0] lif_u;
    reg  [15:0] s4_n, s5_n, wb_n;
    reg         s4_valid, s5_valid;
    bwsnn_lif lif (
        .clk(clk), .in_valid(s3_valid && !rst), .z(s3_z), .frac_bits(cur_frac), .bias(bias_q),
        .skip_spike(skip_spike), .skip_gain(gain_q), .first_step(t == 0), .u_old(u_q),
        .leak_shift(cur_leak), .mem_bits(cur_mb), .threshold(thr_q), .soft_reset(cur_soft),
        .spiking(cur_spiking), .out_valid(lif_valid), .u_new(lif_u), .spike(lif_spike));
    always @(posedge clk) begin
        s4_valid <= !rst && s3_valid;
        s5_valid <= !rst && s4_valid;
        s4_n <= s3_n;
        s5_n <= s4_n;
        wb_n <= s5_n;
    end
    wire wb_valid = lif_valid && !rst;
    assign pipe_busy = s1_valid || s2_valid || s3_valid || s4_valid || s5_valid || wb_valid;

    wire [NW-1:0] wb_addr = cur_nbase + wb_n[NW-1:0];
    always @(posedge clk) begin
        if (wb_valid) mem_ram[wb_addr] <= lif_u;
    end
    always @(posedge clk) begin
        if (rst) spk <= {(P*SPK_WORDS){1'b0}};
        else if (wb_valid && cur_spiking) spk[wb_bit[SBW-1:0]] <= lif_spike;
    end

    // ------------------------------------------------------------------ output buffer, argmax, stream out
    reg signed [31:0] obuf [0:N_CLASSES-1];
    reg signed [31:0] best_u;
    reg [OW-1:0]  best_n;
    reg [CLW-1:0] o_idx;
    wire [OW-1:0]  o_prev = o_idx[OW-1:0] - 1'b1;  // score beat o_idx (1..N_CLASSES) carries class o_idx - 1
    always @(posedge clk) begin
        if (wb_valid && out_final) begin
            obuf[wb_n[OW-1:0]] <= lif_u;
            if (wb_n == 16'd0 || lif_u > best_u) begin  // strictly greater: lowest index wins ties
                best_u <= lif_u;
                best_n <= wb_n[OW-1:0];
            end
        end
    end
    assign m_axis_tvalid = obuf_valid;
    assign m_axis_tdata = o_idx == 0 ? 32'(best_n) : obuf[o_prev];
    assign m_axis_tkeep = 4'hf;
    assign m_axis_tlast = 32'(o_idx) == N_CLASSES;
    assign obuf_done = m_axis_tvalid && m_axis_tready && m_axis_tlast;
    always @(posedge clk) begin
        if (rst) begin
            obuf_valid <= 1'b0;
            o_idx <= {CLW{1'b0}};
        end else begin
            if (image_done) begin
                obuf_valid <= 1'b1;
                t_out <= t_eng;
            end
            if (m_axis_tvalid && m_axis_tready) begin
                o_idx <= m_axis_tlast ? {CLW{1'b0}} : o_idx + 1'b1;
                if (m_axis_tlast) obuf_valid <= 1'b0;
            end
        end
    end

    always @(posedge clk)
        busy_r <= !rst && (rx_beat != 0 || rx_state != RX_DATA || inbuf_full || e_state != E_IDLE || obuf_valid);
endmodule
`default_nettype wire
