//! Background jobs: the matching and allocation jobs through the API, the
//! claim that never gives one job to two instances, take-over after a
//! killed instance's lease expires (real processes), and failed or
//! cancelled jobs that leave the last good plan as it was.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::app::{backends, fresh_database, Backend, Session, TestApp};
use optimiser::model::{NeedArea, OfstedGrade, Urn};
use optimiser::schedule::Level;
use reqwest::{Method, StatusCode};
use sample::synth::{self, Sample, SampleSpec};
use serde_json::{json, Value};
use store::availability::{self, DateLevel};
use store::jobs::{self, ClaimRules, Enqueued, Job, JobKind, JobState};
use store::{inputs, plans, Db};

// ---------------------------------------------------------------- set-up

/// A year whose inputs are a generated authority's, as the SIM's uploads
/// store them; returns its id.
async fn sample_year(db: &Db, sample: &Sample, rules: &str) -> i64 {
    let cal = synth::calendar_2026_27(&sample.schools, 7);
    let year = e2e::sample::insert_year(db, "2026-27", &cal, cal.last, rules).await;
    let mut tx = db.begin_write().await.unwrap();
    macro_rules! store {
        ($kind:expr, $data:expr) => {
            inputs::store(&mut tx, year, $kind, "test", $data, None, "")
                .await
                .unwrap();
        };
    }
    store!("schools", &sample.schools);
    store!("advisers", &sample.advisers);
    store!("history", &sample.history);
    store!("consultants", &sample.consultants);
    store!("sspb", &sample.sspb);
    store!("need", &sample.need);
    store!("last_allocations", &sample.last_allocations);
    tx.commit().await.unwrap();
    year
}

/// A service on `backend` over a year of the default generated authority,
/// and its SIM signed in.
async fn sample_service(backend: &Backend) -> (TestApp, Sample, i64, Session) {
    let app = TestApp::spawn(backend).await.unwrap();
    let sample = synth::generate(&SampleSpec::default());
    let year = sample_year(&app.state.db, &sample, "").await;
    let sim = app.signed_in("sim", "Sam", None).await.unwrap();
    (app, sample, year, sim)
}

/// Every head and adviser of the sample signs up and offers dates.
async fn everyone_offers_dates(app: &TestApp, year: i64, sample: &Sample) {
    let cal = synth::calendar_2026_27(&sample.schools, 7);
    let offered = synth::generate_availability(&sample.schools, &sample.advisers, &cal, 0.4, 11);
    for (person, dates) in &offered.people {
        let user = match person {
            optimiser::schedule::Person::Head(u) => app
                .user("head", &format!("Head of {u}"), Some(&u.to_string()), None)
                .await
                .unwrap(),
            optimiser::schedule::Person::Adviser(id) => {
                app.user("adviser", id, None, Some(id)).await.unwrap()
            }
        };
        let list: Vec<DateLevel> = dates
            .iter()
            .map(|(&date, &level)| DateLevel { date, level })
            .collect();
        availability::submit(&app.state.db, year, user, &list)
            .await
            .unwrap();
    }
    assert!(offered
        .people
        .values()
        .any(|d| d.values().any(|l| *l == Level::Preferred)));
}

/// A large authority whose grouping runs for seconds (each component up to
/// `seconds`): dense primaries are far from proven optimal in that time.
fn big_sample() -> Sample {
    synth::generate(&SampleSpec {
        seed: 77,
        la_code: 941,
        la_name: "Greatmere".into(),
        primary: 420,
        secondary: 60,
        special: 8,
        trusts: 70,
        width_km: 30.0,
        height_km: 24.0,
        ..SampleSpec::default()
    })
}

fn slow_rules(seconds: u32) -> String {
    format!("[triads]\ntime_limit_seconds = {seconds}\n")
}

async fn wait_job(db: &Db, id: i64, seconds: u64, what: &str, ok: impl Fn(&Job) -> bool) -> Job {
    let start = Instant::now();
    loop {
        let job = jobs::get(db, id).await.unwrap().unwrap();
        if ok(&job) {
            return job;
        }
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "job {id} not {what} after {seconds} s: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start(app: &TestApp, sim: &Session, year: i64, kind: &str) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/years/{year}/jobs"), Some(sim))
        .json(&json!({ "kind": kind }))
        .send()
        .await
        .unwrap()
}

/// Removes an SQLite database with its WAL files.
fn remove_sqlite(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

async fn count(db: &Db, sql: &str, year: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(year)
        .fetch_one(&db.read)
        .await
        .unwrap()
}

// ---------------------------------------------------------------- through the API

#[tokio::test]
async fn matching_job_stores_a_dated_draft_and_honours_heads_requests() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let db = &app.state.db;
        let sample = synth::generate(&SampleSpec::default());
        let year = sample_year(db, &sample, "").await;
        everyone_offers_dates(&app, year, &sample).await;
        let sim = app.signed_in("sim", "Sam", None).await.unwrap();
        let head = app
            .sign_in(app.user("head", "Hal", Some("123456"), None).await.unwrap())
            .await
            .unwrap();

        // No worker yet: the job waits, and a second one is refused.
        let resp = start(&app, &sim, year, "matching").await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED, "{}", backend.name());
        let job: Value = resp.json().await.unwrap();
        assert_eq!(job["state"], "queued");
        let id = job["id"].as_i64().unwrap();
        let again = start(&app, &sim, year, "matching").await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let body: Value = again.json().await.unwrap();
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("job {id}")));
        assert_eq!(
            start(&app, &sim, year, "sorting").await.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            start(&app, &head, year, "matching").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            start(&app, &sim, 9999, "matching").await.status(),
            StatusCode::NOT_FOUND
        );
        let as_head = app
            .send(Method::GET, &format!("/api/jobs/{id}"), Some(&head))
            .await;
        assert_eq!(as_head.status(), StatusCode::FORBIDDEN);

        let worker = app.start_worker(10);
        let done = wait_job(db, id, 120, "succeeded", |j| j.state.is_final()).await;
        assert_eq!(done.state, JobState::Succeeded, "{}", done.message);
        let got: Value = app.get_json(&format!("/api/jobs/{id}"), Some(&sim)).await;
        assert_eq!(got["state"], "succeeded");
        assert_eq!(got["attempts"], 1);
        assert_eq!(got["result_version"], 1);
        assert!(got["message"].as_str().unwrap().contains("reviews dated"));
        let draft = plans::latest(db, year, "draft").await.unwrap().unwrap();
        assert_eq!((draft.version, draft.job_id), (1, Some(id)));
        let reviews: Vec<_> = draft.plan.triads.iter().flat_map(|t| &t.reviews).collect();
        let dated = reviews.iter().filter(|r| r.start.is_some()).count();
        assert!(
            dated * 2 > reviews.len(),
            "{dated} of {} dated",
            reviews.len()
        );

        // A head asks not to be grouped with a school it was just grouped
        // with; the next run keeps them apart.
        let group = &draft.plan.triads[0];
        let (a, b) = (group.schools[0], group.schools[1]);
        // Its head signed up above, with the other heads.
        let asker: i64 =
            sqlx::query_scalar("SELECT id FROM users WHERE role = 'head' AND urn = $1")
                .bind(a.to_string())
                .fetch_one(&db.read)
                .await
                .unwrap();
        sqlx::query(
            "INSERT INTO school_choices (year_id, urn, version, data, created_by, created_at) \
             VALUES ($1, $2, 1, $3, $4, 0)",
        )
        .bind(year)
        .bind(a.to_string())
        .bind(json!({"focus": ["maths"], "avoid": [{"urn": b.to_string(), "reason": "merger talks"}]}).to_string())
        .bind(asker)
        .execute(&db.write)
        .await
        .unwrap();
        let second: Value = start(&app, &sim, year, "matching")
            .await
            .json()
            .await
            .unwrap();
        let id2 = second["id"].as_i64().unwrap();
        let done = wait_job(db, id2, 120, "ended", |j| j.state.is_final()).await;
        assert_eq!(done.state, JobState::Succeeded, "{}", done.message);
        let draft = plans::latest(db, year, "draft").await.unwrap().unwrap();
        assert_eq!(draft.version, 2);
        assert!(!draft
            .plan
            .triads
            .iter()
            .any(|t| t.schools.contains(&a) && t.schools.contains(&b)));

        let listed: Value = app
            .get_json(&format!("/api/years/{year}/jobs"), Some(&sim))
            .await;
        assert_eq!(listed[0]["id"], id2);
        assert_eq!(listed[1]["id"], id);
        for action in ["job.enqueue", "job.claim", "job.succeeded", "plan.draft"] {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = $1")
                .bind(action)
                .fetch_one(&db.read)
                .await
                .unwrap();
            assert_eq!(n, 2, "{action}");
        }
        worker.shutdown().await;
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn allocation_job_reads_writeup_support_and_consultants_see_only_theirs() {
    for backend in backends() {
        let (app, sample, year, sim) = sample_service(&backend).await;
        let db = &app.state.db;

        // A school the SIM's need file leaves out, which its write-up says
        // needs maths; a draft write-up elsewhere does not count.
        let with_need: Vec<Urn> = sample.need.iter().map(|n| n.urn).collect();
        let mut quiet = sample
            .schools
            .iter()
            .filter(|s| !with_need.contains(&s.urn) && s.ofsted != Some(OfstedGrade::Outstanding));
        let host = quiet.next().expect("a school without need").urn;
        let other = quiet.next().expect("a second one").urn;
        let lead = app.user("head", "Lee", Some("999001"), None).await.unwrap();
        let plan_id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (year_id, version, status, plan, created_at) \
             VALUES ($1, 1, 'published', '{}', 0) RETURNING id",
        )
        .bind(year)
        .fetch_one(&db.write)
        .await
        .unwrap();
        for (urn, status, area) in [(host, "submitted", "maths"), (other, "draft", "send")] {
            sqlx::query(
                "INSERT INTO writeups (year_id, host_urn, lead_urn, plan_id, version, status, body, created_by, created_at) \
                 VALUES ($1, $2, '999001', $3, 1, $4, $5, $6, 0)",
            )
            .bind(year)
            .bind(urn.to_string())
            .bind(plan_id)
            .bind(status)
            .bind(json!({"strengths": "x", "support_needed": [area]}).to_string())
            .bind(lead)
            .execute(&db.write)
            .await
            .unwrap();
        }

        let worker = app.start_worker(10);
        let resp = start(&app, &sim, year, "allocation").await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let done = wait_job(db, id, 60, "ended", |j| j.state.is_final()).await;
        assert_eq!(done.state, JobState::Succeeded, "{}", done.message);
        assert_eq!(done.result_version, Some(1));

        let latest: Value = app
            .get_json(&format!("/api/years/{year}/allocations/latest"), Some(&sim))
            .await;
        assert_eq!(latest["job_id"], id);
        let schools = latest["allocation"]["schools"].as_array().unwrap();
        let areas_of = |u: Urn| -> Vec<String> {
            let s = schools.iter().find(|s| s["urn"] == u.to_string()).unwrap();
            s["areas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["area"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(areas_of(host), vec![NeedArea::Maths.key().to_string()]);
        assert!(areas_of(other).is_empty());

        // A consultant sees their own days only.
        let lines = latest["allocation"]["allocations"].as_array().unwrap();
        let someone = lines[0]["consultant"].as_str().unwrap().to_string();
        let theirs = lines.iter().filter(|l| l["consultant"] == someone).count();
        assert!(theirs < lines.len());
        let consultant = app
            .sign_in(
                app.user("consultant", "Con", None, Some(&someone))
                    .await
                    .unwrap(),
            )
            .await
            .unwrap();
        let mine: Value = app
            .get_json(
                &format!("/api/years/{year}/my/allocation"),
                Some(&consultant),
            )
            .await;
        let assignments = mine["assignments"].as_array().unwrap();
        assert_eq!(assignments.len(), theirs);
        assert!(assignments.iter().all(|a| a["consultant"] == someone));
        assert_eq!(mine["load"]["id"], someone);
        let full = app
            .send(
                Method::GET,
                &format!("/api/years/{year}/allocations/latest"),
                Some(&consultant),
            )
            .await;
        assert_eq!(full.status(), StatusCode::FORBIDDEN);
        let head = app.signed_in("head", "Hal", Some("123456")).await.unwrap();
        let as_head = app
            .send(
                Method::GET,
                &format!("/api/years/{year}/my/allocation"),
                Some(&head),
            )
            .await;
        assert_eq!(as_head.status(), StatusCode::FORBIDDEN);
        worker.shutdown().await;
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn failed_and_cancelled_jobs_leave_the_last_good_plan() {
    for backend in backends() {
        let (app, _, year, sim) = sample_service(&backend).await;
        let db = &app.state.db;

        // A good plan, published.
        let worker = app.start_worker(10);
        let good: Value = start(&app, &sim, year, "matching")
            .await
            .json()
            .await
            .unwrap();
        let good = good["id"].as_i64().unwrap();
        let j = wait_job(db, good, 120, "ended", |j| j.state.is_final()).await;
        assert_eq!(j.state, JobState::Succeeded, "{}", j.message);
        assert!(plans::publish(db, year, 1, sim.user_id).await.unwrap());
        worker.shutdown().await;

        // A hand that pins a school the year does not have: the job fails
        // and says why.
        let mut tx = db.begin_write().await.unwrap();
        inputs::store(
            &mut tx,
            year,
            "hand",
            "hand.json",
            &json!({"pin": [{"schools": ["100001", "100002", "100003"]}]}),
            Some(sim.user_id),
            "",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let worker = app.start_worker(10);
        let bad: Value = start(&app, &sim, year, "matching")
            .await
            .json()
            .await
            .unwrap();
        let bad = bad["id"].as_i64().unwrap();
        let j = wait_job(db, bad, 60, "ended", |j| j.state.is_final()).await;
        assert_eq!(j.state, JobState::Failed);
        assert!(j.message.contains("100001"), "{}", j.message);
        assert_eq!(j.result_id, None);
        worker.shutdown().await;

        // Cancelled while queued: nothing runs.
        let queued: Value = start(&app, &sim, year, "matching")
            .await
            .json()
            .await
            .unwrap();
        let queued = queued["id"].as_i64().unwrap();
        let resp = app
            .send(
                Method::POST,
                &format!("/api/jobs/{queued}/cancel"),
                Some(&sim),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<Value>().await.unwrap()["state"], "cancelled");
        let again = app
            .send(
                Method::POST,
                &format!("/api/jobs/{queued}/cancel"),
                Some(&sim),
            )
            .await;
        assert_eq!(again.status(), StatusCode::CONFLICT);

        assert_eq!(
            count(db, "SELECT COUNT(*) FROM plans WHERE year_id = $1", year).await,
            1
        );
        let published = plans::latest(db, year, "published").await.unwrap().unwrap();
        assert_eq!((published.version, published.job_id), (1, Some(good)));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn cancelling_a_running_matching_job_stops_it_and_stores_nothing() {
    // One backend is enough: cancelling is the same UPDATEs on both, which
    // `db::jobs` tests; this checks the worker stops the solver.
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let db = &app.state.db;
    let year = sample_year(db, &big_sample(), &slow_rules(6)).await;
    let sim = app.signed_in("sim", "Sam", None).await.unwrap();
    let worker = app.start_worker(10);
    let job: Value = start(&app, &sim, year, "matching")
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_i64().unwrap();
    wait_job(db, id, 30, "solving", |j| {
        j.message.starts_with("forming groups")
    })
    .await;
    let asked = Instant::now();
    let resp = app
        .send(Method::POST, &format!("/api/jobs/{id}/cancel"), Some(&sim))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let j = wait_job(db, id, 10, "cancelled", |j| j.state.is_final()).await;
    assert_eq!(j.state, JobState::Cancelled, "{}", j.message);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    // The worker waits for the solver's thread to stop before it ends.
    worker.shutdown().await;
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM plans WHERE year_id = $1", year).await,
        0
    );
    let j = jobs::get(db, id).await.unwrap().unwrap();
    assert_eq!((j.state, j.result_id), (JobState::Cancelled, None));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn an_instance_shutting_down_gives_its_running_job_back() {
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let db = &app.state.db;
    let year = sample_year(db, &big_sample(), &slow_rules(6)).await;
    let job = match jobs::enqueue(db, year, JobKind::Matching, None)
        .await
        .unwrap()
    {
        Enqueued::New(j) => j,
        Enqueued::Busy(j) => panic!("busy with {}", j.id),
    };
    let first = app.start_worker(10);
    let running = wait_job(db, job.id, 30, "solving", |j| {
        j.message.starts_with("forming groups")
    })
    .await;
    first.shutdown().await;
    let back = jobs::get(db, job.id).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.attempts, back.owner.as_deref()),
        (JobState::Queued, 0, None),
        "{}",
        back.message
    );
    assert!(back.message.contains(running.owner.as_deref().unwrap()));

    // Another instance starts it at once, as its first attempt.
    let other = TestApp::spawn_on(&Backend::Sqlite, &app.database_url, None)
        .await
        .unwrap();
    let second = other.start_worker(10);
    let again = wait_job(db, job.id, 10, "running again", |j| {
        j.state == JobState::Running
    })
    .await;
    assert_eq!(again.attempts, 1);
    assert_ne!(again.owner, running.owner);
    jobs::request_cancel(db, job.id, 0).await.unwrap();
    wait_job(db, job.id, 10, "cancelled", |j| j.state.is_final()).await;
    second.shutdown().await;
    other.stop().await.unwrap();
    app.stop().await.unwrap();
}

// ---------------------------------------------------------------- claims

#[tokio::test]
async fn two_instances_never_claim_one_job_or_queue_two() {
    for backend in backends() {
        let (url, file) = fresh_database(&backend).await.unwrap();
        // Two pools on one database: two instances.
        let a = Db::connect(&url).await.unwrap();
        let b = Db::connect(&url).await.unwrap();
        let sample = synth::generate(&SampleSpec::default());
        let year = sample_year(&a, &sample, "").await;
        let rules = ClaimRules {
            lease_seconds: 30,
            max_attempts: 3,
        };
        for round in 0..15 {
            // Both queue at once: one job.
            let (x, y) = tokio::join!(
                jobs::enqueue(&a, year, JobKind::Matching, None),
                jobs::enqueue(&b, year, JobKind::Matching, None)
            );
            let fresh: Vec<Job> = [x.unwrap(), y.unwrap()]
                .into_iter()
                .filter_map(|e| match e {
                    Enqueued::New(j) => Some(j),
                    Enqueued::Busy(_) => None,
                })
                .collect();
            assert_eq!(fresh.len(), 1, "{} round {round}", backend.name());
            // Four claimers on each instance race for it.
            let mut tasks = Vec::new();
            for i in 0..8 {
                let db = if i % 2 == 0 { a.clone() } else { b.clone() };
                tasks.push(tokio::spawn(async move {
                    jobs::claim(&db, &format!("claimer-{i}"), rules)
                        .await
                        .unwrap()
                }));
            }
            let mut won = Vec::new();
            for t in tasks {
                won.extend(t.await.unwrap());
            }
            assert_eq!(won.len(), 1, "{} round {round}: {won:?}", backend.name());
            let owner = won[0].owner.clone().unwrap();
            assert!(jobs::end(&a, won[0].id, &owner, JobState::Failed, "test")
                .await
                .unwrap());
        }
        for db in [a, b] {
            db.write.close().await;
            db.read.close().await;
        }
        if let Some(f) = file {
            remove_sqlite(&f);
        }
    }
}

// ---------------------------------------------------------------- real processes

/// A `peer-review serve` process of the test build.
struct Instance {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Instance {
    async fn start(url: &str, lease_seconds: u64, name: &str) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log =
            std::env::temp_dir().join(format!("pr_jobs_{}_{name}_{port}.log", std::process::id()));
        let child = Command::new(env!("CARGO_BIN_EXE_peer-review-under-test"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--database", url])
            .args(["--lease-seconds", &lease_seconds.to_string()])
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let inst = Instance {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let started = Instant::now();
        loop {
            if let Ok(r) = reqwest::get(format!("{}/health", inst.base)).await {
                if r.status() == StatusCode::OK {
                    return inst;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{name} did not start: {}",
                inst.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as a service manager stops it; the exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A session for `user` made by redeeming an invitation at `base`.
async fn session_at(db: &Db, base: &str, user: i64) -> String {
    let mut tx = db.begin_write().await.unwrap();
    let token = web::auth::issue_invitation(&mut tx, user, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let body: Value = e2e::app::json(
        reqwest::Client::new()
            .post(format!("{base}/api/session"))
            .json(&json!({ "token": token })),
    )
    .await;
    body["session_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_killed_instances_job_is_taken_over_after_its_lease_and_stored_once() {
    const LEASE: u64 = 3;
    for backend in backends() {
        let (url, file) = fresh_database(&backend).await.unwrap();
        let db = Db::connect(&url).await.unwrap();
        let year = sample_year(&db, &big_sample(), &slow_rules(10)).await;
        let sim: i64 = sqlx::query_scalar(
            "INSERT INTO users (role, name, created_at) VALUES ('sim', 'Sam', 0) RETURNING id",
        )
        .fetch_one(&db.write)
        .await
        .unwrap();

        let mut a = Instance::start(&url, LEASE, "a").await;
        let token = session_at(&db, &a.base, sim).await;
        let resp = reqwest::Client::new()
            .post(format!("{}/api/years/{year}/jobs", a.base))
            .bearer_auth(&token)
            .json(&json!({"kind": "matching"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED, "{}", backend.name());
        let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let running = wait_job(&db, id, 30, "running on a", |j| {
            j.state == JobState::Running && j.message.starts_with("forming groups")
        })
        .await;
        let owner_a = running.owner.clone().unwrap();

        // B polls alongside; while A renews its lease, B never gets the job.
        let mut b = Instance::start(&url, LEASE, "b").await;
        tokio::time::sleep(Duration::from_secs(LEASE + 2)).await;
        let still = jobs::get(&db, id).await.unwrap().unwrap();
        assert_eq!(
            (still.state, still.owner.as_deref(), still.attempts),
            (JobState::Running, Some(owner_a.as_str()), 1),
            "A should still hold the job: {}",
            a.log_text()
        );

        // A dies mid-job.
        let lease_at_kill = jobs::get(&db, id)
            .await
            .unwrap()
            .unwrap()
            .lease_until
            .unwrap();
        a.child.kill().unwrap();
        a.child.wait().unwrap();
        let killed = Instant::now();

        let done = wait_job(&db, id, 180, "ended", |j| j.state.is_final()).await;
        assert_eq!(
            done.state,
            JobState::Succeeded,
            "{}\n{}",
            done.message,
            b.log_text()
        );
        assert_eq!(done.attempts, 2);
        eprintln!(
            "{}: A killed {} s after it started the job; B finished it {:.1} s later",
            backend.name(),
            lease_at_kill - LEASE as i64 - running.started_at.unwrap(),
            killed.elapsed().as_secs_f64()
        );
        let owner_b = done.owner.clone().unwrap();
        assert_ne!(owner_b, owner_a);
        let takeover: (i64, String) = {
            let row: (i64, String) = sqlx::query_as(
                "SELECT at, detail FROM audit WHERE action = 'job.claim' AND object = $1 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(format!("job {id}"))
            .fetch_one(&db.read)
            .await
            .unwrap();
            row
        };
        assert!(
            takeover.0 > lease_at_kill,
            "taken over at {} before the lease ran out at {lease_at_kill}",
            takeover.0
        );
        assert!(
            takeover.1.contains(&owner_b)
                && takeover.1.contains(&format!("lease of {owner_a} expired")),
            "{}",
            takeover.1
        );
        // Exactly one plan, from this job.
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM plans WHERE year_id = $1", year).await,
            1
        );
        let draft = plans::latest(&db, year, "draft").await.unwrap().unwrap();
        assert_eq!(draft.job_id, Some(id));
        assert!(draft.plan.stats.placed > 400);

        // B stops cleanly on SIGTERM.
        assert!(b.terminate().success(), "{}", b.log_text());
        db.write.close().await;
        db.read.close().await;
        if let Some(f) = file {
            remove_sqlite(&f);
        }
    }
}
