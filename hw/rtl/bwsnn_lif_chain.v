// One neuron's T membrane updates in step order: T LIF units (bwsnn_lif, LAT stages each) in a chain, the
// membrane of step t feeding step t + 1; one neuron may enter every cycle. The neuron's constants come as the
// parameter image holds them (c0 = bias, c1 = bias + gain clamped to CW bits, thr clamped to W bits:
// bwsnn.params.neuron_words; why that is exact: bwsnn_lif) and ride along the chain, LAT registers per unit
// (flip-flops, not shift-register LUTs: LAT < 3). The membrane starts at 0 (step 0 has no u_old). Out after
// LATENCY = LAT T cycles: the neuron's spike at every step, its membrane after the last, and the TAG it
// entered with (what the caller needs back with the neuron: one latency, here).
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
    parameter integer TAGW    = 1,
    parameter integer TAGGED  = 1,   // else tag_out is 0 (lanes that run in lockstep with a tagged one)
    parameter integer CW      = 32,  // the clamped constants (bwsnn_lif's)
    localparam integer W      = MB + 2
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire [T*ZW-1:0]    z,          // synaptic sum of step t in bits ZW t +: ZW
    input  wire [T-1:0]       skip,       // shortcut spike at step t
    input  wire [CW-1:0]      c0,         // clamped bias
    input  wire [CW-1:0]      c1,         // clamped bias + gain
    input  wire [W-1:0]       threshold,  // clamped to the signed MB+1-bit range
    /* verilator lint_off UNUSEDSIGNAL */  // TAGGED 0
    input  wire [TAGW-1:0]    tag,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire               out_valid,
    output wire [T-1:0]       spikes,
    output wire signed [31:0] u,          // sign-extended from MB bits
    output wire [TAGW-1:0]    tag_out
);
    localparam integer LAT = 2;      // bwsnn_lif's latency
    localparam integer KW = 2 * CW + W;  // the constants that ride along: c0, c1, thr

    wire [KW-1:0] k [0:T-1];  // step t's unit's constants, delayed by LAT t
    wire [T-1:0]  valid;
    wire signed [MB-1:0] u_step [0:T-1];
    wire [T-1:0]  spike_step;
    assign k[0] = {c0, c1, threshold};
    genvar t;
    generate
        for (t = 0; t < T; t = t + 1) begin : step
            wire [ZW-1:0] zt;  // step t's sum and skip spike, delayed to its unit
            wire          st;
            bwsnn_delay #(.W(ZW + 1), .D(LAT * t)) in_d (.clk(clk), .d({z[ZW*t +: ZW], skip[t]}), .q({zt, st}));
            bwsnn_lif #(.ZW(ZW), .FRAC(FRAC), .LEAK(LEAK), .MB(MB), .SOFT(SOFT), .SPIKING(SPIKING),
                        .FIRST(t == 0 ? 1 : 0), .CW(CW)) lif (
                .clk(clk), .rst(rst), .in_valid(t == 0 ? in_valid : valid[t == 0 ? 0 : t - 1]), .z(zt),
                .skip_spike(st), .c0(k[t][CW + W +: CW]), .c1(k[t][W +: CW]),
                .u_old(t == 0 ? $signed({MB{1'b0}}) : u_step[t == 0 ? 0 : t - 1]), .threshold(k[t][0 +: W]),
                .out_valid(valid[t]), .u_new(u_step[t]), .spike(spike_step[t]));
            if (t < T - 1) begin : pass
                bwsnn_delay #(.W(KW), .D(LAT)) next (.clk(clk), .d(k[t]), .q(k[t + 1]));
            end
            // align every step's spike with the last step's output
            bwsnn_delay #(.W(1), .D(LAT * (T - 1 - t))) align (.clk(clk), .d(spike_step[t]), .q(spikes[t]));
        end
        if (TAGGED != 0) begin : with_tag
            bwsnn_delay #(.W(TAGW), .D(LAT * T)) tag_d (.clk(clk), .d(tag), .q(tag_out));
        end else begin : no_tag
            assign tag_out = {TAGW{1'b0}};
        end
    endgenerate
    assign out_valid = valid[T-1];
    assign u = 32'(u_step[T-1]);
endmodule
`default_nettype wire
