//! The `peer-review plan` command as a SIM runs it.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_plan_command_writes_json_spreadsheets_and_the_report() {
    let out = std::env::temp_dir().join(format!("plan-cli-{}", std::process::id()));
    let dir = root().join("data/sample");
    let status = Command::new(env!("CARGO_BIN_EXE_peer-review"))
        .args(["plan", "--quiet", "--all", "--year", "2026", "--schools"])
        .arg(dir.join("schools.csv"))
        .arg("--history")
        .arg(dir.join("history.csv"))
        .arg("--advisers")
        .arg(dir.join("advisers.csv"))
        .arg("--out")
        .arg(out.join("plan.json"))
        .arg("--csv")
        .arg(out.join("csv"))
        .arg("--heads")
        .arg(dir.join("heads.csv"))
        .arg("--xlsx")
        .arg(out.join("plan.xlsx"))
        .arg("--report")
        .arg(out.join("report.html"))
        .status()
        .unwrap();
    assert!(status.success());
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let first = &plan["triads"][0];
    assert!(first["schools"][0].is_string(), "URNs are strings");
    assert!(first["reviews"][0]["lead"].is_string());
    assert!(plan["stats"]["lower_bound"].is_number());
    for f in [
        "groups.csv",
        "reviews.csv",
        "unplaced.csv",
        "ledger.csv",
        "advisers.csv",
    ] {
        assert!(out.join("csv").join(f).exists(), "{f}");
    }
    let groups = std::fs::read_to_string(out.join("csv/groups.csv")).unwrap();
    assert!(
        groups.starts_with('\u{feff}'),
        "a byte-order mark for Excel"
    );
    // The workbook is a zip archive (an .xlsx); `formats` reads it back.
    let xlsx = std::fs::read(out.join("plan.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"), "an .xlsx file");

    // The report: every group's schools by name, people by name, no raw keys.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("peer review 2026-27"));
    let schools = formats::gias::import_gias_file(
        &dir.join("schools.csv"),
        &formats::gias::ImportOptions::default(),
    )
    .unwrap()
    .schools;
    let name = |urn: &serde_json::Value| {
        let urn = urn.as_str().unwrap();
        let s = schools.iter().find(|s| s.urn.to_string() == urn).unwrap();
        report::escape(&s.name)
    };
    for t in plan["triads"].as_array().unwrap() {
        for urn in t["schools"].as_array().unwrap() {
            assert!(html.contains(&name(urn)), "{urn} of {}", t["id"]);
        }
    }
    let advisers = formats::inputs::read_advisers(&dir.join("advisers.csv")).unwrap();
    let used: Vec<&str> = plan["triads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["adviser"].as_str())
        .collect();
    assert!(!used.is_empty(), "the sample's groups have advisers");
    for a in &advisers {
        assert!(
            !html.contains(&a.id),
            "adviser {} shown by key, not only by name",
            a.id
        );
        if used.contains(&a.id.as_str()) {
            assert!(html.contains(&report::escape(&a.name)), "{}", a.name);
        }
    }
    assert!(html.contains("@media print"));

    // A bad rules file fails with its name and leaves the plan as it was.
    let before = std::fs::read(out.join("plan.json")).unwrap();
    std::fs::write(out.join("rules.toml"), "[triads]\nmax_distance_km = -3\n").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_peer-review"))
        .args(["plan", "--quiet", "--all", "--schools"])
        .arg(dir.join("schools.csv"))
        .arg("--rules")
        .arg(out.join("rules.toml"))
        .arg("--out")
        .arg(out.join("plan.json"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("max_distance_km = -3"));
    assert_eq!(std::fs::read(out.join("plan.json")).unwrap(), before);
    let _ = std::fs::remove_dir_all(out);
}
