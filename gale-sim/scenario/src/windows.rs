//! Times a scenario names must fit the run: nothing after `time_limit`, no
//! window that closes before it opens, and `after` only where it means
//! something.

use crate::{format_time, Diagnostic, Expect, Scenario, Time};

impl Scenario {
    /// Checks every expectation's and fault's times against `time_limit`
    /// and each other.
    pub(crate) fn check_times(&self) -> Result<(), Diagnostic> {
        let limit = self.def.time_limit;
        for (i, e) in self.def.expect.iter().enumerate() {
            let idx = i.to_string();
            let at = |k: &'static str| ["expect", idx.as_str(), e.kind(), k];
            let times = e.times();
            for (key, t) in &times {
                if *t > limit {
                    return Err(self
                        .error_at(&at(key), beyond_limit(key, *t, limit))
                        .with_help(format!(
                            "give a time up to {}, or raise `time_limit`",
                            format_time(limit.0)
                        )));
                }
            }
            let get = |k: &str| times.iter().find(|(key, _)| *key == k).map(|(_, t)| *t);
            if let Expect::Telemetry(_) = e {
                if get("after").is_some() && (get("from").is_some() || get("until").is_some()) {
                    return Err(self
                        .error_at(&at("after"), "`after` goes with `at` or `by`; a `from`/`until` window already says where it starts")
                        .with_help("drop `after:` and give the window's start as `from:`"));
                }
            }
            let ends = ["at", "by", "before"];
            if let Some(after) = get("after") {
                for end in ends {
                    let Some(t) = get(end) else { continue };
                    // `at` may equal `after`; an open window needs `after < end`.
                    let empty = if end == "at" { after > t } else { after >= t };
                    if empty {
                        return Err(self
                            .error_at(&at("after"), inverted("after", after, end, t))
                            .with_help(format!(
                                "`after` must be earlier than `{end}`: swap them, or correct one"
                            )));
                    }
                }
            }
            if let (Some(from), Some(until)) = (get("from"), get("until")) {
                if from >= until {
                    return Err(self
                        .error_at(&at("from"), inverted("from", from, "until", until))
                        .with_help(
                            "`from` must be earlier than `until`: swap them, or correct one",
                        ));
                }
            }
        }
        for (i, f) in self.def.faults.iter().enumerate() {
            let start = f.window().at;
            if start >= limit {
                let idx = i.to_string();
                return Err(self
                    .error_at(
                        &["faults", idx.as_str(), f.kind(), "at"],
                        format!(
                            "this fault starts at {}, when the run has already ended (time_limit: {})",
                            format_time(start.0),
                            format_time(limit.0)
                        ),
                    )
                    .with_help("start it before `time_limit`, or raise `time_limit`"));
            }
        }
        Ok(())
    }
}

fn beyond_limit(key: &str, t: Time, limit: Time) -> String {
    format!(
        "`{key}: {}` is after the end of the run (time_limit: {}): nothing can be observed then",
        format_time(t.0),
        format_time(limit.0)
    )
}

fn inverted(a: &str, ta: Time, b: &str, tb: Time) -> String {
    format!(
        "empty window: `{a}: {}` is not earlier than `{b}: {}`",
        format_time(ta.0),
        format_time(tb.0)
    )
}
