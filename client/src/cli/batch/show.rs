//! `relais batch show ID`: a batch's counts and the result of each row.

use clap::Args;
use relais_client::pb;

use super::{issues_text, status_word};
use crate::cli::{
    context::Context,
    error::Failure,
    format::{Fields, local_time, who},
    output::table,
};

/// Rows asked per call: few calls for a file of 200,000 rows (each counts
/// against the account's rate), and a page of rejected rows, a few hundred
/// bytes each, well under the 4 MiB a message may take.
const PAGE: i32 = 5_000;

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The batch's id, or the request id it was sent with.
    #[arg(value_name = "ID_OR_REQUEST_ID")]
    batch: String,
    /// Only the rows rejected: those to fix and send again.
    #[arg(long)]
    rejected_only: bool,
}

pub(crate) async fn run(ctx: &Context, args: ShowArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let mut request = pb::GetBatchRequest {
        batch_id: args.batch.trim().to_owned(),
        page_size: PAGE,
        page_token: String::new(),
    };
    let mut shown = pb::GetBatchResponse::default();
    loop {
        let page = client.get_batch(request.clone()).await?;
        // Each page's counts are as fresh as the rows it brings.
        shown.batch = page.batch;
        shown.results.extend(
            page.results
                .into_iter()
                .filter(|r| !args.rejected_only || r.status == i32::from(pb::RowStatus::Rejected)),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    ctx.out.response(
        &shown,
        || human(&shown, args.rejected_only),
        || quiet(&shown.results),
    )
}

fn human(shown: &pb::GetBatchResponse, rejected_only: bool) -> String {
    let batch = shown.batch.clone().unwrap_or_default();
    let counts = batch.counts.unwrap_or_default();
    let rows = if counts.rows < batch.declared_rows {
        format!(
            "{} of {}: unless a send is under way, send the file again to finish",
            counts.rows, batch.declared_rows
        )
    } else {
        counts.rows.to_string()
    };
    let mut fields = Fields::default();
    fields
        .add("Batch", &batch.id)
        .add("Request id", &batch.request_id)
        .add("File", &batch.file_name)
        .add("SHA-256", &batch.sha256)
        .add(
            "Sent by",
            who(batch.uploaded_by.as_ref(), batch.organisation.as_ref()),
        )
        .add("Sent at", local_time(batch.create_time.as_ref()))
        .add("Last stored", local_time(batch.update_time.as_ref()))
        .add("Rows", rows)
        .add("Accepted", counts.accepted.to_string())
        .add("With warnings", counts.accepted_with_warnings.to_string())
        .add("Duplicates", counts.duplicates.to_string())
        .add("Rejected", counts.rejected.to_string())
        .add("Cases", counts.cases.to_string());
    let mut text = fields.render("");
    text.push('\n');
    if shown.results.is_empty() {
        text.push_str(if rejected_only {
            "No rejected rows."
        } else {
            "No rows."
        });
        return text;
    }
    let rows = shown
        .results
        .iter()
        .map(|r| {
            [
                r.row_number.to_string(),
                status_word(r.status).to_owned(),
                r.case_reference.clone(),
                issues_text(&r.errors),
                issues_text(&r.warnings),
            ]
        })
        .collect();
    text.push_str(&table(
        ["row", "status", "case", "errors", "warnings"],
        rows,
    ));
    text
}

/// The errors, one per line, as `relais batch validate -q` prints them.
fn quiet(results: &[pb::RowResult]) -> String {
    results
        .iter()
        .flat_map(|r| {
            r.errors.iter().map(move |issue| {
                format!(
                    "row {}: {}\n",
                    r.row_number,
                    issues_text(std::slice::from_ref(issue))
                )
            })
        })
        .collect()
}
