//! Bit-band aliases (ARMv7-M B3.5): the `bitband` conformance image writes
//! and reads SRAM bits and RCC_APB2ENR bit 2 through their aliases, as
//! stm32f1xx-hal's `split()` does on the STM32F100. The M3 and M4 have
//! them; on the M7 an alias access is a BusFault.

mod support;

use gale_engine::{Limits, MappedPeripheral, StopReason};
use gale_models::svd_regs::{SvdRegister, SvdRegisters};
use gale_trace::EventKind;
use support::{image, run_engine_spec, Board};

const LIMITS: Limits = Limits {
    time: 1_000_000_000,
    instructions: 10_000_000,
};

/// An RCC at the STM32F100's address with APB2ENR (all bits writable).
fn rcc() -> MappedPeripheral {
    let apb2enr = SvdRegister {
        name: "APB2ENR".into(),
        offset: 0x18,
        size_bits: 32,
        reset_value: 0,
        readable: true,
        write_mask: u32::MAX,
        w1c_mask: 0,
    };
    MappedPeripheral {
        base: 0x4002_1000,
        model: Box::new(SvdRegisters::new("RCC", 0x400, [apb2enr])),
    }
}

fn register_accesses(trace: &gale_trace::Trace) -> Vec<(String, bool, u32)> {
    trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Reg { name, write, value } => Some((name.clone(), *write, *value)),
            _ => None,
        })
        .collect()
}

#[test]
fn m3_and_m4_alias_sram_and_peripheral_bits() {
    for board in [Board::An385, Board::An386] {
        let mut spec = board.spec("bitband");
        spec.peripherals.push(rcc());
        let run = run_engine_spec(spec, &image(board, "bitband"), LIMITS);
        assert_eq!(
            run.stop,
            StopReason::Exited { code: 0 },
            "{board:?}:\n{}",
            run.console
        );
        assert!(
            run.console.ends_with("PASSED\n") && !run.console.contains("FAIL"),
            "{board:?}:\n{}",
            run.console
        );
        // The alias write at 0x42420308 is a read-modify-write of the
        // register, traced as the register accesses it is.
        let regs = register_accesses(&run.trace);
        let wr = |v: u32| ("RCC.APB2ENR".to_string(), true, v);
        let rd = |v: u32| ("RCC.APB2ENR".to_string(), false, v);
        assert_eq!(
            &regs[..4],
            &[wr(1), rd(1), wr(5), rd(5)],
            "{board:?}: {regs:?}"
        );
    }
}

#[test]
fn m7_has_no_bit_band() {
    let run = run_engine_spec(
        Board::An500.spec("bitband"),
        &image(Board::An500, "bitband"),
        LIMITS,
    );
    let StopReason::Fault(r) = &run.stop else {
        panic!("expected a fault, got {:?}", run.stop)
    };
    assert!(r.what.contains("BusFault"), "{r}");
    assert!(
        r.address
            .is_some_and(|a| (0x2200_0000..0x2400_0000).contains(&a)),
        "{r}"
    );
    assert!(!run.console.contains("sram: alias"), "{}", run.console);
}
