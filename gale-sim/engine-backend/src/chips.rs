//! Machines that run as cores of one chip (`chip:` in a scenario): the
//! memories their platforms mark `shared` become one host memory mapped by
//! every core, and the two sides of the Messaging Unit share one state.

use gale_engine::SharedMemory;
use gale_harness::models::Attachment;
use gale_harness::runner::Resolved;
use gale_models::imxrt::mu::MuLink;
use gale_scenario::{Diagnostic, Scenario};
use std::collections::BTreeMap;

/// What one machine shares with the other cores of its chip.
#[derive(Default)]
pub struct ChipLinks {
    /// Host memory by memory name (the platform's `[[memory]] name`).
    pub memories: BTreeMap<String, SharedMemory>,
    /// The MU peripheral of this core and the link to the other side.
    pub mu: Option<(String, MuLink)>,
}

impl ChipLinks {
    /// The attachment that joins this core's MU to the other core's.
    pub fn mu_attachment(&self) -> Option<(String, Attachment)> {
        self.mu
            .as_ref()
            .map(|(name, link)| (name.clone(), Attachment::MuPeer(link.clone())))
    }
}

const MU_MODEL: &str = "imxrt.mu";

/// The links of every machine that shares a chip with another, by machine
/// name. Errors point at the `chip:` line.
// A Diagnostic is large (file, source line, fix) and built once per failed run.
#[allow(clippy::result_large_err)]
pub fn link(
    s: &Scenario,
    resolved: &[Resolved],
) -> Result<BTreeMap<String, ChipLinks>, Diagnostic> {
    let by_name: BTreeMap<&str, &Resolved> =
        resolved.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut groups: BTreeMap<&str, Vec<&Resolved>> = BTreeMap::new();
    for (name, m) in &s.def.machines {
        if let (Some(first), Some(r)) = (m.chip.as_deref(), by_name.get(name.as_str())) {
            groups
                .entry(first)
                .or_insert_with(|| by_name.get(first).into_iter().copied().collect())
                .push(r);
        }
    }
    let mut out = BTreeMap::new();
    for (first, cores) in groups {
        let soc = cores[0].platform.soc.clone();
        for core in &cores[1..] {
            let at = ["machines", core.name.as_str(), "chip"];
            match (&soc, &core.platform.soc) {
                (Some(a), Some(b)) if a == b => {}
                _ => {
                    let say = |p: &gale_platform::Platform| {
                        format!("`{}` ({})", p.name, p.soc.as_deref().unwrap_or("no soc"))
                    };
                    return Err(s
                        .error_at(&at, format!("`{}` cannot be another core of `{first}`: boards {} and {} are not cores of one chip", core.name, say(&core.platform), say(&cores[0].platform)))
                        .with_help("only boards whose platforms name the same `soc` (e.g. rt1176-cm7 and rt1176-cm4) can share a chip"));
                }
            }
        }
        let mus: Vec<Option<&str>> = cores
            .iter()
            .map(|c| {
                c.platform
                    .peripherals
                    .iter()
                    .find(|p| p.model.as_deref() == Some(MU_MODEL))
                    .map(|p| p.name.as_str())
            })
            .collect();
        if cores.len() > 2 && mus.iter().any(Option::is_some) {
            let extra = &cores[2].name;
            return Err(s
                .error_at(
                    &["machines", extra.as_str(), "chip"],
                    format!("chip of `{first}` already has two cores joined by its Messaging Unit"),
                )
                .with_help(
                    "a Messaging Unit joins two cores: run a third core as a separate chip",
                ));
        }
        let mu = MuLink::new();
        let mut links: Vec<ChipLinks> = mus
            .iter()
            .map(|m| ChipLinks {
                memories: BTreeMap::new(),
                mu: m.map(|n| (n.to_string(), mu.clone())),
            })
            .collect();
        for mem in cores[0].platform.memories.iter().filter(|m| m.shared) {
            let same = |c: &&Resolved| {
                c.platform
                    .memories
                    .iter()
                    .any(|o| o.shared && o.name == mem.name && o.size == mem.size)
            };
            if !cores.iter().all(same) {
                continue;
            }
            let Some(host) = SharedMemory::new(mem.size) else {
                return Err(s.error_at(
                    &["machines", first],
                    format!(
                        "cannot allocate {} bytes of shared memory `{}`",
                        mem.size, mem.name
                    ),
                ));
            };
            for l in &mut links {
                l.memories.insert(mem.name.clone(), host.clone());
            }
        }
        for (core, l) in cores.iter().zip(links) {
            out.insert(core.name.clone(), l);
        }
    }
    Ok(out)
}
