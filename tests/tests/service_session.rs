//! Signing in: invitation links are single-use, sessions guard changes with
//! CSRF when they ride on the cookie, and the API describes itself.

use e2e::app::{backends, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn invitations_are_single_use_and_sessions_identify_the_caller() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let head = app
            .user("head", "Hana Head", Some("100001"), None)
            .await
            .unwrap();
        let token = app.invitation(head).await.unwrap();
        let redeem = |t: String| {
            app.request(Method::POST, "/api/session", None)
                .json(&json!({ "token": t }))
                .send()
        };
        let first = redeem(token.clone()).await.unwrap();
        assert_eq!(first.status(), StatusCode::OK, "{}", backend.name());
        let cookie = first
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let session: Value = first.json().await.unwrap();
        assert_eq!(
            redeem(token).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            redeem("not-a-token".into()).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );

        let me: Value = e2e::app::json(
            reqwest::Client::new()
                .get(format!("{}/api/me", app.base))
                .bearer_auth(session["session_token"].as_str().unwrap()),
        )
        .await;
        assert_eq!(me["role"], "head");
        assert_eq!(me["urn"], "100001");

        // The database keeps only hashes of tokens.
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(&app.state.db.read)
            .await
            .unwrap();
        assert!(!stored.contains(&session["session_token"].as_str().unwrap().to_string()));

        // With the cookie, a change needs the CSRF token.
        let cookie_value = cookie.split(';').next().unwrap().to_string();
        let change = |csrf: Option<&str>| {
            let r = reqwest::Client::new()
                .delete(format!("{}/api/session", app.base))
                .header("cookie", &cookie_value);
            match csrf {
                Some(c) => r.header("x-csrf-token", c),
                None => r,
            }
            .send()
        };
        assert_eq!(change(None).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(
            change(Some("wrong")).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let csrf = session["csrf_token"].as_str().unwrap();
        assert_eq!(
            change(Some(csrf)).await.unwrap().status(),
            StatusCode::NO_CONTENT
        );
        // Signed out: the session no longer works.
        let after = app
            .request(Method::GET, "/api/me", None)
            .header("cookie", &cookie_value)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn health_and_openapi_answer() {
    let app = TestApp::spawn(&e2e::app::Backend::Sqlite).await.unwrap();
    let health = app.send(Method::GET, "/health", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    let doc: Value = app.get_json("/api/openapi.json", None).await;
    assert!(doc["paths"]["/api/years/{year}/availability"]["put"].is_object());
    let missing = app.send(Method::GET, "/api/me", None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
}
