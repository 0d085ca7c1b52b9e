//! The SIM's API on the sample authority: a year with its calendar and
//! rules, uploads that store everything or nothing, invitations that sign
//! people in, availability follow-up, the SIM's hand, publishing a plan
//! only when it passes every rule, spreadsheets and calendars; and nobody
//! else getting in.

use std::collections::HashMap;
use std::path::PathBuf;

use e2e::app::{backends, Session, TestApp};
use formats::gias::{import_gias_file, ImportOptions};
use formats::inputs::{read_advisers, read_availability, read_history};
use optimiser::model::Urn;
use optimiser::schedule::{self, Person, ScheduleProblem, ScheduleRules};
use optimiser::triads::{self, Exclusion, Plan, Scope, TriadProblem, TriadRules};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::availability::{self, DateLevel};
use store::{inputs, plans};

fn sample(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/sample")
        .join(file)
}

fn sample_bytes(file: &str) -> Vec<u8> {
    std::fs::read(sample(file)).unwrap()
}

/// The sample's calendar as the API takes it (JSON).
fn calendar_json() -> Value {
    let text = std::fs::read_to_string(sample("calendar.toml")).unwrap();
    serde_json::to_value(formats::calendar::parse_calendar(&text).unwrap()).unwrap()
}

async fn send(app: &TestApp, method: Method, path: &str, who: &Session) -> reqwest::Response {
    app.send(method, path, Some(who)).await
}

async fn json_of(r: reqwest::Response, want: StatusCode, what: &str) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, want, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}

/// The JSON of a GET of `path` as `who`, which must answer 200.
async fn get_ok(app: &TestApp, path: &str, who: &Session, what: &str) -> Value {
    json_of(
        send(app, Method::GET, path, who).await,
        StatusCode::OK,
        what,
    )
    .await
}

async fn post_json(app: &TestApp, path: &str, who: &Session, body: Value) -> reqwest::Response {
    app.request(Method::POST, path, Some(who))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn upload(app: &TestApp, path: &str, who: &Session, bytes: Vec<u8>) -> reqwest::Response {
    app.request(Method::POST, path, Some(who))
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.state.db.read)
        .await
        .unwrap()
}

/// A year created through the API; returns its id.
async fn create_year(app: &TestApp, sim: &Session) -> i64 {
    let year = json_of(
        post_json(
            app,
            "/api/years",
            sim,
            json!({
                "name": "2026-27",
                "calendar": calendar_json(),
                "deadline": "2027-06-30",
                "rules": "[triads]\nmax_distance_km = 20\n",
            }),
        )
        .await,
        StatusCode::CREATED,
        "create the year",
    )
    .await;
    year["id"].as_i64().unwrap()
}

/// The sample's files, each uploaded through the API.
async fn upload_everything(app: &TestApp, sim: &Session, year: i64) {
    let r = upload(
        app,
        &format!("/api/years/{year}/schools?la=940&name=gias.csv"),
        sim,
        sample_bytes("schools.csv"),
    )
    .await;
    let body = json_of(r, StatusCode::CREATED, "schools").await;
    assert_eq!(body["items"], 56);
    assert_eq!(body["source_name"], "gias.csv");
    assert!(body["summary"].as_str().unwrap().contains("Thamesmere"));
    for &kind in app::inputs::CSV_KINDS {
        let bytes = sample_bytes(&format!("{kind}.csv"));
        let text = String::from_utf8(bytes.clone()).unwrap();
        // A list item per row, but history is stored as groups.
        let rows = if kind == "history" {
            let groups: std::collections::HashSet<(&str, &str)> = text
                .lines()
                .skip(1)
                .map(|l| {
                    let f: Vec<&str> = l.split(',').collect();
                    (f[0], f[1])
                })
                .collect();
            groups.len()
        } else {
            text.lines().count() - 1
        };
        let r = upload(app, &format!("/api/years/{year}/inputs/{kind}"), sim, bytes).await;
        let body = json_of(r, StatusCode::CREATED, kind).await;
        assert_eq!(body["version"], 1, "{kind}");
        assert_eq!(body["items"], rows, "{kind}");
    }
}

#[tokio::test]
async fn a_year_its_rules_and_its_uploads() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();

        // The year: a bad deadline and a bad rules file are named, a
        // duplicate name refused.
        let mut bad = json!({"name": "x", "calendar": calendar_json(), "deadline": "2027-08-01"});
        let e = json_of(
            post_json(&app, "/api/years", &sim, bad.clone()).await,
            StatusCode::BAD_REQUEST,
            "late deadline",
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("deadline"), "{e}");
        bad["deadline"] = json!("2027-06-30");
        bad["rules"] = json!("[triads]\nmax_km = 3\n");
        let e = json_of(
            post_json(&app, "/api/years", &sim, bad).await,
            StatusCode::BAD_REQUEST,
            "bad rules",
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("max_km"), "{e}");
        let year = create_year(&app, &sim).await;
        let again = post_json(
            &app,
            "/api/years",
            &sim,
            json!({"name": "2026-27", "calendar": calendar_json(), "deadline": "2027-06-30"}),
        )
        .await;
        assert_eq!(again.status(), StatusCode::CONFLICT);

        // A window longer than 18 months is refused, naming the field.
        let mut long = calendar_json();
        long["last"] = json!("2028-09-01");
        let e = json_of(
            post_json(
                &app,
                "/api/years",
                &sim,
                json!({"name": "2026-28", "calendar": long, "deadline": "2027-06-30"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "a window of two years",
        )
        .await;
        let message = e["message"].as_str().unwrap();
        assert!(message.starts_with("calendar.last:"), "{e}");
        assert!(message.contains("18 months"), "{e}");

        // Anyone signed in lists the years.
        let head = app
            .signed_in("head", "Hana Head", Some("900001"))
            .await
            .unwrap();
        let list = get_ok(&app, "/api/years", &head, "years as a head").await;
        assert_eq!(list[0]["id"], year);
        assert_eq!(list[0]["first_day"], "2026-09-14");
        assert_eq!(list[0]["deadline"], "2027-06-30");

        upload_everything(&app, &sim, year).await;

        // A bad URN on line 7: refused with line and value; nothing stored.
        let before = count(&app, "SELECT COUNT(*) FROM inputs").await;
        let text = String::from_utf8(sample_bytes("schools.csv")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[6] = lines[6].replacen("\"9000", "\"9x00", 1);
        let r = upload(
            &app,
            &format!("/api/years/{year}/schools"),
            &sim,
            (lines.join("\n") + "\n").into_bytes(),
        )
        .await;
        let e = json_of(r, StatusCode::BAD_REQUEST, "bad URN").await;
        assert_eq!(e["code"], "invalid_file");
        assert_eq!(e["errors"][0]["line"], 7, "{e}");
        assert_eq!(e["errors"][0]["field"], "URN", "{e}");
        assert!(
            e["errors"][0]["value"]
                .as_str()
                .unwrap()
                .starts_with("9x00"),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap().contains("line 7"), "{e}");
        // A bad e-mail in a project file, line 4.
        let heads = String::from_utf8(sample_bytes("heads.csv")).unwrap();
        let mut lines: Vec<String> = heads.lines().map(str::to_string).collect();
        lines[3] = lines[3].replace('@', " at ");
        let r = upload(
            &app,
            &format!("/api/years/{year}/inputs/heads"),
            &sim,
            lines.join("\r\n").into_bytes(),
        )
        .await;
        let e = json_of(r, StatusCode::BAD_REQUEST, "bad e-mail").await;
        assert_eq!(e["errors"][0]["line"], 4, "{e}");
        assert_eq!(e["errors"][0]["field"], "email", "{e}");
        assert!(
            e["errors"][0]["value"].as_str().unwrap().contains(" at "),
            "{e}"
        );
        // An unknown LA, and a file that is not UTF-8.
        let r = upload(
            &app,
            &format!("/api/years/{year}/schools?la=999"),
            &sim,
            sample_bytes("schools.csv"),
        )
        .await;
        let e = json_of(r, StatusCode::BAD_REQUEST, "unknown LA").await;
        assert_eq!(e["errors"][0]["value"], "999", "{e}");
        let r = upload(
            &app,
            &format!("/api/years/{year}/inputs/sspb"),
            &sim,
            b"urn,category\n900001,gr\xe9en\n".to_vec(),
        )
        .await;
        let e = json_of(r, StatusCode::BAD_REQUEST, "not UTF-8").await;
        assert_eq!(e["errors"][0]["line"], 2, "{e}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM inputs").await, before);
        let unknown = upload(
            &app,
            &format!("/api/years/{year}/inputs/pupils"),
            &sim,
            vec![],
        )
        .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        // Uploads may be larger than the 1 MiB other requests are held to:
        // the heads again, with a long note (an extra column is ignored).
        let heads = String::from_utf8(sample_bytes("heads.csv")).unwrap();
        let note = "n".repeat(40_000);
        let padded: String = heads
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("{l},note\n")
                } else {
                    format!("{l},{note}\n")
                }
            })
            .collect();
        assert!(padded.len() > 2 << 20);
        let r = upload(
            &app,
            &format!("/api/years/{year}/inputs/heads?name=big.csv"),
            &sim,
            padded.into_bytes(),
        )
        .await;
        let big = json_of(r, StatusCode::CREATED, "a large upload").await;
        assert_eq!(
            (big["version"].as_i64(), big["items"].as_i64()),
            (Some(2), Some(56))
        );

        // The list of inputs, and one read back.
        let list = json_of(
            send(
                &app,
                Method::GET,
                &format!("/api/years/{year}/inputs"),
                &sim,
            )
            .await,
            StatusCode::OK,
            "inputs",
        )
        .await;
        let by_kind: HashMap<&str, &Value> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["kind"].as_str().unwrap(), i))
            .collect();
        assert_eq!(by_kind["schools"]["items"], 56);
        assert_eq!(by_kind["schools"]["source_name"], "gias.csv");
        assert_eq!(by_kind["advisers"]["items"], 8);
        assert_eq!(by_kind["rules"]["version"], 1);
        assert!(by_kind["hand"]["version"].is_null());
        let stored = json_of(
            send(
                &app,
                Method::GET,
                &format!("/api/years/{year}/inputs/advisers"),
                &sim,
            )
            .await,
            StatusCode::OK,
            "advisers",
        )
        .await;
        assert_eq!(stored["data"][0]["id"], "adv-01");

        // Rules: a bad text is named and changes nothing; a good one is a
        // new version and the year follows.
        let put_rules = |text: &'static str| {
            app.request(Method::PUT, &format!("/api/years/{year}/rules"), Some(&sim))
                .body(text)
                .send()
        };
        let e = json_of(
            put_rules("[schedule]\nmax_days_per_half_term = \"three\"\n")
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "bad rules",
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("line 2"), "{e}");
        let saved = json_of(
            put_rules("[triads]\nmax_distance_km = 15\n").await.unwrap(),
            StatusCode::OK,
            "rules",
        )
        .await;
        assert_eq!(saved["version"], 2);
        let y = get_ok(&app, &format!("/api/years/{year}"), &sim, "year").await;
        assert_eq!(y["rules"], "[triads]\nmax_distance_km = 15\n");
        assert_eq!(y["calendar"]["first"], "2026-09-14");

        // The hand round-trips; a bad one lists every problem.
        let hand = json!({
            "opt_out": ["900056"],
            "pin": [{"schools": ["900001", "900004", "900005"], "adviser": "adv-01"}],
            "exclude": [{"a": "900002", "b": "900009", "reason": "federation talks"}],
        });
        let put_hand = |body: Value| {
            app.request(Method::PUT, &format!("/api/years/{year}/hand"), Some(&sim))
                .json(&body)
                .send()
        };
        let bad_hand = json!({
            "opt_out": ["900999"],
            "pin": [
                {"schools": ["900001", "900001"], "adviser": "adv-99"},
                {"schools": ["900002", "900003", "900007"]},
            ],
            "exclude": [{"a": "900002", "b": "900002", "reason": ""}],
        });
        let e = json_of(
            put_hand(bad_hand).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "bad hand",
        )
        .await;
        assert_eq!(e["code"], "invalid_hand");
        let fields: Vec<&str> = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["field"].as_str().unwrap())
            .collect();
        assert!(
            e["errors"].to_string().contains("mixes phases"),
            "a primary and a special school pinned together: {e}"
        );
        for f in [
            "opt_out[1]",
            "pin[1].schools",
            "pin[1].schools[2]",
            "pin[1].adviser",
            "exclude[1].b",
            "exclude[1].reason",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        // An array is not a hand (serde would read `[]` as an empty one and
        // clear the SIM's hand), and a reason may not carry control
        // characters (it is shown on pages and in the audit log).
        let e = json_of(
            put_hand(json!([])).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "an array for a hand",
        )
        .await;
        assert!(
            e["message"].as_str().unwrap().contains("JSON object"),
            "{e}"
        );
        let e = json_of(
            put_hand(json!({
                "exclude": [{"a": "900002", "b": "900009", "reason": "talks\r\nATTENDEE:x"}],
            }))
            .await
            .unwrap(),
            StatusCode::BAD_REQUEST,
            "a reason with a line break",
        )
        .await;
        assert_eq!(e["errors"][0]["field"], "exclude[1].reason", "{e}");
        assert!(e["message"].as_str().unwrap().contains("U+000D"), "{e}");
        let saved = json_of(
            put_hand(hand.clone()).await.unwrap(),
            StatusCode::CREATED,
            "hand",
        )
        .await;
        assert_eq!(saved["version"], 1);
        let got = get_ok(&app, &format!("/api/years/{year}/hand"), &sim, "hand back").await;
        assert_eq!(got["version"], 1);
        assert_eq!(got["hand"], hand);
        app.stop().await.unwrap();
    }
}

/// The link's token (the last part of `/invite/TOKEN`).
/// Something of each invitation, by the person's URN (heads) or id.
fn by_person<T>(invited: &Value, of: impl Fn(&Value) -> T) -> HashMap<String, T> {
    invited
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let key = i["urn"].as_str().or(i["ext_id"].as_str()).unwrap();
            (key.to_string(), of(i))
        })
        .collect()
}

fn token(link: &Value) -> String {
    link.as_str()
        .unwrap()
        .rsplit_once("/invite/")
        .unwrap()
        .1
        .to_string()
}

async fn redeem(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/session", None)
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

/// Signs in with an invitation link, as its holder would.
async fn sign_in_with(app: &TestApp, link: &Value) -> Session {
    let body = json_of(redeem(app, &token(link)).await, StatusCode::OK, "sign in").await;
    Session {
        user_id: body["user_id"].as_i64().unwrap(),
        token: body["session_token"].as_str().unwrap().into(),
        csrf: body["csrf_token"].as_str().unwrap().into(),
    }
}

#[tokio::test]
async fn invitations_sign_people_in_and_availability_is_followed() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let year = create_year(&app, &sim).await;
        let path = format!("/api/years/{year}/invitations");
        // Before the schools are uploaded there is nobody to invite.
        let early = post_json(&app, &path, &sim, json!({"heads": "all"})).await;
        assert_eq!(early.status(), StatusCode::CONFLICT);
        upload_everything(&app, &sim, year).await;

        let e = json_of(
            post_json(
                &app,
                &path,
                &sim,
                json!({"heads": ["900001", "123"], "advisers": ["adv-77"]}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "unknown people",
        )
        .await;
        assert_eq!(e["errors"].as_array().unwrap().len(), 2, "{e}");
        assert_eq!(e["errors"][0]["value"], "123");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM users").await,
            1,
            "nobody was made"
        );

        let invited = json_of(
            post_json(
                &app,
                &path,
                &sim,
                json!({"heads": "all", "advisers": ["adv-01"], "consultants": "all"}),
            )
            .await,
            StatusCode::CREATED,
            "invite",
        )
        .await;
        let invited = invited.as_array().unwrap();
        assert_eq!(invited.len(), 56 + 1 + 15);
        let first = &invited[0];
        assert_eq!(first["role"], "head");
        assert_eq!(first["urn"], "900001");
        assert_eq!(first["name"], "James Nwosu", "named from heads.csv");
        assert_eq!(first["email"], "head.900001@schools.example");
        assert!(first["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/invite/", app.base)));
        let adviser = invited.iter().find(|i| i["role"] == "adviser").unwrap();
        assert_eq!(adviser["ext_id"], "adv-01");

        // Re-inviting gives a fresh link; the unused old one stops working.
        let again = json_of(
            post_json(&app, &path, &sim, json!({"heads": ["900001"]})).await,
            StatusCode::CREATED,
            "re-invite",
        )
        .await;
        assert_eq!(again[0]["user_id"], first["user_id"]);
        assert_eq!(again[0]["created"], false);
        assert_eq!(
            redeem(&app, &token(&first["link"])).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let head = sign_in_with(&app, &again[0]["link"]).await;
        let me = get_ok(&app, "/api/me", &head, "me").await;
        assert_eq!(
            (me["role"].as_str(), me["urn"].as_str()),
            (Some("head"), Some("900001"))
        );
        let adviser_session = sign_in_with(&app, &adviser["link"]).await;
        let me = get_ok(&app, "/api/me", &adviser_session, "me").await;
        assert_eq!(me["ext_id"], "adv-01");

        // People: no tokens, and who has signed in.
        let people = get_ok(&app, "/api/people", &sim, "people").await;
        let people = people.as_array().unwrap();
        assert_eq!(people.len(), 1 + 56 + 1 + 15);
        let p = people.iter().find(|p| p["urn"] == "900001").unwrap();
        assert_eq!(p["signed_in"], true);
        assert!(!people.iter().any(|p| p.to_string().contains("token")));

        // Availability status moves when the head submits.
        let status_path = format!("/api/years/{year}/availability/status");
        let status = get_ok(&app, &status_path, &sim, "status").await;
        assert_eq!(status["heads"]["submitted"], 0);
        assert_eq!(status["heads"]["of"], 56);
        assert_eq!(status["advisers"]["of"], 8);
        let offered = read_availability(&sample("availability.csv")).unwrap();
        let dates: Vec<Value> = offered.people[&Person::Head(Urn(900001))]
            .iter()
            .filter(|(d, _)| d.to_string().as_str() >= "2027-01-01")
            .take(5)
            .map(|(d, l)| json!({"date": d, "level": l}))
            .collect();
        let r = app
            .request(
                Method::PUT,
                &format!("/api/years/{year}/availability"),
                Some(&head),
            )
            .json(&json!({ "dates": dates }))
            .send()
            .await
            .unwrap();
        json_of(r, StatusCode::CREATED, "availability").await;
        let status = get_ok(&app, &status_path, &sim, "status").await;
        assert_eq!(status["heads"]["submitted"], 1);
        let missing = status["heads"]["missing"].as_array().unwrap();
        assert_eq!(missing.len(), 55);
        assert!(!missing.iter().any(|m| m["urn"] == "900001"));
        assert_eq!(missing[0]["invited"], true);
        let theirs = json_of(
            send(
                &app,
                Method::GET,
                &format!("/api/years/{year}/availability/{}", head.user_id),
                &sim,
            )
            .await,
            StatusCode::OK,
            "a head's availability",
        )
        .await;
        assert_eq!(theirs["versions"], 1);
        assert_eq!(theirs["latest"]["dates"].as_array().unwrap().len(), 5);
        app.stop().await.unwrap();
    }
}

/// The sample's grouping problem under the hand the tests store.
fn sample_problem(opted_out: &[u32], exclusions: Vec<Exclusion>) -> TriadProblem {
    let import = import_gias_file(&sample("schools.csv"), &ImportOptions::default()).unwrap();
    TriadProblem {
        year: 2026,
        schools: import.schools,
        opted_out: opted_out.iter().map(|u| Urn(*u)).collect(),
        history: read_history(&sample("history.csv")).unwrap(),
        advisers: read_advisers(&sample("advisers.csv")).unwrap(),
        exclusions,
        scope: Scope::PerLa,
        rules: TriadRules::default(),
        ..TriadProblem::default()
    }
}

async fn draft(app: &TestApp, year: i64, plan: &Plan) -> i64 {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let (_, version) = plans::insert_draft(&mut tx, year, plan, None, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    version
}

#[tokio::test]
async fn plans_are_checked_before_publishing_and_downloaded() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let year = create_year(&app, &sim).await;
        upload_everything(&app, &sim, year).await;
        let hand = json!({
            "opt_out": ["900056"],
            "exclude": [{"a": "900002", "b": "900009", "reason": "federation talks"}],
        });
        let r = app
            .request(Method::PUT, &format!("/api/years/{year}/hand"), Some(&sim))
            .json(&hand)
            .send()
            .await
            .unwrap();
        json_of(r, StatusCode::CREATED, "hand").await;
        let invited = json_of(
            post_json(
                &app,
                &format!("/api/years/{year}/invitations"),
                &sim,
                json!({"heads": "all", "advisers": "all"}),
            )
            .await,
            StatusCode::CREATED,
            "invite",
        )
        .await;
        let link_of = by_person(&invited, |i| i["link"].clone());
        let user_of = by_person(&invited, |i| i["user_id"].as_i64().unwrap());
        // Everyone's availability, as the sample offers it.
        let offered = read_availability(&sample("availability.csv")).unwrap();
        for (person, dates) in &offered.people {
            let key = match person {
                Person::Head(u) => u.to_string(),
                Person::Adviser(a) => a.clone(),
            };
            let dates: Vec<DateLevel> = dates
                .iter()
                .map(|(d, l)| DateLevel {
                    date: *d,
                    level: *l,
                })
                .collect();
            availability::submit(&app.state.db, year, user_of[&key], &dates)
                .await
                .unwrap();
        }

        // A plan made without the SIM's hand is refused, every violation listed.
        let ignoring = triads::plan(&sample_problem(&[], vec![]), &|_, _| {}).unwrap();
        let v1 = draft(&app, year, &ignoring).await;
        let publish = |v: i64| {
            app.request(
                Method::POST,
                &format!("/api/years/{year}/plans/{v}/publish"),
                Some(&sim),
            )
            .send()
        };
        let e = json_of(
            publish(v1).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid plan",
        )
        .await;
        assert_eq!(e["code"], "invalid_plan");
        assert!(e["errors"].to_string().contains("900056"), "{e}");

        // A plan under the hand, dated from everyone's availability, passes.
        let problem = sample_problem(
            &[900056],
            vec![Exclusion {
                a: Urn(900002),
                b: Urn(900009),
                reason: "federation talks".into(),
            }],
        );
        let plan = triads::plan(&problem, &|_, _| {}).unwrap();
        let y = store::years::load(&app.state.db, year)
            .await
            .unwrap()
            .unwrap();
        let dated = schedule::schedule(&ScheduleProblem {
            plan,
            schools: problem.schools.clone(),
            advisers: problem.advisers.clone(),
            triad_rules: TriadRules::default(),
            availability: inputs::year_availability(&app.state.db, year)
                .await
                .unwrap(),
            calendar: y.calendar.clone(),
            rules: ScheduleRules::default(),
            previous: None,
        })
        .unwrap();
        let v2 = draft(&app, year, &dated.plan).await;
        let ok = json_of(publish(v2).await.unwrap(), StatusCode::OK, "publish").await;
        assert_eq!(ok["checked"], true);
        assert_eq!(publish(v2).await.unwrap().status(), StatusCode::CONFLICT);

        let versions = get_ok(&app, &format!("/api/years/{year}/plans"), &sim, "versions").await;
        assert_eq!(versions[0]["version"], v2);
        assert_eq!(versions[0]["status"], "published");
        assert_eq!(versions[1]["status"], "draft");
        let summary = &versions[0]["summary"];
        assert_eq!(summary["groups"], dated.plan.triads.len());
        assert_eq!(summary["dated"], dated.schedule.scheduled);
        let full = json_of(
            send(
                &app,
                Method::GET,
                &format!("/api/years/{year}/plans/{v2}"),
                &sim,
            )
            .await,
            StatusCode::OK,
            "plan",
        )
        .await;
        assert_eq!(full["status"], "published");
        assert_eq!(
            full["plan"]["triads"].as_array().unwrap().len(),
            dated.plan.triads.len()
        );

        // Spreadsheets for the SIM.
        for name in [
            "groups.csv",
            "reviews.csv",
            "unplaced.csv",
            "ledger.csv",
            "advisers.csv",
        ] {
            let r = send(
                &app,
                Method::GET,
                &format!("/api/years/{year}/plans/{v2}/csv/{name}"),
                &sim,
            )
            .await;
            assert_eq!(r.status(), StatusCode::OK, "{name}");
            let h = r.headers().clone();
            assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
            assert!(h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"));
            let text = r.text().await.unwrap();
            assert!(text.lines().count() >= 1, "{name}");
        }
        let groups = send(
            &app,
            Method::GET,
            &format!("/api/years/{year}/plans/{v2}/csv/groups.csv"),
            &sim,
        )
        .await
        .text()
        .await
        .unwrap();
        assert_eq!(groups.lines().count(), 1 + dated.plan.triads.len());
        let first = &dated.plan.triads[0];
        let line = groups.lines().nth(1).unwrap();
        assert!(line.starts_with(&format!("{},", first.id)), "{line}");
        let missing = send(
            &app,
            Method::GET,
            &format!("/api/years/{year}/plans/{v2}/csv/secrets.csv"),
            &sim,
        )
        .await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        // Calendars: the SIM any; a head their own and their school's; an
        // adviser their own; of the published plan only.
        let (t, r) = dated
            .plan
            .triads
            .iter()
            .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
            .find(|(t, r)| r.start.is_some() && t.adviser.is_some())
            .expect("a dated review with an adviser");
        let host = r.host.to_string();
        let other = dated
            .plan
            .triads
            .iter()
            .flat_map(|x| x.schools.iter())
            .find(|u| !t.schools.contains(u))
            .unwrap()
            .to_string();
        let ics = |who: &Session, v: i64, file: String| {
            app.request(
                Method::GET,
                &format!("/api/years/{year}/plans/{v}/ics/{file}"),
                Some(who),
            )
            .send()
        };
        let r_sim = ics(&sim, v2, format!("head-{host}.ics")).await.unwrap();
        assert_eq!(r_sim.status(), StatusCode::OK);
        assert!(r_sim.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        let text = r_sim.text().await.unwrap();
        assert!(
            text.contains("BEGIN:VCALENDAR") && text.contains("BEGIN:VEVENT"),
            "{text}"
        );
        let head = sign_in_with(&app, &link_of[&host]).await;
        for file in [format!("head-{host}.ics"), format!("school-{host}.ics")] {
            let r = ics(&head, v2, file.clone()).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{file}");
            assert!(r.text().await.unwrap().contains("BEGIN:VEVENT"));
        }
        for (v, file) in [
            (v2, format!("head-{other}.ics")),
            (v2, format!("school-{other}.ics")),
            (v2, "adviser-adv-01.ics".to_string()),
            (v1, format!("head-{host}.ics")),
        ] {
            let r = ics(&head, v, file.clone()).await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "version {v} {file}");
        }
        let adviser_id = t.adviser.clone().unwrap();
        let adviser = sign_in_with(&app, &link_of[&adviser_id]).await;
        let r = ics(&adviser, v2, format!("adviser-{adviser_id}.ics"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = ics(&adviser, v2, format!("head-{host}.ics")).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // A draft the matching job makes from the stored inputs (the hand,
        // everyone's availability, the published plan to keep) passes the
        // same check.
        let worker = app.start_worker(10);
        let job = json_of(
            post_json(
                &app,
                &format!("/api/years/{year}/jobs"),
                &sim,
                json!({"kind": "matching"}),
            )
            .await,
            StatusCode::ACCEPTED,
            "matching job",
        )
        .await;
        let started = std::time::Instant::now();
        let job = loop {
            let j = get_ok(&app, &format!("/api/jobs/{}", job["id"]), &sim, "job").await;
            if ["succeeded", "failed", "cancelled"].contains(&j["state"].as_str().unwrap()) {
                break j;
            }
            assert!(started.elapsed().as_secs() < 120, "job still {j}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(job["state"], "succeeded", "{job}");
        let v3 = job["result_version"].as_i64().unwrap();
        let ok = json_of(
            publish(v3).await.unwrap(),
            StatusCode::OK,
            "publish the job's plan",
        )
        .await;
        assert_eq!(ok["checked"], true);
        worker.shutdown().await;

        // The audit log, newest first.
        let audit = get_ok(&app, "/api/audit?limit=500", &sim, "audit").await;
        let entries = audit.as_array().unwrap();
        let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]));
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in [
            "plan.publish",
            "input.hand",
            "input.schools",
            "year.create",
            "user.create",
            "invitation.issue",
        ] {
            assert!(actions.contains(&a), "{a} in the audit log");
        }
        let publish_entry = entries
            .iter()
            .find(|e| e["action"] == "plan.publish")
            .unwrap();
        assert_eq!(publish_entry["user_name"], "Sam Sim");
        let page = get_ok(&app, "/api/audit?limit=2", &sim, "page").await;
        assert_eq!(page.as_array().unwrap().len(), 2);
        let next = json_of(
            send(
                &app,
                Method::GET,
                &format!("/api/audit?limit=2&before={}", page[1]["id"]),
                &sim,
            )
            .await,
            StatusCode::OK,
            "next page",
        )
        .await;
        assert_eq!(next.as_array().unwrap().len(), 2);
        assert!(next[0]["id"].as_i64().unwrap() < page[1]["id"].as_i64().unwrap());
        assert_eq!(
            send(&app, Method::GET, "/api/audit?limit=0", &sim)
                .await
                .status(),
            StatusCode::BAD_REQUEST
        );
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn only_the_sim_gets_in() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let year = create_year(&app, &sim).await;
        let problem = sample_problem(&[], vec![]);
        let plan = triads::plan(&problem, &|_, _| {}).unwrap();
        let v = draft(&app, year, &plan).await;
        let head = app
            .signed_in("head", "Hana Head", Some("900001"))
            .await
            .unwrap();
        let routes: Vec<(Method, String, Option<Value>)> = vec![
            (
                Method::POST,
                "/api/years".into(),
                Some(json!({"name": "x", "calendar": calendar_json(), "deadline": "2027-06-30"})),
            ),
            (Method::GET, format!("/api/years/{year}"), None),
            (Method::PUT, format!("/api/years/{year}/rules"), None),
            (Method::POST, format!("/api/years/{year}/schools"), None),
            (
                Method::POST,
                format!("/api/years/{year}/inputs/heads"),
                None,
            ),
            (Method::GET, format!("/api/years/{year}/inputs"), None),
            (Method::GET, format!("/api/years/{year}/inputs/rules"), None),
            (
                Method::POST,
                format!("/api/years/{year}/invitations"),
                Some(json!({"heads": "all"})),
            ),
            (Method::GET, "/api/people".into(), None),
            (
                Method::GET,
                format!("/api/years/{year}/availability/status"),
                None,
            ),
            (
                Method::GET,
                format!("/api/years/{year}/availability/{}", sim.user_id),
                None,
            ),
            (Method::GET, format!("/api/years/{year}/hand"), None),
            (
                Method::PUT,
                format!("/api/years/{year}/hand"),
                Some(json!({})),
            ),
            (Method::GET, format!("/api/years/{year}/plans"), None),
            (Method::GET, format!("/api/years/{year}/plans/{v}"), None),
            (
                Method::POST,
                format!("/api/years/{year}/plans/{v}/publish"),
                None,
            ),
            (
                Method::GET,
                format!("/api/years/{year}/plans/{v}/csv/groups.csv"),
                None,
            ),
            (Method::GET, "/api/audit".into(), None),
        ];
        for (method, path, body) in &routes {
            let call = |who: Option<&Session>| {
                let r = app.request(method.clone(), path, who);
                match body {
                    Some(b) => r.json(b),
                    None => r.body(Vec::<u8>::new()),
                }
                .send()
            };
            let as_head = call(Some(&head)).await.unwrap();
            assert_eq!(
                as_head.status(),
                StatusCode::FORBIDDEN,
                "{method} {path} as a head"
            );
            let body: Value = as_head.json().await.unwrap();
            assert_eq!(body["code"], "forbidden", "{method} {path}");
            let nobody = call(None).await.unwrap();
            assert_eq!(
                nobody.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} signed out"
            );
        }
        let nobody = app.send(Method::GET, "/api/years", None).await;
        assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
        let nobody = app
            .send(
                Method::GET,
                &format!("/api/years/{year}/plans/{v}/ics/head-900001.ics"),
                None,
            )
            .await;
        assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
        // Nothing the head tried changed anything.
        assert_eq!(count(&app, "SELECT COUNT(*) FROM years").await, 1);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM plans WHERE status = 'published'"
            )
            .await,
            0
        );

        // Every route is described in the OpenAPI document.
        let doc = json_of(
            app.send(Method::GET, "/api/openapi.json", None).await,
            StatusCode::OK,
            "openapi",
        )
        .await;
        for (method, path) in [
            ("post", "/api/years"),
            ("put", "/api/years/{year}/rules"),
            ("post", "/api/years/{year}/schools"),
            ("post", "/api/years/{year}/inputs/{kind}"),
            ("post", "/api/years/{year}/invitations"),
            ("get", "/api/years/{year}/availability/status"),
            ("put", "/api/years/{year}/hand"),
            ("post", "/api/years/{year}/plans/{version}/publish"),
            ("get", "/api/years/{year}/plans/{version}/ics/{file}"),
            ("get", "/api/years/{year}/plans/{version}/xlsx"),
            ("get", "/api/audit"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        app.stop().await.unwrap();
    }
}

/// A small allocation of one consultant's days at one of the sample's
/// schools, as the allocation job would store it.
fn one_line_allocation(urn: &str, school: &str) -> optimiser::allocate::Allocation {
    report::fixture::allocation(json!({
        "allocations": [{"urn": urn, "consultant": "con-01", "area": "english_phonics", "days": 5}],
        "schools": [{
            "urn": urn, "name": school, "phase": "primary",
            "tier": 2, "tier_source": "ofsted", "entitlement": 15, "allocated": 5,
            "consultants": 1, "areas": [], "shortfalls": []
        }],
        "consultants": [{
            "id": "con-01", "name": "Zoë Ferreira-Éclair", "kind": "sle", "available": 40,
            "allocated": 5, "schools": 1, "cost": 2250.0, "travel_km": 12.0
        }],
        "cost": {"total": 2250.0, "budget": null, "days": 5, "by_kind": {}, "by_tier": {}},
    }))
}

#[tokio::test]
async fn the_sim_downloads_the_workbook_the_allocation_and_the_report() {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    let app = TestApp::spawn(&e2e::app::Backend::Sqlite).await.unwrap();
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    let year = create_year(&app, &sim).await;
    upload_everything(&app, &sim, year).await;
    let problem = sample_problem(&[], vec![]);
    let plan = triads::plan(&problem, &|_, _| {}).unwrap();
    let v = draft(&app, year, &plan).await;
    let name_of: HashMap<Urn, String> = problem
        .schools
        .iter()
        .map(|s| (s.urn, s.name.clone()))
        .collect();
    let first = plan.triads[0].schools[0];
    let allocated = plan.triads[1].schools[0];
    let mut tx = app.state.db.write.begin().await.unwrap();
    store::jobs::allocations::insert(
        &mut tx,
        year,
        &one_line_allocation(&allocated.to_string(), &name_of[&allocated]),
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let head = app
        .signed_in("head", "Hana Head", Some(&first.to_string()))
        .await
        .unwrap();

    // The workbook: named, typed, readable by another program.
    let path = format!("/api/years/{year}/plans/{v}/xlsx");
    let r = send(&app, Method::GET, &path, &sim).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], app::plans::XLSX);
    assert_eq!(
        h["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"peer-review-2026-27-plan-{v}.xlsx\"")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Groups", "Reviews", "Left out", "Advisers", "Allocation"]
    );
    let groups = book.worksheet_range("Groups").unwrap();
    assert_eq!(groups.get((0, 0)), Some(&Data::String("Group".into())));
    assert_eq!(
        groups.get((1, 2)),
        Some(&Data::String(name_of[&first].clone())),
        "the first school of the first group, by name"
    );
    assert_eq!(groups.get((1, 3)), Some(&Data::String(first.to_string())));
    let allocation = book.worksheet_range("Allocation").unwrap();
    assert_eq!(
        allocation.get((1, 0)),
        Some(&Data::String("Zoë Ferreira-Éclair".into()))
    );
    assert_eq!(
        send(&app, Method::GET, &path, &head).await.status(),
        StatusCode::FORBIDDEN,
        "a head may not have the SIM's workbook"
    );

    // The allocation as CSV, and every CSV with a byte-order mark.
    let r = send(
        &app,
        Method::GET,
        &format!("/api/years/{year}/plans/{v}/csv/allocation.csv"),
        &sim,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}consultant,kind,school,urn"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "Zoë Ferreira-Éclair,SLE,{},{allocated},Primary,English and phonics,5",
        name_of[&allocated]
    )));
    // The allocation page and its own workbook: by consultant and by school.
    let page = send(
        &app,
        Method::GET,
        &format!("/years/{year}/allocation"),
        &sim,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("By consultant") && page.contains("By school, in order of need"));
    assert!(page.contains("Zoë Ferreira-Éclair"));
    let r = send(
        &app,
        Method::GET,
        &format!("/years/{year}/allocation/xlsx"),
        &sim,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut own: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        own.sheet_names(),
        formats::workbook::ALLOCATION_SHEETS.to_vec()
    );
    let by = own.worksheet_range("By consultant").unwrap();
    assert!(by
        .rows()
        .any(|r| r[0] == Data::String("Zoë Ferreira-Éclair".into())
            && r[2] == Data::String(name_of[&allocated].clone())));
    let groups_csv = send(
        &app,
        Method::GET,
        &format!("/api/years/{year}/plans/{v}/csv/groups.csv"),
        &sim,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(groups_csv.starts_with('\u{feff}'));

    // The report, from the plan's page.
    let page = send(&app, Method::GET, &format!("/years/{year}/plans/{v}"), &sim)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/years/{year}/plans/{v}/report")));
    assert!(page.contains(&path));
    assert!(page.contains("csv/allocation.csv"));
    let path = format!("/years/{year}/plans/{v}/report");
    let r = send(&app, Method::GET, &path, &sim).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Thamesmere peer review 2026-27"));
    assert!(html.contains(&report::escape(&name_of[&first])));
    assert!(html.contains("@media print"));
    assert_eq!(
        send(&app, Method::GET, &path, &head).await.status(),
        StatusCode::FORBIDDEN,
        "a head may not have the SIM's report"
    );
    app.stop().await.unwrap();
}
