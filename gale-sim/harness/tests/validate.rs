//! `runner::resolve` (what `sim check` and `run` both call) rejects names
//! the machines' platforms do not have, located and with the choices.
//! Each case was accepted by `sim check` before `harness/src/validate.rs`.

use gale_harness::runner::{self, Context, RunError};
use gale_scenario::{Diagnostic, Scenario};
use std::path::Path;

fn ctx() -> Context {
    Context::new(runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("project root"))
}

const FMU: &str = "machines:
  fmu: { board: rt1176-cm7, image: fmu-m7 }
devices:
  imu0: { type: icm42688, bus: LPSPI1, cs: 0 }
  baro: { type: bmp388, bus: LPI2C1, address: 0x76 }
  gnss: { type: ublox, bus: LPUART7 }
time_limit: 300ms
expect:
  - uart: { port: LPUART1, line: 'boot' }
  - telemetry: { port: LPUART1, field: vote, value: 0, from: 50ms }
  - gpio: { pin: GPIO3.4, level: high, by: 100ms }
";

// Diagnostic is large; this is a test helper.
#[allow(clippy::result_large_err)]
fn resolve(text: &str) -> Result<(), Diagnostic> {
    let ctx = ctx();
    let path = ctx.root.join("scenarios/inline.yaml");
    let s = Scenario::parse(&path, text.to_string())?;
    match runner::resolve(&ctx, &s) {
        Ok(_) => Ok(()),
        Err(RunError::Scenario(d)) => Err(*d),
        Err(RunError::Other(e)) => panic!("not a scenario error: {e:#}"),
    }
}

fn err(text: &str) -> Diagnostic {
    resolve(text).expect_err("expected a located error")
}

fn at(d: &Diagnostic, line: usize) {
    assert_eq!(d.line, Some(line), "{d}");
    assert!(d.column.is_some(), "{d}");
}

#[test]
fn the_base_scenario_resolves() {
    resolve(FMU).unwrap();
}

#[test]
fn gpio_pin_missing_on_the_board() {
    for pin in ["PZ99", "PC9", "GPIO3.32", "GPIO99.1"] {
        let d = err(&FMU.replace("GPIO3.4", pin));
        at(&d, 11);
        assert!(d.message.contains(&format!("no pin `{pin}`")), "{d}");
        let help = d.help.as_deref().unwrap();
        assert!(help.contains("GPIO3.0..GPIO3.31"), "{d}");
    }
}

#[test]
fn stm32_pins_and_timer_channels_resolve() {
    let gust = "machines:\n  gust: { board: stm32f100, image: gust-f100 }\ntime_limit: 5ms\nexpect:\n  - gpio: { pin: PC9, level: high, at: 1ms }\n  - gpio: { pin: TIM3.CH1, level: high, at: 1ms }\n";
    resolve(gust).unwrap();
    let d = err(&gust.replace("PC9", "PC16"));
    assert!(d.help.as_deref().unwrap().contains("PC0..PC15"), "{d}");
}

#[test]
fn uart_and_telemetry_ports_missing_on_the_board() {
    let d = err(&FMU.replace("port: LPUART1, line", "port: LPUART13, line"));
    at(&d, 9);
    assert!(d.message.contains("no UART `LPUART13`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("LPUART1,"), "{d}");
    let d = err(&FMU.replace("port: LPUART1, field", "port: LPUART13, field"));
    at(&d, 10);
    let d = err(&FMU.replace("port: LPUART1, field", "port: lpuart1, field"));
    assert!(d.message.contains("did you mean `LPUART1`"), "{d}");
}

#[test]
fn device_bus_missing_or_of_the_wrong_kind() {
    let d = err(&FMU.replace("bus: LPI2C1", "bus: LPI2C9"));
    at(&d, 5);
    assert!(d.message.contains("no peripheral `LPI2C9`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("LPI2C1"), "{d}");
    let d = err(&FMU.replace("bus: LPI2C1", "bus: I2C1"));
    at(&d, 5);
    let d = err(&FMU.replace("bus: LPI2C1", "bus: LPSPI2"));
    assert!(
        d.message.contains("not a I2C bus controller") || d.message.contains("not an I2C"),
        "{d}"
    );
}

#[test]
fn uart_link_from_a_port_that_does_not_exist() {
    let two = "machines:
  fmu: { board: rt1176-cm7, image: fmu-m7 }
  gust: { board: stm32f100, image: gust-f100 }
devices:
  hb: { type: uart_link, machine: gust, bus: USART2, from: fmu.LPUART22 }
time_limit: 5ms
";
    let d = err(two);
    at(&d, 5);
    assert!(d.message.contains("LPUART22"), "{d}");
    resolve(&two.replace("LPUART22", "LPUART2")).unwrap();
}

#[test]
fn chip_across_socs_is_found_by_check() {
    let d = err("machines:
  fmu: { board: rt1176-cm7, image: fmu-m7 }
  gust: { board: stm32f100, image: gust-f100, chip: fmu }
time_limit: 5ms
");
    at(&d, 3);
    assert!(d.message.contains("not cores of one chip"), "{d}");
}

#[test]
fn two_devices_on_one_chip_select_or_address() {
    let d = err(&FMU.replace(
        "  baro:",
        "  imu1: { type: icm42688, bus: LPSPI1, cs: 0 }\n  baro:",
    ));
    at(&d, 5);
    assert!(
        d.message.contains("both use chip select 0 of fmu/LPSPI1"),
        "{d}"
    );
    let d = err(&FMU.replace(
        "  gnss:",
        "  baro2: { type: bmp388, bus: LPI2C1, address: 0x76 }\n  gnss:",
    ));
    at(&d, 6);
    assert!(d.message.contains("I2C address 0x76"), "{d}");
    // The same address on another bus is fine.
    resolve(&FMU.replace(
        "  gnss:",
        "  baro2: { type: bmp388, bus: LPI2C2, address: 0x76 }\n  gnss:",
    ))
    .unwrap();
}
