//! Checks that need more than the YAML's shape: names that must refer to
//! something, combinations of keys, and files the scenario points at.

use crate::telemetry::{HEARTBEAT_FIELDS, SAMPLE_FIELDS};
use crate::{BusKind, DeviceKind, Diagnostic, Expect, FaultDef, Scenario};

impl Scenario {
    pub(crate) fn validate(&mut self) -> Result<(), Diagnostic> {
        self.check_names()?;
        if self.def.machines.is_empty() {
            return Err(self
                .error_at(&["machines"], "a scenario needs at least one machine")
                .with_help("add `machines: { name: { board: stm32f100, image: gust-f100 } }`"));
        }
        if self.def.time_limit.0 == 0 {
            return Err(self
                .error_at(&["time_limit"], "time_limit must be greater than zero")
                .with_help("give a virtual-time limit such as `time_limit: 50ms`"));
        }
        self.check_chips()?;
        for (i, e) in self.def.expect.iter().enumerate() {
            let idx = i.to_string();
            let base = ["expect", idx.as_str(), e.kind()];
            self.check_machine(e.machine(), &base)?;
            self.check_expectation(e, &base)?;
        }
        for (name, d) in &self.def.devices {
            let base = ["devices", name.as_str()];
            self.check_machine(d.machine.as_deref(), &base)?;
            self.check_device(name, d)?;
        }
        self.check_signals()?;
        self.check_elfs()?;
        self.load_csv_signals()?;
        for (i, f) in self.def.faults.iter().enumerate() {
            let idx = i.to_string();
            self.check_fault(f, &["faults", idx.as_str(), f.kind()])?;
        }
        self.check_times()?;
        Ok(())
    }

    /// The scenario and machine names become file names: safe characters only.
    fn check_names(&self) -> Result<(), Diagnostic> {
        if let Err(why) = crate::check_file_name(&self.name) {
            let what = format!("scenario name `{}` {why}", crate::shown(&self.name, 40));
            let help = "use letters, digits, `.`, `_` and `-` (it names the artefact folder), e.g. `name: fmu-imu-stuck`";
            return Err(match self.def.name {
                Some(_) => self.error_at(&["name"], what).with_help(help),
                None => crate::Diagnostic::file(
                    &self.path,
                    format!("{what} (taken from the file name)"),
                )
                .with_help(
                    "add `name:` with letters, digits, `.`, `_` and `-`, or rename the file",
                ),
            });
        }
        for name in self.def.machines.keys() {
            if let Err(why) = crate::check_file_name(name) {
                let (line, col) = self
                    .spans
                    .locate_key(&["machines", name])
                    .unwrap_or_else(|| self.spans.locate(&["machines"]));
                return Err(crate::Diagnostic::at(
                    &self.path,
                    &self.source,
                    line,
                    col,
                    format!("machine name `{}` {why}", crate::shown(name, 40)),
                )
                .with_help(
                    "use letters, digits, `.`, `_` and `-` (it names artefact files), e.g. `fmu`",
                ));
            }
        }
        Ok(())
    }

    /// `chip:` names another machine, one that is not itself a further
    /// core of some chip (the first core of a chip is its name).
    fn check_chips(&self) -> Result<(), Diagnostic> {
        for (name, m) in &self.def.machines {
            let Some(first) = m.chip.as_deref() else {
                continue;
            };
            let path = ["machines", name.as_str(), "chip"];
            if first == name {
                return Err(self
                    .error_at(
                        &path,
                        format!("machine `{name}` cannot be another core of itself"),
                    )
                    .with_help(
                        "name the machine whose chip this core belongs to, or drop `chip:`",
                    ));
            }
            match self.def.machines.get(first) {
                None => {
                    let known: Vec<&str> = self
                        .def
                        .machines
                        .keys()
                        .map(String::as_str)
                        .filter(|k| k != name)
                        .collect();
                    return Err(self
                        .error_at(&path, format!("unknown machine `{first}`"))
                        .with_help(format!("use one of: {}", known.join(", "))));
                }
                Some(f) if f.chip.is_some() => {
                    return Err(self
                        .error_at(
                            &path,
                            format!(
                                "`{first}` is itself another core of `{}`",
                                f.chip.as_deref().unwrap_or_default()
                            ),
                        )
                        .with_help(format!(
                            "name the chip's first core: `chip: {}`",
                            f.chip.as_deref().unwrap_or_default()
                        )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn check_machine(&self, named: Option<&str>, base: &[&str]) -> Result<(), Diagnostic> {
        if self.resolve_machine(named).is_some() {
            return Ok(());
        }
        let known: Vec<&str> = self.def.machines.keys().map(String::as_str).collect();
        let mut path = base.to_vec();
        let (msg, help) = match named {
            Some(m) => {
                path.push("machine");
                (
                    format!("unknown machine `{m}`"),
                    format!("use one of: {}", known.join(", ")),
                )
            }
            None => {
                path.truncate(2);
                (
                    "this scenario has several machines: say which one this is about".to_string(),
                    format!("add `machine: <name>` with one of: {}", known.join(", ")),
                )
            }
        };
        Err(self.error_at(&path, msg).with_help(help))
    }

    fn check_expectation(&self, e: &Expect, base: &[&str]) -> Result<(), Diagnostic> {
        let at = |k: &'static str| [base, &[k]].concat();
        match e {
            Expect::Telemetry(t) => {
                let fields = match t.message.as_str() {
                    "sample" => SAMPLE_FIELDS,
                    "heartbeat" => HEARTBEAT_FIELDS,
                    other => {
                        return Err(self
                            .error_at(
                                &at("message"),
                                format!("unknown telemetry message `{other}`"),
                            )
                            .with_help("use `sample` or `heartbeat`"))
                    }
                };
                if !fields.contains(&t.field.as_str()) {
                    return Err(self
                        .error_at(
                            &at("field"),
                            format!("`{}` is not a field of {} messages", t.field, t.message),
                        )
                        .with_help(format!("use one of: {}", fields.join(", "))));
                }
                let modes = [
                    t.at.is_some(),
                    t.by.is_some(),
                    t.from.is_some() || t.until.is_some(),
                ];
                if modes.iter().filter(|m| **m).count() != 1 {
                    return Err(self
                        .error_at(base, "say when the bounds must hold: exactly one of `at`, `by`, or `from`/`until`")
                        .with_help("e.g. `at: 500ms` (last frame by then), `by: 1s` (some frame before), `from: 100ms` (every frame after)"));
                }
                let has_value = t.value.is_some();
                let has_range = t.min.is_some() || t.max.is_some();
                if has_value == has_range || (t.tolerance.is_some() && !has_value) {
                    return Err(self
                        .error_at(
                            base,
                            "give the bounds as `value` with `tolerance`, or as `min` and/or `max`",
                        )
                        .with_help("e.g. `value: 1000, tolerance: 50` or `min: 900, max: 1100`"));
                }
            }
            Expect::Gpio(g) => {
                if g.at.is_some() == g.by.is_some() {
                    return Err(self
                        .error_at(base, "say when: exactly one of `at` (level at that time) or `by` (level reached by then)")
                        .with_help("e.g. `at: 10ms` or `by: 700ms` with an optional `after: 500ms`"));
                }
                if g.after.is_some() && g.by.is_none() {
                    return Err(self
                        .error_at(&at("after"), "`after` goes with `by`")
                        .with_help("use `by:` as well, or drop `after:`"));
                }
            }
            Expect::Log(l) => {
                if let Some(level) = &l.level {
                    const LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace", "print"];
                    if !LEVELS.contains(&level.as_str()) {
                        return Err(self
                            .error_at(&at("level"), format!("unknown log level `{level}`"))
                            .with_help(format!("use one of: {}", LEVELS.join(", "))));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn check_device(&self, name: &str, d: &crate::DeviceDef) -> Result<(), Diagnostic> {
        let at = |k: &'static str| vec!["devices", name, k];
        let bus = d.kind.bus();
        match (bus, d.cs, d.address) {
            (BusKind::Spi, None, _) => {
                return Err(self
                    .error_at(
                        &at("type"),
                        format!("{} sits on SPI and needs a chip select", d.kind.id()),
                    )
                    .with_help("add `cs: 0` (the controller's PCS/NSS line 0..3)"))
            }
            (BusKind::I2c, _, None) => {
                return Err(self
                    .error_at(
                        &at("type"),
                        format!("{} sits on I2C and needs an address", d.kind.id()),
                    )
                    .with_help("add `address: 0x76` (BMP388: 0x76 or 0x77)"))
            }
            (BusKind::Spi, _, Some(_)) | (BusKind::Uart, _, Some(_)) => {
                return Err(self
                    .error_at(
                        &at("address"),
                        format!(
                            "{} is not an I2C device: `address` does not apply",
                            d.kind.id()
                        ),
                    )
                    .with_help("remove `address:`"))
            }
            (BusKind::I2c, Some(_), _) | (BusKind::Uart, Some(_), _) => {
                return Err(self
                    .error_at(
                        &at("cs"),
                        format!("{} is not an SPI device: `cs` does not apply", d.kind.id()),
                    )
                    .with_help("remove `cs:`"))
            }
            _ => {}
        }
        if d.cs.is_some_and(|cs| cs > 3) {
            return Err(self
                .error_at(&at("cs"), "chip select must be 0..3")
                .with_help("use the PCS/NSS index the firmware selects"));
        }
        if d.address.is_some_and(|a| a > 0x7f) {
            return Err(self
                .error_at(&at("address"), "I2C addresses are 7-bit (0x00..0x7f)")
                .with_help("give the unshifted 7-bit address"));
        }
        let only = [
            (
                "rate_hz",
                d.rate_hz.is_some(),
                d.kind.bus() == BusKind::Uart,
                "UART devices",
            ),
            (
                "baud",
                d.baud.is_some(),
                d.kind.bus() == BusKind::Uart,
                "UART devices",
            ),
            (
                "fix_type",
                d.fix_type.is_some(),
                d.kind == DeviceKind::Ublox,
                "ublox devices",
            ),
            (
                "num_sv",
                d.num_sv.is_some(),
                d.kind == DeviceKind::Ublox,
                "ublox devices",
            ),
            (
                "state",
                d.state.is_some(),
                d.kind == DeviceKind::Heartbeat,
                "heartbeat devices",
            ),
            (
                "vote",
                d.vote.is_some(),
                d.kind == DeviceKind::Heartbeat,
                "heartbeat devices",
            ),
        ];
        for (key, set, applies, which) in only {
            if set && !applies {
                return Err(self
                    .error_at(&at(key), format!("`{key}` applies to {which} only"))
                    .with_help(format!("remove `{key}:`")));
            }
        }
        match (d.kind, &d.from) {
            (DeviceKind::UartLink, None) => {
                return Err(self
                    .error_at(&at("type"), "a uart_link needs the transmitting end")
                    .with_help("add `from: <machine>.<UART>`, e.g. `from: fmu.LPUART2`"))
            }
            (DeviceKind::UartLink, Some(_)) => match d.link_source() {
                Some((m, port)) if self.def.machines.contains_key(m) && !port.is_empty() => {}
                Some((m, _)) if !self.def.machines.contains_key(m) => {
                    let known: Vec<&str> = self.def.machines.keys().map(String::as_str).collect();
                    return Err(self
                        .error_at(&at("from"), format!("unknown machine `{m}`"))
                        .with_help(format!("use one of: {}", known.join(", "))));
                }
                _ => {
                    return Err(self
                        .error_at(&at("from"), "expected `<machine>.<UART>`")
                        .with_help("e.g. `from: fmu.LPUART2`"))
                }
            },
            (_, Some(_)) => {
                return Err(self
                    .error_at(
                        &at("from"),
                        format!(
                            "`from` applies to uart_link devices only, not {}",
                            d.kind.id()
                        ),
                    )
                    .with_help("remove `from:`"))
            }
            (_, None) => {}
        }
        if d.rate_hz.is_some() && d.kind == DeviceKind::UartLink {
            return Err(self
                .error_at(
                    &at("rate_hz"),
                    "a uart_link carries what the other machine sends: it has no rate",
                )
                .with_help("remove `rate_hz:`"));
        }
        if d.rate_hz == Some(0) || d.baud == Some(0) {
            return Err(self
                .error_at(&["devices", name], "rates must be greater than zero")
                .with_help("e.g. `rate_hz: 5`, `baud: 115200`"));
        }
        let inputs = d.kind.inputs();
        for sig in d.signals.keys() {
            if !inputs.iter().any(|i| i.name == sig) {
                let names: Vec<&str> = inputs.iter().map(|i| i.name).collect();
                return Err(self
                    .error_at(
                        &["devices", name, "signals", sig.as_str()],
                        format!("{} has no input `{sig}`", d.kind.id()),
                    )
                    .with_help(format!("use one of: {}", names.join(", "))));
            }
        }
        Ok(())
    }

    fn load_csv_signals(&mut self) -> Result<(), Diagnostic> {
        let (root, base) = (self.root.clone(), self.base_dir().to_path_buf());
        let mut problems = Vec::new();
        for (dev, d) in self.def.devices.iter_mut() {
            for (sig, s) in d.signals.iter_mut() {
                for part in s.csv_parts_mut() {
                    let crate::Signal::Csv {
                        file,
                        column,
                        points,
                        ..
                    } = part
                    else {
                        continue;
                    };
                    // Only files inside the project are read, so a parse
                    // error below can only quote the project's own CSV.
                    let loaded = crate::project::resolve(&root, &base, file)
                        .map_err(|e| (None, format!("cannot read CSV: {e}")))
                        .and_then(|path| {
                            crate::project::read_text(&path)
                                .map(|t| (path, t))
                                .map_err(|e| (None, format!("cannot read CSV: {e}")))
                        })
                        .and_then(|(path, text)| {
                            crate::signal::parse_csv(&text, column)
                                .map_err(|(l, m)| (Some((path, text, l)), m))
                        });
                    match loaded {
                        Ok(p) => *points = p,
                        Err(e) => problems.push((dev.clone(), sig.clone(), e)),
                    }
                }
            }
        }
        if let Some((dev, sig, (at, msg))) = problems.into_iter().next() {
            return Err(match at {
                // The problem is inside the CSV: point there.
                Some((path, text, line)) => Diagnostic::at(&path, &text, line, 1, msg)
                    .with_help(format!("used by devices.{dev}.signals.{sig} in {}", self.path.display())),
                None => self
                    .error_at(&["devices", &dev, "signals", &sig], msg)
                    .with_help("give the path of a regular file inside the project, relative to the scenario file"),
            });
        }
        Ok(())
    }

    /// Signal parameters serde cannot check (a negative spread, NaN).
    fn check_signals(&self) -> Result<(), Diagnostic> {
        for (dev, d) in &self.def.devices {
            for (sig, s) in &d.signals {
                if let Some(why) = s.problem() {
                    return Err(self
                        .error_at(&["devices", dev, "signals", sig], why)
                        .with_help("e.g. `noise: { stddev: 0.05, seed: 7 }` (stddev >= 0)"));
                }
            }
        }
        Ok(())
    }

    /// `elf:` must name a file inside the project.
    fn check_elfs(&self) -> Result<(), Diagnostic> {
        for (name, m) in &self.def.machines {
            let Some(elf) = &m.elf else { continue };
            let checked = self
                .resolve_input(elf)
                .and_then(|p| crate::project::check_regular(&p, crate::project::MAX_ELF_BYTES));
            if let Err(why) = checked {
                return Err(self
                    .error_at(&["machines", name, "elf"], format!("firmware ELF {why}"))
                    .with_help(
                        "give the path of an ELF inside the project, relative to the scenario file",
                    ));
            }
        }
        Ok(())
    }

    fn check_fault(&self, f: &FaultDef, base: &[&str]) -> Result<(), Diagnostic> {
        let at = |k: &'static str| [base, &[k]].concat();
        let Some(d) = self.def.devices.get(f.device()) else {
            let known: Vec<&str> = self.def.devices.keys().map(String::as_str).collect();
            return Err(self
                .error_at(&at("device"), format!("unknown device `{}`", f.device()))
                .with_help(if known.is_empty() {
                    "declare the device under `devices:` first".to_string()
                } else {
                    format!("use one of: {}", known.join(", "))
                }));
        };
        if let Some(sig) = f.signal() {
            if !d.kind.inputs().iter().any(|i| i.name == sig) {
                let names: Vec<&str> = d.kind.inputs().iter().map(|i| i.name).collect();
                return Err(self
                    .error_at(
                        &at("signal"),
                        format!("{} has no input `{sig}`", d.kind.id()),
                    )
                    .with_help(format!("use one of: {}", names.join(", "))));
            }
        }
        let fits = match f {
            FaultDef::Nak { .. } => d.kind.bus() == BusKind::I2c,
            FaultDef::BadChecksum { .. } => {
                matches!(d.kind, DeviceKind::Ublox | DeviceKind::Heartbeat)
            }
            FaultDef::FramingError { .. } => d.kind.bus() == BusKind::Uart,
            FaultDef::BitFlip { bit, .. } => {
                if *bit > 7 {
                    return Err(self
                        .error_at(&at("bit"), "bit must be 0..7 (a bit of each byte)")
                        .with_help("e.g. `bit: 3`"));
                }
                true
            }
            _ => true,
        };
        if !fits {
            return Err(self
                .error_at(base, format!("a `{}` fault does not apply to {} (`{}`)", f.kind(), d.kind.id(), f.device()))
                .with_help("nak: I2C devices; bad_checksum: ublox and heartbeat; framing_error: UART devices; the others: any device"));
        }
        if f.window().duration.is_some_and(|d| d.0 == 0) {
            return Err(self
                .error_at(&at("for"), "a fault window must be longer than zero")
                .with_help("e.g. `for: 50ms`, or drop `for:` to last to the end"));
        }
        Ok(())
    }
}
