//! Working time in a département's calendar.
//!
//! A+ counts "48 hours" as two working days of 24 hours each, in the local
//! time of the fund that handles the case. So counting happens on the local
//! wall clock, not in elapsed time: a working day counts 24 hours even when the
//! clocks change that weekend, and a due instant keeps the local wall-clock
//! time of the start (in whole days).
//!
//! The wall clock is not a straight line, though: when the clocks go forward an
//! hour of wall-clock times never happens, and when they go back an hour is
//! shown twice. Each wall-clock time counts once, when it is first shown: the
//! skipped hour counts nothing (nobody could work in it) and the repeated hour
//! counts the first time only. This keeps counting additive and monotonic, and
//! makes [`Calendar::add`] the exact inverse of [`Calendar::working_time`]. It
//! only matters for organisations open in the night from Saturday to Sunday:
//! since 1996 the clocks of France change on Sundays at 01:00 UTC, and none of
//! the overseas départements changes them at all.

use std::collections::BTreeSet;
use std::iter::Peekable;
use std::ops::ControlFlow;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{Offset, TimeZone, TimeZoneFollowingTransitions};
use jiff::{SignedDuration, Timestamp};

use super::holidays::is_public_holiday;
use crate::ids::Departement;

/// An interval [from, to) during which the clock does not run (the case waits
/// on the partner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// How a calendar counts the time of its working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountingMode {
    /// Every working day counts the 24 hours of its local wall-clock day;
    /// closed days count nothing (Administration+'s rule: "48 hours" = two
    /// working days, due at the same local wall-clock time). Saturdays and
    /// Sundays are closed.
    WholeDays,
    /// Only the opening hours of working days count (e.g. Mon–Fri 08:30–12:30
    /// and 13:30–16:30). The weekly windows decide which weekdays open.
    OfficeHours(OfficeHours),
}

/// Weekly opening hours, in local wall-clock time.
///
/// A window ending at 00:00 runs until midnight at the end of its day, so that
/// `(00:00, 00:00)` is a whole day and an organisation open late can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    windows: [Vec<(Time, Time)>; 7],
}

/// How far back a change of the clocks can still matter: an offset moves by
/// less than 26 hours, so the wall clock catches up with a time already shown
/// within 52 hours.
const LOOKBACK: SignedDuration = SignedDuration::from_hours(72);

/// A whole day, in the window notation (ending at midnight).
const WHOLE_DAY: &[(Time, Time)] = &[(Time::MIN, Time::MIN)];

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// Where a window ends, from the start of its day.
fn end_of(end: Time) -> SignedDuration {
    if end == Time::MIN {
        SignedDuration::from_hours(24)
    } else {
        end.duration_since(Time::MIN)
    }
}

fn hhmm(time: Time) -> String {
    time.strftime("%H:%M").to_string()
}

impl OfficeHours {
    /// Windows per weekday, Monday first; each (start, end) with start < end
    /// (or an end of 00:00, meaning midnight), sorted and not overlapping
    /// within a day; at least one window in the week. The error is a
    /// user-facing reason.
    pub fn new(windows: [Vec<(Time, Time)>; 7]) -> Result<OfficeHours, String> {
        for (weekday, day) in WEEK.iter().zip(&windows) {
            let mut previous_end = SignedDuration::ZERO;
            for &(start, end) in day {
                let from = start.duration_since(Time::MIN);
                let to = end_of(end);
                if from >= to {
                    return Err(format!(
                        "{weekday:?}: the window {}–{} must end after it starts",
                        hhmm(start),
                        hhmm(end)
                    ));
                }
                if from < previous_end {
                    return Err(format!(
                        "{weekday:?}: the window {}–{} overlaps the previous one or comes \
                         before it; list each day's windows in order",
                        hhmm(start),
                        hhmm(end)
                    ));
                }
                previous_end = to;
            }
        }
        if windows.iter().all(Vec::is_empty) {
            return Err("the opening hours must open at least one day of the week".to_owned());
        }
        Ok(OfficeHours { windows })
    }

    /// The same windows Monday to Friday, closed at weekends.
    pub fn weekdays(windows: &[(Time, Time)]) -> Result<OfficeHours, String> {
        let day = windows.to_vec();
        OfficeHours::new([
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ])
    }

    /// A weekday's windows, in order; none when it is closed. An end of 00:00
    /// is midnight at the end of the day.
    pub fn windows(&self, weekday: Weekday) -> &[(Time, Time)] {
        &self.windows[usize::from(weekday.to_monday_zero_offset().unsigned_abs())]
    }
}

/// The working-time rules of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarConfig {
    pub departement: Departement,
    pub mode: CountingMode,
    /// Days the organisation closes on top of weekends and public holidays (a
    /// bridge day).
    pub closed_days: BTreeSet<Date>,
    /// Public holidays the organisation works (e.g. Whit Monday as "journée de
    /// solidarité"). Listing a date that is not a public holiday changes
    /// nothing: it does not open a weekend. A date also in `closed_days` stays
    /// closed.
    pub worked_days: BTreeSet<Date>,
}

/// Counts working time and computes due instants.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// `None` counts round the clock.
    config: Option<CalendarConfig>,
}

/// The time zone of a département's funds: Europe/Paris; America/Guadeloupe
/// (971), America/Martinique (972), America/Cayenne (973), Indian/Reunion
/// (974), Indian/Mayotte (976).
pub fn time_zone(departement: Departement) -> TimeZone {
    let name = match departement.code() {
        "971" => "America/Guadeloupe",
        "972" => "America/Martinique",
        "973" => "America/Cayenne",
        "974" => "Indian/Reunion",
        "976" => "Indian/Mayotte",
        _ => "Europe/Paris",
    };
    TimeZone::get(name).expect("jiff bundles the tz database, which has every département's zone")
}

impl Calendar {
    pub fn new(config: &CalendarConfig) -> Calendar {
        Calendar {
            zone: time_zone(config.departement),
            config: Some(config.clone()),
        }
    }

    /// Every instant counts, in real elapsed time, every day: the clock of
    /// urgent cases (24 hours round the clock).
    pub fn round_the_clock() -> Calendar {
        // UTC's wall clock never skips nor repeats, so counting it is counting
        // elapsed time.
        Calendar {
            zone: TimeZone::UTC,
            config: None,
        }
    }

    /// The zone whose wall clock the calendar counts (UTC round the clock).
    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Open for counting on that local date: not a weekend (WholeDays) / has
    /// office windows (OfficeHours), not a public holiday of the département
    /// unless listed in worked_days, not in closed_days. Round the clock:
    /// always.
    pub fn is_working_day(&self, date: Date) -> bool {
        !self.windows_on(date).is_empty()
    }

    /// The local windows that count on a date: none on a closed day.
    fn windows_on(&self, date: Date) -> &[(Time, Time)] {
        let Some(config) = &self.config else {
            return WHOLE_DAY;
        };
        let windows = match &config.mode {
            CountingMode::WholeDays => match date.weekday() {
                Weekday::Saturday | Weekday::Sunday => &[],
                _ => WHOLE_DAY,
            },
            CountingMode::OfficeHours(hours) => hours.windows(date.weekday()),
        };
        let closed = windows.is_empty()
            || config.closed_days.contains(&date)
            || (is_public_holiday(config.departement, date) && !config.worked_days.contains(&date));
        if closed { &[] } else { windows }
    }

    /// Counted time in [from, to) outside the pauses; zero when to <= from.
    /// Pauses may overlap each other or lie outside [from, to).
    pub fn working_time(&self, from: Timestamp, to: Timestamp, pauses: &[Pause]) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        let start = self.position(from);
        let end = self.position(to);
        if end <= start {
            return SignedDuration::ZERO;
        }
        let mut exclusions = self.exclusions(from, pauses);
        let mut total = SignedDuration::ZERO;
        self.walk(
            start,
            Some(end),
            &mut exclusions,
            |counted_from, counted_to| {
                if counted_from >= end {
                    return ControlFlow::Break(());
                }
                total += counted_to.min(end).duration_since(counted_from);
                ControlFlow::Continue(())
            },
        );
        total
    }

    /// The due instant: the earliest t >= start with working_time(start, t,
    /// pauses) == amount. amount <= 0 gives start. (Reaching the amount
    /// exactly at the end of a working day gives the next midnight local: e.g.
    /// reached at the end of Tuesday = Wednesday 00:00.)
    ///
    /// The due keeps the local wall-clock time it is reached at, with one
    /// exception forced by "earliest": an amount running out exactly at the
    /// end of a repeated hour is reached when the clocks go back, since the
    /// repeated hour counts nothing.
    pub fn add(&self, start: Timestamp, amount: SignedDuration, pauses: &[Pause]) -> Timestamp {
        if !amount.is_positive() {
            return start;
        }
        let mut exclusions = self.exclusions(start, pauses);
        let mut remaining = amount;
        let mut due = None;
        self.walk(
            self.position(start),
            None,
            &mut exclusions,
            |counted_from, counted_to| {
                let length = counted_to.duration_since(counted_from);
                if length < remaining {
                    remaining -= length;
                    return ControlFlow::Continue(());
                }
                due = Some(counted_from.checked_add(remaining).unwrap_or(counted_to));
                ControlFlow::Break(())
            },
        );
        // Without a due, the amount outlasts the calendar's last date.
        due.map_or(Timestamp::MAX, |position| self.instant(position))
    }

    /// t itself if the clock runs at t, else the next instant it starts
    /// running (ignoring pauses).
    pub fn next_opening(&self, t: Timestamp) -> Timestamp {
        let position = self.position(t);
        let mut opening = None;
        self.walk(position, None, &mut self.exclusions(t, &[]), |from, _| {
            opening = Some(from);
            ControlFlow::Break(())
        });
        let Some(opening) = opening else {
            return Timestamp::MAX;
        };
        if opening > position {
            return self.instant(opening);
        }
        if self.zone.to_datetime(t) == position {
            return t;
        }
        // t lies in a repeated hour, which counts nothing: the clock runs
        // again once the wall clock shows the latest time already counted.
        self.zone
            .to_ambiguous_timestamp(position)
            .compatible()
            .map_or(Timestamp::MAX, |resumes| resumes.max(t))
    }

    /// The latest local wall-clock time shown up to `t`: the wall-clock time
    /// of `t`, except in a repeated hour, where it stays at the time the
    /// clocks went back from.
    fn position(&self, t: Timestamp) -> DateTime {
        let mut position = self.zone.to_datetime(t);
        let horizon = t.checked_sub(LOOKBACK).unwrap_or(Timestamp::MIN);
        // preceding() yields transitions strictly before its argument, and a
        // transition at t itself counts.
        let just_after = t.checked_add(SignedDuration::from_nanos(1)).unwrap_or(t);
        for transition in self.zone.preceding(just_after) {
            let at = transition.timestamp();
            if at < horizon {
                break;
            }
            let before = self.offset_before(at);
            position = position.max(before.to_datetime(at));
        }
        position
    }

    /// The earliest instant whose position is at least `position`.
    fn instant(&self, position: DateTime) -> Timestamp {
        // Compatible disambiguation gives the first instant showing that
        // wall-clock time, or just after the gap for a skipped one.
        let Ok(shown) = self.zone.to_ambiguous_timestamp(position).compatible() else {
            return Timestamp::MAX;
        };
        // The position may have been reached earlier, at a change of the
        // clocks: when they went back from it, or forward across it.
        let horizon = shown.checked_sub(LOOKBACK).unwrap_or(Timestamp::MIN);
        let mut earliest = shown;
        for transition in self.zone.preceding(shown) {
            let at = transition.timestamp();
            if at < horizon || self.position(at) < position {
                break;
            }
            earliest = at;
        }
        earliest
    }

    fn offset_before(&self, transition: Timestamp) -> Offset {
        let just_before = transition
            .checked_sub(SignedDuration::from_nanos(1))
            .unwrap_or(transition);
        self.zone.to_offset(just_before)
    }

    /// What does not count from `start` on: the pauses, and the wall-clock
    /// times the clocks skip.
    fn exclusions(&self, start: Timestamp, pauses: &[Pause]) -> Exclusions<'_> {
        let mut paused: Vec<(DateTime, DateTime)> = pauses
            .iter()
            .map(|pause| (self.position(pause.from), self.position(pause.to)))
            .filter(|(from, to)| from < to)
            .collect();
        paused.sort_unstable();
        let mut merged: Vec<(DateTime, DateTime)> = Vec::with_capacity(paused.len());
        for (from, to) in paused {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        Exclusions {
            paused: merged,
            next_paused: 0,
            skipped: Skipped {
                transitions: self.zone.following(start),
                offset: self.zone.to_offset(start),
            }
            .peekable(),
        }
    }

    /// Calls `visit` with each counted stretch of wall-clock time from `from`
    /// on, in order, until it breaks, the days reach `until`, or the dates run
    /// out.
    fn walk(
        &self,
        from: DateTime,
        until: Option<DateTime>,
        exclusions: &mut Exclusions<'_>,
        mut visit: impl FnMut(DateTime, DateTime) -> ControlFlow<()>,
    ) {
        let mut day = from.date();
        loop {
            let midnight = day.to_datetime(Time::MIN);
            if until.is_some_and(|until| midnight >= until) {
                return;
            }
            let next_day = day.tomorrow().ok();
            for &(open, close) in self.windows_on(day) {
                let start = day.to_datetime(open).max(from);
                let end = if close == Time::MIN {
                    next_day.map_or(DateTime::MAX, |next| next.to_datetime(Time::MIN))
                } else {
                    day.to_datetime(close)
                };
                if start < end && exclusions.subtract(start, end, &mut visit).is_break() {
                    return;
                }
            }
            match next_day {
                Some(next) => day = next,
                None => return,
            }
        }
    }
}

/// Wall-clock intervals that do not count, consumed in order as a walk moves
/// forward.
struct Exclusions<'a> {
    /// Sorted and merged.
    paused: Vec<(DateTime, DateTime)>,
    next_paused: usize,
    skipped: Peekable<Skipped<'a>>,
}

impl Exclusions<'_> {
    /// Visits the parts of [start, end) that count.
    fn subtract(
        &mut self,
        start: DateTime,
        end: DateTime,
        visit: &mut impl FnMut(DateTime, DateTime) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut cursor = start;
        while cursor < end {
            match self.next_ending_after(cursor) {
                Some((from, to)) if from < end => {
                    if cursor < from {
                        visit(cursor, from)?;
                    }
                    cursor = to;
                }
                _ => return visit(cursor, end),
            }
        }
        ControlFlow::Continue(())
    }

    /// Of the exclusions ending after `cursor`, the one starting first.
    fn next_ending_after(&mut self, cursor: DateTime) -> Option<(DateTime, DateTime)> {
        while self
            .paused
            .get(self.next_paused)
            .is_some_and(|&(_, to)| to <= cursor)
        {
            self.next_paused += 1;
        }
        while self.skipped.next_if(|&(_, to)| to <= cursor).is_some() {}
        let paused = self.paused.get(self.next_paused).copied();
        let skipped = self.skipped.peek().copied();
        match (paused, skipped) {
            (Some(paused), Some(skipped)) => Some(paused.min(skipped)),
            (paused, skipped) => paused.or(skipped),
        }
    }
}

/// The wall-clock intervals skipped when the clocks go forward, in order.
struct Skipped<'a> {
    transitions: TimeZoneFollowingTransitions<'a>,
    /// The offset before the next transition.
    offset: Offset,
}

impl Iterator for Skipped<'_> {
    type Item = (DateTime, DateTime);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let transition = self.transitions.next()?;
            let before = std::mem::replace(&mut self.offset, transition.offset());
            if transition.offset() > before {
                let at = transition.timestamp();
                return Some((before.to_datetime(at), transition.offset().to_datetime(at)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};
    use jiff::{ToSpan, Zoned};
    use proptest::prelude::*;

    fn dep(code: &str) -> Departement {
        Departement::parse(code).unwrap()
    }

    fn config(code: &str, mode: CountingMode) -> CalendarConfig {
        CalendarConfig {
            departement: dep(code),
            mode,
            closed_days: BTreeSet::new(),
            worked_days: BTreeSet::new(),
        }
    }

    fn whole_days(code: &str) -> Calendar {
        Calendar::new(&config(code, CountingMode::WholeDays))
    }

    fn lunch_break() -> OfficeHours {
        OfficeHours::weekdays(&[
            (time(8, 30, 0, 0), time(12, 30, 0, 0)),
            (time(13, 30, 0, 0), time(16, 30, 0, 0)),
        ])
        .unwrap()
    }

    fn office(code: &str) -> Calendar {
        Calendar::new(&config(code, CountingMode::OfficeHours(lunch_break())))
    }

    /// Open every day, all day: counts the whole wall clock, so it shows what
    /// happens when the clocks change.
    fn every_day() -> Calendar {
        let day = vec![(Time::MIN, Time::MIN)];
        let hours = OfficeHours::new(std::array::from_fn(|_| day.clone())).unwrap();
        Calendar::new(&config("75", CountingMode::OfficeHours(hours)))
    }

    /// A local wall-clock time such as "2026-01-09 16:00", in the calendar's
    /// zone (compatible disambiguation).
    fn at(calendar: &Calendar, local: &str) -> Timestamp {
        let civil: DateTime = local.parse().unwrap();
        civil
            .to_zoned(calendar.time_zone().clone())
            .unwrap()
            .timestamp()
    }

    /// An instant as the calendar's wall clock shows it, with the offset.
    fn show(calendar: &Calendar, t: Timestamp) -> String {
        t.to_zoned(calendar.time_zone().clone())
            .strftime("%Y-%m-%d %H:%M %:z")
            .to_string()
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n)
    }

    fn due(calendar: &Calendar, local_start: &str, amount: SignedDuration) -> String {
        show(
            calendar,
            calendar.add(at(calendar, local_start), amount, &[]),
        )
    }

    #[test]
    fn friday_afternoon_is_due_tuesday_at_the_same_time() {
        let paris = whole_days("75");
        assert_eq!(
            due(&paris, "2026-01-09 16:00", hours(48)),
            "2026-01-13 16:00 +01:00"
        );
        assert_eq!(
            paris.working_time(
                at(&paris, "2026-01-09 16:00"),
                at(&paris, "2026-01-13 16:00"),
                &[]
            ),
            hours(48)
        );
        // One working day later, and the three-day and fifteen-day marks.
        assert_eq!(
            due(&paris, "2026-01-09 16:00", hours(24)),
            "2026-01-12 16:00 +01:00"
        );
        assert_eq!(
            due(&paris, "2026-01-09 16:00", hours(72)),
            "2026-01-14 16:00 +01:00"
        );
        assert_eq!(
            due(&paris, "2026-01-09 16:00", hours(360)),
            "2026-01-30 16:00 +01:00"
        );
    }

    #[test]
    fn ascension_thursday_does_not_count() {
        let paris = whole_days("75");
        assert_eq!(
            due(&paris, "2026-05-13 10:00", hours(48)),
            "2026-05-18 10:00 +02:00"
        );

        // The fund also closes the bridge day.
        let mut bridge = config("75", CountingMode::WholeDays);
        bridge.closed_days.insert(date(2026, 5, 15));
        let bridge = Calendar::new(&bridge);
        assert!(!bridge.is_working_day(date(2026, 5, 15)));
        assert_eq!(
            due(&bridge, "2026-05-13 10:00", hours(48)),
            "2026-05-19 10:00 +02:00"
        );
    }

    #[test]
    fn good_friday_counts_in_paris_but_not_in_strasbourg() {
        // Thursday 14 h, then Paris works Good Friday (24 h) and resumes after
        // Easter Monday; Strasbourg resumes after Easter Monday too, one
        // working day short.
        let paris = whole_days("75");
        assert_eq!(
            due(&paris, "2026-04-02 10:00", hours(48)),
            "2026-04-07 10:00 +02:00"
        );
        let strasbourg = whole_days("67");
        assert_eq!(
            due(&strasbourg, "2026-04-02 10:00", hours(48)),
            "2026-04-08 10:00 +02:00"
        );
        assert!(paris.is_working_day(date(2026, 4, 3)));
        assert!(!strasbourg.is_working_day(date(2026, 4, 3)));
        assert!(!paris.is_working_day(date(2026, 4, 6)));
    }

    #[test]
    fn la_reunion_closes_on_20_december_in_its_own_time_zone() {
        let reunion = whole_days("974");
        assert_eq!(reunion.time_zone().iana_name(), Some("Indian/Reunion"));
        assert!(!reunion.is_working_day(date(2027, 12, 20)));
        let start = at(&reunion, "2027-12-17 10:00");
        assert_eq!(start, utc("2027-12-17T06:00:00Z"));
        let due = reunion.add(start, hours(48), &[]);
        assert_eq!(show(&reunion, due), "2027-12-22 10:00 +04:00");
        assert_eq!(due, utc("2027-12-22T06:00:00Z"));

        // The same instant in Paris (07:00 there) is due on Tuesday.
        let paris = whole_days("75");
        assert!(paris.is_working_day(date(2027, 12, 20)));
        assert_eq!(
            show(&paris, paris.add(start, hours(48), &[])),
            "2027-12-21 07:00 +01:00"
        );
    }

    #[test]
    fn a_case_sent_on_saturday_is_due_at_the_end_of_tuesday() {
        let paris = whole_days("75");
        let saturday = at(&paris, "2026-01-10 11:00");
        assert_eq!(
            show(&paris, paris.next_opening(saturday)),
            "2026-01-12 00:00 +01:00"
        );
        assert_eq!(
            show(&paris, paris.add(saturday, hours(48), &[])),
            "2026-01-14 00:00 +01:00"
        );
        assert_eq!(
            paris.working_time(saturday, at(&paris, "2026-01-12 00:00"), &[]),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn pauses_stop_the_clock_on_working_time_only() {
        let paris = whole_days("75");
        let start = at(&paris, "2026-01-09 16:00");
        let pause = |from: &str, to: &str| Pause {
            from: at(&paris, from),
            to: at(&paris, to),
        };
        let with = |pauses: &[Pause]| show(&paris, paris.add(start, hours(48), pauses));

        assert_eq!(
            with(&[pause("2026-01-12 00:00", "2026-01-13 00:00")]),
            "2026-01-14 16:00 +01:00"
        );
        // Waiting on the partner over the weekend costs nothing.
        assert_eq!(
            with(&[pause("2026-01-10 00:00", "2026-01-12 00:00")]),
            "2026-01-13 16:00 +01:00"
        );
        // Overlapping pauses count their union: Monday 10:00 to 16:00.
        assert_eq!(
            with(&[
                pause("2026-01-12 12:00", "2026-01-12 16:00"),
                pause("2026-01-12 10:00", "2026-01-12 14:00"),
            ]),
            "2026-01-13 22:00 +01:00"
        );
        // A pause before the start, or an empty one, changes nothing.
        assert_eq!(
            with(&[
                pause("2026-01-05 00:00", "2026-01-09 16:00"),
                pause("2026-01-12 10:00", "2026-01-12 10:00"),
                pause("2026-01-12 12:00", "2026-01-12 11:00"),
            ]),
            "2026-01-13 16:00 +01:00"
        );
        assert_eq!(
            paris.working_time(
                start,
                at(&paris, "2026-01-14 16:00"),
                &[pause("2026-01-12 00:00", "2026-01-13 00:00")]
            ),
            hours(48)
        );
    }

    #[test]
    fn the_due_keeps_the_wall_clock_time_when_the_clocks_change() {
        let paris = whole_days("75");
        // Spring: clocks go forward on Sunday 29 March 2026.
        let start = at(&paris, "2026-03-27 16:00");
        assert_eq!(start, utc("2026-03-27T15:00:00Z"));
        let due = paris.add(start, hours(48), &[]);
        assert_eq!(show(&paris, due), "2026-03-31 16:00 +02:00");
        assert_eq!(due.duration_since(start), hours(95));
        assert_eq!(
            paris.working_time(
                at(&paris, "2026-03-27 00:00"),
                at(&paris, "2026-03-31 00:00"),
                &[]
            ),
            hours(48)
        );
        assert_eq!(
            paris.working_time(
                at(&paris, "2026-03-28 00:00"),
                at(&paris, "2026-03-30 00:00"),
                &[]
            ),
            SignedDuration::ZERO
        );

        // Autumn: clocks go back on Sunday 25 October 2026.
        let start = at(&paris, "2026-10-23 16:00");
        let due = paris.add(start, hours(48), &[]);
        assert_eq!(show(&paris, due), "2026-10-27 16:00 +01:00");
        assert_eq!(due.duration_since(start), hours(97));
        assert_eq!(
            paris.working_time(
                at(&paris, "2026-10-23 00:00"),
                at(&paris, "2026-10-27 00:00"),
                &[]
            ),
            hours(48)
        );
    }

    #[test]
    fn a_skipped_hour_counts_nothing() {
        let calendar = every_day();
        // Sunday 29 March 2026: 02:00 to 03:00 never happens in Paris.
        let sunday = at(&calendar, "2026-03-29 00:00");
        let monday = at(&calendar, "2026-03-30 00:00");
        assert_eq!(calendar.working_time(sunday, monday, &[]), hours(23));
        let start = at(&calendar, "2026-03-29 01:30");
        let half_hour = SignedDuration::from_mins(30);
        // Reaching 02:00 is reaching the instant the clocks jump to 03:00.
        assert_eq!(
            calendar.add(start, half_hour, &[]),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            show(&calendar, calendar.add(start, hours(1), &[])),
            "2026-03-29 03:30 +02:00"
        );

        // A window that does not exist that day opens nothing.
        let mut windows: [Vec<(Time, Time)>; 7] = Default::default();
        windows[6] = vec![(time(2, 15, 0, 0), time(2, 45, 0, 0))];
        let night = Calendar::new(&config(
            "75",
            CountingMode::OfficeHours(OfficeHours::new(windows).unwrap()),
        ));
        assert_eq!(
            show(&night, night.next_opening(sunday)),
            "2026-04-05 02:15 +02:00"
        );
        assert_eq!(
            night.working_time(sunday, monday, &[]),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn a_repeated_hour_counts_once() {
        let calendar = every_day();
        // Sunday 25 October 2026: 02:00 to 03:00 happens twice in Paris, from
        // 00:00 UTC (+02:00) and again from 01:00 UTC (+01:00).
        let sunday = at(&calendar, "2026-10-25 00:00");
        let monday = at(&calendar, "2026-10-26 00:00");
        assert_eq!(monday.duration_since(sunday), hours(25));
        assert_eq!(calendar.working_time(sunday, monday, &[]), hours(24));
        let first_pass = utc("2026-10-25T00:30:00Z");
        let second_pass = utc("2026-10-25T01:30:00Z");
        assert_eq!(show(&calendar, first_pass), "2026-10-25 02:30 +02:00");
        assert_eq!(show(&calendar, second_pass), "2026-10-25 02:30 +01:00");
        assert_eq!(
            calendar.working_time(
                utc("2026-10-25T01:00:00Z"),
                utc("2026-10-25T02:00:00Z"),
                &[]
            ),
            SignedDuration::ZERO
        );
        // Running out exactly at the end of the first pass: reached when the
        // clocks go back, not when 03:00 is shown an hour later.
        let half_hour = SignedDuration::from_mins(30);
        assert_eq!(
            calendar.add(first_pass, half_hour, &[]),
            utc("2026-10-25T01:00:00Z")
        );
        assert_eq!(
            show(
                &calendar,
                calendar.add(first_pass, SignedDuration::from_mins(31), &[])
            ),
            "2026-10-25 03:01 +01:00"
        );
        // A case arriving during the second pass starts counting at 03:00.
        assert_eq!(
            calendar.next_opening(second_pass),
            utc("2026-10-25T02:00:00Z")
        );
        assert_eq!(
            show(
                &calendar,
                calendar.add(second_pass, SignedDuration::from_mins(10), &[])
            ),
            "2026-10-25 03:10 +01:00"
        );
        assert_eq!(calendar.next_opening(first_pass), first_pass);
    }

    #[test]
    fn the_clocks_change_on_sundays_only() {
        // Why a working day of WholeDays always counts 24 real hours in
        // these zones, and why the skipped and repeated hours only matter to
        // organisations open on Sunday nights.
        for departement in Departement::all() {
            let zone = time_zone(departement);
            let from = date(1996, 1, 1).to_zoned(zone.clone()).unwrap().timestamp();
            let to = date(2100, 1, 1).to_zoned(zone.clone()).unwrap().timestamp();
            let mut count = 0;
            for transition in zone.following(from).take_while(|t| t.timestamp() < to) {
                let before = zone.to_offset(transition.timestamp() - SignedDuration::from_nanos(1));
                if before == transition.offset() {
                    // Some compiled zone files mark the end of 32-bit time.
                    continue;
                }
                let local = zone.to_datetime(transition.timestamp());
                assert_eq!(local.weekday(), Weekday::Sunday, "{departement} {local}");
                count += 1;
            }
            assert_eq!(count > 0, !departement.is_overseas(), "{departement}");
        }
    }

    #[test]
    fn year_boundary_and_starts_on_closed_days() {
        let paris = whole_days("75");
        // Thursday afternoon: 9 h on Thursday, New Year's Day and the weekend
        // closed, 24 h on Monday, 15 h on Tuesday.
        assert_eq!(
            due(&paris, "2026-12-31 15:00", hours(48)),
            "2027-01-05 15:00 +01:00"
        );
        assert_eq!(
            due(&paris, "2026-12-31 15:00", hours(24)),
            "2027-01-04 15:00 +01:00"
        );
        assert_eq!(
            due(&paris, "2026-12-31 15:00", hours(33)),
            "2027-01-05 00:00 +01:00"
        );
        let new_year = at(&paris, "2027-01-01 09:00");
        assert_eq!(
            show(&paris, paris.next_opening(new_year)),
            "2027-01-04 00:00 +01:00"
        );
        assert_eq!(
            show(&paris, paris.add(new_year, hours(48), &[])),
            "2027-01-06 00:00 +01:00"
        );
        let thursday = at(&paris, "2026-12-31 15:00");
        assert_eq!(paris.next_opening(thursday), thursday);
    }

    #[test]
    fn office_hours_count_only_the_windows() {
        let calendar = office("75");
        assert_eq!(
            calendar.working_time(
                at(&calendar, "2026-01-12 00:00"),
                at(&calendar, "2026-01-13 00:00"),
                &[]
            ),
            hours(7)
        );
        assert_eq!(
            calendar.working_time(
                at(&calendar, "2026-01-10 00:00"),
                at(&calendar, "2026-01-12 00:00"),
                &[]
            ),
            SignedDuration::ZERO
        );
        // Friday 16:00: half an hour on Friday, an hour and a half on Monday.
        assert_eq!(
            due(&calendar, "2026-01-09 16:00", hours(2)),
            "2026-01-12 10:00 +01:00"
        );
        // Sent during lunch: counting starts at 13:30.
        assert_eq!(
            due(&calendar, "2026-01-12 12:45", hours(2)),
            "2026-01-12 15:30 +01:00"
        );
        // Sent after closing: counting starts the next morning.
        assert_eq!(
            due(&calendar, "2026-01-12 17:00", hours(2)),
            "2026-01-13 10:30 +01:00"
        );
        // Running out at the end of a window: due then, not after lunch.
        assert_eq!(
            due(&calendar, "2026-01-12 11:30", hours(1)),
            "2026-01-12 12:30 +01:00"
        );
        // 48 office hours: six days and six hours.
        assert_eq!(
            due(&calendar, "2026-01-12 08:30", hours(48)),
            "2026-01-20 15:30 +01:00"
        );
        for (sent, opening) in [
            ("2026-01-12 12:45", "2026-01-12 13:30 +01:00"),
            ("2026-01-12 17:00", "2026-01-13 08:30 +01:00"),
            ("2026-01-12 10:00", "2026-01-12 10:00 +01:00"),
            ("2026-01-12 12:30", "2026-01-12 13:30 +01:00"),
            ("2026-01-09 16:30", "2026-01-12 08:30 +01:00"),
        ] {
            assert_eq!(
                show(&calendar, calendar.next_opening(at(&calendar, sent))),
                opening,
                "{sent}"
            );
        }
        assert!(!calendar.is_working_day(date(2026, 5, 14)));
        assert!(!calendar.is_working_day(date(2026, 1, 10)));
    }

    #[test]
    fn whit_monday_is_worked_when_listed() {
        let paris = whole_days("75");
        assert!(!paris.is_working_day(date(2026, 5, 25)));
        assert_eq!(
            due(&paris, "2026-05-22 10:00", hours(48)),
            "2026-05-27 10:00 +02:00"
        );

        let mut solidarity = config("75", CountingMode::WholeDays);
        solidarity.worked_days.insert(date(2026, 5, 25));
        // Not a holiday: listing a Saturday does not open it.
        solidarity.worked_days.insert(date(2026, 5, 23));
        let solidarity = Calendar::new(&solidarity);
        assert!(solidarity.is_working_day(date(2026, 5, 25)));
        assert!(!solidarity.is_working_day(date(2026, 5, 23)));
        assert_eq!(
            due(&solidarity, "2026-05-22 10:00", hours(48)),
            "2026-05-26 10:00 +02:00"
        );

        // Closing wins over working.
        let mut both = config("75", CountingMode::WholeDays);
        both.worked_days.insert(date(2026, 5, 25));
        both.closed_days.insert(date(2026, 5, 25));
        assert!(!Calendar::new(&both).is_working_day(date(2026, 5, 25)));
    }

    #[test]
    fn round_the_clock_counts_elapsed_time() {
        let urgent = Calendar::round_the_clock();
        assert_eq!(urgent.time_zone(), &TimeZone::UTC);
        let friday = utc("2026-01-09T15:00:00Z");
        assert_eq!(
            urgent.add(friday, hours(24), &[]),
            utc("2026-01-10T15:00:00Z")
        );
        assert_eq!(
            urgent.add(friday, hours(48), &[]),
            utc("2026-01-11T15:00:00Z")
        );
        assert!(urgent.is_working_day(date(2026, 1, 10)));
        assert!(urgent.is_working_day(date(2026, 12, 25)));
        // Across the spring change: 24 real hours.
        let saturday = utc("2026-03-28T12:00:00Z");
        assert_eq!(
            urgent.add(saturday, hours(24), &[]),
            utc("2026-03-29T12:00:00Z")
        );
        assert_eq!(
            urgent.working_time(saturday, utc("2026-03-30T12:00:00Z"), &[]),
            hours(48)
        );
        let pause = Pause {
            from: utc("2026-03-29T00:00:00Z"),
            to: utc("2026-03-29T01:30:00Z"),
        };
        assert_eq!(
            urgent.add(saturday, hours(24), &[pause]),
            utc("2026-03-29T13:30:00Z")
        );
        assert_eq!(urgent.next_opening(saturday), saturday);
        assert_eq!(
            urgent.working_time(saturday, friday, &[]),
            SignedDuration::ZERO
        );
        assert_eq!(urgent.add(saturday, -hours(3), &[]), saturday);
    }

    #[test]
    fn every_departement_has_its_time_zone() {
        for departement in Departement::all() {
            let expected = match departement.code() {
                "971" => "America/Guadeloupe",
                "972" => "America/Martinique",
                "973" => "America/Cayenne",
                "974" => "Indian/Reunion",
                "976" => "Indian/Mayotte",
                _ => "Europe/Paris",
            };
            assert_eq!(time_zone(departement).iana_name(), Some(expected));
        }
        // Guadeloupe is four hours behind UTC in January, Paris one ahead.
        let guadeloupe = whole_days("971");
        assert_eq!(
            at(&guadeloupe, "2026-01-09 16:00"),
            utc("2026-01-09T20:00:00Z")
        );
        assert_eq!(
            due(&guadeloupe, "2026-01-09 16:00", hours(48)),
            "2026-01-13 16:00 -04:00"
        );
    }

    #[test]
    fn office_hours_are_checked() {
        let t = |h, m| time(h, m, 0, 0);
        assert!(OfficeHours::weekdays(&[(t(8, 30), t(12, 30)), (t(12, 30), t(16, 0))]).is_ok());
        assert!(OfficeHours::weekdays(&[(t(18, 0), t(0, 0))]).is_ok());
        assert_eq!(
            OfficeHours::weekdays(&[(t(12, 30), t(8, 30))]),
            Err("Monday: the window 12:30–08:30 must end after it starts".to_owned())
        );
        assert_eq!(
            OfficeHours::weekdays(&[(t(9, 0), t(9, 0))]),
            Err("Monday: the window 09:00–09:00 must end after it starts".to_owned())
        );
        assert!(
            OfficeHours::weekdays(&[(t(8, 30), t(12, 30)), (t(12, 0), t(16, 0))])
                .unwrap_err()
                .starts_with("Monday: the window 12:00–16:00 overlaps")
        );
        assert!(OfficeHours::weekdays(&[(t(13, 30), t(16, 0)), (t(8, 30), t(12, 0))]).is_err());
        assert!(OfficeHours::weekdays(&[(t(20, 0), t(0, 0)), (t(22, 0), t(23, 0))]).is_err());
        assert_eq!(
            OfficeHours::weekdays(&[]),
            Err("the opening hours must open at least one day of the week".to_owned())
        );
        let mut sunday_only: [Vec<(Time, Time)>; 7] = Default::default();
        sunday_only[6].push((t(10, 0), t(12, 0)));
        let hours = OfficeHours::new(sunday_only.clone()).unwrap();
        assert_eq!(hours.windows(Weekday::Sunday), &[(t(10, 0), t(12, 0))]);
        assert!(hours.windows(Weekday::Monday).is_empty());
        sunday_only[2].push((t(11, 0), t(10, 0)));
        assert!(
            OfficeHours::new(sunday_only)
                .unwrap_err()
                .starts_with("Wednesday:")
        );
    }

    #[test]
    fn fifteen_working_days_of_office_hours_span_the_may_holidays() {
        let paris = office("75");
        let start = at(&paris, "2026-04-30 15:00");
        // 1 May, 8 May, Ascension (14 May) and Whit Monday (25 May) are closed.
        let due = paris.add(start, hours(15 * 7), &[]);
        assert_eq!(show(&paris, due), "2026-05-27 15:00 +02:00");
    }

    const DEPARTEMENTS: [&str; 17] = [
        "01", "13", "2A", "2B", "29", "59", "69", "75", "93", "57", "67", "68", "971", "972",
        "973", "974", "976",
    ];

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Mode {
        WholeDays,
        Office,
        /// Windows around the hours the clocks change, every day.
        Nights,
        RoundTheClock,
    }

    fn nights() -> OfficeHours {
        let t = |h, m| time(h, m, 0, 0);
        let day = vec![
            (t(1, 30), t(2, 30)),
            (t(2, 45), t(3, 15)),
            (t(9, 0), t(0, 0)),
        ];
        OfficeHours::new(std::array::from_fn(|_| day.clone())).unwrap()
    }

    #[derive(Debug, Clone)]
    struct Case {
        calendar: Calendar,
        mode: Mode,
        start: Timestamp,
        amount: SignedDuration,
        pauses: Vec<Pause>,
    }

    fn seconds(s: i64) -> SignedDuration {
        SignedDuration::from_secs(s)
    }

    const HOUR: i64 = 3600;

    fn build_calendar(
        departement: usize,
        mode: Mode,
        start: Timestamp,
        closed: &[i64],
        worked: &[usize],
    ) -> Calendar {
        let departement = dep(DEPARTEMENTS[departement]);
        let mode_config = match mode {
            Mode::WholeDays => CountingMode::WholeDays,
            Mode::Office => CountingMode::OfficeHours(lunch_break()),
            Mode::Nights => CountingMode::OfficeHours(nights()),
            Mode::RoundTheClock => return Calendar::round_the_clock(),
        };
        let local = start.to_zoned(time_zone(departement)).date();
        let holidays: Vec<Date> = [local.year(), local.year() + 1]
            .into_iter()
            .flat_map(|year| crate::sla::holidays::public_holidays(departement, year))
            .map(|(day, _)| day)
            .collect();
        Calendar::new(&CalendarConfig {
            departement,
            mode: mode_config,
            closed_days: closed.iter().map(|&n| local + n.days()).collect(),
            worked_days: worked
                .iter()
                .map(|&i| holidays[i % holidays.len()])
                .collect(),
        })
    }

    fn window_range() -> (i64, i64) {
        (
            utc("2025-01-01T00:00:00Z").as_second(),
            utc("2028-12-31T23:59:59Z").as_second(),
        )
    }

    fn mode_of(index: usize) -> Mode {
        [
            Mode::WholeDays,
            Mode::Office,
            Mode::Nights,
            Mode::RoundTheClock,
        ][index]
    }

    prop_compose! {
        fn any_case()(
            departement in 0..DEPARTEMENTS.len(),
            mode in prop_oneof![4 => Just(0usize), 4 => Just(1usize), 1 => Just(2usize), 1 => Just(3usize)],
            start in window_range().0..=window_range().1,
            amount in 0..=400 * HOUR,
            pauses in proptest::collection::vec((-72 * HOUR..=500 * HOUR, 0..=100 * HOUR), 0..=3),
            closed in proptest::collection::vec(0i64..40, 0..=3),
            worked in proptest::collection::vec(0usize..40, 0..=2),
        ) -> Case {
            let mode = mode_of(mode);
            let start = Timestamp::from_second(start).unwrap();
            Case {
                calendar: build_calendar(departement, mode, start, &closed, &worked),
                mode,
                start,
                amount: seconds(amount),
                pauses: pauses
                    .into_iter()
                    .map(|(offset, length)| Pause {
                        from: start + seconds(offset),
                        to: start + seconds(offset + length),
                    })
                    .collect(),
            }
        }
    }

    /// Instants near a change of the clocks in Paris, on calendars open then.
    fn clock_changes() -> Vec<Timestamp> {
        let zone = time_zone(dep("75"));
        zone.following(utc("2025-01-01T00:00:00Z"))
            .map(|t| t.timestamp())
            .take_while(|&t| t < utc("2029-01-01T00:00:00Z"))
            .collect()
    }

    prop_compose! {
        fn case_near_a_clock_change()(
            change in 0usize..8,
            nights_or_every_day in any::<bool>(),
            offset in -30 * HOUR..=6 * HOUR,
            amount in 0..=40 * HOUR,
            pauses in proptest::collection::vec((-6 * HOUR..=30 * HOUR, 0..=5 * HOUR), 0..=3),
        ) -> Case {
            // Whole minutes, so that the brute-force count below is exact.
            let start = clock_changes()[change] + seconds(offset / 60 * 60);
            let minutes = |s: i64| seconds(s / 60 * 60);
            Case {
                calendar: if nights_or_every_day { build_calendar(7, Mode::Nights, start, &[], &[]) } else { every_day() },
                mode: Mode::Nights,
                start,
                amount: minutes(amount),
                pauses: pauses
                    .into_iter()
                    .map(|(offset, length)| Pause { from: start + minutes(offset), to: start + minutes(offset + length) })
                    .collect(),
            }
        }
    }

    fn config_windows(calendar: &Calendar, day: Date) -> Vec<(DateTime, DateTime)> {
        calendar
            .windows_on(day)
            .iter()
            .map(|&(open, close)| {
                let end = if close == Time::MIN {
                    day.tomorrow().unwrap().to_datetime(Time::MIN)
                } else {
                    day.to_datetime(close)
                };
                (day.to_datetime(open), end)
            })
            .collect()
    }

    /// Whether the wall-clock time lies in an open window of a working day.
    fn is_open(calendar: &Calendar, local: DateTime) -> bool {
        config_windows(calendar, local.date())
            .iter()
            .any(|&(open, close)| open <= local && local < close)
    }

    /// Counts minute by minute: a minute counts when it is open, not paused,
    /// and its wall-clock time has not been shown before.
    fn brute_force(
        calendar: &Calendar,
        from: Timestamp,
        to: Timestamp,
        pauses: &[Pause],
    ) -> SignedDuration {
        let minute = SignedDuration::from_mins(1);
        let zone = calendar.time_zone();
        let mut t = from - hours(30);
        let mut shown_until = zone.to_datetime(t);
        let mut total = SignedDuration::ZERO;
        while t < to {
            let local = zone.to_datetime(t);
            let fresh = local >= shown_until;
            if t >= from
                && fresh
                && is_open(calendar, local)
                && !pauses.iter().any(|p| p.from <= t && t < p.to)
            {
                total += minute;
            }
            shown_until = shown_until.max(local + minute);
            t += minute;
        }
        total
    }

    fn check_due(case: &Case) -> Result<(), TestCaseError> {
        let Case {
            calendar,
            mode,
            start,
            amount,
            pauses,
        } = case;
        let due = calendar.add(*start, *amount, pauses);
        prop_assert!(due >= *start);
        prop_assert_eq!(calendar.working_time(*start, due, pauses), *amount);
        if amount.is_positive() {
            let before = due - SignedDuration::from_nanos(1);
            // The earliest such instant.
            prop_assert!(calendar.working_time(*start, before, pauses) < *amount);
            let local = calendar.time_zone().to_datetime(before);
            prop_assert!(
                calendar.is_working_day(local.date()),
                "due {} on a closed day",
                show(calendar, due)
            );
            if *mode != Mode::WholeDays {
                prop_assert!(
                    is_open(calendar, local),
                    "due {} outside the windows",
                    show(calendar, due)
                );
            }
            // Nothing counts until the clock opens.
            let opening = calendar.next_opening(*start);
            prop_assert!(opening >= *start);
            prop_assert_eq!(
                calendar.working_time(*start, opening, &[]),
                SignedDuration::ZERO
            );
            if pauses.is_empty() {
                prop_assert_eq!(calendar.add(opening, *amount, &[]), due);
            }
        } else {
            prop_assert_eq!(due, *start);
        }
        if *mode == Mode::RoundTheClock && pauses.is_empty() {
            prop_assert_eq!(due, *start + *amount);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_due_is_the_earliest_instant_with_the_amount_counted(case in any_case()) {
            check_due(&case)?;
        }

        #[test]
        fn later_starts_and_larger_amounts_are_due_later(
            case in any_case(),
            delay in 0..=100 * HOUR,
            extra in 0..=100 * HOUR,
        ) {
            let Case { calendar, start, amount, pauses, .. } = &case;
            let due = calendar.add(*start, *amount, pauses);
            prop_assert!(due <= calendar.add(*start, *amount + seconds(extra), pauses));
            prop_assert!(due <= calendar.add(*start + seconds(delay), *amount, pauses));
        }

        #[test]
        fn a_pause_extends_the_due_by_the_working_time_it_covers(case in any_case()) {
            let Case { calendar, start, amount, pauses, .. } = &case;
            let unpaused = calendar.add(*start, *amount, &[]);
            if let Some(&pause) = pauses.first() {
                let paused = calendar.add(*start, *amount, &[pause]);
                if amount.is_positive() && pause.from < unpaused {
                    let covered = calendar.working_time(pause.from.max(*start), pause.to, &[]);
                    prop_assert_eq!(paused, calendar.add(unpaused, covered, &[]));
                } else {
                    prop_assert_eq!(paused, unpaused);
                }
            }
        }

        #[test]
        fn working_time_is_additive(
            case in any_case(),
            first in 0..=300 * HOUR,
            second in 0..=300 * HOUR,
        ) {
            let Case { calendar, start, pauses, .. } = &case;
            let middle = *start + seconds(first);
            let end = middle + seconds(second);
            prop_assert_eq!(
                calendar.working_time(*start, end, pauses),
                calendar.working_time(*start, middle, pauses) + calendar.working_time(middle, end, pauses)
            );
            prop_assert_eq!(calendar.working_time(end, *start, pauses), SignedDuration::ZERO);
        }

        #[test]
        fn closed_days_count_nothing_and_working_days_whole_days(case in any_case(), day in 0i64..60) {
            let Case { calendar, mode, start, .. } = &case;
            let zone = calendar.time_zone().clone();
            let date = zone.to_datetime(*start).date() + day.days();
            let midnight = |d: Date| d.to_zoned(zone.clone()).unwrap().timestamp();
            let counted = calendar.working_time(midnight(date), midnight(date.tomorrow().unwrap()), &[]);
            if !calendar.is_working_day(date) {
                prop_assert_eq!(counted, SignedDuration::ZERO);
            } else {
                match mode {
                    Mode::WholeDays | Mode::RoundTheClock => prop_assert_eq!(counted, hours(24)),
                    Mode::Office => prop_assert_eq!(counted, hours(7)),
                    // 16 h 30, less what the clocks skip in spring.
                    Mode::Nights => prop_assert!(counted <= hours(16) + SignedDuration::from_mins(30) && counted >= hours(15)),
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn near_clock_changes_the_due_is_exact(case in case_near_a_clock_change()) {
            check_due(&case)?;
        }

        #[test]
        fn near_clock_changes_working_time_matches_a_minute_count(
            case in case_near_a_clock_change(),
            length in 0..=40 * 60i64,
        ) {
            let Case { calendar, start, pauses, .. } = &case;
            let end = *start + SignedDuration::from_mins(length);
            prop_assert_eq!(calendar.working_time(*start, end, pauses), brute_force(calendar, *start, end, pauses));
        }

        #[test]
        fn working_time_matches_a_minute_count(
            case in any_case(),
            length in 0..=50 * 60i64,
        ) {
            let Case { calendar, start, pauses, .. } = &case;
            let to_minute = |t: Timestamp| Timestamp::from_second(t.as_second() / 60 * 60).unwrap();
            let start = to_minute(*start);
            let pauses: Vec<Pause> = pauses.iter().map(|p| Pause { from: to_minute(p.from), to: to_minute(p.to) }).collect();
            let end = start + SignedDuration::from_mins(length);
            prop_assert_eq!(calendar.working_time(start, end, &pauses), brute_force(calendar, start, end, &pauses));
        }
    }

    #[test]
    fn zoned_helpers_agree() {
        // The test helpers themselves: a local time in Paris in winter.
        let paris = whole_days("75");
        let zoned: Zoned = "2026-01-09T16:00[Europe/Paris]".parse().unwrap();
        assert_eq!(at(&paris, "2026-01-09 16:00"), zoned.timestamp());
    }
}
