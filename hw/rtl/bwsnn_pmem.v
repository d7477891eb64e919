// One parameter memory (weights, bias, threshold or skip gain of a layer): DEPTH rows of WIDTH bits, a
// registered read port for the engine and a write port on the parameter image: image word BASE + k is
// bits 32 (k % (WIDTH/32)) +: 32 of row k / (WIDTH/32) (bwsnn/params.py). Contents start from FILE.
// Rows are written whole (one full-width write port maps to block RAM as it is): a word updates a staging
// row and the row is written with it, so a row is right once its words were written in order, as the
// parameter image is loaded (PARAM_ADDR counts up).
`default_nettype none
module bwsnn_pmem #(
    parameter integer WIDTH = 32,  // 32 times a power of two
    parameter integer DEPTH = 1,
    parameter integer BASE  = 0,
    parameter integer BRAM  = 1,   // block RAM, else LUT RAM
    parameter         FILE  = "",
    localparam integer AW = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire             clk,
    input  wire             pw_valid,
    input  wire [31:0]      pw_addr,
    input  wire [31:0]      pw_data,
    input  wire [AW-1:0]    raddr,
    output wire [WIDTH-1:0] rdata
);
    localparam integer WORDS = WIDTH / 32;
    localparam integer LW = $clog2(WORDS);
    wire [31:0] off = pw_addr - BASE;
    wire        hit = pw_valid && pw_addr >= BASE && off < DEPTH * WORDS;
    /* verilator lint_off UNUSEDSIGNAL */  // the row index's high bits are 0 inside the range
    wire [31:0] row = off >> LW;
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */  // one word per row: no slice
    wire [31:0] slice = WORDS > 1 ? off & (WORDS - 1) : 32'd0;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [WIDTH-1:0] row_data;
    generate
        if (WORDS > 1) begin : staged
            reg  [WIDTH-1:0] stage;
            wire [WIDTH-1:0] word_mask = {{(WIDTH - 32){1'b0}}, 32'hffffffff} << (slice * 32);
            assign row_data = (stage & ~word_mask) | ({{(WIDTH - 32){1'b0}}, pw_data} << (slice * 32));
            always @(posedge clk) if (hit) stage <= row_data;
        end else begin : whole
            assign row_data = pw_data;
        end
    endgenerate

    generate
        if (BRAM != 0) begin : block
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                if (hit) mem[row[AW-1:0]] <= row_data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end else begin : lut
            (* ram_style = "distributed" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                if (hit) mem[row[AW-1:0]] <= row_data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end
    endgenerate
endmodule
`default_nettype wire
