// One layer's engine (FINN's MVAU idea, layer-major over time): per cycle it reads one weight row of PE
// neurons x SIMD inputs and popcounts it against the chunk's spikes of ALL T steps at once
// (z_t = 2 popcount(s_t & w) - popcount(s_t)), so every weight is read once per image. FIRST = 1: the input
// is SIMD 8-bit pixels, the same at every step: z = 2 sum_b 2^b popcount(plane_b & w) - sum(x), no multiplier.
// After a group's last chunk its PE x T sums go, LL neurons per cycle, through LL LIF chains (the T updates of
// a neuron in step order, bwsnn_lif_chain); spikes (or, for the output layer, the last membranes) go to the
// next frame buffer, LL neurons per write. A frame starts when the input frame is there and the output buffer
// has a free bank; frames overlap in the pipeline (the next one's first write comes after this one's last).
// Arithmetic parameters come from the reloadable parameter image (bwsnn/params.py); the shape is fixed.
//
// Pipeline: S0 issue (row, chunk, group) -> S1 RAM / buffer data, popcounts -> S2 accumulate -> Z group sums
// -> Q serialize LL lanes, neuron parameters -> LIF chains (3 T) -> write.
`default_nettype none
module bwsnn_layer #(
    parameter integer LAYER  = 0,     // index: its configuration word's address in the parameter image
    parameter integer N_IN   = 64,
    parameter integer N_OUT  = 32,
    parameter integer PE     = 4,
    parameter integer SIMD   = 32,
    parameter integer LL     = 4,     // LIF lanes: PE / LL <= chunks
    parameter integer T      = 2,
    parameter integer FIRST  = 0,     // input: 8-bit pixels (else spikes of T steps)
    parameter integer SPIKING = 1,    // else the output integrator: writes its last membranes
    parameter integer SKIP   = 0,     // shortcut from the input spikes (skip_from = previous layer)
    parameter integer WBASE  = 0, BBASE = 0, THBASE = 0, GBASE = 0,  // image addresses (bwsnn/params.py)
    parameter integer WBRAM  = 1,
    parameter [31:0]  CFG_INIT = 32'd0,
    parameter         W_FILE = "", B_FILE = "", TH_FILE = "", G_FILE = "",
    localparam integer GROUPS = (N_OUT + PE - 1) / PE,
    localparam integer CHUNKS = (N_IN + SIMD - 1) / SIMD,
    localparam integer SUBS   = PE / LL,                  // LIF rows per group
    localparam integer ROWS   = GROUPS * SUBS,            // LIF rows (LL neurons) per frame
    localparam integer IN_PL  = FIRST != 0 ? 1 : T,       // input planes
    localparam integer IN_RW  = FIRST != 0 ? 8 * SIMD : SIMD,
    localparam integer CI     = CHUNKS > 1 ? $clog2(CHUNKS) : 1,
    localparam integer GI     = GROUPS > 1 ? $clog2(GROUPS) : 1,
    localparam integer RI     = ROWS > 1 ? $clog2(ROWS) : 1,
    localparam integer OW     = SPIKING != 0 ? T * LL : 32 * LL  // output buffer slice
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    pw_valid,
    input  wire [31:0]             pw_addr,
    input  wire [31:0]             pw_data,
    // input frame buffer (reader side)
    input  wire                    in_avail,
    output wire [CI-1:0]           in_idx,
    input  wire [IN_PL*IN_RW-1:0]  in_data,
    output wire [GI-1:0]           skip_idx,
    input  wire [IN_PL*PE-1:0]     skip_data,
    output wire                    in_done,
    // output frame buffer (writer side)
    input  wire                    out_ready,
    output wire                    out_start,
    output wire                    out_en,
    output wire [RI-1:0]           out_idx,
    output wire [OW-1:0]           out_data,  // spikes: step t of lane i at bit t*LL + i; else lane i's membrane
    output wire                    out_commit
);
`include "bwsnn_desc.vh"
    localparam integer CW = $clog2(SIMD + 1);       // popcount width
    localparam integer ZP = FIRST != 0 ? 8 : T;      // popcounts per neuron: bit-planes or steps

    // ------------------------------------------------------------------ configuration word
    reg [31:0] cfg;
    initial cfg = CFG_INIT;
    always @(posedge clk) if (pw_valid && pw_addr == LAYER) cfg <= pw_data;
    wire [4:0] frac_bits  = cfg[D_FRAC_BITS_LSB +: 5];
    wire [4:0] leak_shift = cfg[D_LEAK_SHIFT_LSB +: 5];
    wire [5:0] mem_bits   = cfg[D_MEM_BITS_LSB +: 6];
    wire       soft_reset = cfg[D_SOFT_RESET_LSB];

    // ------------------------------------------------------------------ S0: issue
    reg          running;
    reg [CI-1:0] c;
    reg [GI-1:0] g;
    reg [31:0]   wrow;
    wire last_c = 32'(c) == CHUNKS - 1;
    wire last_g = 32'(g) == GROUPS - 1;
    wire go = !running && in_avail && out_ready;
    assign out_start = go;
    assign in_idx = c;
    assign skip_idx = g;
    assign in_done = running && last_c && last_g;
    always @(posedge clk) begin
        if (rst) running <= 1'b0;
        else if (go) running <= 1'b1;
        else if (in_done) running <= 1'b0;
        if (rst || go) begin  // reset too: in_idx / skip_idx (the buffers' read indices) are defined when idle
            c <= {CI{1'b0}};
            g <= {GI{1'b0}};
            wrow <= 32'd0;
        end else if (running) begin
            c <= last_c ? {CI{1'b0}} : c + 1'b1;
            if (last_c) g <= g + 1'b1;
            wrow <= wrow + 32'd1;
        end
    end

    wire [PE*SIMD-1:0] w_q;
    bwsnn_pmem #(.WIDTH(PE * SIMD), .DEPTH(GROUPS * CHUNKS), .BASE(WBASE), .BRAM(WBRAM), .FILE(W_FILE)) wmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data),
        .raddr(wrow[(GROUPS * CHUNKS > 1 ? $clog2(GROUPS * CHUNKS) : 1)-1:0]), .rdata(w_q));

    // ------------------------------------------------------------------ S1: popcounts
    reg          s1_valid, s1_first, s1_last, s1_frame_last;
    reg [GI-1:0] s1_g;
    always @(posedge clk) begin
        s1_valid <= !rst && running;
        s1_first <= c == {CI{1'b0}};
        s1_last  <= last_c;
        s1_frame_last <= in_done;
        s1_g <= g;
    end
    wire [ZP*CW-1:0] pos  [0:PE-1];  // popcount(input word k & w_p) for k = bit-plane or step
    wire [ZP*CW-1:0] n_on;           // popcount(input word k)
    genvar p, k, j;
    generate
        for (k = 0; k < ZP; k = k + 1) begin : word
            wire [SIMD-1:0] x;
            if (FIRST != 0) begin : plane
                for (j = 0; j < SIMD; j = j + 1) begin : bit_
                    assign x[j] = in_data[8*j + k];
                end
            end else begin : step
                assign x = in_data[k*SIMD +: SIMD];
            end
            bwsnn_popcount #(.N(SIMD), .W(CW)) pc_on (.x(x), .count(n_on[k*CW +: CW]));
            for (p = 0; p < PE; p = p + 1) begin : lane
                bwsnn_popcount #(.N(SIMD), .W(CW)) pc (.x(x & w_q[p*SIMD +: SIMD]), .count(pos[p][k*CW +: CW]));
            end
        end
    endgenerate

    // ------------------------------------------------------------------ S2: accumulate
    reg              s2_valid, s2_first, s2_last, s2_frame_last;
    reg [GI-1:0]     s2_g;
    reg [ZP*CW-1:0]  s2_pos [0:PE-1];
    reg [ZP*CW-1:0]  s2_on;
    reg [IN_PL*PE-1:0] s2_skip;
    integer q;
    always @(posedge clk) begin
        s2_valid <= !rst && s1_valid;
        s2_first <= s1_first;
        s2_last  <= s1_last;
        s2_frame_last <= s1_frame_last;
        s2_g <= s1_g;
        for (q = 0; q < PE; q = q + 1) s2_pos[q] <= pos[q];
        s2_on <= n_on;
        s2_skip <= skip_data;
    end
    reg signed [31:0] acc [0:PE*T-1];  // neuron i, step b at i*T + b
    reg signed [31:0] term [0:PE*T-1];
    reg [31:0] wsum, xsum;
    integer i, b;
    always @(*) begin
        wsum = 32'd0;
        xsum = 32'd0;
        for (i = 0; i < PE; i = i + 1) begin
            if (FIRST != 0) begin  // sum_j w_j x_j = 2 sum_b 2^b pop(plane_b & w) - sum_j x_j, at every step
                wsum = 32'd0;
                xsum = 32'd0;
                for (b = 0; b < ZP; b = b + 1) begin
                    wsum = wsum + (32'(s2_pos[i][b*CW +: CW]) << b);
                    xsum = xsum + (32'(s2_on[b*CW +: CW]) << b);
                end
                for (b = 0; b < T; b = b + 1) term[i*T + b] = $signed(wsum << 1) - $signed(xsum);
            end else begin
                for (b = 0; b < T; b = b + 1)
                    term[i*T + b] = $signed(32'(s2_pos[i][b*CW +: CW]) << 1) - $signed(32'(s2_on[b*CW +: CW]));
            end
        end
    end
    always @(posedge clk)
        if (s2_valid)
            for (i = 0; i < PE; i = i + 1)
                for (b = 0; b < T; b = b + 1) acc[i*T + b] <= (s2_first ? 32'sd0 : acc[i*T + b]) + term[i*T + b];

    // ------------------------------------------------------------------ Z: a group's sums, serialized by LL lanes
    // S2's sums are final one cycle after the group's last chunk: Z takes them from acc then.
    reg              s3_load, s3_frame_last;
    reg [GI-1:0]     s3_g;
    wire [T*PE-1:0]  s3_skip;
    always @(posedge clk) begin
        s3_load <= !rst && s2_valid && s2_last;
        s3_frame_last <= s2_frame_last;
        s3_g <= s2_g;
    end
    generate
        if (SKIP != 0 && FIRST == 0) begin : skip_on
            reg [T*PE-1:0] r;
            always @(posedge clk) r <= s2_skip;
            assign s3_skip = r;
        end else begin : skip_off
            assign s3_skip = {(T*PE){1'b0}};
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused = |s2_skip;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate
    reg signed [31:0] z [0:PE*T-1];
    reg [T*PE-1:0]    z_skip;
    reg [GI-1:0]      z_g;
    reg               z_frame_last, ser_on;
    reg [31:0]        ser_k;
    always @(posedge clk) begin
        if (s3_load) begin
            for (i = 0; i < PE; i = i + 1)
                for (b = 0; b < T; b = b + 1) z[i*T + b] <= acc[i*T + b];
            z_skip <= s3_skip;
            z_g <= s3_g;
            z_frame_last <= s3_frame_last;
        end
        if (rst) ser_on <= 1'b0;
        else if (s3_load) ser_on <= 1'b1;
        else if (ser_k == SUBS - 1) ser_on <= 1'b0;
        if (s3_load) ser_k <= 32'd0;
        else if (ser_on && ser_k != SUBS - 1) ser_k <= ser_k + 32'd1;
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] ser_row = 32'(z_g) * SUBS + ser_k;
    /* verilator lint_on UNUSEDSIGNAL */
    reg             q_valid, q_last;
    reg [RI-1:0]    q_row;
    reg [T*32-1:0]  q_z [0:LL-1];
    reg [T-1:0]     q_skip [0:LL-1];
    always @(posedge clk) begin
        q_valid <= !rst && ser_on;
        q_last <= z_frame_last && ser_k == SUBS - 1;
        q_row <= ser_row[RI-1:0];
        for (i = 0; i < LL; i = i + 1)
            for (b = 0; b < T; b = b + 1) begin
                q_z[i][32*b +: 32] <= z[(ser_k * LL + i) * T + b];
                q_skip[i][b] <= z_skip[b*PE + ser_k * LL + i];
            end
    end
    wire [LL*32-1:0] bias_q, thr_q, gain_q;  // read with Q's registers: aligned with q_*
    bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(BBASE), .BRAM(0), .FILE(B_FILE)) bmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
        .rdata(bias_q));
    bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(THBASE), .BRAM(0), .FILE(TH_FILE)) thmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
        .rdata(thr_q));
    bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(GBASE), .BRAM(0), .FILE(G_FILE)) gmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
        .rdata(gain_q));

    // ------------------------------------------------------------------ LIF chains, output
    localparam integer LAT = 3 * T;
    /* verilator lint_off UNUSEDSIGNAL */  // the lanes run in lockstep: lane 0's valid stands for all
    wire [LL-1:0] lif_valid;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [T*LL-1:0] spk;
    wire [32*LL-1:0] u_last;
    generate
        for (p = 0; p < LL; p = p + 1) begin : lif
            wire [T-1:0] s;
            bwsnn_lif_chain #(.T(T)) chain (
                .clk(clk), .rst(rst), .in_valid(q_valid), .z(q_z[p]), .skip(q_skip[p]), .bias(bias_q[32*p +: 32]),
                .threshold(thr_q[32*p +: 32]), .skip_gain(gain_q[32*p +: 32]), .frac_bits(frac_bits),
                .leak_shift(leak_shift), .mem_bits(mem_bits), .soft_reset(soft_reset),
                .spiking(SPIKING != 0), .out_valid(lif_valid[p]), .spikes(s), .u(u_last[32*p +: 32]));
            for (k = 0; k < T; k = k + 1) begin : step
                assign spk[k*LL + p] = s[k];
            end
        end
    endgenerate
    wire [RI-1:0] o_row;
    wire          o_last;
    bwsnn_delay #(.W(RI + 1), .D(LAT)) o_d (.clk(clk), .d({q_row, q_last}), .q({o_row, o_last}));
    // padding neurons (index >= N_OUT) write no spikes: the next layer's inputs past its n_in stay 0
    wire [LL-1:0] real_n;
    generate
        for (p = 0; p < LL; p = p + 1) begin : mask
            assign real_n[p] = 32'(o_row) * LL + p < N_OUT;
        end
    endgenerate
    assign out_en = lif_valid[0] && !rst;
    assign out_idx = o_row;
    assign out_commit = out_en && o_last;
    generate
        if (SPIKING != 0) begin : spikes_out
            assign out_data = spk & {T{real_n}};
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_u = |u_last;
            /* verilator lint_on UNUSEDSIGNAL */
        end else begin : membranes_out
            assign out_data = u_last;
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_s = |spk | |real_n;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate
endmodule
`default_nettype wire
