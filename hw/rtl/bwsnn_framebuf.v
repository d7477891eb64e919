// Frame buffer between two pipeline stages (receiver -> engine, engine -> engine, engine -> sender): BANKS
// banks of PLANES x NB bits, so that the writer fills one frame while the reader works on another. Two banks
// (ping-pong) hold a writer with a long latency from frame start to commit back by half that latency per
// frame; a third bank lets it start the next frame meanwhile.
//   writer: w_start reserves a bank for a new frame (allowed while w_ready). Every writer here produces a
//           frame whole and in order, so a bank is a shift register: each w_en shifts the next WW-bit slice of
//           every plane in at the top of the FILL written bits (after FILL / WW writes the k-th write holds
//           slice k): no address decode, no per-slice enables. w_commit (with or after the frame's last write)
//           makes the frame readable. Bits FILL..NB-1 of a plane (the reader's padding) are constant 0.
//   reader: r_avail says a frame is readable; r_data / r2_data are the RW- / RW2-bit slices r_idx / r2_idx of
//           every plane one cycle after the index (two read ports; without PORT2, r2_data is 0: an unused
//           port would still be a wide multiplexer, as synthesis keeps the module boundary); r_done frees the
//           bank.
// Frames leave in the order they came.
`default_nettype none
module bwsnn_framebuf #(
    parameter integer PLANES = 1,
    parameter integer BANKS  = 2,
    parameter integer NB     = 64,   // bits per plane, a multiple of RW and RW2
    parameter integer FILL   = 64,   // bits per plane the writer writes, a multiple of WW, <= NB
    parameter integer WW     = 8,
    parameter integer RW     = 32,
    parameter integer RW2    = 32,
    parameter integer PORT2  = 1,
    localparam integer RI  = NB / RW > 1 ? $clog2(NB / RW) : 1,
    localparam integer R2I = NB / RW2 > 1 ? $clog2(NB / RW2) : 1
) (
    input  wire                   clk,
    input  wire                   rst,
    output wire                   w_ready,
    input  wire                   w_start,
    input  wire                   w_en,
    input  wire [PLANES*WW-1:0]   w_data,   // plane p in bits p*WW +: WW
    input  wire                   w_commit,
    output wire                   r_avail,
    /* verilator lint_off UNUSEDSIGNAL */  // a port that reads whole planes
    input  wire [RI-1:0]          r_idx,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [PLANES*RW-1:0]   r_data,
    /* verilator lint_off UNUSEDSIGNAL */  // without PORT2, or a port that reads whole planes
    input  wire [R2I-1:0]         r2_idx,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [PLANES*RW2-1:0]  r2_data,
    input  wire                   r_done
);
    localparam integer CB = $clog2(BANKS + 1), BI = $clog2(BANKS);
    reg [CB-1:0] used, full;          // banks reserved or full / banks full
    reg [BI-1:0] wp;                  // the bank written
    reg [BANKS-1:0] rsel;             // the bank read, one-hot: a one-level bank select
    assign w_ready = 32'(used) != BANKS;
    assign r_avail = full != {CB{1'b0}};

    always @(posedge clk) begin
        if (rst) begin
            used <= {CB{1'b0}};
            full <= {CB{1'b0}};
            wp <= {BI{1'b0}};
            rsel <= BANKS'(1);
        end else begin
            used <= used + CB'(w_start) - CB'(r_done);
            full <= full + CB'(w_commit) - CB'(r_done);
            if (w_commit) wp <= 32'(wp) == BANKS - 1 ? {BI{1'b0}} : wp + 1'b1;
            if (r_done) rsel <= {rsel[BANKS-2:0], rsel[BANKS-1]};
        end
    end

    wire [PLANES*NB-1:0] bank [0:BANKS-1];  // plane p in bits p*NB +: NB
    genvar p, k;
    generate
        for (k = 0; k < BANKS; k = k + 1) begin : b_
            wire shift = w_en && 32'(wp) == k;
            for (p = 0; p < PLANES; p = p + 1) begin : plane
                reg [FILL-1:0] d;
                if (FILL > WW) begin : sr
                    always @(posedge clk) if (shift) d <= {w_data[p*WW +: WW], d[FILL-1:WW]};
                end else begin : word
                    always @(posedge clk) if (shift) d <= w_data[p*WW +: WW];
                end
                assign bank[k][p*NB +: NB] = NB'(d);
            end
        end
    endgenerate

    localparam integer CW = PLANES * NB;
    // The read bank: an AND-OR of the banks, one continuous OR per bank (a conditional OR in a procedural
    // loop leaves a chain of muxes that the generic depth mapping counts a level each: 5 levels for 3 banks)
    generate
        for (k = 0; k < BANKS; k = k + 1) begin : rd
            wire [CW-1:0] sel = rsel[k] ? bank[k] : CW'(0);
            wire [CW-1:0] upto;  // the selected bits of banks 0..k
            if (k == 0) begin : first
                assign upto = sel;
            end else begin : more
                assign upto = rd[k - 1].upto | sel;
            end
        end
    endgenerate
    wire [CW-1:0] cur = rd[BANKS - 1].upto;
    integer q;
    // A port that reads the whole plane has no index: an index into one slice would still be a multiplexer
    // (its out-of-range value) in synthesis.
    wire [31:0] r_at = NB / RW > 1 ? 32'(r_idx) * RW : 32'd0;
    wire [31:0] r2_at = NB / RW2 > 1 ? 32'(r2_idx) * RW2 : 32'd0;
    always @(posedge clk)
        for (q = 0; q < PLANES; q = q + 1) begin
            r_data[q*RW +: RW] <= cur[q*NB + r_at +: RW];
            r2_data[q*RW2 +: RW2] <= PORT2 != 0 ? cur[q*NB + r2_at +: RW2] : {RW2{1'b0}};
        end
endmodule
`default_nettype wire
