//! `relais admin sla-policy`: what the funds promise, category by category.

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use jiff::SignedDuration;
use relais_client::pb;
use relais_core::{
    case::Category,
    sla::{Audience, ClockKind},
};
use relais_proto::convert::{FromWire, duration};
use tonic::Code;

use crate::cli::{
    context::Context,
    error::Failure,
    format::{Fields, hours_minutes, wire_duration},
    named::{name_of, named},
    output::table,
    resolve, value,
};

#[derive(Debug, Subcommand)]
pub(crate) enum SlaPolicyCommand {
    /// Lists the policy in force for every category: the defaults, or one fund's.
    List {
        /// The policies this fund (id or name) applies, its own or the defaults.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// Changes the policy of a category, by default or for one fund.
    ///
    /// Starts from the policy now in force for the category (and the fund)
    /// and changes only what is given. Applies to cases submitted or reopened
    /// afterwards.
    Set(Box<SetArgs>),
}

/// How a promise counts time, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Clock {
    /// The fund's working time (its calendar).
    Working,
    /// Every hour, nights, weekends and holidays included.
    RoundTheClock,
}

impl From<Clock> for pb::SlaClock {
    fn from(clock: Clock) -> Self {
        match clock {
            Clock::Working => pb::SlaClock::WorkingTime,
            Clock::RoundTheClock => pb::SlaClock::RoundTheClock,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("changes").multiple(true).required(true)))]
pub(crate) struct SetArgs {
    /// The category of cases the policy is for.
    #[arg(long, value_parser = named::<Category>())]
    category: Category,
    /// The fund (id or name) whose own policy this is; without it, the
    /// default for every fund that has none of its own.
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    /// Time to the first response: `48h`, `90m`, `15d` (a day is 24 hours of
    /// counted time), `2d4h`.
    #[arg(long, value_name = "DUR", value_parser = value::duration, group = "changes")]
    first_response: Option<SignedDuration>,
    #[arg(long, value_name = "CLOCK", value_enum, group = "changes")]
    first_response_clock: Option<Clock>,
    /// Time to the first response to an urgent case.
    #[arg(long, value_name = "DUR", value_parser = value::duration, group = "changes")]
    urgent_first_response: Option<SignedDuration>,
    #[arg(long, value_name = "CLOCK", value_enum, group = "changes")]
    urgent_clock: Option<Clock>,
    /// Time to the resolution.
    #[arg(long, value_name = "DUR", value_parser = value::duration, group = "changes")]
    resolution: Option<SignedDuration>,
    #[arg(long, value_name = "CLOCK", value_enum, group = "changes")]
    resolution_clock: Option<Clock>,
    /// Share of a target at which a case becomes at risk: `75` or `75%`.
    #[arg(long, value_name = "PERCENT", value_parser = percent, group = "changes")]
    warning: Option<i32>,
    /// The escalation levels, in order, as shares of the target and whom
    /// they notify: `100:supervisors,200:administrators` (100: when due);
    /// `none` for no escalation.
    #[arg(long, value_name = "LEVELS", value_parser = escalations, group = "changes")]
    escalations: Option<Escalations>,
}

/// Escalation levels as one flag value.
#[derive(Debug, Clone)]
pub(crate) struct Escalations(Vec<pb::Escalation>);

pub(crate) async fn run(ctx: &Context, command: SlaPolicyCommand) -> Result<(), Failure> {
    match command {
        SlaPolicyCommand::List { org } => list(ctx, org.as_deref()).await,
        SlaPolicyCommand::Set(args) => set(ctx, *args).await,
    }
}

async fn list(ctx: &Context, org: Option<&str>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let fund = match org {
        Some(text) => Some(resolve::organisation(&client, text).await?),
        None => None,
    };
    let response = client
        .list_sla_policies(pb::ListSlaPoliciesRequest {
            organisation_id: fund.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
        })
        .await?;
    let fund_name = fund.as_ref().map_or("", |f| f.name.as_str());
    ctx.out.response(
        &response,
        || human(&response.policies, fund_name),
        || {
            response
                .policies
                .iter()
                .map(|p| format!("{}\n", name_of::<Category>(p.category)))
                .collect()
        },
    )
}

fn human(policies: &[pb::SlaPolicy], fund_name: &str) -> String {
    if policies.is_empty() {
        return "No policies.".to_owned();
    }
    let rows = policies
        .iter()
        .map(|p| {
            [
                name_of::<Category>(p.category).to_owned(),
                applies_to(p, fund_name),
                target(p.first_response.as_ref()),
                target(p.urgent_first_response.as_ref()),
                target(p.resolution.as_ref()),
                format!("{} %", p.warning_percent),
                escalation_levels(&p.escalations),
            ]
        })
        .collect();
    table(
        [
            "category",
            "applies to",
            "first response",
            "urgent first response",
            "resolution",
            "warning",
            "escalations",
        ],
        rows,
    )
}

/// `default`, `built-in`, or the fund whose own policy it is.
fn applies_to(policy: &pb::SlaPolicy, fund_name: &str) -> String {
    if policy.built_in {
        "built-in".to_owned()
    } else if policy.organisation_id.is_empty() {
        "default".to_owned()
    } else if fund_name.is_empty() {
        policy.organisation_id.clone()
    } else {
        fund_name.to_owned()
    }
}

/// `48 h working`, `24 h round the clock`.
fn target(policy: Option<&pb::TargetPolicy>) -> String {
    let Some(policy) = policy else {
        return String::new();
    };
    let amount = wire_duration(policy.target.as_ref())
        .map(hours_minutes)
        .unwrap_or_default();
    let clock = match ClockKind::from_wire(policy.clock) {
        Some(ClockKind::WorkingTime) => "working",
        Some(ClockKind::RoundTheClock) => "round the clock",
        None => "",
    };
    format!("{amount} {clock}").trim().to_owned()
}

/// `100 % supervisors, 200 % administrators`.
fn escalation_levels(escalations: &[pb::Escalation]) -> String {
    if escalations.is_empty() {
        return "none".to_owned();
    }
    escalations
        .iter()
        .map(|e| format!("{} % {}", e.percent, name_of::<Audience>(e.audience)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn set(ctx: &Context, args: SetArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let fund = match &args.org {
        Some(text) => Some(resolve::organisation(&client, text).await?),
        None => None,
    };
    let organisation_id = fund.as_ref().map(|f| f.id.clone()).unwrap_or_default();
    let category = i32::from(pb::Category::from(args.category));
    // The server takes whole policies: start from the one in force, so that
    // what was not given stays as it is.
    let in_force = client
        .list_sla_policies(pb::ListSlaPoliciesRequest {
            organisation_id: organisation_id.clone(),
        })
        .await?;
    let mut policy = in_force
        .policies
        .into_iter()
        .find(|p| p.category == category)
        .ok_or_else(|| {
            Failure::local(
                Code::NotFound,
                format!(
                    "the server has no policy for {} cases",
                    args.category.as_str()
                ),
            )
        })?;
    policy.organisation_id = organisation_id;
    policy.built_in = false;
    apply(&mut policy, &args);
    let response = client
        .set_sla_policy(pb::SetSlaPolicyRequest {
            policy: Some(policy),
        })
        .await?;
    let stored = response.policy.clone().unwrap_or_default();
    let scope = match &fund {
        Some(fund) => format!("at {}", fund.name),
        None => "by default".to_owned(),
    };
    ctx.out.response(
        &response,
        || {
            format!(
                "Set the policy for {} cases {scope}:\n{}",
                name_of::<Category>(stored.category),
                details(&stored).render("  ")
            )
        },
        || name_of::<Category>(stored.category).to_owned(),
    )
}

fn apply(policy: &mut pb::SlaPolicy, args: &SetArgs) {
    for (promise, amount, clock) in [
        (
            &mut policy.first_response,
            args.first_response,
            args.first_response_clock,
        ),
        (
            &mut policy.urgent_first_response,
            args.urgent_first_response,
            args.urgent_clock,
        ),
        (
            &mut policy.resolution,
            args.resolution,
            args.resolution_clock,
        ),
    ] {
        let promise = promise.get_or_insert_with(pb::TargetPolicy::default);
        if let Some(amount) = amount {
            promise.target = Some(duration(amount));
        }
        if let Some(clock) = clock {
            promise.clock = pb::SlaClock::from(clock).into();
        }
    }
    if let Some(warning) = args.warning {
        policy.warning_percent = warning;
    }
    if let Some(Escalations(levels)) = &args.escalations {
        policy.escalations.clone_from(levels);
    }
}

fn details(policy: &pb::SlaPolicy) -> Fields {
    let mut fields = Fields::default();
    fields
        .add("First response", target(policy.first_response.as_ref()))
        .add(
            "Urgent first response",
            target(policy.urgent_first_response.as_ref()),
        )
        .add("Resolution", target(policy.resolution.as_ref()))
        .add("Warning", format!("{} %", policy.warning_percent))
        .add("Escalations", escalation_levels(&policy.escalations));
    fields
}

const PERCENT_FORM: &str = "expected a percentage such as 75 or 75%";

/// `75` or `75%`. Whether the share makes sense is the server's to say, with
/// the other fields of the policy.
fn percent(text: &str) -> Result<i32, String> {
    let digits = text.trim().trim_end_matches('%').trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PERCENT_FORM.to_owned());
    }
    digits.parse().map_err(|_| PERCENT_FORM.to_owned())
}

const ESCALATIONS_FORM: &str = "expected levels such as 100:supervisors,200:administrators \
     (a share of the target in percent, then supervisors or administrators), or none";

fn escalations(text: &str) -> Result<Escalations, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(Escalations(Vec::new()));
    }
    text.split(',')
        .map(|level| {
            let (share, audience) = level
                .split_once(':')
                .ok_or_else(|| format!("{level:?}: {ESCALATIONS_FORM}"))?;
            let percent = percent(share).map_err(|_| format!("{level:?}: {ESCALATIONS_FORM}"))?;
            let audience = Audience::from_name(&audience.trim().to_lowercase())
                .ok_or_else(|| format!("{level:?}: {ESCALATIONS_FORM}"))?;
            Ok(pb::Escalation {
                percent,
                audience: pb::EscalationAudience::from(audience).into(),
            })
        })
        .collect::<Result<_, String>>()
        .map(Escalations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalations_read_as_shares_and_audiences() {
        let Escalations(levels) = escalations("100:supervisors, 200%:Administrators").unwrap();
        assert_eq!(
            levels,
            [
                pb::Escalation {
                    percent: 100,
                    audience: pb::EscalationAudience::Supervisors.into(),
                },
                pb::Escalation {
                    percent: 200,
                    audience: pb::EscalationAudience::Administrators.into(),
                },
            ]
        );
        assert!(escalations("none").unwrap().0.is_empty());
        for bad in ["100", "supervisors:100", "100:everyone", "100:supervisors,"] {
            let error = escalations(bad).unwrap_err();
            assert!(
                error.contains("100:supervisors,200:administrators"),
                "{error}"
            );
        }
    }

    #[test]
    fn percentages_may_carry_their_sign() {
        assert_eq!(percent("75"), Ok(75));
        assert_eq!(percent("75 %"), Ok(75));
        assert!(percent("three quarters").is_err());
        assert!(percent("-5").is_err());
    }

    #[test]
    fn policies_read_in_hours_and_clocks() {
        let policy = pb::SlaPolicy {
            category: pb::Category::CarteVitale.into(),
            first_response: Some(pb::TargetPolicy {
                target: Some(duration(SignedDuration::from_hours(48))),
                clock: pb::SlaClock::WorkingTime.into(),
            }),
            urgent_first_response: Some(pb::TargetPolicy {
                target: Some(duration(SignedDuration::from_hours(24))),
                clock: pb::SlaClock::RoundTheClock.into(),
            }),
            resolution: Some(pb::TargetPolicy {
                target: Some(duration(SignedDuration::from_hours(360))),
                clock: pb::SlaClock::WorkingTime.into(),
            }),
            warning_percent: 75,
            escalations: escalations("100:supervisors,200:administrators").unwrap().0,
            built_in: true,
            ..Default::default()
        };
        let text = human(std::slice::from_ref(&policy), "");
        for expected in [
            "carte_vitale",
            "built-in",
            "48 h working",
            "24 h round the clock",
            "360 h working",
            "75 %",
            "100 % supervisors, 200 % administrators",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from\n{text}");
        }
        let mut own = policy;
        own.built_in = false;
        own.organisation_id = "0190".to_owned();
        assert_eq!(applies_to(&own, "CPAM de Paris"), "CPAM de Paris");
        own.organisation_id.clear();
        assert_eq!(applies_to(&own, ""), "default");
    }
}
