// One parameter memory (weights, bias, threshold or skip gain of a layer): DEPTH rows of WIDTH bits, a
// registered read port for the engine and a write port on the parameter image: a row takes STRIDE image
// words, WIDTH / 32 rounded up to a power of two (bwsnn/params.py), image word BASE + k is bits
// 32 (k % STRIDE) +: 32 of row k / STRIDE (the words past WIDTH / 32 are padding, not held). Contents start
// from FILE.
// A row is SEG-bit segments (a weight lane of SIMD bits, or one 32-bit word) of which only the low KEEP
// bits are held (the rest read as 0): a lane's inputs past a one-chunk layer's fan-in meet no spike, and a
// neuron constant the image holds clamped needs only its low bits (bwsnn.params.neuron_words); a memory
// keeps no bits its reader drops (synthesis keeps the module boundary, so it could not tell).
// A word is written alone (a write enable per word of the row, as block RAM's byte enables and LUT RAM's
// separate columns allow), so the image may be written in any order. The write is registered once
// (address decode | write) and decodes only the AB address bits an image of PARAM_WORDS words uses.
// OREG: block RAM's clock-to-out without its output register (~2.5 ns in Yosys's 7-series timing) would start
// the reader's logic a quarter period late; with it, the data come a cycle later from a register.
`default_nettype none
module bwsnn_pmem #(
    parameter integer WIDTH = 32,  // a multiple of 32
    parameter integer DEPTH = 1,
    parameter integer BASE  = 0,
    parameter integer BRAM  = 1,   // block RAM, else LUT RAM
    parameter         FILE  = "",
    parameter integer AB    = 32,  // parameter image address bits (pw_addr's upper bits are 0)
    parameter integer SEG   = WIDTH,  // a multiple of 32 dividing WIDTH
    parameter integer KEEP  = SEG,    // bits held of each segment, its low ones
    parameter integer OREG  = 0,      // a second read register (block RAM's output register): data 2 cycles on
    localparam integer AW = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire             clk,
    input  wire             pw_valid,
    /* verilator lint_off UNUSEDSIGNAL */  // bits from AB on are 0
    input  wire [31:0]      pw_addr,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [31:0]      pw_data,
    input  wire [AW-1:0]    raddr,
    output wire [WIDTH-1:0] rdata
);
    localparam integer WORDS = WIDTH / 32;
    localparam integer LW = $clog2(WORDS);
    wire [31:0] a = {{(32 - AB){1'b0}}, pw_addr[AB-1:0]};
    reg         hit;
    reg [31:0]  data;
    /* verilator lint_off UNUSEDSIGNAL */  // the offset's high bits are 0 inside the range
    reg [AB-1:0] off;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        hit  <= pw_valid && a >= BASE && a < BASE + (DEPTH << LW);
        off  <= pw_addr[AB-1:0] - AB'(BASE);
        data <= pw_data;
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] row = 32'(off) >> LW;
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */  // one word per row: no slice
    wire [31:0] slice = WORDS > 1 ? 32'(off) & ((1 << LW) - 1) : 32'd0;
    /* verilator lint_on UNUSEDSIGNAL */

    // Only the held bits are written and read: synthesis drops the rest of the memory (never read), and the
    // memory keeps the image's row layout (its FILE is the image's slice).
    integer k;
    /* verilator lint_off UNUSEDSIGNAL */  // the bits not held
    reg [WIDTH-1:0] q;
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (BRAM != 0) begin : block
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                for (k = 0; k < WORDS; k = k + 1)
                    if (hit && slice == k) mem[row[AW-1:0]][32*k +: 32] <= data;
                q <= mem[raddr];
            end
        end else begin : lut
            (* ram_style = "distributed" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                for (k = 0; k < WORDS; k = k + 1)
                    if (hit && slice == k) mem[row[AW-1:0]][32*k +: 32] <= data;
                q <= mem[raddr];
            end
        end
    endgenerate
    /* verilator lint_off UNUSEDSIGNAL */  // the bits not held
    wire [WIDTH-1:0] qo;
    /* verilator lint_on UNUSEDSIGNAL */
    bwsnn_delay #(.W(WIDTH), .D(OREG)) out_reg (.clk(clk), .d(q), .q(qo));
    genvar g;
    generate
        for (g = 0; g < WIDTH; g = g + 1) begin : bit_
            assign rdata[g] = g % SEG < KEEP ? qo[g] : 1'b0;
        end
    endgenerate
endmodule
`default_nettype wire
