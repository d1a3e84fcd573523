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

/// How much one machine may produce before its run is stopped: firmware
/// that floods a UART, semihosting, RTT or a GPIO must end with a report,
/// not exhaust the host's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// Trace events (UART bytes, bus transfers, GPIO edges, console bytes...).
    pub events: usize,
    /// Bytes read from RTT up-channel 0.
    pub rtt_bytes: usize,
}

impl Default for Caps {
    fn default() -> Self {
        // ~100 bytes per event: about 1 GB of trace at most, far beyond
        // the shipped scenarios.
        Caps {
            events: 10_000_000,
            rtt_bytes: 64 << 20,
        }
    }
}

/// The built-in engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineBackend {
    pub caps: Caps,
}

impl Backend for EngineBackend {
    fn name(&self) -> &'static str {
        "gale"
    }

    fn run(&self, job: &Job) -> Result<BackendRun, RunError> {
        run(job.scenario, job.machines, job.elfs, self.caps)
    }
}

/// The stream that filled a machine's trace past its cap, and how much it
/// and the trace hold.
fn over_cap(trace: &Trace, rtt: &Capture, caps: Caps) -> Option<String> {
    if rtt.len() > caps.rtt_bytes {
        return Some(format!(
            "RTT up-channel 0 exceeded gale-sim's cap of {} bytes ({} read)",
            caps.rtt_bytes,
            rtt.len()
        ));
    }
    let events = trace.events();
    if events.len() <= caps.events {
        return None;
    }
    let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events {
        *by_source.entry(e.source.as_str()).or_default() += 1;
    }
    let (source, n) = by_source
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .unwrap_or(("?", 0));
    Some(format!(
        "trace exceeded gale-sim's cap of {} events ({} recorded, {n} of them from {source})",
        caps.events,
        events.len()
    ))
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
    caps: Caps,
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
                StopReason::TimeReached => match over_cap(&traces[i], &logs[i], caps) {
                    None => continue,
                    Some(what) => {
                        let what = format!("stopped: {what}");
                        traces[i].push(Event::new(
                            m.now(),
                            &resolved[i].name,
                            "core",
                            EventKind::Fault { what: what.clone() },
                        ));
                        what
                    }
                },
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
