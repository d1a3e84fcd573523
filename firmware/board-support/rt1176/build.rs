//! defmt logs from `info` up.
fn main() {
    gale_build_support::defmt_log("info");
}
