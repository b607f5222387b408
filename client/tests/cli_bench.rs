//! `relais bench` against a real server, with tiny counts: every scenario
//! seeds what it needs, runs and reports, without a single error. A smoke
//! test for CI: it never looks at the timings, which a shared machine makes
//! meaningless.

mod support;

use relais_tests::TestServer;
use serde_json::Value;
use support::relais;

const COUNT: u64 = 20;

/// `relais bench SCENARIO` with tiny counts, its JSON report.
fn bench(server: &TestServer, scenario: &str, more: &[&str]) -> Value {
    let count = COUNT.to_string();
    let mut args = vec![
        "bench",
        scenario,
        "--count",
        &count,
        "--warmup",
        "0s",
        "--connections",
        "2",
        "--in-flight",
        "4",
        "--cases",
        "10",
        "--rows",
        "50",
        "--streams",
        "5",
        "--json",
    ];
    args.extend_from_slice(more);
    let run = relais(&server.url, Some(&server.admin_token), &args);
    run.ok();
    let report = run.json();
    assert_eq!(report["scenario"], scenario, "{report:#}");
    assert_eq!(report["errors"], serde_json::json!({}), "{report:#}");
    report
}

fn number(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no {pointer} in {report:#}"))
}

/// The requests asked for, all answered, and the percentiles reported.
fn assert_requests_measured(report: &Value) {
    assert_eq!(report["unit"], "requests");
    assert_eq!(number(report, "/operations"), COUNT, "{report:#}");
    assert_eq!(number(report, "/succeeded"), COUNT, "{report:#}");
    for field in ["p50", "p90", "p99", "max"] {
        assert!(
            report["latency_ms"][field].is_f64(),
            "{field} in {report:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn health_needs_no_seeding() {
    let server = TestServer::start().await;
    let report = bench(&server, "health", &[]);
    assert_requests_measured(&report);
    assert!(report.get("seeded").is_none(), "{report:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_creates_its_own_partners() {
    let server = TestServer::start().await;
    let report = bench(&server, "submit", &[]);
    assert_requests_measured(&report);
    assert!(number(&report, "/seeded/accounts") > 0, "{report:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_and_queue_read_seeded_cases_and_runs_repeat() {
    let server = TestServer::start().await;
    for scenario in ["get", "queue", "get"] {
        let report = bench(&server, scenario, &[]);
        assert_requests_measured(&report);
        assert_eq!(number(&report, "/seeded/cases"), 10, "{report:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_answers_every_row() {
    let server = TestServer::start().await;
    for _ in 0..2 {
        let report = bench(&server, "batch", &[]);
        assert_eq!(report["unit"], "rows");
        assert_eq!(number(&report, "/operations"), 50, "{report:#}");
        assert_eq!(number(&report, "/batch/answered"), 50, "{report:#}");
        // New people each run: the second file is no duplicate of the first.
        assert_eq!(number(&report, "/batch/duplicates"), 0, "{report:#}");
        assert!(number(&report, "/batch/accepted") > 0, "{report:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_delivers_every_event_to_every_stream() {
    let server = TestServer::start().await;
    // The test server runs in this process: its memory is ours.
    let pid = std::process::id().to_string();
    let report = bench(&server, "watch", &["--server-pid", &pid]);
    assert_eq!(report["unit"], "events");
    assert_eq!(number(&report, "/watch/streams"), 5);
    assert_eq!(number(&report, "/watch/cases"), COUNT, "{report:#}");
    assert_eq!(
        number(&report, "/watch/events_received"),
        COUNT * 5,
        "{report:#}"
    );
    assert_eq!(number(&report, "/watch/events_expected"), COUNT * 5);
    for moment in ["before", "streams_open", "after"] {
        assert!(
            number(&report, &format!("/server_memory/{moment}/rss_kib")) > 0,
            "{report:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn people_read_a_table() {
    let server = TestServer::start().await;
    let run = relais(
        &server.url,
        None,
        &["bench", "health", "--count", "5", "--warmup", "0s"],
    );
    let stdout = run.ok();
    let header = stdout.lines().next().unwrap_or_default();
    for column in [
        "SCENARIO",
        "REQUESTS",
        "THROUGHPUT/S",
        "P50 MS",
        "P99 MS",
        "MAX MS",
        "ERRORS",
    ] {
        assert!(header.contains(column), "{column} in {stdout}");
    }
    assert!(
        stdout
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("health"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_needs_an_administrator() {
    let server = TestServer::start().await;
    let run = relais(&server.url, None, &["bench", "submit", "--count", "1"]);
    let stderr = run.failed();
    assert!(stderr.contains("UNAUTHENTICATED"), "{stderr}");
}
