// Result sender: takes the output layer's final membranes (the scores) from the score frame buffer, finds the
// argmax (lowest index on ties) and sends 1 + N_CLASSES 32-bit beats: the class, then the scores; TLAST on
// the last beat of the result of a packet's last image (r_last), so one output packet answers one input packet. The bank is freed as soon as the scores are copied, so the output layer runs on meanwhile. The
// argmax reads score i into a register and compares it the cycle after (a short logic path).
`default_nettype none
module bwsnn_tx #(
    parameter integer N_CLASSES = 10,
    parameter integer NB = 320,        // the frame buffer's bits (scores of the padded neurons past N_CLASSES)
    localparam integer CLW = $clog2(N_CLASSES + 1),                // the beat counter 0..N_CLASSES
    localparam integer OW = N_CLASSES > 1 ? $clog2(N_CLASSES) : 1  // a class index 0..N_CLASSES-1
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          r_avail,
    /* verilator lint_off UNUSEDSIGNAL */  // padding neurons' scores
    input  wire [NB-1:0] r_data,       // the whole frame (read one cycle after r_avail)
    /* verilator lint_on UNUSEDSIGNAL */
    output wire          r_done,
    input  wire          r_last,       // the image in the sender ended its input packet
    output wire [31:0]   m_axis_tdata,
    output wire [3:0]    m_axis_tkeep,
    output wire          m_axis_tvalid,
    input  wire          m_axis_tready,
    output wire          m_axis_tlast,
    output wire          done          // the last beat of a result is taken
);
    localparam [1:0] S_IDLE = 2'd0, S_COPY = 2'd1, S_ARGMAX = 2'd2, S_SEND = 2'd3;
    reg [1:0]  state;
    reg [CLW-1:0] i, best;
    reg signed [31:0] best_u, cand_r;
    reg [CLW-1:0] ci;  // the class of cand_r
    reg [31:0] score [0:N_CLASSES-1];
    assign r_done = state == S_COPY;
    assign m_axis_tvalid = state == S_SEND;
    wire [OW-1:0] prev = i[OW-1:0] - 1'b1;  // the class whose score beat i carries (mod 2^OW: N-1 for i = N)
    assign m_axis_tdata = i == 0 ? 32'(best) : score[prev];
    assign m_axis_tkeep = 4'hf;
    wire end_beat = 32'(i) == N_CLASSES;
    assign m_axis_tlast = end_beat && r_last;
    assign done = m_axis_tvalid && m_axis_tready && end_beat;
    wire signed [31:0] cand = score[i[OW-1:0]];  // i < N_CLASSES while it is used (S_ARGMAX, i = N: unused)

    integer n;
    always @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
        end else begin
            case (state)
                S_IDLE: if (r_avail) state <= S_COPY;
                S_COPY: begin
                    for (n = 0; n < N_CLASSES; n = n + 1) score[n] <= r_data[32*n +: 32];
                    i <= {CLW{1'b0}};
                    state <= S_ARGMAX;
                end
                S_ARGMAX: begin  // i = 0..N_CLASSES: read score i, compare score i - 1
                    cand_r <= cand;
                    ci <= i;
                    if (i != 0 && (ci == 0 || cand_r > best_u)) begin  // strictly greater: the lowest index wins
                        best_u <= cand_r;
                        best <= ci;
                    end
                    i <= 32'(i) == N_CLASSES ? {CLW{1'b0}} : i + 1'b1;
                    if (32'(i) == N_CLASSES) state <= S_SEND;
                end
                default: if (m_axis_tready) begin  // S_SEND
                    i <= end_beat ? {CLW{1'b0}} : i + 1'b1;
                    if (end_beat) state <= S_IDLE;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
