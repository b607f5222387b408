//! `relais admin calendar`: how a fund counts working time.

use clap::{Args, Subcommand};
use jiff::civil::Date;
use relais_client::pb;

use crate::cli::{context::Context, error::Failure, format::Fields, resolve, value};

#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// Shows how a fund counts working time.
    Show {
        /// The fund (id or name).
        #[arg(value_name = "ORG")]
        org: String,
    },
    /// Replaces a fund's calendar with what is given.
    ///
    /// The whole calendar is replaced: closed and worked days that are not
    /// given again are dropped. Without --whole-days or --office-hours, the
    /// counting mode and office hours in force are kept.
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The fund (id or name).
    #[arg(value_name = "ORG")]
    org: String,
    /// Count each working day, Monday to Friday, as 24 hours.
    #[arg(long, conflicts_with = "office_hours")]
    whole_days: bool,
    /// Count only these hours, e.g. `mon-fri 08:30-12:30,13:30-16:30; sat
    /// 09:00-12:00` (days: mon tue wed thu fri sat sun, ranges allowed;
    /// 24:00 may end a window).
    #[arg(long, value_name = "SPEC", value_parser = office_hours)]
    office_hours: Option<OfficeHours>,
    /// A day the fund closes besides weekends and public holidays
    /// (YYYY-MM-DD; repeat the flag for more).
    #[arg(long = "closed", value_name = "DATE", value_parser = value::date)]
    closed_days: Vec<Date>,
    /// A public holiday the fund works (YYYY-MM-DD; repeat the flag for more).
    #[arg(long = "worked", value_name = "DATE", value_parser = value::date)]
    worked_days: Vec<Date>,
}

/// Weekly office hours as one flag value.
#[derive(Debug, Clone)]
pub(crate) struct OfficeHours(Vec<pb::OfficeWindow>);

const DAYS: [(&str, pb::Weekday); 7] = [
    ("mon", pb::Weekday::Monday),
    ("tue", pb::Weekday::Tuesday),
    ("wed", pb::Weekday::Wednesday),
    ("thu", pb::Weekday::Thursday),
    ("fri", pb::Weekday::Friday),
    ("sat", pb::Weekday::Saturday),
    ("sun", pb::Weekday::Sunday),
];

pub(crate) async fn run(ctx: &Context, command: CalendarCommand) -> Result<(), Failure> {
    match command {
        CalendarCommand::Show { org } => show(ctx, &org).await,
        CalendarCommand::Set(args) => set(ctx, args).await,
    }
}

async fn show(ctx: &Context, org: &str) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let fund = resolve::organisation(&client, org).await?;
    let response = client
        .get_organisation_calendar(pb::GetOrganisationCalendarRequest {
            organisation_id: fund.id.clone(),
        })
        .await?;
    let calendar = response.calendar.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || format!("Calendar of {}\n{}", fund.name, render(&calendar)),
        || mode_name(calendar.mode).to_owned(),
    )
}

async fn set(ctx: &Context, args: SetArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let fund = resolve::organisation(&client, &args.org).await?;
    let (mode, office_hours) = if args.whole_days {
        (pb::CountingMode::WholeDays.into(), Vec::new())
    } else if let Some(OfficeHours(windows)) = args.office_hours {
        (pb::CountingMode::OfficeHours.into(), windows)
    } else {
        let current = client
            .get_organisation_calendar(pb::GetOrganisationCalendarRequest {
                organisation_id: fund.id.clone(),
            })
            .await?
            .calendar
            .unwrap_or_default();
        (current.mode, current.office_hours)
    };
    let days = |dates: &[Date]| dates.iter().map(ToString::to_string).collect();
    let response = client
        .set_organisation_calendar(pb::SetOrganisationCalendarRequest {
            calendar: Some(pb::OrganisationCalendar {
                organisation_id: fund.id.clone(),
                mode,
                office_hours,
                closed_days: days(&args.closed_days),
                worked_days: days(&args.worked_days),
                time_zone: String::new(),
            }),
        })
        .await?;
    let calendar = response.calendar.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || format!("Set the calendar of {}\n{}", fund.name, render(&calendar)),
        || mode_name(calendar.mode).to_owned(),
    )
}

fn mode_name(mode: i32) -> &'static str {
    match pb::CountingMode::try_from(mode) {
        Ok(pb::CountingMode::OfficeHours) => "office_hours",
        Ok(pb::CountingMode::WholeDays) => "whole_days",
        _ => "",
    }
}

fn render(calendar: &pb::OrganisationCalendar) -> String {
    let mut fields = Fields::default();
    let office_hours = calendar.mode == i32::from(pb::CountingMode::OfficeHours);
    let mode = if office_hours {
        "office hours: only the hours below count"
    } else {
        "whole days: each working day, Monday to Friday, counts 24 hours"
    };
    fields
        .add("Mode", mode)
        .add("Time zone", calendar.time_zone.as_str());
    if office_hours {
        fields.add("Office hours", week(&calendar.office_hours));
    }
    let list = |days: &[String]| {
        if days.is_empty() {
            "none".to_owned()
        } else {
            days.join(", ")
        }
    };
    fields
        .add("Closed days", list(&calendar.closed_days))
        .add("Worked days", list(&calendar.worked_days));
    fields.render("  ")
}

/// One line per day of the week: `mon  08:30-12:30, 13:30-16:30`, written as
/// `--office-hours` takes them.
fn week(windows: &[pb::OfficeWindow]) -> String {
    DAYS.iter()
        .map(|(name, day)| {
            let hours: Vec<String> = windows
                .iter()
                .filter(|w| w.weekday == i32::from(*day))
                .map(|w| format!("{}-{}", w.start, w.end))
                .collect();
            if hours.is_empty() {
                format!("{name}  closed")
            } else {
                format!("{name}  {}", hours.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const SPEC_FORM: &str = "expected office hours such as \
     `mon-fri 08:30-12:30,13:30-16:30; sat 09:00-12:00` \
     (days: mon tue wed thu fri sat sun, ranges such as mon-fri; times as HH:MM, 24:00 as an end)";

/// `mon-fri 08:30-12:30,13:30-16:30; sat 09:00-12:00`: groups of days, each
/// with its windows. Whether the windows fit together (in order, not
/// overlapping) is the server's to say, field by field.
fn office_hours(text: &str) -> Result<OfficeHours, String> {
    let mut windows = Vec::new();
    for group in text.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        let bad = || format!("{group:?}: {SPEC_FORM}");
        let (days, hours) = group.split_once(char::is_whitespace).ok_or_else(bad)?;
        let days = weekdays(days).ok_or_else(bad)?;
        let hours = hours
            .split(',')
            .map(|window| {
                let (start, end) = window.trim().split_once('-')?;
                Some((hhmm(start, false)?, hhmm(end, true)?))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        for day in days {
            for (start, end) in &hours {
                windows.push(pb::OfficeWindow {
                    weekday: day.into(),
                    start: start.clone(),
                    end: end.clone(),
                });
            }
        }
    }
    if windows.is_empty() {
        return Err(SPEC_FORM.to_owned());
    }
    Ok(OfficeHours(windows))
}

/// `mon-fri`, `sat`, `mon,wed-fri`: the days named, Monday first.
fn weekdays(text: &str) -> Option<Vec<pb::Weekday>> {
    let index = |name: &str| {
        DAYS.iter()
            .position(|(day, _)| *day == name.trim().to_lowercase())
    };
    let mut days = Vec::new();
    for part in text.split(',') {
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (index(first)?, index(last)?),
            None => (index(part)?, index(part)?),
        };
        if first > last {
            return None;
        }
        days.extend(DAYS[first..=last].iter().map(|(_, day)| *day));
    }
    days.sort_by_key(|day| i32::from(*day));
    days.dedup();
    Some(days)
}

/// `HH:MM` as the server takes it (`8:30` is read as `08:30`); `24:00` only
/// as the end of a window.
fn hhmm(text: &str, end: bool) -> Option<String> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |part: &str, lengths: &[usize]| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, &[1, 2]) || !digits(minutes, &[2]) {
        return None;
    }
    let (hours, minutes): (u8, u8) = (hours.parse().ok()?, minutes.parse().ok()?);
    let midnight = end && hours == 24 && minutes == 0;
    (midnight || (hours < 24 && minutes < 60)).then(|| format!("{hours:02}:{minutes:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(text: &str) -> Vec<(i32, String, String)> {
        office_hours(text)
            .unwrap()
            .0
            .into_iter()
            .map(|w| (w.weekday, w.start, w.end))
            .collect()
    }

    #[test]
    fn office_hours_name_days_and_windows() {
        let parsed = windows("mon-fri 08:30-12:30,13:30-16:30; sat 9:00-12:00");
        assert_eq!(parsed.len(), 11);
        assert_eq!(
            parsed[0],
            (
                pb::Weekday::Monday.into(),
                "08:30".to_owned(),
                "12:30".to_owned()
            )
        );
        assert_eq!(
            parsed[10],
            (
                pb::Weekday::Saturday.into(),
                "09:00".to_owned(),
                "12:00".to_owned()
            )
        );
        let late = windows("Sun 18:00-24:00");
        assert_eq!(late[0].2, "24:00");
        assert_eq!(windows("mon,wed-thu 08:00-12:00").len(), 3);
    }

    #[test]
    fn bad_office_hours_show_the_expected_form() {
        for bad in [
            "",
            "mon-fri",
            "weekdays 08:00-12:00",
            "fri-mon 08:00-12:00",
            "mon 8h-12h",
            "mon 24:00-12:00",
            "mon 08:00-12:60",
            "mon 08:00",
        ] {
            let error = office_hours(bad).unwrap_err();
            assert!(error.contains("mon-fri 08:30-12:30"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_calendar_reads_day_by_day() {
        let calendar = pb::OrganisationCalendar {
            mode: pb::CountingMode::OfficeHours.into(),
            office_hours: office_hours("mon-fri 08:30-12:30,13:30-16:30").unwrap().0,
            closed_days: vec!["2026-01-12".to_owned()],
            time_zone: "Europe/Paris".to_owned(),
            ..Default::default()
        };
        let text = render(&calendar);
        for expected in [
            "Europe/Paris",
            "mon  08:30-12:30, 13:30-16:30\n",
            "sun  closed\n",
            "Closed days:   2026-01-12\n",
            "Worked days:   none\n",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from\n{text}");
        }
    }
}
