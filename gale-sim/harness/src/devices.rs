//! Scenario devices -> sensor models attached to a machine's bus controllers.

use crate::models::{self, Attachment};
use gale_models::bus::Source;
use gale_models::fault::FaultSchedule;
use gale_models::sensors::uart_wire::{UartWire, WireTx};
use gale_models::sensors::{bmp388::Bmp388, heartbeat::HeartbeatSource, icm42688, ublox};
use gale_platform::Platform;
use gale_scenario::{DeviceDef, DeviceKind, Diagnostic, FaultDef, FaultedSignal, Scenario, Signal};
use std::collections::BTreeMap;

/// The sending end of a UART wire between machines: the runner copies the
/// bytes `machine` transmits on `port` into `tx`.
pub struct Feed {
    pub machine: String,
    pub port: String,
    pub tx: WireTx,
}

/// Attachments by bus controller (peripheral name).
pub type ByBus = BTreeMap<String, Vec<Attachment>>;

/// The devices of `machine`, grouped by the bus controller (peripheral
/// name) they attach to, and the feeds of the wires that end on it. Errors
/// point at the scenario line.
pub fn attachments(
    s: &Scenario,
    machine: &str,
    platform: &Platform,
) -> Result<(ByBus, Vec<Feed>), Diagnostic> {
    let mut out: ByBus = BTreeMap::new();
    let mut feeds = Vec::new();
    for (name, d) in &s.def.devices {
        if s.resolve_machine(d.machine.as_deref()) != Some(machine) {
            continue;
        }
        let bus = platform.peripheral(&d.bus).ok_or_else(|| {
            let buses: Vec<&str> = platform
                .peripherals
                .iter()
                .filter(|p| p.model.as_deref().and_then(models::bus_kind) == Some(d.kind.bus()))
                .map(|p| p.name.as_str())
                .collect();
            s.error_at(
                &["devices", name, "bus"],
                format!("board `{}` has no peripheral `{}`", platform.name, d.bus),
            )
            .with_help(format!(
                "{} buses on this board: {}",
                kind_word(d),
                buses.join(", ")
            ))
        })?;
        let kind = bus.model.as_deref().and_then(models::bus_kind);
        if kind != Some(d.kind.bus()) {
            return Err(s
                .error_at(
                    &["devices", name, "bus"],
                    format!(
                        "{} is not a {} bus controller with a behavioural model",
                        bus.name,
                        kind_word(d)
                    ),
                )
                .with_help(format!(
                    "attach {} devices to a {} controller",
                    d.kind.id(),
                    kind_word(d)
                )));
        }
        let attachment = match (d.kind, d.link_source()) {
            (DeviceKind::UartLink, Some((from, port))) => {
                let (wire, tx) = UartWire::new(d.baud.unwrap_or(115_200), bus_faults(s, name));
                feeds.push(Feed {
                    machine: from.to_string(),
                    port: port.to_string(),
                    tx,
                });
                Attachment::Uart(Box::new(wire))
            }
            _ => build(s, name, d),
        };
        out.entry(bus.name.clone()).or_default().push(attachment);
    }
    Ok((out, feeds))
}

/// Checks that every `uart_link`'s transmitting end is a UART of its machine.
pub fn check_links(s: &Scenario, platforms: &BTreeMap<&str, &Platform>) -> Result<(), Diagnostic> {
    for (name, d) in &s.def.devices {
        let Some((from, port)) = d.link_source() else {
            continue;
        };
        let Some(p) = platforms.get(from) else {
            continue;
        };
        let is_uart = p
            .peripheral(port)
            .and_then(|per| per.model.as_deref())
            .and_then(models::bus_kind)
            == Some(gale_scenario::BusKind::Uart);
        if !is_uart {
            let uarts: Vec<&str> = p
                .peripherals
                .iter()
                .filter(|per| {
                    per.model.as_deref().and_then(models::bus_kind)
                        == Some(gale_scenario::BusKind::Uart)
                })
                .map(|per| per.name.as_str())
                .collect();
            return Err(s
                .error_at(
                    &["devices", name, "from"],
                    format!(
                        "`{port}` is not a UART of machine `{from}` (board `{}`)",
                        p.name
                    ),
                )
                .with_help(format!("UARTs on that board: {}", uarts.join(", "))));
        }
    }
    Ok(())
}

fn kind_word(d: &DeviceDef) -> &'static str {
    match d.kind.bus() {
        gale_scenario::BusKind::Spi => "SPI",
        gale_scenario::BusKind::I2c => "I2C",
        gale_scenario::BusKind::Uart => "UART",
    }
}

/// One input as a model source: the scenario's signal (or the input's
/// default) with the value faults aimed at it applied.
fn input(s: &Scenario, device: &str, d: &DeviceDef, input: &str) -> Box<dyn Source> {
    let default = d
        .kind
        .inputs()
        .iter()
        .find(|i| i.name == input)
        .map(|i| i.default)
        .unwrap_or(0.0);
    let base = d
        .signals
        .get(input)
        .cloned()
        .unwrap_or(Signal::Constant(default));
    let faults: Vec<&FaultDef> = s
        .def
        .faults
        .iter()
        .filter(|f| {
            f.is_value_fault() && f.device() == device && f.signal().is_none_or(|sig| sig == input)
        })
        .collect();
    Box::new(FaultedSignal::new(base, &faults))
}

fn bus_faults(s: &Scenario, device: &str) -> FaultSchedule {
    FaultSchedule::new(
        s.def
            .faults
            .iter()
            .filter(|f| f.device() == device)
            .filter_map(FaultDef::bus_fault)
            .collect(),
    )
}

fn build(s: &Scenario, name: &str, d: &DeviceDef) -> Attachment {
    let i = |n: &str| input(s, name, d, n);
    let faults = bus_faults(s, name);
    match d.kind {
        DeviceKind::Icm42688 => {
            let inputs = icm42688::ImuInputs {
                accel: [i("accel_x"), i("accel_y"), i("accel_z")],
                gyro: [i("gyro_x"), i("gyro_y"), i("gyro_z")],
                temp: i("temperature"),
            };
            Attachment::Spi {
                cs: d.cs.unwrap_or(0),
                dev: Box::new(icm42688::Icm42688::new(inputs, faults)),
            }
        }
        DeviceKind::Bmp388 => Attachment::I2c {
            addr: d.address.unwrap_or(0x76),
            dev: Box::new(Bmp388::new(i("pressure"), i("temperature"), faults)),
        },
        DeviceKind::Ublox => {
            let inputs = ublox::GnssInputs {
                lat_deg: i("lat"),
                lon_deg: i("lon"),
                height_m: i("height"),
                vel_ned: [i("vel_n"), i("vel_e"), i("vel_d")],
            };
            let mut config = ublox::UbloxConfig::default();
            if let Some(b) = d.baud {
                config.baud = b;
            }
            if let Some(r) = d.rate_hz {
                config.rate_hz = r as f64;
            }
            if let Some(f) = d.fix_type {
                config.fix_type = f;
            }
            if let Some(n) = d.num_sv {
                config.num_sv = n;
            }
            if d.ready_after.0 > 0 {
                config.first_epoch = d.ready_after.0;
            }
            Attachment::Uart(Box::new(ublox::Ublox::new(inputs, config, faults)))
        }
        // Built by `attachments`, which also needs the feed.
        DeviceKind::UartLink => {
            Attachment::Uart(Box::new(UartWire::new(d.baud.unwrap_or(115_200), faults).0))
        }
        DeviceKind::Heartbeat => Attachment::Uart(Box::new(HeartbeatSource::new(
            d.state.unwrap_or(1),
            d.vote.unwrap_or(0),
            d.baud.unwrap_or(115_200),
            d.rate_hz.unwrap_or(10) as f64,
            d.ready_after.0,
            faults,
        ))),
    }
}
