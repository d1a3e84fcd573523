//! The controller side of a bus link to attached devices, shared by every
//! controller model (LPSPI/SPI, LPI2C/I2C, LPUART/USART): device tables,
//! chip-select framing of SPI transfers, START..STOP segmentation of I2C
//! traffic, UART receive pacing, and the trace events all of these produce.
//!
//! Rules shared by all controllers (documented once, here):
//! - SPI: a byte clocked while no device is selected, or with no device
//!   attached at the selected chip select, reads 0xFF (MISO pulled up).
//!   One [`EventKind::Spi`] is traced per chip-select-framed transfer, when
//!   chip select is released.
//! - I2C: an address no device answers is NAKed. A segment runs from a
//!   (repeated) START to the next START, STOP or NAK, and is traced as one
//!   [`EventKind::I2c`] when it ends. Reads from no device return 0xFF.
//! - UART: the attached device paces itself (`UartDevice::next_send`); the
//!   controller model's `next_deadline` is the device's next send time.

use crate::bus::{I2cDevice, SpiDevice, UartDevice, UartSymbol};
use crate::Ctx;
use gale_trace::{EventKind, Nanos};

struct SpiTransfer {
    cs: u8,
    mosi: Vec<u8>,
    miso: Vec<u8>,
}

/// The SPI devices of one controller, keyed by chip-select index.
pub struct SpiBus {
    source: String,
    devices: Vec<(u8, Box<dyn SpiDevice>)>,
    open: Option<SpiTransfer>,
}

impl SpiBus {
    /// `source` names the controller in trace events (`LPSPI1`, `SPI1`).
    pub fn new(source: impl Into<String>) -> Self {
        SpiBus {
            source: source.into(),
            devices: Vec::new(),
            open: None,
        }
    }

    /// Attaches `dev` at chip select `cs`, replacing any device there.
    pub fn attach(&mut self, cs: u8, dev: Box<dyn SpiDevice>) {
        self.devices.retain(|(c, _)| *c != cs);
        self.devices.push((cs, dev));
    }

    fn device(&mut self, cs: u8) -> Option<&mut Box<dyn SpiDevice>> {
        self.devices
            .iter_mut()
            .find(|(c, _)| *c == cs)
            .map(|(_, d)| d)
    }

    /// The chip select currently asserted, if any.
    pub fn selected(&self) -> Option<u8> {
        self.open.as_ref().map(|t| t.cs)
    }

    /// Asserts chip select `cs` (releasing another one first).
    pub fn select(&mut self, cs: u8, ctx: &mut Ctx) {
        match self.selected() {
            Some(c) if c == cs => return,
            Some(_) => self.deselect(ctx),
            None => {}
        }
        if let Some(d) = self.device(cs) {
            d.select(ctx.now);
        }
        self.open = Some(SpiTransfer {
            cs,
            mosi: Vec::new(),
            miso: Vec::new(),
        });
    }

    /// One full-duplex byte on the selected device.
    pub fn exchange(&mut self, mosi: u8, now: Nanos) -> u8 {
        let Some(cs) = self.selected() else {
            return 0xff;
        };
        let miso = self.device(cs).map_or(0xff, |d| d.exchange(mosi, now));
        if let Some(t) = self.open.as_mut() {
            t.mosi.push(mosi);
            t.miso.push(miso);
        }
        miso
    }

    /// Releases chip select and traces the transfer (if one was open).
    pub fn deselect(&mut self, ctx: &mut Ctx) {
        if let Some(t) = self.open.take() {
            if let Some(d) = self.device(t.cs) {
                d.deselect(ctx.now);
            }
            ctx.emit(
                &self.source,
                EventKind::Spi {
                    cs: t.cs,
                    mosi: t.mosi,
                    miso: t.miso,
                },
            );
        }
    }
}

struct I2cSegment {
    addr: u8,
    read: bool,
    data: Vec<u8>,
}

/// The I2C devices of one controller, keyed by 7-bit address.
pub struct I2cBus {
    source: String,
    devices: Vec<(u8, Box<dyn I2cDevice>)>,
    seg: Option<I2cSegment>,
    /// Devices addressed since the last STOP (they all see the STOP).
    touched: Vec<u8>,
}

impl I2cBus {
    pub fn new(source: impl Into<String>) -> Self {
        I2cBus {
            source: source.into(),
            devices: Vec::new(),
            seg: None,
            touched: Vec::new(),
        }
    }

    /// Attaches `dev` at 7-bit address `addr`, replacing any device there.
    pub fn attach(&mut self, addr: u8, dev: Box<dyn I2cDevice>) {
        let addr = addr & 0x7f;
        self.devices.retain(|(a, _)| *a != addr);
        self.devices.push((addr, dev));
    }

    fn device(&mut self, addr: u8) -> Option<&mut Box<dyn I2cDevice>> {
        self.devices
            .iter_mut()
            .find(|(a, _)| *a == addr)
            .map(|(_, d)| d)
    }

    /// The open segment's direction (`Some(true)` = reading), if any.
    pub fn open_read(&self) -> Option<bool> {
        self.seg.as_ref().map(|s| s.read)
    }

    fn close(&mut self, ack: bool, ctx: &mut Ctx) {
        if let Some(s) = self.seg.take() {
            ctx.emit(
                &self.source,
                EventKind::I2c {
                    addr: s.addr,
                    read: s.read,
                    data: s.data,
                    ack,
                },
            );
        }
    }

    /// A (repeated) START and address byte; returns the address ACK. A NAK
    /// ends the segment at once.
    pub fn start(&mut self, addr: u8, read: bool, ctx: &mut Ctx) -> bool {
        self.close(true, ctx);
        let addr = addr & 0x7f;
        if !self.touched.contains(&addr) {
            self.touched.push(addr);
        }
        let ack = self.device(addr).is_some_and(|d| d.start(read, ctx.now));
        self.seg = Some(I2cSegment {
            addr,
            read,
            data: Vec::new(),
        });
        if !ack {
            self.close(false, ctx);
        }
        ack
    }

    /// A data byte written to the addressed device; returns its ACK (false
    /// also when no write segment is open). A NAK ends the segment.
    pub fn write(&mut self, byte: u8, ctx: &mut Ctx) -> bool {
        let Some(seg) = self.seg.as_mut().filter(|s| !s.read) else {
            return false;
        };
        seg.data.push(byte);
        let addr = seg.addr;
        let ack = self.device(addr).is_some_and(|d| d.write(byte, ctx.now));
        if !ack {
            self.close(false, ctx);
        }
        ack
    }

    /// A data byte read from the addressed device (0xFF with no read
    /// segment open).
    pub fn read(&mut self, now: Nanos) -> u8 {
        let Some(addr) = self.seg.as_ref().filter(|s| s.read).map(|s| s.addr) else {
            return 0xff;
        };
        let b = self.device(addr).map_or(0xff, |d| d.read(now));
        if let Some(s) = self.seg.as_mut() {
            s.data.push(b);
        }
        b
    }

    /// STOP: ends the open segment and tells every device addressed since
    /// the previous STOP.
    pub fn stop(&mut self, ctx: &mut Ctx) {
        self.close(true, ctx);
        for addr in std::mem::take(&mut self.touched) {
            if let Some(d) = self.device(addr) {
                d.stop(ctx.now);
            }
        }
    }
}

/// The device on a UART's RX/TX pair.
#[derive(Default)]
pub struct UartLink {
    device: Option<Box<dyn UartDevice>>,
}

/// Upper bound of symbols taken from a device in one call (a device that
/// never moves its `next_send` forward must not hang the simulation).
const MAX_SYMBOLS_PER_POLL: usize = 4096;

impl UartLink {
    pub fn attach(&mut self, dev: Box<dyn UartDevice>) {
        self.device = Some(dev);
    }

    /// Hands a transmitted byte to the device.
    pub fn transmit(&mut self, byte: u8, now: Nanos) {
        if let Some(d) = self.device.as_mut() {
            d.receive(byte, now);
        }
    }

    pub fn next_send(&self) -> Option<Nanos> {
        self.device.as_ref().and_then(|d| d.next_send())
    }

    /// The symbols the device sends up to `now`, in order.
    pub fn due(&mut self, now: Nanos) -> Vec<UartSymbol> {
        let mut out = Vec::new();
        let Some(d) = self.device.as_mut() else {
            return out;
        };
        while out.len() < MAX_SYMBOLS_PER_POLL {
            match d.next_send() {
                Some(t) if t <= now => {
                    if let Some(s) = d.send(now) {
                        out.push(s);
                    } else if d.next_send() == Some(t) {
                        break;
                    }
                }
                _ => break,
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::IrqLines;
    use gale_trace::Trace;
    use std::sync::{Arc, Mutex};

    /// The GPIO level changes in `trace`, as (pin, level).
    pub(crate) fn gpio_events(trace: &Trace) -> Vec<(String, gale_trace::Level)> {
        trace
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                gale_trace::EventKind::Gpio { pin, level } => Some((pin.clone(), *level)),
                _ => None,
            })
            .collect()
    }

    /// Runs `f` with a context at time `now`.
    pub(crate) fn with_ctx<R>(
        irqs: &mut IrqLines,
        trace: &mut Trace,
        now: Nanos,
        f: impl FnOnce(&mut Ctx) -> R,
    ) -> R {
        let mut ctx = Ctx {
            now,
            machine: "m",
            irqs,
            trace,
        };
        f(&mut ctx)
    }

    /// An SPI device that answers each byte with its complement and logs calls.
    pub(crate) struct EchoSpi(pub Arc<Mutex<Vec<String>>>);
    impl SpiDevice for EchoSpi {
        fn select(&mut self, _: Nanos) {
            self.0.lock().unwrap().push("sel".into());
        }
        fn exchange(&mut self, mosi: u8, _: Nanos) -> u8 {
            !mosi
        }
        fn deselect(&mut self, _: Nanos) {
            self.0.lock().unwrap().push("desel".into());
        }
    }

    /// An I2C memory: first written byte sets the pointer, later bytes are
    /// stored; reads return successive bytes. NAKs writes of 0xEE.
    pub(crate) struct MemI2c {
        pub mem: [u8; 256],
        pub ptr: u8,
        first: bool,
        pub stops: u32,
    }
    impl MemI2c {
        pub(crate) fn new() -> Self {
            let mut mem = [0; 256];
            for (i, m) in mem.iter_mut().enumerate() {
                *m = i as u8 ^ 0x5a;
            }
            MemI2c {
                mem,
                ptr: 0,
                first: true,
                stops: 0,
            }
        }
    }
    impl I2cDevice for MemI2c {
        fn start(&mut self, _: bool, _: Nanos) -> bool {
            self.first = true;
            true
        }
        fn write(&mut self, b: u8, _: Nanos) -> bool {
            if b == 0xee {
                return false;
            }
            if self.first {
                self.ptr = b;
                self.first = false;
            } else {
                self.mem[self.ptr as usize] = b;
                self.ptr = self.ptr.wrapping_add(1);
            }
            true
        }
        fn read(&mut self, _: Nanos) -> u8 {
            let b = self.mem[self.ptr as usize];
            self.ptr = self.ptr.wrapping_add(1);
            b
        }
        fn stop(&mut self, _: Nanos) {
            self.stops += 1;
        }
    }

    /// A UART device that sends the given bytes, one every `gap` ns from `t0`.
    pub(crate) struct Script {
        pub bytes: Vec<UartSymbol>,
        pub t0: Nanos,
        pub gap: Nanos,
        pub heard: Arc<Mutex<Vec<u8>>>,
    }
    impl UartDevice for Script {
        fn receive(&mut self, byte: u8, _: Nanos) {
            self.heard.lock().unwrap().push(byte);
        }
        fn next_send(&self) -> Option<Nanos> {
            (!self.bytes.is_empty()).then_some(self.t0)
        }
        fn send(&mut self, _: Nanos) -> Option<UartSymbol> {
            self.t0 += self.gap;
            (!self.bytes.is_empty()).then(|| self.bytes.remove(0))
        }
    }

    #[test]
    fn spi_transfer_traced_once_per_select() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut bus = SpiBus::new("SPIX");
        bus.attach(1, Box::new(EchoSpi(log.clone())));
        assert_eq!(bus.exchange(0x12, 0), 0xff, "no select, no device");
        with_ctx(&mut irqs, &mut trace, 5, |c| {
            bus.select(1, c);
            assert_eq!(bus.exchange(0x0f, 5), 0xf0);
            bus.deselect(c);
            bus.select(0, c);
            assert_eq!(bus.exchange(0x0f, 5), 0xff, "nothing at cs0");
            bus.deselect(c);
        });
        assert_eq!(*log.lock().unwrap(), vec!["sel", "desel"]);
        assert_eq!(
            trace.events()[0].kind,
            EventKind::Spi {
                cs: 1,
                mosi: vec![0x0f],
                miso: vec![0xf0]
            }
        );
        assert_eq!(trace.len(), 2);
    }

    #[test]
    fn i2c_segments_end_at_restart_stop_and_nak() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut bus = I2cBus::new("I2CX");
        bus.attach(0x76, Box::new(MemI2c::new()));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            assert!(bus.start(0x76, false, c));
            assert!(bus.write(0x10, c));
            assert!(bus.start(0x76, true, c));
            assert_eq!(bus.read(0), 0x10 ^ 0x5a);
            bus.stop(c);
            assert!(!bus.start(0x50, false, c));
            assert!(!bus.write(1, c), "segment closed by the NAK");
            bus.stop(c);
        });
        let kinds: Vec<_> = trace.events().iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::I2c {
                    addr: 0x76,
                    read: false,
                    data: vec![0x10],
                    ack: true
                },
                EventKind::I2c {
                    addr: 0x76,
                    read: true,
                    data: vec![0x4a],
                    ack: true
                },
                EventKind::I2c {
                    addr: 0x50,
                    read: false,
                    data: vec![],
                    ack: false
                },
            ]
        );
    }

    #[test]
    fn uart_link_yields_due_symbols_in_order() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut link = UartLink::default();
        assert!(link.due(100).is_empty());
        link.attach(Box::new(Script {
            bytes: vec![
                UartSymbol::Byte(1),
                UartSymbol::FramingError(2),
                UartSymbol::Byte(3),
            ],
            t0: 10,
            gap: 10,
            heard: heard.clone(),
        }));
        assert_eq!(link.next_send(), Some(10));
        assert_eq!(
            link.due(25),
            vec![UartSymbol::Byte(1), UartSymbol::FramingError(2)]
        );
        assert_eq!(link.next_send(), Some(30));
        link.transmit(9, 0);
        assert_eq!(*heard.lock().unwrap(), vec![9]);
    }
}
