//! The recorder's line file (`<machine>.events`, written by
//! `cs/GaleRecorder.cs`) parsed into trace events. One record per line:
//!
//! ```text
//! <virtual ns> I start|end                 recorder started / final flush
//! <virtual ns> U <PORT> <hh>               a byte the UART transmitted
//! <virtual ns> V <PORT> <hh>               a scheduled byte fed to the UART's receiver
//! <virtual ns> G <PORT> <PIN> <0|1>        a GPIO output changed level
//! <virtual ns> R <hex bytes>               RTT up-channel 0 bytes drained
//! <virtual ns> C <hex bytes>               semihosting console output
//! <virtual ns> X <op> <reason> <subcode>   semihosting exit (op 18 or 20, hex)
//! <virtual ns> S <op> <r1>                 another semihosting call (hex)
//! ```

use gale_trace::{Event, EventKind, Level, Nanos};

/// `ADP_Stopped_ApplicationExit`: the reason code of a successful exit.
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;

/// What one machine's record file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    /// UART bytes, GPIO edges, console text, exit and faults, in file order
    /// (which is virtual-time order), up to and including an exit.
    pub events: Vec<Event>,
    /// RTT up-channel 0 bytes, with the virtual time they were read.
    pub rtt: Vec<(Nanos, Vec<u8>)>,
    /// The firmware exited: (time, code).
    pub exit: Option<(Nanos, i32)>,
    /// A semihosting call outside console output and exit: (time, what).
    pub refused: Option<(Nanos, String)>,
    /// The recorder's final flush ran (`I end`); without it Renode stopped early.
    pub complete: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {what}: `{text}`")]
pub struct ParseError {
    pub line: usize,
    pub what: String,
    pub text: String,
}

/// Parses a record file of `machine`. Records after an exit or a refused
/// semihosting call are dropped (the built-in engine stops there too),
/// except RTT bytes, which were written before the stop and are timed at it.
pub fn parse(machine: &str, text: &str) -> Result<Records, ParseError> {
    let mut r = Records::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |what: &str| ParseError {
            line: i + 1,
            what: what.to_string(),
            text: line.to_string(),
        };
        let mut f = line.split(' ');
        let t: Nanos = f
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| err("no virtual time"))?;
        let kind = f.next().ok_or_else(|| err("no record kind"))?;
        let args: Vec<&str> = f.collect();
        let stopped_at = r
            .exit
            .map(|(t, _)| t)
            .or(r.refused.as_ref().map(|(t, _)| *t));
        match (kind, args.as_slice()) {
            ("I", ["start"]) => {}
            ("I", ["end"]) => r.complete = true,
            // Bytes drained after a stop were written before it.
            ("R", [hex]) => r.rtt.push((
                stopped_at.map_or(t, |s| t.min(s)),
                unhex(hex).ok_or_else(|| err("bad hex"))?,
            )),
            _ if stopped_at.is_some() => {}
            ("U", [port, byte]) => {
                let byte = u8::from_str_radix(byte, 16).map_err(|_| err("bad byte"))?;
                r.events
                    .push(Event::new(t, machine, *port, EventKind::UartTx { byte }));
            }
            ("V", [port, byte]) => {
                let byte = u8::from_str_radix(byte, 16).map_err(|_| err("bad byte"))?;
                r.events
                    .push(Event::new(t, machine, *port, EventKind::UartRx { byte }));
            }
            ("G", [port, pin, level]) => {
                let level = match *level {
                    "0" => Level::Low,
                    "1" => Level::High,
                    _ => return Err(err("bad level")),
                };
                r.events.push(Event::new(
                    t,
                    machine,
                    *port,
                    EventKind::Gpio {
                        pin: pin.to_string(),
                        level,
                    },
                ));
            }
            ("C", [hex]) => {
                let bytes = unhex(hex).ok_or_else(|| err("bad hex"))?;
                let text = String::from_utf8_lossy(&bytes).into_owned();
                r.events.push(Event::new(
                    t,
                    machine,
                    "semihosting",
                    EventKind::Console { text },
                ));
            }
            ("X", [op, reason, sub]) => {
                let h = |s: &str| u32::from_str_radix(s, 16).map_err(|_| err("bad hex"));
                let code = exit_code(h(op)?, h(reason)?, h(sub)?);
                r.exit = Some((t, code));
                r.events.push(Event::new(
                    t,
                    machine,
                    "semihosting",
                    EventKind::Exit { code },
                ));
            }
            ("S", [op, r1]) => {
                let what = format!(
                    "semihosting operation 0x{op} (r1 = 0x{r1}) is outside the sandbox (only console output and exit)"
                );
                r.events.push(Event::new(
                    t,
                    machine,
                    "semihosting",
                    EventKind::Fault { what: what.clone() },
                ));
                r.refused = Some((t, what));
            }
            _ => return Err(err("unknown record")),
        }
    }
    Ok(r)
}

/// The exit code of SYS_EXIT (op 0x18: reason in r1) or SYS_EXIT_EXTENDED
/// (op 0x20: reason and subcode), as the built-in engine decodes them.
pub fn exit_code(op: u32, reason: u32, sub: u32) -> i32 {
    match (op, reason == ADP_STOPPED_APPLICATION_EXIT) {
        (0x20, true) => sub as i32,
        (_, true) => 0,
        _ => 1,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
