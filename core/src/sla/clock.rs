//! The clocks of one case: when each promise is due, whether it is at risk,
//! broken or kept, and what every change of the case does to them.
//!
//! A case runs two clocks: the first response (the first agent action the
//! partner sees) and the resolution (restarted when the case is reopened).
//! While the case waits on the partner, the running clocks pause; when it
//! stops waiting, every pending instant moves later by exactly the working
//! time spent waiting. Each threshold (at risk, due, each escalation level)
//! is raised once: the clocks remember which ones were.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{
    Calendar,
    policy::{ClockKind, Escalation, SlaPolicy, TargetKind, TargetPolicy, share},
};
use crate::{
    case::{EventKind, MessageKind, NewEvent, Status},
    org::named_enum,
};

named_enum!(
    /// Where a promise stands.
    SlaState {
        OnTrack => "on_track",
        AtRisk => "at_risk",
        Breached => "breached",
        Met => "met",
        Paused => "paused",
        Stopped => "stopped",
    }
);

/// What crossing a threshold means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    AtRisk,
    Breached,
    /// Escalation level 1, 2… in the policy's order.
    Escalated(u8),
}

/// One instant of a promise at which something is raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    pub level: Level,
    /// Share of the target, in percent.
    pub percent: u16,
    #[serde(with = "jiff::fmt::serde::timestamp::microsecond::required")]
    pub at: Timestamp,
    pub raised: bool,
}

/// A threshold raised on a case: what the sweeper records as an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raised {
    pub target: TargetKind,
    pub level: Level,
    pub at: Timestamp,
}

/// The calendars a case's clocks count with: the handling organisation's
/// working time, and round-the-clock time for urgent promises.
#[derive(Debug, Clone, Copy)]
pub struct Calendars<'a> {
    pub working: &'a Calendar,
    pub round_the_clock: &'a Calendar,
}

impl Calendars<'_> {
    pub fn of(&self, clock: ClockKind) -> &Calendar {
        match clock {
            ClockKind::WorkingTime => self.working,
            ClockKind::RoundTheClock => self.round_the_clock,
        }
    }
}

/// One promise of one case. Stored as JSON, with instants as microseconds
/// since the epoch to keep the document small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetClock {
    pub kind: TargetKind,
    /// 0 for the first resolution period, one more at each reopening.
    pub generation: u32,
    pub clock: ClockKind,
    pub target: SignedDuration,
    #[serde(with = "jiff::fmt::serde::timestamp::microsecond::required")]
    pub started_at: Timestamp,
    /// In order of their instants (the order of their percentages).
    pub thresholds: Vec<Threshold>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "jiff::fmt::serde::timestamp::microsecond::optional"
    )]
    pub paused_since: Option<Timestamp>,
    /// Counted time spent in pauses that ended.
    pub paused: SignedDuration,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "jiff::fmt::serde::timestamp::microsecond::optional"
    )]
    pub met_at: Option<Timestamp>,
    /// Counted time the promise took, pauses excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub took: Option<SignedDuration>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "jiff::fmt::serde::timestamp::microsecond::optional"
    )]
    pub stopped_at: Option<Timestamp>,
}

impl TargetClock {
    pub fn start(
        kind: TargetKind,
        generation: u32,
        policy: TargetPolicy,
        warning_percent: u16,
        escalations: &[Escalation],
        started_at: Timestamp,
        calendars: &Calendars<'_>,
    ) -> TargetClock {
        let calendar = calendars.of(policy.clock);
        let at = |percent| calendar.add(started_at, share(policy.target, percent), &[]);
        let mut thresholds = vec![
            Threshold {
                level: Level::AtRisk,
                percent: warning_percent,
                at: at(warning_percent),
                raised: false,
            },
            Threshold {
                level: Level::Breached,
                percent: 100,
                at: at(100),
                raised: false,
            },
        ];
        for (index, escalation) in escalations.iter().enumerate() {
            thresholds.push(Threshold {
                level: Level::Escalated(u8::try_from(index + 1).unwrap_or(u8::MAX)),
                percent: escalation.percent,
                at: at(escalation.percent),
                raised: false,
            });
        }
        // Stable: at equal percentages the breach comes before the escalation it triggers.
        thresholds.sort_by_key(|t| t.percent);
        TargetClock {
            kind,
            generation,
            clock: policy.clock,
            target: policy.target,
            started_at,
            thresholds,
            paused_since: None,
            paused: SignedDuration::ZERO,
            met_at: None,
            took: None,
            stopped_at: None,
        }
    }

    /// Neither met nor stopped.
    pub fn is_running(&self) -> bool {
        self.met_at.is_none() && self.stopped_at.is_none()
    }

    pub fn is_paused(&self) -> bool {
        self.is_running() && self.paused_since.is_some()
    }

    fn instant_of(&self, level: Level) -> Option<Timestamp> {
        self.thresholds
            .iter()
            .find(|t| t.level == level)
            .map(|t| t.at)
    }

    /// When the promise is due (moved by every pause so far).
    pub fn due_at(&self) -> Timestamp {
        self.instant_of(Level::Breached).unwrap_or(self.started_at)
    }

    /// When the promise becomes at risk.
    pub fn warn_at(&self) -> Timestamp {
        self.instant_of(Level::AtRisk).unwrap_or(self.started_at)
    }

    pub fn met_within_target(&self) -> Option<bool> {
        self.met_at.map(|met| met <= self.due_at())
    }

    pub fn state(&self, now: Timestamp) -> SlaState {
        if self.met_at.is_some() {
            SlaState::Met
        } else if self.stopped_at.is_some() {
            SlaState::Stopped
        } else if self.paused_since.is_some() {
            SlaState::Paused
        } else if now >= self.due_at() {
            SlaState::Breached
        } else if now >= self.warn_at() {
            SlaState::AtRisk
        } else {
            SlaState::OnTrack
        }
    }

    /// The highest escalation level raised (0: none).
    pub fn escalation_level(&self) -> u8 {
        self.thresholds
            .iter()
            .filter(|t| t.raised)
            .filter_map(|t| match t.level {
                Level::Escalated(level) => Some(level),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// The next instant something is to be raised; none while paused or once over.
    pub fn next_check(&self) -> Option<Timestamp> {
        if !self.is_running() || self.is_paused() {
            return None;
        }
        self.thresholds
            .iter()
            .filter(|t| !t.raised)
            .map(|t| t.at)
            .min()
    }

    /// Counted time used: until met or stopped, else until `now`; pauses excluded.
    pub fn elapsed(&self, now: Timestamp, calendars: &Calendars<'_>) -> SignedDuration {
        let calendar = calendars.of(self.clock);
        let end = self.met_at.or(self.stopped_at).unwrap_or(now);
        let open_pause = match self.paused_since {
            Some(since) => calendar.working_time(since, end, &[]),
            None => SignedDuration::ZERO,
        };
        (calendar.working_time(self.started_at, end, &[]) - self.paused - open_pause)
            .max(SignedDuration::ZERO)
    }

    /// Counted time left before the due instant, negative once overdue;
    /// frozen while paused; `None` once met or stopped.
    pub fn remaining(&self, now: Timestamp, calendars: &Calendars<'_>) -> Option<SignedDuration> {
        if !self.is_running() {
            return None;
        }
        let calendar = calendars.of(self.clock);
        let at = self.paused_since.unwrap_or(now);
        let due = self.due_at();
        Some(if at < due {
            calendar.working_time(at, due, &[])
        } else {
            -calendar.working_time(due, at, &[])
        })
    }

    fn pause(&mut self, at: Timestamp) {
        if self.is_running() && self.paused_since.is_none() {
            self.paused_since = Some(at);
        }
    }

    /// Ends a pause: every instant still ahead of the pause's start moves
    /// later by the working time the pause lasted.
    fn resume(&mut self, at: Timestamp, calendars: &Calendars<'_>) {
        let Some(since) = self.paused_since.take() else {
            return;
        };
        let calendar = calendars.of(self.clock);
        let shift = calendar.working_time(since, at, &[]);
        self.paused += shift;
        for threshold in &mut self.thresholds {
            if threshold.at > since {
                threshold.at = calendar.add(threshold.at, shift, &[]);
            }
        }
    }

    fn meet(&mut self, at: Timestamp, calendars: &Calendars<'_>) {
        if self.is_running() {
            self.resume(at, calendars);
            self.met_at = Some(at);
            self.took = Some(self.elapsed(at, calendars));
        }
    }

    fn stop(&mut self, at: Timestamp, calendars: &Calendars<'_>) {
        if self.is_running() {
            self.resume(at, calendars);
            self.stopped_at = Some(at);
        }
    }

    /// Marks as raised, and returns, every threshold passed at `now`; none
    /// while paused or once over.
    fn raise_due(&mut self, now: Timestamp) -> Vec<Raised> {
        if !self.is_running() || self.is_paused() {
            return Vec::new();
        }
        let kind = self.kind;
        self.thresholds
            .iter_mut()
            .filter(|t| !t.raised && t.at <= now)
            .map(|t| {
                t.raised = true;
                Raised {
                    target: kind,
                    level: t.level,
                    at: t.at,
                }
            })
            .collect()
    }
}

/// Everything about a case's promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSla {
    pub first_response: TargetClock,
    pub resolution: TargetClock,
    /// When the case was first taken in charge.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "jiff::fmt::serde::timestamp::microsecond::optional"
    )]
    pub taken_at: Option<Timestamp>,
    /// The working time that took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_took: Option<SignedDuration>,
}

impl CaseSla {
    /// The clocks of a case submitted at `at`.
    pub fn start(
        policy: &SlaPolicy,
        urgent: bool,
        at: Timestamp,
        calendars: &Calendars<'_>,
    ) -> CaseSla {
        CaseSla {
            first_response: TargetClock::start(
                TargetKind::FirstResponse,
                0,
                policy.first_response_for(urgent),
                policy.warning_percent,
                &policy.escalations,
                at,
                calendars,
            ),
            resolution: TargetClock::start(
                TargetKind::Resolution,
                0,
                policy.resolution,
                policy.warning_percent,
                &policy.escalations,
                at,
                calendars,
            ),
            taken_at: None,
            take_took: None,
        }
    }

    /// What a change of the case, recorded at `at`, does to its clocks.
    /// `policy` gives the new resolution promise when the case is reopened.
    pub fn record(
        &mut self,
        event: &NewEvent,
        at: Timestamp,
        policy: &SlaPolicy,
        calendars: &Calendars<'_>,
    ) {
        let waiting = |status: Option<Status>| status == Some(Status::WaitingOnPartner);
        let was_waiting = waiting(event.from_status);
        let now_waiting = waiting(Some(event.to_status));
        if was_waiting && !now_waiting {
            self.first_response.resume(at, calendars);
            self.resolution.resume(at, calendars);
        }
        let seen_by_partner = match event.kind {
            EventKind::InformationRequested | EventKind::Resolved => true,
            EventKind::MessagePosted => {
                matches!(event.message, Some((_, MessageKind::AgentReply)))
            }
            _ => false,
        };
        if seen_by_partner {
            self.first_response.meet(at, calendars);
        }
        match event.kind {
            EventKind::Taken if self.taken_at.is_none() => {
                self.taken_at = Some(at);
                self.take_took = Some(calendars.working.working_time(
                    self.first_response.started_at,
                    at,
                    &[],
                ));
            }
            EventKind::Resolved => self.resolution.meet(at, calendars),
            EventKind::Reopened => {
                self.resolution = TargetClock::start(
                    TargetKind::Resolution,
                    self.resolution.generation + 1,
                    policy.resolution,
                    policy.warning_percent,
                    &policy.escalations,
                    at,
                    calendars,
                );
            }
            EventKind::Withdrawn => {
                self.first_response.stop(at, calendars);
                self.resolution.stop(at, calendars);
            }
            _ => {}
        }
        if now_waiting && !was_waiting {
            self.first_response.pause(at);
            self.resolution.pause(at);
        }
    }

    /// Marks as raised, and returns in order, every threshold passed at `now`.
    pub fn raise_due(&mut self, now: Timestamp) -> Vec<Raised> {
        let mut raised = self.first_response.raise_due(now);
        raised.extend(self.resolution.raise_due(now));
        raised.sort_by_key(|r| r.at);
        raised
    }

    /// The promise the case waits for: the first response until it is met,
    /// then the resolution; none once both are over.
    pub fn pending(&self) -> Option<&TargetClock> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .find(|clock| clock.is_running())
    }

    /// The next instant the sweeper has something to raise.
    pub fn next_check(&self) -> Option<Timestamp> {
        [
            self.first_response.next_check(),
            self.resolution.next_check(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::{civil::DateTime, tz::TimeZone};

    use super::*;
    use crate::{
        case::{MessageId, NewEvent},
        ids::Departement,
        sla::{CalendarConfig, CountingMode},
    };

    fn paris() -> Calendar {
        Calendar::new(&CalendarConfig {
            departement: Departement::parse("75").unwrap(),
            mode: CountingMode::WholeDays,
            closed_days: BTreeSet::new(),
            worked_days: BTreeSet::new(),
        })
    }

    /// A local Paris wall-clock time as an instant.
    fn at(text: &str) -> Timestamp {
        let civil: DateTime = text.parse().unwrap();
        TimeZone::get("Europe/Paris")
            .unwrap()
            .to_timestamp(civil)
            .unwrap()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    fn event(kind: EventKind, from: Status, to: Status) -> NewEvent {
        NewEvent {
            kind,
            from_status: Some(from),
            to_status: to,
            reason: None,
            from_organisation: None,
            to_organisation: None,
            message: None,
        }
    }

    fn reply() -> NewEvent {
        NewEvent {
            message: Some((MessageId::generate(), MessageKind::AgentReply)),
            ..event(
                EventKind::MessagePosted,
                Status::InProgress,
                Status::InProgress,
            )
        }
    }

    struct Fixture {
        working: Calendar,
        round: Calendar,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                working: paris(),
                round: Calendar::round_the_clock(),
            }
        }

        fn calendars(&self) -> Calendars<'_> {
            Calendars {
                working: &self.working,
                round_the_clock: &self.round,
            }
        }
    }

    #[test]
    fn a_case_sent_friday_afternoon_has_its_thresholds_in_working_time() {
        let f = Fixture::new();
        // Friday 9 January 2026, 16:00 in Paris.
        let sla = CaseSla::start(
            &SlaPolicy::default(),
            false,
            at("2026-01-09T16:00"),
            &f.calendars(),
        );
        let first = &sla.first_response;
        assert_eq!(first.due_at(), at("2026-01-13T16:00"), "due Tuesday 16:00");
        // 75 % of 48 h = 36 h: Friday 8 h, Monday 24 h, Tuesday 4 h.
        assert_eq!(first.warn_at(), at("2026-01-13T04:00"));
        // 200 % = 96 h: Friday 8 h + Monday to Wednesday 72 h + Thursday 16 h.
        let levels: Vec<(Level, Timestamp)> =
            first.thresholds.iter().map(|t| (t.level, t.at)).collect();
        assert_eq!(
            levels,
            [
                (Level::AtRisk, at("2026-01-13T04:00")),
                (Level::Breached, at("2026-01-13T16:00")),
                (Level::Escalated(1), at("2026-01-13T16:00")),
                (Level::Escalated(2), at("2026-01-15T16:00")),
            ]
        );
        assert_eq!(
            sla.resolution.due_at(),
            at("2026-01-30T16:00"),
            "15 working days"
        );
        assert_eq!(first.state(at("2026-01-12T10:00")), SlaState::OnTrack);
        assert_eq!(first.state(at("2026-01-13T05:00")), SlaState::AtRisk);
        assert_eq!(first.state(at("2026-01-13T16:00")), SlaState::Breached);
    }

    #[test]
    fn an_urgent_case_is_answered_within_24_hours_round_the_clock() {
        let f = Fixture::new();
        let sla = CaseSla::start(
            &SlaPolicy::default(),
            true,
            at("2026-01-09T16:00"),
            &f.calendars(),
        );
        assert_eq!(
            sla.first_response.due_at(),
            at("2026-01-10T16:00"),
            "Saturday counts"
        );
        assert_eq!(sla.first_response.clock, ClockKind::RoundTheClock);
        assert_eq!(sla.resolution.clock, ClockKind::WorkingTime);
    }

    #[test]
    fn taking_is_recorded_apart_and_the_first_reply_meets_the_first_response() {
        let f = Fixture::new();
        let policy = SlaPolicy::default();
        let mut sla = CaseSla::start(&policy, false, at("2026-01-09T16:00"), &f.calendars());
        sla.record(
            &event(EventKind::Taken, Status::Submitted, Status::InProgress),
            at("2026-01-12T09:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla.taken_at, Some(at("2026-01-12T09:00")));
        assert_eq!(sla.take_took, Some(hours(17)), "Friday 8 h and Monday 9 h");
        assert!(
            sla.first_response.is_running(),
            "taking in charge is not an answer"
        );
        let note = NewEvent {
            message: Some((MessageId::generate(), MessageKind::InternalNote)),
            ..reply()
        };
        sla.record(&note, at("2026-01-12T10:00"), &policy, &f.calendars());
        assert!(sla.first_response.is_running(), "partners do not see notes");
        sla.record(&reply(), at("2026-01-12T11:00"), &policy, &f.calendars());
        assert_eq!(sla.first_response.met_at, Some(at("2026-01-12T11:00")));
        assert_eq!(sla.first_response.took, Some(hours(19)));
        assert_eq!(sla.first_response.met_within_target(), Some(true));
        assert_eq!(sla.pending().map(|c| c.kind), Some(TargetKind::Resolution));
    }

    #[test]
    fn waiting_on_the_partner_moves_the_resolution_by_the_paused_working_time() {
        let f = Fixture::new();
        let policy = SlaPolicy::default();
        let mut sla = CaseSla::start(&policy, false, at("2026-01-09T16:00"), &f.calendars());
        let due_before = sla.resolution.due_at();
        let escalation_before = sla.resolution.thresholds.last().unwrap().at;
        // Asked on Monday 10:00, answered on Tuesday 10:00: one working day.
        sla.record(
            &event(
                EventKind::InformationRequested,
                Status::InProgress,
                Status::WaitingOnPartner,
            ),
            at("2026-01-12T10:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(
            sla.first_response.met_at,
            Some(at("2026-01-12T10:00")),
            "a request is an answer"
        );
        assert_eq!(
            sla.resolution.state(at("2026-01-12T12:00")),
            SlaState::Paused
        );
        assert_eq!(sla.next_check(), None, "nothing is raised while paused");
        sla.record(
            &event(
                EventKind::PartnerReplied,
                Status::WaitingOnPartner,
                Status::InProgress,
            ),
            at("2026-01-13T10:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla.resolution.paused, hours(24));
        assert_eq!(
            sla.resolution.due_at(),
            f.working.add(due_before, hours(24), &[])
        );
        assert_eq!(
            sla.resolution.due_at(),
            at("2026-02-02T16:00"),
            "Friday 30 January + 1 working day"
        );
        assert_eq!(
            sla.resolution.thresholds.last().unwrap().at,
            f.working.add(escalation_before, hours(24), &[])
        );
        // A pause over a weekend costs nothing.
        sla.record(
            &event(
                EventKind::InformationRequested,
                Status::InProgress,
                Status::WaitingOnPartner,
            ),
            at("2026-01-17T10:00"),
            &policy,
            &f.calendars(),
        );
        sla.record(
            &event(
                EventKind::PartnerReplied,
                Status::WaitingOnPartner,
                Status::InProgress,
            ),
            at("2026-01-18T10:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla.resolution.due_at(), at("2026-02-02T16:00"));
        // Resolved on Tuesday 3 February: two hours late, elapsed excludes the pause.
        sla.record(
            &event(EventKind::Resolved, Status::InProgress, Status::Resolved),
            at("2026-02-02T18:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla.resolution.met_within_target(), Some(false));
        assert_eq!(sla.resolution.took, Some(hours(362)));
    }

    #[test]
    fn each_threshold_is_raised_once_and_late_ones_all_at_once() {
        let f = Fixture::new();
        let mut sla = CaseSla::start(
            &SlaPolicy::default(),
            false,
            at("2026-01-09T16:00"),
            &f.calendars(),
        );
        assert_eq!(sla.next_check(), Some(at("2026-01-13T04:00")));
        assert!(sla.raise_due(at("2026-01-13T03:59")).is_empty());
        let raised = sla.raise_due(at("2026-01-13T04:00"));
        assert_eq!(
            raised.iter().map(|r| r.level).collect::<Vec<_>>(),
            [Level::AtRisk]
        );
        assert!(
            sla.raise_due(at("2026-01-13T05:00")).is_empty(),
            "never twice"
        );
        // The server was down from Tuesday morning to Friday: everything due is raised, in order.
        let raised = sla.raise_due(at("2026-01-16T09:00"));
        let levels: Vec<(TargetKind, Level)> = raised.iter().map(|r| (r.target, r.level)).collect();
        assert_eq!(
            levels,
            [
                (TargetKind::FirstResponse, Level::Breached),
                (TargetKind::FirstResponse, Level::Escalated(1)),
                (TargetKind::FirstResponse, Level::Escalated(2)),
            ]
        );
        assert_eq!(sla.first_response.escalation_level(), 2);
        assert!(
            sla.raise_due(at("2026-03-01T09:00"))
                .iter()
                .all(|r| r.target == TargetKind::Resolution)
        );
    }

    #[test]
    fn a_reopened_case_gets_a_new_resolution_promise_from_the_reopening() {
        let f = Fixture::new();
        let policy = SlaPolicy::default();
        let mut sla = CaseSla::start(&policy, false, at("2026-01-09T16:00"), &f.calendars());
        sla.record(
            &event(EventKind::Resolved, Status::InProgress, Status::Resolved),
            at("2026-01-12T16:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla.pending(), None);
        sla.record(
            &event(EventKind::Reopened, Status::Closed, Status::InProgress),
            at("2026-01-20T09:00"),
            &policy,
            &f.calendars(),
        );
        let resolution = &sla.resolution;
        assert_eq!(resolution.generation, 1);
        assert_eq!(resolution.started_at, at("2026-01-20T09:00"));
        assert_eq!(
            resolution.due_at(),
            f.working.add(at("2026-01-20T09:00"), hours(360), &[])
        );
        assert_eq!(
            sla.first_response.met_at,
            Some(at("2026-01-12T16:00")),
            "the first answer stays given"
        );
    }

    #[test]
    fn a_transfer_keeps_the_due_instants_and_a_withdrawal_stops_the_clocks() {
        let f = Fixture::new();
        let policy = SlaPolicy::default();
        let mut sla = CaseSla::start(&policy, false, at("2026-01-09T16:00"), &f.calendars());
        let before = sla.clone();
        sla.record(
            &event(
                EventKind::Transferred,
                Status::InProgress,
                Status::Submitted,
            ),
            at("2026-01-12T10:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(sla, before);
        sla.record(
            &event(EventKind::Withdrawn, Status::Submitted, Status::Withdrawn),
            at("2026-01-12T11:00"),
            &policy,
            &f.calendars(),
        );
        assert_eq!(
            sla.first_response.state(at("2026-02-01T00:00")),
            SlaState::Stopped
        );
        assert_eq!(sla.next_check(), None);
        assert!(sla.raise_due(at("2026-03-01T00:00")).is_empty());
    }

    #[test]
    fn remaining_time_counts_working_time_and_goes_negative_when_overdue() {
        let f = Fixture::new();
        let sla = CaseSla::start(
            &SlaPolicy::default(),
            false,
            at("2026-01-09T16:00"),
            &f.calendars(),
        );
        let first = &sla.first_response;
        assert_eq!(
            first.remaining(at("2026-01-10T12:00"), &f.calendars()),
            Some(hours(40)),
            "the weekend does not count"
        );
        assert_eq!(
            first.remaining(at("2026-01-14T10:00"), &f.calendars()),
            Some(-hours(18))
        );
        assert_eq!(
            first.elapsed(at("2026-01-12T12:00"), &f.calendars()),
            hours(20)
        );
    }

    #[test]
    fn the_clocks_survive_storage_as_json() {
        let f = Fixture::new();
        let sla = CaseSla::start(
            &SlaPolicy::default(),
            false,
            at("2026-01-09T16:00"),
            &f.calendars(),
        );
        let text = serde_json::to_string(&sla).unwrap();
        assert_eq!(serde_json::from_str::<CaseSla>(&text).unwrap(), sla);
    }
}
