//! Small pieces of human output shared by the commands: local times, names,
//! organisations, status transitions, aligned blocks of fields.

use std::sync::LazyLock;

use jiff::tz::TimeZone;
use relais_client::pb;
use relais_proto::convert::from_timestamp;

use relais_core::org::OrganisationKind;

use super::named::{name_of, status_label};

/// Shown where a value exists but may not be shown, or does not exist.
pub(crate) const NONE: &str = "—";

static LOCAL: LazyLock<TimeZone> = LazyLock::new(TimeZone::system);

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
        let width = self
            .rows
            .iter()
            .map(|(label, _)| label.chars().count() + 1)
            .max()
            .unwrap_or(0);
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
    fn times_are_local_minutes() {
        let t = relais_proto::convert::timestamp("2026-11-22T10:15:30Z".parse().unwrap());
        let shown = local_time(Some(&t));
        assert_eq!(shown.len(), "2026-11-22 10:15".len(), "{shown}");
        assert_eq!(local_time(None), "");
    }
}
