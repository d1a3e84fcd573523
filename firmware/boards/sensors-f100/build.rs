//! Links with the STM32F100 memory.x.
fn main() {
    gale_build_support::link(include_bytes!("memory.x"), &[]);
}
