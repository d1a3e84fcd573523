use crate::Nanos;
use serde::Serialize;

/// One thing that happened, at one virtual time, on one machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Virtual time in nanoseconds.
    pub t: Nanos,
    /// The machine (one core of one board) as named in the scenario.
    pub machine: String,
    /// The emitter: a peripheral instance (`USART1`, `LPSPI1`), a sensor
    /// (`imu0`), `core`, `semihosting`, `rtt`, or `scenario`.
    pub source: String,
    pub kind: EventKind,
}

impl Event {
    pub fn new(
        t: Nanos,
        machine: impl Into<String>,
        source: impl Into<String>,
        kind: EventKind,
    ) -> Self {
        Event {
            t,
            machine: machine.into(),
            source: source.into(),
            kind,
        }
    }
}

/// Logic level of a pin or line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Level {
    Low,
    High,
}

/// What happened to an interrupt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IrqAction {
    Pend,
    Enter,
    Exit,
}

/// The normalised event kinds. Bus-level kinds (UART, SPI, I2C, GPIO) mean
/// the same on every backend; engine-level kinds (IRQ, register) are optional
/// detail a scenario can turn on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// A byte left a UART transmitter (at the time the firmware wrote it).
    UartTx { byte: u8 },
    /// A byte arrived at a UART receiver.
    UartRx { byte: u8 },
    /// A UART receive error injected or detected (framing, parity, overrun).
    UartError { what: String },
    /// One chip-select-framed SPI transfer.
    Spi {
        cs: u8,
        mosi: Vec<u8>,
        miso: Vec<u8>,
    },
    /// One I2C transaction segment: address, direction, bytes, and whether
    /// the target acknowledged (a NAK ends the segment).
    I2c {
        addr: u8,
        read: bool,
        data: Vec<u8>,
        ack: bool,
    },
    /// A GPIO pin changed level.
    Gpio { pin: String, level: Level },
    /// Exception or interrupt activity (exception number, as in IPSR).
    Irq { exception: u16, action: IrqAction },
    /// A named register access (peripheral.register), when register tracing
    /// is on or for registers no behavioural model claims.
    Reg {
        name: String,
        write: bool,
        value: u32,
    },
    /// Text written through semihosting (SYS_WRITE0/WRITEC/WRITE to stdout).
    Console { text: String },
    /// A decoded log line (defmt or plain RTT text).
    Log { level: String, text: String },
    /// A scenario action took effect (fault injected, signal set, ...).
    Scenario { what: String },
    /// The machine reported a fault (HardFault, lockup, bus error, ...).
    Fault { what: String },
    /// The firmware exited (semihosting SYS_EXIT / SYS_EXIT_EXTENDED).
    Exit { code: i32 },
}
