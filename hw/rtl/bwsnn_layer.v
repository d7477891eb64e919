// One layer's engine (FINN's MVAU idea, layer-major over time): per cycle it reads one weight row of PE
// neurons x SIMD inputs and popcounts it against the chunk's spikes of ALL T steps at once
// (z_t = 2 popcount(s_t & w) - popcount(s_t)), so every weight is read once per image. FIRST = 1: the input
// is the IB bit-planes of x = pixel >> (8 - IB) (the receiver keeps only those bits), the same at every step:
// z = 2 sum_b 2^b popcount(plane_b & w) - sum(x), no multiplier.
// After a group's last chunk its PE x T sums go, LL neurons per cycle, through LL LIF chains (the T updates of
// a neuron in step order, bwsnn_lif_chain); spikes (or, for the output layer, the last membranes) go to the
// next frame buffer, LL neurons per write, in neuron order (the buffer shifts them in). A frame starts when
// the input frame is there and the output buffer has a free bank; frames overlap in the pipeline (the next
// one's first write comes after this one's last).
// Weights and neuron parameters come from the reloadable parameter image (bwsnn/params.py); the shape and
// the layer's configuration (FRAC, LEAK, MB, SOFT: constant shifts, an MB-bit membrane) are fixed at synthesis.
// Sums are ZW bits: |z| <= N_IN (spikes) or (2^IB - 1) N_IN (pixels).
//
// Pipeline: S0 issue (row, chunk, group) -> S1 RAM / buffer data, popcounts -> (SIMD > 256: half the slice
// sums) -> S2 accumulate -> Z group sums
// -> Q serialize LL lanes, neuron parameters -> LIF chains (3 T) -> write.
`default_nettype none
module bwsnn_layer #(
    parameter integer N_IN   = 64,
    parameter integer N_OUT  = 32,
    parameter integer PE     = 4,
    parameter integer SIMD   = 32,
    parameter integer LL     = 4,     // LIF lanes: PE / LL <= chunks
    parameter integer T      = 2,
    parameter integer FIRST  = 0,     // input: IB bit-planes of the pixels (else spikes of T steps)
    parameter integer IB     = 8,     // FIRST: input.bits, x = pixel >> (8 - IB)
    parameter integer SPIKING = 1,    // else the output integrator: writes its last membranes
    parameter integer SKIP   = 0,     // shortcut from the input spikes (skip_from = previous layer)
    parameter integer POS    = 1,     // output positions per frame (conv2d: H' W', one window each; dense: 1)
    parameter integer WBASE  = 0, BBASE = 0, THBASE = 0, GBASE = 0,  // image addresses (bwsnn/params.py)
    parameter integer WBRAM  = 1,     // weights in block RAM (else LUT RAM)
    parameter integer NBRAM  = 0,     // bias, threshold, skip gain in block RAM
    parameter integer AB     = 32,    // parameter image address bits
    parameter integer FRAC   = 0,     // the layer's configuration (bwsnn/params.py DESC_FIELDS)
    parameter integer LEAK   = 0,
    parameter integer MB     = 32,
    parameter integer SOFT   = 0,
    parameter integer KW     = 32,    // the clamped neuron constants' bits (bwsnn.params.lif_const_bits)
    parameter         W_FILE = "", B_FILE = "", TH_FILE = "", G_FILE = "",
    localparam integer GROUPS = (N_OUT + PE - 1) / PE,
    localparam integer CHUNKS = (N_IN + SIMD - 1) / SIMD,
    localparam integer SUBS   = PE / LL,                  // LIF rows per group
    localparam integer ROWS   = GROUPS * SUBS,            // LIF rows (LL neurons) per frame
    localparam integer IN_PL  = FIRST != 0 ? IB : T,      // input planes: x's bits or the steps' spikes
    localparam integer NZ     = FIRST != 0 ? 1 : T,       // sums per neuron: one for pixels, one per step
    localparam integer CI     = CHUNKS > 1 ? $clog2(CHUNKS) : 1,
    localparam integer GI     = GROUPS > 1 ? $clog2(GROUPS) : 1,
    localparam integer PI     = POS > 1 ? $clog2(POS) : 1,
    localparam integer RI     = ROWS > 1 ? $clog2(ROWS) : 1,
    localparam integer OW     = SPIKING != 0 ? T * LL : 32 * LL, // output buffer slice
    localparam integer ZMAX   = FIRST != 0 ? ((1 << IB) - 1) * N_IN : N_IN,
    localparam integer ZW     = $clog2(ZMAX + 1) + 1          // signed sums of the layer
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    pw_valid,
    input  wire [31:0]             pw_addr,
    input  wire [31:0]             pw_data,
    // input frame buffer or, for a conv2d layer, window generator (reader side): in_done frees the frame
    // (dense) or the position's window (conv2d)
    input  wire                    in_avail,
    output wire [CI-1:0]           in_idx,
    input  wire [IN_PL*SIMD-1:0]   in_data,   // plane k in bits k*SIMD +: SIMD
    output wire [GI-1:0]           skip_idx,
    input  wire [IN_PL*PE-1:0]     skip_data,
    output wire                    in_done,
    // output frame buffer (writer side)
    input  wire                    out_ready,
    output wire                    out_start,
    output wire                    out_en,
    output wire [OW-1:0]           out_data,  // spikes: step t of lane i at bit t*LL + i; else lane i's membrane
    output wire                    out_commit
);
    localparam integer CW = $clog2(SIMD + 1);       // popcount width
    localparam integer WA = GROUPS * CHUNKS > 1 ? $clog2(GROUPS * CHUNKS) : 1;  // weight row address
    localparam integer SK = SUBS > 1 ? $clog2(SUBS) : 1;  // LIF row within a group

    // ------------------------------------------------------------------ S0: issue
    // position -> group -> chunk; a position's rows are issued while its input is there (a conv2d's window
    // may come late: the issue waits, the pipeline behind it carries bubbles)
    reg          running;
    reg [CI-1:0] c;
    reg [GI-1:0] g;
    reg [PI-1:0] at;  // the position
    reg [WA-1:0] wrow;
    wire last_c = 32'(c) == CHUNKS - 1;
    wire last_g = 32'(g) == GROUPS - 1;
    wire last_p = 32'(at) == POS - 1;
    // The counters are back at 0 when a frame ends, so the cycle that starts a frame issues its first row:
    // frames follow each other without a gap.
    wire go = !running && in_avail && out_ready;
    wire adv = (running || go) && in_avail;
    wire frame_end = in_done && last_p;
    assign out_start = go;
    assign in_idx = c;
    assign skip_idx = g;
    assign in_done = adv && last_c && last_g;
    always @(posedge clk) begin
        if (rst || frame_end) running <= 1'b0;  // a frame of one row starts and ends in one cycle
        else if (go) running <= 1'b1;
        if (rst) begin  // in_idx / skip_idx (the buffers' read indices) are defined when idle
            c <= {CI{1'b0}};
            g <= {GI{1'b0}};
            at <= {PI{1'b0}};
            wrow <= {WA{1'b0}};
        end else if (adv) begin
            c <= last_c ? {CI{1'b0}} : c + 1'b1;
            if (last_c) g <= last_g ? {GI{1'b0}} : g + 1'b1;
            if (in_done) at <= last_p ? {PI{1'b0}} : at + 1'b1;
            wrow <= in_done ? {WA{1'b0}} : wrow + 1'b1;
        end
    end

    /* verilator lint_off UNUSEDSIGNAL */  // one chunk: the padding weights past N_IN meet no input
    wire [PE*SIMD-1:0] w_q;
    /* verilator lint_on UNUSEDSIGNAL */
    // one chunk: a lane's weights past N_IN are not held (they meet no input); block RAM through its output
    // register (WR = 1: the weight row a cycle later, the input chunk and S1's tags wait for it)
    localparam integer WR = WBRAM != 0 ? 1 : 0;
    bwsnn_pmem #(.WIDTH(PE * SIMD), .DEPTH(GROUPS * CHUNKS), .BASE(WBASE), .BRAM(WBRAM), .FILE(W_FILE), .AB(AB),
                 .SEG(SIMD), .KEEP(CHUNKS == 1 ? N_IN : SIMD), .OREG(WR)) wmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data),
        .raddr(wrow), .rdata(w_q));

    // ------------------------------------------------------------------ S1: popcounts
    reg          s0_valid, s0_first, s0_last, s0_frame_last;
    reg [GI-1:0] s0_g;
    always @(posedge clk) begin
        s0_valid <= !rst && adv;
        s0_first <= c == {CI{1'b0}};
        s0_last  <= last_c;
        s0_frame_last <= frame_end;
        s0_g <= g;
    end
    wire          s1_valid, s1_first, s1_last, s1_frame_last;
    wire [GI-1:0] s1_g;
    wire [IN_PL*SIMD-1:0] in_x;     // the chunk, with the weight row
    wire [IN_PL*PE-1:0]   skip_x;
    generate
        if (WR != 0) begin : wait_row
            reg wv;  // a valid is reset (however short the reset)
            always @(posedge clk) wv <= !rst && s0_valid;
            assign s1_valid = wv;
        end else begin : at_row
            assign s1_valid = s0_valid;
        end
    endgenerate
    bwsnn_delay #(.W(3 + GI + IN_PL * (SIMD + PE)), .D(WR)) row_d (.clk(clk),
        .d({s0_first, s0_last, s0_frame_last, s0_g, in_data, skip_data}),
        .q({s1_first, s1_last, s1_frame_last, s1_g, in_x, skip_x}));
    // Popcounts in slices of at most 32 bits, registered, then summed. The slice sets the engine's longest
    // path (the digits default's layer 0 alone, python -m hw.units --layer: 64 bits 3,200 LUT / 2,323 FF,
    // 9 levels (8.03 ns); 32 bits 3,026 / 2,467, 8 levels (7.12 ns); 16 bits 3,123 / 2,659, 7 levels (5.54 ns)):
    // part[p] holds popcount(slice s of input word k & w_p) at (k NS + s) PW, part[PE] the input's own.
    // With one chunk the inputs past N_IN are 0 (padding bits of the buffer are constants): no popcount
    // counts them, and slices wholly past N_IN are 0.
    localparam integer PS = SIMD > 32 ? 32 : SIMD;
    localparam integer REAL = CHUNKS == 1 ? N_IN : SIMD;  // input bits that can be 1
    localparam integer NS = (SIMD + PS - 1) / PS;         // the last slice partial where PS does not divide SIMD
    localparam integer NSP = NS > 1 ? 1 << $clog2(NS) : 1; // the slices' sum tree: a power of two of leaves
    localparam integer PW = $clog2(PS + 1);
    wire [IN_PL*NS*PW-1:0] part [0:PE];
    genvar p, k, sl;
    generate
        for (k = 0; k < IN_PL; k = k + 1) begin : word
            /* verilator lint_off UNUSEDSIGNAL */  // one chunk: the bits past N_IN (0) are not counted
            wire [SIMD-1:0] x = in_x[k*SIMD +: SIMD];  // bit-plane k of the pixels or the spikes of step k
            /* verilator lint_on UNUSEDSIGNAL */
            for (sl = 0; sl < NS; sl = sl + 1) begin : slice
                localparam integer SWD = SIMD - sl*PS < PS ? SIMD - sl*PS : PS;  // the slice's inputs
                localparam integer NR = REAL - sl*PS < SWD ? REAL - sl*PS : SWD;  // ... that can be 1
                if (NR > 0) begin : real_
                    bwsnn_popcount #(.N(NR), .MASKED(0), .W(PW)) pc_on (.x(x[sl*PS +: NR]), .m({NR{1'b0}}),
                        .count(part[PE][(k*NS + sl)*PW +: PW]));
                    for (p = 0; p < PE; p = p + 1) begin : lane
                        bwsnn_popcount #(.N(NR), .W(PW)) pc (.x(x[sl*PS +: NR]), .m(w_q[p*SIMD + sl*PS +: NR]),
                            .count(part[p][(k*NS + sl)*PW +: PW]));
                    end
                end else begin : pad
                    for (p = 0; p <= PE; p = p + 1) begin : lane
                        assign part[p][(k*NS + sl)*PW +: PW] = {PW{1'b0}};
                    end
                end
            end
        end
    endgenerate
    reg                 s1p_valid, s1p_first, s1p_last, s1p_frame_last;
    reg [GI-1:0]        s1p_g;
    reg [IN_PL*PE-1:0]  s1p_skip;
    reg [IN_PL*NS*PW-1:0] s1p_part [0:PE];
    integer q, u, v, m;
    always @(posedge clk) begin
        s1p_valid <= !rst && s1_valid;
        s1p_first <= s1_first;
        s1p_last  <= s1_last;
        s1p_frame_last <= s1_frame_last;
        s1p_g <= s1_g;
        s1p_skip <= skip_x;
        for (q = 0; q <= PE; q = q + 1) s1p_part[q] <= part[q];
    end
    // The slices' counts summed pairwise (a balanced tree, leaves past NS 0), registered halfway where it is
    // deeper than 3 adders (NS > 8: SIMD > 256), so that the engine keeps <= 8 LUT levels (a 1 x 512 lane's
    // 4 adders after its 32-bit slices: 10 levels in one cycle). The register adds a cycle of latency only.
    localparam integer LT = NSP > 1 ? $clog2(NSP) : 0;   // the tree's adder levels
    localparam integer SPLIT = LT > 3 ? 1 : 0;
    localparam integer NM = SPLIT != 0 ? NSP >> ((LT + 1) / 2) : 1;  // sums after the first half
    reg [NSP*CW-1:0] sums;
    reg [IN_PL*NM*CW-1:0] half [0:PE];  // input word k's NM partial sums at (k NM + j) CW
    always @(*)
        for (q = 0; q <= PE; q = q + 1)
            for (u = 0; u < IN_PL; u = u + 1) begin
                sums = {(NSP*CW){1'b0}};
                for (v = 0; v < NS; v = v + 1) sums[v*CW +: CW] = CW'(s1p_part[q][(u*NS + v)*PW +: PW]);
                for (m = NSP / 2; m >= NM; m = m / 2)
                    for (v = 0; v < m; v = v + 1) sums[v*CW +: CW] = sums[2*v*CW +: CW] + sums[(2*v+1)*CW +: CW];
                half[q][u*NM*CW +: NM*CW] = sums[NM*CW-1:0];
            end
    wire [IN_PL*NM*CW-1:0] mid [0:PE];
    wire                 t_valid, t_first, t_last, t_frame_last;
    wire [GI-1:0]        t_g;
    wire [IN_PL*PE-1:0]  t_skip;
    generate
        if (SPLIT != 0) begin : tree_reg
            reg [IN_PL*NM*CW-1:0] r [0:PE];
            reg tv;
            always @(posedge clk) begin
                for (q = 0; q <= PE; q = q + 1) r[q] <= half[q];
                tv <= !rst && s1p_valid;
            end
            for (p = 0; p <= PE; p = p + 1) begin : lane
                assign mid[p] = r[p];
            end
            assign t_valid = tv;
        end else begin : tree_comb
            for (p = 0; p <= PE; p = p + 1) begin : lane
                assign mid[p] = half[p];
            end
            assign t_valid = s1p_valid;
        end
    endgenerate
    bwsnn_delay #(.W(3 + GI + IN_PL * PE), .D(SPLIT)) tree_d (.clk(clk),
        .d({s1p_first, s1p_last, s1p_frame_last, s1p_g, s1p_skip}),
        .q({t_first, t_last, t_frame_last, t_g, t_skip}));
    reg [IN_PL*CW-1:0] pos [0:PE];  // popcount(input word k & w_p) at k CW; pos[PE]: popcount(input word k)
    reg [NM*CW-1:0] rest;
    always @(*)
        for (q = 0; q <= PE; q = q + 1)
            for (u = 0; u < IN_PL; u = u + 1) begin
                rest = mid[q][u*NM*CW +: NM*CW];
                for (m = NM / 2; m >= 1; m = m / 2)
                    for (v = 0; v < m; v = v + 1) rest[v*CW +: CW] = rest[2*v*CW +: CW] + rest[(2*v+1)*CW +: CW];
                pos[q][u*CW +: CW] = rest[CW-1:0];
            end

    // ------------------------------------------------------------------ S2: popcounts
    reg              s2_valid, s2_first, s2_last, s2_frame_last;
    reg [GI-1:0]     s2_g;
    reg [IN_PL*CW-1:0] s2_pos [0:PE-1];
    reg [IN_PL*CW-1:0] s2_on;
    reg [IN_PL*PE-1:0] s2_skip;
    always @(posedge clk) begin
        s2_valid <= !rst && t_valid;
        s2_first <= t_first;
        s2_last  <= t_last;
        s2_frame_last <= t_frame_last;
        s2_g <= t_g;
        for (q = 0; q < PE; q = q + 1) s2_pos[q] <= pos[q];
        s2_on <= pos[PE];
        s2_skip <= t_skip;
    end
    // Pixels: the weighted sum sum_b 2^b pop(plane_b & w) (and the same of pop(plane_b)), b < IB, through a 3-level
    // adder tree, registered between levels (latency, not interval). Spikes: the popcounts as they are.
    localparam integer TL = FIRST != 0 ? 3 : 0;           // tree levels
    localparam integer SW = FIRST != 0 ? CW + 8 : CW;     // one chunk's sum
    wire [SW-1:0] a_pos [0:PE*NZ-1];                       // neuron i, sum k at i*NZ + k
    wire [SW-1:0] a_on  [0:NZ-1];
    integer i, b;
    genvar n;
    generate
        if (FIRST != 0) begin : tree
            // level 1: pairs of planes (weight 1, 2), level 2: pairs of pairs (1, 4), level 3: (1, 16)
            reg [CW+1:0] l1 [0:4*(PE+1)-1];  // neuron i's at 4i + k, the pixel sums' at 4 PE + k
            reg [CW+4:0] l2 [0:2*(PE+1)-1];
            reg [SW-1:0] l3 [0:PE];
            localparam integer SRCW = 8 * CW;
            wire [SRCW-1:0] src [0:PE];      // the IB planes' popcounts; 0 for the planes above IB
            for (n = 0; n < PE; n = n + 1) begin : lane
                assign src[n] = SRCW'(s2_pos[n]);
                assign a_pos[n] = l3[n];
            end
            assign src[PE] = SRCW'(s2_on);
            assign a_on[0] = l3[PE];
            always @(posedge clk)
                for (i = 0; i <= PE; i = i + 1) begin
                    for (b = 0; b < 4; b = b + 1)
                        l1[4*i + b] <= {2'b0, src[i][2*b*CW +: CW]} + {1'b0, src[i][(2*b+1)*CW +: CW], 1'b0};
                    for (b = 0; b < 2; b = b + 1)
                        l2[2*i + b] <= {3'b0, l1[4*i + 2*b]} + {1'b0, l1[4*i + 2*b + 1], 2'b0};
                    l3[i] <= {3'b0, l2[2*i]} + {l2[2*i + 1][CW+3:0], 4'b0};  // l2 < 15 SIMD: top bit 0
                end
        end else begin : direct
            for (n = 0; n < PE * T; n = n + 1) begin : lane
                assign a_pos[n] = s2_pos[n / T][(n % T)*CW +: CW];
            end
            for (n = 0; n < T; n = n + 1) begin : step
                assign a_on[n] = s2_on[n*CW +: CW];
            end
        end
    endgenerate
    wire             a_valid, a_first, a_last, a_frame_last;
    wire [GI-1:0]    a_g;
    wire [IN_PL*PE-1:0] a_skip;
    bwsnn_delay #(.W(4 + GI + IN_PL*PE), .D(TL)) a_d (.clk(clk),
        .d({s2_valid && !rst, s2_first, s2_last, s2_frame_last, s2_g, s2_skip}),
        .q({a_valid, a_first, a_last, a_frame_last, a_g, a_skip}));
    // accumulate over the chunks: popcounts of w & input and of the input alone (z = 2 acc - acc_on at Z)
    reg [ZW-1:0] acc    [0:PE*NZ-1];
    reg [ZW-1:0] acc_on [0:NZ-1];
    always @(posedge clk)
        if (a_valid) begin
            for (i = 0; i < PE * NZ; i = i + 1) acc[i] <= (a_first ? {ZW{1'b0}} : acc[i]) + ZW'(a_pos[i]);
            for (i = 0; i < NZ; i = i + 1) acc_on[i] <= (a_first ? {ZW{1'b0}} : acc_on[i]) + ZW'(a_on[i]);
        end

    // ------------------------------------------------------------------ Z: a group's sums, serialized by LL lanes
    // The sums are final one cycle after the group's last chunk: Z takes them from acc then.
    reg              s3_load, s3_frame_last;
    reg [GI-1:0]     s3_g;
    wire [T*PE-1:0]  s3_skip;
    always @(posedge clk) begin
        s3_load <= !rst && a_valid && a_last;
        s3_frame_last <= a_frame_last;
        s3_g <= a_g;
    end
    generate
        if (SKIP != 0 && FIRST == 0) begin : skip_on
            reg [T*PE-1:0] r;
            always @(posedge clk) r <= a_skip;
            assign s3_skip = r;
        end else begin : skip_off
            assign s3_skip = {(T*PE){1'b0}};
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused = |a_skip;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate
    reg signed [ZW-1:0] z [0:PE*T-1];
    reg [T*PE-1:0]    z_skip;
    reg [GI-1:0]      z_g;
    reg               z_frame_last, ser_on;
    reg [SK-1:0]      ser_k;
    always @(posedge clk) begin
        if (s3_load) begin
            for (i = 0; i < PE; i = i + 1)
                for (b = 0; b < T; b = b + 1)
                    z[i*T + b] <= (acc[i*NZ + b % NZ] << 1) - acc_on[b % NZ];
            z_skip <= s3_skip;
            z_g <= s3_g;
            z_frame_last <= s3_frame_last;
        end
        if (rst) ser_on <= 1'b0;
        else if (s3_load) ser_on <= 1'b1;
        else if (32'(ser_k) == SUBS - 1) ser_on <= 1'b0;
        if (s3_load) ser_k <= {SK{1'b0}};
        else if (ser_on && 32'(ser_k) != SUBS - 1) ser_k <= ser_k + 1'b1;
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] ser_row = 32'(z_g) * SUBS + 32'(ser_k);
    /* verilator lint_on UNUSEDSIGNAL */
    reg             q_valid, q_last;
    reg [RI-1:0]    q_row;
    reg [T*ZW-1:0]  q_z [0:LL-1];
    reg [T-1:0]     q_skip [0:LL-1];
    always @(posedge clk) begin
        q_valid <= !rst && ser_on;
        q_last <= z_frame_last && 32'(ser_k) == SUBS - 1;
        q_row <= ser_row[RI-1:0];
        for (i = 0; i < LL; i = i + 1)
            for (b = 0; b < T; b = b + 1) begin
                q_z[i][ZW*b +: ZW] <= z[(32'(ser_k) * LL + i) * T + b];
                q_skip[i][b] <= z_skip[b*PE + 32'(ser_k) * LL + i];
            end
    end
    // The image holds the neuron constants as the LIF units take them (bwsnn.params.neuron_words: bias and
    // bias + gain clamped to KW bits, the threshold to MB + 1): only those bits are held, sign-extended here.
    localparam integer KB = KW < 32 ? KW : 32;
    localparam integer NR = NBRAM != 0 ? 1 : 0;  // block RAM through its output register: the sums wait
    localparam integer TB = SPIKING == 0 ? 0 : MB < 31 ? MB + 1 : 32;  // the output layer never fires
    /* verilator lint_off UNUSEDSIGNAL */  // the bits not held (0)
    wire [LL*32-1:0] bias_q, thr_q, gain_q;  // read with Q's registers: aligned with q_*
    /* verilator lint_on UNUSEDSIGNAL */
    bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(BBASE), .BRAM(NBRAM), .FILE(B_FILE), .AB(AB), .SEG(32),
                 .KEEP(KB), .OREG(NR)) bmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
        .rdata(bias_q));
    bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(THBASE), .BRAM(NBRAM), .FILE(TH_FILE), .AB(AB), .SEG(32),
                 .KEEP(TB), .OREG(NR)) thmem (
        .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
        .rdata(thr_q));
    generate
        if (SKIP != 0 && FIRST == 0) begin : gain_mem
            bwsnn_pmem #(.WIDTH(LL * 32), .DEPTH(ROWS), .BASE(GBASE), .BRAM(NBRAM), .FILE(G_FILE), .AB(AB),
                         .SEG(32), .KEEP(KB), .OREG(NR)) gmem (
                .clk(clk), .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data), .raddr(ser_row[RI-1:0]),
                .rdata(gain_q));
        end else begin : no_gain  // no shortcut: the skip spikes are 0, c1 is never picked (its words not held)
            assign gain_q = bias_q;
        end
    endgenerate

    wire             l_valid, l_last;
    wire [RI-1:0]    l_row;
    wire [T*ZW-1:0]  l_z [0:LL-1];
    wire [T-1:0]     l_skip [0:LL-1];
    generate
        if (NR != 0) begin : wait_params
            reg lv;
            always @(posedge clk) lv <= !rst && q_valid;
            assign l_valid = lv;
        end else begin : at_params
            assign l_valid = q_valid;
        end
        for (p = 0; p < LL; p = p + 1) begin : l_lane
            bwsnn_delay #(.W(T * ZW + T), .D(NR)) zd (.clk(clk), .d({q_z[p], q_skip[p]}), .q({l_z[p], l_skip[p]}));
        end
    endgenerate
    bwsnn_delay #(.W(RI + 1), .D(NR)) l_d (.clk(clk), .d({q_row, q_last}), .q({l_row, l_last}));

    // ------------------------------------------------------------------ LIF chains, output
    /* verilator lint_off UNUSEDSIGNAL */  // the lanes run in lockstep: lane 0's valid stands for all
    wire [LL-1:0] lif_valid;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [T*LL-1:0] spk;
    wire [32*LL-1:0] u_last;
    /* verilator lint_off UNUSEDSIGNAL */  // lanes > 0 carry no tag: lane 0's stands for all
    wire [RI:0] o_tag [0:LL-1];  // the row and frame end ride through lane 0's chain with the neurons
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        for (p = 0; p < LL; p = p + 1) begin : lif
            wire [T-1:0] s;
            bwsnn_lif_chain #(.T(T), .ZW(ZW), .FRAC(FRAC), .LEAK(LEAK), .MB(MB), .SOFT(SOFT), .SPIKING(SPIKING),
                .TAGW(RI + 1), .TAGGED(p == 0 ? 1 : 0), .CW(KW))
            chain (.clk(clk), .rst(rst), .in_valid(l_valid), .z(l_z[p]), .skip(l_skip[p]),
                .c0(KW'($signed(bias_q[32*p +: KB]))), .c1(KW'($signed(gain_q[32*p +: KB]))),
                .threshold((MB + 2)'($signed(thr_q[32*p +: (TB > 0 ? TB : 1)]))), .tag({l_row, l_last}),
                .out_valid(lif_valid[p]), .spikes(s), .u(u_last[32*p +: 32]), .tag_out(o_tag[p]));
            for (k = 0; k < T; k = k + 1) begin : step
                assign spk[k*LL + p] = s[k];
            end
        end
    endgenerate
    wire [RI-1:0] o_row;
    wire          o_last;
    assign {o_row, o_last} = o_tag[0];
    // padding neurons (index >= N_OUT) write no spikes: the next layer's inputs past its n_in stay 0
    wire [LL-1:0] real_n;
    generate
        for (p = 0; p < LL; p = p + 1) begin : mask
            assign real_n[p] = 32'(o_row) * LL + p < N_OUT;
        end
    endgenerate
    assign out_en = lif_valid[0] && !rst;
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
