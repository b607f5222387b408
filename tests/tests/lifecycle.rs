//! The case lifecycle end to end: partner and fund each doing their part,
//! through the real client, server and database.

use relais_client::pb;
use relais_tests::{World, sample_case};
use tonic::Code;

fn status(case: &pb::Case) -> pb::CaseStatus {
    case.status()
}

#[tokio::test]
async fn a_case_goes_from_submission_to_closure_with_a_wait_on_the_partner() {
    let world = World::new().await;
    let submitted = world
        .partner
        .client
        .submit_case(sample_case())
        .await
        .unwrap();
    let case = submitted.case.unwrap();
    assert_eq!(status(&case), pb::CaseStatus::Submitted);
    assert_eq!(
        case.handler_organisation.as_ref().unwrap().id,
        world.cpam.id,
        "routed by the postal code 75011"
    );
    assert_eq!(case.departement, "75");
    assert!(
        case.reference.starts_with("R-") && case.reference.len() == 11,
        "{}",
        case.reference
    );
    assert!(uuid_v7(&case.id), "{}", case.id);
    assert!(!submitted.replayed);
    let reference = case.reference.clone();

    let agent = &world.agent.client;
    let taken = agent.take_case(&reference).await.unwrap().case.unwrap();
    assert_eq!(status(&taken), pb::CaseStatus::InProgress);
    assert_eq!(taken.assignee.unwrap().id, world.agent.id);

    let asked = agent
        .request_information(
            &reference,
            "Merci de joindre le récépissé de demande de titre de séjour.",
        )
        .await
        .unwrap();
    assert_eq!(
        status(&asked.case.unwrap()),
        pb::CaseStatus::WaitingOnPartner
    );
    assert_eq!(
        asked.message.unwrap().kind(),
        pb::MessageKind::InformationRequest
    );

    let note = agent
        .post_message(
            &reference,
            "Dossier déjà vu en 2025 ?",
            pb::MessageVisibility::Internal,
        )
        .await
        .unwrap();
    assert_eq!(
        status(&note.case.unwrap()),
        pb::CaseStatus::WaitingOnPartner,
        "a note changes nothing"
    );

    let replied = world
        .partner
        .client
        .post_message(
            &reference,
            "Voici le récépissé.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();
    assert_eq!(
        status(&replied.case.unwrap()),
        pb::CaseStatus::InProgress,
        "the partner's reply ends the wait"
    );

    agent
        .post_message(
            &reference,
            "Une attestation vous a été envoyée.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();
    let resolved = agent
        .resolve_case(
            &reference,
            pb::ResolutionOutcome::Answered,
            "Attestation envoyée.",
        )
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(status(&resolved), pb::CaseStatus::Resolved);
    assert_eq!(
        resolved.resolution.unwrap().outcome(),
        pb::ResolutionOutcome::Answered
    );

    let closed = world
        .partner
        .client
        .close_case(&reference, pb::Usefulness::Yes)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(status(&closed), pb::CaseStatus::Closed);
    assert_eq!(closed.usefulness(), pb::Usefulness::Yes);

    // The history records every step, from, to, who and when.
    let shown = agent.get_case(&reference).await.unwrap();
    let steps: Vec<(pb::CaseEventKind, pb::CaseStatus, pb::CaseStatus, String)> = shown
        .history
        .iter()
        .map(|e| {
            (
                e.kind(),
                e.from_status(),
                e.to_status(),
                e.actor.clone().unwrap().name,
            )
        })
        .collect();
    use pb::{CaseEventKind as K, CaseStatus as S};
    assert_eq!(
        steps,
        [
            (
                K::Submitted,
                S::Unspecified,
                S::Submitted,
                world.partner.name.clone()
            ),
            (
                K::Taken,
                S::Submitted,
                S::InProgress,
                world.agent.name.clone()
            ),
            (
                K::InformationRequested,
                S::InProgress,
                S::WaitingOnPartner,
                world.agent.name.clone()
            ),
            (
                K::MessagePosted,
                S::WaitingOnPartner,
                S::WaitingOnPartner,
                world.agent.name.clone()
            ),
            (
                K::PartnerReplied,
                S::WaitingOnPartner,
                S::InProgress,
                world.partner.name.clone()
            ),
            (
                K::MessagePosted,
                S::InProgress,
                S::InProgress,
                world.agent.name.clone()
            ),
            (
                K::Resolved,
                S::InProgress,
                S::Resolved,
                world.agent.name.clone()
            ),
            (
                K::Closed,
                S::Resolved,
                S::Closed,
                world.partner.name.clone()
            ),
        ]
    );
    assert!(shown.history.iter().all(|e| e.time.is_some()));
    let kinds: Vec<pb::MessageKind> = shown.messages.iter().map(|m| m.kind()).collect();
    assert_eq!(
        kinds,
        [
            pb::MessageKind::InformationRequest,
            pb::MessageKind::InternalNote,
            pb::MessageKind::PartnerMessage,
            pb::MessageKind::AgentReply,
            pb::MessageKind::Resolution,
        ]
    );

    // The partner sees the same case without the internal note, in messages and in history.
    let partner_view = world.partner.client.get_case(&reference).await.unwrap();
    assert!(
        partner_view
            .messages
            .iter()
            .all(|m| m.kind() != pb::MessageKind::InternalNote)
    );
    assert_eq!(partner_view.messages.len(), 4);
    assert_eq!(partner_view.history.len(), 7);
}

#[tokio::test]
async fn a_closed_case_can_be_reopened_and_resolved_again() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let agent = &world.agent.client;
    agent.take_case(&reference).await.unwrap();
    agent
        .resolve_case(
            &reference,
            pb::ResolutionOutcome::RightsOpened,
            "Droits ouverts.",
        )
        .await
        .unwrap();
    world
        .partner
        .client
        .close_case(&reference, pb::Usefulness::No)
        .await
        .unwrap();

    let reopened = world
        .partner
        .client
        .reopen_case(&reference, "La carte n'est jamais arrivée.")
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(status(&reopened), pb::CaseStatus::InProgress);
    assert_eq!(
        reopened.assignee.unwrap().id,
        world.agent.id,
        "the agent who answered keeps the case"
    );
    assert!(reopened.resolution.is_none());

    let history = agent.get_case(&reference).await.unwrap().history;
    let reopening = history
        .iter()
        .find(|e| e.kind() == pb::CaseEventKind::Reopened)
        .unwrap();
    assert_eq!(reopening.reason, "La carte n'est jamais arrivée.");
    assert_eq!(reopening.from_status(), pb::CaseStatus::Closed);

    // An agent may reopen a resolved case too.
    agent
        .resolve_case(&reference, pb::ResolutionOutcome::Answered, "Renvoyée.")
        .await
        .unwrap();
    let again = agent
        .reopen_case(&reference, "Erreur d'adresse")
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(status(&again), pb::CaseStatus::InProgress);
}

#[tokio::test]
async fn a_transfer_moves_the_case_to_another_fund_which_takes_it_from_its_queue() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    world.agent.client.take_case(&reference).await.unwrap();

    let transferred = world
        .agent
        .client
        .transfer_case(
            &reference,
            &world.cpam_93.id,
            "La bénéficiaire habite Montreuil.",
        )
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(
        transferred.reference, reference,
        "same case, same reference"
    );
    assert_eq!(status(&transferred), pb::CaseStatus::Submitted);
    assert_eq!(
        transferred.handler_organisation.unwrap().id,
        world.cpam_93.id
    );
    assert!(transferred.assignee.is_none());

    // The first fund no longer handles it: it may see where the case went,
    // not whom it is about, and may no longer act on it.
    let left = world.agent.client.get_case(&reference).await.unwrap();
    let left = left.case.unwrap();
    assert!(left.redacted);
    assert!(left.beneficiary.is_none() && left.description.is_empty());
    assert_eq!(left.handler_organisation.unwrap().id, world.cpam_93.id);
    let gone = world.agent.client.take_case(&reference).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let queue = world
        .agent_93
        .client
        .list_cases(pb::ListCasesRequest {
            statuses: vec![pb::CaseStatus::Submitted.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue.cases.len(), 1);
    world.agent_93.client.take_case(&reference).await.unwrap();

    let history = world
        .agent_93
        .client
        .get_case(&reference)
        .await
        .unwrap()
        .history;
    let transfer = history
        .iter()
        .find(|e| e.kind() == pb::CaseEventKind::Transferred)
        .unwrap();
    assert_eq!(
        transfer.from_organisation.as_ref().unwrap().id,
        world.cpam.id
    );
    assert_eq!(
        transfer.to_organisation.as_ref().unwrap().id,
        world.cpam_93.id
    );
    assert_eq!(transfer.reason, "La bénéficiaire habite Montreuil.");

    // Transferring to a partner organisation is refused, naming the field.
    let err = world
        .agent_93
        .client
        .transfer_case(&reference, &world.counter.id, "x")
        .await
        .unwrap_err();
    assert_eq!(
        relais_tests::violated_fields(&err),
        ["handler_organisation_id"]
    );
}

#[tokio::test]
async fn a_partner_withdraws_an_open_case_and_nothing_more_can_happen_to_it() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let withdrawn = world
        .partner
        .client
        .withdraw_case(&reference, "Doublon d'une demande envoyée par courriel.")
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(status(&withdrawn), pb::CaseStatus::Withdrawn);

    let err = world.agent.client.take_case(&reference).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("WITHDRAWN"), "{}", err.message());
}

#[tokio::test]
async fn an_illegal_transition_is_a_failed_precondition_naming_the_status() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let agent = &world.agent.client;

    let err = agent
        .resolve_case(&reference, pb::ResolutionOutcome::Answered, "Trop tôt")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("SUBMITTED"), "{}", err.message());

    let err = world
        .partner
        .client
        .close_case(&reference, pb::Usefulness::Yes)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    let err = agent
        .post_message(&reference, "Bonjour", pb::MessageVisibility::Partner)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("take it in charge"),
        "{}",
        err.message()
    );

    // A refused change leaves the case as it was.
    let case = agent.get_case(&reference).await.unwrap();
    assert_eq!(
        status(case.case.as_ref().unwrap()),
        pb::CaseStatus::Submitted
    );
    assert_eq!(case.history.len(), 1);
    assert!(case.messages.is_empty());
}

#[tokio::test]
async fn cases_are_named_by_reference_or_id_in_any_case() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    let by_id = world.agent.client.get_case(&case.id).await.unwrap();
    let lower = case.reference.to_lowercase().replace('-', "");
    let by_reference = world.agent.client.get_case(&lower).await.unwrap();
    assert_eq!(
        relais_tests::at_rest(by_id.case),
        relais_tests::at_rest(by_reference.case)
    );

    let err = world.agent.client.get_case("R-NOPE").await.unwrap_err();
    assert_eq!(relais_tests::violated_fields(&err), ["case_ref"]);
}

fn uuid_v7(text: &str) -> bool {
    text.len() == 36 && text.as_bytes()[14] == b'7'
}
