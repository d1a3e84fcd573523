//! The built-in engine's run loop: every machine of a scenario steps in
//! fixed virtual-time quanta, in name order, so multi-machine scenarios stay
//! deterministic.

use crate::{chips, machine};
use gale_engine::{Limits, Machine, StopReason};
use gale_harness::backend::{Backend, BackendRun, Job, MachineRun};
use gale_harness::devices;
use gale_harness::rtt_log::Capture;
use gale_harness::runner::{MachineEnd, Resolved, RunError};
use gale_platform::Platform;
use gale_scenario::Scenario;
use gale_trace::{Event, EventKind, Nanos, Trace};
use std::collections::BTreeMap;
use std::path::Path;

/// Virtual time each machine runs before the others catch up. Machines only
/// interact at quantum boundaries, so a fixed quantum keeps multi-machine
/// scenarios deterministic.
pub const QUANTUM: Nanos = 100_000;

/// The built-in engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineBackend;

impl Backend for EngineBackend {
    fn name(&self) -> &'static str {
        "gale"
    }

    fn run(&self, job: &Job) -> Result<BackendRun, RunError> {
        run(job.scenario, job.machines, job.elfs)
    }
}

fn load_machine(
    r: &Resolved,
    elf: &Path,
    s: &Scenario,
    notes: &mut Vec<String>,
    feeds: &mut Vec<devices::Feed>,
    chip: Option<&chips::ChipLinks>,
) -> Result<Machine, RunError> {
    let (mut devices, wire_feeds) = devices::attachments(s, &r.name, &r.platform)?;
    feeds.extend(wire_feeds);
    if let Some((mu, peer)) = chip.and_then(chips::ChipLinks::mu_attachment) {
        devices.entry(mu).or_default().push(peer);
    }
    let shared = chip.map(|c| &c.memories);
    let (spec, n) = machine::spec(&r.name, &r.platform, s.def.trace.irqs, devices, shared)
        .map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", r.name)))?;
    notes.extend(n);
    let bytes = std::fs::read(elf)
        .map_err(|e| RunError::Other(anyhow::anyhow!("cannot read {}: {e}", elf.display())))?;
    let mut m =
        Machine::new(spec).map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", r.name)))?;
    m.load_elf(&bytes).map_err(|e| {
        RunError::Other(anyhow::anyhow!(
            "{}: loading {}: {e}",
            r.name,
            elf.display()
        ))
    })?;
    Ok(m)
}

/// Runs already-resolved machines with the given ELFs in lockstep quanta.
pub fn run(
    s: &Scenario,
    resolved: &[Resolved],
    elfs: &BTreeMap<String, std::path::PathBuf>,
) -> Result<BackendRun, RunError> {
    let mut notes = Vec::new();
    let platforms: BTreeMap<&str, &Platform> = resolved
        .iter()
        .map(|r| (r.name.as_str(), &r.platform))
        .collect();
    devices::check_links(s, &platforms)?;
    let chips = chips::link(s, resolved)?;
    let mut machines = Vec::new();
    let mut feeds = Vec::new();
    for r in resolved {
        machines.push(load_machine(
            r,
            &elfs[&r.name],
            s,
            &mut notes,
            &mut feeds,
            chips.get(&r.name),
        )?);
    }
    // RTT up-channel 0 (defmt or text logs), read at every quantum boundary.
    let mut logs: Vec<Capture> = (0..machines.len()).map(|_| Capture::default()).collect();
    let limit = s.def.time_limit.0;
    let limits = Limits {
        time: limit,
        instructions: s.def.instruction_limit.unwrap_or(u64::MAX),
    };
    let mut ends: Vec<Option<MachineEnd>> = vec![None; machines.len()];
    let mut traces: Vec<Trace> = vec![Trace::new(); machines.len()];
    let mut t = 0;
    while t < limit && ends.iter().any(Option::is_none) {
        t = (t + QUANTUM).min(limit);
        for (i, m) in machines.iter_mut().enumerate() {
            if ends[i].is_some() {
                continue;
            }
            let stop = m
                .run_until(t, &limits)
                .map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", resolved[i].name)))?;
            let chunk = m.take_trace();
            // Wires from this machine carry what it just transmitted.
            for feed in feeds.iter().filter(|f| f.machine == resolved[i].name) {
                for e in chunk.events() {
                    if let EventKind::UartTx { byte } = e.kind {
                        if e.source == feed.port {
                            feed.tx.push(e.t, byte);
                        }
                    }
                }
            }
            traces[i].extend(chunk.events().iter().cloned());
            logs[i].push(m.now(), m.rtt_read_up(0));
            let how = match stop {
                StopReason::TimeReached => continue,
                StopReason::TimeLimit => "time limit".to_string(),
                StopReason::Exited { code } => format!("exit {code}"),
                StopReason::Fault(report) => {
                    traces[i].push(Event::new(
                        m.now(),
                        &resolved[i].name,
                        "core",
                        EventKind::Fault {
                            what: report.to_string(),
                        },
                    ));
                    format!("fault: {report}")
                }
                StopReason::InstructionLimit => {
                    let what = format!("instruction limit of {} reached", limits.instructions);
                    traces[i].push(Event::new(
                        m.now(),
                        &resolved[i].name,
                        "core",
                        EventKind::Fault { what: what.clone() },
                    ));
                    what
                }
            };
            ends[i] = Some(MachineEnd {
                machine: resolved[i].name.clone(),
                at: m.now(),
                instructions: m.instructions(),
                how,
            });
        }
    }
    let runs = ends
        .into_iter()
        .zip(machines)
        .zip(resolved)
        .zip(traces.into_iter().zip(logs))
        .map(|(((e, m), r), (trace, rtt))| {
            let end = e.unwrap_or_else(|| MachineEnd {
                machine: r.name.clone(),
                at: m.now(),
                instructions: m.instructions(),
                how: "time limit".into(),
            });
            MachineRun {
                name: r.name.clone(),
                trace,
                rtt,
                end,
            }
        })
        .collect();
    Ok(BackendRun {
        machines: runs,
        notes,
    })
}
