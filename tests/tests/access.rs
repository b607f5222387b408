//! Who sees and does what: partners their own cases, funds the cases they
//! handle, administrators nothing of the beneficiaries.

use relais_client::pb;
use relais_tests::{World, sample_case};
use tonic::Code;

#[tokio::test]
async fn another_partner_can_neither_see_nor_act_on_the_case() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let intruder = &world.other_partner.client;

    let err = intruder.get_case(&reference).await.unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "never PERMISSION_DENIED: existence stays secret"
    );
    assert!(!err.message().contains("Kovalenko"));
    for err in [
        intruder
            .post_message(&reference, "Bonjour", pb::MessageVisibility::Partner)
            .await
            .unwrap_err(),
        intruder
            .withdraw_case(&reference, "Pour voir")
            .await
            .unwrap_err(),
        intruder
            .close_case(&reference, pb::Usefulness::No)
            .await
            .unwrap_err(),
        intruder.watch_cases(None, &reference).await.unwrap_err(),
    ] {
        assert_eq!(err.code(), Code::NotFound, "{err:?}");
    }
    let listed = intruder
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert!(listed.cases.is_empty());
    // Even asking for the fund's queue explicitly shows nothing of partner A's.
    let filtered = intruder
        .list_cases(pb::ListCasesRequest {
            handler_organisation_id: world.cpam.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(filtered.cases.is_empty());

    // The case is untouched.
    let history = world
        .partner
        .client
        .get_case(&reference)
        .await
        .unwrap()
        .history;
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn another_fund_cannot_see_or_take_the_case() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let err = world
        .agent_93
        .client
        .take_case(&reference)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let queue = world
        .agent_93
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert!(queue.cases.is_empty());
}

#[tokio::test]
async fn each_side_may_only_do_its_own_part() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;

    let err = world
        .partner
        .client
        .take_case(&reference)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world
        .partner
        .client
        .post_message(&reference, "note", pb::MessageVisibility::Internal)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world
        .agent
        .client
        .withdraw_case(&reference, "non")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world
        .agent
        .client
        .submit_case(sample_case())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world.admin.take_case(&reference).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world.admin.submit_case(sample_case()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn an_administrator_sees_no_beneficiary_data() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    world.agent.client.take_case(&reference).await.unwrap();
    world
        .agent
        .client
        .post_message(
            &reference,
            "Mme Kovalenko est diabétique.",
            pb::MessageVisibility::Internal,
        )
        .await
        .unwrap();
    world
        .agent
        .client
        .transfer_case(
            &reference,
            &world.cpam_93.id,
            "Habite Montreuil, chez sa sœur",
        )
        .await
        .unwrap();

    let shown = world.admin.get_case(&reference).await.unwrap();
    let case = shown.case.unwrap();
    assert!(case.redacted);
    assert_eq!(case.partner_reference, "", "often made of names");
    assert!(case.beneficiary.is_none());
    assert!(case.dependants.is_empty());
    assert!(case.consent.is_none());
    assert_eq!(case.subject, "");
    assert_eq!(case.description, "");
    assert!(shown.messages.is_empty());
    assert!(
        shown.history.iter().all(|e| e.reason.is_empty()),
        "reasons may hold beneficiary data"
    );
    // What an administrator needs to run the service is still there.
    assert_eq!(case.reference, reference);
    assert_eq!(case.status(), pb::CaseStatus::Submitted);
    assert_eq!(case.handler_organisation.unwrap().id, world.cpam_93.id);
    assert_eq!(shown.history.len(), 4);

    let listed = world
        .admin
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.cases.len(), 1);
    assert!(
        listed
            .cases
            .iter()
            .all(|c| c.redacted && c.beneficiary.is_none() && c.subject.is_empty())
    );

    // Nothing of it leaks through the debug form of the whole response either.
    let dump = format!(
        "{listed:?} {:?}",
        world.admin.get_case(&reference).await.unwrap()
    );
    for secret in [
        "Kovalenko",
        "Olena",
        "295109912611193",
        "diabétique",
        "Montreuil, chez",
        "0612345678",
        "FS-BEL-0042",
    ] {
        assert!(
            !dump.contains(secret),
            "{secret} leaked to the administrator"
        );
    }
}

#[tokio::test]
async fn an_association_never_reads_a_nir_back_while_a_france_services_counter_does() {
    let world = World::new().await;
    let mut request = sample_case();
    request.dependants[0].nir = "1150575123456".to_owned();
    let submitted = world
        .volunteer
        .client
        .submit_case(request.clone())
        .await
        .unwrap()
        .case
        .unwrap();
    let beneficiary = submitted.beneficiary.as_ref().unwrap();
    assert_eq!(beneficiary.nir, "", "not even in the submission's answer");
    assert_eq!(beneficiary.last_name, "Kovalenko");
    let shown = world
        .volunteer
        .client
        .get_case(&submitted.reference)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(shown.beneficiary.unwrap().nir, "");
    assert!(shown.dependants.iter().all(|d| d.nir.is_empty()));

    // The fund that handles it reads the NIR.
    let handled = world
        .agent
        .client
        .get_case(&submitted.reference)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(handled.beneficiary.unwrap().nir, "295109912611193");
    assert_eq!(handled.dependants[0].nir.len(), 15);

    let counter = world
        .partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(counter.beneficiary.unwrap().nir, "295109912611193");
}

#[tokio::test]
async fn calls_without_a_valid_token_are_unauthenticated() {
    let world = World::new().await;
    let anonymous = world.server.anonymous().await;
    let err = anonymous
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    let forged = world
        .server
        .client("rls_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let err = forged.who_am_i().await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    assert!(!err.message().contains("rls_"), "the token is not echoed");

    // A disabled account's token stops working at once.
    world
        .admin
        .disable_account(&world.partner.id)
        .await
        .unwrap();
    let err = world
        .partner
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn only_administrators_manage_accounts() {
    let world = World::new().await;
    let err = world
        .supervisor
        .client
        .create_organisation(pb::CreateOrganisationRequest {
            name: "Fausse CPAM".to_owned(),
            kind: pb::OrganisationKind::Cpam.into(),
            departement: "75".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world
        .partner
        .client
        .list_accounts(pb::ListAccountsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = world
        .agent
        .client
        .issue_token(pb::IssueTokenRequest {
            account_id: world.agent.id.clone(),
            validity: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // Every account may read the directory of organisations (to pick a fund for a transfer).
    let directory = world
        .agent
        .client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap();
    assert!(directory.organisations.len() >= 5);
}

#[tokio::test]
async fn a_fund_that_transferred_a_case_away_sees_it_as_it_left() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    world.agent.client.take_case(&reference).await.unwrap();
    let left = world
        .agent
        .client
        .transfer_case(&reference, &world.cpam_93.id, "Habite Montreuil")
        .await
        .unwrap()
        .case
        .unwrap();

    // The new fund works on it: none of that is the first fund's business.
    let new_fund = &world.agent_93.client;
    new_fund.take_case(&reference).await.unwrap();
    new_fund
        .post_message(
            &reference,
            "Bonjour, nous reprenons la demande.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();
    new_fund
        .request_information(&reference, "Merci de joindre le justificatif.")
        .await
        .unwrap();

    let seen = world.agent.client.get_case(&reference).await.unwrap();
    let case = seen.case.clone().unwrap();
    assert!(case.redacted);
    assert_eq!(case.status(), pb::CaseStatus::Submitted, "as it left");
    assert!(case.assignee.is_none(), "not the new fund's agent");
    assert_eq!(case.handler_organisation.unwrap().id, world.cpam_93.id);
    assert_eq!(case.update_time, left.update_time);
    assert!(case.sla.is_none(), "the promises are the new fund's now");
    let kinds: Vec<pb::CaseEventKind> = seen.history.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            pb::CaseEventKind::Submitted,
            pb::CaseEventKind::Taken,
            pb::CaseEventKind::Transferred
        ]
    );
    let dump = format!("{seen:?}");
    assert!(
        !dump.contains(&world.agent_93.name),
        "the new fund's agent: {dump}"
    );

    // The new fund, of course, sees all of it.
    let handled = new_fund.get_case(&reference).await.unwrap();
    assert_eq!(
        handled.case.unwrap().status(),
        pb::CaseStatus::WaitingOnPartner
    );
    assert_eq!(handled.history.len(), 6);
}
