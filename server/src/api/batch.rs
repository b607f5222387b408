//! `relais.v1.BatchService`: prefecture affiliation files, received as a
//! stream of rows and answered row by row as households are stored.

use std::{pin::Pin, time::Duration};

use futures::Stream;
use jiff::Timestamp;
use relais_core::{
    Error,
    batch::{
        BatchId, BatchLimits, Column, Header, HouseholdGrouper, HouseholdResult, RawRow, RowIssue,
    },
    request_id::RequestId,
    validation::Violations,
};
use relais_proto::{
    convert,
    v1::{self as pb, batch_service_server::BatchService},
};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::{ApiError, Context, Trail, page_size};
use crate::{
    auth::{
        Principal,
        policy::{self, Action},
    },
    batch::{CHUNK_ROWS, HouseholdSubmitter},
    store::{Batch, BatchHousehold, BatchRowResult, BatchRowStatus, NewBatch, Store, StoreResult},
};

/// A chunk not yet full is stored anyway once no row has come for this long,
/// so that a slow sender still sees its results promptly.
const IDLE_FLUSH: Duration = Duration::from_millis(50);
/// Results waiting for the client before the server stops reading rows.
const RESULT_BUFFER: usize = 2 * CHUNK_ROWS;
const MAX_FILE_NAME: usize = 255;

type UploadStream =
    Pin<Box<dyn Stream<Item = Result<pb::UploadAffiliationsResponse, Status>> + Send>>;

#[derive(Debug, Clone)]
pub struct BatchApi<S> {
    ctx: Context<S>,
    limits: BatchLimits,
}

impl<S: Store> BatchApi<S> {
    pub fn new(ctx: Context<S>, limits: BatchLimits) -> Self {
        Self { ctx, limits }
    }

    async fn upload(
        &self,
        trail: &Trail,
        request: Request<Streaming<pb::UploadAffiliationsRequest>>,
    ) -> Result<Response<UploadStream>, ApiError> {
        let now = self.ctx.now();
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::UploadAffiliations)?;
        let mut rows = request.into_inner();
        let first = rows.message().await.map_err(ApiError::Stream)?;
        let header = match first.and_then(|message| message.item) {
            Some(pb::upload_affiliations_request::Item::Header(header)) => header,
            _ => {
                return Err(Error::invalid_field(
                    "header",
                    "the first message must be the batch header",
                )
                .into());
            }
        };
        trail.request_id(&header.request_id);
        let new = self.new_batch(&principal, &header, now)?;
        let batch = self.ctx.store.open_batch(&new).await?;
        let (sender, receiver) = mpsc::channel(RESULT_BUFFER);
        let upload = Upload {
            store: self.ctx.store.clone(),
            limits: self.limits,
            grouper: HouseholdGrouper::new(Header::canonical(), now),
            submitter: HouseholdSubmitter::new(
                batch.id,
                principal.organisation.clone(),
                principal.organisation_departement,
                principal.account.clone(),
                now,
            ),
            batch,
            last_row: 1,
            received: 0,
            pending: Vec::new(),
            pending_rows: 0,
            storing: None,
            store_failed: false,
            sender,
        };
        tokio::spawn(upload.run(rows));
        let stream: UploadStream = Box::pin(ReceiverStream::new(receiver));
        Ok(Response::new(stream))
    }

    fn new_batch(
        &self,
        principal: &Principal,
        header: &pb::BatchHeader,
        now: Timestamp,
    ) -> Result<NewBatch, ApiError> {
        let mut violations = Violations::default();
        let request_id = RequestId::parse(&header.request_id)
            .map_err(|reason| violations.add("header.request_id", reason))
            .ok();
        let sha256 = parse_sha256(&header.sha256)
            .map_err(|reason| violations.add("header.sha256", reason))
            .ok();
        let file_name = header.file_name.trim();
        if file_name.chars().count() > MAX_FILE_NAME {
            violations.add(
                "header.file_name",
                format!("at most {MAX_FILE_NAME} characters"),
            );
        }
        let declared_rows = u64::try_from(header.row_count).unwrap_or(u64::MAX);
        if declared_rows > self.limits.max_rows {
            violations.add(
                "header.row_count",
                format!(
                    "at most {} rows per batch: split the file",
                    self.limits.max_rows
                ),
            );
        }
        let (Some(request_id), Some(sha256)) = (request_id, sha256) else {
            return Err(Error::Invalid(violations).into());
        };
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        Ok(NewBatch {
            id: BatchId::generate(),
            organisation: principal.organisation.clone(),
            uploaded_by: principal.account.clone(),
            request_id: request_id.as_str().to_owned(),
            file_name: file_name.to_owned(),
            sha256,
            declared_rows,
            now,
        })
    }

    async fn list(
        &self,
        trail: &Trail,
        request: Request<pb::ListBatchesRequest>,
    ) -> Result<pb::ListBatchesResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListBatches)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let size = page_size(&mut violations, body.page_size);
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let page = crate::store::PageRequest {
            size,
            token: body.page_token,
        };
        let page = self
            .ctx
            .store
            .list_batches(principal.organisation.id, &page)
            .await?;
        Ok(pb::ListBatchesResponse {
            batches: page.items.iter().map(batch).collect(),
            next_page_token: page.next_token,
        })
    }

    async fn get(
        &self,
        trail: &Trail,
        request: Request<pb::GetBatchRequest>,
    ) -> Result<pb::GetBatchResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::GetBatch)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let size = page_size(&mut violations, body.page_size);
        let after = match body.page_token.as_str() {
            "" => Some(0),
            token => token.parse::<u64>().ok(),
        };
        if after.is_none() {
            violations.add("page_token", "not a token from a previous page");
        }
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let key = body.batch_id.trim();
        // Another organisation's batch is not found, like its cases.
        let found = self
            .ctx
            .store
            .batch(principal.organisation.id, key)
            .await?
            .ok_or_else(|| Error::NotFound(format!("batch {key}")))?;
        let limit = match size {
            0 => 1_000,
            n => n.min(10_000),
        };
        let rows = self
            .ctx
            .store
            .batch_rows(found.id, after.unwrap_or(0), limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        let rows = &rows[..rows.len().min(limit as usize)];
        let next_page_token = match rows.last() {
            Some(last) if more => last.row.to_string(),
            _ => String::new(),
        };
        Ok(pb::GetBatchResponse {
            batch: Some(batch(&found)),
            results: rows.iter().map(row_result).collect(),
            next_page_token,
        })
    }
}

fn parse_sha256(text: &str) -> Result<[u8; 32], String> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.trim().as_bytes())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| "the SHA-256 of the file: 64 hexadecimal digits".to_owned())
}

/// One upload under way: rows in, households grouped and stored in chunks,
/// results out.
struct Upload<S> {
    store: S,
    limits: BatchLimits,
    grouper: HouseholdGrouper,
    submitter: HouseholdSubmitter,
    batch: Batch,
    last_row: u64,
    received: u64,
    pending: Vec<BatchHousehold>,
    pending_rows: usize,
    /// The chunk being stored while the next one is read and judged, so that
    /// the two overlap; chunks are still stored one after the other, in
    /// file order.
    storing: Option<JoinHandle<StoreResult<Vec<BatchRowResult>>>>,
    /// Once a chunk failed to be stored, no later one is, so that what is
    /// stored is always the start of the file.
    store_failed: bool,
    sender: mpsc::Sender<Result<pb::UploadAffiliationsResponse, Status>>,
}

impl<S: Store> Upload<S> {
    async fn run(mut self, mut rows: Streaming<pb::UploadAffiliationsRequest>) {
        let outcome = self.receive(&mut rows).await;
        // Whatever ended the upload, complete households are stored; the one
        // being read may be cut short, so it waits for the file to be sent again.
        let flushed = match self.flush().await {
            Ok(()) => self.settle().await,
            Err(failure) => Err(failure),
        };
        let failure = outcome.err().or(flushed.err());
        if let Some(failure) = failure {
            let _ = self.sender.send(Err(Status::from(failure))).await;
        }
    }

    async fn receive(
        &mut self,
        rows: &mut Streaming<pb::UploadAffiliationsRequest>,
    ) -> Result<(), ApiError> {
        loop {
            let next = if self.pending_rows > 0 || self.storing.is_some() {
                match tokio::time::timeout(IDLE_FLUSH, rows.message()).await {
                    Ok(next) => next,
                    Err(_idle) => {
                        self.flush().await?;
                        self.settle().await?;
                        continue;
                    }
                }
            } else {
                rows.message().await
            };
            let message = match next {
                Ok(Some(message)) => message,
                Ok(None) => {
                    // Fewer rows than announced: the send was cut short, and
                    // the last household may be missing members. It waits
                    // for the file to be sent again, like the rows after it.
                    if self.received >= self.batch.declared_rows {
                        for household in self.grouper.finish(false) {
                            self.add(household);
                        }
                    }
                    return Ok(());
                }
                // The client went away: nobody to answer.
                Err(_) => return Ok(()),
            };
            match message.item {
                Some(pb::upload_affiliations_request::Item::Row(row)) => self.accept(row)?,
                _ => {
                    return Err(Error::invalid_field(
                        "row",
                        "after the header, every message must be a row",
                    )
                    .into());
                }
            }
            if self.pending_rows >= CHUNK_ROWS {
                self.flush().await?;
            }
        }
    }

    fn accept(&mut self, row: pb::AffiliationRow) -> Result<(), ApiError> {
        let number = u64::try_from(row.row_number).unwrap_or(0);
        if number <= self.last_row {
            return Err(Error::invalid_field(
                "row.row_number",
                format!(
                    "rows come in file order, each after the previous one (row {number} after row {})",
                    self.last_row
                ),
            )
            .into());
        }
        self.last_row = number;
        self.received += 1;
        if self.received > self.limits.max_rows || self.received > self.batch.declared_rows {
            let limit = self.limits.max_rows.min(self.batch.declared_rows);
            return Err(Error::invalid_field(
                "row",
                format!("more rows than the header announced or a batch may hold ({limit})"),
            )
            .into());
        }
        let cells = cells(row);
        let size: usize = cells.iter().map(|(_, value)| value.len() + 1).sum();
        if size > self.limits.max_row_bytes {
            return Err(Error::invalid_field(
                "row",
                format!(
                    "row {number} is {size} bytes long, more than the {} a row may hold",
                    self.limits.max_row_bytes
                ),
            )
            .into());
        }
        let raw = RawRow::new(number, cells);
        // As a file reader skips a blank line, so that both judge alike.
        if raw.is_blank() {
            return Ok(());
        }
        for household in self.grouper.push(raw) {
            self.add(household);
        }
        Ok(())
    }

    fn add(&mut self, result: HouseholdResult) {
        let household = self.submitter.household(result);
        self.pending_rows += household.rows.len();
        self.pending.push(household);
    }

    /// Starts storing the households read so far, once the chunk before
    /// them is stored and answered.
    async fn flush(&mut self) -> Result<(), ApiError> {
        self.settle().await?;
        if self.pending.is_empty() || self.store_failed {
            return Ok(());
        }
        let households = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        let store = self.store.clone();
        let (batch, now) = (self.batch.id, self.submitter.now);
        self.storing = Some(tokio::spawn(async move {
            store.store_batch_households(batch, households, now).await
        }));
        Ok(())
    }

    /// Waits for the chunk being stored and sends its results.
    async fn settle(&mut self) -> Result<(), ApiError> {
        let Some(storing) = self.storing.take() else {
            return Ok(());
        };
        let stored = match storing.await {
            Ok(stored) => stored,
            Err(failure) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
            Err(_cancelled) => {
                return Err(ApiError::Stream(Status::unavailable(
                    "the server is shutting down: send the file again",
                )));
            }
        };
        let results = stored.inspect_err(|_| self.store_failed = true)?;
        for result in &results {
            let response = pb::UploadAffiliationsResponse {
                result: Some(row_result(result)),
            };
            // A client that went away is told nothing more; its rows are stored.
            if self.sender.send(Ok(response)).await.is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// The cells of a row under their columns.
fn cells(row: pb::AffiliationRow) -> Vec<(Column, String)> {
    vec![
        (Column::Nom, row.last_name),
        (Column::Prenoms, row.first_names),
        (Column::Sexe, row.sex),
        (Column::DateNaissance, row.birth_date),
        (Column::PaysNaissance, row.birth_country),
        (Column::Nationalite, row.nationality),
        (Column::NumeroAgdref, row.agdref_number),
        (Column::ApsNumero, row.aps_number),
        (Column::ApsDebut, row.aps_start),
        (Column::ApsFin, row.aps_end),
        (Column::DateEntree, row.entry_date),
        (Column::Adresse, row.address),
        (Column::CodePostal, row.postal_code),
        (Column::Commune, row.city),
        (Column::Telephone, row.phone),
        (Column::Email, row.email),
        (Column::Langue, row.language),
        (Column::Nir, row.nir),
        (Column::Foyer, row.household),
        (Column::Lien, row.relationship),
    ]
}

fn issue(issue: &RowIssue) -> pb::RowIssue {
    pb::RowIssue {
        column: issue.column.clone(),
        value: issue.value.clone(),
        reason: issue.reason.clone(),
    }
}

fn row_result(result: &BatchRowResult) -> pb::RowResult {
    pb::RowResult {
        row_number: i64::try_from(result.row).unwrap_or(i64::MAX),
        status: match result.status {
            BatchRowStatus::Accepted => pb::RowStatus::Accepted,
            BatchRowStatus::AcceptedWithWarnings => pb::RowStatus::AcceptedWithWarnings,
            BatchRowStatus::Duplicate => pb::RowStatus::Duplicate,
            BatchRowStatus::Rejected => pb::RowStatus::Rejected,
        }
        .into(),
        case_reference: result
            .case_reference
            .as_ref()
            .map(|reference| reference.as_str().to_owned())
            .unwrap_or_default(),
        errors: result.errors.iter().map(issue).collect(),
        warnings: result.warnings.iter().map(issue).collect(),
        replayed: result.replayed,
    }
}

fn batch(batch: &Batch) -> pb::Batch {
    let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    pb::Batch {
        id: batch.id.to_string(),
        request_id: batch.request_id.clone(),
        file_name: batch.file_name.clone(),
        sha256: crate::auth::hex(&batch.sha256),
        organisation: Some((&batch.organisation).into()),
        uploaded_by: Some((&batch.uploaded_by).into()),
        create_time: Some(convert::timestamp(batch.created_at)),
        update_time: Some(convert::timestamp(batch.updated_at)),
        declared_rows: signed(batch.declared_rows),
        counts: Some(pb::BatchCounts {
            rows: signed(batch.counts.rows),
            accepted: signed(batch.counts.accepted),
            accepted_with_warnings: signed(batch.counts.with_warnings),
            duplicates: signed(batch.counts.duplicates),
            rejected: signed(batch.counts.rejected),
            cases: signed(batch.counts.cases),
        }),
    }
}

#[tonic::async_trait]
impl<S: Store> BatchService for BatchApi<S> {
    type UploadAffiliationsStream = UploadStream;

    async fn upload_affiliations(
        &self,
        request: Request<Streaming<pb::UploadAffiliationsRequest>>,
    ) -> Result<Response<UploadStream>, Status> {
        let peer = request.remote_addr();
        self.ctx
            .respond(Action::UploadAffiliations, peer, async |trail| {
                self.upload(trail, request).await
            })
            .await
            .map(Response::into_inner)
    }

    async fn list_batches(
        &self,
        request: Request<pb::ListBatchesRequest>,
    ) -> Result<Response<pb::ListBatchesResponse>, Status> {
        self.ctx
            .respond(Action::ListBatches, request.remote_addr(), async |trail| {
                self.list(trail, request).await
            })
            .await
    }

    async fn get_batch(
        &self,
        request: Request<pb::GetBatchRequest>,
    ) -> Result<Response<pb::GetBatchResponse>, Status> {
        self.ctx
            .respond(Action::GetBatch, request.remote_addr(), async |trail| {
                self.get(trail, request).await
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::parse_sha256;

    #[test]
    fn a_sha256_is_64_hexadecimal_digits_and_anything_else_is_refused_without_panicking() {
        let digits = "0a".repeat(32);
        assert_eq!(parse_sha256(&digits.to_uppercase()), Ok([0x0a; 32]));
        // 64 bytes, but multi-byte characters: refused, not sliced apart.
        for bad in [
            "é".repeat(32),
            "0a".repeat(31),
            "zz".repeat(32),
            String::new(),
        ] {
            assert!(parse_sha256(&bad).is_err(), "{bad:?}");
        }
    }
}
