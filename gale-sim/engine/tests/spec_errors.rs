//! Bad machine descriptions and ELFs give errors that say what to fix.

mod support;

use gale_engine::{EngineError, Limits, Machine, MappedPeripheral, MemoryRegion};
use gale_models::stm32::usart::Usart;
use support::{image, Board};

#[test]
fn misaligned_memory_is_rejected_by_name() {
    let mut spec = Board::An385.spec("m");
    spec.memories.push(MemoryRegion {
        name: "odd".into(),
        base: 0x6000_0100,
        size: 0x1000,
        writable: true,
        executable: false,
        shared: None,
        aliases: vec![],
    });
    let e = Machine::new(spec).err().expect("must fail");
    let msg = e.to_string();
    assert!(
        matches!(e, EngineError::BadSpec { .. }) && msg.contains("`odd`") && msg.contains("4 KiB"),
        "{msg}"
    );
}

#[test]
fn peripheral_over_memory_or_the_scs_is_rejected() {
    let mut spec = Board::An385.spec("m");
    spec.peripherals.push(MappedPeripheral {
        base: 0x2000_0000,
        model: Box::new(Usart::new("USART1", None)),
    });
    let msg = Machine::new(spec).err().expect("must fail").to_string();
    assert!(msg.contains("overlaps") && msg.contains("ssram23"), "{msg}");
    let mut spec = Board::An385.spec("m");
    spec.peripherals.push(MappedPeripheral {
        base: 0xe000_ed00,
        model: Box::new(Usart::new("USART1", None)),
    });
    let msg = Machine::new(spec).err().expect("must fail").to_string();
    assert!(msg.contains("System Control Space"), "{msg}");
}

#[test]
fn elf_that_does_not_fit_names_the_segment() {
    let mut spec = Board::An385.spec("m");
    spec.memories.retain(|m| m.name != "ssram1");
    spec.memories.push(MemoryRegion {
        name: "elsewhere".into(),
        base: 0x10_0000,
        size: 0x1000,
        writable: false,
        executable: true,
        shared: None,
        aliases: vec![],
    });
    let mut m = Machine::new(spec).unwrap();
    let e = m
        .load_elf(&image(Board::An385, "busy"))
        .expect_err("must fail");
    let msg = e.to_string();
    assert!(
        matches!(e, EngineError::SegmentOutsideMemory { .. })
            && msg.contains("segment")
            && msg.contains("memory.x"),
        "{msg}"
    );
}

#[test]
fn garbage_is_not_an_elf_and_running_unloaded_is_an_error() {
    let mut m = Machine::new(Board::An385.spec("m")).unwrap();
    assert!(matches!(
        m.load_elf(b"\x7fELF but not really"),
        Err(EngineError::BadElf(_))
    ));
    assert!(matches!(
        m.run_until(1000, &Limits::NONE),
        Err(EngineError::NotLoaded(_))
    ));
}

#[test]
fn shared_memory_must_be_data_of_its_own_size() {
    let host = gale_engine::SharedMemory::new(0x2000).unwrap();
    for (writable, executable, size) in [
        (true, true, 0x2000),
        (false, false, 0x2000),
        (true, false, 0x1000),
    ] {
        let mut spec = Board::An385.spec("m");
        spec.memories.push(MemoryRegion {
            name: "ocram".into(),
            base: 0x6000_0000,
            size,
            writable,
            executable,
            shared: Some(host.clone()),
            aliases: vec![],
        });
        let msg = Machine::new(spec).err().expect("must fail").to_string();
        assert!(msg.contains("shared memory `ocram`"), "{msg}");
    }
    let mut spec = Board::An385.spec("m");
    spec.memories.push(MemoryRegion {
        name: "ocram".into(),
        base: 0x6000_0000,
        size: 0x2000,
        writable: true,
        executable: false,
        shared: Some(host),
        aliases: vec![],
    });
    Machine::new(spec).expect("writable, non-executable, same size");
}
