# bwsnn overlay: Zynq PS (PS7 on Zynq-7000 / PS8 on Zynq UltraScale+, board preset) + AXI DMA + the bwsnn
# accelerator on the PS's first fabric clock -> .bit + .hwh. Written for Vivado 2022.1 (PYNQ 3.0's toolchain:
# processing_system7 5.5, zynq_ultra_ps_e 3.4, axi_dma 7.1).
#
#   vivado -mode batch -source hw/vivado/build.tcl -tclargs board=FILE key=value ...
#     board=FILE     the board's variables (part, ps, board_part, fclk_mhz): python -m bwsnn.boards tcl NAME
#                    (bwsnn/boards.json, the one record of each board; hw/vivado/build.sh target=NAME writes it)
#     kind=rtl|hls   rtl: package hw/rtl (+ generated params) as IP; hls: use an exported HLS IP
#     params=DIR     (rtl) hw.gen output: bwsnn.design.json, bwsnn_params.vh, bwsnn_chain.vh, bwsnn_regmap.vh, *.mem
#     ip_repo=DIR    (hls) IP repository holding the HLS IP
#     vlnv=V         (hls) the HLS IP's vendor:library:name:version
#     s_axil=NAME s_axis=NAME m_axis=NAME clk=NAME rst=NAME   accelerator interface/pin names (rtl defaults
#                    below); s_axil= (empty) for an accelerator without AXI-Lite, such as the HLS one
#     out=DIR        project and results (default build/hw/vivado); jobs=N (default 2)
#     deliver=DIR    also copy them to DIR/<PYNQ board name>/, the folder the board wheel ships and
#                    host.bitstreams.find picks by pynq.Device.active_device.name (build.sh: host/bitstreams)
# Writes OUT/bwsnn.bit and OUT/bwsnn.hwh (the names PYNQ's Overlay("bwsnn.bit") expects side by side) and, for
# kind=rtl, OUT/bwsnn.design.json: the design record the RTL was generated from (its hash is the DESIGN_ID
# register; the host packs the parameter image from it).

set vivado_version 2022.1
set here      [file dirname [file normalize [info script]]]
array set opt [list board "" kind rtl params "" ip_repo "" vlnv "" out build/hw/vivado jobs 2 deliver "" \
                    s_axil s_axil s_axis s_axis m_axis m_axis clk clk rst rst_n]
foreach arg $argv {
    set kv [split $arg =]
    if {[llength $kv] != 2 || ![info exists opt([lindex $kv 0])]} {
        error "bad argument '$arg': expected one of [lsort [array names opt]] as key=value"
    }
    set opt([lindex $kv 0]) [lindex $kv 1]
}
if {$opt(board) eq ""} { error "board=FILE is required (python -m bwsnn.boards tcl NAME > FILE)" }
source $opt(board)
# the board preset (DDR, MIO, clocks of the PS) comes from the board files: without them the design would be
# wrong, so stop before any work
set installed [lsort -dictionary [lsearch -all -inline -glob [get_board_parts -quiet] "$board_part:*"]]
if {$board_part eq "" || $installed eq ""} {
    puts stderr "error: no Vivado board files for $board_name (board part '$board_part:*'): install them\
(Vivado $vivado_version: Tools > Vivado Store > Boards, or set_param board.repoPaths) and rerun"
    exit 1
}
set board [lindex $installed end]
set out [file normalize $opt(out)]
file mkdir $out

# ---------------------------------------------------------------- the accelerator IP
if {$opt(kind) eq "rtl"} {
    if {$opt(params) eq ""} { error "kind=rtl needs params=DIR (python -m hw.gen ARTIFACT DIR)" }
    set params [file normalize $opt(params)]
    if {![file exists $params/bwsnn.design.json]} {
        error "$params/bwsnn.design.json: no design record (python -m hw.gen ARTIFACT DIR writes it with the headers)"
    }
    set ip_repo $out/ip
    create_project -force pkg $out/pkg -part $part
    add_files [glob $here/../rtl/*.v]
    add_files [glob $params/*.vh]
    add_files [glob $params/*.mem]
    set_property file_type SystemVerilog [get_files *.v]  ;# size casts (32'(x)) are SystemVerilog
    set_property file_type {Verilog Header} [get_files *.vh]
    set_property include_dirs [list $params] [current_fileset]
    set_property top bwsnn_top [current_fileset]
    update_compile_order -fileset sources_1
    ipx::package_project -root_dir $ip_repo -vendor bwsnn -library accel -taxonomy /UserIP -import_files \
        -set_current true
    set core [ipx::current_core]
    # AXI4-Lite / AXI4-Stream interfaces are inferred from the s_axil_ / s_axis_ / m_axis_ prefixes
    foreach busif [list $opt(s_axil) $opt(s_axis) $opt(m_axis)] {
        ipx::associate_bus_interfaces -busif $busif -clock $opt(clk) $core
    }
    set_property core_revision 1 $core
    ipx::create_xgui_files $core
    ipx::update_checksums $core
    ipx::save_core $core
    close_project
    set vlnv bwsnn:accel:bwsnn_top:1.0
} elseif {$opt(kind) eq "hls"} {
    if {$opt(ip_repo) eq "" || $opt(vlnv) eq ""} { error "kind=hls needs ip_repo=DIR and vlnv=V" }
    set ip_repo [file normalize $opt(ip_repo)]
    set vlnv $opt(vlnv)
} else {
    error "kind must be rtl or hls, got '$opt(kind)'"
}

# ---------------------------------------------------------------- block design
create_project -force bwsnn $out/proj -part $part
set_property board_part $board [current_project]
set_property ip_repo_paths [list $ip_repo] [current_project]
update_ip_catalog
create_bd_design bwsnn

# the PS: its general-purpose master drives the AXI-Lite slaves, the DMA masters write through a high-performance
# slave port, and its first fabric clock clocks everything
if {$ps eq "ps7"} {
    set ps_cell [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:5.5 ps7]
    apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
        -config {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"} $ps_cell
    set_property -dict [list CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $fclk_mhz CONFIG.PCW_USE_M_AXI_GP0 {1} \
                            CONFIG.PCW_USE_S_AXI_HP0 {1}] $ps_cell
    set fclk ps7/FCLK_CLK0
    set ps_master /ps7/M_AXI_GP0
    set ps_slave /ps7/S_AXI_HP0
} elseif {$ps eq "ps8"} {
    set ps_cell [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e:3.4 ps8]
    apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps_cell
    # HPM0_FPD only (the presets also enable HPM1_FPD / HPM0_LPD, whose clocks would stay unconnected), HP0_FPD
    set_property -dict [list CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $fclk_mhz CONFIG.PSU__USE__M_AXI_GP0 {1} \
                            CONFIG.PSU__USE__M_AXI_GP1 {0} CONFIG.PSU__USE__M_AXI_GP2 {0} \
                            CONFIG.PSU__USE__S_AXI_GP2 {1}] $ps_cell
    set fclk ps8/pl_clk0
    set ps_master /ps8/M_AXI_HPM0_FPD
    set ps_slave /ps8/S_AXI_HP0_FPD
} else {
    error "$opt(board): ps must be ps7 or ps8, got '$ps'"
}

set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 dma]
# simple mode (no scatter-gather), 64-bit images in, 32-bit results out, 23-bit length (8 MB transfers; the
# host sizes its transfers from the .hwh's value). Each memory-map side is at least as wide as its stream
# (PG022: the MM2S stream must not be wider than its memory map; the default memory map is 32 bits)
set_property -dict [list CONFIG.c_include_sg {0} CONFIG.c_sg_include_stscntrl_strm {0} \
                        CONFIG.c_sg_length_width {23} \
                        CONFIG.c_m_axi_mm2s_data_width {64} CONFIG.c_m_axis_mm2s_tdata_width {64} \
                        CONFIG.c_m_axi_s2mm_data_width {32} CONFIG.c_s_axis_s2mm_tdata_width {32} \
                        CONFIG.c_mm2s_burst_size {16} CONFIG.c_s2mm_burst_size {16}] $dma

set accel [create_bd_cell -type ip -vlnv $vlnv bwsnn_0]
connect_bd_intf_net [get_bd_intf_pins dma/M_AXIS_MM2S] [get_bd_intf_pins bwsnn_0/$opt(s_axis)]
connect_bd_intf_net [get_bd_intf_pins bwsnn_0/$opt(m_axis)] [get_bd_intf_pins dma/S_AXIS_S2MM]

set lite_slaves [list dma/S_AXI_LITE]
if {$opt(s_axil) ne ""} { lappend lite_slaves bwsnn_0/$opt(s_axil) }
foreach slave $lite_slaves {
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
        -config [list Master $ps_master Clk_master /$fclk Clk_slave /$fclk Clk_xbar /$fclk] \
        [get_bd_intf_pins $slave]
}
foreach master {dma/M_AXI_MM2S dma/M_AXI_S2MM} {
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
        -config [list Slave $ps_slave Clk_master /$fclk Clk_slave /$fclk Clk_xbar /$fclk] \
        [get_bd_intf_pins $master]
}
# the accelerator's clock/reset: the fabric clock and the interconnect's active-low peripheral reset
if {[llength [get_bd_nets -quiet -of_objects [get_bd_pins bwsnn_0/$opt(clk)]]] == 0} {
    connect_bd_net [get_bd_pins $fclk] [get_bd_pins bwsnn_0/$opt(clk)]
}
set rst_pin [get_bd_pins -quiet bwsnn_0/$opt(rst)]
if {$rst_pin ne "" && [llength [get_bd_nets -quiet -of_objects $rst_pin]] == 0} {
    connect_bd_net [get_bd_pins -of_objects [get_bd_cells -filter {VLNV =~ *proc_sys_reset*}] \
                        -filter {NAME == peripheral_aresetn}] $rst_pin
}
assign_bd_address
validate_bd_design
save_bd_design

set bd [get_files bwsnn.bd]
make_wrapper -files $bd -top
add_files -norecurse [glob [file dirname $bd]/hdl/bwsnn_wrapper.v]
set_property top bwsnn_wrapper [current_fileset]
update_compile_order -fileset sources_1

# ---------------------------------------------------------------- synthesis, implementation, bitstream
launch_runs synth_1 -jobs $opt(jobs)
wait_on_run synth_1
launch_runs impl_1 -to_step write_bitstream -jobs $opt(jobs)
wait_on_run impl_1
if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} { error "implementation failed: see $out/proj" }
open_run impl_1
report_utilization -file $out/utilization.rpt
report_timing_summary -file $out/timing.rpt
file copy -force [glob $out/proj/bwsnn.runs/impl_1/*.bit] $out/bwsnn.bit
file copy -force [lindex [glob $out/proj/bwsnn.*/sources_1/bd/bwsnn/hw_handoff/bwsnn.hwh] 0] $out/bwsnn.hwh
set written {bwsnn.bit bwsnn.hwh}
if {$opt(kind) eq "rtl"} {
    file copy -force $params/bwsnn.design.json $out/bwsnn.design.json
    lappend written bwsnn.design.json
}
puts "bwsnn: wrote [join [lmap f $written {string cat $out/ $f}] {, }]"
if {$opt(deliver) ne ""} {
    set to [file normalize $opt(deliver)]/$pynq_board
    file mkdir $to
    foreach f $written { file copy -force $out/$f $to/$f }
    puts "bwsnn: delivered them to $to"
}
