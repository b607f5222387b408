//! `relais case list`.

use clap::{Args, ValueEnum};
use jiff::Timestamp;
use relais_client::{collect_pages, pb};
use relais_core::case::{Category, Status};
use relais_proto::convert::timestamp;

use crate::cli::{
    context::Context,
    error::Failure,
    format::{NONE, account_name, local_time, org_name, person, truncate},
    named::{named, status_label},
    output::{Listing, table},
    promise, resolve, value,
};

/// Narrower than a subject deserves, to leave room for the promise.
const SUBJECT_WIDTH: usize = 32;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Order {
    /// Oldest first.
    Oldest,
    /// By the due instant of the promise each case waits for; paused cases
    /// and cases without a pending promise last.
    Due,
}

impl From<Order> for pb::CaseOrder {
    fn from(order: Order) -> Self {
        match order {
            Order::Oldest => pb::CaseOrder::OldestFirst,
            Order::Due => pb::CaseOrder::DueFirst,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only cases in these statuses (repeat the flag or separate with commas).
    #[arg(long = "status", value_name = "STATUS", value_parser = named::<Status>(), value_delimiter = ',')]
    statuses: Vec<Status>,
    /// Only cases in these categories.
    #[arg(long = "category", value_name = "CATEGORY", value_parser = named::<Category>(), value_delimiter = ',')]
    categories: Vec<Category>,
    /// Only cases assigned to you.
    #[arg(long)]
    mine: bool,
    /// Only cases submitted by your organisation.
    #[arg(long)]
    ours: bool,
    /// Only cases handled by this fund (id or name).
    #[arg(long, value_name = "ORG")]
    handler: Option<String>,
    /// Only open cases whose pending promise was escalated.
    #[arg(long)]
    escalated: bool,
    /// Only open cases whose pending promise is due before TIME, due first:
    /// `YYYY-MM-DD HH:MM` in local time, or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = value::instant)]
    due_before: Option<Timestamp>,
    /// The order of the cases [default: oldest, or due with --due-before].
    #[arg(long, value_enum)]
    order: Option<Order>,
    /// At most this many cases.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
}

pub(crate) async fn run(ctx: &Context, args: ListArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let mut request = pb::ListCasesRequest {
        statuses: args
            .statuses
            .iter()
            .map(|s| pb::CaseStatus::from(*s).into())
            .collect(),
        categories: args
            .categories
            .iter()
            .map(|c| pb::Category::from(*c).into())
            .collect(),
        assigned_to_me: args.mine,
        submitted_by_my_organisation: args.ours,
        escalated: args.escalated,
        due_before: args.due_before.map(timestamp),
        order: args
            .order
            .map(|order| pb::CaseOrder::from(order).into())
            .unwrap_or_default(),
        ..Default::default()
    };
    if let Some(handler) = &args.handler {
        request.handler_organisation_id = resolve::organisation_id(&client, handler).await?;
    }
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let cases = collect_pages(request, limit, |request| async {
        let page = client.list_cases(request).await?;
        Ok((page.cases, page.next_page_token))
    })
    .await?;
    ctx.out.response(
        &Listing {
            key: "cases",
            items: &cases,
        },
        || human(&cases),
        || cases.iter().map(|c| format!("{}\n", c.reference)).collect(),
    )
}

fn human(cases: &[pb::Case]) -> String {
    if cases.is_empty() {
        return "No cases.".to_owned();
    }
    let rows = cases
        .iter()
        .map(|c| {
            [
                c.reference.clone(),
                status_label(c.status),
                due(c),
                if c.redacted {
                    NONE.to_owned()
                } else {
                    truncate(&c.subject, SUBJECT_WIDTH)
                },
                beneficiary(c),
                org_name(c.handler_organisation.as_ref()).to_owned(),
                account_name(c.assignee.as_ref()).to_owned(),
                local_time(c.create_time.as_ref()),
            ]
        })
        .collect();
    table(
        [
            "reference",
            "status",
            "due",
            "subject",
            "beneficiary",
            "handler",
            "assignee",
            "created",
        ],
        rows,
    )
}

/// Where the promise the case waits for stands; the category, left out of
/// the table to make room for it, is in `relais case show`.
fn due(case: &pb::Case) -> String {
    promise::pending(case.sla.as_ref()).map_or_else(|| NONE.to_owned(), promise::standing)
}

fn beneficiary(case: &pb::Case) -> String {
    match &case.beneficiary {
        Some(b) if !case.redacted => person(&b.last_name, &b.first_names),
        _ => NONE.to_owned(),
    }
}
