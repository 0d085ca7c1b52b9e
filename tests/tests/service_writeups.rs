//! Heads, lead reviewers, advisers and the SIM through the API, on the
//! sample authority's published plan: choices, groups, assignments, and the
//! write-up of a review (drafts, versions, submission, who reads what).

use e2e::app::{backends, Backend, Session, TestApp};
use e2e::day;
use optimiser::model::{Adviser, School};
use optimiser::triads::plan::Triad;
use optimiser::triads::{self, Plan};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::{plans, writeups};

/// The sample's schools and advisers, and its plan with the reviews of one
/// group of three dated by hand: its first school's review 40 days ago, the
/// second's 30 days ago, the third's in 20 days.
struct Sample {
    schools: Vec<School>,
    advisers: Vec<Adviser>,
    plan: Plan,
    group: Triad,
}

fn sample() -> Sample {
    let problem = e2e::sample::triad_problem();
    let (schools, advisers) = (problem.schools.clone(), problem.advisers.clone());
    let mut plan = triads::plan(&problem, &|_, _| {}).unwrap();
    let gi = e2e::sample::group_of_three(&plan);
    for (r, offset) in plan.triads[gi].reviews.iter_mut().zip([-40, -30, 20]) {
        let d = day(offset);
        r.start = Some(d);
        r.dates = vec![d];
    }
    let group = plan.triads[gi].clone();
    Sample {
        schools,
        advisers,
        plan,
        group,
    }
}

/// A year whose availability deadline is `deadline_in` days away (negative:
/// passed), with the sample's schools and advisers.
async fn year(app: &TestApp, s: &Sample, deadline_in: i64) -> i64 {
    e2e::sample::year(
        app,
        &s.schools,
        &s.advisers,
        100,
        deadline_in,
        "[writeups]\ndue_days = 14\n",
    )
    .await
}

/// A service whose year (deadline in 30 days) has the sample's plan
/// published by its SIM, and the URNs of the dated group.
struct Published {
    app: TestApp,
    sim: Session,
    y: i64,
    urns: Vec<String>,
}

async fn published(backend: &Backend, s: &Sample) -> Published {
    let app = TestApp::spawn(backend).await.unwrap();
    let sim_id = app.user("sim", "Sam Manager", None, None).await.unwrap();
    let sim = app.sign_in(sim_id).await.unwrap();
    let y = year(&app, s, 30).await;
    e2e::sample::publish(&app, y, &s.plan, sim_id).await;
    let urns = s.group.schools.iter().map(|u| u.to_string()).collect();
    Published { app, sim, y, urns }
}

/// The first school of a group other than the dated one.
fn outside_the_group(s: &Sample) -> String {
    s.plan
        .triads
        .iter()
        .find(|t| t.id != s.group.id)
        .unwrap()
        .schools[0]
        .to_string()
}

/// Status and JSON body of a request.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    who: Option<&Session>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = app.request(method, path, who);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A GET of `path` as `who`: status and JSON body.
async fn get(app: &TestApp, path: &str, who: &Session) -> (StatusCode, Value) {
    call(app, Method::GET, path, Some(who), None).await
}

/// A PUT of `body` to `path` as `who`: status and JSON body.
async fn put(app: &TestApp, path: &str, who: &Session, body: Value) -> (StatusCode, Value) {
    call(app, Method::PUT, path, Some(who), Some(body)).await
}

/// A POST of `body` to `path` as `who`: status and JSON body.
async fn post(app: &TestApp, path: &str, who: &Session, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, path, Some(who), Some(body)).await
}

fn name_of(s: &Sample, urn: &str) -> String {
    s.schools
        .iter()
        .find(|x| x.urn.to_string() == urn)
        .unwrap()
        .name
        .clone()
}

#[tokio::test]
async fn heads_see_their_school_group_and_choices() {
    let s = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let be = backend.name();
        let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();
        let y = year(&app, &s, 30).await;
        let urns: Vec<String> = s.group.schools.iter().map(|u| u.to_string()).collect();
        let other = outside_the_group(&s);
        let head = app
            .signed_in("head", "Ann Host", Some(&urns[0]))
            .await
            .unwrap();

        // Nobody signed in: 401.
        let (st, _) = call(
            &app,
            Method::GET,
            &format!("/api/years/{y}/my/school"),
            None,
            None,
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{be}");

        // Choices round-trip, and every bad request names what is wrong.
        let path = format!("/api/years/{y}/my/choices");
        let (st, _) = get(&app, &path, &head).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{be}");
        let choices = json!({
            "focus": ["maths", "send"],
            "avoid": [{"urn": other, "reason": "federation talks"}]
        });
        let (st, saved) = put(&app, &path, &head, choices.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {saved}");
        assert_eq!(saved["version"], 1);
        let (st, got) = get(&app, &path, &head).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(got["choices"], choices, "{be}");
        for (bad, needle) in [
            (
                json!({"avoid": [{"urn": "999999", "reason": "x"}]}),
                "999999",
            ),
            (
                json!({"avoid": [{"urn": urns[0], "reason": "x"}]}),
                "your own school",
            ),
            (json!({"avoid": [{"urn": other, "reason": " "}]}), "reason"),
            (json!({"focus": ["astrology"]}), "astrology"),
        ] {
            let (st, err) = put(&app, &path, &head, bad).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{be}: {err}");
            assert_eq!(err["code"], "bad_request");
            assert!(err["message"].as_str().unwrap().contains(needle), "{err}");
        }
        // The latest version is still the good one.
        let (_, got) = get(&app, &path, &head).await;
        assert_eq!(got["version"], 1);

        // My school: name, deadline open, choices.
        let (st, mine) = get(&app, &format!("/api/years/{y}/my/school"), &head).await;
        assert_eq!(st, StatusCode::OK, "{be}: {mine}");
        assert_eq!(mine["school"]["name"], name_of(&s, &urns[0]));
        assert_eq!(mine["open"], true);
        assert_eq!(mine["choices"]["version"], 1);
        assert!(mine["availability"].is_null());

        // Only heads have a school.
        let sim_session = app.sign_in(sim).await.unwrap();
        let (st, _) = get(&app, &format!("/api/years/{y}/my/school"), &sim_session).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Before publication there is no group.
        let (st, err) = get(&app, &format!("/api/years/{y}/my/group"), &head).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{be}");
        assert!(err["message"].as_str().unwrap().contains("not published"));

        e2e::sample::publish(&app, y, &s.plan, sim).await;
        let (st, g) = get(&app, &format!("/api/years/{y}/my/group"), &head).await;
        assert_eq!(st, StatusCode::OK, "{be}: {g}");
        assert_eq!(g["group_id"], s.group.id.as_str());
        let listed: Vec<&str> = g["schools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["urn"].as_str().unwrap())
            .collect();
        assert_eq!(listed, urns.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(g["schools"][1]["name"], name_of(&s, &urns[1]));
        let adviser_id = s.group.adviser.clone().unwrap();
        let adviser = s.advisers.iter().find(|a| a.id == adviser_id).unwrap();
        assert_eq!(g["adviser"]["name"], adviser.name.as_str());
        assert_eq!(g["reviews"][0]["dates"][0], day(-40).to_string());
        // Rotation: each school's review is led by the next one, so the
        // first school hosts, leads at the last and reviews at the second.
        let roles: Vec<(String, String)> = g["my_roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["role"].as_str().unwrap().to_string(),
                    r["at"]["urn"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            vec![
                ("hosting".to_string(), urns[0].clone()),
                ("reviewing".to_string(), urns[1].clone()),
                ("leading".to_string(), urns[2].clone()),
            ],
            "{be}"
        );

        // A school left out hears why.
        if let Some(u) = s.plan.unplaced.first() {
            let left = app
                .signed_in("head", "Lee Out", Some(&u.urn.to_string()))
                .await
                .unwrap();
            let (st, err) = get(&app, &format!("/api/years/{y}/my/group"), &left).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
            let names = report::words::Names::new(
                s.schools.iter().map(|x| (x.urn, x.name.clone())),
                s.advisers.iter().map(|a| (a.id.clone(), a.name.clone())),
            );
            assert!(
                err["message"]
                    .as_str()
                    .unwrap()
                    .contains(&report::words::unplaced(u, &names)),
                "{err}"
            );
        }

        // The adviser sees the groups they advise, with dates; a head may not ask.
        let adv_user = app
            .user("adviser", &adviser.name, None, Some(&adviser_id))
            .await
            .unwrap();
        let adv = app.sign_in(adv_user).await.unwrap();
        let (st, a) = get(&app, &format!("/api/years/{y}/my/assignments"), &adv).await;
        assert_eq!(st, StatusCode::OK, "{be}: {a}");
        let ids: Vec<&str> = a["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["group_id"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = s
            .plan
            .triads
            .iter()
            .filter(|t| t.adviser.as_deref() == Some(adviser_id.as_str()))
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, expected);
        assert!(ids.contains(&s.group.id.as_str()));
        let (st, _) = get(&app, &format!("/api/years/{y}/my/assignments"), &head).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // After the deadline choices are closed.
        let closed = year(&app, &s, -1).await;
        let (st, err) = put(
            &app,
            &format!("/api/years/{closed}/my/choices"),
            &head,
            json!({"focus": ["maths"]}),
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{be}");
        assert_eq!(err["code"], "too_late");

        let audits: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'choices.save'")
                .fetch_one(&app.state.db.read)
                .await
                .unwrap();
        assert_eq!(audits, 1, "{be}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn write_ups_are_written_by_the_lead_and_read_as_the_host_chose() {
    let s = sample();
    for backend in backends() {
        let be = backend.name();
        let Published { app, sim, y, urns } = published(&backend, &s).await;

        // The group A, B, C: B leads at A (with C reviewing), C leads at B,
        // A leads at C.
        let review_a = &s.group.reviews[0];
        assert_eq!(review_a.host.to_string(), urns[0]);
        assert_eq!(review_a.lead.to_string(), urns[1]);
        let host = app
            .signed_in("head", "Ann Host", Some(&urns[0]))
            .await
            .unwrap();
        let lead = app
            .signed_in("head", "Ben Lead", Some(&urns[1]))
            .await
            .unwrap();
        let member = app
            .signed_in("head", "Cat Member", Some(&urns[2]))
            .await
            .unwrap();
        let outsider_urn = outside_the_group(&s);
        let outsider = app
            .signed_in("head", "Dan Outside", Some(&outsider_urn))
            .await
            .unwrap();
        let adv_id = s.group.adviser.clone().unwrap();
        let adv_user = app
            .user("adviser", "Ada Adviser", None, Some(&adv_id))
            .await
            .unwrap();
        let adviser = app.sign_in(adv_user).await.unwrap();

        // The host's focus areas flow into the write-up.
        let (st, _) = put(
            &app,
            &format!("/api/years/{y}/my/choices"),
            &host,
            json!({"focus": ["maths", "send"]}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);

        let w = format!("/api/years/{y}/reviews/{}/writeup", urns[0]);
        let draft1 = json!({"strengths": "Calm corridors and a strong reading culture"});
        let draft2 = json!({
            "strengths": "Calm corridors and a strong reading culture",
            "areas_to_develop": "Fluency in times tables",
        });
        let (st, v) = put(&app, &w, &lead, draft1).await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {v}");
        assert_eq!(
            (v["version"].as_i64(), v["status"].as_str()),
            (Some(1), Some("draft"))
        );
        let (st, v) = put(&app, &w, &lead, draft2).await;
        assert_eq!(st, StatusCode::CREATED);
        assert_eq!(
            (v["version"].as_i64(), v["status"].as_str()),
            (Some(2), Some("draft"))
        );

        // Nobody but the lead writes: not the host, the other reviewer, an
        // outsider, the adviser or the SIM.
        for who in [&host, &member, &outsider, &adviser, &sim] {
            let (st, err) = put(&app, &w, who, json!({"strengths": "x"})).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{be}: {err}");
            let (st, _) = call(&app, Method::POST, &format!("{w}/submit"), Some(who), None).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{be}");
        }
        // Unknown fields and off-scale grades are refused, naming them.
        let (st, err) = put(&app, &w, &lead, json!({"strenghts": "typo"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{err}");
        assert!(
            err["message"].as_str().unwrap().contains("strenghts"),
            "{err}"
        );
        let (st, err) = put(&app, &w, &lead, json!({"estimates": {"leadership": 5}})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("estimates.leadership"),
            "{err}"
        );

        // Submitting what was saved fails: it is incomplete.
        let (st, err) = call(
            &app,
            Method::POST,
            &format!("{w}/submit"),
            Some(&lead),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{be}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains("next_steps"),
            "{err}"
        );
        let review_day = day(-40);
        let (st, err) = call(
            &app,
            Method::POST,
            &format!("{w}/submit"),
            Some(&lead),
            Some(json!({
                "strengths": "x", "areas_to_develop": "y", "next_steps": "z",
                "follow_up": review_day.to_string(),
            })),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(
            err["message"].as_str().unwrap().contains("follow_up"),
            "{err}"
        );
        let follow_up = day(30).to_string();
        let full = json!({
            "strengths": "Calm corridors and a strong reading culture",
            "areas_to_develop": "Fluency in times tables",
            "estimates": {"leadership": 2, "provision_and_outcomes": 2, "disadvantaged_and_send": 3},
            "area_of_excellence": {"theme": "english_phonics", "description": "Mrs Quill's phonics groups"},
            "support_needed": ["maths"],
            "next_steps": "Visit the maths hub in spring",
            "follow_up": follow_up,
        });
        let (st, v) = post(&app, &format!("{w}/submit"), &lead, full.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {v}");
        assert_eq!(
            (v["version"].as_i64(), v["status"].as_str()),
            (Some(3), Some("submitted"))
        );

        // The host reads it in full, with the team and dates filled in.
        let (st, got) = get(&app, &w, &host).await;
        assert_eq!(st, StatusCode::OK, "{be}: {got}");
        assert_eq!(got["view"], "full");
        assert_eq!(got["version"], 3);
        assert_eq!(got["status"], "submitted");
        assert_eq!(got["author"], "Ben Lead");
        assert_eq!(got["body"]["strengths"], full["strengths"]);
        assert_eq!(got["body"]["focus_areas"], json!(["maths", "send"]));
        assert_eq!(got["body"]["team"]["lead"]["urn"], urns[1].as_str());
        assert_eq!(got["body"]["team"]["lead"]["head"], "Ben Lead");
        assert_eq!(got["body"]["team"]["host"]["name"], name_of(&s, &urns[0]));
        assert_eq!(got["body"]["dates"], json!([review_day.to_string()]));
        assert_eq!(got["body"]["support_needed"], json!(["maths"]));
        // Earlier versions are kept and readable.
        let (st, first) = get(&app, &format!("{w}?version=1"), &host).await;
        assert_eq!(st, StatusCode::OK);
        assert!(first["body"]["areas_to_develop"]
            .as_str()
            .unwrap()
            .is_empty());
        let (st, list) = get(&app, &format!("{w}/versions"), &lead).await;
        assert_eq!(st, StatusCode::OK);
        let statuses: Vec<&str> = list["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["draft", "draft", "submitted"], "{be}");

        // The other head of the group reads it only once the host shares it
        // with the group; heads of other groups and the adviser never do.
        let (st, _) = get(&app, &w, &member).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{be}");
        let sharing = format!("/api/years/{y}/my/sharing");
        let (st, sh) = get(&app, &sharing, &host).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            (sh["share_group"].as_bool(), sh["sim_full"].as_bool()),
            (Some(false), Some(false))
        );
        let (st, sh) = put(
            &app,
            &sharing,
            &host,
            json!({"share_group": true, "sim_full": false}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{sh}");
        assert_eq!(sh["version"], 1);
        let (st, got) = get(&app, &w, &member).await;
        assert_eq!(st, StatusCode::OK, "{be}: {got}");
        assert_eq!(got["view"], "full");
        for who in [&outsider, &adviser] {
            let (st, _) = get(&app, &w, who).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{be}");
            let (st, _) = get(&app, &format!("{w}/versions"), who).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{be}");
        }
        // Another head's write-up of a review outside the plan: still 403.
        let (st, _) = get(
            &app,
            &format!("/api/years/{y}/reviews/999999/writeup"),
            &outsider,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // The SIM gets the anonymised summary until the host consents.
        let (st, summary) = get(&app, &w, &sim).await;
        assert_eq!(st, StatusCode::OK, "{be}: {summary}");
        assert_eq!(summary["view"], "summary");
        assert_eq!(summary["support_needed"], json!(["maths"]));
        assert_eq!(summary["excellence_theme"], "english_phonics");
        // The estimates are withheld without consent (they were in the
        // summary before; a grade by school is what the host did not share).
        assert!(summary.get("estimates").is_none(), "{be}: {summary}");
        let text = summary.to_string();
        let mut secrets: Vec<String> = urns.clone();
        secrets.extend(urns.iter().map(|u| name_of(&s, u)));
        secrets.extend(
            [
                "Ann Host",
                "Ben Lead",
                "Cat Member",
                "reading culture",
                "times tables",
                "Quill",
                "maths hub",
            ]
            .map(String::from),
        );
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{be}: {secret:?} in the summary {text}"
            );
        }
        let (_, list) = get(&app, &format!("{w}/versions"), &sim).await;
        assert_eq!(list["view"], "summary");
        assert!(!list.to_string().contains("Ben Lead"));
        let (st, _) = put(
            &app,
            &sharing,
            &host,
            json!({"share_group": true, "sim_full": true}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, got) = get(&app, &w, &sim).await;
        assert_eq!(got["view"], "full", "{be}");
        assert_eq!(got["body"]["next_steps"], full["next_steps"]);

        // A later edit is a new version, and stays submitted.
        let mut corrected = full.clone();
        corrected["next_steps"] = json!("Visit the maths hub in the summer term");
        let (st, v) = put(&app, &w, &lead, corrected).await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {v}");
        assert_eq!(
            (v["version"].as_i64(), v["status"].as_str()),
            (Some(4), Some("submitted"))
        );
        let (st, _) = put(&app, &w, &lead, json!({"strengths": "only this"})).await;
        assert_eq!(
            st,
            StatusCode::BAD_REQUEST,
            "a correction must stay complete"
        );

        // The review at C (in 20 days), led by A: a saved draft is
        // submitted as it stands by a submit without a body.
        let wc = format!("/api/years/{y}/reviews/{}/writeup", urns[2]);
        let (st, _) = call(
            &app,
            Method::PUT,
            &wc,
            Some(&host),
            Some(json!({
                "strengths": "s", "areas_to_develop": "a", "next_steps": "n",
                "follow_up": day(60).to_string(),
            })),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{be}");
        let (st, v) = call(
            &app,
            Method::POST,
            &format!("{wc}/submit"),
            Some(&host),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {v}");
        assert_eq!(v["status"], "submitted");
        // The review at B (30 days ago), led by C: only a draft.
        let wb = format!("/api/years/{y}/reviews/{}/writeup", urns[1]);
        let (st, _) = put(&app, &wb, &member, json!({"strengths": "s"})).await;
        assert_eq!(st, StatusCode::CREATED, "{be}");

        // The SIM follows them: submitted, draft and overdue, none.
        let (st, _) = get(&app, &format!("/api/years/{y}/writeups/status"), &host).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, status) = get(&app, &format!("/api/years/{y}/writeups/status"), &sim).await;
        assert_eq!(st, StatusCode::OK, "{be}: {status}");
        assert_eq!(status["due_days"], 14);
        let reviews = status["reviews"].as_array().unwrap();
        let total: usize = s.plan.triads.iter().map(|t| t.reviews.len()).sum();
        assert_eq!(reviews.len(), total);
        let of = |urn: &str| reviews.iter().find(|r| r["host"]["urn"] == urn).unwrap();
        let (a, b, c) = (of(&urns[0]), of(&urns[1]), of(&urns[2]));
        assert_eq!(
            (
                a["status"].as_str(),
                a["overdue"].as_bool(),
                a["latest_version"].as_i64()
            ),
            (Some("submitted"), Some(false), Some(4)),
            "{be}"
        );
        assert_eq!(
            (b["status"].as_str(), b["overdue"].as_bool()),
            (Some("draft"), Some(true)),
            "{be}"
        );
        assert_eq!(b["due"], day(-16).to_string());
        assert_eq!(
            (c["status"].as_str(), c["overdue"].as_bool()),
            (Some("submitted"), Some(false)),
            "{be}"
        );
        assert_eq!(a["lead"]["urn"], urns[1].as_str());
        // Undated reviews elsewhere have nothing and are never overdue.
        assert!(reviews
            .iter()
            .filter(|r| r["group_id"] != s.group.id.as_str())
            .all(|r| r["status"] == "none" && r["overdue"] == false && r["due"].is_null()));
        assert_eq!(
            (status["submitted"].as_u64(), status["overdue"].as_u64()),
            (Some(2), Some(1))
        );

        // The allocation reads the support areas of submitted write-ups.
        let need = writeups::support_needed_by_school(&app.state.db, y)
            .await
            .unwrap();
        assert_eq!(need.len(), 2);
        assert_eq!(
            need[&s.group.schools[0]],
            vec![optimiser::model::NeedArea::Maths]
        );

        // Every change was audited, with the plan it was written under.
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit WHERE action LIKE 'writeup.%' OR action LIKE 'sharing.%' ORDER BY id")
            .fetch_all(&app.state.db.read)
            .await
            .unwrap();
        assert_eq!(
            actions,
            [
                "writeup.draft",
                "writeup.draft",
                "writeup.submit",
                "sharing.set",
                "sharing.set",
                "writeup.correct",
                "writeup.draft",
                "writeup.submit",
                "writeup.draft"
            ],
            "{be}"
        );
        let plan_id = plans::latest(&app.state.db, y, "published")
            .await
            .unwrap()
            .unwrap()
            .id;
        let other_plans: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM writeups WHERE plan_id <> $1")
                .bind(plan_id)
                .fetch_one(&app.state.db.read)
                .await
                .unwrap();
        assert_eq!(other_plans, 0);
        app.stop().await.unwrap();
    }
}

/// Hardening of the head side: availability only for a year the head's
/// school is in, URN segments that are not URNs answered as a 404 in the
/// service's shape, control characters refused in write-ups and reasons,
/// and the SIM never given a non-consenting school's estimates.
#[tokio::test]
async fn the_head_side_refuses_what_it_should() {
    let s = sample();
    for backend in backends() {
        let be = backend.name();
        let Published { app, sim, y, urns } = published(&backend, &s).await;
        let lead = app
            .signed_in("head", "Ben Lead", Some(&urns[1]))
            .await
            .unwrap();

        // A head whose school is not among the year's schools gives no
        // availability for it; a head whose school is, does.
        let stranger = app
            .signed_in("head", "Sue Elsewhere", Some("999998"))
            .await
            .unwrap();
        let path = format!("/api/years/{y}/availability");
        let (st, err) = put(&app, &path, &stranger, json!({"dates": []})).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{be}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains("999998"),
            "{be}: {err}"
        );
        let (st, _) = get(&app, &path, &stranger).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{be}: nothing was stored");
        let (st, ok) = put(&app, &path, &lead, json!({"dates": []})).await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {ok}");

        // A URN segment that is not a URN: a 404 in the service's shape.
        for bad in ["abc", "0", "-1", "99999999999", "1e3"] {
            for (m, suffix) in [
                (Method::GET, "writeup"),
                (Method::GET, "writeup/versions"),
                (Method::PUT, "writeup"),
            ] {
                let (st, err) = call(
                    &app,
                    m.clone(),
                    &format!("/api/years/{y}/reviews/{bad}/{suffix}"),
                    Some(&lead),
                    (m == Method::PUT).then(|| json!({})),
                )
                .await;
                assert_eq!(st, StatusCode::NOT_FOUND, "{be}: {bad} {suffix}: {err}");
                assert_eq!(err["code"], "not_found", "{be}: {bad} {suffix}");
            }
        }

        // Control characters in a write-up's text, named by the form's label.
        let w = format!("/api/years/{y}/reviews/{}/writeup", urns[0]);
        let (st, err) = put(&app, &w, &lead, json!({"strengths": "fine\u{1b}[2J"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{be}: {err}");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .starts_with("What went well"),
            "{be}: {err}"
        );
        // ... and in the reason for avoiding a school.
        let (st, err) = put(
            &app,
            &format!("/api/years/{y}/my/choices"),
            &lead,
            json!({"avoid": [{"urn": urns[2], "reason": "a\rATTENDEE:x"}]}),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{be}: {err}");
        assert!(
            err["message"].as_str().unwrap().starts_with("Reason"),
            "{be}: {err}"
        );

        // Without the host's consent the SIM reads no estimates of the school.
        let (st, v) = put(
            &app,
            &w,
            &lead,
            json!({
                "strengths": "Reading",
                "estimates": {"leadership": 2},
                "support_needed": ["maths"]
            }),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{be}: {v}");
        let (st, summary) = get(&app, &w, &sim).await;
        assert_eq!(st, StatusCode::OK, "{be}: {summary}");
        assert_eq!(summary["view"], "summary");
        assert_eq!(summary["support_needed"], json!(["maths"]), "{be}");
        assert!(summary.get("estimates").is_none(), "{be}: {summary}");
        assert!(
            !summary.to_string().contains("leadership"),
            "{be}: {summary}"
        );
    }
}

#[tokio::test]
async fn every_route_is_in_the_api_document() {
    let app = TestApp::spawn(&e2e::app::Backend::Sqlite).await.unwrap();
    let (_, doc) = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    for (path, method) in [
        ("/api/years/{year}/my/school", "get"),
        ("/api/years/{year}/my/choices", "put"),
        ("/api/years/{year}/my/group", "get"),
        ("/api/years/{year}/my/assignments", "get"),
        ("/api/years/{year}/my/sharing", "put"),
        ("/api/years/{year}/reviews/{host_urn}/writeup", "put"),
        (
            "/api/years/{year}/reviews/{host_urn}/writeup/submit",
            "post",
        ),
        (
            "/api/years/{year}/reviews/{host_urn}/writeup/versions",
            "get",
        ),
        ("/api/years/{year}/writeups/status", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(
            op["responses"]["403"].is_object(),
            "{method} {path}: no 403"
        );
    }
    let put = doc["paths"]["/api/years/{year}/reviews/{host_urn}/writeup"]["put"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        put.contains("safeguarding"),
        "the write-up's doc says safeguarding is not part of it"
    );
}
