//! Links with the board's memory.x (see its comments for the layout);
//! defmt logs from `info` up.
fn main() {
    gale_build_support::link(include_bytes!("memory.x"), &["defmt.x"]);
    gale_build_support::defmt_log("info");
}
