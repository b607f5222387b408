//! Small pieces of human output shared by the commands: local times, names,
//! organisations, status transitions, aligned blocks of fields.

use std::sync::LazyLock;

use jiff::{SignedDuration, tz::TimeZone};
use relais_client::pb;
use relais_core::{case::EventKind, org::OrganisationKind, sla::TargetKind};
use relais_proto::convert::{from_duration, from_timestamp};

use super::named::{name_of, status_label, wire_name};

/// Shown where a value exists but may not be shown, or does not exist.
pub(crate) const NONE: &str = "—";

/// Who raised an event no person made: the service's own clocks.
const SERVICE: &str = "Relais";

static LOCAL: LazyLock<TimeZone> = LazyLock::new(TimeZone::system);

/// The time zone times are shown, and typed, in.
pub(crate) fn local_zone() -> TimeZone {
    LOCAL.clone()
}

/// `YYYY-MM-DD HH:MM` in the local time zone; empty when absent.
pub(crate) fn local_time(time: Option<&pbjson_types::Timestamp>) -> String {
    time.and_then(from_timestamp)
        .map(|t| {
            t.to_zoned(LOCAL.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS` in the local time zone, for records where the
/// order of calls within a minute matters; empty when absent.
pub(crate) fn local_time_seconds(time: Option<&pbjson_types::Timestamp>) -> String {
    time.and_then(from_timestamp)
        .map(|t| {
            t.to_zoned(LOCAL.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// `3 h 20 min`, `48 h`, `45 min`: an amount of time the way people say it,
/// whatever its sign. Rounded up to the minute, so that a promise made a few
/// seconds ago still shows its whole target and one due in 20 s is not "0 min".
pub(crate) fn hours_minutes(amount: SignedDuration) -> String {
    let seconds = amount.as_secs().unsigned_abs();
    let started_minute = !seconds.is_multiple_of(60) || amount.subsec_nanos() != 0;
    let minutes = seconds / 60 + u64::from(started_minute);
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes} min"),
        (hours, 0) => format!("{hours} h"),
        (hours, minutes) => format!("{hours} h {minutes} min"),
    }
}

/// A wire duration, if present and valid.
pub(crate) fn wire_duration(amount: Option<&pbjson_types::Duration>) -> Option<SignedDuration> {
    amount.and_then(from_duration)
}

/// `first response`: a promise as people name it.
pub(crate) fn target_name(target: i32) -> String {
    wire_name::<TargetKind>(target)
        .unwrap_or_default()
        .replace('_', " ")
}

/// An event's kind, with the promise it concerns for the service's events:
/// `sla.escalated level 2 (resolution)`.
pub(crate) fn event_kind(event: &pb::CaseEvent) -> String {
    let kind = name_of::<EventKind>(event.kind);
    let target = target_name(event.sla_target);
    let level = if event.kind == i32::from(pb::CaseEventKind::SlaEscalated) {
        format!(" level {}", event.escalation_level)
    } else {
        String::new()
    };
    if target.is_empty() {
        format!("{kind}{level}")
    } else {
        format!("{kind}{level} ({target})")
    }
}

/// Who made an event: a person, or Relais itself when nobody did.
pub(crate) fn actor(event: &pb::CaseEvent) -> String {
    match who(event.actor.as_ref(), event.actor_organisation.as_ref()) {
        none if none.is_empty() => SERVICE.to_owned(),
        someone => someone,
    }
}

/// `KOVALENKO Olena`: the last name in capitals, as French forms write it.
pub(crate) fn person(last_name: &str, first_names: &str) -> String {
    let last = last_name.trim().to_uppercase();
    let first = first_names.trim();
    match (last.is_empty(), first.is_empty()) {
        (true, true) => String::new(),
        (false, true) => last,
        (true, false) => first.to_owned(),
        (false, false) => format!("{last} {first}"),
    }
}

/// `CPAM de Paris (cpam, 75)`.
pub(crate) fn org_summary(org: &pb::Organisation) -> String {
    let kind = name_of::<OrganisationKind>(org.kind);
    match org.departement.as_str() {
        "" => format!("{} ({kind})", org.name),
        departement => format!("{} ({kind}, {departement})", org.name),
    }
}

pub(crate) fn org_name(org: Option<&pb::OrganisationRef>) -> &str {
    org.map_or("", |o| o.name.as_str())
}

pub(crate) fn account_name(account: Option<&pb::AccountRef>) -> &str {
    account.map_or("", |a| a.name.as_str())
}

/// `Awa Diallo (CPAM de Paris)`.
pub(crate) fn who(account: Option<&pb::AccountRef>, org: Option<&pb::OrganisationRef>) -> String {
    match (account_name(account), org_name(org)) {
        ("", org) => org.to_owned(),
        (account, "") => account.to_owned(),
        (account, org) => format!("{account} ({org})"),
    }
}

/// `SUBMITTED → IN_PROGRESS`; a status alone when it did not change.
pub(crate) fn transition(from: i32, to: i32) -> String {
    match (status_label(from), status_label(to)) {
        (from, to) if from.is_empty() => format!("→ {to}"),
        (from, to) if from == to => to,
        (from, to) => format!("{from} → {to}"),
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let single_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() <= max {
        return single_line;
    }
    let mut cut: String = single_line.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Every line of `text` prefixed with `prefix`.
pub(crate) fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("{prefix}{l}\n")
            }
        })
        .collect()
}

/// Labelled values with the values aligned; empty values are left out.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    pub(crate) fn add(&mut self, label: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.rows.push((label.to_owned(), value));
        }
        self
    }

    pub(crate) fn render(&self, prefix: &str) -> String {
        self.render_aligned(prefix, 0)
    }

    /// The room its labels take, colon included: to align several blocks.
    pub(crate) fn label_width(&self) -> usize {
        self.rows
            .iter()
            .map(|(label, _)| label.chars().count() + 1)
            .max()
            .unwrap_or(0)
    }

    /// As [`Self::render`], the values starting no sooner than `width`.
    pub(crate) fn render_aligned(&self, prefix: &str, width: usize) -> String {
        let width = self.label_width().max(width);
        let mut text = String::new();
        for (label, value) in &self.rows {
            let label = format!("{label}:");
            let mut lines = value.lines();
            let first = lines.next().unwrap_or_default();
            text.push_str(&format!("{prefix}{label:<width$}  {first}\n"));
            for more in lines {
                text.push_str(&format!("{prefix}{:width$}  {more}\n", ""));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_named_last_name_first() {
        assert_eq!(person("Kovalenko", "Olena"), "KOVALENKO Olena");
        assert_eq!(person("", ""), "");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(truncate("Carte Vitale perdue", 40), "Carte Vitale perdue");
        let cut = truncate(&"é".repeat(50), 40);
        assert_eq!(cut.chars().count(), 40);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("a\nb", 40), "a b");
    }

    #[test]
    fn transitions() {
        let s = |s: pb::CaseStatus| i32::from(s);
        assert_eq!(
            transition(s(pb::CaseStatus::Submitted), s(pb::CaseStatus::InProgress)),
            "SUBMITTED → IN_PROGRESS"
        );
        assert_eq!(transition(0, s(pb::CaseStatus::Submitted)), "→ SUBMITTED");
        assert_eq!(
            transition(s(pb::CaseStatus::InProgress), s(pb::CaseStatus::InProgress)),
            "IN_PROGRESS"
        );
    }

    #[test]
    fn fields_are_aligned_and_empty_ones_skipped() {
        let mut fields = Fields::default();
        fields
            .add("Status", "CLOSED")
            .add("Phone", "")
            .add("Description", "one\ntwo");
        assert_eq!(
            fields.render("  "),
            "  Status:       CLOSED\n  Description:  one\n                two\n"
        );
    }

    #[test]
    fn amounts_of_time_read_in_hours_and_minutes() {
        let h = SignedDuration::from_hours;
        assert_eq!(hours_minutes(h(48)), "48 h");
        assert_eq!(hours_minutes(h(-18)), "18 h");
        assert_eq!(hours_minutes(SignedDuration::from_mins(200)), "3 h 20 min");
        assert_eq!(hours_minutes(SignedDuration::from_mins(45)), "45 min");
        assert_eq!(hours_minutes(SignedDuration::from_secs(20)), "1 min");
        assert_eq!(hours_minutes(h(48) - SignedDuration::from_secs(3)), "48 h");
        assert_eq!(hours_minutes(SignedDuration::ZERO), "0 min");
    }

    #[test]
    fn service_events_name_their_promise_and_relais() {
        let event = pb::CaseEvent {
            kind: pb::CaseEventKind::SlaEscalated.into(),
            sla_target: pb::SlaTarget::Resolution.into(),
            escalation_level: 2,
            ..Default::default()
        };
        assert_eq!(event_kind(&event), "sla.escalated level 2 (resolution)");
        assert_eq!(actor(&event), "Relais");
        let at_risk = pb::CaseEvent {
            kind: pb::CaseEventKind::SlaAtRisk.into(),
            sla_target: pb::SlaTarget::FirstResponse.into(),
            ..Default::default()
        };
        assert_eq!(event_kind(&at_risk), "sla.at_risk (first response)");
        let taken = pb::CaseEvent {
            kind: pb::CaseEventKind::Taken.into(),
            actor: Some(pb::AccountRef {
                id: "a".to_owned(),
                name: "Awa Diallo".to_owned(),
            }),
            ..Default::default()
        };
        assert_eq!(event_kind(&taken), "taken");
        assert_eq!(actor(&taken), "Awa Diallo");
    }

    #[test]
    fn times_are_local_minutes() {
        let t = relais_proto::convert::timestamp("2026-11-22T10:15:30Z".parse().unwrap());
        let shown = local_time(Some(&t));
        assert_eq!(shown.len(), "2026-11-22 10:15".len(), "{shown}");
        assert_eq!(local_time(None), "");
        let precise = local_time_seconds(Some(&t));
        assert!(
            precise.starts_with(&shown) && precise.ends_with(":30"),
            "{precise}"
        );
    }
}
