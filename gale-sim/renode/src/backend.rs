//! Renode as a [`gale_harness::Backend`]: a resolved scenario becomes a
//! [`RunSpec`], and what Renode recorded comes back as the harness's
//! per-machine traces, RTT bytes and ends, judged by the same verdict code
//! as the built-in engine.
//!
//! What maps: machines (platform + ELF), `uart_link` wires, and UART
//! devices that only speak (the heartbeat source, the u-blox receiver),
//! whose bytes the same `gale-models` device produces ahead of the run.
//! What does not map yet, and is refused with the reason: SPI and I2C
//! sensors (Renode has no ICM-42688 or BMP388 model of ours), `uart_link`
//! faults other than disconnect and bit flip, and several cores of one chip.

use crate::{End, LinkFault, LinkFaultKind, MachineSpec, Renode, RunSpec, UartInput, UartLink};
use gale_harness::backend::{Backend, BackendRun, Job, MachineRun};
use gale_harness::models::Attachment;
use gale_harness::rtt_log::Capture;
use gale_harness::runner::{MachineEnd, RunError};
use gale_models::bus::UartSymbol;
use gale_models::fault::BusFault;
use gale_scenario::{BusKind, DeviceKind, Scenario};
use gale_trace::{Event, EventKind, Nanos, Trace};
use std::time::Duration;

/// Renode, found and version-checked, as a backend.
pub struct RenodeBackend {
    pub renode: Renode,
    /// Wall time one scenario may take before Renode is killed.
    pub wall_limit: Duration,
}

impl RenodeBackend {
    pub fn new(renode: Renode) -> Self {
        RenodeBackend {
            renode,
            wall_limit: Duration::from_secs(300),
        }
    }
}

impl Backend for RenodeBackend {
    fn name(&self) -> &'static str {
        "renode"
    }

    fn run(&self, job: &Job) -> Result<BackendRun, RunError> {
        let s = job.scenario;
        refuse_unsupported(s)?;
        let machines = job
            .machines
            .iter()
            .map(|m| MachineSpec {
                name: m.name.clone(),
                platform: &m.platform,
                elf: job.elfs[&m.name].clone(),
                core_of: None,
            })
            .collect();
        let spec = RunSpec {
            root: job.root.clone(),
            machines,
            links: links(s),
            inputs: inputs(s, job)?,
            time_limit: s.def.time_limit.0,
            out_dir: job.work_dir.clone(),
            wall_limit: self.wall_limit,
        };
        let runs =
            crate::run(&self.renode, &spec).map_err(|e| RunError::Other(anyhow::anyhow!("{e}")))?;
        let machines = runs.into_iter().map(machine_run).collect();
        Ok(BackendRun {
            machines,
            notes: vec![format!(
                "Renode {} ({})",
                self.renode.version,
                self.renode.exe.display()
            )],
        })
    }
}

/// The harness's view of one Renode machine.
fn machine_run(r: crate::MachineRun) -> MachineRun {
    let mut trace = Trace::new();
    trace.extend(r.events);
    let how = match &r.end {
        End::TimeLimit => "time limit".to_string(),
        End::Exit(code) => format!("exit {code}"),
        End::Fault(what) => {
            trace.push(Event::new(
                r.end_at,
                &r.name,
                "core",
                EventKind::Fault { what: what.clone() },
            ));
            format!("fault: {what}")
        }
    };
    let mut rtt = Capture::default();
    for (t, bytes) in r.rtt {
        rtt.push(t, bytes);
    }
    // Renode does not report retired instructions per machine here.
    let end = MachineEnd {
        machine: r.name.clone(),
        at: r.end_at,
        instructions: 0,
        how,
    };
    MachineRun {
        name: r.name,
        trace,
        rtt,
        end,
    }
}

/// Scenario parts the Renode backend cannot honour yet, as located errors
/// (also used to mark the generated Robot suites of such scenarios).
pub fn refuse_unsupported(s: &Scenario) -> Result<(), RunError> {
    for (name, m) in &s.def.machines {
        if m.chip.is_some() {
            return Err(s
                .error_at(&["machines", name, "chip"], format!("`{name}` runs as another core of a chip, which the Renode backend does not support yet"))
                .with_help("run this scenario with --engine gale")
                .into());
        }
    }
    for (name, d) in &s.def.devices {
        if matches!(d.kind.bus(), BusKind::Spi | BusKind::I2c) {
            return Err(s
                .error_at(
                    &["devices", name, "type"],
                    format!("device `{name}` ({}) has no Renode model yet: only UART devices and links run in Renode", d.kind.id()),
                )
                .with_help("run this scenario with --engine gale (sensor models for Renode are planned)")
                .into());
        }
        if d.kind == DeviceKind::UartLink {
            for (k, f) in s
                .def
                .faults
                .iter()
                .enumerate()
                .filter(|(_, f)| f.device() == name.as_str())
            {
                if link_fault(f).is_none() {
                    return Err(s
                        .error_at(&["faults", &k.to_string()], format!("this fault on the uart_link `{name}` cannot be injected by the Renode backend yet (disconnect and bit_flip can)"))
                        .with_help("run this scenario with --engine gale")
                        .into());
                }
            }
        }
    }
    Ok(())
}

/// A wire fault Renode's link can apply: disconnect and bit flip windows.
fn link_fault(f: &gale_scenario::FaultDef) -> Option<LinkFault> {
    let w = f.bus_fault()?;
    let kind = match w.fault {
        BusFault::Disconnect => LinkFaultKind::Disconnect,
        BusFault::BitFlip { bit } => LinkFaultKind::BitFlip { bit },
        _ => return None,
    };
    Some(LinkFault {
        start: w.start,
        end: w.end,
        kind,
    })
}

/// The scenario's `uart_link` wires.
fn links(s: &Scenario) -> Vec<UartLink> {
    s.def
        .devices
        .iter()
        .filter(|(_, d)| d.kind == DeviceKind::UartLink)
        .filter_map(|(name, d)| {
            let (from, port) = d.link_source()?;
            let to = s.resolve_machine(d.machine.as_deref())?;
            let faults = s
                .def
                .faults
                .iter()
                .filter(|f| f.device() == name.as_str())
                .filter_map(link_fault)
                .collect();
            Some(UartLink {
                from: (from.to_string(), port.to_string()),
                to: (to.to_string(), d.bus.clone()),
                baud: d.baud.unwrap_or(115_200),
                faults,
            })
        })
        .collect()
}

/// The bytes each talking UART device sends over the run, produced by the
/// same `gale-models` device the built-in engine attaches (with its faults).
fn inputs(s: &Scenario, job: &Job) -> Result<Vec<UartInput>, RunError> {
    let limit: Nanos = s.def.time_limit.0;
    let mut out = Vec::new();
    for m in job.machines {
        let (by_bus, _) = gale_harness::devices::attachments(s, &m.name, &m.platform)?;
        for (port, attachments) in by_bus {
            for a in attachments {
                let Attachment::Uart(mut dev) = a else {
                    continue;
                };
                let mut bytes = Vec::new();
                while let Some(t) = dev.next_send() {
                    if t >= limit {
                        break;
                    }
                    match dev.send(t) {
                        Some(UartSymbol::Byte(b)) => bytes.push((t, b)),
                        Some(UartSymbol::FramingError(_)) => {
                            return Err(RunError::Other(anyhow::anyhow!(
                                "{}: a device on {port} sends a framing error at {} ns, which the Renode backend cannot inject yet; run with --engine gale",
                                m.name,
                                t
                            )))
                        }
                        None => {}
                    }
                }
                if !bytes.is_empty() {
                    out.push(UartInput {
                        machine: m.name.clone(),
                        port: port.clone(),
                        bytes,
                    });
                }
            }
        }
    }
    Ok(out)
}
