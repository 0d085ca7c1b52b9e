//! The one way every rules table checks its numbers: finite, in a range a
//! council could mean, and every fault reported with its table and item as
//! the rules file spells them. A value that is not finite would otherwise be
//! stored and only fail later, in a plan that cannot be read back (JSON has
//! no NaN) or a time limit the clock cannot hold.

use std::fmt;

/// One value of a rules file that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFault {
    /// The table as the file spells it: `triads`, `triads.weights`.
    pub table: String,
    /// The item within the table: `adviser_budget`.
    pub item: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for RuleFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every message starts with the value as written, so this reads
        // `[triads] max_distance_km = -3 is too small; write ...`.
        write!(f, "[{}] {} = {}", self.table, self.item, self.message)
    }
}

/// Every fault on its own line, for a message that has room for one string.
pub fn describe(faults: &[RuleFault]) -> String {
    faults
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Ok where there is no fault, else every fault on its own line.
pub fn checked(faults: &[RuleFault]) -> Result<(), String> {
    if faults.is_empty() {
        Ok(())
    } else {
        Err(describe(faults))
    }
}

/// Largest number of points, pounds or km a rule may hold: far above any
/// council's real values, far below where sums of them lose precision.
pub const MOST: f64 = 1e9;

/// Furthest distance a rule may name, km: more than England is long.
pub const MOST_KM: f64 = 2_000.0;

/// Longest time limit, in seconds: a day. A job runs while people wait.
pub const MOST_SECONDS: f64 = 86_400.0;

/// Collects the faults of one table.
pub(crate) struct Faults {
    table: &'static str,
    pub(crate) list: Vec<RuleFault>,
}

impl Faults {
    pub(crate) fn new(table: &'static str) -> Faults {
        Faults {
            table,
            list: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, item: &str, message: String) {
        self.list.push(RuleFault {
            table: self.table.to_string(),
            item: item.to_string(),
            message,
        });
    }

    /// A number of `unit` from `min` (above it where `above`) up to `max`.
    pub(crate) fn number(
        &mut self,
        item: &str,
        v: f64,
        unit: &str,
        min: f64,
        above: bool,
        max: f64,
    ) {
        let range = if above {
            format!(
                "a number of {unit} above {}, up to {}",
                show(min),
                show(max)
            )
        } else {
            format!("a number of {unit} from {} up to {}", show(min), show(max))
        };
        if !v.is_finite() {
            self.add(
                item,
                format!("{} is not a number of {unit}; write {range}", show(v)),
            );
        } else if v < min || (above && v == min) {
            self.add(item, format!("{} is too small; write {range}", show(v)));
        } else if v > max {
            self.add(item, format!("{} is too large; write {range}", show(v)));
        }
    }

    /// A whole number of `unit` from `min` up to `max`.
    pub(crate) fn whole(&mut self, item: &str, v: u64, unit: &str, min: u64, max: u64) {
        let range = format!("a whole number of {unit} from {min} up to {max}");
        if v < min {
            self.add(item, format!("{v} is too small; write {range}"));
        } else if v > max {
            self.add(item, format!("{v} is too large; write {range}"));
        }
    }

    /// A solver's time limit in seconds.
    pub(crate) fn time_limit(&mut self, v: f64) {
        self.number("time_limit_seconds", v, "seconds", 0.0, true, MOST_SECONDS);
    }

    /// The distance assumed where one is unknown, in km.
    pub(crate) fn unknown_distance(&mut self, v: f64) {
        self.number("unknown_distance_km", v, "km", 0.0, false, MOST_KM);
    }

    /// A MIP solver's relative gap: a fraction from 0 up to 1.
    pub(crate) fn mip_rel_gap(&mut self, v: f64) {
        if !(v.is_finite() && (0.0..1.0).contains(&v)) {
            self.add(
                "mip_rel_gap",
                format!(
                    "{v} is not a fraction the solver can use; write a number from 0 up to (not including) 1, such as 0.0001"
                ),
            );
        }
    }

    pub(crate) fn weights<'a>(&mut self, named: impl IntoIterator<Item = (&'a str, f64)>) {
        for (name, v) in named {
            self.number(name, v, "points", 0.0, false, MOST);
        }
    }
}

/// A number as a person would write it: no 300-digit expansions.
fn show(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v == f64::INFINITY {
        "inf".into()
    } else if v == f64::NEG_INFINITY {
        "-inf".into()
    } else if v.abs() >= 1e10 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_range_are_named_with_what_to_write() {
        let mut f = Faults::new("triads");
        f.number("adviser_budget", f64::NAN, "pounds", 0.0, false, MOST);
        f.number("max_distance_km", 0.0, "km", 0.0, true, 1000.0);
        f.number(
            "time_limit_seconds",
            1e300,
            "seconds",
            0.0,
            true,
            MOST_SECONDS,
        );
        f.number("fine", 3.0, "km", 0.0, true, 10.0);
        f.whole("review_days", 0, "days", 1, 10);
        let text: Vec<String> = f.list.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "[triads] adviser_budget = nan is not a number of pounds; write a number of pounds from 0 up to 1000000000",
                "[triads] max_distance_km = 0 is too small; write a number of km above 0, up to 1000",
                "[triads] time_limit_seconds = 1e300 is too large; write a number of seconds above 0, up to 86400",
                "[triads] review_days = 0 is too small; write a whole number of days from 1 up to 10",
            ]
        );
    }
}
