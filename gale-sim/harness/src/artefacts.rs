//! Per-scenario artefacts under `target/gale-sim/<scenario>/`.

use crate::report;
use crate::runner::RunOutcome;
use anyhow::{Context, Result};
use gale_trace::EventKind;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Writes `trace.txt`, one `uart-<machine>-<port>.txt` per UART that sent
/// anything (text lines, undisplayable bytes as `\xNN` escapes) with the raw
/// bytes beside it in `uart-<machine>-<port>.bin`, `console-<machine>.txt` for semihosting output, and
/// `log-<machine>.txt` (decoded defmt/RTT logs), `verdict.txt` and `timeline.vcd` (bus lines and GPIOs, for GTKWave or
/// Surfer). Returns the folder.
pub fn write(artefact_root: &Path, out: &RunOutcome) -> Result<PathBuf> {
    let dir = artefact_root.join(&out.name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let put = |file: &str, text: &str| {
        let p = dir.join(file);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))
    };
    put("trace.txt", &out.snapshot)?;
    let uarts: BTreeSet<(String, String)> = out
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::UartTx { .. }))
        .map(|e| (e.machine.clone(), e.source.clone()))
        .collect();
    for (machine, port) in &uarts {
        let text: String = out
            .trace
            .uart_tx_lines(machine, port)
            .iter()
            .map(|l| format!("{}\n", l.text))
            .collect();
        put(&format!("uart-{machine}-{port}.txt"), &text)?;
        let p = dir.join(format!("uart-{machine}-{port}.bin"));
        std::fs::write(&p, uart_bytes(out, machine, port))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    let consoles: BTreeSet<&str> = out
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Console { .. }))
        .map(|e| e.machine.as_str())
        .collect();
    for machine in consoles {
        let text: String = out
            .trace
            .console_lines(machine)
            .iter()
            .map(|l| format!("{}\n", l.text))
            .collect();
        put(&format!("console-{machine}.txt"), &text)?;
    }
    let loggers: BTreeSet<&str> = out
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Log { .. }))
        .map(|e| e.machine.as_str())
        .collect();
    for machine in loggers {
        let text: String = out
            .trace
            .events()
            .iter()
            .filter(|e| e.machine == machine)
            .filter_map(|e| match &e.kind {
                EventKind::Log { level, text } => Some(format!(
                    "{} [{level}] {text}\n",
                    gale_scenario::format_time(e.t)
                )),
                _ => None,
            })
            .collect();
        put(&format!("log-{machine}.txt"), &text)?;
    }
    put("verdict.txt", &report::outcome_text(out))?;
    put("timeline.vcd", &out.trace.to_vcd())?;
    Ok(dir)
}

/// Every byte `machine` transmitted on `port`, in order.
pub fn uart_bytes(out: &RunOutcome, machine: &str, port: &str) -> Vec<u8> {
    out.trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::UartTx { byte } if e.machine == machine && e.source == port => Some(byte),
            _ => None,
        })
        .collect()
}
