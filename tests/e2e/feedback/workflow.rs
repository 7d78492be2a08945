//! The feedback workflow through the gateway, as the people involved call
//! it: a citizen reports, another finds it among the similar reports and
//! follows it, the hotline assigns it, the ward's officer handles and
//! resolves it, the reporter rates it. The reporter's timeline is checked
//! at each step, and the outbox events (what the real-time machinery and
//! the citizen's inbox consume) too. Then every illegal transition, by
//! status and by role, and closing without a rating.

use crate::feedback::support as feedback_support;

use chrono::{DateTime, Duration, Utc};
use congdan_tests::Session;
use entity::feedback::report;
use feedback_support::*;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

/// The step's timeline entry and the report's tracking as the reporter
/// sees them, compared with what the step should have done.
async fn check_step(
    w: &World,
    id: &str,
    expected_actions: &[&str],
    status: &str,
    events_so_far: usize,
) -> Vec<(String, Value)> {
    let body = track(&w.app, Some(&w.reporter), id).await;
    let report = &body["data"]["report"];
    assert_eq!(report["status"], status, "{body}");
    let actions: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, expected_actions, "{body}");
    let events = events(&w.app, id).await;
    assert_eq!(events.len(), events_so_far, "{events:?}");
    reporter_is_notified(w, id, status, events_so_far).await;
    events
}

/// The reporter's inbox holds one notification per event of the report,
/// the newest about its current status (the inbox fills from the event bus,
/// so this waits for the relay and the consumer).
async fn reporter_is_notified(w: &World, id: &str, status: &str, count: usize) {
    let query = "{ me { notifications(first: 50) { unreadCount edges { node { topic subject { ... on Report { id status } } } } } } }";
    let about = |body: &Value| -> Vec<Value> {
        body["data"]["me"]["notifications"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["node"].clone())
            .filter(|n| n["subject"]["id"] == id)
            .collect()
    };
    congdan_tests::eventually(&format!("{count} notifications about {id}"), || async {
        about(&w.reporter.graphql(query, json!({})).await.ok()).len() == count
    })
    .await;
    let body = w.reporter.graphql(query, json!({})).await.ok();
    let about = about(&body);
    assert_eq!(about[0]["topic"], "FEEDBACK", "{body}");
    assert_eq!(about[0]["subject"]["status"], status, "{body}");
}

#[tokio::test]
async fn a_report_goes_from_submission_to_rating_through_the_gateway() {
    from_submission_to_rating(World::start().await).await;
}

#[tokio::test]
async fn a_report_goes_from_submission_to_rating_on_postgres() {
    if let Some(w) = World::start_postgres().await {
        from_submission_to_rating(w).await;
    }
}

async fn from_submission_to_rating(w: World) {
    let app = &w.app;

    // An reports a street light out, signed in.
    let body = w
        .reporter
        .graphql(
            SUBMIT,
            json!({ "input": report_input("an-light-0001", "street_lights", POINT) }),
        )
        .await
        .ok();
    let payload = &body["data"]["submitReport"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["similarReports"], json!([]));
    let report = &payload["report"];
    let id = report["id"].as_str().unwrap().to_string();
    assert_eq!(report["status"], "RECEIVED");
    assert_eq!(report["ward"], json!({ "id": WARD }), "placed in its ward");
    assert_eq!(report["viewerIsReporter"], true);
    let created: DateTime<Utc> = report["createdAt"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = report["dueAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - created, Duration::hours(72), "street lights: 72 h");
    let seen = check_step(&w, &id, &["SUBMITTED"], "RECEIVED", 1).await;
    assert_eq!(seen[0].0, "feedback.report.created");
    assert_eq!(seen[0].1["reporterId"], w.reporter.citizen_id.as_str());
    assert_eq!(seen[0].1["wardId"], WARD);

    // Cường, about to report the same light 20 m away, gets the hint...
    let near = (POINT.0 + 0.00018, POINT.1);
    let body = w.other.graphql("query($c: String!, $lat: Float!, $lng: Float!) { similarReports(category: $c, latitude: $lat, longitude: $lng) { id followerCount } }", json!({ "c": "street_lights", "lat": near.0, "lng": near.1 })).await.ok();
    assert_eq!(
        body["data"]["similarReports"],
        json!([{ "id": id, "followerCount": 0 }]),
        "{body}"
    );
    // ...and says "me too" instead; twice counts once.
    for _ in 0..2 {
        let body = w.other.graphql("mutation($id: ID!) { followReport(id: $id) { report { followerCount viewerFollows } userErrors { code } } }", json!({ "id": id })).await.ok();
        assert_eq!(
            body["data"]["followReport"],
            json!({ "report": { "followerCount": 1, "viewerFollows": true }, "userErrors": [] }),
            "{body}"
        );
    }
    // Had he submitted anyway, the payload would have named An's report.
    let body = w
        .other
        .graphql(
            SUBMIT,
            json!({ "input": report_input("cuong-light-01", "street_lights", near) }),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["submitReport"]["similarReports"],
        json!([{ "id": id }]),
        "{body}"
    );

    // The hotline (an admin here) assigns it to the ward committee.
    let payload = step(&w.admin, "assignReport", &id).await;
    assert_eq!(payload["report"]["status"], "ASSIGNED");
    assert_eq!(payload["report"]["agencyId"], AGENCY);
    assert_eq!(
        payload["timelineEntry"],
        json!({ "action": "ASSIGNED", "fromStatus": "RECEIVED", "toStatus": "ASSIGNED", "actorRole": "ADMIN", "actorId": w.admin.citizen_id, "agencyId": AGENCY, "note": "Chuyển phường xử lý" })
    );
    let seen = check_step(&w, &id, &["SUBMITTED", "ASSIGNED"], "ASSIGNED", 2).await;
    let (topic, event) = &seen[1];
    assert_eq!(topic, "feedback.report.updated");
    assert_eq!(event["reporterId"], w.reporter.citizen_id.as_str());
    assert_eq!(event["agencyId"], AGENCY);
    assert_eq!(event["status"], "ASSIGNED");
    assert_eq!(event["previousStatus"], "RECEIVED");
    // The officers' note is internal: it never travels to the citizen.
    assert!(event.get("note").is_none(), "{event}");
    assert_eq!(event["message"], Value::Null);
    assert_eq!(event["followerIds"], json!([w.other.citizen_id]));
    assert!(event["eventAt"].as_str().is_some());

    // The ward's officer starts, then resolves with the official answer.
    let payload = step(&w.officer, "startReportProgress", &id).await;
    assert_eq!(payload["timelineEntry"]["actorRole"], "OFFICER");
    let seen = check_step(
        &w,
        &id,
        &["SUBMITTED", "ASSIGNED", "STARTED"],
        "IN_PROGRESS",
        3,
    )
    .await;
    assert_eq!(seen[2].1["status"], "IN_PROGRESS");
    assert_eq!(seen[2].1["previousStatus"], "ASSIGNED");

    let payload = step(&w.officer, "resolveReport", &id).await;
    assert_eq!(
        payload["report"]["officialAnswer"],
        "Đã thay bóng đèn, đèn sáng lại."
    );
    let seen = check_step(
        &w,
        &id,
        &["SUBMITTED", "ASSIGNED", "STARTED", "RESOLVED"],
        "RESOLVED",
        4,
    )
    .await;
    assert_eq!(seen[3].1["status"], "RESOLVED");
    assert_eq!(seen[3].1["message"], "Đã thay bóng đèn, đèn sáng lại.");

    // The follower sees the status, the timeline and the answer; the
    // reporter sees the officer's role but not who the officer is.
    let body = track(app, Some(&w.other), &id).await;
    assert_eq!(body["data"]["report"]["status"], "RESOLVED");
    assert_eq!(
        body["data"]["report"]["officialAnswer"],
        "Đã thay bóng đèn, đèn sáng lại."
    );
    assert_eq!(
        body["data"]["report"]["timeline"].as_array().unwrap().len(),
        4
    );
    let body = track(app, Some(&w.reporter), &id).await;
    for entry in body["data"]["report"]["timeline"].as_array().unwrap() {
        assert_eq!(entry["actorId"], Value::Null, "{entry}");
    }
    // Someone else sees the answer, not the history.
    let body = track(app, None, &id).await;
    assert_eq!(
        body["data"]["report"]["officialAnswer"],
        "Đã thay bóng đèn, đèn sáng lại."
    );
    assert_eq!(body["data"]["report"]["timeline"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // An rates it, which closes it; once only.
    let payload = step(&w.reporter, "rateReport", &id).await;
    assert_eq!(payload["report"]["status"], "CLOSED");
    assert_eq!(payload["timelineEntry"]["actorRole"], "REPORTER");
    let rated = check_step(
        &w,
        &id,
        &["SUBMITTED", "ASSIGNED", "STARTED", "RESOLVED", "RATED"],
        "CLOSED",
        5,
    )
    .await;
    assert_eq!(rated[4].1["status"], "CLOSED");
    assert_eq!(rated[4].1["previousStatus"], "RESOLVED");
    let body = track(app, Some(&w.reporter), &id).await;
    assert_eq!(
        body["data"]["report"]["rating"],
        json!({ "stars": 5, "comment": "Xử lý nhanh" })
    );
    let (_, query, input) = steps(&id).remove(5);
    let body = w
        .reporter
        .graphql(&query, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(
        body["data"]["rateReport"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{body}"
    );
    assert_eq!(events(app, &id).await.len(), 5, "nothing more happened");

    // An's own list has it.
    let body = w
        .reporter
        .graphql(
            "{ myReports { totalCount edges { node { id status } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["myReports"],
        json!({ "totalCount": 1, "edges": [{ "node": { "id": id, "status": "CLOSED" } }] })
    );
    let body = w
        .other
        .graphql("{ followedReports { edges { node { id } } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body["data"]["followedReports"]["edges"],
        json!([{ "node": { "id": id } }])
    );
    w.stop().await;
}

/// Which step is allowed from which status (for a role that may take it).
fn allowed(step: &str, status: &str) -> bool {
    matches!(
        (step, status),
        ("assignReport", "RECEIVED")
            | ("transferReport", "ASSIGNED" | "IN_PROGRESS")
            | ("startReportProgress", "ASSIGNED")
            | ("resolveReport", "IN_PROGRESS")
            | ("rejectReport", "RECEIVED" | "ASSIGNED" | "IN_PROGRESS")
            | ("rateReport", "RESOLVED")
    )
}

/// A report of An's brought to `status` through the workflow.
async fn report_in(w: &World, status: &str, n: usize) -> String {
    let point = (POINT.0 + 0.001 * n as f64, POINT.1);
    let id = submit(
        &w.app,
        Some(&w.reporter),
        report_input(&format!("status-case-{n:04}"), "roads", point),
    )
    .await;
    let path: &[(&str, bool)] = match status {
        "RECEIVED" => &[],
        "ASSIGNED" => &[("assignReport", false)],
        "IN_PROGRESS" => &[("assignReport", false), ("startReportProgress", true)],
        "RESOLVED" => &[
            ("assignReport", false),
            ("startReportProgress", true),
            ("resolveReport", true),
        ],
        "REJECTED" => &[("rejectReport", false)],
        "CLOSED" => &[
            ("assignReport", false),
            ("startReportProgress", true),
            ("resolveReport", true),
            ("rateReport", false),
        ],
        other => panic!("{other}"),
    };
    for &(name, by_officer) in path {
        let who = if name == "rateReport" {
            &w.reporter
        } else if by_officer {
            &w.officer
        } else {
            &w.admin
        };
        step(who, name, &id).await;
    }
    id
}

/// Who asks (a name for messages), as whom, and the error code expected.
type Asker<'a> = (&'a str, Option<&'a Session>, &'a str);

const STATUSES: [&str; 6] = [
    "RECEIVED",
    "ASSIGNED",
    "IN_PROGRESS",
    "RESOLVED",
    "REJECTED",
    "CLOSED",
];

#[tokio::test]
async fn every_illegal_transition_is_refused_and_changes_nothing() {
    let w = World::start().await;
    let app = &w.app;
    let mut reports = Vec::new();
    for (n, status) in STATUSES.iter().enumerate() {
        reports.push((*status, report_in(&w, status, n).await));
    }

    // Wrong status: each step, by a role that may take it, from every
    // status it may not start from.
    let mut refused = 0;
    for (status, id) in &reports {
        let before = events(app, id).await.len();
        for (name, query, input) in steps(id) {
            if allowed(name, status) {
                continue;
            }
            // An admin may take any staff step; the ward's officer those of
            // reports with the ward's agency (a received report, or one
            // rejected on arrival, has none: the officer's attempt there is
            // a wrong role, tested below).
            let with_agency = !matches!(*status, "RECEIVED" | "REJECTED");
            let askers: Vec<&Session> = match name {
                "rateReport" => vec![&w.reporter],
                "assignReport" => vec![&w.admin],
                _ if with_agency => vec![&w.admin, &w.officer],
                _ => vec![&w.admin],
            };
            for who in askers {
                let body = who.graphql(&query, json!({ "input": input })).await.ok();
                let payload = &body["data"][name];
                assert_eq!(
                    payload["report"],
                    Value::Null,
                    "{name} from {status}: {body}"
                );
                assert_eq!(
                    payload["userErrors"][0]["code"], "INVALID_TRANSITION",
                    "{name} from {status}: {body}"
                );
                refused += 1;
            }
        }
        let body = track(app, Some(&w.reporter), id).await;
        assert_eq!(body["data"]["report"]["status"], *status, "unchanged");
        assert_eq!(events(app, id).await.len(), before, "no event for {status}");
    }
    assert_eq!(refused, 37, "every (step, status) pair not in the machine");

    // Wrong role: each step from a status it is allowed from, by everyone
    // who may not take it. Anonymous callers and plain citizens are turned
    // away by the gateway (@requiresScopes / @authenticated); officers of
    // another agency and the reporter by the subgraph.
    let by_status = |s: &str| reports.iter().find(|(st, _)| *st == s).unwrap().1.clone();
    // Cường is a plain citizen until he is made an officer elsewhere (which
    // ends his tokens from before): a plain citizen may not dispatch.
    let (_, assign, input) = steps(&by_status("RECEIVED")).remove(0);
    let body = w
        .other
        .graphql(&assign, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(body["data"]["assignReport"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let elsewhere = app.sign_in(CUONG).await;
    let elsewhere = make_officer(&w.admin, &elsewhere, &[OTHER_AGENCY]).await;
    let cases: Vec<(&str, &str, Vec<Asker>)> = vec![
        (
            "assignReport",
            "RECEIVED",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("reporter", Some(&w.reporter), "FORBIDDEN"),
                // Not the hotline: officers do not dispatch.
                ("ward officer", Some(&w.officer), "FORBIDDEN"),
            ],
        ),
        (
            "transferReport",
            "ASSIGNED",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("reporter", Some(&w.reporter), "FORBIDDEN"),
                ("officer elsewhere", Some(&elsewhere), "FORBIDDEN"),
            ],
        ),
        (
            "startReportProgress",
            "ASSIGNED",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("reporter", Some(&w.reporter), "FORBIDDEN"),
                ("officer elsewhere", Some(&elsewhere), "FORBIDDEN"),
            ],
        ),
        (
            "resolveReport",
            "IN_PROGRESS",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("reporter", Some(&w.reporter), "FORBIDDEN"),
                ("officer elsewhere", Some(&elsewhere), "FORBIDDEN"),
            ],
        ),
        (
            "rejectReport",
            "RECEIVED",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("reporter", Some(&w.reporter), "FORBIDDEN"),
                ("officer elsewhere", Some(&elsewhere), "FORBIDDEN"),
            ],
        ),
        (
            "rateReport",
            "RESOLVED",
            vec![
                ("anonymous", None, "UNAUTHENTICATED"),
                ("another citizen", Some(&w.admin), "FORBIDDEN"),
                ("the officer", Some(&w.officer), "FORBIDDEN"),
            ],
        ),
    ];
    let mut forbidden = 0;
    for (name, status, askers) in cases {
        let id = by_status(status);
        let before = events(app, &id).await.len();
        let (_, query, input) = steps(&id).into_iter().find(|(n, _, _)| *n == name).unwrap();
        for (who_name, who, code) in askers {
            let body = app
                .graphql(&query, json!({ "input": input }))
                .signed_in(who)
                .await
                .ok();
            assert_eq!(body["data"][name], Value::Null, "{who_name} {name}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], code,
                "{who_name} {name}: {body}"
            );
            forbidden += 1;
        }
        let body = track(app, Some(&w.reporter), &id).await;
        assert_eq!(body["data"]["report"]["status"], status, "unchanged");
        assert_eq!(events(app, &id).await.len(), before, "no event");
    }
    assert_eq!(forbidden, 18);

    // A rejection needs its reason; a transfer needs another agency.
    let received = by_status("RECEIVED");
    let body = w
        .admin
        .graphql(
            &step_mutation("rejectReport", "RejectReportInput"),
            json!({ "input": { "reportId": received, "reason": "  " } }),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["rejectReport"]["userErrors"][0]["code"],
        "REASON_REQUIRED"
    );
    let assigned = by_status("ASSIGNED");
    let body = w
        .officer
        .graphql(
            &step_mutation("transferReport", "AssignReportInput"),
            json!({ "input": { "reportId": assigned, "agencyId": AGENCY } }),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["transferReport"]["userErrors"][0]["code"],
        "SAME_AGENCY"
    );
    // The officer transfers it away; it is no longer theirs to start.
    step(&w.officer, "transferReport", &assigned).await;
    let (_, query, input) = steps(&assigned).remove(2);
    let body = w
        .officer
        .graphql(&query, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let payload = step(&elsewhere, "startReportProgress", &assigned).await;
    assert_eq!(payload["report"]["agencyId"], OTHER_AGENCY);
    w.stop().await;
}

#[tokio::test]
async fn answered_reports_close_after_the_configured_days_and_overdue_ones_are_flagged() {
    closing_and_overdue(World::start().await).await;
}

#[tokio::test]
async fn answered_reports_close_and_overdue_ones_are_flagged_on_postgres() {
    if let Some(w) = World::start_postgres().await {
        closing_and_overdue(w).await;
    }
}

async fn closing_and_overdue(w: World) {
    let app = &w.app;
    let db = &app.database.db;
    let resolved_long_ago = report_in(&w, "RESOLVED", 0).await;
    let rejected_long_ago = report_in(&w, "REJECTED", 1).await;
    let resolved_today = report_in(&w, "RESOLVED", 2).await;
    let received_long_ago = report_in(&w, "RECEIVED", 3).await;
    let backdate = |id: String, days: i64| async move {
        report::ActiveModel {
            id: Set(id),
            status_changed_at: Set(Some(Utc::now() - Duration::days(days))),
            due_at: Set(Some(Utc::now() - Duration::days(days))),
            ..Default::default()
        }
        .update(db)
        .await
        .unwrap();
    };
    for id in [&resolved_long_ago, &rejected_long_ago, &received_long_ago] {
        backdate(id.clone(), 8).await;
    }

    // Overdue: open past its due date; answered ones are not.
    let reporter = &w.reporter;
    let overdue = |id: String| async move {
        track(app, Some(reporter), &id).await["data"]["report"]["overdue"].clone()
    };
    assert_eq!(overdue(received_long_ago.clone()).await, true);
    assert_eq!(overdue(resolved_long_ago.clone()).await, false);
    assert_eq!(overdue(resolved_today.clone()).await, false);
    let body = w.officer.graphql("{ searchReports(filter: { overdue: true, category: \"roads\" }) { edges { node { id } } } }", json!({})).await.ok();
    assert_eq!(
        body["data"]["searchReports"]["edges"],
        json!([{ "node": { "id": received_long_ago } }]),
        "{body}"
    );

    // Only admins run the closing now (the maintenance job runs it hourly).
    let close = "mutation { closeExpiredReports }";
    let body = w.officer.graphql(close, json!({})).await.ok();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let body = w.admin.graphql(close, json!({})).await.ok();
    // The two backdated ones; the demo reports are dated back from when
    // they were installed (this test's start), so none is due for closing.
    assert_eq!(body["data"]["closeExpiredReports"], 2, "{body}");
    for (id, status) in [
        (&resolved_long_ago, "CLOSED"),
        (&rejected_long_ago, "CLOSED"),
        (&resolved_today, "RESOLVED"),
        (&received_long_ago, "RECEIVED"),
    ] {
        let body = track(app, Some(&w.reporter), id).await;
        assert_eq!(body["data"]["report"]["status"], status, "{body}");
    }
    let body = track(app, Some(&w.reporter), &resolved_long_ago).await;
    let last = body["data"]["report"]["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "CLOSED");
    assert_eq!(last["actorRole"], "SYSTEM");
    let closing = events(app, &resolved_long_ago).await;
    let (topic, last_event) = closing.last().unwrap();
    assert_eq!(topic, "feedback.report.updated");
    assert_eq!(last_event["status"], "CLOSED");
    assert_eq!(last_event["previousStatus"], "RESOLVED");
    // Closed without a rating: the reporter can no longer rate it.
    let (_, query, input) = steps(&resolved_long_ago).remove(5);
    let body = w
        .reporter
        .graphql(&query, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(
        body["data"]["rateReport"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    // A second run has nothing to do.
    let body = w.admin.graphql(close, json!({})).await.ok();
    assert_eq!(body["data"]["closeExpiredReports"], 0);
    w.stop().await;
}
