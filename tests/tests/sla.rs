//! The 48-hour promise end to end: due instants on every case, the sweeper's
//! events, pauses, queues, policies, calendars and reports. Time is a
//! manual clock that the tests move; nothing sleeps.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp, civil::DateTime, tz::TimeZone};
use relais_client::{CaseWatch, RelaisClient, pb};
use relais_core::clock::ManualClock;
use relais_tests::{World, sample_case, violated_fields};
use tonic::Code;

/// A wall-clock time in Paris.
fn paris(text: &str) -> Timestamp {
    let civil: DateTime = text.parse().unwrap();
    TimeZone::get("Europe/Paris")
        .unwrap()
        .to_timestamp(civil)
        .unwrap()
}

fn instant(t: &Option<pbjson_types::Timestamp>) -> Timestamp {
    let t = t.as_ref().expect("an instant");
    Timestamp::new(t.seconds, t.nanos).unwrap()
}

fn hours(d: &Option<pbjson_types::Duration>) -> f64 {
    let d = d.as_ref().expect("a duration");
    d.seconds as f64 / 3600.0 + f64::from(d.nanos) / 3.6e12
}

fn sla(case: &pb::Case) -> &pb::CaseSla {
    case.sla.as_ref().expect("the case's promises")
}

fn first(case: &pb::Case) -> &pb::TargetStatus {
    sla(case).first_response.as_ref().unwrap()
}

fn resolution(case: &pb::Case) -> &pb::TargetStatus {
    sla(case).resolution.as_ref().unwrap()
}

/// A world whose clock starts on Friday 9 January 2026 at 16:00 in Paris.
async fn friday_afternoon() -> (World, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(paris("2026-01-09T16:00")));
    let world = World::with_clock(clock.clone()).await;
    (world, clock)
}

async fn next(watch: &mut CaseWatch) -> pb::CaseEvent {
    tokio::time::timeout(Duration::from_secs(10), watch.events.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .expect("no error")
        .event
        .expect("an event")
}

async fn get(client: &RelaisClient, reference: &str) -> pb::Case {
    client.get_case(reference).await.unwrap().case.unwrap()
}

#[tokio::test]
async fn every_case_carries_its_due_instants_and_the_working_time_left() {
    let (world, clock) = friday_afternoon().await;
    let case = world.submitted_case().await;
    assert_eq!(
        instant(&first(&case).due_time),
        paris("2026-01-13T16:00"),
        "due Tuesday 16:00"
    );
    assert_eq!(first(&case).state(), pb::SlaState::OnTrack);
    assert_eq!(first(&case).clock(), pb::SlaClock::WorkingTime);
    assert_eq!(hours(&first(&case).remaining), 48.0);
    assert_eq!(
        instant(&resolution(&case).due_time),
        paris("2026-01-30T16:00"),
        "15 working days"
    );

    // Saturday noon: the weekend does not count.
    clock.set(paris("2026-01-10T12:00"));
    let case = get(&world.agent.client, &case.reference).await;
    assert_eq!(hours(&first(&case).remaining), 40.0);
    assert_eq!(hours(&first(&case).elapsed), 8.0);

    // Wednesday 10:00: overdue by Tuesday's last 8 hours and Wednesday's first 10.
    clock.set(paris("2026-01-14T10:00"));
    let case = get(&world.partner.client, &case.reference).await;
    assert_eq!(first(&case).state(), pb::SlaState::Breached);
    assert_eq!(hours(&first(&case).remaining), -18.0);
}

#[tokio::test]
async fn an_urgent_case_is_due_24_hours_later_round_the_clock() {
    let (world, _clock) = friday_afternoon().await;
    let mut request = sample_case();
    request.urgency = pb::Urgency::Urgent.into();
    request.urgency_reason = "Traitement à renouveler demain".to_owned();
    let case = world
        .partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(
        instant(&first(&case).due_time),
        paris("2026-01-10T16:00"),
        "Saturday counts"
    );
    assert_eq!(first(&case).clock(), pb::SlaClock::RoundTheClock);
}

#[tokio::test]
async fn the_sweeper_raises_each_threshold_once_in_history_and_watch() {
    let (world, clock) = friday_afternoon().await;
    let mut watch = world.supervisor.client.watch_cases(None, "").await.unwrap();
    let reference = world.submitted_case().await.reference;
    assert_eq!(next(&mut watch).await.kind(), pb::CaseEventKind::Submitted);

    use pb::CaseEventKind as K;
    // 75 % of 48 working hours: Tuesday 04:00.
    clock.set(paris("2026-01-13T04:00"));
    let at_risk = next(&mut watch).await;
    assert_eq!(
        (at_risk.kind(), at_risk.sla_target()),
        (K::SlaAtRisk, pb::SlaTarget::FirstResponse)
    );
    assert_eq!(instant(&at_risk.time), paris("2026-01-13T04:00"));
    assert!(at_risk.actor.is_none(), "raised by the service itself");

    clock.set(paris("2026-01-13T16:00"));
    let breached = next(&mut watch).await;
    let escalated = next(&mut watch).await;
    assert_eq!(breached.kind(), K::SlaBreached);
    assert_eq!(
        (escalated.kind(), escalated.escalation_level),
        (K::SlaEscalated, 1)
    );

    // The escalation queue of the fund's supervisors holds the case.
    let queue = world
        .supervisor
        .client
        .list_cases(pb::ListCasesRequest {
            escalated: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue.cases.len(), 1);
    assert_eq!(first(&queue.cases[0]).escalation_level, 1);

    // Twice the target, Thursday 16:00: flagged to the administrators.
    clock.set(paris("2026-01-15T17:00"));
    let flagged = next(&mut watch).await;
    assert_eq!(
        (flagged.kind(), flagged.escalation_level),
        (K::SlaEscalated, 2)
    );

    // Time goes on; nothing is raised twice. The next event is the agent's.
    clock.set(paris("2026-01-16T09:00"));
    world.agent.client.take_case(&reference).await.unwrap();
    assert_eq!(next(&mut watch).await.kind(), K::Taken);
    let history = world
        .agent
        .client
        .get_case(&reference)
        .await
        .unwrap()
        .history;
    let sla_events: Vec<(K, i32)> = history
        .iter()
        .filter(|e| e.sla_target() != pb::SlaTarget::Unspecified)
        .map(|e| (e.kind(), e.escalation_level))
        .collect();
    assert_eq!(
        sla_events,
        [
            (K::SlaAtRisk, 0),
            (K::SlaBreached, 0),
            (K::SlaEscalated, 1),
            (K::SlaEscalated, 2)
        ]
    );

    // A late answer is recorded as met, but not within target.
    world
        .agent
        .client
        .post_message(
            &reference,
            "Bonjour, nous traitons votre demande.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();
    let case = get(&world.agent.client, &reference).await;
    assert_eq!(first(&case).state(), pb::SlaState::Met);
    assert!(!first(&case).met_within_target);
    assert_eq!(instant(&first(&case).met_time), paris("2026-01-16T09:00"));
}

#[tokio::test]
async fn a_restart_that_skipped_over_the_instants_raises_each_once() {
    let (world, clock) = friday_afternoon().await;
    let reference = world.submitted_case().await.reference;
    let World { server, agent, .. } = world;
    let mut server = server;
    server.shutdown().await;

    // While the server is down, every first-response threshold passes.
    clock.set(paris("2026-01-15T17:00"));
    let server = server.restart().await;
    let mut watch = agent.client.watch_cases(Some(0), &reference).await.unwrap();
    use pb::CaseEventKind as K;
    let mut kinds = Vec::new();
    let mut last = 0;
    for _ in 0..5 {
        let event = next(&mut watch).await;
        kinds.push((event.kind(), event.escalation_level));
        last = event.sequence;
    }
    assert_eq!(
        kinds,
        [
            (K::Submitted, 0),
            (K::SlaAtRisk, 0),
            (K::SlaBreached, 0),
            (K::SlaEscalated, 1),
            (K::SlaEscalated, 2)
        ]
    );

    // Another restart raises nothing again: after the last event comes the agent's.
    let server = server.restart().await;
    agent.client.take_case(&reference).await.unwrap();
    let mut watch = agent
        .client
        .watch_cases(Some(last), &reference)
        .await
        .unwrap();
    assert_eq!(next(&mut watch).await.kind(), K::Taken);
    drop(server);
}

#[tokio::test]
async fn waiting_on_the_partner_pauses_the_clock_and_moves_the_due_instant() {
    let (world, clock) = friday_afternoon().await;
    let reference = world.submitted_case().await.reference;
    clock.set(paris("2026-01-12T09:00"));
    let taken = world
        .agent
        .client
        .take_case(&reference)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(instant(&sla(&taken).take_time), paris("2026-01-12T09:00"));
    assert_eq!(
        hours(&sla(&taken).take_elapsed),
        17.0,
        "Friday 8 h and Monday 9 h"
    );

    clock.set(paris("2026-01-12T10:00"));
    let asked = world
        .agent
        .client
        .request_information(&reference, "Merci de joindre le récépissé.")
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(
        first(&asked).state(),
        pb::SlaState::Met,
        "an information request is an answer"
    );
    assert!(first(&asked).met_within_target);
    assert_eq!(resolution(&asked).state(), pb::SlaState::Paused);

    // One working day later the partner answers: the resolution moves by one working day.
    clock.set(paris("2026-01-13T10:00"));
    let replied = world
        .partner
        .client
        .post_message(&reference, "Le voici.", pb::MessageVisibility::Partner)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(resolution(&replied).state(), pb::SlaState::OnTrack);
    assert_eq!(
        instant(&resolution(&replied).due_time),
        paris("2026-02-02T16:00")
    );

    // A transfer keeps the due instants: the beneficiary has waited already.
    let transferred = world
        .agent
        .client
        .transfer_case(
            &reference,
            &world.cpam_93.id,
            "Domicile en Seine-Saint-Denis",
        )
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(
        instant(&resolution(&transferred).due_time),
        paris("2026-02-02T16:00")
    );
}

#[tokio::test]
async fn the_due_queue_is_sorted_by_due_instant() {
    let (world, clock) = friday_afternoon().await;
    let late = world.submitted_case().await.reference;
    let mut urgent = sample_case();
    urgent.urgency = pb::Urgency::Urgent.into();
    urgent.urgency_reason = "Sortie d'hôpital".to_owned();
    clock.set(paris("2026-01-12T09:00"));
    let urgent = world
        .partner
        .client
        .submit_case(urgent)
        .await
        .unwrap()
        .case
        .unwrap()
        .reference;
    let later = world.submitted_case().await.reference;
    // Due: `late` Tuesday 16:00, `urgent` Tuesday 09:00, `later` Wednesday 09:00.
    let queue = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            due_before: Some(relais_proto::convert::timestamp(paris("2026-01-14T00:00"))),
            ..Default::default()
        })
        .await
        .unwrap();
    let references: Vec<String> = queue.cases.into_iter().map(|c| c.reference).collect();
    assert_eq!(references, [urgent.clone(), late.clone()]);

    let all = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            order: pb::CaseOrder::DueFirst.into(),
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    let second_page = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            order: pb::CaseOrder::DueFirst.into(),
            page_size: 2,
            page_token: all.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let references: Vec<String> = all
        .cases
        .into_iter()
        .chain(second_page.cases)
        .map(|c| c.reference)
        .collect();
    assert_eq!(references, [urgent, late, later]);
}

fn policy(category: pb::Category, organisation: &str, first_response_hours: i64) -> pb::SlaPolicy {
    let target = |hours: i64, clock: pb::SlaClock| pb::TargetPolicy {
        target: Some(relais_proto::convert::duration(SignedDuration::from_hours(
            hours,
        ))),
        clock: clock.into(),
    };
    pb::SlaPolicy {
        category: category.into(),
        organisation_id: organisation.to_owned(),
        first_response: Some(target(first_response_hours, pb::SlaClock::WorkingTime)),
        urgent_first_response: Some(target(4, pb::SlaClock::RoundTheClock)),
        resolution: Some(target(120, pb::SlaClock::WorkingTime)),
        warning_percent: 50,
        escalations: vec![pb::Escalation {
            percent: 100,
            audience: pb::EscalationAudience::Supervisors.into(),
        }],
        built_in: false,
    }
}

async fn set_policy(world: &World, policy: pb::SlaPolicy) -> Result<pb::SlaPolicy, tonic::Status> {
    world
        .admin
        .set_sla_policy(pb::SetSlaPolicyRequest {
            policy: Some(policy),
        })
        .await
        .map(|r| r.policy.unwrap())
}

#[tokio::test]
async fn policies_apply_per_category_and_a_fund_may_override_them() {
    let (world, _clock) = friday_afternoon().await;
    let listed = world
        .agent
        .client
        .list_sla_policies(pb::ListSlaPoliciesRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.policies.len(), 8, "one per category");
    assert!(listed.policies.iter().all(|p| p.built_in));

    // By default for every fund: 24 working hours on carte_vitale cases.
    set_policy(&world, policy(pb::Category::CarteVitale, "", 24))
        .await
        .unwrap();
    let case = world.submitted_case().await;
    assert_eq!(instant(&first(&case).due_time), paris("2026-01-12T16:00"));
    assert_eq!(
        instant(&resolution(&case).due_time),
        paris("2026-01-16T16:00"),
        "5 working days"
    );

    // The CPAM de Paris promises 4 working hours.
    set_policy(&world, policy(pb::Category::CarteVitale, &world.cpam.id, 4))
        .await
        .unwrap();
    let case = world.submitted_case().await;
    assert_eq!(instant(&first(&case).due_time), paris("2026-01-09T20:00"));
    let paris_policies = world
        .supervisor
        .client
        .list_sla_policies(pb::ListSlaPoliciesRequest {
            organisation_id: world.cpam.id.clone(),
        })
        .await
        .unwrap();
    let carte_vitale = paris_policies
        .policies
        .iter()
        .find(|p| p.category() == pb::Category::CarteVitale)
        .unwrap();
    assert_eq!(carte_vitale.organisation_id, world.cpam.id);
    let ame = paris_policies
        .policies
        .iter()
        .find(|p| p.category() == pb::Category::Ame)
        .unwrap();
    assert!(ame.built_in);

    // Other categories keep the built-in promise.
    let mut other = sample_case();
    other.category = pb::Category::Ame.into();
    let case = world
        .partner
        .client
        .submit_case(other)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(instant(&first(&case).due_time), paris("2026-01-13T16:00"));
}

#[tokio::test]
async fn bad_policies_are_refused_by_field_and_only_administrators_set_them() {
    let (world, _clock) = friday_afternoon().await;
    let mut bad = policy(pb::Category::Unspecified, "not-an-id", 0);
    bad.warning_percent = 120;
    bad.escalations.push(pb::Escalation {
        percent: 50,
        audience: pb::EscalationAudience::Unspecified.into(),
    });
    let err = set_policy(&world, bad).await.unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "policy.category",
            "policy.organisation_id",
            "policy.escalations[1].audience",
        ]
    );
    let mut bad = policy(pb::Category::Ame, "", 0);
    bad.warning_percent = 120;
    let err = set_policy(&world, bad).await.unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["policy.first_response.target", "policy.warning_percent"]
    );
    let err = set_policy(&world, policy(pb::Category::Ame, &world.counter.id, 24))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["organisation_id"],
        "only funds have policies"
    );

    let err = world
        .supervisor
        .client
        .set_sla_policy(pb::SetSlaPolicyRequest {
            policy: Some(policy(pb::Category::Ame, "", 24)),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

fn window(weekday: pb::Weekday, start: &str, end: &str) -> pb::OfficeWindow {
    pb::OfficeWindow {
        weekday: weekday.into(),
        start: start.to_owned(),
        end: end.to_owned(),
    }
}

#[tokio::test]
async fn a_fund_may_count_office_hours_and_close_a_bridge_day() {
    let (world, _clock) = friday_afternoon().await;
    let mut office_hours = Vec::new();
    for day in [
        pb::Weekday::Monday,
        pb::Weekday::Tuesday,
        pb::Weekday::Wednesday,
        pb::Weekday::Thursday,
        pb::Weekday::Friday,
    ] {
        office_hours.push(window(day, "08:30", "12:30"));
        office_hours.push(window(day, "13:30", "16:30"));
    }
    let calendar = pb::OrganisationCalendar {
        organisation_id: world.cpam.id.clone(),
        mode: pb::CountingMode::OfficeHours.into(),
        office_hours,
        closed_days: vec!["2026-01-12".to_owned()],
        worked_days: Vec::new(),
        time_zone: String::new(),
    };
    // Read first, so that the server holds the default calendar: the change
    // must replace what it holds.
    let default = fund_calendar(&world).await;
    assert!(default.office_hours.is_empty());
    let stored = world
        .admin
        .set_organisation_calendar(pb::SetOrganisationCalendarRequest {
            calendar: Some(calendar.clone()),
        })
        .await
        .unwrap()
        .calendar
        .unwrap();
    assert_eq!(stored.time_zone, "Europe/Paris");
    assert_eq!(stored.office_hours.len(), 10);
    // 14 office hours (two 7-hour days) for carte_vitale cases at this fund.
    set_policy(
        &world,
        policy(pb::Category::CarteVitale, &world.cpam.id, 14),
    )
    .await
    .unwrap();

    // Friday 16:00: half an hour on Friday, Monday closed, 7 h on Tuesday,
    // then Wednesday 08:30–12:30 and 13:30–16:00.
    let case = world.submitted_case().await;
    assert_eq!(instant(&first(&case).due_time), paris("2026-01-14T16:00"));
    let read = fund_calendar(&world).await;
    assert_eq!(read, stored);

    let mut bad = calendar;
    bad.office_hours = vec![
        window(pb::Weekday::Monday, "12:30", "08:30"),
        window(pb::Weekday::Unspecified, "8h", "16:30"),
    ];
    bad.closed_days = vec!["15/05/2026".to_owned()];
    let err = world
        .admin
        .set_organisation_calendar(pb::SetOrganisationCalendarRequest {
            calendar: Some(bad),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "calendar.closed_days[0]",
            "calendar.office_hours[1].weekday",
            "calendar.office_hours[1].start",
            "calendar.office_hours",
        ]
    );
}

/// The CPAM's calendar, as its agents read it.
async fn fund_calendar(world: &World) -> pb::OrganisationCalendar {
    world
        .agent
        .client
        .get_organisation_calendar(pb::GetOrganisationCalendarRequest {
            organisation_id: world.cpam.id.clone(),
        })
        .await
        .unwrap()
        .calendar
        .unwrap()
}

#[tokio::test]
async fn a_report_needs_a_period_in_order() {
    let (world, _clock) = friday_afternoon().await;
    let err = world
        .supervisor
        .client
        .get_report(pb::GetReportRequest {
            from_date: "2026-02-01".to_owned(),
            to_date: "2026-01-01".to_owned(),
            group_by: pb::ReportGrouping::Category.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["to_date"]);
    let err = world
        .supervisor
        .client
        .get_report(pb::GetReportRequest {
            from_date: "janvier".to_owned(),
            to_date: String::new(),
            group_by: pb::ReportGrouping::Category.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["from_date", "to_date"]);
    // An unknown grouping is refused before anything else is looked at.
    let err = world
        .supervisor
        .client
        .get_report(pb::GetReportRequest {
            from_date: "janvier".to_owned(),
            to_date: String::new(),
            group_by: 42,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["group_by"]);
}
