// One neuron's T membrane updates in step order: an entry that prepares the neuron's constants once for all
// steps (ENTRY stages: c0 = bias and c1 = bias + gain clamped to bwsnn_lif's CW bits, thr clamped to its
// W bits; why that is exact: bwsnn_lif), then T LIF units (bwsnn_lif, LAT stages each) in a chain, the
// membrane of step t feeding step t + 1; one neuron may enter every cycle. The membrane starts at 0 (step 0
// ignores u_old). Out after LATENCY = ENTRY + LAT T cycles: the neuron's spike at every step, its membrane
// after the last, and the TAG it entered with (what the caller needs back with the neuron: one latency, here).
// The valid bit goes from unit to unit (each one's out_valid is the next one's in_valid, aligned with the
// delayed constants), so the units' reset clears the whole chain's.
`default_nettype none
module bwsnn_lif_chain #(
    parameter integer T       = 2,
    parameter integer ZW      = 32,
    parameter integer FRAC    = 0,
    parameter integer LEAK    = 0,
    parameter integer MB      = 32,
    parameter integer SOFT    = 0,
    parameter integer SPIKING = 1,
    parameter integer TAGW    = 1
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire [T*ZW-1:0]    z,          // synaptic sum of step t in bits ZW t +: ZW
    input  wire [T-1:0]       skip,       // shortcut spike at step t
    input  wire [31:0]        bias,
    input  wire [31:0]        threshold,
    input  wire [31:0]        skip_gain,
    input  wire [TAGW-1:0]    tag,
    output wire               out_valid,
    output wire [T-1:0]       spikes,
    output wire signed [31:0] u,          // sign-extended from MB bits
    output wire [TAGW-1:0]    tag_out
);
    localparam integer LAT = 9;      // bwsnn_lif's latency
    localparam integer ENTRY = 3;    // 1 bias + gain, low half; 2 high half; 3 clamp it
    localparam integer CW = (MB > ZW - 1 + FRAC ? MB : ZW - 1 + FRAC) + 3;  // bwsnn_lif's
    localparam integer W = MB + 2;
    localparam integer KW = 2 * CW + W;  // the constants that ride along: c0, c1, thr
    localparam signed [63:0] ONE = 64'sd1;
    function automatic [63:0] clamp_to(input signed [63:0] v, input integer n);  // to the signed n-bit range
        reg signed [63:0] top;
        begin
            top = v >>> (n - 1);
            clamp_to = top == 64'sd0 || top == -64'sd1 ? v : (v[63] ? -(ONE <<< (n - 1)) : (ONE <<< (n - 1)) - ONE);
        end
    endfunction

    // entry: bias + gain (exact in 33 bits), low half then high half; the clamps
    reg         e1, e2, e3;
    reg [16:0]  lo1;
    reg [15:0]  bh1, gh1;
    reg signed [CW-1:0] c0_1, c0_2, c0_3, c1_3;
    reg signed [W-1:0]  t1, t2, t3;
    reg signed [32:0]   bg2;
    always @(posedge clk) begin
        e1 <= !rst && in_valid;
        lo1 <= {1'b0, bias[15:0]} + {1'b0, skip_gain[15:0]};
        bh1 <= bias[31:16];
        gh1 <= skip_gain[31:16];
        c0_1 <= CW'(clamp_to(64'($signed(bias)), CW));
        t1 <= W'(clamp_to(64'($signed(threshold)), MB + 1));
        e2 <= !rst && e1;
        bg2 <= {17'($signed(bh1)) + 17'($signed(gh1)) + 17'(lo1[16]), lo1[15:0]};
        {c0_2, t2} <= {c0_1, t1};
        e3 <= !rst && e2;
        c1_3 <= CW'(clamp_to(64'(bg2), CW));
        {c0_3, t3} <= {c0_2, t2};
    end
    wire [T*ZW-1:0] z_e;
    wire [T-1:0]    skip_e;
    bwsnn_delay #(.W(T * ZW + T), .D(ENTRY)) entry_d (.clk(clk), .d({z, skip}), .q({z_e, skip_e}));

    wire [KW-1:0] k [0:T-1];  // step t's unit's constants, delayed by LAT t
    wire [T-1:0]  valid;
    wire signed [MB-1:0] u_step [0:T-1];
    wire [T-1:0]  spike_step;
    assign k[0] = {c0_3, c1_3, t3};
    genvar t;
    generate
        for (t = 0; t < T; t = t + 1) begin : step
            wire [ZW-1:0] zt;  // step t's sum and skip spike, delayed to its unit
            wire          st;
            bwsnn_delay #(.W(ZW + 1), .D(LAT * t)) in_d (.clk(clk), .d({z_e[ZW*t +: ZW], skip_e[t]}), .q({zt, st}));
            bwsnn_lif #(.ZW(ZW), .FRAC(FRAC), .LEAK(LEAK), .MB(MB), .SOFT(SOFT), .SPIKING(SPIKING)) lif (
                .clk(clk), .rst(rst), .in_valid(t == 0 ? e3 : valid[t == 0 ? 0 : t - 1]), .z(zt), .skip_spike(st),
                .c0(k[t][CW + W +: CW]), .c1(k[t][W +: CW]), .first_step(t == 0),
                .u_old(t == 0 ? $signed({MB{1'b0}}) : u_step[t == 0 ? 0 : t - 1]), .threshold(k[t][0 +: W]),
                .out_valid(valid[t]), .u_new(u_step[t]), .spike(spike_step[t]));
            if (t < T - 1) begin : pass
                bwsnn_delay #(.W(KW), .D(LAT)) next (.clk(clk), .d(k[t]), .q(k[t + 1]));
            end
            // align every step's spike with the last step's output
            bwsnn_delay #(.W(1), .D(LAT * (T - 1 - t))) align (.clk(clk), .d(spike_step[t]), .q(spikes[t]));
        end
    endgenerate
    bwsnn_delay #(.W(TAGW), .D(ENTRY + LAT * T)) tag_d (.clk(clk), .d(tag), .q(tag_out));
    assign out_valid = valid[T-1];
    assign u = 32'(u_step[T-1]);
endmodule
`default_nettype wire
