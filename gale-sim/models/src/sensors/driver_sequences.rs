//! Sensors behind controller models, driven with the register sequences of
//! the firmware's chip drivers (`firmware/chips/imxrt1176`: LPSPI with
//! TCR.CONT framing, LPI2C through the command FIFO, LPUART polled RX) and
//! the RM0041 STM32F1 I2C master sequence.

use crate::bus::Source;
use crate::fault::FaultSchedule;
use crate::imxrt::{lpi2c::Lpi2c, lpspi::Lpspi, lpuart::Lpuart};
use crate::sensors::bmp388::{Bmp388, CALIBRATION};
use crate::sensors::icm42688::{Icm42688, ImuInputs, STANDARD_GRAVITY};
use crate::sensors::link::tests::with_ctx;
use crate::sensors::ublox::{fletcher, GnssInputs, Ublox, UbloxConfig};
use crate::stm32::i2c::I2c;
use crate::{Access, Ctx, IrqLines, Peripheral};
use gale_trace::{EventKind, Nanos, Trace};

fn constant(v: f64) -> Box<dyn Source> {
    Box::new(move |_t: Nanos| v)
}

/// Polls `reg` until `mask` is set (bounded, like the firmware's spin_until).
fn wait(p: &mut dyn Peripheral, c: &mut Ctx, reg: u32, mask: u32) {
    assert!(
        (0..1000).any(|_| p.read(reg, Access::Word, c) & mask != 0),
        "timeout on {reg:#x} & {mask:#x}"
    );
}

/// `Lpspi::transaction`: TCR with CONT, byte exchanges, TCR without CONT.
fn lpspi_transaction(s: &mut Lpspi, c: &mut Ctx, pcs: u32, out: &[u8]) -> Vec<u8> {
    const TCR_MODE3_BYTE: u32 = 3 << 30 | 7;
    s.write(0x60, Access::Word, TCR_MODE3_BYTE | pcs << 24 | 1 << 21, c);
    let mut got = Vec::new();
    for &b in out {
        wait(s, c, 0x14, 1); // SR.TDF
        s.write(0x64, Access::Word, b as u32, c);
        wait(s, c, 0x14, 2); // SR.RDF
        got.push(s.read(0x74, Access::Word, c) as u8);
    }
    s.write(0x60, Access::Word, TCR_MODE3_BYTE | pcs << 24, c);
    got
}

#[test]
fn icm42688_on_lpspi_with_the_firmware_sequence() {
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut s = Lpspi::new("LPSPI1", Some(38));
    let inputs = ImuInputs {
        accel: [constant(0.0), constant(0.0), constant(-STANDARD_GRAVITY)],
        gyro: [constant(10.0), constant(0.0), constant(0.0)],
        temp: constant(30.0),
    };
    s.attach(1, Box::new(Icm42688::new(inputs, FaultSchedule::default())));
    with_ctx(&mut irqs, &mut trace, 0, |c| {
        s.write(0x10, Access::Word, 0x302, c); // CR: RST, RTF, RRF
        s.write(0x10, Access::Word, 0, c);
        s.write(0x24, Access::Word, 1, c); // CFGR1.MASTER
        s.write(0x58, Access::Word, 0, c); // FCR
        s.write(0x10, Access::Word, 1, c); // CR.MEN
        lpspi_transaction(&mut s, c, 1, &[0x11, 0x01]); // soft reset
        assert_eq!(lpspi_transaction(&mut s, c, 1, &[0xf5, 0]), vec![0, 0x47]);
        lpspi_transaction(&mut s, c, 1, &[0x4f, 0x06]);
        lpspi_transaction(&mut s, c, 1, &[0x50, 0x06]);
        lpspi_transaction(&mut s, c, 1, &[0x4e, 0x0f]);
    });
    let burst = with_ctx(&mut irqs, &mut trace, 2_000_000, |c| {
        lpspi_transaction(&mut s, c, 1, &[0x9d; 15])
    });
    let w: Vec<i16> = burst[1..]
        .chunks(2)
        .map(|b| i16::from_be_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(w, vec![662, 0, 0, -2048, 164, 0, 0]);
    let spi: Vec<_> = trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Spi { .. }))
        .collect();
    assert_eq!(spi.len(), 6, "one event per chip-select framed transaction");
    assert_eq!(
        spi[1].kind,
        EventKind::Spi {
            cs: 1,
            mosi: vec![0xf5, 0],
            miso: vec![0, 0x47]
        }
    );
}

/// `Lpi2c::push`: wait TDF, write MTDR.
fn lpi2c_push(i: &mut Lpi2c, c: &mut Ctx, cmd: u32, data: u32) {
    wait(i, c, 0x14, 1);
    i.write(0x60, Access::Word, cmd << 8 | data, c);
}

/// `Lpi2c::transaction` for write_read(addr, [reg], n bytes).
fn lpi2c_write_read(i: &mut Lpi2c, c: &mut Ctx, addr: u32, reg: u8, n: usize) -> Vec<u8> {
    lpi2c_push(i, c, 4, addr << 1);
    lpi2c_push(i, c, 0, reg as u32);
    lpi2c_push(i, c, 4, addr << 1 | 1);
    lpi2c_push(i, c, 1, n as u32 - 1);
    let got = (0..n)
        .map(|_| {
            let mut v = 1 << 14;
            for _ in 0..1000 {
                v = i.read(0x70, Access::Word, c);
                if v & 1 << 14 == 0 {
                    break;
                }
            }
            v as u8
        })
        .collect();
    lpi2c_push(i, c, 2, 0);
    wait(i, c, 0x14, 1 << 9); // MSR.SDF
    i.write(0x14, Access::Word, 1 << 9, c);
    got
}

#[test]
fn bmp388_on_lpi2c_with_the_firmware_sequence() {
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut i = Lpi2c::new("LPI2C1", Some(32));
    i.attach(
        0x76,
        Box::new(Bmp388::new(
            constant(95_000.0),
            constant(-5.0),
            FaultSchedule::default(),
        )),
    );
    let data = with_ctx(&mut irqs, &mut trace, 0, |c| {
        i.write(0x10, Access::Word, 0x302, c); // MCR: RST, RTF, RRF
        i.write(0x10, Access::Word, 0, c);
        i.write(0x58, Access::Word, 0, c); // MFCR
        i.write(0x10, Access::Word, 1, c); // MCR.MEN
        assert_eq!(lpi2c_write_read(&mut i, c, 0x76, 0x00, 1), vec![0x50]);
        assert_eq!(
            lpi2c_write_read(&mut i, c, 0x76, 0x31, 21),
            CALIBRATION.nvm_bytes().to_vec()
        );
        for (reg, v) in [(0x1c, 0x03), (0x1d, 0x02), (0x1b, 0x33)] {
            lpi2c_push(&mut i, c, 4, 0x76 << 1);
            lpi2c_push(&mut i, c, 0, reg);
            lpi2c_push(&mut i, c, 0, v);
            lpi2c_push(&mut i, c, 2, 0);
            i.write(0x14, Access::Word, 1 << 9, c);
        }
        // A missing device NAKs: NDF.
        lpi2c_push(&mut i, c, 4, 0x77 << 1);
        assert_ne!(i.read(0x14, Access::Word, c) & 1 << 10, 0);
        i.write(0x14, Access::Word, 1 << 10, c);
        lpi2c_write_read(&mut i, c, 0x76, 0x04, 6)
    });
    // No sample before the first 20 ms ODR period: reset values.
    assert_eq!(data, vec![0, 0, 0x80, 0, 0, 0x80]);
    let data = with_ctx(&mut irqs, &mut trace, 20_000_000, |c| {
        lpi2c_write_read(&mut i, c, 0x76, 0x04, 6)
    });
    let (p, t) = CALIBRATION.encode(95_000.0, -5.0);
    assert_eq!(
        data,
        [&p.to_le_bytes()[..3], &t.to_le_bytes()[..3]].concat()
    );
    let nak = trace
        .events()
        .iter()
        .find(|e| matches!(e.kind, EventKind::I2c { ack: false, .. }));
    assert_eq!(
        nak.map(|e| e.kind.clone()),
        Some(EventKind::I2c {
            addr: 0x77,
            read: false,
            data: vec![],
            ack: false
        })
    );
}

#[test]
fn ublox_on_lpuart_read_by_interrupt() {
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut u = Lpuart::new("LPUART3", Some(22));
    let inputs = GnssInputs {
        lat_deg: constant(1.0),
        lon_deg: constant(2.0),
        height_m: constant(3.0),
        vel_ned: [constant(0.0), constant(0.0), constant(0.0)],
    };
    let cfg = UbloxConfig {
        baud: 38_400,
        ..UbloxConfig::default()
    };
    u.attach(Box::new(Ublox::new(inputs, cfg, FaultSchedule::default())));
    with_ctx(&mut irqs, &mut trace, 0, |c| {
        u.write(0x08, Access::Word, 2, c); // GLOBAL.RST
        u.write(0x08, Access::Word, 0, c);
        u.write(0x18, Access::Word, 1 << 19 | 1 << 18 | 1 << 21 | 1 << 27, c); // TE RE RIE ORIE
    });
    let mut got = Vec::new();
    while let Some(t) = u.next_deadline().filter(|t| *t < 250_000_000) {
        with_ctx(&mut irqs, &mut trace, t, |c| {
            u.advance(c);
            // The firmware's on_interrupt: drain while RDRF.
            while u.read(0x14, Access::Word, c) & 1 << 21 != 0 {
                got.push(u.read(0x1c, Access::Word, c) as u8);
            }
        });
    }
    assert_eq!(got.len(), 100);
    assert_eq!(fletcher(&got[2..98]), (got[98], got[99]));
    assert_eq!(
        i32::from_le_bytes(got[6 + 28..6 + 32].try_into().unwrap()),
        10_000_000,
        "lat 1 deg"
    );
    assert!(irqs.drain().any(|l| l == (22, true)));
    let rx = trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::UartRx { .. }))
        .count();
    assert_eq!(rx, 100);
}

#[test]
fn bmp388_on_stm32_i2c_with_the_rm0041_sequence() {
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut i = I2c::new("I2C1", Some(31), Some(32));
    i.attach(
        0x77,
        Box::new(Bmp388::new(
            constant(101_325.0),
            constant(20.0),
            FaultSchedule::default(),
        )),
    );
    let got = with_ctx(&mut irqs, &mut trace, 0, |c| {
        let (cr1, dr, sr1, sr2) = (0x00, 0x10, 0x14, 0x18);
        i.write(cr1, Access::Word, 1 | 1 << 10, c); // PE, ACK
                                                    // Write the register pointer.
        i.write(cr1, Access::Word, 1 | 1 << 10 | 1 << 8, c); // START
        wait(&mut i, c, sr1, 1); // SB
        i.write(dr, Access::Word, 0x77 << 1, c);
        wait(&mut i, c, sr1, 2); // ADDR
        i.read(sr2, Access::Word, c);
        wait(&mut i, c, sr1, 1 << 7); // TXE
        i.write(dr, Access::Word, 0x00, c); // CHIP_ID
        wait(&mut i, c, sr1, 1 << 2); // BTF
                                      // Repeated START, read 3 bytes (N > 2 sequence).
        i.write(cr1, Access::Word, 1 | 1 << 10 | 1 << 8, c);
        wait(&mut i, c, sr1, 1);
        i.write(dr, Access::Word, 0x77 << 1 | 1, c);
        wait(&mut i, c, sr1, 2);
        i.read(sr2, Access::Word, c);
        wait(&mut i, c, sr1, 1 << 2); // BTF: bytes 1 and 2 in
        i.write(cr1, Access::Word, 1, c); // ACK off
        let b1 = i.read(dr, Access::Word, c);
        wait(&mut i, c, sr1, 1 << 2);
        i.write(cr1, Access::Word, 1 | 1 << 9, c); // STOP
        let b2 = i.read(dr, Access::Word, c);
        let b3 = i.read(dr, Access::Word, c);
        vec![b1 as u8, b2 as u8, b3 as u8]
    });
    assert_eq!(
        got,
        vec![0x50, 0x00, 0x00],
        "CHIP_ID, reserved 0x01, ERR_REG"
    );
    let kinds: Vec<_> = trace.events().iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::I2c {
                addr: 0x77,
                read: false,
                data: vec![0x00],
                ack: true
            },
            EventKind::I2c {
                addr: 0x77,
                read: true,
                data: vec![0x50, 0, 0],
                ack: true
            },
        ]
    );
}

#[test]
fn framing_errors_from_the_receiver_reach_the_controller() {
    use crate::fault::{BusFault, FaultWindow};
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut u = Lpuart::new("LPUART3", None);
    let inputs = GnssInputs {
        lat_deg: constant(0.0),
        lon_deg: constant(0.0),
        height_m: constant(0.0),
        vel_ned: [constant(0.0), constant(0.0), constant(0.0)],
    };
    let faults = FaultSchedule::new(vec![FaultWindow {
        start: 0,
        end: u64::MAX,
        fault: BusFault::FramingError,
    }]);
    u.attach(Box::new(Ublox::new(inputs, UbloxConfig::default(), faults)));
    with_ctx(&mut irqs, &mut trace, 0, |c| {
        u.write(0x18, Access::Word, 1 << 18, c)
    });
    let t = u.next_deadline().expect("first byte scheduled");
    with_ctx(&mut irqs, &mut trace, t, |c| {
        u.advance(c);
        assert_ne!(u.read(0x14, Access::Word, c) & 1 << 17, 0, "STAT.FE");
        assert_eq!(u.read(0x1c, Access::Word, c), 0xb5 | 1 << 13, "DATA.FRETSC");
    });
    assert_eq!(
        trace.events()[0].kind,
        EventKind::UartError {
            what: "framing".into()
        }
    );
}
