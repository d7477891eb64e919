// Spike max-pool stage (bwsnn/golden.py: s[y, x, c] = OR over the K x K window at (y S, x S), per step, no
// padding): a window generator over the input map, the OR of its taps per channel and plane, and the writer
// of the next frame buffer, one pooled pixel (C bits of every plane, plane p in bits p C +: C) per write, in
// raster order (the buffer shifts them in). A frame starts when the first window is there and the output
// buffer has a free bank.
`default_nettype none
module bwsnn_pool #(
    parameter integer H = 4,
    parameter integer W = 4,
    parameter integer C = 1,
    parameter integer P = 1,
    parameter integer K = 2,
    parameter integer S = 2,
    localparam integer AI = H * W > 1 ? $clog2(H * W) : 1
) (
    input  wire           clk,
    input  wire           rst,
    // input map (bwsnn_framebuf reader with RW = C)
    input  wire           m_avail,
    output wire [AI-1:0]  m_addr,
    input  wire [P*C-1:0] m_data,
    output wire           m_done,
    // output frame buffer (writer side)
    input  wire           out_ready,
    output wire           out_start,
    output wire           out_en,
    output wire [P*C-1:0] out_data,
    output wire           out_commit
);
    localparam integer TAPS = K * K;
    wire              w_valid, w_last;
    wire [P*TAPS*C-1:0] w_data;
    reg               writing;  // a frame's bank is reserved
    wire              take;
    bwsnn_window #(.H(H), .W(W), .C(C), .P(P), .K(K), .S(S), .PAD(0)) win (
        .clk(clk), .rst(rst), .m_avail(m_avail), .m_addr(m_addr), .m_data(m_data), .m_done(m_done),
        .o_valid(w_valid), .o_data(w_data), .o_last(w_last), .o_next(take));
    assign out_start = w_valid && !writing && out_ready;
    assign take = w_valid && (writing || out_ready);
    assign out_en = take;
    assign out_commit = take && w_last;
    always @(posedge clk)
        if (rst) writing <= 1'b0;
        else if (out_commit) writing <= 1'b0;
        else if (out_start) writing <= 1'b1;
    reg [P*C-1:0] pooled;
    integer q, t;
    always @(*) begin
        pooled = {(P*C){1'b0}};
        for (q = 0; q < P; q = q + 1)
            for (t = 0; t < TAPS; t = t + 1) pooled[q*C +: C] = pooled[q*C +: C] | w_data[q*TAPS*C + t*C +: C];
    end
    assign out_data = pooled;
endmodule
`default_nettype wire
