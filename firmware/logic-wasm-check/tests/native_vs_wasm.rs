//! The same vectors through the native and the wasm32 build of gale-logic:
//! hand-made ones that exercise every path, seeded-random structured ones
//! (valid frames inside noise, voting sequences with faults), and
//! bolero-generated arbitrary ones. Outputs must be byte-identical.
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::OnceLock;

use gale_logic::difftest::{Kind, KINDS};
use gale_logic::{frame, telemetry, ubx};
use gale_logic_wasm_check::{build_wasm, run_native, WasmLogic, INPUT_CAP};

/// Built once per test binary; instantiated once per test thread.
static WASM_PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();

thread_local! {
    static WASM: RefCell<WasmLogic> = RefCell::new({
        let path = WASM_PATH.get_or_init(build_wasm).as_ref().unwrap_or_else(|e| panic!("{e}"));
        WasmLogic::load(path).unwrap_or_else(|e| panic!("{e}"))
    });
}

fn same(kind: u8, input: &[u8]) -> usize {
    let input = &input[..input.len().min(INPUT_CAP)];
    let native = run_native(kind, input);
    let wasm = WASM.with(|w| w.borrow_mut().run(kind, input)).unwrap_or_else(|e| panic!("kind {kind}: {e}"));
    assert_eq!(native, wasm, "kind {kind}, input {input:02x?}");
    native.len()
}

/// xorshift64*: deterministic vectors without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn structured_vectors_agree_and_are_not_trivial() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut produced = [0usize; KINDS as usize];
    for round in 0..40 {
        // Frames: valid frames interleaved with noise and one corrupted byte.
        let mut stream = Vec::new();
        for k in 0..5u16 {
            let noise = rng.next() as usize % 12;
            stream.extend(rng.bytes(noise));
            let len = rng.next() as usize % 50;
            let payload = rng.bytes(len);
            let mut f = [0; frame::MAX_FRAME];
            let n = frame::encode(rng.next() as u8, k, &payload, &mut f).unwrap();
            if k == 3 {
                f[6 + (rng.next() as usize % (n - 6))] ^= 0x10;
            }
            stream.extend_from_slice(&f[..n]);
        }
        produced[Kind::Frames as usize] += same(Kind::Frames as u8, &stream);
        produced[Kind::Crc as usize] += same(Kind::Crc as u8, &stream);
        // UBX: NAV-PVT and other messages in noise.
        let mut ubx_stream = rng.bytes(7);
        let pvt = ubx::NavPvt {
            itow_ms: rng.next() as u32,
            fix_type: 3,
            num_sv: 11,
            lon_e7: rng.next() as i32,
            lat_e7: rng.next() as i32,
            height_mm: rng.next() as i32,
        };
        let mut buf = [0; 128];
        let n = ubx::encode(1, 7, &pvt.to_payload(), &mut buf).unwrap();
        ubx_stream.extend_from_slice(&buf[..n]);
        let n = ubx::encode(5, 1, &rng.bytes(2), &mut buf).unwrap();
        ubx_stream.extend_from_slice(&buf[..n]);
        produced[Kind::Ubx as usize] += same(Kind::Ubx as u8, &ubx_stream);
        // Votes: two agreeing sensors, one faulty, some dropouts.
        let mut v = vec![100, 0, (round % 4) as u8 + 1, (round % 3) as u8 + 1];
        for _ in 0..30 {
            let base = (rng.next() % 2000) as i32 - 1000;
            for s in 0..3 {
                let present = if s == 2 { !rng.next().is_multiple_of(4) as u8 } else { 1 };
                v.push(present);
                let value = if s == 2 { rng.next() as i32 } else { base + (rng.next() % 50) as i32 };
                for _ in 0..3 {
                    v.extend_from_slice(&value.to_le_bytes());
                }
            }
        }
        produced[Kind::Vote as usize] += same(Kind::Vote as u8, &v);
        let mut hb = vec![50, 0, 3];
        hb.extend(rng.bytes(60));
        produced[Kind::Heartbeat as usize] += same(Kind::Heartbeat as u8, &hb);
        produced[Kind::Imu as usize] += same(Kind::Imu as u8, &rng.bytes(15 * 8));
        // Baro: a plausible calibration, then random conversions.
        let mut b = vec![
            0x6B, 0x6B, 0xD0, 0x48, 0xF6, 0x82, 0xF9, 0x3A, 0xFB, 0x03, 0xF9, 0x1E, 0x5E, 0x70, 0x74, 0xF7, 0xF1, 0xEA, 0x46, 0x11, 0xC4,
        ];
        b.extend(rng.bytes(6 * 10));
        produced[Kind::Baro as usize] += same(Kind::Baro as u8, &b);
        produced[Kind::Sample as usize] += same(Kind::Sample as u8, &rng.bytes(telemetry::SAMPLE_LEN * 3));
    }
    for (kind, n) in produced.iter().enumerate() {
        assert!(*n > 0, "kind {kind} produced no output on any structured vector");
    }
}

#[test]
fn arbitrary_vectors_agree() {
    bolero::check!().with_iterations(300).with_type::<(u8, Vec<u8>)>().for_each(|(kind, input)| {
        same(kind % KINDS, input);
    });
}
