//! The SLA report against a direct count: a few weeks of cases with every
//! kind of outcome, then each figure of the report recounted from the cases
//! themselves, as the API shows them.

use std::{collections::BTreeMap, sync::Arc};

use jiff::{SignedDuration, Timestamp, civil::DateTime, tz::TimeZone};
use relais_client::pb;
use relais_core::clock::ManualClock;
use relais_tests::{World, sample_case};

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

fn seconds(d: &Option<pbjson_types::Duration>) -> Option<i64> {
    d.as_ref().map(|d| d.seconds)
}

/// What happens to a generated case: each step at most so many hours after
/// the previous one (drawn at random).
#[derive(Debug, Clone, Copy)]
enum Plan {
    Nothing,
    Reply {
        take: u64,
        reply: u64,
    },
    AskAndResolve {
        take: u64,
        ask: u64,
        answer: u64,
        resolve: u64,
    },
    Resolve {
        take: u64,
        resolve: u64,
    },
    Withdraw {
        at: u64,
    },
    CloseAndReopen {
        take: u64,
        resolve: u64,
        close: u64,
        reopen: u64,
    },
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Take,
    Reply,
    Ask,
    Answer,
    Resolve,
    Withdraw,
    Close,
    Reopen,
}

/// A small deterministic generator, so that a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn the_report_equals_a_direct_count_over_the_cases() {
    let start = paris("2026-01-05T08:00");
    let clock = Arc::new(ManualClock::new(start));
    let world = World::with_clock(clock.clone()).await;
    let mut random = Lcg(20_260_105);

    // 48 cases over three weeks, from two counters, in three categories, each
    // with a plan; submissions and actions are then played in time order.
    let categories = [
        pb::Category::CarteVitale,
        pb::Category::Ame,
        pb::Category::PumaAffiliation,
    ];
    let mut timeline: Vec<(Timestamp, usize, Option<Step>)> = Vec::new();
    let mut at = start;
    let hours = |random: &mut Lcg, most: u64| {
        SignedDuration::from_hours(i64::try_from(random.below(most) + 1).unwrap())
    };
    for i in 0..48usize {
        at += hours(&mut random, 11);
        timeline.push((at, i, None));
        let plan = match i % 6 {
            0 => Plan::Nothing,
            1 => Plan::Reply { take: 2, reply: 40 },
            2 => Plan::AskAndResolve {
                take: 1,
                ask: 5,
                answer: 30,
                resolve: 60,
            },
            3 => Plan::Resolve {
                take: 3,
                resolve: 100,
            },
            4 => Plan::Withdraw { at: 20 },
            _ => Plan::CloseAndReopen {
                take: 1,
                resolve: 10,
                close: 20,
                reopen: 30,
            },
        };
        let mut then = |after: Timestamp, most: u64, step: Step, random: &mut Lcg| {
            let when = after + hours(random, most);
            timeline.push((when, i, Some(step)));
            when
        };
        match plan {
            Plan::Nothing => {}
            Plan::Reply { take, reply } => {
                let t = then(at, take, Step::Take, &mut random);
                then(t, reply, Step::Reply, &mut random);
            }
            Plan::AskAndResolve {
                take,
                ask,
                answer,
                resolve,
            } => {
                let t = then(at, take, Step::Take, &mut random);
                let a = then(t, ask, Step::Ask, &mut random);
                let b = then(a, answer, Step::Answer, &mut random);
                then(b, resolve, Step::Resolve, &mut random);
            }
            Plan::Resolve { take, resolve } => {
                let t = then(at, take, Step::Take, &mut random);
                then(t, resolve, Step::Resolve, &mut random);
            }
            Plan::Withdraw { at: most } => {
                then(at, most, Step::Withdraw, &mut random);
            }
            Plan::CloseAndReopen {
                take,
                resolve,
                close,
                reopen,
            } => {
                let t = then(at, take, Step::Take, &mut random);
                let r = then(t, resolve, Step::Resolve, &mut random);
                let c = then(r, close, Step::Close, &mut random);
                then(c, reopen, Step::Reopen, &mut random);
            }
        }
    }
    // Stable: a case's steps keep their order when two fall on the same hour.
    timeline.sort_by_key(|(when, _, _)| *when);
    let mut references: Vec<String> = vec![String::new(); 48];
    for (when, i, step) in timeline {
        clock.set(when);
        // One counter in four: Montreuil, whose beneficiaries live in the 93.
        let in_93 = i % 4 == 3;
        let agent = if in_93 {
            &world.agent_93.client
        } else {
            &world.agent.client
        };
        let partner = if in_93 {
            &world.other_partner.client
        } else {
            &world.partner.client
        };
        let Some(step) = step else {
            let mut request = sample_case();
            request.category = categories[i % 3].into();
            if in_93 {
                request.beneficiary.as_mut().unwrap().departement = "93".to_owned();
            }
            if i % 7 == 0 {
                request.urgency = pb::Urgency::Urgent.into();
                request.urgency_reason = "Urgence".to_owned();
            }
            references[i] = partner
                .submit_case(request)
                .await
                .unwrap()
                .case
                .unwrap()
                .reference;
            continue;
        };
        let reference = &references[i];
        let result = match step {
            Step::Take => agent.take_case(reference).await.map(drop),
            Step::Reply => agent
                .post_message(reference, "Réponse", pb::MessageVisibility::Partner)
                .await
                .map(drop),
            Step::Ask => agent
                .request_information(reference, "Pièce ?")
                .await
                .map(drop),
            Step::Answer => partner
                .post_message(reference, "Voici", pb::MessageVisibility::Partner)
                .await
                .map(drop),
            Step::Resolve => agent
                .resolve_case(reference, pb::ResolutionOutcome::Answered, "Fait")
                .await
                .map(drop),
            Step::Withdraw => partner.withdraw_case(reference, "Doublon").await.map(drop),
            Step::Close => partner
                .close_case(reference, pb::Usefulness::Yes)
                .await
                .map(drop),
            Step::Reopen => partner.reopen_case(reference, "Pas reçu").await.map(drop),
        };
        result.unwrap_or_else(|e| panic!("{step:?} on case {i}: {e:?}"));
    }
    let now = paris("2026-02-06T12:00");
    clock.set(now);

    // Every case, as an administrator sees them (no beneficiary data, every promise).
    let mut cases = Vec::new();
    let mut token = String::new();
    loop {
        let page = world
            .admin
            .list_cases(pb::ListCasesRequest {
                page_size: 500,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap();
        cases.extend(page.cases);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(cases.len(), 48);
    let mut withdrawn_at = BTreeMap::new();
    for case in &cases {
        if case.status() == pb::CaseStatus::Withdrawn {
            let history = world.admin.get_case(&case.reference).await.unwrap().history;
            let withdrawal = history
                .iter()
                .find(|e| e.kind() == pb::CaseEventKind::Withdrawn)
                .unwrap();
            withdrawn_at.insert(case.id.clone(), instant(&withdrawal.time));
        }
    }

    let groupings = [
        (pb::ReportGrouping::HandlerOrganisation, "organisation"),
        (pb::ReportGrouping::PartnerOrganisation, "partner"),
        (pb::ReportGrouping::Category, "category"),
        (pb::ReportGrouping::Departement, "departement"),
    ];
    for (from, to) in [("2026-01-01", "2026-02-28"), ("2026-01-12", "2026-01-18")] {
        let period_start = paris(&format!("{from}T00:00"));
        let period_end = paris(&format!("{to}T00:00")) + SignedDuration::from_hours(24);
        for (grouping, name) in groupings {
            let report = world
                .supervisor
                .client
                .get_report(pb::GetReportRequest {
                    from_date: from.to_owned(),
                    to_date: to.to_owned(),
                    group_by: grouping.into(),
                })
                .await
                .unwrap();
            // The supervisor of the CPAM de Paris counts the cases it handles.
            let visible = cases.iter().filter(|c| {
                let created = instant(&c.create_time);
                c.handler_organisation.as_ref().unwrap().id == world.cpam.id
                    && created >= period_start
                    && created < period_end
            });
            let mut expected: BTreeMap<String, Count> = BTreeMap::new();
            let mut total = Count::default();
            for case in visible {
                let key = match grouping {
                    pb::ReportGrouping::HandlerOrganisation => {
                        case.handler_organisation.as_ref().unwrap().id.clone()
                    }
                    pb::ReportGrouping::PartnerOrganisation => {
                        case.submitter_organisation.as_ref().unwrap().id.clone()
                    }
                    pb::ReportGrouping::Category => category_name(case.category()),
                    _ => case.departement.clone(),
                };
                let stopped = withdrawn_at.get(&case.id).copied();
                expected.entry(key).or_default().add(case, now, stopped);
                total.add(case, now, stopped);
            }
            let got: BTreeMap<String, &pb::ReportRow> =
                report.rows.iter().map(|r| (r.key.clone(), r)).collect();
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "{from}..{to} by {name}: the groups"
            );
            for (key, count) in &expected {
                count.check(got[key], &format!("{from}..{to} by {name}, group {key}"));
            }
            total.check(
                report.total.as_ref().unwrap(),
                &format!("{from}..{to} by {name}, total"),
            );
        }
    }
}

fn category_name(category: pb::Category) -> String {
    category
        .as_str_name()
        .trim_start_matches("CATEGORY_")
        .to_lowercase()
}

/// The figures of one group, counted case by case from the API's view.
#[derive(Debug, Default)]
struct Count {
    received: i64,
    first_decided: i64,
    first_within: i64,
    first_times: Vec<i64>,
    take_times: Vec<i64>,
    resolution_decided: i64,
    resolution_within: i64,
    on_track: i64,
    at_risk: i64,
    breached: i64,
    paused: i64,
}

impl Count {
    fn add(&mut self, case: &pb::Case, now: Timestamp, stopped: Option<Timestamp>) {
        let sla = case.sla.as_ref().unwrap();
        let first = sla.first_response.as_ref().unwrap();
        let resolution = sla.resolution.as_ref().unwrap();
        self.received += 1;
        let horizon = stopped.map_or(now, |s| s.min(now));
        let decided = |p: &pb::TargetStatus| {
            p.state() == pb::SlaState::Met || instant(&p.due_time) <= horizon
        };
        if decided(first) {
            self.first_decided += 1;
            self.first_within +=
                i64::from(first.state() == pb::SlaState::Met && first.met_within_target);
        }
        if decided(resolution) {
            self.resolution_decided += 1;
            self.resolution_within +=
                i64::from(resolution.state() == pb::SlaState::Met && resolution.met_within_target);
        }
        if first.state() == pb::SlaState::Met {
            self.first_times.push(seconds(&first.elapsed).unwrap());
        }
        self.take_times.extend(seconds(&sla.take_elapsed));
        let open = matches!(
            case.status(),
            pb::CaseStatus::Submitted
                | pb::CaseStatus::InProgress
                | pb::CaseStatus::WaitingOnPartner
        );
        if open {
            let pending = if matches!(first.state(), pb::SlaState::Met | pb::SlaState::Stopped) {
                resolution
            } else {
                first
            };
            match pending.state() {
                pb::SlaState::Paused => self.paused += 1,
                pb::SlaState::Breached => self.breached += 1,
                pb::SlaState::AtRisk => self.at_risk += 1,
                pb::SlaState::OnTrack => self.on_track += 1,
                other => panic!("an open case waits on a {other:?} promise"),
            }
        }
    }

    fn check(&self, row: &pb::ReportRow, what: &str) {
        assert_eq!(row.received, self.received, "{what}: received");
        assert_eq!(
            row.first_responses_decided, self.first_decided,
            "{what}: first responses decided"
        );
        assert_eq!(
            row.first_responses_within_target, self.first_within,
            "{what}: first responses within target"
        );
        let percent = if self.first_decided == 0 {
            0.0
        } else {
            100.0 * self.first_within as f64 / self.first_decided as f64
        };
        assert!(
            (row.first_responses_within_target_percent - percent).abs() < 1e-9,
            "{what}: percent"
        );
        assert_eq!(
            seconds(&row.first_response_median),
            rank(&self.first_times, 50),
            "{what}: median"
        );
        assert_eq!(
            seconds(&row.first_response_p90),
            rank(&self.first_times, 90),
            "{what}: p90"
        );
        assert_eq!(
            seconds(&row.take_median),
            rank(&self.take_times, 50),
            "{what}: take median"
        );
        assert_eq!(
            seconds(&row.take_p90),
            rank(&self.take_times, 90),
            "{what}: take p90"
        );
        assert_eq!(
            row.resolutions_decided, self.resolution_decided,
            "{what}: resolutions decided"
        );
        assert_eq!(
            row.resolutions_within_target, self.resolution_within,
            "{what}: resolutions within target"
        );
        assert_eq!(
            (
                row.open_on_track,
                row.open_at_risk,
                row.open_breached,
                row.open_paused
            ),
            (self.on_track, self.at_risk, self.breached, self.paused),
            "{what}: open cases"
        );
    }
}

/// Nearest-rank percentile, counted the plain way.
fn rank(values: &[i64], percentile: usize) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return None;
    }
    let mut index = 0;
    while (index + 1) * 100 < percentile * sorted.len() {
        index += 1;
    }
    Some(sorted[index])
}
