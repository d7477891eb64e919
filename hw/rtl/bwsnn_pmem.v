// One parameter memory (weights, bias, threshold or skip gain of a layer): DEPTH rows of WIDTH bits, a
// registered read port for the engine and a write port on the parameter image: image word BASE + k is
// bits 32 (k % (WIDTH/32)) +: 32 of row k / (WIDTH/32) (bwsnn/params.py). Contents start from FILE.
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
    wire [31:0] slice = WORDS > 1 ? off & (WORDS - 1) : 32'd0;

    generate
        if (BRAM != 0) begin : block
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial $readmemh(FILE, mem);
            always @(posedge clk) begin
                if (hit) mem[row[AW-1:0]][slice * 32 +: 32] <= pw_data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end else begin : lut
            (* ram_style = "distributed" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg [WIDTH-1:0] q;
            initial $readmemh(FILE, mem);
            always @(posedge clk) begin
                if (hit) mem[row[AW-1:0]][slice * 32 +: 32] <= pw_data;
                q <= mem[raddr];
            end
            assign rdata = q;
        end
    endgenerate
endmodule
`default_nettype wire
