//! Retries never do the work twice, and concurrent agents never both win.

use relais_client::pb;
use relais_tests::{World, at_rest, authorized, sample_case};
use tonic::Code;

async fn count_cases(world: &World) -> usize {
    world
        .partner
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap()
        .cases
        .len()
}

#[tokio::test]
async fn a_retried_submission_returns_the_same_case_and_creates_one() {
    let world = World::new().await;
    let mut request = sample_case();
    request.request_id = "0193c3a0-7b7e-7cc1-9d3e-1f2a3b4c5d6e".to_owned();

    let first = world
        .partner
        .client
        .submit_case(request.clone())
        .await
        .unwrap();
    let second = world
        .partner
        .client
        .submit_case(request.clone())
        .await
        .unwrap();
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(at_rest(first.case.clone()), at_rest(second.case));
    assert_eq!(count_cases(&world).await, 1);

    // Reusing the request id for something else is refused, not silently answered.
    request.subject = "Autre chose".to_owned();
    let err = world.partner.client.submit_case(request).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert!(
        err.message().contains(&first.case.unwrap().reference),
        "{}",
        err.message()
    );
    assert_eq!(count_cases(&world).await, 1);
}

#[tokio::test]
async fn request_ids_belong_to_the_submitting_organisation() {
    let world = World::new().await;
    let mut request = sample_case();
    request.request_id = "shared-id-1".to_owned();
    let a = world
        .partner
        .client
        .submit_case(request.clone())
        .await
        .unwrap();
    let b = world
        .other_partner
        .client
        .submit_case(request)
        .await
        .unwrap();
    assert!(
        !b.replayed,
        "another partner's request id does not replay partner A's case"
    );
    assert_ne!(a.case.unwrap().id, b.case.unwrap().id);
}

#[tokio::test]
async fn concurrent_retries_of_one_submission_create_one_case() {
    let world = World::new().await;
    let mut request = sample_case();
    request.request_id = "burst-1".to_owned();
    let attempts = (0..8).map(|_| {
        let client = world.partner.client.clone();
        let request = request.clone();
        tokio::spawn(async move { client.submit_case(request).await })
    });
    let results = futures::future::join_all(attempts).await;
    let ids: std::collections::BTreeSet<String> = results
        .into_iter()
        .map(|r| r.unwrap().unwrap().case.unwrap().id)
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(count_cases(&world).await, 1);
}

#[tokio::test]
async fn a_retried_change_is_applied_once() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let agent = &world.agent.client;
    agent.take_case(&reference).await.unwrap();

    // The same message request sent twice (as the client's retry does) is
    // posted once. The raw stub is used to choose the request id.
    let request = pb::PostMessageRequest {
        request_id: "message-1".to_owned(),
        case_ref: reference.clone(),
        body: "Bonjour, nous regardons votre demande.".to_owned(),
        visibility: pb::MessageVisibility::Partner.into(),
    };
    let mut raw = relais_client::pb::case_service_client::CaseServiceClient::connect(
        world.server.url.clone(),
    )
    .await
    .unwrap();
    let first = raw
        .post_message(authorized(&world.agent.token, request.clone()))
        .await
        .unwrap()
        .into_inner();
    let second = raw
        .post_message(authorized(&world.agent.token, request.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.message, second.message);
    let messages = agent.get_case(&reference).await.unwrap().messages;
    assert_eq!(messages.len(), 1);

    // A retried take (same request id) succeeds again instead of failing as "already taken".
    let take = pb::TakeCaseRequest {
        request_id: "take-1".to_owned(),
        case_ref: world.submitted_case().await.reference,
    };
    raw.take_case(authorized(&world.agent.token, take.clone()))
        .await
        .unwrap();
    let again = raw
        .take_case(authorized(&world.agent.token, take))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.case.unwrap().status(), pb::CaseStatus::InProgress);
}

#[tokio::test]
async fn of_two_agents_taking_a_case_at_once_exactly_one_wins() {
    let world = World::new().await;
    for _ in 0..5 {
        let reference = world
            .partner
            .client
            .submit_case(sample_case())
            .await
            .unwrap()
            .case
            .unwrap()
            .reference;
        let (a, b) = tokio::join!(
            world.agent.client.take_case(&reference),
            world.second_agent.client.take_case(&reference)
        );
        let (winner, loser) = match (a, b) {
            (Ok(won), Err(lost)) => (won, lost),
            (Err(lost), Ok(won)) => (won, lost),
            other => panic!("expected one winner and one loser, got {other:?}"),
        };
        assert_eq!(loser.code(), Code::FailedPrecondition);
        assert!(
            loser.message().contains("already taken in charge"),
            "{}",
            loser.message()
        );
        let assignee = winner.case.unwrap().assignee.unwrap().id;
        let stored = world
            .agent
            .client
            .get_case(&reference)
            .await
            .unwrap()
            .case
            .unwrap();
        assert_eq!(stored.assignee.unwrap().id, assignee);
        let takes = world
            .agent
            .client
            .get_case(&reference)
            .await
            .unwrap()
            .history
            .iter()
            .filter(|e| e.kind() == pb::CaseEventKind::Taken)
            .count();
        assert_eq!(takes, 1);
    }
}

/// `count` sample cases, with request ids `{prefix}-0`, `{prefix}-1`…
fn sample_cases(prefix: &str, count: usize) -> Vec<pb::SubmitCaseRequest> {
    (0..count)
        .map(|i| {
            let mut request = sample_case();
            request.request_id = format!("{prefix}-{i}");
            request
        })
        .collect()
}

/// Submits every request at once, each from a task of its own, as many
/// partners would; the answers by request id, in the requests' order.
async fn submit_at_once(
    world: &World,
    calls: Vec<pb::SubmitCaseRequest>,
) -> Vec<(String, Result<pb::SubmitCaseResponse, tonic::Status>)> {
    let tasks = calls.into_iter().map(|request| {
        let client = world.partner.client.clone();
        tokio::spawn(async move {
            let request_id = request.request_id.clone();
            (request_id, client.submit_case(request).await)
        })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|answer| answer.unwrap())
        .collect()
}

#[tokio::test]
async fn concurrent_submissions_stored_together_each_get_their_own_answer() {
    // Submissions arriving together share a transaction (group commit): each
    // must still be created once, retried ones must find their case, and a
    // refused one must not take the others down.
    let world = World::new().await;
    let mut calls = sample_cases("together", 48);
    let mut retried = sample_case();
    retried.request_id = "together-retried".to_owned();
    calls.extend(std::iter::repeat_n(retried, 4));
    let mut unroutable = sample_case();
    unroutable.request_id = "together-unroutable".to_owned();
    if let Some(pb::beneficiary::Residence::PostalAddress(address)) = unroutable
        .beneficiary
        .as_mut()
        .and_then(|b| b.residence.as_mut())
    {
        // No fund handles the Bouches-du-Rhône in this world.
        address.postal_code = "13001".to_owned();
    }
    calls.push(unroutable);

    let answers = submit_at_once(&world, calls).await;

    let mut ids = std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    for (request_id, outcome) in answers {
        match outcome {
            Ok(submitted) => {
                ids.entry(request_id)
                    .or_default()
                    .insert(submitted.case.unwrap().id);
            }
            Err(status) => {
                assert_eq!(request_id, "together-unroutable", "{status:?}");
                assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
            }
        }
    }
    assert_eq!(ids.len(), 49, "every routable submission was answered OK");
    assert!(ids.values().all(|cases| cases.len() == 1));
    let distinct: std::collections::BTreeSet<&String> = ids.values().flatten().collect();
    assert_eq!(distinct.len(), 49);
    assert_eq!(count_cases(&world).await, 49);
}

#[tokio::test]
async fn a_submission_the_database_refuses_fails_alone() {
    // Submissions stored together share a transaction: should the database
    // refuse one, the others must still be stored and answered OK, and
    // nothing of the refused one may remain.
    let world = World::new().await;
    let url = format!("sqlite://{}", world.server.database_path().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON case_contents \
         WHEN NEW.subject = 'Refusé par la base' \
         BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
    )
    .execute(&mut db)
    .await
    .unwrap();

    let mut calls = sample_cases("beside", 16);
    let mut refused = sample_case();
    refused.request_id = "refused-by-the-database".to_owned();
    refused.subject = "Refusé par la base".to_owned();
    calls.insert(8, refused);

    let answers = submit_at_once(&world, calls).await;
    let mut stored = 0;
    for answer in answers {
        match answer {
            (_, Ok(_)) => stored += 1,
            (request_id, Err(status)) => {
                assert_eq!(request_id, "refused-by-the-database", "{status:?}");
                assert_eq!(status.code(), Code::Internal, "{status:?}");
            }
        }
    }
    assert_eq!(stored, 16);
    assert_eq!(count_cases(&world).await, 16);
}
