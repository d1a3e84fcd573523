//! Devices a scenario attaches to a machine's buses, and their inputs.

use crate::{Signal, Time};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The sensor models a scenario can attach.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// TDK ICM-42688-P 6-axis IMU on SPI.
    Icm42688,
    /// Bosch BMP388 barometer on I2C.
    Bmp388,
    /// u-blox GNSS receiver speaking UBX on a UART.
    Ublox,
    /// The flight core's heartbeat frames on a UART (stands in for the
    /// flight core when the failsafe node runs alone).
    Heartbeat,
    /// A UART wire from another machine's transmitter (`from: fmu.LPUART2`)
    /// to this device's bus: several machines in one scenario.
    UartLink,
}

/// Which kind of bus a device sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusKind {
    Spi,
    I2c,
    Uart,
}

impl DeviceKind {
    pub fn id(self) -> &'static str {
        match self {
            DeviceKind::Icm42688 => "icm42688",
            DeviceKind::Bmp388 => "bmp388",
            DeviceKind::Ublox => "ublox",
            DeviceKind::Heartbeat => "heartbeat",
            DeviceKind::UartLink => "uart_link",
        }
    }

    pub fn bus(self) -> BusKind {
        match self {
            DeviceKind::Icm42688 => BusKind::Spi,
            DeviceKind::Bmp388 => BusKind::I2c,
            DeviceKind::Ublox | DeviceKind::Heartbeat | DeviceKind::UartLink => BusKind::Uart,
        }
    }

    /// The device's inputs, each with its unit and the value used when the
    /// scenario gives no signal for it.
    pub fn inputs(self) -> &'static [Input] {
        const G: f64 = 9.80665;
        match self {
            DeviceKind::Icm42688 => &[
                Input {
                    name: "accel_x",
                    unit: "m/s^2",
                    default: 0.0,
                },
                Input {
                    name: "accel_y",
                    unit: "m/s^2",
                    default: 0.0,
                },
                Input {
                    name: "accel_z",
                    unit: "m/s^2",
                    default: G,
                },
                Input {
                    name: "gyro_x",
                    unit: "deg/s",
                    default: 0.0,
                },
                Input {
                    name: "gyro_y",
                    unit: "deg/s",
                    default: 0.0,
                },
                Input {
                    name: "gyro_z",
                    unit: "deg/s",
                    default: 0.0,
                },
                Input {
                    name: "temperature",
                    unit: "degC",
                    default: 25.0,
                },
            ],
            DeviceKind::Bmp388 => &[
                Input {
                    name: "pressure",
                    unit: "Pa",
                    default: 101_325.0,
                },
                Input {
                    name: "temperature",
                    unit: "degC",
                    default: 20.0,
                },
            ],
            DeviceKind::Ublox => &[
                Input {
                    name: "lat",
                    unit: "deg",
                    default: 47.397_742,
                },
                Input {
                    name: "lon",
                    unit: "deg",
                    default: 8.545_594,
                },
                Input {
                    name: "height",
                    unit: "m",
                    default: 488.0,
                },
                Input {
                    name: "vel_n",
                    unit: "m/s",
                    default: 0.0,
                },
                Input {
                    name: "vel_e",
                    unit: "m/s",
                    default: 0.0,
                },
                Input {
                    name: "vel_d",
                    unit: "m/s",
                    default: 0.0,
                },
            ],
            DeviceKind::Heartbeat | DeviceKind::UartLink => &[],
        }
    }
}

/// One named input of a device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Input {
    pub name: &'static str,
    pub unit: &'static str,
    pub default: f64,
}

/// A device attached by the scenario.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceDef {
    #[serde(rename = "type")]
    pub kind: DeviceKind,
    /// The machine whose bus it sits on (optional with one machine).
    pub machine: Option<String>,
    /// The bus controller instance as named in the platform (`LPSPI1`, `I2C1`, `LPUART3`).
    pub bus: String,
    /// SPI chip select (0..3).
    pub cs: Option<u8>,
    /// I2C 7-bit address.
    pub address: Option<u8>,
    /// Input signals by input name; unnamed inputs keep their defaults.
    #[serde(default)]
    pub signals: BTreeMap<String, Signal>,
    /// UART devices: output rate in Hz (ublox: NAV-PVT rate, default 5;
    /// heartbeat: default 10).
    pub rate_hz: Option<u32>,
    /// UART devices: baud rate (default 115200).
    pub baud: Option<u32>,
    /// ublox: reported fix type (default 3, 3D fix).
    pub fix_type: Option<u8>,
    /// ublox: reported satellites used (default 12).
    pub num_sv: Option<u8>,
    /// heartbeat: the `state` field sent (default 1, running).
    pub state: Option<u8>,
    /// heartbeat: the `vote` field sent (default 0).
    pub vote: Option<u8>,
    /// uart_link: the transmitting end, `<machine>.<UART>` (e.g. `fmu.LPUART2`).
    pub from: Option<String>,
    /// Time the device needs after power-up before it answers (default 0).
    #[serde(default)]
    pub ready_after: Time,
}

impl DeviceDef {
    /// The (machine, port) a `uart_link` takes its bytes from.
    pub fn link_source(&self) -> Option<(&str, &str)> {
        self.from.as_deref().and_then(|f| f.split_once('.'))
    }
}
