//! Publishing through the pages: the plan page shows the check panel first
//! and what changed against the published plan and the version before; a
//! redraft with the same groups says so and says what moved; publishing is
//! a confirmation that names who is told what, then the compare-and-set.
//! The allocation's workbook is the SIM's alone.

use std::collections::BTreeSet;

use e2e::app::{backends, TestApp};
use e2e::day;
use optimiser::triads;
use reqwest::{Method, StatusCode};
use store::plans;

#[tokio::test]
async fn the_plan_page_checks_compares_and_confirms_before_publishing() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let db = &app.state.db;
        let problem = e2e::sample::triad_problem();
        let v1 = triads::plan(&problem, &|_, _| {}).unwrap();
        // The deadline is ahead: the check must say so.
        let calendar = e2e::sample::window(-10, 200);
        let year = e2e::sample::insert_year(db, "2026-27", &calendar, day(30), "").await;
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let urn_a = v1.triads[0].schools[0].to_string();
        let head = app
            .signed_in("head", "Ann Head", Some(&urn_a))
            .await
            .unwrap();

        // Version 1 published; version 2 the same groups, three reviews
        // dated and a lower score; version 3 with two groups broken.
        let mut v2 = v1.clone();
        v2.stats.objective = v1.stats.objective - 100.0;
        v2.stats.dated = Some(3);
        for (r, offset) in v2.triads[0].reviews.iter_mut().zip([40, 50, 60]) {
            r.start = Some(day(offset));
            r.dates = vec![day(offset)];
        }
        let mut v3 = v2.clone();
        let same_phase = (1..v3.triads.len())
            .find(|&j| v3.triads[j].phase == v3.triads[0].phase)
            .expect("two groups of one phase");
        let (a, b) = (v3.triads[0].schools[2], v3.triads[same_phase].schools[2]);
        v3.triads[0].schools[2] = b;
        v3.triads[same_phase].schools[2] = a;
        let mut tx = db.begin_write().await.unwrap();
        e2e::sample::store_schools_and_advisers(&mut tx, year, &problem.schools, &problem.advisers)
            .await;
        // Version 4: version 1 again, undated, which every rule allows.
        for p in [&v1, &v2, &v3, &v1] {
            plans::insert_draft(&mut tx, year, p, None, Some(sim.user_id))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert!(plans::publish(db, year, 1, sim.user_id).await.unwrap());

        // The check panel comes first, then what changed.
        let (status, html) = app.page(&format!("/years/{year}/plans/2"), &sim).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let reviews: usize = v2.triads.iter().map(|t| t.reviews.len()).sum();
        let check_at = html.find("id=\"check\"").expect("the check panel");
        let changes_at = html.find("id=\"changes\"").expect("what changed");
        let groups_at = html.find("id=\"groups\"").expect("the groups");
        assert!(check_at < changes_at && changes_at < groups_at);
        for want in [
            format!("{} of {reviews} reviews have no date", reviews - 3),
            "The availability deadline has not passed".to_string(),
            "Against the published plan (version 1)".to_string(),
            "No change to groups".to_string(),
            "3 reviews moved".to_string(),
            format!("no date → {}", report::words::date(day(40))),
            "visiting heads travel".to_string(),
            "href=\"#groups\"".to_string(),
        ] {
            assert!(html.contains(&want), "plan 2 lacks {want:?}");
        }

        // The API says the same from the same check.
        let r = app
            .send(
                Method::GET,
                &format!("/api/years/{year}/plans/2/check"),
                Some(&sim),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["changes"][0]["diff"]["broken"], serde_json::json!([]));
        assert_eq!(
            body["changes"][0]["diff"]["moved"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(body["check"]["items"][0]["severity"], "warning");

        // A redraft that breaks groups says which.
        let (_, html) = app.page(&format!("/years/{year}/plans/3"), &sim).await;
        assert!(html.contains("Against the version before (version 2)"));
        assert!(html.contains("2 broken, 2 new"), "plan 3's changes");
        assert!(!html.contains("No change to groups"));

        // The confirmation names who is told what and the warnings left.
        let path = format!("/years/{year}/plans/2/publish");
        let (status, html) = app.page(&path, &sim).await;
        assert_eq!(status, StatusCode::OK);
        let heads: usize = v2.triads.iter().map(|t| t.schools.len()).sum();
        let advisers: BTreeSet<&String> = v2
            .triads
            .iter()
            .filter_map(|t| t.adviser.as_ref())
            .collect();
        let told = format!(
            "{heads} heads and {} adviser{} will see their groups, dates and roles",
            advisers.len(),
            if advisers.len() == 1 { "" } else { "s" }
        );
        assert!(html.contains(&told), "the confirmation lacks {told:?}");
        assert!(html.contains("Warnings that remain"));
        assert!(html.contains("The availability deadline has not passed"));
        assert_eq!(
            app.page(&path, &head).await.0,
            StatusCode::FORBIDDEN,
            "a head may not see the confirmation"
        );

        // Version 2's hand-set dates break the calendar's rules: publishing
        // refuses it as a page that says so, and nothing changes.
        let (status, html) = app.post_form(&path, &sim, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("was not published"));
        assert_eq!(plans::published_version(db, year).await.unwrap(), Some(1));
        // Publishing version 4 from its confirmation withdraws version 1.
        let path = format!("/years/{year}/plans/4/publish");
        let (_, html) = app.page(&path, &sim).await;
        assert!(
            html.contains("No change to groups"),
            "version 4 is version 1 again"
        );
        let (status, _) = app.post_form(&path, &sim, &[]).await;
        assert!(status.is_success() || status.is_redirection(), "{status}");
        assert_eq!(plans::published_version(db, year).await.unwrap(), Some(4));
        let path = format!("/years/{year}/plans/4/publish");
        // A published plan has no confirmation step left.
        let (_, html) = app.page(&format!("/years/{year}/plans/4"), &sim).await;
        assert!(!html.contains(&format!("href=\"{path}\"")));

        // The allocation's workbook: none before an allocation, the SIM's only.
        let xlsx = format!("/years/{year}/allocation/xlsx");
        assert_eq!(app.page(&xlsx, &sim).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.page(&xlsx, &head).await.0, StatusCode::FORBIDDEN);
        app.stop().await.unwrap();
    }
}
