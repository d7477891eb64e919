// bwsnn accelerator: AXI4-Lite control + parameter port, AXI4-Stream images in, results out.
//
// A dataflow chain: stream receiver -> pixel frame buffer -> layer 0's engine -> spike frame buffer -> ...
// -> the output layer's engine -> score frame buffer -> sender (argmax + result stream). Every layer has its
// own engine (bwsnn_layer: PE neurons x SIMD synapses per cycle, each weight read once per image for all T
// steps) and the ping-pong frame buffers let every layer work on a different image: the interval is the
// slowest layer's. The chain (frame buffers, engines, their folding and memory images) is generated from the
// artifact by hw/gen.py into bwsnn_chain.vh; the shape constants into bwsnn_params.vh. All arithmetic
// parameters come from the parameter image (bwsnn/params.py), which PARAM_DATA reloads at run time.
`default_nettype none
module bwsnn_top (
    input  wire        clk,
    input  wire        rst_n,
    input  wire [7:0]  s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [7:0]  s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,
    input  wire [63:0] s_axis_tdata,
    /* verilator lint_off UNUSEDSIGNAL */
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
`include "bwsnn_params.vh"
    wire rst = !rst_n;
    reg [31:0] now;  // free-running cycle counter (CYCLES_LAST)
    always @(posedge clk) now <= rst ? 32'd0 : now + 32'd1;

    wire        start, continuous, credit, rx_busy, first_beat, err_short, tx_done, no_images, rx_last, tx_last;
    wire        pw_valid;
    wire [31:0] pw_addr, pw_data, t_first;
    reg         busy;
    // the cycles of the image in the sender, now - t_first + 1, kept ready every cycle over three stages of
    // two-operand adds of at most 16 bits (short logic paths), from now three cycles back:
    // now(c - 3) + ~t_first + 5. t_first, the oldest image's start, changes only when its result leaves, many
    // cycles before the next one's last beat.
    reg [16:0] nt_lo, cyc_lo;
    reg [15:0] nt_hi, cyc_hi;
    reg [31:0] now_d;
    reg [31:0] cycles;
    always @(posedge clk) begin
        nt_lo <= {1'b0, ~t_first[15:0]} + 17'd5;
        nt_hi <= ~t_first[31:16];
        now_d <= now;
        cyc_lo <= {1'b0, now_d[15:0]} + {1'b0, nt_lo[15:0]};
        cyc_hi <= now_d[31:16] + nt_hi + 16'(nt_lo[16]);
        cycles <= {cyc_hi + 16'(cyc_lo[16]), cyc_lo[15:0]};
    end
    always @(posedge clk) busy <= !rst && (rx_busy || !no_images);

    bwsnn_axil #(.N_IN(N_IN), .N_CLASSES(N_CLASSES), .T_STEPS(T_STEPS), .PARAM_WORDS(PARAM_WORDS),
                 .DESIGN_ID(DESIGN_ID), .N_LAYERS(N_LAYERS), .CFG(CFG_WORDS)) regs (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot), .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready), .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .start(start), .continuous(continuous), .credit(credit), .busy(busy), .err_short(err_short),
        .image_done(tx_done), .image_cycles(cycles),
        .pw_valid(pw_valid), .pw_addr(pw_addr), .pw_data(pw_data));

    // start times of the images in flight (at most two per frame buffer, one in the sender)
    bwsnn_fifo #(.W(32), .DEPTH(IN_FLIGHT)) times (
        .clk(clk), .rst(rst), .push(first_beat), .din(now), .pop(tx_done), .dout(t_first), .empty(no_images));

`include "bwsnn_chain.vh"

    // which images end their input packet (pushed when an image is complete, in order): their results end
    // the output packet, so a DMA transfer of N images is answered by one transfer of N results
    /* verilator lint_off PINCONNECTEMPTY */
    bwsnn_fifo #(.W(1), .DEPTH(IN_FLIGHT)) lasts (
        .clk(clk), .rst(rst), .push(pix_w_commit), .din(rx_last), .pop(tx_done), .dout(tx_last), .empty());
    /* verilator lint_on PINCONNECTEMPTY */

    bwsnn_rx #(.N_IN(N_IN), .IB(IN_BITS)) rx (
        .clk(clk), .rst(rst), .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid),
        .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast), .continuous(continuous), .start(start),
        .credit(credit), .busy(rx_busy), .first_beat(first_beat), .err_short(err_short),
        .w_ready(pix_w_ready), .w_start(pix_w_start), .w_en(pix_w_en), .w_data(pix_w_data),
        .w_commit(pix_w_commit), .w_last(rx_last));

    bwsnn_tx #(.N_CLASSES(N_CLASSES), .NB(RES_NB)) tx (
        .clk(clk), .rst(rst), .r_avail(res_r_avail), .r_data(res_r_data), .r_done(res_r_done), .r_last(tx_last),
        .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast), .done(tx_done));
endmodule
`default_nettype wire
