//! A typed client for the Relais API.
//!
//! It fills in request ids, so every create and every change can be retried
//! safely, and retries calls that failed with UNAVAILABLE (the server
//! restarting, a connection dropped) a few times with backoff: thanks to the
//! request ids, a retried call never does its work twice.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use relais_client::{RelaisClient, pb};
//! let client = RelaisClient::connect("http://127.0.0.1:50051", Some("rls_…")).await?;
//! let cases = client.list_cases(pb::ListCasesRequest::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Over TLS, with a private CA and a client certificate:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use relais_client::{ConnectOptions, RelaisClient};
//! let options = ConnectOptions {
//!     token: Some("rls_…".to_owned()),
//!     ca_cert_pem: Some(std::fs::read("ca.pem")?),
//!     client_identity: Some((std::fs::read("client.pem")?, std::fs::read("client.key")?)),
//! };
//! let client = RelaisClient::connect_with("https://relais.example:50051", options).await?;
//! # Ok(()) }
//! ```

pub mod affiliations;
pub mod samples;

use std::{fmt, future::Future, time::Duration};

pub use relais_proto::v1 as pb;
use tonic::{
    Code, Request, Status, Streaming,
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};

use pb::{
    admin_service_client::AdminServiceClient, audit_service_client::AuditServiceClient,
    batch_service_client::BatchServiceClient, case_service_client::CaseServiceClient,
    sla_service_client::SlaServiceClient,
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// How long a unary call may take before the client gives up.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("the token contains characters that cannot be sent in a header")]
    InvalidToken,
}

/// How to reach the server: the credentials and, over `https://`, whom to trust.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// A bearer token sent with every call.
    pub token: Option<String>,
    /// PEM certificate(s) of the CA that issued the server's certificate.
    /// Without it, `https://` trusts the system's certificate authorities.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// A client certificate chain and its private key, both PEM, for a
    /// server that accepts client certificates.
    pub client_identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("ca_cert_pem", &self.ca_cert_pem.as_ref().map(Vec::len))
            .field(
                "client_identity",
                &self.client_identity.as_ref().map(|_| "(certificate, key)"),
            )
            .finish()
    }
}

/// When and how often to retry a call that failed with UNAVAILABLE (the
/// server or its database cannot be reached) or ABORTED (the change collided
/// with a concurrent one and was not made). Every call carries the same
/// request id each time, so a retry never does anything twice.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempt` (1-based, after the first), with jitter
    /// so that many clients do not come back at the same instant.
    fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        let mut byte = [0u8; 1];
        let jitter = match getrandom::fill(&mut byte) {
            Ok(()) => f64::from(byte[0]) / 255.0,
            Err(_) => 0.5,
        };
        exponential.mul_f64(0.5 + jitter / 2.0)
    }
}

/// Adds `authorization: Bearer …` to every call.
#[derive(Clone)]
pub struct BearerToken(Option<MetadataValue<Ascii>>);

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "BearerToken(…)"
        } else {
            "BearerToken(none)"
        })
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, BearerToken>;

/// A connection to a Relais server, cheap to clone.
#[derive(Debug, Clone)]
pub struct RelaisClient {
    channel: Channel,
    health: HealthClient<Authed>,
    cases: CaseServiceClient<Authed>,
    admin: AdminServiceClient<Authed>,
    sla: SlaServiceClient<Authed>,
    audit: AuditServiceClient<Authed>,
    batches: BatchServiceClient<Authed>,
    retry: RetryPolicy,
}

/// An open stream of case events.
#[derive(Debug)]
pub struct CaseWatch {
    /// The sequence the stream starts after: where to resume if it drops
    /// before delivering any event.
    pub start_sequence: u64,
    pub events: Streaming<pb::WatchCasesResponse>,
}

/// A listing request: its page size and token can be set.
pub trait PagedRequest: Clone {
    fn set_page_size(&mut self, size: i32);
    fn set_page_token(&mut self, token: String);
}

macro_rules! paged_requests {
    ($($request:ty),+ $(,)?) => {
        $(impl PagedRequest for $request {
            fn set_page_size(&mut self, size: i32) {
                self.page_size = size;
            }
            fn set_page_token(&mut self, token: String) {
                self.page_token = token;
            }
        })+
    };
}

paged_requests!(
    pb::ListCasesRequest,
    pb::ListOrganisationsRequest,
    pb::ListAccountsRequest,
    pb::ListTokensRequest,
    pb::ListAuditEntriesRequest,
    pb::ListBatchesRequest,
);

/// The largest page the server serves.
const MAX_PAGE_SIZE: usize = 500;

/// Up to `limit` items of a listing, following its page tokens. `fetch` runs
/// one request and returns the page's items and its next page token.
///
/// ```no_run
/// # async fn example(client: relais_client::RelaisClient) -> Result<(), tonic::Status> {
/// use relais_client::{collect_pages, pb};
/// let every_fund = collect_pages(pb::ListOrganisationsRequest::default(), usize::MAX, |request| async {
///     let page = client.list_organisations(request).await?;
///     Ok((page.organisations, page.next_page_token))
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn collect_pages<R, T, F, Fut>(
    mut request: R,
    limit: usize,
    mut fetch: F,
) -> Result<Vec<T>, Status>
where
    R: PagedRequest,
    F: FnMut(R) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), Status>>,
{
    let mut items = Vec::new();
    while items.len() < limit {
        let wanted = (limit - items.len()).min(MAX_PAGE_SIZE);
        request.set_page_size(i32::try_from(wanted).unwrap_or(0));
        let (page, next) = fetch(request.clone()).await?;
        items.extend(page);
        if next.is_empty() {
            break;
        }
        request.set_page_token(next);
    }
    items.truncate(limit);
    Ok(items)
}

/// A new client-chosen request id (a UUIDv7).
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn fill_request_id(request_id: &mut String) {
    if request_id.is_empty() {
        *request_id = new_request_id();
    }
}

impl RelaisClient {
    /// Connects to `url` (`http://host:port`, or `https://host:port` trusting
    /// the system's certificate authorities) and authenticates every call
    /// with `token`.
    pub async fn connect(url: &str, token: Option<&str>) -> Result<Self, ConnectError> {
        let options = ConnectOptions {
            token: token.map(str::to_owned),
            ..ConnectOptions::default()
        };
        RelaisClient::connect_with(url, options).await
    }

    /// Connects to `url` with `options`: `https://` for TLS, `http://` for a
    /// server on this machine that serves plaintext.
    pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        let invalid = |reason: &str| ConnectError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let tls = if url.starts_with("https://") {
            true
        } else if url.starts_with("http://") {
            false
        } else {
            return Err(invalid(
                "expected https://HOST:PORT (or http:// on a loopback address)",
            ));
        };
        if !tls && (options.ca_cert_pem.is_some() || options.client_identity.is_some()) {
            return Err(invalid(
                "a CA certificate or a client certificate is only used over TLS: use https://",
            ));
        }
        let mut endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| invalid(&e.to_string()))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        let unreachable = |source| ConnectError::Unreachable {
            url: url.to_owned(),
            source,
        };
        if tls {
            let mut config = ClientTlsConfig::new();
            config = match &options.ca_cert_pem {
                Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
                None => config.with_native_roots(),
            };
            if let Some((cert, key)) = &options.client_identity {
                config = config.identity(Identity::from_pem(cert, key));
            }
            // A bad CA or client certificate, or no system CA, shows here.
            endpoint = endpoint.tls_config(config).map_err(unreachable)?;
        }
        let channel = endpoint.connect().await.map_err(unreachable)?;
        RelaisClient::over(channel, options.token.as_deref(), RetryPolicy::default())
    }

    fn over(
        channel: Channel,
        token: Option<&str>,
        retry: RetryPolicy,
    ) -> Result<Self, ConnectError> {
        let header = match token {
            Some(token) => Some(
                MetadataValue::try_from(format!("Bearer {}", token.trim()))
                    .map_err(|_| ConnectError::InvalidToken)?,
            ),
            None => None,
        };
        let auth = BearerToken(header);
        Ok(RelaisClient {
            health: HealthClient::with_interceptor(channel.clone(), auth.clone()),
            cases: CaseServiceClient::with_interceptor(channel.clone(), auth.clone()),
            admin: AdminServiceClient::with_interceptor(channel.clone(), auth.clone()),
            sla: SlaServiceClient::with_interceptor(channel.clone(), auth.clone()),
            audit: AuditServiceClient::with_interceptor(channel.clone(), auth.clone()),
            batches: BatchServiceClient::with_interceptor(channel.clone(), auth),
            channel,
            retry,
        })
    }

    /// The same connection, calling as the holder of `token` (or anonymously):
    /// a gateway or a load generator speaks for many accounts without opening
    /// a connection for each.
    pub fn with_token(&self, token: Option<&str>) -> Result<Self, ConnectError> {
        RelaisClient::over(self.channel.clone(), token, self.retry)
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Runs a unary call, retrying on UNAVAILABLE and ABORTED with the same
    /// message (and so the same request id).
    async fn call<C, M, R, F, Fut>(&self, client: &C, message: M, rpc: F) -> Result<R, Status>
    where
        C: Clone,
        M: Clone,
        F: Fn(C, Request<M>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<R>, Status>>,
    {
        self.call_with(client, message, Some(CALL_TIMEOUT), rpc)
            .await
            .map(tonic::Response::into_inner)
    }

    /// [`Self::call`], keeping the response's metadata; `timeout` bounds the
    /// wait for the response (for a stream, its start).
    async fn call_with<C, M, R, F, Fut>(
        &self,
        client: &C,
        message: M,
        timeout: Option<Duration>,
        rpc: F,
    ) -> Result<tonic::Response<R>, Status>
    where
        C: Clone,
        M: Clone,
        F: Fn(C, Request<M>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<R>, Status>>,
    {
        let mut attempt = 1;
        loop {
            let mut request = Request::new(message.clone());
            if let Some(timeout) = timeout {
                request.set_timeout(timeout);
            }
            match rpc(client.clone(), request).await {
                Ok(response) => return Ok(response),
                Err(status)
                    if matches!(status.code(), Code::Unavailable | Code::Aborted)
                        && attempt < self.retry.attempts =>
                {
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                }
                Err(status) => return Err(status),
            }
        }
    }

    /// Whether the server says `service` (a full gRPC service name such as
    /// `relais.v1.CaseService`, or `""` for the server as a whole) is serving:
    /// the standard gRPC health check.
    pub async fn check_health(&self, service: &str) -> Result<bool, Status> {
        let request = HealthCheckRequest {
            service: service.to_owned(),
        };
        let response = self
            .call(
                &self.health,
                request,
                |mut c, r| async move { c.check(r).await },
            )
            .await?;
        Ok(response.status == i32::from(ServingStatus::Serving))
    }

    // ------------------------------------------------------------ cases

    /// Submits a case; a request id is chosen if the request has none.
    pub async fn submit_case(
        &self,
        mut request: pb::SubmitCaseRequest,
    ) -> Result<pb::SubmitCaseResponse, Status> {
        fill_request_id(&mut request.request_id);
        self.call(&self.cases, request, |mut c, r| async move {
            c.submit_case(r).await
        })
        .await
    }

    pub async fn get_case(&self, case_ref: &str) -> Result<pb::GetCaseResponse, Status> {
        let request = pb::GetCaseRequest {
            case_ref: case_ref.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.get_case(r).await
        })
        .await
    }

    pub async fn list_cases(
        &self,
        request: pb::ListCasesRequest,
    ) -> Result<pb::ListCasesResponse, Status> {
        self.call(&self.cases, request, |mut c, r| async move {
            c.list_cases(r).await
        })
        .await
    }

    pub async fn post_message(
        &self,
        case_ref: &str,
        body: &str,
        visibility: pb::MessageVisibility,
    ) -> Result<pb::PostMessageResponse, Status> {
        let request = pb::PostMessageRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            body: body.to_owned(),
            visibility: visibility.into(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.post_message(r).await
        })
        .await
    }

    pub async fn take_case(&self, case_ref: &str) -> Result<pb::TakeCaseResponse, Status> {
        let request = pb::TakeCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.take_case(r).await
        })
        .await
    }

    pub async fn request_information(
        &self,
        case_ref: &str,
        body: &str,
    ) -> Result<pb::RequestInformationResponse, Status> {
        let request = pb::RequestInformationRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            body: body.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.request_information(r).await
        })
        .await
    }

    pub async fn resolve_case(
        &self,
        case_ref: &str,
        outcome: pb::ResolutionOutcome,
        answer: &str,
    ) -> Result<pb::ResolveCaseResponse, Status> {
        let request = pb::ResolveCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            outcome: outcome.into(),
            answer: answer.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.resolve_case(r).await
        })
        .await
    }

    pub async fn close_case(
        &self,
        case_ref: &str,
        usefulness: pb::Usefulness,
    ) -> Result<pb::CloseCaseResponse, Status> {
        let request = pb::CloseCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            usefulness: usefulness.into(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.close_case(r).await
        })
        .await
    }

    pub async fn reopen_case(
        &self,
        case_ref: &str,
        reason: &str,
    ) -> Result<pb::ReopenCaseResponse, Status> {
        let request = pb::ReopenCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            reason: reason.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.reopen_case(r).await
        })
        .await
    }

    pub async fn transfer_case(
        &self,
        case_ref: &str,
        handler_organisation_id: &str,
        reason: &str,
    ) -> Result<pb::TransferCaseResponse, Status> {
        let request = pb::TransferCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            handler_organisation_id: handler_organisation_id.to_owned(),
            reason: reason.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.transfer_case(r).await
        })
        .await
    }

    pub async fn withdraw_case(
        &self,
        case_ref: &str,
        reason: &str,
    ) -> Result<pb::WithdrawCaseResponse, Status> {
        let request = pb::WithdrawCaseRequest {
            request_id: new_request_id(),
            case_ref: case_ref.to_owned(),
            reason: reason.to_owned(),
        };
        self.call(&self.cases, request, |mut c, r| async move {
            c.withdraw_case(r).await
        })
        .await
    }

    /// The events the caller may see: those recorded after `after_sequence`
    /// first (all of them from `Some(0)`; none when `None`), then live ones.
    /// Only this case when `case_ref` is not empty. To survive a dropped
    /// connection, call again with the last sequence received, or with
    /// [`CaseWatch::start_sequence`] if none was.
    pub async fn watch_cases(
        &self,
        after_sequence: Option<u64>,
        case_ref: &str,
    ) -> Result<CaseWatch, Status> {
        let request = pb::WatchCasesRequest {
            after_sequence,
            case_ref: case_ref.to_owned(),
        };
        let response = self
            .call_with(&self.cases, request, None, |mut c, r| async move {
                c.watch_cases(r).await
            })
            .await?;
        let start_sequence = response
            .metadata()
            .get(relais_proto::WATCH_START_SEQUENCE_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .or(after_sequence)
            .unwrap_or(0);
        Ok(CaseWatch {
            start_sequence,
            events: response.into_inner(),
        })
    }

    // ------------------------------------------------------------ batches

    /// Sends a prefecture affiliation file: `header`, then `rows` in file
    /// order as they come, so that neither side holds the whole file. The
    /// server answers one result per row as its household is stored.
    ///
    /// Not retried as a call: if it fails halfway, send the whole file again
    /// with the same header. Rows already stored come back with their
    /// first result (`replayed`), and the others are processed.
    pub async fn upload_affiliations(
        &self,
        header: pb::BatchHeader,
        rows: impl futures::Stream<Item = pb::AffiliationRow> + Send + 'static,
    ) -> Result<Streaming<pb::UploadAffiliationsResponse>, Status> {
        use futures::StreamExt as _;
        use pb::upload_affiliations_request::Item;
        let first = pb::UploadAffiliationsRequest {
            item: Some(Item::Header(header)),
        };
        let messages = futures::stream::once(async move { first }).chain(rows.map(|row| {
            pb::UploadAffiliationsRequest {
                item: Some(Item::Row(row)),
            }
        }));
        let mut batches = self.batches.clone();
        batches
            .upload_affiliations(messages)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn list_batches(
        &self,
        request: pb::ListBatchesRequest,
    ) -> Result<pb::ListBatchesResponse, Status> {
        self.call(&self.batches, request, |mut c, r| async move {
            c.list_batches(r).await
        })
        .await
    }

    pub async fn get_batch(
        &self,
        request: pb::GetBatchRequest,
    ) -> Result<pb::GetBatchResponse, Status> {
        self.call(&self.batches, request, |mut c, r| async move {
            c.get_batch(r).await
        })
        .await
    }

    // ------------------------------------------------------------ administration

    pub async fn create_organisation(
        &self,
        mut request: pb::CreateOrganisationRequest,
    ) -> Result<pb::CreateOrganisationResponse, Status> {
        fill_request_id(&mut request.request_id);
        self.call(&self.admin, request, |mut c, r| async move {
            c.create_organisation(r).await
        })
        .await
    }

    pub async fn list_organisations(
        &self,
        request: pb::ListOrganisationsRequest,
    ) -> Result<pb::ListOrganisationsResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.list_organisations(r).await
        })
        .await
    }

    pub async fn create_account(
        &self,
        mut request: pb::CreateAccountRequest,
    ) -> Result<pb::CreateAccountResponse, Status> {
        fill_request_id(&mut request.request_id);
        self.call(&self.admin, request, |mut c, r| async move {
            c.create_account(r).await
        })
        .await
    }

    pub async fn list_accounts(
        &self,
        request: pb::ListAccountsRequest,
    ) -> Result<pb::ListAccountsResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.list_accounts(r).await
        })
        .await
    }

    pub async fn disable_account(
        &self,
        account_id: &str,
    ) -> Result<pb::DisableAccountResponse, Status> {
        let request = pb::DisableAccountRequest {
            account_id: account_id.to_owned(),
        };
        self.call(&self.admin, request, |mut c, r| async move {
            c.disable_account(r).await
        })
        .await
    }

    /// Not retried: a token issued by a call whose answer was lost could not be shown again.
    pub async fn issue_token(
        &self,
        request: pb::IssueTokenRequest,
    ) -> Result<pb::IssueTokenResponse, Status> {
        let mut admin = self.admin.clone();
        admin
            .issue_token(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn list_tokens(
        &self,
        request: pb::ListTokensRequest,
    ) -> Result<pb::ListTokensResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.list_tokens(r).await
        })
        .await
    }

    /// Retried: revoking a revoked token changes nothing.
    pub async fn revoke_token(&self, token_id: &str) -> Result<pb::RevokeTokenResponse, Status> {
        let request = pb::RevokeTokenRequest {
            token_id: token_id.to_owned(),
        };
        self.call(&self.admin, request, |mut c, r| async move {
            c.revoke_token(r).await
        })
        .await
    }

    /// Not retried, like [`RelaisClient::issue_token`]: the new token is shown once.
    pub async fn rotate_token(
        &self,
        request: pb::RotateTokenRequest,
    ) -> Result<pb::RotateTokenResponse, Status> {
        let mut admin = self.admin.clone();
        admin
            .rotate_token(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn bind_certificate(
        &self,
        account_id: &str,
        fingerprint: &str,
    ) -> Result<pb::BindCertificateResponse, Status> {
        let request = pb::BindCertificateRequest {
            account_id: account_id.to_owned(),
            fingerprint: fingerprint.to_owned(),
        };
        self.call(&self.admin, request, |mut c, r| async move {
            c.bind_certificate(r).await
        })
        .await
    }

    pub async fn list_certificates(
        &self,
        account_id: &str,
    ) -> Result<pb::ListCertificatesResponse, Status> {
        let request = pb::ListCertificatesRequest {
            account_id: account_id.to_owned(),
        };
        self.call(&self.admin, request, |mut c, r| async move {
            c.list_certificates(r).await
        })
        .await
    }

    pub async fn unbind_certificate(
        &self,
        fingerprint: &str,
    ) -> Result<pb::UnbindCertificateResponse, Status> {
        let request = pb::UnbindCertificateRequest {
            fingerprint: fingerprint.to_owned(),
        };
        self.call(&self.admin, request, |mut c, r| async move {
            c.unbind_certificate(r).await
        })
        .await
    }

    pub async fn list_audit_entries(
        &self,
        request: pb::ListAuditEntriesRequest,
    ) -> Result<pb::ListAuditEntriesResponse, Status> {
        self.call(&self.audit, request, |mut c, r| async move {
            c.list_audit_entries(r).await
        })
        .await
    }

    pub async fn set_sla_policy(
        &self,
        request: pb::SetSlaPolicyRequest,
    ) -> Result<pb::SetSlaPolicyResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.set_sla_policy(r).await
        })
        .await
    }

    pub async fn list_sla_policies(
        &self,
        request: pb::ListSlaPoliciesRequest,
    ) -> Result<pb::ListSlaPoliciesResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.list_sla_policies(r).await
        })
        .await
    }

    pub async fn set_organisation_calendar(
        &self,
        request: pb::SetOrganisationCalendarRequest,
    ) -> Result<pb::SetOrganisationCalendarResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.set_organisation_calendar(r).await
        })
        .await
    }

    pub async fn get_organisation_calendar(
        &self,
        request: pb::GetOrganisationCalendarRequest,
    ) -> Result<pb::GetOrganisationCalendarResponse, Status> {
        self.call(&self.admin, request, |mut c, r| async move {
            c.get_organisation_calendar(r).await
        })
        .await
    }

    pub async fn get_report(
        &self,
        request: pb::GetReportRequest,
    ) -> Result<pb::GetReportResponse, Status> {
        self.call(&self.sla, request, |mut c, r| async move {
            c.get_report(r).await
        })
        .await
    }

    pub async fn who_am_i(&self) -> Result<pb::WhoAmIResponse, Status> {
        self.call(&self.admin, pb::WhoAmIRequest {}, |mut c, r| async move {
            c.who_am_i(r).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let delay = policy.delay(attempt);
            let nominal = policy
                .first_delay
                .saturating_mul(2u32.pow(attempt - 1))
                .min(policy.max_delay);
            assert!(
                delay >= nominal / 2 && delay <= nominal,
                "attempt {attempt}: {delay:?}"
            );
        }
    }

    #[tokio::test]
    async fn pages_are_followed_up_to_the_limit() {
        // Twelve items served five at most per page, whatever was asked.
        let fetch = |request: pb::ListAccountsRequest| async move {
            let start: usize = request.page_token.parse().unwrap_or(0);
            let size = usize::try_from(request.page_size).unwrap().min(5);
            let end = (start + size).min(12);
            let next = if end < 12 {
                end.to_string()
            } else {
                String::new()
            };
            Ok(((start..end).collect::<Vec<usize>>(), next))
        };
        let all = collect_pages(pb::ListAccountsRequest::default(), usize::MAX, fetch)
            .await
            .unwrap();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
        let some = collect_pages(pb::ListAccountsRequest::default(), 7, fetch)
            .await
            .unwrap();
        assert_eq!(some, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn request_ids_are_filled_only_when_missing() {
        let mut empty = String::new();
        fill_request_id(&mut empty);
        assert!(uuid::Uuid::parse_str(&empty).is_ok());
        let mut chosen = "mine".to_owned();
        fill_request_id(&mut chosen);
        assert_eq!(chosen, "mine");
    }
}
