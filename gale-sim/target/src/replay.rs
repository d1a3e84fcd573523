//! The host side of bus replay: answers the firmware's requests from the
//! scenario's sensor models (the same `gale-models` devices the simulated
//! bus controllers own), at the firmware's timestamp, and records each
//! transaction as the same `gale_trace` event a simulated controller emits.

use crate::wire::{Op, Request, Status};
use gale_harness::models::Attachment;
use gale_models::bus::{I2cDevice, SpiDevice, UartDevice, UartSymbol};
use gale_trace::{Event, EventKind};
use std::collections::BTreeMap;

/// What is attached to one bus.
#[derive(Default)]
struct Bus {
    spi: BTreeMap<u8, Box<dyn SpiDevice>>,
    i2c: BTreeMap<u8, Box<dyn I2cDevice>>,
    uart: Vec<Box<dyn UartDevice>>,
}

/// The scenario's devices of one machine, by bus.
pub struct Server {
    machine: String,
    buses: BTreeMap<String, Bus>,
}

/// One answered request: the response frame's fields and the events.
pub struct Answer {
    pub status: Status,
    pub data: Vec<u8>,
    pub events: Vec<Event>,
}

impl Server {
    /// `attachments` as `gale_harness::devices::attachments` builds them
    /// (bus peripheral name -> devices).
    pub fn new(machine: &str, attachments: BTreeMap<String, Vec<Attachment>>) -> Server {
        let mut buses: BTreeMap<String, Bus> = BTreeMap::new();
        for (name, list) in attachments {
            let bus = buses.entry(name).or_default();
            for a in list {
                match a {
                    Attachment::Spi { cs, dev } => {
                        bus.spi.insert(cs, dev);
                    }
                    Attachment::I2c { addr, dev } => {
                        bus.i2c.insert(addr, dev);
                    }
                    Attachment::Uart(dev) => bus.uart.push(dev),
                    Attachment::MuPeer(_) => {}
                }
            }
        }
        Server {
            machine: machine.to_string(),
            buses,
        }
    }

    pub fn answer(&mut self, r: &Request) -> Answer {
        let t = r.t_ns;
        let ev = |kind| Event::new(t, &self.machine, &r.bus, kind);
        let bus = self.buses.entry(r.bus.clone()).or_default();
        match r.op {
            Op::Spi => {
                let mosi = r.write.clone();
                let miso: Vec<u8> = match bus.spi.get_mut(&r.target) {
                    Some(dev) => {
                        dev.select(t);
                        let m = mosi.iter().map(|&b| dev.exchange(b, t)).collect();
                        dev.deselect(t);
                        m
                    }
                    None => vec![0xFF; mosi.len()],
                };
                let events = vec![ev(EventKind::Spi {
                    cs: r.target,
                    mosi,
                    miso: miso.clone(),
                })];
                Answer {
                    status: Status::Ok,
                    data: miso,
                    events,
                }
            }
            Op::I2c => i2c(bus.i2c.get_mut(&r.target), r, ev),
            Op::UartWrite => {
                for dev in &mut bus.uart {
                    for &b in &r.write {
                        dev.receive(b, t);
                    }
                }
                let events = r
                    .write
                    .iter()
                    .map(|&byte| ev(EventKind::UartTx { byte }))
                    .collect();
                Answer {
                    status: Status::Ok,
                    data: Vec::new(),
                    events,
                }
            }
            Op::UartRead | Op::UartReadFlagged => {
                // UartRead answers the bytes (a byte with a framing error is
                // only traced); UartReadFlagged answers (byte, flags) pairs,
                // flags bit 0 a framing error, delivered and traced as the
                // simulated USART traces it (the error, then the byte).
                let flagged = r.op == Op::UartReadFlagged;
                let per = if flagged { 2 } else { 1 };
                let mut data = Vec::new();
                let mut events = Vec::new();
                while data.len() + per <= r.read_len {
                    let due = bus
                        .uart
                        .iter_mut()
                        .filter_map(|d| d.next_send().filter(|&at| at <= t).map(|at| (at, d)))
                        .min_by_key(|(at, _)| *at);
                    let Some((at, dev)) = due else { break };
                    let ev = |kind| Event::new(at, &self.machine, &r.bus, kind);
                    let framing = || EventKind::UartError {
                        what: "framing".into(),
                    };
                    match dev.send(at) {
                        Some(UartSymbol::Byte(b)) => {
                            data.push(b);
                            if flagged {
                                data.push(0);
                            }
                            events.push(ev(EventKind::UartRx { byte: b }));
                        }
                        Some(UartSymbol::FramingError(b)) if flagged => {
                            data.extend([b, 1]);
                            events.push(ev(framing()));
                            events.push(ev(EventKind::UartRx { byte: b }));
                        }
                        Some(UartSymbol::FramingError(_)) => events.push(ev(framing())),
                        None => continue,
                    }
                }
                Answer {
                    status: Status::Ok,
                    data,
                    events,
                }
            }
        }
    }
}

/// A write segment (when there are bytes to write, or nothing to read),
/// then a read segment after a repeated START, as the simulated controllers
/// trace them.
fn i2c(
    dev: Option<&mut Box<dyn I2cDevice>>,
    r: &Request,
    ev: impl Fn(EventKind) -> Event,
) -> Answer {
    let t = r.t_ns;
    let addr = r.target;
    let mut events = Vec::new();
    let Some(dev) = dev else {
        events.push(ev(EventKind::I2c {
            addr,
            read: r.write.is_empty() && r.read_len > 0,
            data: Vec::new(),
            ack: false,
        }));
        return Answer {
            status: Status::Nak,
            data: Vec::new(),
            events,
        };
    };
    if !r.write.is_empty() || r.read_len == 0 {
        let mut ack = dev.start(false, t);
        let mut data = Vec::new();
        if ack {
            for &b in &r.write {
                data.push(b);
                if !dev.write(b, t) {
                    ack = false;
                    break;
                }
            }
        }
        events.push(ev(EventKind::I2c {
            addr,
            read: false,
            data,
            ack,
        }));
        if !ack {
            dev.stop(t);
            return Answer {
                status: Status::Nak,
                data: Vec::new(),
                events,
            };
        }
    }
    let mut data = Vec::new();
    if r.read_len > 0 {
        let ack = dev.start(true, t);
        if ack {
            data = (0..r.read_len).map(|_| dev.read(t)).collect();
        }
        events.push(ev(EventKind::I2c {
            addr,
            read: true,
            data: data.clone(),
            ack,
        }));
        if !ack {
            dev.stop(t);
            return Answer {
                status: Status::Nak,
                data: Vec::new(),
                events,
            };
        }
    }
    dev.stop(t);
    Answer {
        status: Status::Ok,
        data,
        events,
    }
}
