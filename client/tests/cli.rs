//! The `relais` binary against a real server: the README's walkthrough, how
//! failures look to people and to programs, and the 48-hour promise as the
//! command line shows it.

mod support;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use relais_core::{clock::ManualClock, ids::CaseRef};
use relais_tests::{TestServer, World};
use serde_json::Value;
use support::relais;

#[tokio::test(flavor = "multi_thread")]
async fn readme_walkthrough() {
    let server = TestServer::start().await;
    let url = server.url.as_str();
    let admin = Some(server.admin_token.as_str());

    let cpam_id = relais(
        url,
        admin,
        &[
            "admin",
            "org",
            "create",
            "--name",
            "CPAM de Paris",
            "--kind",
            "cpam",
            "--departement",
            "75",
            "-q",
        ],
    )
    .ok()
    .trim()
    .to_owned();
    assert!(uuid::Uuid::parse_str(&cpam_id).is_ok(), "{cpam_id:?}");
    relais(
        url,
        admin,
        &[
            "admin",
            "org",
            "create",
            "--name",
            "France Services Belleville",
            "--kind",
            "france_services",
            "--departement",
            "75",
            "-q",
        ],
    )
    .ok();
    let awa = relais(
        url,
        admin,
        &[
            "admin",
            "account",
            "create",
            "--org",
            "CPAM de Paris",
            "--name",
            "Awa Diallo",
            "--email",
            "awa.diallo@cpam-paris.example",
            "--role",
            "caisse_agent",
            "-q",
        ],
    )
    .ok()
    .trim()
    .to_owned();
    let ines = relais(
        url,
        admin,
        &[
            "admin",
            "account",
            "create",
            "--org",
            "France Services Belleville",
            "--name",
            "Inès Moreau",
            "--email",
            "ines.moreau@fs-belleville.example",
            "--role",
            "partner_agent",
            "-q",
        ],
    )
    .ok()
    .trim()
    .to_owned();
    assert!(!awa.is_empty() && !ines.is_empty() && awa != ines);
    let (awa, ines) = (Some(awa.as_str()), Some(ines.as_str()));

    let reference = relais(
        url,
        ines,
        &[
            "case",
            "submit",
            "--category",
            "carte_vitale",
            "--subject",
            "Carte Vitale perdue",
            "--description",
            "Mme Kovalenko a perdu sa carte Vitale.",
            "--last-name",
            "Kovalenko",
            "--first-names",
            "Olena",
            "--birth-date",
            "1995-10-14",
            "--address",
            "12 rue Oberkampf",
            "--postal-code",
            "75011",
            "--city",
            "Paris",
            "--consent",
            "paper",
            "-q",
        ],
    )
    .ok()
    .trim()
    .to_owned();
    assert!(CaseRef::parse(&reference).is_ok(), "{reference:?}");
    let reference = reference.as_str();

    let listed = relais(url, awa, &["case", "list"]).ok();
    assert!(listed.contains(reference), "{listed}");
    assert!(listed.contains("KOVALENKO Olena"), "{listed}");
    assert!(listed.contains("SUBMITTED"), "{listed}");

    let taken = relais(url, awa, &["case", "take", reference]).ok();
    assert_eq!(
        taken.trim(),
        format!("{reference} is now IN_PROGRESS, assigned to Awa Diallo")
    );
    let replied = relais(
        url,
        awa,
        &[
            "case",
            "reply",
            reference,
            "--message",
            "Une attestation de droits vous a été envoyée.",
        ],
    )
    .ok();
    assert!(
        replied.contains(reference) && replied.contains("IN_PROGRESS"),
        "{replied}"
    );
    let resolved = relais(
        url,
        awa,
        &[
            "case",
            "resolve",
            reference,
            "--outcome",
            "answered",
            "--message",
            "Attestation envoyée, nouvelle carte commandée.",
        ],
    )
    .ok();
    assert!(
        resolved.contains(&format!("{reference} is now RESOLVED")),
        "{resolved}"
    );

    let closed = relais(url, ines, &["case", "close", reference, "--useful", "yes"]).ok();
    assert_eq!(closed.trim(), format!("{reference} is now CLOSED"));
    let shown = relais(url, ines, &["case", "show", reference]).ok();
    for expected in [
        "CLOSED",
        "Une attestation de droits vous a été envoyée.",
        "Attestation envoyée, nouvelle carte commandée.",
        "KOVALENKO Olena",
        "CPAM de Paris, assigned to Awa Diallo",
        "RESOLVED → CLOSED",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from\n{shown}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_case_is_refused_before_reaching_the_server() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let partner = Some(world.partner.token.as_str());
    let submit = [
        "case",
        "submit",
        "--category",
        "carte_vitale",
        "--subject",
        "Carte Vitale perdue",
        "--description",
        "Perdue.",
        "--last-name",
        "Kovalenko",
        "--first-names",
        "Olena",
        "--birth-date",
        "2999-01-01",
        "--nir",
        "295109912611199",
        "--consent",
        "paper",
    ];

    let stderr = relais(url, partner, &submit).failed();
    assert!(
        stderr.starts_with("relais: invalid request (INVALID_ARGUMENT):\n"),
        "{stderr}"
    );
    assert!(stderr.contains("\n  beneficiary.nir: "), "{stderr}");
    assert!(stderr.contains("\n  beneficiary.birth_date: "), "{stderr}");

    // No server at all: still the same refusal, so nothing was sent.
    let offline = relais("http://127.0.0.1:1", partner, &submit).failed();
    assert!(offline.contains("beneficiary.nir"), "{offline}");

    let mut json_args = submit.to_vec();
    json_args.push("--json");
    let run = relais(url, partner, &json_args);
    run.failed();
    let error = &run.json()["error"];
    assert_eq!(error["code"], "INVALID_ARGUMENT");
    let fields: Vec<&str> = error["field_violations"]
        .as_array()
        .expect("field violations")
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"beneficiary.nir") && fields.contains(&"beneficiary.birth_date"),
        "{fields:?}"
    );

    let listed = relais(url, partner, &["case", "list", "--json"]);
    assert_eq!(listed.json()["cases"], Value::Array(Vec::new()));
    assert_eq!(relais(url, partner, &["case", "list", "-q"]).ok(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_show_their_code() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let agent = Some(world.agent.token.as_str());
    let partner = Some(world.partner.token.as_str());

    let unknown = CaseRef::generate().to_string();
    let stderr = relais(url, agent, &["case", "show", &unknown]).failed();
    assert!(stderr.starts_with("relais: NOT_FOUND: "), "{stderr}");

    let run = relais(url, agent, &["case", "show", &unknown, "--json"]);
    run.failed();
    assert_eq!(run.stderr(), "");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "NOT_FOUND");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));

    let stderr = relais(url, None, &["case", "list"]).failed();
    assert!(stderr.starts_with("relais: UNAUTHENTICATED: "), "{stderr}");
    assert!(stderr.contains("RELAIS_TOKEN"), "{stderr}");

    let case = world.submitted_case().await;
    let stderr = relais(url, partner, &["case", "take", &case.reference]).failed();
    assert!(
        stderr.starts_with("relais: PERMISSION_DENIED: "),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn case_show_in_json_is_the_response() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    let run = relais(
        &world.server.url,
        Some(&world.agent.token),
        &["case", "show", &case.reference, "--json"],
    );
    run.ok();
    let shown = run.json();
    assert_eq!(shown["case"]["reference"], case.reference.as_str());
    assert_eq!(shown["case"]["status"], "CASE_STATUS_SUBMITTED");
    assert_eq!(shown["case"]["beneficiary"]["last_name"], "Kovalenko");
    assert!(shown["history"].as_array().is_some_and(|h| !h.is_empty()));
}

#[test]
fn usage_errors_keep_clap_s_exit_code() {
    let run = relais(
        "http://127.0.0.1:1",
        None,
        &[
            "admin", "org", "create", "--name", "X", "--kind", "hospital",
        ],
    );
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("france_services"), "{}", run.stderr());
}

#[test]
fn an_unreachable_server_is_named() {
    let stderr = relais("http://127.0.0.1:1", Some("rls_secret"), &["whoami"]).failed();
    assert!(stderr.contains("http://127.0.0.1:1"), "{stderr}");
    assert!(!stderr.contains("rls_secret"), "{stderr}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn watch_replays_json_lines_and_ends_on_ctrl_c() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    world
        .agent
        .client
        .take_case(&case.reference)
        .await
        .expect("take");

    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["case", "watch", &case.reference, "--after", "0", "--json"])
        .env("RELAIS_URL", &world.server.url)
        .env("RELAIS_TOKEN", &world.agent.token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("relais case watch starts");
    let stdout = child.stdout.take().expect("its stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.expect("a line")).is_err() {
                return;
            }
        }
    });
    let next = || {
        let line = received
            .recv_timeout(Duration::from_secs(20))
            .expect("an event line");
        serde_json::from_str::<Value>(&line).expect("one JSON object per line")
    };
    let submitted = next();
    let taken = next();
    assert_eq!(submitted["event"]["kind"], "CASE_EVENT_KIND_SUBMITTED");
    assert_eq!(taken["event"]["kind"], "CASE_EVENT_KIND_TAKEN");
    assert_eq!(taken["event"]["case_reference"], case.reference.as_str());

    // A live event, after the replay.
    world
        .agent
        .client
        .post_message(
            &case.reference,
            "Dossier en cours.",
            relais_client::pb::MessageVisibility::Partner,
        )
        .await
        .expect("reply");
    assert_eq!(next()["event"]["kind"], "CASE_EVENT_KIND_MESSAGE_POSTED");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("relais case watch ends");
    assert_eq!(status.code(), Some(0));
}

/// A wall-clock time in Paris, the time zone the runs of `relais` show.
fn paris(text: &str) -> Timestamp {
    let civil: DateTime = text.parse().unwrap();
    TimeZone::get("Europe/Paris")
        .unwrap()
        .to_timestamp(civil)
        .unwrap()
}

/// A world whose clock stands on Friday 9 January 2026 at 16:00 in Paris:
/// a case submitted then is due on Tuesday at 16:00.
async fn friday_afternoon() -> (World, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(paris("2026-01-09T16:00")));
    let world = World::with_clock(clock.clone()).await;
    (world, clock)
}

/// The line of a table that mentions `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_set_for_a_fund_is_listed_with_its_new_values() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let admin = Some(world.server.admin_token.as_str());

    let set = relais(
        url,
        admin,
        &[
            "admin",
            "sla-policy",
            "set",
            "--category",
            "carte_vitale",
            "--org",
            "CPAM de Paris",
            "--first-response",
            "1d",
            "--urgent-first-response",
            "90m",
            "--warning",
            "50%",
            "--escalations",
            "100:supervisors",
        ],
    )
    .ok();
    assert!(set.contains("carte_vitale cases at CPAM de Paris"), "{set}");

    let listed = relais(
        url,
        Some(&world.supervisor.token),
        &["admin", "sla-policy", "list", "--org", "CPAM de Paris"],
    )
    .ok();
    let carte_vitale = line_with(&listed, "carte_vitale");
    for expected in [
        "CPAM de Paris",
        "24 h working",
        "1 h 30 min round the clock",
        "360 h working",
        "50 %",
        "100 % supervisors",
    ] {
        assert!(
            carte_vitale.contains(expected),
            "{expected:?} missing from {carte_vitale:?}"
        );
    }
    assert!(!carte_vitale.contains("administrators"), "{carte_vitale:?}");
    assert!(line_with(&listed, "ame ").contains("built-in"), "{listed}");

    // The other funds still run on the built-in promise.
    let defaults = relais(url, admin, &["admin", "sla-policy", "list"]).ok();
    let carte_vitale = line_with(&defaults, "carte_vitale");
    assert!(
        carte_vitale.contains("built-in") && carte_vitale.contains("48 h working"),
        "{carte_vitale:?}"
    );
    let json = relais(url, admin, &["admin", "sla-policy", "list", "--json"]).json();
    assert_eq!(json["policies"].as_array().map(Vec::len), Some(8));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_policy_prints_its_field_violations() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let admin = Some(world.server.admin_token.as_str());
    let set = |extra: &[&str]| {
        let mut args = vec!["admin", "sla-policy", "set", "--category", "ame"];
        args.extend_from_slice(extra);
        relais(url, admin, &args)
    };

    let stderr = set(&["--escalations", "50:supervisors,200:administrators"]).failed();
    assert!(
        stderr.starts_with("relais: invalid request (INVALID_ARGUMENT):\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  policy.escalations[0].percent: "),
        "{stderr}"
    );

    let stderr = set(&["--first-response", "0h"]).failed();
    assert!(
        stderr.contains("\n  policy.first_response.target: "),
        "{stderr}"
    );

    // Nothing was changed.
    let listed = relais(url, admin, &["admin", "sla-policy", "list"]).ok();
    assert!(line_with(&listed, "ame ").contains("built-in"), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_calendar_set_with_office_hours_is_shown_day_by_day() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let admin = Some(world.server.admin_token.as_str());

    relais(
        url,
        admin,
        &[
            "admin",
            "calendar",
            "set",
            "CPAM de Paris",
            "--office-hours",
            "mon-fri 08:30-12:30,13:30-16:30; sat 09:00-12:00",
            "--closed",
            "2026-01-12",
        ],
    )
    .ok();
    let shown = relais(
        url,
        Some(&world.agent.token),
        &["admin", "calendar", "show", "CPAM de Paris"],
    )
    .ok();
    for expected in [
        "office hours",
        "Europe/Paris",
        "mon  08:30-12:30, 13:30-16:30\n",
        "fri  08:30-12:30, 13:30-16:30\n",
        "sat  09:00-12:00\n",
        "sun  closed\n",
        "Closed days:   2026-01-12\n",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from\n{shown}"
        );
    }

    // Without a mode, the hours stay; the days given replace the old ones.
    relais(
        url,
        admin,
        &[
            "admin",
            "calendar",
            "set",
            &world.cpam.id,
            "--worked",
            "2026-05-25",
        ],
    )
    .ok();
    let shown = relais(url, admin, &["admin", "calendar", "show", &world.cpam.id]).ok();
    assert!(shown.contains("sat  09:00-12:00\n"), "{shown}");
    assert!(shown.contains("Closed days:   none\n"), "{shown}");
    assert!(shown.contains("Worked days:   2026-05-25\n"), "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_case_shows_its_48_hours_in_list_and_show() {
    let (world, _clock) = friday_afternoon().await;
    let url = world.server.url.as_str();
    let agent = Some(world.agent.token.as_str());
    let reference = world.submitted_case().await.reference;

    let listed = relais(url, agent, &["case", "list"]).ok();
    assert!(
        line_with(&listed, &reference).contains("48 h left"),
        "{listed}"
    );
    assert!(listed.lines().next().unwrap().contains("DUE"), "{listed}");

    let shown = relais(url, agent, &["case", "show", &reference]).ok();
    assert!(
        shown.contains("\nPromises:\n  First response:\n"),
        "{shown}"
    );
    // The first "Due:" is the first response's.
    assert!(
        line_with(&shown, "Due:").ends_with(" 2026-01-13 16:00, 48 h left"),
        "{shown}"
    );
    assert!(
        line_with(&shown, "Clock:").ends_with(" working time (target 48 h)"),
        "{shown}"
    );

    // The due queue: the case is due before Wednesday, not before Tuesday noon.
    let due = |time: &str| relais(url, agent, &["case", "list", "--due-before", time, "-q"]).ok();
    assert_eq!(due("2026-01-14 00:00").trim(), reference);
    assert_eq!(due("2026-01-13T11:00:00Z").trim(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_case_is_escalated_and_says_so() {
    let (world, clock) = friday_afternoon().await;
    let url = world.server.url.as_str();
    let supervisor = Some(world.supervisor.token.as_str());
    let reference = world.submitted_case().await.reference;
    let escalated = || relais(url, supervisor, &["case", "list", "--escalated", "-q"]).ok();
    assert_eq!(escalated(), "");

    // Wednesday 10:00: 18 working hours past Tuesday 16:00.
    clock.set(paris("2026-01-14T10:00"));
    let started = Instant::now();
    while escalated().trim() != reference {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the sweeper escalates within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let listed = relais(url, supervisor, &["case", "list"]).ok();
    assert!(
        line_with(&listed, &reference).contains("overdue 18 h"),
        "{listed}"
    );
    let shown = relais(url, supervisor, &["case", "show", &reference]).ok();
    for (label, expected) in [
        ("State:", " breached"),
        ("Due:", " 2026-01-13 16:00, overdue 18 h"),
        ("Escalation:", " level 1"),
        ("sla.escalated", " Relais  SUBMITTED"),
    ] {
        assert!(
            line_with(&shown, label).ends_with(expected),
            "{expected:?} missing from\n{shown}"
        );
    }
    assert!(
        shown.contains("sla.escalated level 1 (first response)  Relais"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_in_csv_has_its_header_and_a_total() {
    let (world, _clock) = friday_afternoon().await;
    world.submitted_case().await;
    world.submitted_case().await;
    let run = relais(
        &world.server.url,
        Some(&world.server.admin_token),
        &[
            "sla",
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--format",
            "csv",
        ],
    );
    let text = run.ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "key,label,received,first_responses_decided,first_responses_within_target,\
         first_responses_within_target_percent,first_response_median_seconds,\
         first_response_p90_seconds,take_median_seconds,take_p90_seconds,\
         resolutions_decided,resolutions_within_target,resolutions_within_target_percent,\
         open_on_track,open_at_risk,open_breached,open_paused"
    );
    assert_eq!(lines.len(), 3, "one fund and the total:\n{text}");
    assert!(lines[1].contains(&world.cpam.id), "{text}");
    let total: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(total[0], "total", "{text}");
    assert_eq!(total[2], "2", "received: {text}");
    assert_eq!(total[13], "2", "open on track: {text}");
}

#[test]
fn bad_times_durations_and_periods_are_refused_before_any_call() {
    let offline = "http://127.0.0.1:1";
    let run = relais(offline, None, &["case", "list", "--due-before", "tomorrow"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("--due-before"), "{}", run.stderr());
    assert!(
        run.stderr().contains("YYYY-MM-DD HH:MM"),
        "{}",
        run.stderr()
    );

    let run = relais(
        offline,
        None,
        &[
            "admin",
            "sla-policy",
            "set",
            "--category",
            "ame",
            "--first-response",
            "2 days",
        ],
    );
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("48h"), "{}", run.stderr());

    let stderr = relais(
        offline,
        None,
        &[
            "sla",
            "report",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-31",
        ],
    )
    .failed();
    assert!(stderr.contains("--to 2026-01-31 comes before"), "{stderr}");
}
