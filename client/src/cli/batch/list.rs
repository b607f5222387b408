//! `relais batch list`: the files the organisation sent, newest first.

use clap::Args;
use relais_client::{collect_pages, pb};

use crate::cli::{
    context::Context,
    error::Failure,
    format::local_time,
    output::{Listing, table},
};

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// At most this many batches.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
}

pub(crate) async fn run(ctx: &Context, args: ListArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let batches = collect_pages(pb::ListBatchesRequest::default(), limit, |request| async {
        let page = client.list_batches(request).await?;
        Ok((page.batches, page.next_page_token))
    })
    .await?;
    ctx.out.response(
        &Listing {
            key: "batches",
            items: &batches,
        },
        || human(&batches),
        || batches.iter().map(|b| format!("{}\n", b.id)).collect(),
    )
}

fn human(batches: &[pb::Batch]) -> String {
    if batches.is_empty() {
        return "No batches.".to_owned();
    }
    let rows = batches
        .iter()
        .map(|b| {
            let counts = b.counts.unwrap_or_default();
            [
                b.id.clone(),
                b.request_id.clone(),
                b.file_name.clone(),
                local_time(b.create_time.as_ref()),
                format!("{}/{}", counts.rows, b.declared_rows),
                counts.accepted.to_string(),
                counts.accepted_with_warnings.to_string(),
                counts.duplicates.to_string(),
                counts.rejected.to_string(),
                counts.cases.to_string(),
            ]
        })
        .collect();
    table(
        [
            "id",
            "request id",
            "file",
            "sent at",
            "rows/declared",
            "accepted",
            "warnings",
            "duplicates",
            "rejected",
            "cases",
        ],
        rows,
    )
}
