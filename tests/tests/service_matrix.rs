//! Every route of the API against every kind of caller.
//!
//! The routes come from `/api/openapi.json`, so a new route cannot escape:
//! one missing from `RULES` below fails the test until someone decides who
//! may call it. Each route is called as nobody, the SIM, the head of school
//! A, the head of school B (a path naming a school or a user names A's), an
//! adviser and a consultant:
//!
//! - nobody gets 401, except on the public routes;
//! - the roles a rule lists get past the checks (2xx, or 400/404/409/422
//!   about the request itself);
//! - every other role gets 403 (or 404 where the rule says the object is
//!   hidden on purpose), also when the body is malformed: who may ask is
//!   checked before what is asked;
//! - a change that rides on the session cookie without the CSRF token gets
//!   403, and the same change with the token does not.
//!
//! To add a route: one line in `RULES`. Path parameters are filled by name
//! in `Fixture::fill`; bodies are made from the route's request schema.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use e2e::app::{backends, Session, TestApp};
use e2e::day;
use optimiser::triads::{self, Plan};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::{now, plans};

/// The callers of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Nobody,
    Sim,
    /// Head of school A: the school every path names.
    HeadA,
    /// Head of school B, in another group than A's.
    HeadB,
    /// The adviser of A's group.
    Adviser,
    Consultant,
}
use Who::*;

const EVERYONE: [Who; 6] = [Nobody, Sim, HeadA, HeadB, Adviser, Consultant];
const SIGNED_IN: [Who; 5] = [Sim, HeadA, HeadB, Adviser, Consultant];

/// How a role that may not call a route is turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// 403.
    Forbidden,
    /// 403, or 404 where the route hides whether the object exists.
    ForbiddenOrHidden,
}

/// Who gets past a route's checks.
struct Rule {
    method: &'static str,
    path: &'static str,
    reach: &'static [Who],
    refusal: Refusal,
}

const fn rule(method: &'static str, path: &'static str, reach: &'static [Who]) -> Rule {
    Rule {
        method,
        path,
        reach,
        refusal: Refusal::Forbidden,
    }
}

const fn hidden(method: &'static str, path: &'static str, reach: &'static [Who]) -> Rule {
    Rule {
        method,
        path,
        reach,
        refusal: Refusal::ForbiddenOrHidden,
    }
}

const PUBLIC: &[Who] = &EVERYONE;
const ANYONE: &[Who] = &SIGNED_IN;
const SIM: &[Who] = &[Sim];
const HEADS: &[Who] = &[HeadA, HeadB];
/// Heads and advisers: the people who take part in reviews.
const VISITORS: &[Who] = &[HeadA, HeadB, Adviser];
const NO_ONE: &[Who] = &[];

/// Who may call each route. A route in the API document but not here fails
/// the test; so does a rule for a route the document no longer has.
const RULES: &[Rule] = &[
    // Signing in and out.
    rule("POST", "/api/session", PUBLIC),
    rule("DELETE", "/api/session", ANYONE),
    rule("GET", "/api/me", ANYONE),
    // A person's own availability.
    rule("GET", "/api/years/{year}/availability", VISITORS),
    rule("PUT", "/api/years/{year}/availability", VISITORS),
    // The SIM's year: set-up, inputs, people, plans, audit.
    rule("GET", "/api/years", ANYONE),
    rule("POST", "/api/years", SIM),
    rule("GET", "/api/years/{year}", SIM),
    rule("PUT", "/api/years/{year}/rules", SIM),
    rule("POST", "/api/years/{year}/schools", SIM),
    rule("GET", "/api/years/{year}/inputs", SIM),
    rule("GET", "/api/years/{year}/inputs/{kind}", SIM),
    rule("POST", "/api/years/{year}/inputs/{kind}", SIM),
    rule("GET", "/api/years/{year}/inputs/{kind}/versions", SIM),
    rule(
        "POST",
        "/api/years/{year}/inputs/{kind}/versions/{version}/restore",
        SIM,
    ),
    rule("GET", "/api/years/{year}/hand", SIM),
    rule("PUT", "/api/years/{year}/hand", SIM),
    rule("POST", "/api/years/{year}/invitations", SIM),
    rule("GET", "/api/people", SIM),
    rule("GET", "/api/years/{year}/availability/status", SIM),
    rule("GET", "/api/years/{year}/availability/{user}", SIM),
    rule("GET", "/api/years/{year}/plans", SIM),
    rule("GET", "/api/years/{year}/plans/{version}", SIM),
    rule("POST", "/api/years/{year}/plans/{version}/publish", SIM),
    rule("GET", "/api/years/{year}/plans/{version}/check", SIM),
    rule("GET", "/api/years/{year}/plans/{version}/csv/{name}", SIM),
    rule("GET", "/api/years/{year}/plans/{version}/xlsx", SIM),
    // head-A.ics of the published plan: the SIM and A's head.
    rule(
        "GET",
        "/api/years/{year}/plans/{version}/ics/{file}",
        &[Sim, HeadA],
    ),
    rule("GET", "/api/audit", SIM),
    // Background jobs and their results.
    rule("POST", "/api/years/{year}/jobs", SIM),
    rule("GET", "/api/years/{year}/jobs", SIM),
    rule("GET", "/api/jobs/{id}", SIM),
    rule("POST", "/api/jobs/{id}/cancel", SIM),
    rule("GET", "/api/years/{year}/allocations/latest", SIM),
    rule("GET", "/api/years/{year}/my/allocation", &[Consultant]),
    // Heads' own school, group and choices; advisers' groups.
    rule("GET", "/api/years/{year}/my/school", HEADS),
    rule("GET", "/api/years/{year}/my/group", HEADS),
    rule("GET", "/api/years/{year}/my/choices", HEADS),
    rule("PUT", "/api/years/{year}/my/choices", HEADS),
    rule("GET", "/api/years/{year}/my/sharing", HEADS),
    rule("PUT", "/api/years/{year}/my/sharing", HEADS),
    rule("GET", "/api/years/{year}/my/assignments", &[Adviser]),
    // A's write-up: read by the SIM and A's head (the host); written only
    // by the lead reviewer, who is none of the matrix's callers.
    hidden(
        "GET",
        "/api/years/{year}/reviews/{host_urn}/writeup",
        &[Sim, HeadA],
    ),
    hidden(
        "GET",
        "/api/years/{year}/reviews/{host_urn}/writeup/versions",
        &[Sim, HeadA],
    ),
    hidden(
        "PUT",
        "/api/years/{year}/reviews/{host_urn}/writeup",
        NO_ONE,
    ),
    hidden(
        "POST",
        "/api/years/{year}/reviews/{host_urn}/writeup/submit",
        NO_ONE,
    ),
    rule("GET", "/api/years/{year}/writeups/status", SIM),
    rule("GET", "/api/years/{year}/writeups/estimates", SIM),
];

/// Routes the API document does not list, checked all the same.
const UNDOCUMENTED: &[Rule] = &[rule("GET", "/api/openapi.json", PUBLIC)];

/// Routes known to read the body before checking the caller, so that a
/// refused role with a malformed body hears 400/422 instead of 403 (it
/// learns nothing but that its body was malformed; still, the order is
/// wrong). Each must still do so: the test says when one is fixed, so that
/// it leaves this list.
const BODY_BEFORE_ROLE: &[(&str, &str)] = &[];

/// The public routes anyone may call signed out.
fn is_public(r: &Rule) -> bool {
    r.reach.contains(&Nobody)
}

// ---------------------------------------------------------------------------
// The world the routes are called in.

/// The sample authority's plan with A's group dated, and the schools.
struct Sample {
    schools: Vec<optimiser::model::School>,
    advisers: Vec<optimiser::model::Adviser>,
    plan: Plan,
    urn_a: String,
    urn_b: String,
    adviser: String,
}

fn sample() -> Sample {
    let problem = e2e::sample::triad_problem();
    let (schools, advisers) = (problem.schools.clone(), problem.advisers.clone());
    let mut plan = triads::plan(&problem, &|_, _| {}).unwrap();
    let ga = e2e::sample::group_of_three(&plan);
    for (r, offset) in plan.triads[ga].reviews.iter_mut().zip([20, 30, 40]) {
        r.start = Some(day(offset));
        r.dates = vec![day(offset)];
    }
    let group = &plan.triads[ga];
    let urn_a = group.schools[0].to_string();
    let adviser = group.adviser.clone().unwrap();
    let urn_b = plan
        .triads
        .iter()
        .find(|t| !t.schools.iter().any(|u| u.to_string() == urn_a))
        .expect("a second group")
        .schools[0]
        .to_string();
    Sample {
        schools,
        advisers,
        plan,
        urn_a,
        urn_b,
        adviser,
    }
}

/// The ids and values the routes' path parameters take.
struct Fixture {
    year: i64,
    urn_a: String,
    head_a: i64,
    users: BTreeMap<Who, i64>,
    job: i64,
}

impl Fixture {
    async fn new(app: &TestApp, s: &Sample) -> Fixture {
        let db = &app.state.db;
        let calendar = e2e::sample::window(-100, 200);
        let year = e2e::sample::insert_year(db, "matrix year", &calendar, day(100), "").await;
        let sim = app.user("sim", "Sam Sim", None, None).await.unwrap();
        let mut tx = db.begin_write().await.unwrap();
        e2e::sample::store_schools_and_advisers(&mut tx, year, &s.schools, &s.advisers).await;
        let (_, version) = plans::insert_draft(&mut tx, year, &s.plan, None, Some(sim))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version, 1);
        assert!(plans::publish(db, year, version, sim).await.unwrap());
        let job: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (year_id, kind, state, message, created_at) \
             VALUES ($1, 'matching', 'failed', 'made by the matrix test', $2) RETURNING id",
        )
        .bind(year)
        .bind(now())
        .fetch_one(&db.write)
        .await
        .unwrap();

        let mut users = BTreeMap::new();
        users.insert(Sim, sim);
        let head_a = app
            .user("head", "Head A", Some(&s.urn_a), None)
            .await
            .unwrap();
        users.insert(HeadA, head_a);
        users.insert(
            HeadB,
            app.user("head", "Head B", Some(&s.urn_b), None)
                .await
                .unwrap(),
        );
        users.insert(
            Adviser,
            app.user("adviser", "Ada Adviser", None, Some(&s.adviser))
                .await
                .unwrap(),
        );
        users.insert(
            Consultant,
            app.user("consultant", "Con Consultant", None, Some("CON-MATRIX"))
                .await
                .unwrap(),
        );
        Fixture {
            year,
            urn_a: s.urn_a.clone(),
            head_a,
            users,
            job,
        }
    }

    /// The value of a path parameter: A's school and A's head wherever a
    /// path names a school or a person.
    fn fill(&self, name: &str) -> Option<String> {
        Some(match name {
            "year" => self.year.to_string(),
            "urn" | "host_urn" => self.urn_a.clone(),
            "user" => self.head_a.to_string(),
            "version" => "1".into(),
            "id" => self.job.to_string(),
            "kind" => "advisers".into(),
            "file" => format!("head-{}.ics", self.urn_a),
            "name" => "groups.csv".into(),
            _ => return None,
        })
    }

    fn path(&self, template: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or("unclosed {")?;
            let name = &rest[open + 1..close];
            let value = self.fill(name).ok_or_else(|| {
                format!("no value for path parameter {{{name}}}: add one to Fixture::fill")
            })?;
            out.push_str(&rest[..open]);
            out.push_str(&value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// Bodies made from the API document.

/// What a route's request body is: JSON (an example made from its schema),
/// another content type (a small text body), or none.
enum BodyKind {
    None,
    Json(Value),
    Other(String),
}

fn request_body(doc: &Value, op: &Value) -> BodyKind {
    let content = &op["requestBody"]["content"];
    let Some(map) = content.as_object() else {
        return BodyKind::None;
    };
    if let Some(json) = map.get("application/json") {
        return BodyKind::Json(example(doc, &json["schema"], 0));
    }
    match map.keys().next() {
        Some(ct) => BodyKind::Other(ct.clone()),
        None => BodyKind::None,
    }
}

/// A minimal value of a JSON schema: required properties only, empty
/// arrays, the first value of an enum, a date inside the year's window.
fn example(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        return example(doc, &doc["components"]["schemas"][name], depth + 1);
    }
    if let Some(e) = schema["example"].as_str() {
        return json!(e);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema[key].as_array() {
            let pick = alts
                .iter()
                .find(|a| a["type"] != "null")
                .unwrap_or(&Value::Null);
            return example(doc, pick, depth + 1);
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in all {
            if let Value::Object(m) = example(doc, part, depth + 1) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ if schema["properties"].is_object() => "object".into(),
        _ => "null".into(),
    };
    match ty.as_str() {
        "object" => {
            let mut m = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                m.insert(
                    name.to_string(),
                    example(doc, &schema["properties"][name], depth + 1),
                );
            }
            Value::Object(m)
        }
        "array" => json!([]),
        "string" => match schema["format"].as_str() {
            Some("date") => json!(day(30).to_string()),
            Some("date-time") => json!(Utc::now().to_rfc3339()),
            _ => json!("x"),
        },
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

// ---------------------------------------------------------------------------
// Calling a route and reading the answer.

#[derive(Debug, Clone, Copy)]
enum Credentials<'a> {
    None,
    Bearer(&'a Session),
    /// The session cookie, with or without the CSRF header.
    Cookie(&'a Session, bool),
}

/// A malformed body: no handler can read it, so only the role check can
/// answer it with 403.
const BAD_BODY: &str = "{this is not JSON";

struct Answer {
    status: StatusCode,
    code: String,
    message: String,
}

impl Answer {
    /// Turned away before the handler looked at the request: not signed in
    /// (401 `unauthorized`, as opposed to a refused invitation) or forbidden.
    fn refused(&self) -> bool {
        self.status == StatusCode::FORBIDDEN
            || (self.status == StatusCode::UNAUTHORIZED && self.code == "unauthorized")
    }

    /// The CSRF guard's refusal.
    fn csrf_refused(&self) -> bool {
        self.status == StatusCode::FORBIDDEN && self.message.contains("CSRF")
    }

    fn show(&self) -> String {
        format!("{} {} {:?}", self.status.as_u16(), self.code, self.message)
    }
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    who: Credentials<'_>,
    body: &BodyKind,
    malformed: bool,
) -> Answer {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = reqwest::Client::new().request(method, format!("{}{path}", app.base));
    r = match who {
        Credentials::None => r,
        Credentials::Bearer(s) => r.bearer_auth(&s.token),
        Credentials::Cookie(s, with_csrf) => {
            let r = r.header("cookie", format!("pr_session={}", s.token));
            if with_csrf {
                r.header("x-csrf-token", &s.csrf)
            } else {
                r
            }
        }
    };
    r = match (body, malformed) {
        (BodyKind::None, _) => r,
        (_, true) => r.header("content-type", "application/json").body(BAD_BODY),
        (BodyKind::Json(v), false) => r.json(v),
        (BodyKind::Other(ct), false) => r.header("content-type", ct.as_str()).body("x\n"),
    };
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        code: v["code"].as_str().unwrap_or_default().to_string(),
        message: v["message"]
            .as_str()
            .unwrap_or(&text)
            .chars()
            .take(200)
            .collect(),
    }
}

/// Whether a reached route's answer is one a working route gives: not a
/// server error, and not "no such method here".
fn sane(a: &Answer) -> bool {
    !a.status.is_server_error() && a.status != StatusCode::METHOD_NOT_ALLOWED
}

// ---------------------------------------------------------------------------
// The test.

/// Every (method, path) of the API document, with its operation.
fn routes(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    out
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_rule_says() {
    let sample = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let fixture = Fixture::new(&app, &sample).await;
        let doc: Value = app.get_json("/api/openapi.json", None).await;
        let (problems, grid) = check_all(&app, &fixture, &doc).await;
        assert!(
            problems.is_empty(),
            "{}: {} problems:\n{}\n\nEvery answer:\n{}",
            backend.name(),
            problems.len(),
            problems.join("\n"),
            grid.join("\n")
        );
        // After the matrix: a hostile body may change what a later route
        // of the matrix would see.
        let problems = hostile_requests(&app, &fixture, &doc).await;
        assert!(
            problems.is_empty(),
            "{}: {} problems:\n{}",
            backend.name(),
            problems.len(),
            problems.join("\n")
        );
        app.stop().await.unwrap();
    }
}

/// Bodies no route may answer with a server error or outside the service's
/// shape: not JSON, not an object, too deep, numbers out of range, bytes
/// that are not UTF-8.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("a string", b"\"x\"".to_vec()),
        ("a number", b"1".to_vec()),
        ("truncated JSON", b"{\"a\": ".to_vec()),
        ("a number out of range", b"{\"a\": 1e400}".to_vec()),
        ("nested 5,000 deep", {
            let mut v = "[".repeat(5000).into_bytes();
            v.extend("]".repeat(5000).into_bytes());
            v
        }),
        ("bytes that are not UTF-8", vec![b'{', 0xff, 0xfe, b'}']),
        ("a NUL", b"{\"a\": \"\\u0000\"}".to_vec()),
    ]
}

/// Each field of an example body set to a value of the wrong kind or size.
fn hostile_fields(example: &Value) -> Vec<(String, Value)> {
    let Some(fields) = example.as_object() else {
        return Vec::new();
    };
    let values = [
        json!(null),
        json!(-1),
        json!(1.0e308),
        json!("\u{0}\r\nX-Injected: yes"),
        json!([]),
        json!({}),
        json!("x".repeat(200_000)),
    ];
    let mut out = Vec::new();
    for name in fields.keys() {
        for v in &values {
            let mut body = example.clone();
            body[name] = v.clone();
            out.push((format!("{name} = {}", short(v)), body));
        }
    }
    out
}

fn short(v: &Value) -> String {
    let t = v.to_string();
    if t.len() > 30 {
        format!("{}...", &t[..30])
    } else {
        t
    }
}

/// Every route with a body, as the first caller its rule lets through, with
/// hostile bodies; every route naming a school, with the school's URN
/// written another way (which must name no school, not a second one).
async fn hostile_requests(app: &TestApp, f: &Fixture, doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sent = 0;
    for (method, template, op) in routes(doc) {
        let Some(rule) = RULES
            .iter()
            .find(|r| r.method == method && r.path == template)
        else {
            continue;
        };
        let Some(&who) = rule.reach.iter().find(|w| **w != Nobody) else {
            continue;
        };
        let Ok(path) = f.path(&template) else {
            continue;
        };
        let session = app.sign_in(f.users[&who]).await.unwrap();
        let at = format!("{method} {template} as {who:?}");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let send = |path: &str, body: Option<Vec<u8>>| {
            let mut r = app.request(m.clone(), path, Some(&session));
            if let Some(b) = body {
                r = r.header("content-type", "application/json").body(b);
            }
            r.send()
        };
        let mut answers = Vec::new();
        if let BodyKind::Json(example) = request_body(doc, &op) {
            for (what, body) in hostile_bodies() {
                answers.push((what.to_string(), send(&path, Some(body)).await.unwrap()));
            }
            for (what, body) in hostile_fields(&example) {
                let bytes = serde_json::to_vec(&body).unwrap();
                answers.push((what, send(&path, Some(bytes)).await.unwrap()));
            }
        }
        if template.contains("{host_urn}") || template.contains("{urn}") {
            for alias in ["0", "+", "%20", "%2B0"] {
                sent += 1;
                let aliased = path.replace(&f.urn_a, &format!("{alias}{}", f.urn_a));
                let r = send(&aliased, None).await.unwrap();
                if r.status() != StatusCode::NOT_FOUND && r.status() != StatusCode::BAD_REQUEST {
                    problems.push(format!(
                        "{at}: the URN written as {aliased} answered {} (expected 404: no second school)",
                        r.status()
                    ));
                }
            }
        }
        sent += answers.len();
        for (what, r) in answers {
            let status = r.status();
            let json = r.headers().get("content-type").is_some_and(|v| {
                v.to_str()
                    .unwrap_or_default()
                    .starts_with("application/json")
            });
            let text = r.text().await.unwrap_or_default();
            if status.is_server_error() || (status.is_client_error() && !json) {
                problems.push(format!(
                    "{at} with {what}: {status} {}",
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    // Eight routes take a JSON body, with one to five fields each (136
    // requests when this was written): far fewer means the pass went blind.
    if sent < 100 {
        problems.push(format!("only {sent} hostile bodies were sent"));
    }
    problems
}

/// The problems found, and every answer (to read beside them).
async fn check_all(app: &TestApp, f: &Fixture, doc: &Value) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut grid = Vec::new();
    let routes = routes(doc);
    let documented: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    for r in RULES {
        if !documented.contains(&(r.method.to_string(), r.path.to_string())) {
            problems.push(format!(
                "{} {}: in RULES but not in the API document (remove the rule, or document the route)",
                r.method, r.path
            ));
        }
    }
    for (i, r) in RULES.iter().enumerate() {
        if RULES[..i]
            .iter()
            .any(|o| o.method == r.method && o.path == r.path)
        {
            problems.push(format!("{} {}: two rules", r.method, r.path));
        }
    }
    for (method, template, op) in &routes {
        let Some(rule) = RULES
            .iter()
            .find(|r| r.method == method && r.path == template)
        else {
            problems.push(format!(
                "{method} {template}: not in RULES; add a line saying who may call it"
            ));
            continue;
        };
        let path = match f.path(template) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{method} {template}: {e}"));
                continue;
            }
        };
        let body = request_body(doc, op);
        check_route(app, f, rule, &path, &body, &mut problems, &mut grid).await;
    }
    for rule in UNDOCUMENTED {
        if documented.contains(&(rule.method.to_string(), rule.path.to_string())) {
            problems.push(format!(
                "{} {}: now in the API document; move its rule to RULES",
                rule.method, rule.path
            ));
        }
        check_route(
            app,
            f,
            rule,
            rule.path,
            &BodyKind::None,
            &mut problems,
            &mut grid,
        )
        .await;
    }
    (problems, grid)
}

/// One route as every caller, then the CSRF guard.
async fn check_route(
    app: &TestApp,
    f: &Fixture,
    rule: &Rule,
    path: &str,
    body: &BodyKind,
    problems: &mut Vec<String>,
    grid: &mut Vec<String>,
) {
    let at = format!("{} {}", rule.method, rule.path);
    // Fresh sessions for every route: a route may end the caller's session.
    let mut sessions = BTreeMap::new();
    for who in SIGNED_IN {
        sessions.insert(who, app.sign_in(f.users[&who]).await.unwrap());
    }
    let known_body_first = BODY_BEFORE_ROLE.contains(&(rule.method, rule.path));
    let mut body_first_seen = false;
    for who in EVERYONE {
        let creds = match who {
            Nobody => Credentials::None,
            _ => Credentials::Bearer(&sessions[&who]),
        };
        let a = call(app, rule.method, path, creds, body, false).await;
        grid.push(format!("{at} as {who:?}: {}", a.show()));
        let may = rule.reach.contains(&who);
        if who == Nobody && !is_public(rule) {
            if !(a.status == StatusCode::UNAUTHORIZED && a.code == "unauthorized") {
                problems.push(format!("{at} as nobody: {} (expected 401)", a.show()));
            }
            continue;
        }
        if may {
            if a.refused() || !sane(&a) {
                problems.push(format!(
                    "{at} as {who:?}: {} (expected to get through)",
                    a.show()
                ));
            }
            continue;
        }
        let turned_away = |a: &Answer| {
            a.status == StatusCode::FORBIDDEN
                || (rule.refusal == Refusal::ForbiddenOrHidden && a.status == StatusCode::NOT_FOUND)
        };
        if !turned_away(&a) {
            problems.push(format!("{at} as {who:?}: {} (expected 403)", a.show()));
        }
        // Who asks is checked before what is asked.
        if !matches!(body, BodyKind::None) {
            let bad = call(app, rule.method, path, creds, body, true).await;
            if !turned_away(&bad) {
                if known_body_first {
                    body_first_seen = true;
                } else {
                    problems.push(format!(
                        "{at} as {who:?} with a malformed body: {} (expected 403: check the role before reading the body)",
                        bad.show()
                    ));
                }
            }
        }
    }
    if known_body_first && !body_first_seen {
        problems.push(format!(
            "{at}: now checks the role before the body; remove it from BODY_BEFORE_ROLE"
        ));
    }

    // The CSRF guard: a cookie-borne change without the token is refused,
    // whoever sends it; with the token it is not refused for that reason.
    if rule.method != "GET" {
        let who = rule
            .reach
            .iter()
            .copied()
            .find(|w| *w != Nobody)
            .unwrap_or(Sim);
        let s = app.sign_in(f.users[&who]).await.unwrap();
        for (token, by, wrong) in [
            (false, "without", "expected 403 for CSRF"),
            (true, "with", "refused for CSRF"),
        ] {
            let answer = call(
                app,
                rule.method,
                path,
                Credentials::Cookie(&s, token),
                body,
                false,
            )
            .await;
            // Refused for CSRF exactly when the token is missing.
            if answer.csrf_refused() == token {
                problems.push(format!(
                    "{at} as {who:?} by cookie {by} the CSRF token: {} ({wrong})",
                    answer.show()
                ));
            }
        }
    }
}

/// The table itself: the helpers that fill it in agree with each other.
#[test]
fn rules_are_consistent() {
    for r in RULES.iter().chain(UNDOCUMENTED) {
        assert!(
            ["GET", "PUT", "POST", "DELETE", "PATCH"].contains(&r.method),
            "{} {}",
            r.method,
            r.path
        );
        assert!(r.path.starts_with("/api/"), "{}", r.path);
        // A route open to nobody signed out is open to everyone.
        if r.reach.contains(&Nobody) {
            assert_eq!(r.reach, PUBLIC, "{} {}", r.method, r.path);
        }
    }
    let public: Vec<_> = RULES
        .iter()
        .chain(UNDOCUMENTED)
        .filter(|r| is_public(r))
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        public,
        [("POST", "/api/session"), ("GET", "/api/openapi.json")],
        "the public routes are signing in and the API document, nothing else"
    );
}

/// The year set-up pages (`/years/new`, the rules form and file): the SIM
/// only. Pages are not in the API document, so they are listed here: nobody
/// is sent to sign in, every other role gets 403, the SIM gets the page (a
/// form posted empty comes back refused, never a server error), and a form
/// posted on the session cookie without its CSRF token is refused.
const SETUP_PAGES: &[(&str, &str)] = &[
    ("GET", "/years/new"),
    ("POST", "/years/new"),
    ("GET", "/years/{year}/rules"),
    ("POST", "/years/{year}/rules"),
    ("GET", "/years/{year}/rules.toml"),
];

#[tokio::test]
async fn setup_pages_answer_each_role_as_their_rule_says() {
    let sample = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let f = Fixture::new(&app, &sample).await;
        let no_redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut problems = Vec::new();
        for (method, template) in SETUP_PAGES {
            let path = template.replace("{year}", &f.year.to_string());
            let method: Method = method.parse().unwrap();
            for who in EVERYONE {
                let mut req = no_redirect.request(method.clone(), format!("{}{path}", app.base));
                let session = match who {
                    Nobody => None,
                    _ => Some(app.sign_in(f.users[&who]).await.unwrap()),
                };
                if let Some(s) = &session {
                    req = req.bearer_auth(&s.token);
                }
                if method == Method::POST {
                    let csrf = session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default();
                    req = req.form(&[("csrf", csrf)]);
                }
                let status = req.send().await.unwrap().status();
                let ok = match who {
                    Nobody => status == StatusCode::SEE_OTHER || status == StatusCode::UNAUTHORIZED,
                    Sim if method == Method::POST => status == StatusCode::BAD_REQUEST,
                    Sim => status == StatusCode::OK,
                    _ => status == StatusCode::FORBIDDEN,
                };
                if !ok {
                    problems.push(format!("{method} {template} as {who:?}: {status}"));
                }
            }
        }
        // On the session cookie, a form needs its CSRF token.
        let token = app.invitation(f.users[&Sim]).await.unwrap();
        let cookies = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        cookies
            .post(format!("{}/invite/{token}", app.base))
            .send()
            .await
            .unwrap();
        for (method, template) in SETUP_PAGES.iter().filter(|(m, _)| *m == "POST") {
            let path = template.replace("{year}", &f.year.to_string());
            let status = cookies
                .post(format!("{}{path}", app.base))
                .form(&[("name", "x")])
                .send()
                .await
                .unwrap()
                .status();
            if status != StatusCode::FORBIDDEN {
                problems.push(format!(
                    "{method} {template} without the CSRF token: {status}"
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "{}: {}",
            backend.name(),
            problems.join("\n")
        );
        app.stop().await.unwrap();
    }
}
