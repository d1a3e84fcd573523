//! A `gale_harness::Backend` over any [`Target`]: builds the image's replay
//! variant, flashes it, runs the scenario's timeline, serves the replay
//! requests from the scenario's sensor models, and hands back the trace,
//! the defmt bytes and how the board ended, so the harness checks the
//! expectations exactly as for a simulated run.

use crate::error::TargetError;
use crate::replay::Server;
use crate::rtt::Rtt;
use crate::target::{Progress, Stop, Target};
use crate::wire::{self, Decoder};
use gale_harness::backend::{Backend, BackendRun, Job, MachineRun};
use gale_harness::devices;
use gale_harness::rtt_log::Capture;
use gale_harness::runner::{MachineEnd, Resolved, RunError};
use gale_trace::{Event, EventKind, Nanos, Trace};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How a hardware run is paced.
#[derive(Clone, Debug)]
pub struct HwOptions {
    /// The project root (to build the replay image).
    pub root: PathBuf,
    /// How often RTT is polled, in target time (a probe's cadence).
    pub poll: Nanos,
    /// The control block must appear this long after reset.
    pub attach_within: Nanos,
    /// The whole run must end within this much host wall time.
    pub wall_budget: Duration,
    /// Show flashing progress on stderr.
    pub show_progress: bool,
}

impl HwOptions {
    pub fn new(root: PathBuf) -> HwOptions {
        HwOptions {
            root,
            poll: 1_000_000,
            attach_within: 500_000_000,
            wall_budget: Duration::from_secs(120),
            show_progress: true,
        }
    }
}

/// Opens the target for a resolved machine (a probe session, or the engine
/// playing the board).
pub type Connect = dyn Fn(&Resolved) -> Result<Box<dyn Target>, TargetError> + Sync;

/// The hardware backend.
pub struct HwBackend {
    name: &'static str,
    opts: HwOptions,
    connect: Box<Connect>,
}

impl HwBackend {
    /// `name` is the backend's short name in reports (`hw`, `engine-board`).
    pub fn new(name: &'static str, opts: HwOptions, connect: Box<Connect>) -> HwBackend {
        HwBackend {
            name,
            opts,
            connect,
        }
    }
}

/// Why a scenario cannot run on one board through a probe, if it cannot.
pub fn refusal(job: &Job) -> Option<String> {
    if job.machines.len() != 1 {
        let names: Vec<&str> = job.machines.iter().map(|m| m.name.as_str()).collect();
        return Some(format!(
            "it has {} machines ({}); a hardware run drives one board through one probe. Run each board's part as its own scenario, or keep the multi-board scenario in simulation",
            names.len(),
            names.join(", ")
        ));
    }
    let r = &job.machines[0];
    if r.platform.name == "rt1176-cm4" {
        return Some(format!(
            "machine `{}` is the RT1176's Cortex-M4; probe-rs can only reach it after the CM7 has released it from reset, so it cannot be flashed and run on its own",
            r.name
        ));
    }
    if r.elf.is_none() && !has_replay_feature(&r.image.manifest) {
        return Some(format!(
            "image `{}` has no `replay` cargo feature, so its buses cannot be replayed over RTT (docs/hardware.md says how to add one)",
            r.image.name
        ));
    }
    if r.image.probe_rs_chip.is_none() {
        return Some(format!(
            "image `{}` names no probe-rs chip (probe-rs-chip in its Cargo.toml)",
            r.image.name
        ));
    }
    None
}

fn has_replay_feature(manifest: &std::path::Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("features")?.get("replay").cloned())
        .is_some()
}

impl Backend for HwBackend {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run(&self, job: &Job) -> Result<BackendRun, RunError> {
        if let Some(why) = refusal(job) {
            return Err(TargetError::Refused(why).into());
        }
        let r = &job.machines[0];
        let elf = match &r.elf {
            Some(e) => e.clone(),
            None => r
                .image
                .build_variant(&self.opts.root, "replay", &["replay"])?,
        };
        let bytes = std::fs::read(&elf)
            .map_err(|e| RunError::Other(anyhow::anyhow!("cannot read {}: {e}", elf.display())))?;
        let (attachments, _) = devices::attachments(job.scenario, &r.name, &r.platform)?;
        let mut target = (self.connect)(r)?;
        let session = Session {
            opts: &self.opts,
            machine: &r.name,
            limit: job.scenario.def.time_limit.0,
            server: Server::new(&r.name, attachments),
        };
        let wall = Instant::now();
        let (run, traffic) = session.run(target.as_mut(), &bytes)?;
        let served = traffic.requests;
        let wall = wall.elapsed().as_secs_f64();
        let virt = run.end.at as f64 / 1e9;
        Ok(BackendRun {
            notes: vec![
                format!(
                    "{}: ran on {} with bus replay",
                    r.name,
                    target.describe()
                ),
                format!(
                    "{}: {served} replay requests in {virt:.3} s of target time and {wall:.3} s of wall time ({:.0}/s target, {:.0}/s wall)",
                    r.name,
                    served as f64 / virt.max(1e-9),
                    served as f64 / wall.max(1e-9)
                ),
                format!(
                    "{}: replay RTT traffic {} B up and {} B down, {:.1} kB/s up and {:.1} kB/s down per target second",
                    r.name,
                    traffic.up_bytes,
                    traffic.down_bytes,
                    traffic.up_bytes as f64 / virt.max(1e-9) / 1e3,
                    traffic.down_bytes as f64 / virt.max(1e-9) / 1e3
                ),
            ],
            machines: vec![run],
        })
    }
}

struct Session<'a> {
    opts: &'a HwOptions,
    machine: &'a str,
    limit: Nanos,
    server: Server,
}

/// The RTT channels of a replay build.
struct Channels {
    rtt: Rtt,
    log: Option<usize>,
    up: usize,
    down: usize,
}

/// What the replay protocol moved over RTT in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Replay requests served.
    pub requests: u64,
    /// Bytes read from the replay up channel (request frames).
    pub up_bytes: u64,
    /// Bytes of response frames written to the down channel.
    pub down_bytes: u64,
}

impl Session<'_> {
    /// Runs the board; returns what it produced and the replay traffic.
    fn run(mut self, t: &mut dyn Target, elf: &[u8]) -> Result<(MachineRun, Traffic), TargetError> {
        let cb = crate::elf::rtt_address(elf).ok_or_else(|| {
            TargetError::RttNotFound(
                "the ELF has no `_SEGGER_RTT` symbol; build the image with `--features replay`"
                    .into(),
            )
        })?;
        let show = self.opts.show_progress;
        t.flash(elf, &mut |p| {
            if show {
                match p {
                    Progress::Erasing => eprintln!("flash: erasing"),
                    Progress::Programming { done, total } if done == total => {
                        eprintln!("flash: programmed {total} bytes")
                    }
                    Progress::Programming { .. } => {}
                    Progress::Verifying => eprintln!("flash: verifying"),
                    Progress::Done => eprintln!("flash: done"),
                }
            }
        })?;
        t.reset_and_run()?;
        let started = Instant::now();
        let mut trace = Trace::new();
        let mut logs = Capture::default();
        let ch = match self.attach(t, cb, &mut trace, started)? {
            Ok(ch) => ch,
            Err(end) => {
                let run = MachineRun {
                    name: self.machine.to_string(),
                    trace,
                    rtt: logs,
                    end,
                };
                return Ok((run, Traffic::default()));
            }
        };
        let mut decoder = Decoder::default();
        let mut pending: Vec<u8> = Vec::new();
        let mut expected: u16 = 0;
        let mut traffic = Traffic::default();
        let end = loop {
            let dt = self
                .opts
                .poll
                .min(self.limit.saturating_sub(t.now()))
                .max(1);
            let stop = t.run_for(dt)?;
            let now = t.now();
            if !ch.rtt.still_there(t)? {
                return Err(TargetError::BoardReset {
                    at_ns: now,
                    why: "the RTT control block was cleared".into(),
                });
            }
            if let Some(log) = ch.log {
                logs.push(now, ch.rtt.read_up(t, log)?);
            }
            let up = ch.rtt.read_up(t, ch.up)?;
            traffic.up_bytes += up.len() as u64;
            decoder.push(&up);
            while let Some(req) = decoder
                .next_request()
                .map_err(|e| TargetError::Protocol(e.to_string()))?
            {
                if req.seq != expected {
                    return Err(if req.seq == 0 {
                        TargetError::BoardReset {
                            at_ns: now,
                            why: format!("replay requests started again at 0 after {expected}"),
                        }
                    } else {
                        TargetError::Protocol(format!(
                            "request {} arrived where {expected} was due: requests were lost",
                            req.seq
                        ))
                    });
                }
                expected = expected.wrapping_add(1);
                traffic.requests += 1;
                let answer = self.server.answer(&req);
                trace.extend(answer.events);
                let frame = wire::response(req.seq, answer.status, &answer.data);
                let size = ch.rtt.down[ch.down].size;
                if frame.len() >= size as usize {
                    return Err(TargetError::DownOverflow {
                        len: frame.len(),
                        size,
                    });
                }
                traffic.down_bytes += frame.len() as u64;
                pending.extend(frame);
            }
            if !pending.is_empty() {
                let n = ch.rtt.write_down(t, ch.down, &pending)?;
                pending.drain(..n);
            }
            trace.extend(t.observed());
            if let Some(end) = self.ended(stop, now, &mut trace)? {
                break end;
            }
            self.check_deadline(started, now)?;
        };
        let _ = t.halt();
        let run = MachineRun {
            name: self.machine.to_string(),
            trace,
            rtt: logs,
            end,
        };
        Ok((run, traffic))
    }

    fn check_deadline(&self, started: Instant, now: Nanos) -> Result<(), TargetError> {
        if started.elapsed() <= self.opts.wall_budget {
            return Ok(());
        }
        Err(TargetError::Deadline(format!(
            "the board reached only {:.6} s of the scenario's {:.6} s within the {:.1} s wall-time budget; is it stalled (halted, or waiting for a replay answer)?",
            now as f64 / 1e9,
            self.limit as f64 / 1e9,
            self.opts.wall_budget.as_secs_f64()
        )))
    }

    /// Waits for the firmware to set up its control block. `Err(end)` if
    /// the board stopped before that.
    fn attach(
        &self,
        t: &mut dyn Target,
        cb: u32,
        trace: &mut Trace,
        started: Instant,
    ) -> Result<Result<Channels, MachineEnd>, TargetError> {
        loop {
            self.check_deadline(started, t.now())?;
            if let Some(rtt) = Rtt::attach(t, cb)? {
                let (Some(up), Some(down)) = (rtt.up_index("replay"), rtt.down_index("replay"))
                else {
                    return Err(TargetError::RttNotFound(format!(
                        "the control block at {cb:#010x} has no `replay` up and down channels; build the image with `--features replay`"
                    )));
                };
                let log = rtt.up_index("defmt");
                return Ok(Ok(Channels { rtt, log, up, down }));
            }
            if t.now() >= self.opts.attach_within {
                return Err(TargetError::RttNotFound(format!(
                    "nothing initialised at `_SEGGER_RTT` ({cb:#010x}) {} ms after reset; check that the firmware calls gale_replay::init first and that the ELF on the board is the one given",
                    self.opts.attach_within / 1_000_000
                )));
            }
            let stop = t.run_for(self.opts.poll)?;
            let now = t.now();
            trace.extend(t.observed());
            if let Some(end) = self.ended(stop, now, trace)? {
                return Ok(Err(end));
            }
        }
    }

    fn ended(
        &self,
        stop: Option<Stop>,
        now: Nanos,
        trace: &mut Trace,
    ) -> Result<Option<MachineEnd>, TargetError> {
        let end = |how: String| MachineEnd {
            machine: self.machine.to_string(),
            at: now,
            instructions: 0,
            how,
        };
        Ok(match stop {
            Some(Stop::Exited(code)) => {
                trace.push(Event::new(
                    now,
                    self.machine,
                    "semihosting",
                    EventKind::Exit { code },
                ));
                Some(end(format!("exit {code}")))
            }
            Some(Stop::HardFault(what)) => {
                trace.push(Event::new(
                    now,
                    self.machine,
                    "core",
                    EventKind::Fault { what: what.clone() },
                ));
                Some(end(format!("fault: {what}")))
            }
            Some(Stop::Reset) => {
                return Err(TargetError::BoardReset {
                    at_ns: now,
                    why: "the probe saw the core reset".into(),
                })
            }
            None if now >= self.limit => Some(end("time limit".into())),
            None => None,
        })
    }
}
