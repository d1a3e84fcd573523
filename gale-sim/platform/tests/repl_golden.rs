//! Golden output of the generator on a small fixture chip, and the
//! structural checker of the `.repl` grammar we emit (which must reject
//! each kind of typo). The three real platforms are covered by the drift
//! test, which also runs the checker on them.

mod common;
use common::mini_ok;
use gale_platform::{repl, show};

#[test]
fn mini_repl_golden() {
    let p = mini_ok();
    insta::assert_snapshot!("mini_repl", repl::generate(&p));
    insta::assert_snapshot!("mini_resc", repl::generate_resc(&p));
    insta::assert_snapshot!("mini_memory_map", show::memory_map(&p));
    insta::assert_snapshot!("mini_timer_regs", show::registers(&p, "timer").unwrap());
}

#[test]
fn generated_repl_passes_the_checker() {
    let text = repl::generate(&mini_ok());
    assert_eq!(repl::check(&text), Ok(()));
}

/// Each (description, from, to) edit of the golden text must be rejected,
/// with an error that names the line.
#[test]
fn checker_rejects_typos() {
    let good = repl::generate(&mini_ok());
    let edits: &[(&str, &str, &str)] = &[
        (
            "8-space indent",
            "    size: 0x10000",
            "        size: 0x10000",
        ),
        ("tab indent", "    size: 0x10000", "\tsize: 0x10000"),
        (
            "missing @",
            "uart0: UART.NXP_LPUART @ sysbus",
            "uart0: UART.NXP_LPUART sysbus",
        ),
        (
            "lower-case hex",
            "@ sysbus 0x40003000",
            "@ sysbus 0x40003abc",
        ),
        ("short address", "@ sysbus 0x40003000", "@ sysbus 0x4000300"),
        ("bad range", "<0x40001000, +0x400>", "<0x40001000, 0x400>"),
        (
            "type without namespace",
            "Timers.STM32_Timer",
            "STM32_Timer",
        ),
        (
            "unknown Renode type",
            "Timers.STM32_Timer",
            "Timers.STM32_Timr",
        ),
        ("irq to unknown target", "-> nvic@7", "-> nvik@7"),
        ("irq without number", "-> nvic@7", "-> nvic@"),
        ("irq arrow typo", "IRQ -> nvic@5", "IRQ => nvic@5"),
        (
            "type renamed in Renode",
            "UART.NXP_LPUART @ sysbus <0x40001000",
            "UART.LowPower_UART @ sysbus <0x40001000",
        ),
        (
            "duplicate name",
            "uart1: UART.NXP_LPUART",
            "uart0: UART.NXP_LPUART",
        ),
        (
            "unquoted string",
            "cpuType: \"cortex-m4f\"",
            "cpuType: cortex-m4f",
        ),
        ("reference to nothing", "nvic: nvic", "nvic: nvicc"),
        ("trailing space", "size: 0x4000", "size: 0x4000 "),
        (
            "no nvic",
            "nvic: IRQControllers.NVIC",
            "nvicx: IRQControllers.NVIC",
        ),
    ];
    for (what, from, to) in edits {
        assert!(good.contains(from), "{what}: fixture text lacks `{from}`");
        let bad = good.replacen(from, to, 1);
        match repl::check(&bad) {
            Ok(()) => panic!("{what}: checker accepted\n{bad}"),
            Err(errors) => assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with("line ") || e.starts_with("no ")),
                "{what}: {errors:?}"
            ),
        }
    }
}

#[test]
fn renamed_type_names_the_current_one() {
    let bad = repl::generate(&mini_ok()).replace("UART.NXP_LPUART", "UART.LowPower_UART");
    let errors = repl::check(&bad).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("was renamed `UART.NXP_LPUART`")),
        "{errors:?}"
    );
}

#[test]
fn ambiguous_default_outputs_are_named() {
    assert_eq!(repl::output_name("SPI.STM32SPI", ""), "IRQ");
    assert_eq!(repl::output_name("SPI.STM32SPI", "Other"), "Other");
    assert_eq!(repl::output_name("UART.STM32_UART", ""), "");
    assert_eq!(repl::performance_in_mips(24_000_000), 24);
    assert_eq!(repl::performance_in_mips(996_000_000), 996);
    assert_eq!(repl::performance_in_mips(32_768), 1);
}

#[test]
fn mini_resolves_derived_dim_and_clusters() {
    let p = mini_ok();
    let u1 = p.peripheral("UART1").unwrap();
    assert_eq!((u1.base, u1.size), (0x4000_2000, 0x400));
    assert_eq!(
        u1.irqs.iter().map(|i| i.number).collect::<Vec<_>>(),
        vec![6]
    );
    let names: Vec<(&str, u32)> = u1
        .registers
        .iter()
        .map(|r| (r.name.as_str(), r.offset))
        .collect();
    assert_eq!(names, vec![("STAT", 0), ("DATA", 4), ("ID", 8)]);
    let stat = &u1.registers[0];
    assert_eq!(
        (stat.reset_value, stat.write_mask, stat.w1c_mask),
        (0xC0, 0x1, 0x8)
    );
    assert_eq!(u1.registers[1].size_bits, 16);
    let t = p.peripheral("TIMER").unwrap();
    let regs: Vec<(&str, u32, u32)> = t
        .registers
        .iter()
        .map(|r| (r.name.as_str(), r.offset, r.reset_value))
        .collect();
    assert_eq!(
        regs,
        vec![
            ("CMP0", 0x10, 0xFFFF),
            ("CMP1", 0x14, 0xFFFF),
            ("CMP2", 0x18, 0xFFFF),
            ("CMP3", 0x1C, 0xFFFF),
            ("CH0_CTRL", 0x40, 1),
            ("CH0_CNT", 0x44, 0),
            ("CH1_CTRL", 0x50, 1),
            ("CH1_CNT", 0x54, 0),
        ]
    );
    // UART0 has two interrupts; the optional second output is wired too.
    let r = p.peripheral("UART0").unwrap().renode.clone().unwrap();
    assert_eq!(
        r.irqs,
        vec![("IRQ".to_string(), 4), ("RxIRQ".to_string(), 5)]
    );
    assert_eq!(p.core.nvic_prio_bits, 3, "taken from the SVD <cpu>");
}
