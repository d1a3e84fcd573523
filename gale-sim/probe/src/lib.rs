//! A debug probe (probe-rs) as a `gale_target::Target`, and the hardware
//! backend the CLI's `--target hw [--probe VID:PID[:SERIAL]] [--chip NAME]`
//! builds with [`backend`].
//!
//! The RTT and replay logic is `gale-target`'s, over this target's memory
//! access (the AHB-AP reads and writes RAM while the core runs), so the
//! probe and the engine-as-board share every line of it.

mod session;

use gale_target::probe_select::{self, ProbeInfo, ProbeSpec};
use gale_target::{HwBackend, HwOptions, Target, TargetError};
use probe_rs::config::Registry;
use probe_rs::probe::list::Lister;
use probe_rs::Permissions;
use std::path::PathBuf;

pub use session::ProbeTarget;

/// What the CLI passes through.
#[derive(Clone, Debug, Default)]
pub struct ProbeOptions {
    /// `--probe VID:PID[:SERIAL]`; without it there must be exactly one probe.
    pub probe: Option<ProbeSpec>,
    /// `--chip NAME`; without it the image's `probe-rs-chip`.
    pub chip: Option<String>,
}

/// Checks a chip name against probe-rs's built-in targets.
pub fn check_chip(name: &str) -> Result<(), TargetError> {
    Registry::from_builtin_families()
        .get_target_by_name(name)
        .map(drop)
        .map_err(|_| TargetError::UnknownChip(name.to_string()))
}

/// The probes attached to this machine.
pub fn probes() -> Vec<ProbeInfo> {
    Lister::new()
        .list_all()
        .into_iter()
        .map(|p| ProbeInfo {
            vid: p.vendor_id,
            pid: p.product_id,
            serial: p.serial_number.clone(),
            name: p.identifier.clone(),
        })
        .collect()
}

/// Opens a session on `chip` (checked first) through the chosen probe.
pub fn connect(opts: &ProbeOptions, image_chip: Option<&str>) -> Result<ProbeTarget, TargetError> {
    let chip = opts
        .chip
        .as_deref()
        .or(image_chip)
        .ok_or_else(|| TargetError::UnknownChip("(none given)".into()))?;
    check_chip(chip)?;
    let lister = Lister::new();
    let all = lister.list_all();
    let infos: Vec<ProbeInfo> = probes();
    let i = probe_select::select(&infos, opts.probe.as_ref())?;
    let probe = all[i]
        .open()
        .map_err(|e| TargetError::Probe(format!("cannot open {}: {e}", infos[i])))?;
    let session = probe.attach(chip, Permissions::default()).map_err(|e| {
        TargetError::Probe(format!(
            "cannot attach to {chip} through {}: {e}; check the SWD wiring and power",
            infos[i]
        ))
    })?;
    Ok(ProbeTarget::new(session, format!("{} on {chip}", infos[i])))
}

/// The hardware backend for `--target hw`: each run connects to the probe
/// (so a missing probe is reported per scenario, with its exit status).
pub fn backend(root: PathBuf, opts: ProbeOptions) -> HwBackend {
    HwBackend::new(
        "hw",
        HwOptions::new(root),
        Box::new(move |r| {
            Ok(Box::new(connect(&opts, r.image.probe_rs_chip.as_deref())?) as Box<dyn Target>)
        }),
    )
}
