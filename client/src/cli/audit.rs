//! `relais audit`: the audit trail, for auditors.

use clap::{Args, Subcommand};
use jiff::Timestamp;
use relais_client::{collect_pages, pb};
use relais_proto::convert::timestamp;

use super::{
    context::Context,
    error::Failure,
    format::{NONE, account_name, local_time_seconds, org_name},
    output::{Listing, table},
    value,
};

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Lists the calls recorded, newest first: every read of beneficiary
    /// data and every change, with who, from where and how it ended.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only calls about this case (reference or id).
    #[arg(long = "case", value_name = "REF")]
    case_ref: Option<String>,
    /// Only calls of this account.
    #[arg(long, value_name = "ACCOUNT_ID")]
    account: Option<String>,
    /// Only calls at or after TIME: `YYYY-MM-DD` (from midnight) or
    /// `YYYY-MM-DD HH:MM` in local time, or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = value::instant_or_day)]
    since: Option<Timestamp>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
}

pub(crate) async fn run(ctx: &Context, command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::List(args) => list(ctx, args).await,
    }
}

async fn list(ctx: &Context, args: ListArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let request = pb::ListAuditEntriesRequest {
        case_ref: args.case_ref.unwrap_or_default(),
        account_id: args.account.unwrap_or_default(),
        since: args.since.map(timestamp),
        ..Default::default()
    };
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let entries = collect_pages(request, limit, |request| async {
        let page = client.list_audit_entries(request).await?;
        Ok((page.entries, page.next_page_token))
    })
    .await?;
    ctx.out.response(
        &Listing {
            key: "entries",
            items: &entries,
        },
        || human(&entries),
        // Who touched the case is the question an audit answers first.
        || {
            entries
                .iter()
                .map(|e| match &e.account {
                    Some(account) => format!("{}\n", account.id),
                    None => format!("{NONE}\n"),
                })
                .collect()
        },
    )
}

fn human(entries: &[pb::AuditEntry]) -> String {
    if entries.is_empty() {
        return "No audit entries.".to_owned();
    }
    let rows = entries
        .iter()
        .map(|e| {
            [
                local_time_seconds(e.time.as_ref()),
                account_name(e.account.as_ref()).to_owned(),
                org_name(e.organisation.as_ref()).to_owned(),
                short_rpc(&e.rpc).to_owned(),
                if e.case_reference.is_empty() {
                    e.case_id.clone()
                } else {
                    e.case_reference.clone()
                },
                e.peer.clone(),
                e.credential.clone(),
                e.request_id.clone(),
                e.outcome.clone(),
            ]
        })
        .collect();
    table(
        [
            "time",
            "account",
            "organisation",
            "rpc",
            "case",
            "peer",
            "credential",
            "request id",
            "outcome",
        ],
        rows,
    )
}

/// `CaseService/GetCase`: every RPC is in the one package.
fn short_rpc(rpc: &str) -> &str {
    rpc.strip_prefix("relais.v1.").unwrap_or(rpc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_name_the_call_the_case_and_the_outcome() {
        let entry = pb::AuditEntry {
            time: Some(timestamp("2026-01-13T15:00:00Z".parse().unwrap())),
            account: Some(pb::AccountRef {
                id: "a1".to_owned(),
                name: "Awa Diallo".to_owned(),
            }),
            rpc: "relais.v1.CaseService/GetCase".to_owned(),
            case_id: "0197".to_owned(),
            case_reference: "R-7K3M-9QX2".to_owned(),
            credential: "token:t1".to_owned(),
            outcome: "OK".to_owned(),
            ..Default::default()
        };
        let text = human(&[entry]);
        let row = text.lines().nth(1).unwrap();
        for expected in [
            ":00 ",
            "Awa Diallo",
            " CaseService/GetCase ",
            "R-7K3M-9QX2",
            "token:t1",
        ] {
            assert!(row.contains(expected), "{expected:?} missing from {row:?}");
        }
        assert!(row.ends_with("OK"), "{row:?}");
        assert!(!row.contains("0197"), "{row:?}");
        assert_eq!(human(&[]), "No audit entries.");
    }
}
