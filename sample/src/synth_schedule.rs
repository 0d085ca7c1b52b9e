//! Generated calendar and availability for the sample authority: the
//! 2026-27 English school year with its half-terms, bank holidays and KS2
//! SATs week, INSET days and a few expected inspections per school, and
//! dates offered by every head and adviser (about `share` of the window's
//! school days each, about a third of them preferred). Deterministic for a
//! seed, so the committed files can be checked against a fresh run.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use optimiser::model::{Adviser, School};
use optimiser::schedule::calendar::Days;
use optimiser::schedule::{
    Availability, Blackout, Calendar, HalfTerm, Level, Person, SchoolBlackout,
};

/// The files this module adds to `data/sample/`.
pub const SCHEDULE_FILES: [&str; 2] = ["calendar.toml", "availability.csv"];

/// Share of the window's school days each person offers in the sample.
pub const SAMPLE_SHARE: f64 = 0.4;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with the fixed, valid dates below.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The 2026-27 school year of an English authority.
pub fn calendar_2026_27(schools: &[School], seed: u64) -> Calendar {
    let half = |name: &str, a: NaiveDate, b: NaiveDate| HalfTerm {
        name: name.to_string(),
        first: a,
        last: b,
    };
    let off = |a: NaiveDate, b: Option<NaiveDate>, why: &str| Blackout {
        first: a,
        last: b,
        reason: why.to_string(),
    };
    let half_terms = vec![
        half("Autumn 1", date(2026, 9, 2), date(2026, 10, 23)),
        half("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
        half("Spring 1", date(2027, 1, 5), date(2027, 2, 12)),
        half("Spring 2", date(2027, 2, 22), date(2027, 3, 25)),
        half("Summer 1", date(2027, 4, 12), date(2027, 5, 28)),
        half("Summer 2", date(2027, 6, 7), date(2027, 7, 21)),
    ];
    let blackouts = vec![
        off(date(2027, 5, 3), None, "Early May bank holiday"),
        off(date(2027, 5, 10), Some(date(2027, 5, 13)), "KS2 SATs week"),
        off(date(2027, 7, 19), Some(date(2027, 7, 21)), "end of year"),
    ];
    let mut cal = Calendar {
        first: date(2026, 9, 14),
        last: date(2027, 7, 16),
        half_terms,
        blackouts,
        school_blackouts: Vec::new(),
    };
    let days = Days::new(&cal);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for s in schools {
        // Two INSET days, each a school day of the year.
        for _ in 0..2 {
            let d = days.days[rng.random_range(0..days.days.len())];
            cal.school_blackouts.push(SchoolBlackout {
                urn: s.urn,
                first: d,
                last: None,
                reason: "INSET day".into(),
            });
        }
        // About one school in eight expects an inspection: a week kept free.
        if rng.random_bool(0.125) {
            let i = rng.random_range(0..days.days.len().saturating_sub(5).max(1));
            let first = days.days[i];
            let monday =
                first - chrono::Days::new(u64::from(first.weekday().num_days_from_monday()));
            cal.school_blackouts.push(SchoolBlackout {
                urn: s.urn,
                first: monday,
                last: Some(monday + chrono::Days::new(4)),
                reason: "inspection expected".into(),
            });
        }
    }
    cal.school_blackouts.sort_by_key(|b| (b.urn, b.first));
    cal.school_blackouts
        .dedup_by(|a, b| a.urn == b.urn && a.first == b.first);
    cal
}

/// The heads of `schools`, then the advisers.
fn everyone(schools: &[School], advisers: &[Adviser]) -> Vec<Person> {
    let mut people: Vec<Person> = schools.iter().map(|s| Person::Head(s.urn)).collect();
    people.extend(advisers.iter().map(|a| Person::Adviser(a.id.clone())));
    people
}

/// `p` offers `d`, about a third of the time as a preferred date.
fn offer(rng: &mut ChaCha8Rng, out: &mut Availability, p: &Person, d: NaiveDate) {
    let level = if rng.random_bool(0.35) {
        Level::Preferred
    } else {
        Level::Possible
    };
    out.insert(p.clone(), d, level);
}

/// Every head's and adviser's offered dates: each school day of the window
/// with probability `share`, a person's favourite weekdays a little more
/// likely, about a third of offered dates preferred.
pub fn generate_availability(
    schools: &[School],
    advisers: &[Adviser],
    cal: &Calendar,
    share: f64,
    seed: u64,
) -> Availability {
    let days = Days::new(cal);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people = everyone(schools, advisers);
    let mut out = Availability::default();
    for p in people {
        let favourite = rng.random_range(0..5u32);
        for &d in &days.days {
            let fav = d.weekday().num_days_from_monday() == favourite;
            // Favourite day twice as likely, the others scaled to keep the mean at `share`.
            let q = if fav {
                share * 5.0 / 3.0
            } else {
                share * 5.0 / 6.0
            };
            if rng.random_bool(q.clamp(0.0, 1.0)) {
                offer(&mut rng, &mut out, &p, d);
            }
        }
    }
    out
}

/// Availability as busy heads give it, for benchmarks of dating: each
/// person free on two or three weekdays, away for whole half-terms (each
/// with probability a quarter, never all), offering between 5 % and 60 % of
/// the window's school days (drawn per person), about a third preferred;
/// 8 % offer nothing at all. Advisers are generated the same way.
/// Deterministic for a seed.
pub fn generate_harsh_availability(
    schools: &[School],
    advisers: &[Adviser],
    cal: &Calendar,
    seed: u64,
) -> Availability {
    let days = Days::new(cal);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people = everyone(schools, advisers);
    let periods = days.periods.len();
    let mut out = Availability::default();
    for p in people {
        if rng.random_bool(0.08) {
            continue; // silent: has not answered
        }
        // Two or three weekdays.
        let mut weekdays: Vec<u32> = (0..5).collect();
        for i in (1..weekdays.len()).rev() {
            weekdays.swap(i, rng.random_range(0..=i));
        }
        weekdays.truncate(rng.random_range(2..=3));
        // Whole half-terms away, never all of them.
        let mut away: Vec<bool> = (0..periods).map(|_| rng.random_bool(0.25)).collect();
        if away.iter().all(|&a| a) {
            let keep = rng.random_range(0..periods);
            away[keep] = false;
        }
        let share = rng.random_range(0.05..=0.60);
        let open: Vec<NaiveDate> = days
            .days
            .iter()
            .zip(&days.period)
            .filter(|(d, p)| !away[**p] && weekdays.contains(&d.weekday().num_days_from_monday()))
            .map(|(d, _)| *d)
            .collect();
        if open.is_empty() {
            continue;
        }
        let q = (share * days.days.len() as f64 / open.len() as f64).clamp(0.0, 1.0);
        for d in open {
            if rng.random_bool(q) {
                offer(&mut rng, &mut out, &p, d);
            }
        }
    }
    out
}

pub fn availability_csv(a: &Availability) -> String {
    let mut s = String::from("person,date,level\n");
    for (p, dates) in &a.people {
        for (d, l) in dates {
            let level = match l {
                Level::Preferred => "preferred",
                Level::Possible => "possible",
            };
            let _ = writeln!(s, "{p},{d},{level}");
        }
    }
    s
}

pub fn calendar_toml(cal: &Calendar) -> String {
    let mut s = String::from(
        "# The programme's calendar: reviews only on weekdays inside a half-term,\n# within the window, outside blackouts. Format: data/README.md.\n",
    );
    let _ = writeln!(s, "first = {}\nlast = {}", cal.first, cal.last);
    for h in &cal.half_terms {
        let _ = writeln!(
            s,
            "\n[[half_term]]\nname = {:?}\nfirst = {}\nlast = {}",
            h.name, h.first, h.last
        );
    }
    for b in &cal.blackouts {
        let _ = write!(s, "\n[[blackout]]\nfirst = {}\n", b.first);
        if let Some(l) = b.last {
            let _ = writeln!(s, "last = {l}");
        }
        let _ = writeln!(s, "reason = {:?}", b.reason);
    }
    for b in &cal.school_blackouts {
        let _ = write!(
            s,
            "\n[[school_blackout]]\nurn = \"{}\"\nfirst = {}\n",
            b.urn, b.first
        );
        if let Some(l) = b.last {
            let _ = writeln!(s, "last = {l}");
        }
        let _ = writeln!(s, "reason = {:?}", b.reason);
    }
    s
}

/// The text of each file of [`SCHEDULE_FILES`] for the sample's schools and advisers.
pub fn render_schedule_inputs(
    schools: &[School],
    advisers: &[Adviser],
    seed: u64,
) -> Vec<(&'static str, String)> {
    let cal = calendar_2026_27(schools, seed);
    let avail = generate_availability(schools, advisers, &cal, SAMPLE_SHARE, seed.wrapping_add(1));
    SCHEDULE_FILES
        .into_iter()
        .zip([calendar_toml(&cal), availability_csv(&avail)])
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::synth::{generate, SampleSpec};

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample")
    }

    fn render() -> Vec<(&'static str, String)> {
        let spec = SampleSpec::default();
        let sample = generate(&spec);
        render_schedule_inputs(&sample.schools, &sample.advisers, spec.seed)
    }

    /// Writes the committed files; run after changing the generator with
    /// `cargo test -p sample regenerate_schedule_inputs -- --ignored`.
    #[test]
    #[ignore]
    fn regenerate_schedule_inputs() {
        for (name, text) in render() {
            std::fs::write(committed_dir().join(name), text).unwrap();
        }
    }

    #[test]
    fn the_committed_schedule_inputs_are_what_the_generator_makes() {
        for (name, text) in render() {
            let path = committed_dir().join(name);
            let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run `cargo test -p sample regenerate_schedule_inputs -- --ignored`",
                    path.display()
                )
            });
            assert!(
                committed.replace("\r\n", "\n") == text,
                "{} differs from the generator's output",
                path.display()
            );
        }
    }

    #[test]
    fn people_offer_about_the_share_asked() {
        let spec = SampleSpec::default();
        let sample = generate(&spec);
        let cal = calendar_2026_27(&sample.schools, 1);
        let days = Days::new(&cal).days.len() as f64;
        let a = generate_availability(&sample.schools, &sample.advisers, &cal, 0.4, 7);
        let total: usize = a.people.values().map(|m| m.len()).sum();
        let mean = total as f64 / a.people.len() as f64 / days;
        assert!((0.35..0.45).contains(&mean), "mean share {mean}");
        assert_eq!(a.people.len(), sample.schools.len() + sample.advisers.len());
    }

    #[test]
    fn harsh_availability_is_sparse_on_few_weekdays_with_some_silent() {
        let spec = SampleSpec::default();
        let sample = generate(&spec);
        let cal = calendar_2026_27(&sample.schools, 1);
        let days = Days::new(&cal).days.len() as f64;
        let a = generate_harsh_availability(&sample.schools, &sample.advisers, &cal, 7);
        let people = sample.schools.len() + sample.advisers.len();
        // Some say nothing (8 % on average), most answer.
        assert!(a.people.len() < people && a.people.len() * 4 > people * 3);
        for dates in a.people.values() {
            let weekdays: std::collections::BTreeSet<u32> = dates
                .keys()
                .map(|d| d.weekday().num_days_from_monday())
                .collect();
            assert!(weekdays.len() <= 3, "{weekdays:?}");
            assert!(dates.len() as f64 <= 0.7 * days);
        }
        // Deterministic for a seed.
        assert_eq!(
            generate_harsh_availability(&sample.schools, &sample.advisers, &cal, 7),
            a
        );
    }

    #[test]
    fn the_calendar_file_reads_back() {
        let spec = SampleSpec::default();
        let sample = generate(&spec);
        let cal = calendar_2026_27(&sample.schools, 3);
        let back = formats::calendar::parse_calendar(&calendar_toml(&cal)).unwrap();
        assert_eq!(back, cal);
        let a = generate_availability(&sample.schools, &sample.advisers, &cal, 0.4, 7);
        assert_eq!(
            formats::inputs::parse_availability(&availability_csv(&a)).unwrap(),
            a
        );
    }
}
