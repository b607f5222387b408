//! `relais sla report`: the promises kept on the cases received in a period,
//! one row per group and a total, as a table, CSV or JSON.

use std::borrow::Cow;

use clap::{Args, ValueEnum};
use jiff::civil::Date;
use relais_client::pb;
use relais_core::sla::report::Grouping;
use tonic::Code;

use crate::cli::{
    context::Context,
    error::Failure,
    format::{NONE, hours_minutes, wire_duration},
    named::named,
    output::{Mode, table},
    value,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people.
    Table,
    /// The server's response.
    Json,
    /// For spreadsheets: a header of stable names, one line per group, then the total.
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The first day of the period (YYYY-MM-DD, a day in Paris).
    #[arg(long, value_name = "DATE", value_parser = value::date)]
    from: Date,
    /// The last day of the period, included.
    #[arg(long, value_name = "DATE", value_parser = value::date)]
    to: Date,
    /// What a row gathers: the cases of one handling fund, of one submitting
    /// partner, of one category or of one département.
    #[arg(long, value_name = "GROUP", value_parser = named::<Grouping>(), default_value = "organisation")]
    by: Grouping,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: ReportArgs) -> Result<(), Failure> {
    // The server means to refuse such a period but answers with an empty
    // report, which would read as "no cases".
    if args.to < args.from {
        return Err(Failure::local(
            Code::InvalidArgument,
            format!(
                "the period ends before it starts: --to {} comes before --from {}",
                args.to, args.from
            ),
        ));
    }
    let client = ctx.client().await?;
    let response = client
        .get_report(pb::GetReportRequest {
            from_date: args.from.to_string(),
            to_date: args.to.to_string(),
            group_by: pb::ReportGrouping::from(args.by).into(),
        })
        .await?;
    match (ctx.out.mode(), args.format) {
        (Mode::Json, _) | (_, Format::Json) => ctx.out.json(&response),
        // Asked for by name: CSV is the essential value, even with -q.
        (_, Format::Csv) => ctx
            .out
            .response(&response, || csv(&response), || csv(&response)),
        (_, Format::Table) => ctx.out.response(
            &response,
            || human(&response, &args),
            || {
                response
                    .rows
                    .iter()
                    .map(|row| format!("{}\n", row.key))
                    .collect()
            },
        ),
    }
}

fn human(response: &pb::GetReportResponse, args: &ReportArgs) -> String {
    let period = format!("from {} to {}", args.from, args.to);
    if response.rows.is_empty() {
        return format!("No cases received {period}.");
    }
    let group = match args.by {
        Grouping::HandlerOrganisation => "fund",
        Grouping::PartnerOrganisation => "partner",
        Grouping::Category => "category",
        Grouping::Departement => "département",
    };
    let mut rows: Vec<[String; 11]> = response.rows.iter().map(cells).collect();
    if let Some(total) = &response.total {
        rows.push(cells(total));
    }
    format!(
        "Cases received {period}, by {group} (times counted as each promise counts them):\n{}",
        table(
            [
                group,
                "received",
                "first resp. in time",
                "first resp. median",
                "first resp. p90",
                "take median",
                "resolved in time",
                "on track",
                "at risk",
                "breached",
                "paused",
            ],
            rows,
        )
    )
}

fn cells(row: &pb::ReportRow) -> [String; 11] {
    let time = |amount: Option<&pbjson_types::Duration>| {
        wire_duration(amount).map_or_else(|| NONE.to_owned(), hours_minutes)
    };
    [
        if row.label.is_empty() {
            row.key.clone()
        } else {
            row.label.clone()
        },
        row.received.to_string(),
        share(
            row.first_responses_within_target,
            row.first_responses_decided,
        ),
        time(row.first_response_median.as_ref()),
        time(row.first_response_p90.as_ref()),
        time(row.take_median.as_ref()),
        share(row.resolutions_within_target, row.resolutions_decided),
        row.open_on_track.to_string(),
        row.open_at_risk.to_string(),
        row.open_breached.to_string(),
        row.open_paused.to_string(),
    ]
}

/// `2/3 (66.6 %)`. Rounded down, so that 100 % means every promise was kept.
fn share(kept: i64, decided: i64) -> String {
    if decided <= 0 {
        return NONE.to_owned();
    }
    let tenths = kept.saturating_mul(1000) / decided;
    let percent = match tenths % 10 {
        0 => format!("{}", tenths / 10),
        tenth => format!("{}.{tenth}", tenths / 10),
    };
    format!("{kept}/{decided} ({percent} %)")
}

/// The CSV header: the report's field names, durations in seconds.
const CSV_HEADER: [&str; 17] = [
    "key",
    "label",
    "received",
    "first_responses_decided",
    "first_responses_within_target",
    "first_responses_within_target_percent",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "take_median_seconds",
    "take_p90_seconds",
    "resolutions_decided",
    "resolutions_within_target",
    "resolutions_within_target_percent",
    "open_on_track",
    "open_at_risk",
    "open_breached",
    "open_paused",
];

fn csv(response: &pb::GetReportResponse) -> String {
    let mut total = response.total.clone().unwrap_or_default();
    if total.key.is_empty() {
        total.key = "total".to_owned();
    }
    let mut text = csv_line(CSV_HEADER.map(Cow::Borrowed));
    for row in response.rows.iter().chain([&total]) {
        text.push_str(&csv_line(csv_fields(row)));
    }
    text
}

fn csv_fields(row: &pb::ReportRow) -> [Cow<'_, str>; 17] {
    let seconds = |amount: Option<&pbjson_types::Duration>| {
        wire_duration(amount).map_or_else(String::new, |d| d.as_secs().to_string())
    };
    let count = |n: i64| Cow::Owned(n.to_string());
    [
        Cow::Borrowed(row.key.as_str()),
        Cow::Borrowed(row.label.as_str()),
        count(row.received),
        count(row.first_responses_decided),
        count(row.first_responses_within_target),
        Cow::Owned(percent(row.first_responses_within_target_percent)),
        Cow::Owned(seconds(row.first_response_median.as_ref())),
        Cow::Owned(seconds(row.first_response_p90.as_ref())),
        Cow::Owned(seconds(row.take_median.as_ref())),
        Cow::Owned(seconds(row.take_p90.as_ref())),
        count(row.resolutions_decided),
        count(row.resolutions_within_target),
        Cow::Owned(percent(row.resolutions_within_target_percent)),
        count(row.open_on_track),
        count(row.open_at_risk),
        count(row.open_breached),
        count(row.open_paused),
    ]
}

/// At most two decimals, none when they are zeros: `75`, `66.67`.
fn percent(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// One CSV record (RFC 4180): a field holding a comma, a quote or a line
/// break is quoted, its quotes doubled.
fn csv_line<const N: usize>(fields: [Cow<'_, str>; N]) -> String {
    let mut line = fields
        .iter()
        .map(|field| {
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use relais_proto::convert::duration;

    use super::*;

    fn sample() -> pb::GetReportResponse {
        let row = |key: &str, label: &str| pb::ReportRow {
            key: key.to_owned(),
            label: label.to_owned(),
            received: 3,
            first_responses_decided: 3,
            first_responses_within_target: 2,
            first_responses_within_target_percent: 200.0 / 3.0,
            first_response_median: Some(duration(SignedDuration::from_mins(200))),
            open_on_track: 1,
            ..Default::default()
        };
        pb::GetReportResponse {
            rows: vec![row("0190", "CPAM de Paris, site \"Nord\"")],
            total: Some(row("total", "Total")),
            generate_time: None,
        }
    }

    #[test]
    fn csv_has_a_stable_header_quoted_labels_and_a_total() {
        let text = csv(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert!(
            lines[1].starts_with("0190,\"CPAM de Paris, site \"\"Nord\"\"\",3,3,2,66.67,12000,,"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("total,Total,3,"), "{}", lines[2]);
        assert!(lines[2].ends_with(",1,0,0,0"), "{}", lines[2]);
    }

    #[test]
    fn shares_round_down_and_say_when_nothing_was_decided() {
        assert_eq!(share(2, 3), "2/3 (66.6 %)");
        assert_eq!(share(3, 4), "3/4 (75 %)");
        assert_eq!(share(999, 1000), "999/1000 (99.9 %)");
        assert_eq!(share(0, 0), NONE);
    }

    #[test]
    fn the_table_ends_with_the_total() {
        let args = ReportArgs {
            from: jiff::civil::date(2026, 1, 1),
            to: jiff::civil::date(2026, 1, 31),
            by: Grouping::HandlerOrganisation,
            format: Format::Table,
        };
        let text = human(&sample(), &args);
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("Total "), "{text}");
        assert!(
            last.contains("2/3 (66.6 %)") && last.contains("3 h 20 min"),
            "{text}"
        );
        assert!(text.starts_with("Cases received from 2026-01-01 to 2026-01-31, by fund"));
    }
}
