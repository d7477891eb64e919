// One parameter memory (weights, bias, threshold or skip gain of a layer): DEPTH rows of WIDTH bits, a
// registered read port for the engine and a write port on the parameter image: image word BASE + k is
// bits 32 (k % (WIDTH/32)) +: 32 of row k / (WIDTH/32) (bwsnn/params.py). Contents start from FILE.
// A word is written alone (a 32-bit write enable per word of the row, as block RAM's byte enables and LUT
// RAM's separate columns allow), so the image may be written in any order. The write is registered once
// (address decode | write) and decodes only the AB address bits an image of PARAM_WORDS words uses.
`default_nettype none
module bwsnn_pmem #(
    parameter integer WIDTH = 32,  // 32 times a power of two
    parameter integer DEPTH = 1,
    parameter integer BASE  = 0,
    parameter integer BRAM  = 1,   // block RAM, else LUT RAM
    parameter         FILE  = "",
    parameter integer AB    = 32,  // parameter image address bits (pw_addr's upper bits are 0)
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
        hit  <= pw_valid && a >= BASE && a < BASE + DEPTH * WORDS;
        off  <= pw_addr[AB-1:0] - AB'(BASE);
        data <= pw_data;
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] row = 32'(off) >> LW;
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */  // one word per row: no slice
    wire [31:0] slice = WORDS > 1 ? 32'(off) & (WORDS - 1) : 32'd0;
    /* verilator lint_on UNUSEDSIGNAL */

    integer k;
    generate
        if (BRAM != 0) begin : block
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                for (k = 0; k < WORDS; k = k + 1)
                    if (hit && slice == k) mem[row[AW-1:0]][32*k +: 32] <= data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end else begin : lut
            (* ram_style = "distributed" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial if (FILE != "") $readmemh(FILE, mem);  // (the default parameterization has no file)
            always @(posedge clk) begin
                for (k = 0; k < WORDS; k = k + 1)
                    if (hit && slice == k) mem[row[AW-1:0]][32*k +: 32] <= data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end
    endgenerate
endmodule
`default_nettype wire
