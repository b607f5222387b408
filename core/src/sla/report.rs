//! Service-level reports: how many promises were kept, how long answers took.
//!
//! The figures come from what each case stored when it happened (due
//! instants, when each promise was met, the working time it took), never
//! from recomputing history.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::org::named_enum;

named_enum!(
    /// What a report's rows are.
    Grouping {
        HandlerOrganisation => "organisation",
        PartnerOrganisation => "partner",
        Category => "category",
        Departement => "departement",
    }
);

/// One promise of one case, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromiseFigures {
    pub due_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
    /// The counted time it took, when met.
    pub took: Option<SignedDuration>,
}

impl PromiseFigures {
    /// Met, or due before the clocks stopped (and before `now`): its outcome is known.
    fn decided(&self, now: Timestamp, stopped_at: Option<Timestamp>) -> bool {
        let horizon = stopped_at.map_or(now, |stopped| stopped.min(now));
        self.met_at.is_some() || self.due_at.is_some_and(|due| due <= horizon)
    }

    fn within_target(&self) -> bool {
        matches!((self.met_at, self.due_at), (Some(met), Some(due)) if met <= due)
    }
}

/// The promise an open case waits for, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PendingFigures {
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
    pub paused: bool,
}

/// What a report needs of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFigures {
    pub key: String,
    pub label: String,
    pub first_response: PromiseFigures,
    pub resolution: PromiseFigures,
    pub take_took: Option<SignedDuration>,
    /// When the clocks stopped (the case was withdrawn).
    pub stopped_at: Option<Timestamp>,
    /// `Some` while the case is open.
    pub pending: Option<PendingFigures>,
}

/// The figures of one group of cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportRow {
    pub key: String,
    pub label: String,
    pub received: u64,
    pub first_responses_decided: u64,
    pub first_responses_within_target: u64,
    pub first_response_median: Option<SignedDuration>,
    pub first_response_p90: Option<SignedDuration>,
    pub take_median: Option<SignedDuration>,
    pub take_p90: Option<SignedDuration>,
    pub resolutions_decided: u64,
    pub resolutions_within_target: u64,
    pub open_on_track: u64,
    pub open_at_risk: u64,
    pub open_breached: u64,
    pub open_paused: u64,
}

impl ReportRow {
    pub fn first_responses_within_target_percent(&self) -> f64 {
        percent(
            self.first_responses_within_target,
            self.first_responses_decided,
        )
    }

    pub fn resolutions_within_target_percent(&self) -> f64 {
        percent(self.resolutions_within_target, self.resolutions_decided)
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // Counts stay far below 2^52: the conversion is exact.
        100.0 * part as f64 / whole as f64
    }
}

/// Accumulates one group.
#[derive(Debug, Default)]
struct Group {
    row: ReportRow,
    first_response_times: Vec<SignedDuration>,
    take_times: Vec<SignedDuration>,
}

impl Group {
    fn add(&mut self, case: &CaseFigures, now: Timestamp) {
        let row = &mut self.row;
        row.received += 1;
        if case.first_response.decided(now, case.stopped_at) {
            row.first_responses_decided += 1;
            row.first_responses_within_target += u64::from(case.first_response.within_target());
        }
        if case.resolution.decided(now, case.stopped_at) {
            row.resolutions_decided += 1;
            row.resolutions_within_target += u64::from(case.resolution.within_target());
        }
        self.first_response_times.extend(case.first_response.took);
        self.take_times.extend(case.take_took);
        if let Some(pending) = case.pending {
            let counter = if pending.paused {
                &mut row.open_paused
            } else if pending.due_at.is_some_and(|due| due <= now) {
                &mut row.open_breached
            } else if pending.warn_at.is_some_and(|warn| warn <= now) {
                &mut row.open_at_risk
            } else {
                &mut row.open_on_track
            };
            *counter += 1;
        }
    }

    fn finish(mut self) -> ReportRow {
        self.first_response_times.sort_unstable();
        self.take_times.sort_unstable();
        self.row.first_response_median = nearest_rank(&self.first_response_times, 50);
        self.row.first_response_p90 = nearest_rank(&self.first_response_times, 90);
        self.row.take_median = nearest_rank(&self.take_times, 50);
        self.row.take_p90 = nearest_rank(&self.take_times, 90);
        self.row
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at
/// least `percentile` % of the values at or below it.
pub fn nearest_rank(sorted: &[SignedDuration], percentile: usize) -> Option<SignedDuration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percentile * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The rows of a report, sorted by key, and their total.
pub fn aggregate(
    cases: impl IntoIterator<Item = CaseFigures>,
    now: Timestamp,
) -> (Vec<ReportRow>, ReportRow) {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut total = Group::default();
    for case in cases {
        total.add(&case, now);
        let group = groups.entry(case.key.clone()).or_insert_with(|| Group {
            row: ReportRow {
                key: case.key.clone(),
                label: case.label.clone(),
                ..ReportRow::default()
            },
            ..Group::default()
        });
        group.add(&case, now);
    }
    let rows = groups.into_values().map(Group::finish).collect();
    let mut total = total.finish();
    total.key = "total".to_owned();
    total.label = "Total".to_owned();
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hour: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + hour * 3600).unwrap()
    }

    fn h(hours: i64) -> SignedDuration {
        SignedDuration::from_hours(hours)
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<SignedDuration> = (1..=10).map(h).collect();
        assert_eq!(nearest_rank(&values, 50), Some(h(5)));
        assert_eq!(nearest_rank(&values, 90), Some(h(9)));
        assert_eq!(nearest_rank(&values[..1], 90), Some(h(1)));
        assert_eq!(nearest_rank(&values[..3], 50), Some(h(2)));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn outcomes_are_counted_once_known() {
        let now = t(100);
        let case =
            |key: &str, first: PromiseFigures, pending: Option<PendingFigures>| CaseFigures {
                key: key.to_owned(),
                label: key.to_uppercase(),
                first_response: first,
                resolution: PromiseFigures {
                    due_at: Some(t(500)),
                    ..Default::default()
                },
                take_took: Some(h(1)),
                stopped_at: None,
                pending,
            };
        let on_time = PromiseFigures {
            due_at: Some(t(48)),
            met_at: Some(t(10)),
            took: Some(h(10)),
        };
        let late = PromiseFigures {
            due_at: Some(t(48)),
            met_at: Some(t(60)),
            took: Some(h(60)),
        };
        let broken = PromiseFigures {
            due_at: Some(t(90)),
            ..Default::default()
        };
        let not_yet = PromiseFigures {
            due_at: Some(t(120)),
            ..Default::default()
        };
        let open = |due: i64, warn: i64| {
            Some(PendingFigures {
                due_at: Some(t(due)),
                warn_at: Some(t(warn)),
                paused: false,
            })
        };
        let (rows, total) = aggregate(
            [
                case("a", on_time, open(500, 400)),
                case("a", late, None),
                case("b", broken, open(90, 80)),
                case("b", not_yet, open(120, 95)),
                case(
                    "b",
                    not_yet,
                    Some(PendingFigures {
                        paused: true,
                        ..Default::default()
                    }),
                ),
            ],
            now,
        );
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(
            (a.key.as_str(), a.label.as_str(), a.received),
            ("a", "A", 2)
        );
        assert_eq!(
            (a.first_responses_decided, a.first_responses_within_target),
            (2, 1)
        );
        assert_eq!(a.first_responses_within_target_percent(), 50.0);
        assert_eq!(
            (a.first_response_median, a.first_response_p90),
            (Some(h(10)), Some(h(60)))
        );
        assert_eq!(
            (a.open_on_track, a.open_at_risk, a.open_breached),
            (1, 0, 0)
        );
        let b = &rows[1];
        assert_eq!(
            (b.first_responses_decided, b.first_responses_within_target),
            (1, 0)
        );
        assert_eq!((b.open_breached, b.open_at_risk, b.open_paused), (1, 1, 1));
        assert_eq!(b.first_response_median, None);
        assert_eq!(total.received, 5);
        assert_eq!(total.first_responses_decided, 3);
        assert_eq!(total.take_median, Some(h(1)));
    }

    #[test]
    fn a_withdrawal_before_the_due_instant_decides_nothing() {
        let figures = CaseFigures {
            key: "k".into(),
            label: "k".into(),
            first_response: PromiseFigures {
                due_at: Some(t(48)),
                ..Default::default()
            },
            resolution: PromiseFigures {
                due_at: Some(t(360)),
                ..Default::default()
            },
            take_took: None,
            stopped_at: Some(t(20)),
            pending: None,
        };
        let (_, total) = aggregate([figures.clone()], t(1000));
        assert_eq!(
            (total.first_responses_decided, total.resolutions_decided),
            (0, 0)
        );
        let late = CaseFigures {
            stopped_at: Some(t(50)),
            ..figures
        };
        let (_, total) = aggregate([late], t(1000));
        assert_eq!(
            (
                total.first_responses_decided,
                total.first_responses_within_target
            ),
            (1, 0)
        );
    }
}
