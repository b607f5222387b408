//! A case's promises in words: the one it waits for, and where each stands.
//! Every figure is the server's, computed at the moment it answered, so the
//! words never depend on this machine's clock.

use relais_client::pb;
use relais_core::sla::SlaState;
use relais_proto::convert::FromWire;

use super::format::{Fields, hours_minutes, local_time, wire_duration};

/// The promise a case waits for: the first response until it is met, then
/// the resolution; none once neither runs (met, or stopped by a withdrawal).
pub(crate) fn pending(sla: Option<&pb::CaseSla>) -> Option<&pb::TargetStatus> {
    let sla = sla?;
    [sla.first_response.as_ref(), sla.resolution.as_ref()]
        .into_iter()
        .flatten()
        .find(|promise| is_running(promise))
}

fn state(promise: &pb::TargetStatus) -> Option<SlaState> {
    SlaState::from_wire(promise.state)
}

fn is_running(promise: &pb::TargetStatus) -> bool {
    matches!(
        state(promise),
        Some(SlaState::OnTrack | SlaState::AtRisk | SlaState::Breached | SlaState::Paused)
    )
}

/// `on track`, `at risk`…
fn state_name(state: SlaState) -> String {
    state.as_str().replace('_', " ")
}

/// `48 h left`, `overdue 18 h`; `None` when the server gave no time left
/// (a promise met or stopped).
pub(crate) fn time_left(promise: &pb::TargetStatus) -> Option<String> {
    let remaining = wire_duration(promise.remaining.as_ref())?;
    Some(if remaining.is_negative() {
        format!("overdue {}", hours_minutes(remaining))
    } else if remaining.is_zero() {
        "due now".to_owned()
    } else {
        format!("{} left", hours_minutes(remaining))
    })
}

/// Where a promise stands, in a few words: `48 h left`, `at risk (3 h 20 min
/// left)`, `overdue 18 h`, `paused (40 h left)`, `met`, `met late`.
pub(crate) fn standing(promise: &pb::TargetStatus) -> String {
    let Some(state) = state(promise) else {
        return String::new();
    };
    let left = time_left(promise);
    match (state, left) {
        (SlaState::OnTrack | SlaState::Breached, Some(left)) => left,
        (SlaState::AtRisk | SlaState::Paused, Some(left)) => {
            format!("{} ({left})", state_name(state))
        }
        (SlaState::Met, _) if !promise.met_within_target => "met late".to_owned(),
        (state, _) => state_name(state),
    }
}

/// `working time`, `round the clock`.
pub(crate) fn clock_name(clock: i32) -> &'static str {
    match pb::SlaClock::try_from(clock) {
        Ok(pb::SlaClock::WorkingTime) => "working time",
        Ok(pb::SlaClock::RoundTheClock) => "round the clock",
        _ => "",
    }
}

/// One promise of a case, field by field.
pub(crate) fn details(promise: &pb::TargetStatus) -> Fields {
    let mut fields = Fields::default();
    if let Some(state) = state(promise) {
        fields.add("State", state_name(state));
    }
    let clock = match wire_duration(promise.target.as_ref()) {
        Some(target) => format!(
            "{} (target {})",
            clock_name(promise.clock),
            hours_minutes(target)
        ),
        None => clock_name(promise.clock).to_owned(),
    };
    fields.add("Clock", clock);
    let due = local_time(promise.due_time.as_ref());
    match time_left(promise) {
        Some(left) if due.is_empty() => fields.add("Due", left),
        Some(left) => fields.add("Due", format!("{due}, {left}")),
        None => fields.add("Due", due),
    };
    let met = local_time(promise.met_time.as_ref());
    if !met.is_empty() {
        let verdict = if promise.met_within_target {
            "within target"
        } else {
            "late"
        };
        fields.add("Met", format!("{met}, {verdict}"));
    }
    if promise.escalation_level > 0 {
        fields.add("Escalation", format!("level {}", promise.escalation_level));
    }
    fields
}

/// The `Promises:` block of `relais case show`; empty when the case has none.
pub(crate) fn block(sla: Option<&pb::CaseSla>) -> String {
    let Some(sla) = sla else {
        return String::new();
    };
    let promises: Vec<(&str, Fields)> = [
        ("First response", sla.first_response.as_ref()),
        ("Resolution", sla.resolution.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, promise)| Some((name, details(promise?))))
    .collect();
    let width = promises
        .iter()
        .map(|(_, fields)| fields.label_width())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (name, fields) in &promises {
        text.push_str(&format!("  {name}:\n"));
        text.push_str(&fields.render_aligned("    ", width));
    }
    let taken = local_time(sla.take_time.as_ref());
    if !taken.is_empty() {
        let took = match wire_duration(sla.take_elapsed.as_ref()) {
            Some(took) => format!("{taken} ({} of working time)", hours_minutes(took)),
            None => taken,
        };
        let mut fields = Fields::default();
        fields.add("Taken in charge", took);
        text.push_str(&fields.render("  "));
    }
    if text.is_empty() {
        text
    } else {
        format!("\nPromises:\n{text}")
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use relais_proto::convert::duration;

    use super::*;

    fn promise(state: pb::SlaState, remaining: Option<i64>) -> pb::TargetStatus {
        pb::TargetStatus {
            state: state.into(),
            clock: pb::SlaClock::WorkingTime.into(),
            target: Some(duration(SignedDuration::from_hours(48))),
            remaining: remaining.map(|mins| duration(SignedDuration::from_mins(mins))),
            ..Default::default()
        }
    }

    #[test]
    fn standings_read_at_a_glance() {
        use pb::SlaState as S;
        assert_eq!(standing(&promise(S::OnTrack, Some(48 * 60))), "48 h left");
        assert_eq!(
            standing(&promise(S::AtRisk, Some(200))),
            "at risk (3 h 20 min left)"
        );
        assert_eq!(
            standing(&promise(S::Breached, Some(-18 * 60))),
            "overdue 18 h"
        );
        assert_eq!(
            standing(&promise(S::Paused, Some(40 * 60))),
            "paused (40 h left)"
        );
        let mut met = promise(S::Met, None);
        met.met_within_target = true;
        assert_eq!(standing(&met), "met");
        met.met_within_target = false;
        assert_eq!(standing(&met), "met late");
        assert_eq!(standing(&promise(S::Stopped, None)), "stopped");
    }

    #[test]
    fn the_pending_promise_is_the_first_one_still_running() {
        use pb::SlaState as S;
        let mut sla = pb::CaseSla {
            first_response: Some(promise(S::OnTrack, Some(60))),
            resolution: Some(promise(S::OnTrack, Some(600))),
            ..Default::default()
        };
        assert_eq!(pending(Some(&sla)), sla.first_response.as_ref());
        sla.first_response = Some(promise(S::Met, None));
        assert_eq!(pending(Some(&sla)), sla.resolution.as_ref());
        sla.resolution = Some(promise(S::Stopped, None));
        assert_eq!(pending(Some(&sla)), None);
        assert_eq!(pending(None), None);
    }

    #[test]
    fn the_block_gives_each_promise_and_the_taking_in_charge() {
        use pb::SlaState as S;
        let mut first = promise(S::Breached, Some(-18 * 60));
        first.due_time = Some(relais_proto::convert::timestamp(
            "2026-01-13T15:00:00Z".parse().unwrap(),
        ));
        first.escalation_level = 1;
        let sla = pb::CaseSla {
            first_response: Some(first),
            resolution: Some(promise(S::OnTrack, Some(300 * 60))),
            take_time: Some(relais_proto::convert::timestamp(
                "2026-01-12T08:00:00Z".parse().unwrap(),
            )),
            take_elapsed: Some(duration(SignedDuration::from_hours(17))),
        };
        let text = block(Some(&sla));
        assert!(
            text.starts_with("\nPromises:\n  First response:\n"),
            "{text}"
        );
        for expected in [
            "State:       breached\n",
            "Clock:       working time (target 48 h)\n",
            ", overdue 18 h\n",
            "Escalation:  level 1\n",
            "  Resolution:\n",
            "Due:         300 h left\n",
            "(17 h of working time)\n",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from\n{text}");
        }
        assert_eq!(block(None), "");
    }
}
