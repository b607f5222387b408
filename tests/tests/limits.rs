//! Abuse limits: a request rate per account, failed authentications per
//! address, message sizes. Each refusal says how long to wait, and waiting
//! that long is enough.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use relais_client::pb;
use relais_core::clock::SystemClock;
use relais_server::config::Config;
use relais_tests::{TestServer, User, create_org, create_user, sample_case};
use tonic::Code;
use tonic_types::StatusExt;

/// How long the first failure beyond [`strict`]'s allowance waits.
const FIRST_DELAY_MS: u64 = 200;

fn strict(config: &mut Config) {
    config.limits.requests_per_second = 2;
    config.limits.burst = 3;
    config.limits.failed_authentications_per_minute = 3;
    config.limits.failed_authentication_delay_ms = FIRST_DELAY_MS;
    config.limits.failed_authentication_max_delay_ms = 4 * FIRST_DELAY_MS;
    config.limits.max_message_bytes = 64 * 1024;
}

/// A server with [`strict`] limits and two accounts of a France Services
/// counter: three calls of the administrator, within its burst.
async fn strict_server() -> (TestServer, User, User) {
    let server = TestServer::start_configured(Arc::new(SystemClock), strict).await;
    let admin = server.admin().await;
    let counter = create_org(
        &admin,
        "France Services Belleville",
        pb::OrganisationKind::FranceServices,
        "75",
    )
    .await;
    let first = create_user(
        &server,
        &admin,
        &counter,
        "Inès Moreau",
        pb::Role::PartnerAgent,
    )
    .await;
    let second = create_user(
        &server,
        &admin,
        &counter,
        "Jules Petit",
        pb::Role::PartnerAgent,
    )
    .await;
    (server, first, second)
}

#[tokio::test]
async fn an_account_beyond_its_rate_is_told_when_to_come_back_and_then_served() {
    let (_server, user, other) = strict_server().await;
    let client = &user.client;
    let mut refusal = None;
    // The burst is 3; at 2 per second, a handful of calls in a row exceeds it.
    for _ in 0..10 {
        if let Err(status) = client.who_am_i().await {
            refusal = Some(status);
            break;
        }
    }
    let refusal = refusal.expect("the burst is exceeded");
    assert_eq!(refusal.code(), Code::ResourceExhausted, "{refusal:?}");
    let delay = refusal
        .get_error_details()
        .retry_info()
        .and_then(|info| info.retry_delay)
        .expect("a retry delay");
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(1),
        "{delay:?}"
    );

    // Other accounts are not held back by this one.
    other.client.who_am_i().await.unwrap();

    tokio::time::sleep(delay).await;
    client.who_am_i().await.expect("served after the delay");
}

#[tokio::test]
async fn failures_beyond_the_allowance_are_answered_late_and_valid_tokens_at_once() {
    let (server, user, _) = strict_server().await;
    let guesser = server.client("rls_not-a-real-token").await;
    let mut answer = None;
    for _ in 0..3 {
        let status = guesser.who_am_i().await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        answer = Some(status.message().to_owned());
    }
    // From the same address (one NAT for a whole building), a good token
    // is served: neither refused nor held back for the guesser's failures.
    user.client
        .who_am_i()
        .await
        .expect("a valid token from an address that keeps failing");

    // Further failures get the same answer, later each time.
    let first_delay = Duration::from_millis(FIRST_DELAY_MS);
    for delay in [first_delay, first_delay * 2] {
        let started = Instant::now();
        let status = guesser.who_am_i().await.unwrap_err();
        let waited = started.elapsed();
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert_eq!(Some(status.message()), answer.as_deref());
        assert!(
            waited >= delay,
            "answered after {waited:?}, before {delay:?}"
        );
    }
    user.client.who_am_i().await.expect("still served");
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_changes_nothing() {
    let (_server, user, _) = strict_server().await;
    let mut request = sample_case();
    request.description = "x".repeat(100 * 1024);
    let refused = user.client.submit_case(request).await.unwrap_err();
    // tonic's code for a message over the limit; the message says which limit.
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
    assert!(refused.message().contains("65536"), "{}", refused.message());
    let cases = user
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert!(cases.cases.is_empty());
}
