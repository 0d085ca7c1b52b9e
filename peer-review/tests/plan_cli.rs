//! The `peer-review plan` command as a SIM runs it.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_plan_command_writes_json_and_spreadsheets() {
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
