//! Choosing a probe from `--probe VID:PID[:SERIAL]`, independent of any
//! probe library, so the rules are tested without hardware.

use crate::error::TargetError;

/// A probe as listed by a probe library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeInfo {
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ProbeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vid, self.pid)?;
        if let Some(s) = &self.serial {
            write!(f, ":{s}")?;
        }
        write!(f, " ({})", self.name)
    }
}

/// `--probe VID:PID[:SERIAL]` (hex VID and PID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
}

impl std::str::FromStr for ProbeSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let hex = |p: Option<&str>, what: &str| {
            p.and_then(|p| u16::from_str_radix(p, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "`{s}`: {what} is not a hex number; use VID:PID[:SERIAL], e.g. 0483:3748"
                    )
                })
        };
        let vid = hex(parts.next(), "the vendor id")?;
        let pid = hex(parts.next(), "the product id")?;
        let serial = parts.next().filter(|x| !x.is_empty()).map(str::to_string);
        Ok(ProbeSpec { vid, pid, serial })
    }
}

impl ProbeSpec {
    fn matches(&self, p: &ProbeInfo) -> bool {
        self.vid == p.vid
            && self.pid == p.pid
            && self
                .serial
                .as_ref()
                .is_none_or(|s| p.serial.as_ref() == Some(s))
    }
}

fn listing(probes: &[ProbeInfo]) -> String {
    probes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index of the probe to open.
pub fn select(probes: &[ProbeInfo], wanted: Option<&ProbeSpec>) -> Result<usize, TargetError> {
    if probes.is_empty() {
        return Err(TargetError::NoProbe);
    }
    let hits: Vec<usize> = match wanted {
        None => (0..probes.len()).collect(),
        Some(w) => (0..probes.len())
            .filter(|&i| w.matches(&probes[i]))
            .collect(),
    };
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(TargetError::ProbeNotFound {
            wanted: wanted
                .map(|w| {
                    format!(
                        "{:04x}:{:04x}{}",
                        w.vid,
                        w.pid,
                        w.serial
                            .as_ref()
                            .map(|s| format!(":{s}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
            list: listing(probes),
        }),
        many => Err(TargetError::SeveralProbes {
            count: many.len(),
            list: listing(&many.iter().map(|&i| probes[i].clone()).collect::<Vec<_>>()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u16, serial: &str) -> ProbeInfo {
        ProbeInfo {
            vid: 0x0483,
            pid,
            serial: Some(serial.into()),
            name: "ST-Link".into(),
        }
    }

    #[test]
    fn choosing_probes() {
        assert!(matches!(select(&[], None), Err(TargetError::NoProbe)));
        assert_eq!(select(&[p(0x3748, "A")], None).unwrap(), 0);
        let two = [p(0x3748, "A"), p(0x3748, "B")];
        let e = select(&two, None).unwrap_err();
        assert_eq!(e.exit_status(), 11);
        assert!(e.to_string().contains("0483:3748:B"), "{e}");
        let spec: ProbeSpec = "0483:3748:B".parse().unwrap();
        assert_eq!(select(&two, Some(&spec)).unwrap(), 1);
        let spec: ProbeSpec = "0483:3748".parse().unwrap();
        assert!(
            select(&two, Some(&spec)).is_err(),
            "ambiguous without serial"
        );
        let spec: ProbeSpec = "1366:0101".parse().unwrap();
        assert!(matches!(
            select(&two, Some(&spec)),
            Err(TargetError::ProbeNotFound { .. })
        ));
        assert!("zz:1".parse::<ProbeSpec>().is_err());
    }
}
