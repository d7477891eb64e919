// One neuron's T membrane updates in step order: T LIF units (bwsnn_lif, LAT stages each) in a chain, the
// membrane of step t feeding step t + 1; one neuron may enter every cycle. The membrane starts at 0 (step 0
// ignores u_old). Out after LAT T cycles: the neuron's spike at every step and its membrane after the last.
// The layer's configuration and widths are parameters (bwsnn_lif). The valid bit goes from unit to unit (each
// one's out_valid is the next one's in_valid, aligned with the delayed bundle), so the units' reset clears the
// whole chain's.
`default_nettype none
module bwsnn_lif_chain #(
    parameter integer T       = 2,
    parameter integer ZW      = 32,
    parameter integer FRAC    = 0,
    parameter integer LEAK    = 0,
    parameter integer MB      = 32,
    parameter integer SOFT    = 0,
    parameter integer SPIKING = 1
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire [T*ZW-1:0]    z,          // synaptic sum of step t in bits ZW t +: ZW
    input  wire [T-1:0]       skip,       // shortcut spike at step t
    input  wire [31:0]        bias,
    input  wire [31:0]        threshold,
    input  wire [31:0]        skip_gain,
    output wire               out_valid,
    output wire [T-1:0]       spikes,
    output wire signed [31:0] u           // sign-extended from MB bits
);
    localparam integer LAT = 10;  // bwsnn_lif's latency
    localparam integer BW = T * ZW + T + 96;
    wire [BW-1:0] bundle [0:T-1];  // what step t's unit needs, delayed by LAT t
    wire [T-1:0]  valid;
    wire signed [MB-1:0] u_step [0:T-1];
    wire [T-1:0]  spike_step;
    assign bundle[0] = {z, skip, bias, threshold, skip_gain};

    genvar t;
    generate
        for (t = 0; t < T; t = t + 1) begin : step
            /* verilator lint_off UNUSEDSIGNAL */  // each step uses its own z and skip bit of the bundle
            wire [BW-1:0] b = bundle[t];
            /* verilator lint_on UNUSEDSIGNAL */
            bwsnn_lif #(.ZW(ZW), .FRAC(FRAC), .LEAK(LEAK), .MB(MB), .SOFT(SOFT), .SPIKING(SPIKING)) lif (
                .clk(clk), .rst(rst), .in_valid(t == 0 ? in_valid : valid[t == 0 ? 0 : t - 1]),
                .z(b[96 + T + ZW*t +: ZW]), .bias(b[64 +: 32]),
                .skip_spike(b[96 + t]), .skip_gain(b[0 +: 32]), .first_step(t == 0),
                .u_old(t == 0 ? $signed({MB{1'b0}}) : u_step[t == 0 ? 0 : t - 1]), .threshold(b[32 +: 32]),
                .out_valid(valid[t]), .u_new(u_step[t]), .spike(spike_step[t]));
            if (t < T - 1) begin : pass
                bwsnn_delay #(.W(BW), .D(LAT)) next (.clk(clk), .d(b), .q(bundle[t + 1]));
            end
            // align every step's spike with the last step's output
            bwsnn_delay #(.W(1), .D(LAT * (T - 1 - t))) align (.clk(clk), .d(spike_step[t]), .q(spikes[t]));
        end
    endgenerate
    assign out_valid = valid[T-1];
    assign u = 32'(u_step[T-1]);
endmodule
`default_nettype wire
