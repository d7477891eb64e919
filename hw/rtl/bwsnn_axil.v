// AXI4-Lite registers (bwsnn/regmap.json -> bwsnn_regmap.vh): control, status, counters, identity, and the
// parameter port: PARAM_DATA writes the parameter image word PARAM_ADDR (which then counts up), registered
// once on pw_* before the memories; an address past PARAM_WORDS sets ERROR.PARAM_ADDR instead. The layers'
// configuration words (image words 0..N_LAYERS-1) are fixed at synthesis (CFG): another value sets
// ERROR.PARAM_VALUE (the engines keep the synthesized configuration).
`default_nettype none
module bwsnn_axil #(
    parameter integer N_IN = 64,
    parameter integer N_CLASSES = 10,
    parameter integer T_STEPS = 2,
    parameter integer PARAM_WORDS = 1,
    parameter [31:0] DESIGN_ID = 32'd0,  // the design record's hash (hw.gen)
    parameter integer N_LAYERS = 1,
    parameter [32*N_LAYERS-1:0] CFG = 0  // configuration word of layer l in bits 32 l +: 32
) (
    input  wire        clk,
    input  wire        rst,
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
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    output wire        start,         // CTRL.START written
    output reg         continuous,
    input  wire        credit,        // an unused START
    input  wire        busy,
    input  wire        err_short,
    input  wire        image_done,    // a result's last beat left
    input  wire [31:0] image_cycles,  // its cycles from first input beat to last output beat
    output reg         pw_valid,
    output reg  [31:0] pw_addr,
    output reg  [31:0] pw_data
);
`include "bwsnn_regmap.vh"
    wire        wr_fire = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    wire        rd_fire = s_axil_arvalid && !s_axil_rvalid;
    wire [7:0]  wa = {s_axil_awaddr[7:2], 2'b00};
    assign s_axil_awready = wr_fire;
    assign s_axil_wready  = wr_fire;
    assign s_axil_bresp   = 2'b00;
    assign s_axil_arready = rd_fire;
    assign s_axil_rresp   = 2'b00;

    reg [3:0]  err;
    reg [31:0] images_done, cycles_last, param_addr;
    wire       ctrl_wr   = wr_fire && wa == REG_CTRL;
    wire       clear     = ctrl_wr && s_axil_wdata[CTRL_CLEAR];
    wire       pdata_wr  = wr_fire && wa == REG_PARAM_DATA;
    wire       paddr_bad = param_addr >= PARAM_WORDS;
    wire       cfg_bad   = param_addr < N_LAYERS && s_axil_wdata != CFG[32*param_addr[$clog2(N_LAYERS+1)-1:0] +: 32];
    assign start = ctrl_wr && s_axil_wdata[CTRL_START];

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

    always @(posedge clk) begin
        if (rst || clear) begin
            err <= 4'd0;
            images_done <= 32'd0;
            cycles_last <= 32'd0;
        end else begin
            if (wr_fire && wa == REG_ERROR) err <= err & ~s_axil_wdata[3:0];
            if (err_short) err[ERROR_SHORT_IMAGE] <= 1'b1;
            if (pdata_wr && paddr_bad) err[ERROR_PARAM_ADDR] <= 1'b1;
            if (pdata_wr && cfg_bad) err[ERROR_PARAM_VALUE] <= 1'b1;
            if (image_done) begin
                images_done <= images_done + 32'd1;
                cycles_last <= image_cycles;
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
                REG_STATUS:      s_axil_rdata <= (32'(busy) << STATUS_BUSY) | (32'(!busy && !credit) << STATUS_IDLE);
                REG_IMAGES_DONE: s_axil_rdata <= images_done;
                REG_CYCLES_LAST: s_axil_rdata <= cycles_last;
                REG_ERROR:       s_axil_rdata <= {28'd0, err};
                REG_ID:          s_axil_rdata <= ID_MAGIC;
                REG_N_IN:        s_axil_rdata <= N_IN;
                REG_N_CLASSES:   s_axil_rdata <= N_CLASSES;
                REG_T:           s_axil_rdata <= T_STEPS;
                REG_PARAM_WORDS: s_axil_rdata <= PARAM_WORDS;
                REG_DESIGN_ID:   s_axil_rdata <= DESIGN_ID;
                REG_PARAM_ADDR:  s_axil_rdata <= param_addr;
                default:         s_axil_rdata <= 32'd0;
            endcase
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end
    end
endmodule
`default_nettype wire
