//! The life of a bearer token: it expires, it is revoked at once, and a
//! rotated token keeps working for its grace period only.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_client::pb;
use relais_core::clock::ManualClock;
use relais_tests::{TestServer, World};
use tonic::Code;

fn duration(duration: SignedDuration) -> Option<pbjson_types::Duration> {
    Some(pbjson_types::Duration {
        seconds: duration.as_secs(),
        nanos: duration.subsec_nanos(),
    })
}

async fn world_at(now: &str) -> (World, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(now.parse::<Timestamp>().unwrap()));
    let world = World::with_clock(clock.clone()).await;
    (world, clock)
}

async fn tokens_of(world: &World, account_id: &str) -> Vec<pb::Token> {
    world
        .admin
        .list_tokens(pb::ListTokensRequest {
            account_id: account_id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .tokens
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_and_the_account_keeps_its_other_tokens() {
    let world = World::new().await;
    let second = world
        .admin
        .issue_token(pb::IssueTokenRequest {
            account_id: world.agent.id.clone(),
            validity: None,
        })
        .await
        .unwrap();
    let spare = world.server.client(&second.token).await;
    spare.who_am_i().await.unwrap();

    let first_id = tokens_of(&world, &world.agent.id)
        .await
        .into_iter()
        .find(|token| token.id != second.token_id)
        .expect("the account's first token")
        .id;
    let revoked = world
        .admin
        .revoke_token(&first_id)
        .await
        .unwrap()
        .token
        .unwrap();
    assert!(!revoked.active);
    assert!(revoked.revoke_time.is_some());

    let refused = world.agent.client.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("revoked"),
        "{}",
        refused.message()
    );
    spare.who_am_i().await.expect("the other token still works");

    // Revoking again changes nothing; an unknown token is NOT_FOUND.
    let again = world.admin.revoke_token(&first_id).await.unwrap();
    assert_eq!(again.token.unwrap().revoke_time, revoked.revoke_time);
    let unknown = world
        .admin
        .revoke_token("01890a5d-ac96-774b-bcce-b302099a8057")
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn tokens_expire_after_90_days_for_people_and_the_administrator_can_ask_for_less() {
    let (world, clock) = world_at("2026-03-02T09:00:00Z").await;
    let listed = tokens_of(&world, &world.agent.id).await;
    assert_eq!(listed.len(), 1);
    let expires = listed[0].expire_time.expect("an expiry");
    assert_eq!(
        expires.seconds,
        "2026-05-31T09:00:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_second(),
        "90 days after it was issued"
    );

    let short = world
        .admin
        .issue_token(pb::IssueTokenRequest {
            account_id: world.partner.id.clone(),
            validity: duration(SignedDuration::from_hours(1)),
        })
        .await
        .unwrap();
    let short_lived = world.server.client(&short.token).await;
    short_lived.who_am_i().await.unwrap();

    clock.advance(SignedDuration::from_mins(61));
    let refused = short_lived.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    world.partner.client.who_am_i().await.unwrap();

    clock.advance(SignedDuration::from_hours(90 * 24));
    let refused = world.agent.client.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("expired"),
        "{}",
        refused.message()
    );
    let listed = tokens_of(&world, &world.agent.id).await;
    assert!(!listed[0].active, "listed as no longer active");

    // Longer than the longest validity is refused, naming the field.
    let too_long = world
        .admin
        .issue_token(pb::IssueTokenRequest {
            account_id: world.agent.id.clone(),
            validity: duration(SignedDuration::from_hours(24 * 3650)),
        })
        .await
        .unwrap_err();
    assert_eq!(too_long.code(), Code::InvalidArgument);
    assert_eq!(relais_tests::violated_fields(&too_long), ["validity"]);
}

#[tokio::test]
async fn a_rotated_token_works_during_its_grace_period_then_not() {
    let (world, clock) = world_at("2026-03-02T09:00:00Z").await;
    let old_id = tokens_of(&world, &world.partner.id).await[0].id.clone();
    let rotated = world
        .admin
        .rotate_token(pb::RotateTokenRequest {
            token_id: old_id.clone(),
            grace_period: duration(SignedDuration::from_hours(2)),
        })
        .await
        .unwrap();
    let previous = rotated.previous.unwrap();
    assert_eq!(previous.replaced_by, rotated.info.as_ref().unwrap().id);
    assert_ne!(rotated.token, world.partner.token);
    let new_client = world.server.client(&rotated.token).await;

    clock.advance(SignedDuration::from_mins(119));
    world
        .partner
        .client
        .who_am_i()
        .await
        .expect("the old token within the grace period");
    new_client.who_am_i().await.unwrap();

    clock.advance(SignedDuration::from_mins(2));
    let refused = world.partner.client.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let me = new_client.who_am_i().await.unwrap();
    assert_eq!(me.account.unwrap().id, world.partner.id);

    // A token is rotated once: the old one already has its successor.
    let twice = world
        .admin
        .rotate_token(pb::RotateTokenRequest {
            token_id: old_id,
            grace_period: None,
        })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn the_last_use_of_a_token_is_recorded() {
    let server = TestServer::start().await;
    let world = World::on(server).await;
    assert!(
        tokens_of(&world, &world.agent.id).await[0]
            .last_use_time
            .is_none()
    );
    world.agent.client.who_am_i().await.unwrap();
    // Recorded beside the request: wait for it, a bounded while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if tokens_of(&world, &world.agent.id).await[0]
            .last_use_time
            .is_some()
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn only_administrators_manage_tokens_and_nobody_sees_a_secret_twice() {
    let world = World::new().await;
    let denied = world
        .supervisor
        .client
        .list_tokens(pb::ListTokensRequest::default())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let all = world
        .admin
        .list_tokens(pb::ListTokensRequest::default())
        .await
        .unwrap();
    let listed = format!("{all:?}");
    for user in [&world.agent, &world.partner, &world.auditor] {
        assert!(!listed.contains(&user.token), "a secret was listed");
    }
    assert!(!listed.contains(&world.server.admin_token));
}
