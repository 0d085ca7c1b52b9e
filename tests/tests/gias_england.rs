//! The GIAS import against the real England extract of 22,205 state-funded
//! schools, which lives beside the project in `../shared/data/` and is not
//! shipped with it: the test skips where it is absent.

use std::path::PathBuf;

use formats::gias::{import_gias_file, ImportOptions, LaSelector, WarningKind};
use optimiser::model::Phase;

fn england_file() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gias-england-state-schools-2022.csv");
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipped: {} not found (the England GIAS extract is not part of the project)",
            path.display()
        );
        None
    }
}

#[test]
fn imports_every_state_school_in_england() {
    let Some(path) = england_file() else { return };
    let import = import_gias_file(&path, &ImportOptions::default()).expect("import England");
    assert_eq!(import.rows_read, 22_205);
    assert_eq!(import.schools.len(), 22_205);
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    let no_coordinates = import
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::NoCoordinates)
        .count();
    assert_eq!(no_coordinates, 2_017);
    assert_eq!(
        import
            .schools
            .iter()
            .filter(|s| s.location.is_none())
            .count(),
        2_017
    );
    let no_rating = import.schools.iter().filter(|s| s.ofsted.is_none()).count();
    assert_eq!(no_rating, 5_263);
    let text = formats::gias::summary(&import);
    assert!(text.contains("2,017 schools have no coordinates"), "{text}");
    assert!(text.contains("All (152 LAs)"), "{text}");
}

#[test]
fn thurrock_has_56_schools() {
    let Some(path) = england_file() else { return };
    let by_code = ImportOptions {
        las: vec![LaSelector::Code(883)],
    };
    let import = import_gias_file(&path, &by_code).expect("import Thurrock");
    assert_eq!(import.schools.len(), 56);
    let count = |phase| import.schools.iter().filter(|s| s.phase == phase).count();
    assert_eq!(count(Phase::Primary), 39);
    assert_eq!(count(Phase::Secondary), 13);
    assert_eq!(count(Phase::NotApplicable), 4);
    assert!(import.schools.iter().all(|s| s.la_name == "Thurrock"));

    let by_name = ImportOptions {
        las: vec!["thurrock".parse().expect("selector")],
    };
    let same = import_gias_file(&path, &by_name).expect("import Thurrock by name");
    assert_eq!(same.schools, import.schools);
}

#[test]
fn non_ascii_names_decode_from_windows_1252() {
    let Some(path) = england_file() else { return };
    let import = import_gias_file(&path, &ImportOptions::default()).expect("import England");
    assert!(import
        .schools
        .iter()
        .any(|s| s.name.starts_with("St Thomas \u{e0} Becket")));
    assert!(!import.schools.iter().any(|s| s.name.contains('\u{fffd}')));
}
