//! Image sizes from ELF segments agree with the ELF's own section sizes,
//! and gust-f100 meets its size goal.

use gale_harness::{images::Image, runner, size};
use object::{Object, ObjectSection, SectionFlags};
use std::path::Path;

#[test]
fn gust_size_matches_its_sections_and_meets_the_goal() {
    let root = runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let image = Image::load(&root, "gust-f100").unwrap();
    let bytes = std::fs::read(image.build(&root).unwrap()).unwrap();
    let platform = gale_platform::Platform::load(&root, &image.platform).unwrap();
    let u = size::measure(&bytes, &platform).unwrap();

    // Independent count: allocated sections with contents (flash image) and
    // allocated sections placed in SRAM (0x2000_0000..).
    let file = object::File::parse(&*bytes).unwrap();
    let (mut flash, mut ram) = (0u64, 0u64);
    for s in file.sections() {
        let SectionFlags::Elf { sh_flags } = s.flags() else {
            continue;
        };
        if sh_flags & u64::from(object::elf::SHF_ALLOC) == 0 {
            continue;
        }
        let has_bits = s.file_range().is_some();
        if s.address() >= 0x2000_0000 {
            ram += s.size();
        }
        if has_bits {
            flash += s.size();
        }
    }
    assert_eq!(u.ram, ram, "{u:?}");
    // Segments may pad between sections; never by more than alignment.
    assert!(
        u.flash >= flash && u.flash - flash < 64,
        "segments {u:?}, sections flash {flash}"
    );
    let goal = size::goal("gust-f100").unwrap();
    assert!(
        u.flash <= goal.flash && u.ram <= goal.ram,
        "{u:?} exceeds {goal:?}"
    );
}
