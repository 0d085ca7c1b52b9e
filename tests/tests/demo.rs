//! `peer-review demo --no-serve`, run as a library call into a fresh folder:
//! the report is written with the map and every group, and the database
//! holds what the service would hold after a real year's start: a published
//! plan that passes every rule, everyone's availability, an allocation that
//! passes its check, and sign-in links that open sessions for the right people.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use optimiser::model::Urn;
use optimiser::schedule::{self, ScheduleProblem};
use peer_review::cli::demo::{find_sample, run_year, DemoOptions, DATABASE_FILE, REPORT_FILE};
use sqlx::Row;
use store::jobs::allocations;
use store::years::{self, parse_rules};
use store::{availability, inputs, plans};
use web::auth::{redeem_invitation, Role};
use web::jobs::problem;
use web::{AppState, Config};

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "peer-review-demo-test-{}-{}",
        std::process::id(),
        web::auth::new_token()[..8].to_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_the_year_and_writes_the_report() {
    let out = scratch_dir();
    // A stale file where the database goes: the demo replaces it.
    std::fs::write(out.join(DATABASE_FILE), b"not a database").unwrap();
    let demo = run_year(&DemoOptions {
        out: out.clone(),
        data: find_sample(None).unwrap(),
        base_url: "http://127.0.0.1:9".into(),
    })
    .await
    .unwrap();
    let db = &demo.db;
    let dir = out.canonicalize().unwrap();
    assert_eq!(demo.database, dir.join(DATABASE_FILE));
    assert_eq!(demo.report, dir.join(REPORT_FILE));

    // The published plan is the matching job's and passes every rule with
    // the stored inputs, dates included.
    let year = years::load(db, demo.year_id).await.unwrap().unwrap();
    let published = plans::latest(db, demo.year_id, "published")
        .await
        .unwrap()
        .expect("a published plan");
    assert_eq!(published.version, demo.plan_version);
    assert!(published.job_id.is_some(), "made by a job");
    let plan = &published.plan;
    assert!(plan.triads.len() >= 15, "{} groups", plan.triads.len());
    let triads = inputs::triad_problem(db, &year, plan.year, optimiser::triads::Scope::PerLa)
        .await
        .unwrap()
        .unwrap();
    let broken = optimiser::triads::validate(plan, &triads);
    assert!(broken.is_empty(), "{broken:?}");
    let availability = inputs::year_availability(db, demo.year_id).await.unwrap();
    let rules = parse_rules(&year.rules).unwrap();
    let dates = ScheduleProblem {
        plan: plan.clone(),
        schools: triads.schools.clone(),
        advisers: triads.advisers.clone(),
        triad_rules: rules.triads,
        availability,
        calendar: year.calendar.clone(),
        rules: rules.schedule,
        previous: None,
    };
    let broken = schedule::validate(plan, &dates);
    assert!(broken.is_empty(), "{broken:?}");
    let reviews = plan.triads.iter().flat_map(|t| t.reviews.iter());
    let dated = reviews.clone().filter(|r| r.start.is_some()).count();
    assert!(
        dated * 10 >= reviews.count() * 8,
        "most reviews dated: {dated}"
    );

    // Every head of the sample gave availability through the service's store.
    let heads = sqlx::query("SELECT id, urn FROM users WHERE role = 'head'")
        .fetch_all(&db.read)
        .await
        .unwrap();
    assert_eq!(heads.len(), triads.schools.len());
    for h in &heads {
        let id: i64 = h.try_get(0).unwrap();
        let urn: String = h.try_get(1).unwrap();
        let given = availability::current(db, demo.year_id, id).await.unwrap();
        assert!(
            given.is_some_and(|s| !s.dates.is_empty()),
            "the head of {urn} gave no dates"
        );
    }

    // An allocation, made by a job, that passes the allocator's own check.
    let stored = allocations::latest(db, demo.year_id)
        .await
        .unwrap()
        .expect("an allocation");
    assert_eq!(stored.version, demo.allocation_version);
    assert!(!stored.allocation.allocations.is_empty());
    let (problem, _) = problem::allocation(db, &year).await.unwrap();
    let broken = optimiser::allocate::validate(&stored.allocation, &problem);
    assert!(broken.is_empty(), "{broken:?}");

    // The report: one file with the map and every group of the stored plan.
    let html = std::fs::read_to_string(&demo.report).unwrap();
    assert!(html.contains("<svg ") && html.contains("class=\"plan-map\""));
    for t in &plan.triads {
        assert!(
            html.contains(&format!("id=\"group-{}\"", t.id)),
            "group {} missing from the report",
            t.id
        );
    }
    let names = report::words::Names::new(
        triads.schools.iter().map(|s| (s.urn, s.name.clone())),
        triads
            .advisers
            .iter()
            .map(|a| (a.id.clone(), a.name.clone())),
    );
    for u in &plan.unplaced {
        let said = report::words::unplaced(u, &names);
        assert!(html.contains(&report::escape(&said)), "{said}");
    }
    assert!(!html.contains("<script"));
    assert!(html.contains("id=\"consultants\""));

    // The links: the SIM, the host of the first dated review and its lead.
    let state = AppState {
        db: db.clone(),
        config: Arc::new(Config {
            base_url: "http://127.0.0.1:9".into(),
            secure_cookies: false,
            instance_id: "demo-test".into(),
            tiles: Some(web::tiles::Tiles::openstreetmap()),
            mail: None,
        }),
    };
    assert_eq!(demo.sign_ins.len(), 3, "{:?}", demo.sign_ins);
    let mut roles = Vec::new();
    let mut urns = Vec::new();
    for s in &demo.sign_ins {
        let token = s
            .link
            .strip_prefix("http://127.0.0.1:9/invite/")
            .unwrap_or_else(|| panic!("{}", s.link));
        let session = redeem_invitation(&state, token)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", s.who));
        assert!(
            s.who.contains(&session.name),
            "{} / {}",
            s.who,
            session.name
        );
        roles.push(session.role);
        let urn: Option<String> = sqlx::query_scalar("SELECT urn FROM users WHERE id = $1")
            .bind(session.user_id)
            .fetch_one(&db.read)
            .await
            .unwrap();
        urns.push(urn.map(|u| u.parse::<Urn>().unwrap()));
    }
    assert_eq!(roles, [Role::Sim, Role::Head, Role::Head]);
    let (host, lead) = (urns[1].unwrap(), urns[2].unwrap());
    let review = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter())
        .find(|r| r.host == host)
        .unwrap();
    assert_eq!(
        review.lead, lead,
        "the second head leads the first's review"
    );
    let first = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter())
        .filter_map(|r| r.start)
        .min();
    assert_eq!(review.start, first, "the earliest dated review");

    // Running again replaces the database rather than adding a second year.
    drop(state);
    let again = run_year(&DemoOptions {
        out: out.clone(),
        data: find_sample(None).unwrap(),
        base_url: "http://127.0.0.1:9".into(),
    })
    .await
    .unwrap();
    let years: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM years")
        .fetch_one(&again.db.read)
        .await
        .unwrap();
    assert_eq!(years, 1);
    let names: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM users WHERE role = 'sim'")
        .fetch_all(&again.db.read)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(names.len(), 1);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_missing_sample_is_named() {
    let e = find_sample(Some(std::path::Path::new("/nonexistent/sample")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/sample") && e.contains("schools.csv"),
        "{e}"
    );
}
