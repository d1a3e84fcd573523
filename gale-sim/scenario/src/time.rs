//! Virtual-time literals: `20ms`, `1.5s`, `250us`, `100ns`.

use gale_trace::Nanos;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A virtual time or duration, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub Nanos);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time with a unit, such as `20ms`, `1.5s`, `250us` or `100ns`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Time, E> {
                parse_time(v).map(Time).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Time, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write `{v}ms`, `{v}us`, `{v}ns` or `{v}s`"
                )))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Time, E> {
                Err(E::custom(format!("`{v}` has no unit: write e.g. `{v}ms`")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Time, E> {
                Err(E::custom(format!("`{v}` has no unit: write e.g. `{v}s`")))
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_time(self.0))
    }
}

/// Parses a time literal exactly (no floating point): an unsigned decimal
/// number and one of the units `s`, `ms`, `us` (or `µs`), `ns`.
pub fn parse_time(s: &str) -> Result<Nanos, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!(
            "`{}`: negative times are not allowed; times count from the start of the run (0ms)",
            crate::shown(s, 60)
        ));
    }
    // Echo at most a screenful of a (possibly huge) literal.
    let q = crate::shown(t, 60);
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim());
    let scale: u128 = match unit {
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" | "µs" => 1_000,
        "ns" => 1,
        "" => return Err(format!("`{q}` has no unit: write e.g. `{q}ms`")),
        other => {
            return Err(format!(
                "unknown time unit `{other}` in `{q}`: use s, ms, us or ns"
            ))
        }
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return Err(format!("`{q}` is not a number followed by a unit"));
    }
    let int_v: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("`{q}` is out of range"))?
    };
    let mut v = int_v
        .checked_mul(scale)
        .ok_or_else(|| format!("`{q}` is out of range"))?;
    let mut place = scale;
    for c in frac.chars() {
        place /= 10;
        if place == 0 {
            return Err(format!("`{q}` is finer than a nanosecond"));
        }
        v = v
            .checked_add((c as u128 - '0' as u128) * place)
            .ok_or_else(|| format!("`{q}` is out of range"))?;
    }
    Nanos::try_from(v).map_err(|_| format!("`{q}` is out of range"))
}

/// Formats nanoseconds as seconds with nine decimals (`0.004123000 s`).
pub fn format_time(t: Nanos) -> String {
    format!("{}.{:09} s", t / 1_000_000_000, t % 1_000_000_000)
}

impl schemars::JsonSchema for Time {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Time".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*[0-9]*\\.?[0-9]+\\s*(s|ms|us|µs|ns)\\s*$",
            "description": "A virtual time with a unit: `20ms`, `1.5s`, `250us`, `100ns`."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_exactly() {
        assert_eq!(parse_time("20ms"), Ok(20_000_000));
        assert_eq!(parse_time("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_time("0.000000001s"), Ok(1));
        assert_eq!(parse_time("250 us"), Ok(250_000));
        assert_eq!(parse_time("7ns"), Ok(7));
        assert_eq!(parse_time(".5ms"), Ok(500_000));
    }

    #[test]
    fn rejects_bad_literals_with_a_reason() {
        assert!(parse_time("20").unwrap_err().contains("no unit"));
        assert!(parse_time("20 min")
            .unwrap_err()
            .contains("unknown time unit"));
        assert!(parse_time("0.5ns").unwrap_err().contains("finer"));
        assert!(parse_time("1.2.3s").is_err());
        assert!(parse_time("ms").is_err());
        assert!(parse_time("99999999999999999999999s")
            .unwrap_err()
            .contains("range"));
    }

    #[test]
    fn formats_as_seconds() {
        assert_eq!(format_time(4_123_000), "0.004123000 s");
    }
}
