//! The stable, line-oriented text form of a trace (what snapshots store).

use crate::{Event, EventKind, IrqAction, Level, Trace};
use std::fmt::{self, Write};

impl Trace {
    /// One event per line: `<seconds>.<nanoseconds> <machine>/<source> <what>`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for e in self.events() {
            let _ = writeln!(s, "{e}");
        }
        s
    }
}

/// The ARMv7-M name of exception number `n` (IPSR); external interrupts
/// as `IRQ<n-16>`.
pub fn exception_name(n: u16) -> String {
    let name = match n {
        1 => "Reset",
        2 => "NMI",
        3 => "HardFault",
        4 => "MemManage",
        5 => "BusFault",
        6 => "UsageFault",
        11 => "SVCall",
        12 => "DebugMonitor",
        14 => "PendSV",
        15 => "SysTick",
        16.. => return format!("IRQ{}", n - 16),
        _ => "reserved",
    };
    name.to_string()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn printable(b: u8) -> String {
    match b {
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        0x20..=0x7e => format!("'{}'", b as char),
        _ => String::new(),
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09} {}/{} ",
            self.t / 1_000_000_000,
            self.t % 1_000_000_000,
            self.machine,
            self.source
        )?;
        match &self.kind {
            EventKind::UartTx { byte } => write!(f, "uart tx {byte:02x} {}", printable(*byte)),
            EventKind::UartRx { byte } => write!(f, "uart rx {byte:02x} {}", printable(*byte)),
            EventKind::UartError { what } => write!(f, "uart error {what}"),
            EventKind::Spi { cs, mosi, miso } => {
                write!(f, "spi cs{cs} mosi[{}] miso[{}]", hex(mosi), hex(miso))
            }
            EventKind::I2c {
                addr,
                read,
                data,
                ack,
            } => write!(
                f,
                "i2c {addr:#04x} {} [{}] {}",
                if *read { "rd" } else { "wr" },
                hex(data),
                if *ack { "ack" } else { "nak" }
            ),
            EventKind::Gpio { pin, level } => {
                write!(
                    f,
                    "gpio {pin} {}",
                    if *level == Level::High { "high" } else { "low" }
                )
            }
            EventKind::Irq { exception, action } => {
                let a = match action {
                    IrqAction::Pend => "pend",
                    IrqAction::Enter => "enter",
                    IrqAction::Exit => "exit",
                };
                write!(
                    f,
                    "exception {exception} ({}) {a}",
                    exception_name(*exception)
                )
            }
            EventKind::Reg { name, write, value } => {
                write!(
                    f,
                    "reg {} {name} {value:#010x}",
                    if *write { "wr" } else { "rd" }
                )
            }
            EventKind::Console { text } => write!(f, "console {text:?}"),
            EventKind::Log { level, text } => write!(f, "log {level} {text:?}"),
            EventKind::Scenario { what } => write!(f, "scenario {what}"),
            EventKind::Fault { what } => write!(f, "fault {what}"),
            EventKind::Exit { code } => write!(f, "exit {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_are_named() {
        let e = Event::new(
            0,
            "m",
            "nvic",
            EventKind::Irq {
                exception: 15,
                action: IrqAction::Enter,
            },
        );
        assert!(
            e.to_string().ends_with("exception 15 (SysTick) enter"),
            "{e}"
        );
        assert_eq!(exception_name(3), "HardFault");
        assert_eq!(exception_name(54), "IRQ38");
        assert_eq!(exception_name(7), "reserved");
    }

    #[test]
    fn text_form_is_stable() {
        let t: Trace = [
            Event::new(1_500, "gust", "USART1", EventKind::UartTx { byte: b'g' }),
            Event::new(
                2_000_000_001,
                "fmu",
                "LPSPI1",
                EventKind::Spi {
                    cs: 0,
                    mosi: vec![0xf5, 0],
                    miso: vec![0, 0x47],
                },
            ),
            Event::new(
                3,
                "fmu",
                "LPI2C1",
                EventKind::I2c {
                    addr: 0x76,
                    read: false,
                    data: vec![0x00],
                    ack: false,
                },
            ),
            Event::new(
                4,
                "gust",
                "semihosting",
                EventKind::Console {
                    text: "hi\n".into(),
                },
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            t.to_text(),
            "0.000001500 gust/USART1 uart tx 67 'g'\n\
             2.000000001 fmu/LPSPI1 spi cs0 mosi[f5 00] miso[00 47]\n\
             0.000000003 fmu/LPI2C1 i2c 0x76 wr [00] nak\n\
             0.000000004 gust/semihosting console \"hi\\n\"\n"
        );
    }
}
