//! Links with the board's memory.x (see its comments for the layout).
fn main() {
    gale_build_support::link(include_bytes!("memory.x"), &["defmt.x"]);
}
