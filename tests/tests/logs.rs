//! What the server writes to its logs, at the most talkative level, during
//! a whole case's life: never a token, a NIR or a beneficiary's name.
//!
//! Alone in its file: it installs the process's global log subscriber.

use relais_client::pb;
use relais_tests::{World, logs, sample_case};

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_lifecycle_at_debug_level_logs_no_token_nir_or_name() {
    // Every crate, the server's dependencies included.
    let captured = logs::capture("debug");

    let world = World::new().await;
    let case = world
        .partner
        .client
        .submit_case(sample_case())
        .await
        .unwrap()
        .case
        .unwrap();
    let reference = case.reference.as_str();
    world.agent.client.take_case(reference).await.unwrap();
    world
        .agent
        .client
        .request_information(
            reference,
            "Pouvez-vous joindre le titre de séjour de Mme Kovalenko ?",
        )
        .await
        .unwrap();
    world
        .partner
        .client
        .post_message(
            reference,
            "Titre de séjour de Mme Kovalenko joint, NIR 2 95 10 99 126 111 93.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();
    world.agent.client.get_case(reference).await.unwrap();
    world
        .agent
        .client
        .resolve_case(
            reference,
            pb::ResolutionOutcome::RightsOpened,
            "Attestation envoyée à Olena Kovalenko.",
        )
        .await
        .unwrap();
    world
        .partner
        .client
        .close_case(reference, pb::Usefulness::Yes)
        .await
        .unwrap();
    // Failures log too: a bad token, and a submission with a wrong NIR.
    let stranger = world.server.client("rls_guessing-0123456789abcdef").await;
    stranger.who_am_i().await.unwrap_err();
    let mut invalid = sample_case();
    invalid.beneficiary.as_mut().unwrap().nir = "295109912611194".to_owned();
    world.partner.client.submit_case(invalid).await.unwrap_err();
    // Tokens issued and rotated travel in responses only.
    let issued = world
        .admin
        .issue_token(pb::IssueTokenRequest {
            account_id: world.agent.id.clone(),
            validity: None,
        })
        .await
        .unwrap();
    let rotated = world
        .admin
        .rotate_token(pb::RotateTokenRequest {
            token_id: issued.token_id.clone(),
            grace_period: None,
        })
        .await
        .unwrap();
    let mut server = world.server;
    server.shutdown().await;

    let logs = captured.text();
    assert!(
        logs.contains("CaseService/SubmitCase") && logs.contains("CaseService/ResolveCase"),
        "the capture works and the logs say what happened:\n{logs}"
    );
    let secrets = [
        ("the administrator's token", server.admin_token.as_str()),
        ("an agent's token", world.agent.token.as_str()),
        ("a partner's token", world.partner.token.as_str()),
        ("an issued token", issued.token.as_str()),
        ("a rotated token", rotated.token.as_str()),
        ("a guessed token", "rls_guessing-0123456789abcdef"),
        ("the NIR", "295109912611193"),
        ("the NIR, wrong key", "295109912611194"),
        ("the NIR as written", "2 95 10 99 126 111 93"),
        ("the last name", "Kovalenko"),
        ("a first name", "Olena"),
        ("a dependant's first name", "Taras"),
        ("the phone", "06 12 34 56 78"),
        ("the e-mail", "olena.kovalenko@example.org"),
        ("the street", "rue Oberkampf"),
    ];
    for (what, secret) in secrets {
        let found = logs.lines().find(|line| line.contains(secret));
        assert!(found.is_none(), "{what} is in the logs: {found:?}");
    }
}
