//! The built-in engine acting as a board behind a probe: a
//! `gale_target::Target` whose flash, reset, memory and RTT are the
//! engine's, with no sensor models attached (the replay build asks the host
//! for its buses, as on hardware). RTT is read and written in emulated RAM
//! while the core runs, at a polling cadence in virtual time
//! ([`BOARD_POLL`]), as a probe does in wall time.

use crate::machine;
use gale_engine::{Limits, Machine, StopReason};
use gale_harness::runner::Resolved;
use gale_target::{HwBackend, HwOptions, Progress, Stop, Target, TargetError};
use gale_trace::{EventKind, Nanos};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How often the host looks at RTT, in virtual time: a fast probe's
/// cadence. Every replayed transaction waits for the next poll.
pub const BOARD_POLL: Nanos = 10_000;

/// One machine of a scenario, bare, as a board on the bench.
pub struct EngineBoard {
    m: Machine,
    platform: String,
    elf: Vec<u8>,
    /// Virtual time of the last reset.
    origin: Nanos,
    fresh: bool,
}

impl EngineBoard {
    pub fn new(r: &Resolved) -> Result<EngineBoard, TargetError> {
        let (spec, _) = machine::spec(&r.name, &r.platform, false, BTreeMap::new(), None)
            .map_err(TargetError::Probe)?;
        let m = Machine::new(spec).map_err(|e| TargetError::Probe(e.to_string()))?;
        Ok(EngineBoard {
            m,
            platform: r.platform.name.clone(),
            elf: Vec::new(),
            origin: 0,
            fresh: false,
        })
    }
}

impl Target for EngineBoard {
    fn describe(&self) -> String {
        format!("the built-in engine acting as a {} board", self.platform)
    }

    fn flash(&mut self, elf: &[u8], progress: &mut dyn FnMut(Progress)) -> Result<(), TargetError> {
        let segments = gale_target::elf::load_segments(elf).map_err(TargetError::Flash)?;
        let total: u64 = segments.iter().map(|s| s.1.len() as u64).sum();
        progress(Progress::Erasing);
        self.m
            .load_elf(elf)
            .map_err(|e| TargetError::Flash(e.to_string()))?;
        progress(Progress::Programming { done: total, total });
        progress(Progress::Verifying);
        for (addr, bytes) in &segments {
            let mut back = vec![0u8; bytes.len()];
            if !self.m.read_memory(*addr, &mut back) {
                return Err(TargetError::Verify { addr: *addr });
            }
            if let Some(i) = back.iter().zip(bytes).position(|(a, b)| a != b) {
                return Err(TargetError::Verify {
                    addr: addr + i as u32,
                });
            }
        }
        progress(Progress::Done);
        self.elf = elf.to_vec();
        self.fresh = true;
        self.origin = self.m.now();
        Ok(())
    }

    fn reset_and_run(&mut self) -> Result<(), TargetError> {
        if !self.fresh {
            self.m
                .load_elf(&self.elf)
                .map_err(|e| TargetError::Flash(e.to_string()))?;
            self.origin = self.m.now();
        }
        self.fresh = false;
        Ok(())
    }

    fn halt(&mut self) -> Result<(), TargetError> {
        Ok(())
    }

    fn run_for(&mut self, dt: Nanos) -> Result<Option<Stop>, TargetError> {
        let limits = Limits {
            time: Nanos::MAX,
            instructions: u64::MAX,
        };
        let stop = self
            .m
            .run_until(self.m.now() + dt, &limits)
            .map_err(|e| TargetError::Probe(e.to_string()))?;
        Ok(match stop {
            StopReason::Exited { code } => Some(Stop::Exited(code)),
            StopReason::Fault(report) => Some(Stop::HardFault(report.to_string())),
            _ => None,
        })
    }

    fn now(&self) -> Nanos {
        self.m.now() - self.origin
    }

    fn read_memory(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), TargetError> {
        self.m
            .read_memory(addr, buf)
            .then_some(())
            .ok_or(TargetError::Memory {
                addr,
                len: buf.len(),
            })
    }

    fn write_memory(&mut self, addr: u32, bytes: &[u8]) -> Result<(), TargetError> {
        self.m
            .write_memory(addr, bytes)
            .then_some(())
            .ok_or(TargetError::Memory {
                addr,
                len: bytes.len(),
            })
    }

    /// GPIO edges: what a logic analyser on the board would see.
    fn observed(&mut self) -> Vec<gale_trace::Event> {
        let origin = self.origin;
        self.m
            .take_trace()
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Gpio { .. }))
            .map(|e| {
                let mut e = e.clone();
                e.t -= origin;
                e
            })
            .collect()
    }
}

/// The hardware code path with the engine as the board: what
/// `--target hw --board engine` (or the tests) run.
pub fn backend(root: PathBuf) -> HwBackend {
    backend_polling(root, BOARD_POLL)
}

/// The same with another polling cadence (virtual time), to play a slower
/// or faster probe.
pub fn backend_polling(root: PathBuf, poll: Nanos) -> HwBackend {
    let mut opts = HwOptions::new(root);
    opts.poll = poll;
    opts.show_progress = false;
    HwBackend::new(
        "engine-board",
        opts,
        Box::new(|r| Ok(Box::new(EngineBoard::new(r)?) as Box<dyn Target>)),
    )
}
