//! The allocation on the project's sample authority, through the same
//! library path the `peer-review allocate` command takes.

use std::path::PathBuf;

use optimiser::allocate::{validate, Allocation, ShortfallReason};
use peer_review::cli::allocate::{load_problem, run, AllocateArgs};

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/sample")
}

fn args(out_dir: &std::path::Path) -> Option<AllocateArgs> {
    let dir = sample_dir();
    for f in [
        "schools.csv",
        "need.csv",
        "consultants.csv",
        "sspb.csv",
        "last_allocations.csv",
    ] {
        if !dir.join(f).exists() {
            eprintln!("allocate e2e skipped: {} not found", dir.join(f).display());
            return None;
        }
    }
    Some(AllocateArgs {
        schools: dir.join("schools.csv"),
        las: vec![],
        need: dir.join("need.csv"),
        consultants: dir.join("consultants.csv"),
        sspb: Some(dir.join("sspb.csv")),
        last_allocations: Some(dir.join("last_allocations.csv")),
        rules: None,
        out: out_dir.join("allocation.json"),
        csv: Some(out_dir.join("csv")),
    })
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("allocate-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

#[test]
fn sample_allocation_is_valid_explained_and_written() {
    let dir = scratch("sample");
    let Some(args) = args(&dir) else { return };
    run(&args).expect("allocate runs on the sample");

    let text = std::fs::read_to_string(&args.out).expect("allocation.json written");
    let allocation: Allocation = serde_json::from_str(&text).expect("allocation.json parses");
    let problem = load_problem(&args).expect("sample loads");
    assert!(validate(&allocation, &problem).is_empty());
    assert!(
        !allocation.allocations.is_empty(),
        "the sample has needs consultants can meet"
    );
    let st = &allocation.stats;
    assert!(st.bound >= st.objective - 1e-6 * st.objective.abs());
    assert!(st.gap <= problem.rules.mip_rel_gap + 1e-9, "gap {}", st.gap);

    // Every short need says why, in words a SIM can read.
    for s in &allocation.schools {
        for f in &s.shortfalls {
            assert!(
                !f.reasons.is_empty(),
                "school {} short without a reason",
                s.urn
            );
            for r in &f.reasons {
                assert!(!r.to_string().is_empty());
                if let ShortfallReason::CapacityUsedUp { consultants } = r {
                    assert!(consultants
                        .iter()
                        .all(|c| problem.consultants.iter().any(|k| k.id == c.id)));
                }
            }
        }
    }

    let csv = args.csv.as_ref().unwrap();
    let lines = std::fs::read_to_string(csv.join("allocations.csv")).unwrap();
    assert!(
        lines.starts_with("\u{feff}urn,school,consultant"),
        "a byte-order mark, then the header"
    );
    assert_eq!(lines.lines().count(), allocation.allocations.len() + 1);
    let schools = std::fs::read_to_string(csv.join("schools.csv")).unwrap();
    assert_eq!(schools.lines().count(), problem.schools.len() + 1);
    let people = std::fs::read_to_string(csv.join("consultants.csv")).unwrap();
    assert_eq!(people.lines().count(), problem.consultants.len() + 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_rules_file_is_refused_by_name_and_nothing_is_written() {
    let dir = scratch("rules");
    let Some(mut args) = args(&dir) else { return };
    let rules = dir.join("rules.toml");
    std::fs::write(&rules, "[allocation]\nmax_travel_km = \"far\"\n").unwrap();
    args.rules = Some(rules);
    let e = format!("{:#}", run(&args).unwrap_err());
    assert!(
        e.contains("rules.toml") && e.contains("max_travel_km"),
        "{e}"
    );
    assert!(!args.out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn need_for_a_school_not_in_the_schools_file_is_named_with_its_file() {
    let dir = scratch("need");
    let Some(mut args) = args(&dir) else { return };
    let need = dir.join("need.csv");
    std::fs::write(&need, "urn,area,priority,note\n123456,maths,1,\n").unwrap();
    args.need = need;
    let e = format!("{:#}", run(&args).unwrap_err());
    assert!(e.contains("need.csv") && e.contains("school 123456"), "{e}");
    assert!(!args.out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
