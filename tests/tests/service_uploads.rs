//! The SIM's input pages, on SQLite and PostgreSQL: uploads as CSV and as
//! an Excel workbook through the multipart form, every problem of a broken
//! file listed with nothing stored, a file of the wrong kind named for what
//! it is, versions and restore, the download; the GIAS register in two
//! steps (the local authorities it holds with their schools by phase, then
//! the ones ticked stored), on the sample's file and, where it is present,
//! on the real England file for Thurrock.

use std::path::PathBuf;

use e2e::app::{backends, Session, TestApp};
use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use optimiser::model::{Headteacher, School};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use store::inputs;

fn sample(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/sample")
        .join(file)
}

/// Posts `bytes` as the form's file, CSRF token in the query as the page's
/// form sends it; the page after any redirect, with its status.
async fn post_file(
    app: &TestApp,
    path: &str,
    who: &Session,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String, String) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let r = app
        .request(
            Method::POST,
            &format!("{path}?csrf={}", who.csrf),
            Some(who),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, url) = (r.status(), r.url().to_string());
    (status, url, r.text().await.unwrap())
}

async fn post_form(
    app: &TestApp,
    path: &str,
    who: &Session,
    fields: &[(&str, String)],
) -> (StatusCode, String, String) {
    let mut all = vec![("csrf", who.csrf.clone())];
    all.extend(fields.iter().cloned());
    let r = app
        .request(Method::POST, path, Some(who))
        .form(&all)
        .send()
        .await
        .unwrap();
    let (status, url) = (r.status(), r.url().to_string());
    (status, url, r.text().await.unwrap())
}

async fn versions(app: &TestApp, year: i64, kind: &str) -> usize {
    inputs::versions(&app.state.db, year, kind)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn inputs_upload_as_csv_and_xlsx_refuse_broken_files_whole_and_restore() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let head = app
            .signed_in("head", "Hana Head", Some("900001"))
            .await
            .unwrap();
        let year = e2e::sample::year(&app, &[], &[], 100, 50, "").await;
        let name = backend.name();

        let (status, list) = app.page(&format!("/years/{year}/inputs"), &sim).await;
        assert_eq!(status, StatusCode::OK, "{name}: {list}");
        for words in [
            "Headteachers",
            "External advisers",
            "Support need",
            "Not loaded",
        ] {
            assert!(list.contains(words), "{name}: {words} in {list}");
        }
        assert!(
            !list.contains(">last_allocations<"),
            "{name}: slugs are not words"
        );
        let (status, _) = app.page(&format!("/years/{year}/inputs"), &head).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: a head");

        // CSV, then the same heads as a workbook.
        let heads_csv = std::fs::read(sample("heads.csv")).unwrap();
        let expected =
            formats::inputs::parse_heads(&String::from_utf8(heads_csv.clone()).unwrap()).unwrap();
        let path = format!("/years/{year}/inputs/heads");
        let (status, url, body) =
            post_file(&app, &path, &sim, "heads.csv", heads_csv.clone()).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(url.ends_with("?stored=1"), "{name}: {url}");
        assert!(
            body.contains(&format!(
                "Version 1 stored from heads.csv: {} rows.",
                expected.len()
            )),
            "{name}: {body}"
        );
        let (status, _, body) = post_file(
            &app,
            &path,
            &sim,
            "heads.xlsx",
            e2e::sample::heads_workbook(&e2e::sample::heads()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(
            body.contains("Version 2 stored from heads.xlsx"),
            "{name}: {body}"
        );
        let stored = inputs::latest::<Vec<Headteacher>>(&app.state.db, year, "heads")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((stored.version, &stored.data), (2, &expected), "{name}");

        // Two bad rows: both listed, with line, heading as written and value.
        let broken = "URN,Name,Email\n900001,Ann,ann@school.example\n90000x,Bob,bob@school.example\n900003,Cy,no address\n";
        let (status, _, body) = post_file(&app, &path, &sim, "broken.csv", broken.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert!(body.contains("it has 2 problems"), "{name}: {body}");
        for cell in [
            "<td>3</td><td>URN</td><td>90000x</td>",
            "<td>4</td><td>Email</td><td>no address</td><td>Is not an email address.</td>",
        ] {
            assert!(body.contains(cell), "{name}: {cell} in {body}");
        }
        assert_eq!(
            versions(&app, year, "heads").await,
            2,
            "{name}: nothing stored"
        );
        // A workbook with a bad row is refused the same way.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["urn", "name", "email"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_number(1, 0, 900001.0).unwrap();
        sheet.write_string(1, 1, "Ann").unwrap();
        sheet.write_string(1, 2, "nowhere").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (status, _, body) = post_file(&app, &path, &sim, "bad.xlsx", bytes).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert!(
            body.contains("<td>2</td><td>email</td><td>nowhere</td>"),
            "{name}: {body}"
        );
        assert_eq!(
            versions(&app, year, "heads").await,
            2,
            "{name}: nothing stored"
        );

        // The heads file uploaded as the advisers.
        let advisers = format!("/years/{year}/inputs/advisers");
        let (status, _, body) = post_file(&app, &advisers, &sim, "heads.csv", heads_csv).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert!(
            body.contains("This looks like the headteachers file, not the external advisers file"),
            "{name}: {body}"
        );
        assert_eq!(versions(&app, year, "advisers").await, 1, "{name}");

        // Restore version 1: a new version 3 with its content.
        let (status, url, body) = post_form(
            &app,
            &format!("/years/{year}/inputs/heads/versions/1/restore"),
            &sim,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(url.ends_with("?stored=3"), "{name}: {url}");
        assert!(body.contains("Restore version 2"), "{name}: {body}");
        assert!(body.contains("Sam Sim"), "{name}: who uploaded");
        let one = inputs::version::<Value>(&app.state.db, year, "heads", 1)
            .await
            .unwrap()
            .unwrap();
        let three = inputs::version::<Value>(&app.state.db, year, "heads", 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (three.data, three.source_name),
            (one.data, one.source_name),
            "{name}"
        );
        assert_eq!(versions(&app, year, "heads").await, 3, "{name}");
        // The head may not restore.
        let (status, _, _) = post_form(
            &app,
            &format!("/years/{year}/inputs/heads/versions/1/restore"),
            &head,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");

        let r = app
            .send(Method::GET, &format!("{path}/download"), Some(&sim))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(r
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("heads-version-3.json"));
        let got: Vec<Headteacher> = r.json().await.unwrap();
        assert_eq!(got, expected, "{name}");

        // Unknown kinds are a page saying so, never a server error.
        let (status, _) = app
            .page(&format!("/years/{year}/inputs/nonsense"), &sim)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (status, _, _) = post_file(
            &app,
            &format!("/years/{year}/inputs/rules"),
            &sim,
            "r.csv",
            b"x".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        app.stop().await.unwrap();
    }
}

/// Stages `file`, checks the authorities page lists `la` with its schools,
/// confirms `la` and checks the stored schools are the importer's.
async fn gias_two_steps(app: &TestApp, sim: &Session, year: i64, file: PathBuf, la: u16) {
    let bytes = std::fs::read(&file).unwrap();
    let expected = import_gias_file(
        &file,
        &ImportOptions {
            las: vec![LaSelector::Code(la)],
        },
    )
    .unwrap()
    .schools;
    let path = format!("/years/{year}/inputs/schools");
    let (status, url, body) = post_file(app, &path, sim, "gias.csv", bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(url.contains("/inputs/schools/staged/"), "{url}");
    let la_name = &expected[0].la_name;
    assert!(
        body.contains(&format!("{la_name} ({la}): {} schools", expected.len())),
        "{la_name} in {body}"
    );
    assert!(body.contains("Primary "), "counts by phase: {body}");
    assert_eq!(
        versions(app, year, "schools").await,
        0,
        "nothing stored yet"
    );
    let staged = url.trim_start_matches(&app.base).to_string();

    // Nothing ticked: the page again, saying what to do.
    let (status, _, body) = post_form(app, &staged, sim, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("Choose at least one local authority"),
        "{body}"
    );
    let (status, url, body) = post_form(app, &staged, sim, &[("la", la.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(url.ends_with("?stored=1"), "{url}");
    assert!(
        body.contains(&format!("{} schools.", expected.len())),
        "{body}"
    );
    let stored = inputs::latest::<Vec<School>>(&app.state.db, year, "schools")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.data, expected);
    // The staged file is gone once stored.
    let (status, _) = app.page(&staged, sim).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A second upload pre-ticks the authority stored now.
    let bytes = std::fs::read(&file).unwrap();
    let (_, _, body) = post_file(app, &path, sim, "gias.csv", bytes).await;
    assert!(
        body.contains(&format!("name=\"la\" value=\"{la}\" checked")),
        "{body}"
    );
}

/// A year whose schools are not loaded yet (the sample helper stores an
/// empty list as version 1; taken out here, before anything reads it).
async fn year_without_schools(app: &TestApp) -> i64 {
    let year = e2e::sample::year(app, &[], &[], 100, 50, "").await;
    sqlx::query("DELETE FROM inputs WHERE kind = 'schools'")
        .execute(&app.state.db.write)
        .await
        .unwrap();
    year
}

#[tokio::test]
async fn the_gias_register_is_read_then_stored_for_the_authorities_ticked() {
    let first = import_gias_file(&sample("schools.csv"), &ImportOptions::default())
        .unwrap()
        .schools[0]
        .la_code;
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let year = year_without_schools(&app).await;
        gias_two_steps(&app, &sim, year, sample("schools.csv"), first).await;
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_england_register_stores_thurrock() {
    let file = PathBuf::from("/work/shared/data/gias-england-state-schools-2022.csv");
    if !file.exists() {
        eprintln!("skipping: {} is absent", file.display());
        return;
    }
    let backend = backends().remove(0);
    let app = TestApp::spawn(&backend).await.unwrap();
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    let year = year_without_schools(&app).await;
    gias_two_steps(&app, &sim, year, file, 883).await;
    app.stop().await.unwrap();
}
