//! Every hardware-run error through the `Target` seam, with a fake board
//! that runs a tiny scripted "firmware": it sets up an RTT control block
//! like gale-replay's, sends replay requests, reads the answers and exits.

use gale_harness::backend::{Backend, Job};
use gale_harness::runner::{self, Context};
use gale_scenario::Scenario;
use gale_target::wire::{self, Op, Request};
use gale_target::{HwBackend, HwOptions, Progress, Stop, Target, TargetError};
use gale_trace::{EventKind, Nanos};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Copy, Default)]
struct Script {
    flash_fails: bool,
    verify_fails: bool,
    never_inits_rtt: bool,
    resets_after_first_answer: bool,
    restarts_sequence: bool,
    stalls: bool,
    down_size: u32,
    hard_fault: bool,
}

const NAMES: u32 = 0x3000_0000;
const UP_LOG: u32 = 0x3000_1000;
const UP_REPLAY: u32 = 0x3000_2000;
const DOWN: u32 = 0x3000_3000;

struct Fake {
    s: Script,
    mem: HashMap<u32, u8>,
    now: Nanos,
    cb: u32,
    sent: usize,
    answered: usize,
    rx: Vec<u8>,
}

fn requests() -> Vec<Request> {
    let at = |seq: u16, op, bus: &str, read_len, write: &[u8]| Request {
        seq,
        op,
        bus: bus.into(),
        target: 0,
        t_ns: 100_000 * (seq as u64 + 1),
        read_len,
        write: write.to_vec(),
    };
    vec![
        at(0, Op::UartWrite, "USART1", 0, b"hello\r\n"),
        at(1, Op::UartRead, "USART2", 200, &[]),
        at(2, Op::UartWrite, "USART1", 0, b"bye\r\n"),
    ]
}

impl Fake {
    fn new(s: Script, cb: u32) -> Fake {
        Fake {
            s,
            mem: HashMap::new(),
            now: 0,
            cb,
            sent: 0,
            answered: 0,
            rx: Vec::new(),
        }
    }
    fn put(&mut self, addr: u32, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.mem.insert(addr + i as u32, *b);
        }
    }
    fn word(&self, addr: u32) -> u32 {
        let b = |i| *self.mem.get(&(addr + i)).unwrap_or(&0);
        u32::from_le_bytes([b(0), b(1), b(2), b(3)])
    }
    fn put_word(&mut self, addr: u32, v: u32) {
        self.put(addr, &v.to_le_bytes());
    }
    fn init_rtt(&mut self) {
        let cb = self.cb;
        self.put(cb, b"SEGGER RTT\0\0\0\0\0\0");
        self.put_word(cb + 16, 2);
        self.put_word(cb + 20, 1);
        self.put(NAMES, b"defmt\0replay\0");
        let chans = [
            (NAMES, UP_LOG, 64),
            (NAMES + 6, UP_REPLAY, 256),
            (NAMES + 6, DOWN, self.s.down_size),
        ];
        for (i, (name, buf, size)) in chans.into_iter().enumerate() {
            let d = cb + 24 + 24 * i as u32;
            self.put_word(d, name);
            self.put_word(d + 4, buf);
            self.put_word(d + 8, size);
            self.put_word(d + 12, 0);
            self.put_word(d + 16, 0);
        }
    }
    /// Appends to up channel 1 (no wrap: the script is short).
    fn send(&mut self, frame: &[u8]) {
        let d = self.cb + 24 + 24;
        let wr = self.word(d + 12);
        self.put(UP_REPLAY + wr, frame);
        self.put_word(d + 12, wr + frame.len() as u32);
    }
    fn take_down(&mut self) {
        let d = self.cb + 24 + 48;
        let (wr, mut rd, size) = (self.word(d + 12), self.word(d + 16), self.word(d + 8));
        while rd != wr {
            self.rx.push(*self.mem.get(&(DOWN + rd)).unwrap_or(&0));
            rd = (rd + 1) % size;
        }
        self.put_word(d + 16, rd);
        // One response frame per request: 5 + 1 + data + 2 bytes.
        while self.rx.len() >= 5 {
            let len = u16::from_le_bytes([self.rx[3], self.rx[4]]) as usize;
            if self.rx.len() < 7 + len {
                break;
            }
            self.rx.drain(..7 + len);
            self.answered += 1;
        }
    }
}

impl Target for Fake {
    fn describe(&self) -> String {
        "a fake board".into()
    }
    fn flash(&mut self, _: &[u8], p: &mut dyn FnMut(Progress)) -> Result<(), TargetError> {
        p(Progress::Erasing);
        if self.s.flash_fails {
            return Err(TargetError::Flash("erase timed out".into()));
        }
        if self.s.verify_fails {
            return Err(TargetError::Verify { addr: 0x0800_0100 });
        }
        Ok(())
    }
    fn reset_and_run(&mut self) -> Result<(), TargetError> {
        Ok(())
    }
    fn halt(&mut self) -> Result<(), TargetError> {
        Ok(())
    }
    fn run_for(&mut self, dt: Nanos) -> Result<Option<Stop>, TargetError> {
        if self.s.stalls && self.word(self.cb) != 0 {
            // Stuck: time does not move and nothing is sent.
            std::thread::sleep(Duration::from_millis(5));
            return Ok(None);
        }
        self.now += dt;
        if self.s.never_inits_rtt {
            return Ok(None);
        }
        if self.word(self.cb) == 0 {
            if self.now >= 50_000 {
                self.init_rtt();
            }
            return Ok(None);
        }
        self.take_down();
        let reqs = requests();
        if self.s.hard_fault && self.answered == 1 {
            return Ok(Some(Stop::HardFault(
                "HardFault at 0x08000124 (main)".into(),
            )));
        }
        if self.s.resets_after_first_answer && self.answered == 1 {
            self.put(self.cb, &[0; 16]);
            return Ok(None);
        }
        if self.sent == self.answered && self.sent < reqs.len() {
            let mut r = reqs[self.sent].clone();
            if self.s.restarts_sequence && self.sent == 2 {
                r.seq = 0;
            }
            self.send(&wire::request(&r));
            self.sent += 1;
        }
        if self.answered == reqs.len() {
            return Ok(Some(Stop::Exited(0)));
        }
        Ok(None)
    }
    fn now(&self) -> Nanos {
        self.now
    }
    fn read_memory(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), TargetError> {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = *self.mem.get(&(addr + i as u32)).unwrap_or(&0);
        }
        Ok(())
    }
    fn write_memory(&mut self, addr: u32, bytes: &[u8]) -> Result<(), TargetError> {
        self.put(addr, bytes);
        Ok(())
    }
}

fn root() -> PathBuf {
    runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// gust-alone, resolved, with the gust-f100 replay ELF (built if stale).
#[allow(
    clippy::result_large_err,
    reason = "RunError is the harness's Backend::run error"
)]
fn run_with(
    script: Script,
    connect_error: Option<fn() -> TargetError>,
) -> Result<gale_harness::BackendRun, gale_harness::RunError> {
    let ctx = Context::new(root());
    let s = Scenario::load(&ctx.root.join("scenarios/gust-alone.yaml")).unwrap();
    let mut resolved = runner::resolve(&ctx, &s).unwrap();
    let elf = resolved[0]
        .image
        .build_variant(&ctx.root, "replay", &["replay"])
        .unwrap();
    let cb = gale_target::elf::rtt_address(&std::fs::read(&elf).unwrap()).unwrap();
    resolved[0].elf = Some(elf);
    let mut opts = HwOptions::new(ctx.root.clone());
    opts.poll = 10_000;
    opts.show_progress = false;
    opts.wall_budget = Duration::from_millis(300);
    opts.attach_within = 1_000_000;
    let backend = HwBackend::new(
        "fake",
        opts,
        Box::new(move |_| match connect_error {
            Some(e) => Err(e()),
            None => Ok(Box::new(Fake::new(script, cb)) as Box<dyn Target>),
        }),
    );
    let elfs = BTreeMap::new();
    let job = Job {
        scenario: &s,
        machines: &resolved,
        elfs: &elfs,
        root: ctx.root.clone(),
        work_dir: ctx.root.join("target/gale-sim/fake"),
    };
    backend.run(&job)
}

fn status(script: Script, connect_error: Option<fn() -> TargetError>) -> (i32, String) {
    match run_with(script, connect_error) {
        Ok(_) => panic!("expected an error"),
        Err(e) => (gale_target::exit_status(&e), e.to_string()),
    }
}

fn ok() -> Script {
    Script {
        down_size: 256,
        ..Script::default()
    }
}

#[test]
fn a_scripted_board_is_answered_and_traced() {
    let run = run_with(ok(), None).unwrap();
    let m = &run.machines[0];
    assert_eq!(m.end.how, "exit 0");
    let tx: Vec<u8> = m
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::UartTx { byte } if e.source == "USART1" => Some(byte),
            _ => None,
        })
        .collect();
    assert_eq!(tx, b"hello\r\nbye\r\n");
    assert_eq!(m.trace.events()[0].t, 100_000, "stamped with firmware time");
}

#[test]
fn probe_errors_keep_their_status_and_advice() {
    let (code, msg) = status(ok(), Some(|| TargetError::NoProbe));
    assert_eq!(code, 10);
    assert!(
        msg.contains("no debug probe found") && msg.contains("udev"),
        "{msg}"
    );
    let (code, msg) = status(
        ok(),
        Some(|| TargetError::SeveralProbes {
            count: 2,
            list: "0483:3748:A (ST-Link), 1366:0101:B (J-Link)".into(),
        }),
    );
    assert_eq!(code, 11);
    assert!(msg.contains("--probe VID:PID[:SERIAL]"), "{msg}");
    let (code, msg) = status(
        ok(),
        Some(|| TargetError::UnknownChip("MIMXRT1176DVMAA".into())),
    );
    assert_eq!(code, 12);
    assert!(msg.contains("probe-rs chip list"), "{msg}");
}

#[test]
fn flash_and_verify_failures() {
    let (code, msg) = status(
        Script {
            flash_fails: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 13);
    assert!(msg.contains("flashing failed: erase timed out"), "{msg}");
    let (code, msg) = status(
        Script {
            verify_fails: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 13);
    assert!(msg.contains("verify failed at 0x08000100"), "{msg}");
}

#[test]
fn rtt_block_not_found() {
    let (code, msg) = status(
        Script {
            never_inits_rtt: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 14);
    assert!(msg.contains("gale_replay::init"), "{msg}");
}

#[test]
fn down_channel_overflow() {
    // Even an empty answer is an 8-byte frame: it never fits a 4-byte
    // down channel (which holds 3).
    let (code, msg) = status(
        Script {
            down_size: 4,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 15);
    assert!(msg.contains("down channel overflow"), "{msg}");
}

#[test]
fn board_reset_mid_run() {
    let (code, msg) = status(
        Script {
            resets_after_first_answer: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 16);
    assert!(msg.contains("control block was cleared"), "{msg}");
    let (code, msg) = status(
        Script {
            restarts_sequence: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 16);
    assert!(msg.contains("started again at 0"), "{msg}");
}

#[test]
fn deadline_passed() {
    let (code, msg) = status(
        Script {
            stalls: true,
            ..ok()
        },
        None,
    );
    assert_eq!(code, 17, "{msg}");
    assert!(msg.contains("wall-time budget"), "{msg}");
}

#[test]
fn hard_fault_ends_the_run_with_a_fault_event() {
    let run = run_with(
        Script {
            hard_fault: true,
            ..ok()
        },
        None,
    )
    .unwrap();
    let m = &run.machines[0];
    assert!(m.end.how.starts_with("fault: HardFault"), "{}", m.end.how);
    assert!(m
        .trace
        .events()
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Fault { what } if what.contains("HardFault"))));
}
