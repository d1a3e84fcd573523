//! Names a scenario uses, resolved against its machines' platforms: device
//! buses and their kind, chip selects and I2C addresses in use twice, the
//! UARTs and pins expectations name, and `chip:` across SoCs. `sim check`
//! and `run` both go through [`names`] (from `runner::resolve`), so a
//! mistake is an error before anything is built, with the valid choices.

use crate::models::bus_kind;
use gale_platform::Platform;
use gale_scenario::{BusKind, DeviceDef, Diagnostic, Expect, Scenario};
use std::collections::BTreeMap;

/// Platforms by machine name.
pub type Platforms<'a> = BTreeMap<&'a str, &'a Platform>;

/// Checks every platform-dependent name in `s`.
pub fn names(s: &Scenario, platforms: &Platforms) -> Result<(), Diagnostic> {
    chips(s, platforms)?;
    devices(s, platforms)?;
    crate::devices::check_links(s, platforms)?;
    conflicts(s, platforms)?;
    expectations(s, platforms)
}

fn kind_word(k: BusKind) -> &'static str {
    match k {
        BusKind::Spi => "SPI",
        BusKind::I2c => "I2C",
        BusKind::Uart => "UART",
    }
}

/// The bus controllers of one kind on `p` (those with a behavioural model).
pub fn buses(p: &Platform, kind: BusKind) -> Vec<&str> {
    p.peripherals
        .iter()
        .filter(|per| per.model.as_deref().and_then(bus_kind) == Some(kind))
        .map(|per| per.name.as_str())
        .collect()
}

/// The pin names the trace can carry for `p`: `PA0`..`PA15` per STM32 GPIO
/// port, `GPIO3.0`..`GPIO3.31` per i.MX RT GPIO, `TIM3.CH1`..`CH4` per STM32
/// timer; as (peripheral, pin names).
pub fn pins(p: &Platform) -> Vec<(String, Vec<String>)> {
    p.peripherals
        .iter()
        .filter_map(|per| {
            let n = per.name.as_str();
            let names: Vec<String> = match per.model.as_deref()? {
                "stm32f1.gpio" => {
                    let port = n.chars().last()?;
                    (0..16).map(|i| format!("P{port}{i}")).collect()
                }
                "imxrt.gpio" => (0..32).map(|i| format!("{n}.{i}")).collect(),
                "stm32f1.tim" => (1..=4).map(|i| format!("{n}.CH{i}")).collect(),
                _ => return None,
            };
            Some((n.to_string(), names))
        })
        .collect()
}

/// `pins` summarised for a help line: `PA0..PA15, PB0..PB15, TIM3.CH1..TIM3.CH4`.
fn pin_ranges(p: &Platform) -> String {
    pins(p)
        .iter()
        .filter_map(|(_, v)| Some(format!("{}..{}", v.first()?, v.last()?)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The machine a device or expectation is about (validation in the
/// scenario crate guarantees it resolves) and its platform.
fn platform_of<'a>(
    s: &'a Scenario,
    platforms: &Platforms<'a>,
    named: Option<&'a str>,
) -> Option<(&'a str, &'a Platform)> {
    let m = s.resolve_machine(named)?;
    platforms.get(m).map(|p| (m, *p))
}

fn chips(s: &Scenario, platforms: &Platforms) -> Result<(), Diagnostic> {
    for (name, m) in &s.def.machines {
        let Some(first) = m.chip.as_deref() else {
            continue;
        };
        let (Some(a), Some(b)) = (platforms.get(first), platforms.get(name.as_str())) else {
            continue;
        };
        let same = matches!((&a.soc, &b.soc), (Some(x), Some(y)) if x == y);
        if !same {
            let say =
                |p: &Platform| format!("`{}` ({})", p.name, p.soc.as_deref().unwrap_or("no soc"));
            let cores: Vec<&str> = platforms
                .iter()
                .filter(|(n, p)| **n != name && p.soc.is_some() && p.soc == b.soc)
                .map(|(n, _)| *n)
                .collect();
            return Err(s
                .error_at(
                    &["machines", name, "chip"],
                    format!(
                        "`{name}` cannot be another core of `{first}`: boards {} and {} are not cores of one chip",
                        say(b),
                        say(a)
                    ),
                )
                .with_help(if cores.is_empty() {
                    "only boards whose platforms name the same `soc` (rt1176-cm7 and rt1176-cm4) can share a chip; drop `chip:`".to_string()
                } else {
                    format!("machines of the same chip here: {}", cores.join(", "))
                }));
        }
    }
    Ok(())
}

fn devices(s: &Scenario, platforms: &Platforms) -> Result<(), Diagnostic> {
    for (name, d) in &s.def.devices {
        let Some((machine, p)) = platform_of(s, platforms, d.machine.as_deref()) else {
            continue;
        };
        let kind = d.kind.bus();
        let choices = buses(p, kind);
        let found = p.peripheral(&d.bus);
        let ok = found.is_some_and(|per| {
            per.name == d.bus && per.model.as_deref().and_then(bus_kind) == Some(kind)
        });
        if ok {
            continue;
        }
        let msg = match found {
            Some(per)
                if per.name != d.bus && per.model.as_deref().and_then(bus_kind) == Some(kind) =>
            {
                format!("no bus `{}` on machine `{machine}`: peripheral names are case-sensitive, did you mean `{}`?", d.bus, per.name)
            }
            Some(per) => format!(
                "`{}` on board `{}` is not a {} bus controller ({}), so a {} cannot sit on it",
                per.name,
                p.name,
                kind_word(kind),
                per.model.as_deref().unwrap_or("no behavioural model"),
                d.kind.id()
            ),
            None => format!(
                "board `{}` (machine `{machine}`) has no peripheral `{}`",
                p.name, d.bus
            ),
        };
        return Err(s
            .error_at(&["devices", name, "bus"], msg)
            .with_help(format!(
                "{} buses on board `{}`: {}",
                kind_word(kind),
                p.name,
                choices.join(", ")
            )));
    }
    Ok(())
}

/// The bus address a device takes on its bus: chip select, I2C address,
/// or the whole UART receive line.
fn slot(d: &DeviceDef) -> (&'static str, String) {
    match d.kind.bus() {
        BusKind::Spi => ("cs", format!("chip select {}", d.cs.unwrap_or(0))),
        BusKind::I2c => (
            "address",
            format!("I2C address {:#04x}", d.address.unwrap_or(0)),
        ),
        BusKind::Uart => ("bus", "receive line".to_string()),
    }
}

fn conflicts(s: &Scenario, platforms: &Platforms) -> Result<(), Diagnostic> {
    let mut taken: BTreeMap<(String, String, String), &str> = BTreeMap::new();
    for (name, d) in &s.def.devices {
        let Some((machine, p)) = platform_of(s, platforms, d.machine.as_deref()) else {
            continue;
        };
        let bus = p
            .peripheral(&d.bus)
            .map(|per| per.name.clone())
            .unwrap_or_else(|| d.bus.clone());
        let (key, what) = slot(d);
        let k = (machine.to_string(), bus.clone(), what.clone());
        if let Some(other) = taken.get(&k) {
            let help = match d.kind.bus() {
                BusKind::Spi => "give each SPI device its own `cs:` (0..3), or put it on another bus",
                BusKind::I2c => "give each I2C device its own `address:` (BMP388: 0x76 or 0x77), or put it on another bus",
                BusKind::Uart => "one device drives a UART's receive line: put the other on another UART",
            };
            return Err(s
                .error_at(
                    &["devices", name, key],
                    format!("`{name}` and `{other}` both use {what} of {machine}/{bus}"),
                )
                .with_help(help));
        }
        taken.insert(k, name);
    }
    Ok(())
}

fn expectations(s: &Scenario, platforms: &Platforms) -> Result<(), Diagnostic> {
    for (i, e) in s.def.expect.iter().enumerate() {
        let Some((machine, p)) = platform_of(s, platforms, e.machine()) else {
            continue;
        };
        let idx = i.to_string();
        let at = |k: &'static str| ["expect", idx.as_str(), e.kind(), k];
        match e {
            Expect::Uart(u) => port(s, &at("port"), machine, p, &u.port)?,
            Expect::Telemetry(t) => port(s, &at("port"), machine, p, &t.port)?,
            Expect::Gpio(g) if !pins(p).iter().any(|(_, v)| v.contains(&g.pin)) => {
                return Err(s
                    .error_at(
                        &at("pin"),
                        format!(
                            "board `{}` (machine `{machine}`) has no pin `{}`",
                            p.name, g.pin
                        ),
                    )
                    .with_help(format!("pins on this board: {}", pin_ranges(p))));
            }
            _ => {}
        }
    }
    Ok(())
}

fn port(
    s: &Scenario,
    at: &[&str],
    machine: &str,
    p: &Platform,
    name: &str,
) -> Result<(), Diagnostic> {
    let uarts = buses(p, BusKind::Uart);
    if uarts.contains(&name) {
        return Ok(());
    }
    let msg = match uarts.iter().find(|u| u.eq_ignore_ascii_case(name)) {
        Some(u) => format!("no UART `{name}` on machine `{machine}`: did you mean `{u}`? (names are case-sensitive)"),
        None => format!("board `{}` (machine `{machine}`) has no UART `{name}`", p.name),
    };
    Err(s
        .error_at(at, msg)
        .with_help(format!("UARTs on this board: {}", uarts.join(", "))))
}
