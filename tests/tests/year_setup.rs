//! Setting a year up through the pages: the new-year form (a refused form
//! keeps what was typed, Preview shows the school days, Create opens the
//! year), the rules form (saved as a new version, refused values beside
//! their field, the file downloadable) and the year's checklist, over plain
//! HTTP as a browser without script would, and in Chromium.

use anyhow::{Context, Result};
use app::setup::rules_form;
use app::setup::school_year;
use e2e::app::{backends, TestApp};
use e2e::browser::{click, wait_for_text, Browser};
use fantoccini::{Client, Locator};
use formats::gias::{import_gias_file, ImportOptions};
use peer_review::cli::demo::find_sample;
use reqwest::StatusCode;
use store::{inputs, years};

/// The value of the first `name="csrf"` field of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A cookie client signed in as a new SIM.
async fn sim_client(app: &TestApp) -> (reqwest::Client, i64) {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();
    let token = app.invitation(sim).await.unwrap();
    let r = http
        .post(format!("{}/invite/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/");
    (http, sim)
}

fn f(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// The form as the page proposes it, as posted fields.
fn proposed_fields(csrf: &str) -> Vec<(String, String)> {
    let form = app::setup::year_form::YearForm::proposed(years::today());
    let mut out = vec![
        f("csrf", csrf),
        f("name", &form.name),
        f("first", &form.first),
        f("last", &form.last),
        f("deadline", &form.deadline),
    ];
    for (i, h) in form.half_terms.iter().enumerate() {
        out.push(f(&format!("ht_name_{i}"), &h.name));
        out.push(f(&format!("ht_first_{i}"), &h.first));
        out.push(f(&format!("ht_last_{i}"), &h.last));
    }
    for (i, b) in form.blackouts.iter().enumerate() {
        out.push(f(&format!("bo_first_{i}"), &b.first));
        out.push(f(&format!("bo_last_{i}"), &b.last));
        out.push(f(&format!("bo_reason_{i}"), &b.reason));
    }
    out
}

fn set(fields: &mut [(String, String)], key: &str, value: &str) {
    for (k, v) in fields.iter_mut() {
        if k == key {
            *v = value.to_string();
        }
    }
}

/// The rules form of a rules text as a browser would post it.
fn rules_fields(csrf: &str, text: &str) -> Vec<(String, String)> {
    let mut out = vec![f("csrf", csrf)];
    for s in rules_form::view(text, None, &Default::default()).unwrap() {
        for field in s.fields {
            if field.rule.input == rules_form::Input::AdviserKinds {
                for v in field.value.split(',').filter(|v| !v.is_empty()) {
                    out.push(f(&field.id, v));
                }
            } else {
                out.push(f(&field.id, &field.value));
            }
        }
    }
    out
}

async fn load_schools(app: &TestApp, year_id: i64, sim: i64) {
    let dir = find_sample(None).unwrap();
    let schools = import_gias_file(&dir.join("schools.csv"), &ImportOptions::default())
        .unwrap()
        .schools;
    let heads = formats::inputs::read_heads(&dir.join("heads.csv")).unwrap();
    let db = &app.state.db;
    let mut tx = db.begin_write().await.unwrap();
    inputs::store(
        &mut tx,
        year_id,
        "schools",
        "schools.csv",
        &schools,
        Some(sim),
        "",
    )
    .await
    .unwrap();
    inputs::store(
        &mut tx,
        year_id,
        "heads",
        "heads.csv",
        &heads,
        Some(sim),
        "",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_year_set_up_through_the_forms() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let base = app.base.clone();
        let (http, sim) = sim_client(&app).await;

        // Home leads to the form, which proposes the next school year.
        let home = http.get(format!("{base}/")).send().await.unwrap();
        assert!(home.text().await.unwrap().contains("href=\"/years/new\""));
        let page = http.get(format!("{base}/years/new")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let start = school_year::next_start_year(years::today());
        assert!(html.contains(&format!("value=\"{start}-{:02}\"", (start + 1) % 100)));
        assert!(html.contains("Boxing Day") && html.contains("SATs week"));
        assert!(html.contains("Good Friday") && html.contains("Easter Monday"));
        let csrf = csrf_of(&html);

        // A refused form comes back as typed, each problem beside its field.
        let mut fields = proposed_fields(&csrf);
        set(&mut fields, "first", "2027-02-30");
        set(&mut fields, "ht_name_1", "");
        fields.push(f("action", "create"));
        let (status, html) =
            e2e::app::status_and_text(http.post(format!("{base}/years/new")).form(&fields)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("value=\"2027-02-30\""), "typed value kept");
        assert!(html.contains("First day of the window must be a real date"));
        assert!(html.contains("id=\"ht_name_1-error\""));
        assert!(html.contains("Enter a name for half-term 2"));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM years")
            .fetch_one(&app.state.db.read)
            .await
            .unwrap();
        assert_eq!(n, 0, "a refused form creates nothing");

        // Preview shows the school days per half-term and in all.
        let mut fields = proposed_fields(&csrf);
        fields.push(f("action", "preview"));
        let html = e2e::app::text(http.post(format!("{base}/years/new")).form(&fields)).await;
        assert!(html.contains("School days these dates give"));
        let form = app::setup::year_form::YearForm::proposed(years::today());
        let days = school_year::school_days(&form.read().unwrap().calendar);
        assert!(days.total > 150, "{days:?}");
        assert!(html.contains(&format!(
            "<th scope=\"row\">In all</th><td>{}</td>",
            days.total
        )));

        // Create opens the year, whose checklist says what is missing.
        let mut fields = proposed_fields(&csrf);
        fields.push(f("action", "create"));
        let r = http
            .post(format!("{base}/years/new"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let path = r.url().path().to_string();
        let year_id: i64 = path.trim_start_matches("/years/").parse().unwrap();
        let html = r.text().await.unwrap();
        assert!(html.contains("Getting the year ready"));
        assert!(html.contains(&format!("href=\"/years/{year_id}/inputs/schools\"")));
        assert!(html.contains(&format!(
            "href=\"/years/{year_id}/inputs/last_allocations\""
        )));
        assert!(html.contains("Matching cannot start yet: load Schools first."));
        assert!(html.contains("Every rule is at its default."));
        let year = years::load(&app.state.db, year_id).await.unwrap().unwrap();
        assert_eq!(year.calendar.half_terms.len(), 6);

        // The same name again is refused beside the name.
        let (status, html) =
            e2e::app::status_and_text(http.post(format!("{base}/years/new")).form(&fields)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("exists already"));

        // The rules form: every rule with its default; a change is saved
        // as version 2; a value out of range is refused beside its field.
        let url = format!("{base}/years/{year_id}/rules");
        let html = e2e::app::text(http.get(&url)).await;
        assert!(html.contains("Furthest apart (km)") && html.contains("Default: 20 km."));
        for rule in rules_form::RULES {
            assert!(
                html.contains(&format!("id=\"{}", rule.id())),
                "{}",
                rule.id()
            );
        }
        let mut fields = rules_fields(&csrf, "");
        set(&mut fields, "triads.max_distance_km", "15");
        let r = http.post(&url).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.url().query(), Some("saved=2"));
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Changed from the default."));
        let year = years::load(&app.state.db, year_id).await.unwrap().unwrap();
        assert_eq!(
            years::parse_rules(&year.rules)
                .unwrap()
                .triads
                .max_distance_km,
            15.0
        );
        set(&mut fields, "schedule.max_days_per_half_term", "-1");
        let r = http.post(&url).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let html = r.text().await.unwrap();
        assert!(html.contains("value=\"-1\""), "typed value kept");
        assert!(html.contains("Review days per half-term: enter a whole number"));
        let file = e2e::app::text(http.get(format!("{url}.toml"))).await;
        assert!(file.contains("max_distance_km = 15"), "{file}");

        // With schools and heads loaded, Start matching says what it uses
        // and warns that nobody has answered yet.
        load_schools(&app, year_id, sim).await;
        let html = e2e::app::text(http.get(format!("{base}/years/{year_id}"))).await;
        assert!(html.contains("Matching will use"), "{html}");
        assert!(html.contains("Only 0 of"));
        assert!(html.contains("Some rules changed from their defaults (version 2)."));

        // Nobody else reaches the forms.
        let head = app
            .user("head", "Hana Head", Some("900001"), None)
            .await
            .unwrap();
        let head_http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let token = app.invitation(head).await.unwrap();
        head_http
            .post(format!("{base}/invite/{token}"))
            .send()
            .await
            .unwrap();
        for path in [
            "/years/new".to_string(),
            format!("/years/{year_id}/rules"),
            format!("/years/{year_id}/rules.toml"),
        ] {
            let r = head_http.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        app.stop().await.unwrap();
    }
}

/// At a phone's width nothing on the page scrolls sideways.
async fn fits_a_phone(c: &Client) -> Result<()> {
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        wide == serde_json::Value::Bool(false),
        "{} scrolls sideways at 390 px",
        c.current_url().await?
    );
    Ok(())
}

#[tokio::test]
async fn a_sim_creates_a_year_and_saves_a_rule_in_a_browser() {
    for backend in backends() {
        let name = format!("year_setup_{}", backend.name());
        let Some(browser) = Browser::start(&name).await.unwrap() else {
            return;
        };
        let app = TestApp::spawn(&backend).await.unwrap();
        let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();
        let token = app.invitation(sim).await.unwrap();
        let base = app.base.clone();
        let db = app.state.db.clone();
        browser
            .run(move |c| async move {
                c.set_window_size(390, 844).await?;
                c.goto(&format!("{base}/invite/{token}")).await?;
                click(&c, "//button[normalize-space()='Sign in']").await?;
                wait_for_text(&c, "Create a programme year", 10).await?;
                click(&c, "//a[normalize-space()='Create a programme year']").await?;
                wait_for_text(&c, "Half-terms", 10).await?;
                fits_a_phone(&c).await?;
                click(&c, "//button[normalize-space()='Preview school days']").await?;
                wait_for_text(&c, "School days these dates give", 10).await?;
                fits_a_phone(&c).await?;
                click(&c, "//button[normalize-space()='Create the year']").await?;
                wait_for_text(&c, "Getting the year ready", 10).await?;
                wait_for_text(&c, "Matching cannot start yet", 10).await?;
                click(&c, "//a[normalize-space()='Rules']").await?;
                wait_for_text(&c, "Forming groups", 10).await?;
                fits_a_phone(&c).await?;
                let field = c.find(Locator::Id("triads.max_distance_km")).await?;
                field.clear().await?;
                field.send_keys("12").await?;
                click(&c, "//button[normalize-space()='Save the rules']").await?;
                wait_for_text(&c, "Rules saved", 10).await?;
                let list = years::list(&db).await?;
                let year = years::load(&db, list[0].id).await?.context("the year")?;
                let rules = years::parse_rules(&year.rules).map_err(anyhow::Error::msg)?;
                anyhow::ensure!(rules.triads.max_distance_km == 12.0, "{}", year.rules);
                click(&c, &format!("//a[normalize-space()='{}']", year.name)).await?;
                wait_for_text(&c, "Some rules changed from their defaults", 10).await?;
                fits_a_phone(&c).await?;
                Ok(())
            })
            .await
            .unwrap();
        app.stop().await.unwrap();
    }
}
