//! The audit trail: every read of beneficiary data and every change leaves
//! one entry saying who, what, when, from where, with which credential and
//! how it ended; only auditors read it.

use jiff::Timestamp;
use relais_client::pb;
use relais_tests::{World, sample_case};
use tonic::Code;

async fn entries(world: &World, filter: pb::ListAuditEntriesRequest) -> Vec<pb::AuditEntry> {
    world
        .auditor
        .client
        .list_audit_entries(filter)
        .await
        .expect("the auditor reads the trail")
        .entries
}

async fn entries_of_case(world: &World, reference: &str) -> Vec<pb::AuditEntry> {
    entries(
        world,
        pb::ListAuditEntriesRequest {
            case_ref: reference.to_owned(),
            ..Default::default()
        },
    )
    .await
}

/// The id of the one token `account_id` has.
async fn token_id(world: &World, account_id: &str) -> String {
    let tokens = world
        .admin
        .list_tokens(pb::ListTokensRequest {
            account_id: account_id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .tokens;
    assert_eq!(tokens.len(), 1);
    tokens[0].id.clone()
}

fn assert_recent(entry: &pb::AuditEntry, before: Timestamp) {
    let time = entry.time.as_ref().expect("a time");
    let at = Timestamp::new(time.seconds, time.nanos).unwrap();
    assert!(at >= before && at <= Timestamp::now(), "{at}");
}

#[tokio::test]
async fn a_change_by_a_partner_leaves_exactly_one_entry_with_who_what_where_and_how() {
    let world = World::new().await;
    let before = Timestamp::now();
    let mut request = sample_case();
    request.request_id = "fs-belleville-2026-0042".to_owned();
    let case = world
        .partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();

    let trail = entries_of_case(&world, &case.reference).await;
    assert_eq!(trail.len(), 1, "{trail:#?}");
    let entry = &trail[0];
    assert_eq!(entry.rpc, "relais.v1.CaseService/SubmitCase");
    assert_eq!(entry.account.as_ref().unwrap().id, world.partner.id);
    assert_eq!(entry.organisation.as_ref().unwrap().id, world.counter.id);
    assert_eq!(entry.case_id, case.id);
    assert_eq!(entry.case_reference, case.reference);
    assert_eq!(entry.request_id, "fs-belleville-2026-0042");
    assert_eq!(entry.outcome, "OK");
    assert!(entry.peer.starts_with("127.0.0.1:"), "{}", entry.peer);
    assert_eq!(
        entry.credential,
        format!("token:{}", token_id(&world, &world.partner.id).await)
    );
    assert_recent(entry, before);

    // A retried submission changes nothing, but the attempt is on record.
    let mut retried = sample_case();
    retried.request_id = "fs-belleville-2026-0042".to_owned();
    world.partner.client.submit_case(retried).await.unwrap();
    assert_eq!(entries_of_case(&world, &case.reference).await.len(), 2);
}

#[tokio::test]
async fn a_read_by_an_agent_leaves_exactly_one_entry() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    let before = Timestamp::now();
    world.agent.client.get_case(&case.reference).await.unwrap();

    let reads = entries(
        &world,
        pb::ListAuditEntriesRequest {
            case_ref: case.reference.clone(),
            account_id: world.agent.id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(reads.len(), 1, "{reads:#?}");
    let read = &reads[0];
    assert_eq!(read.rpc, "relais.v1.CaseService/GetCase");
    assert_eq!(read.organisation.as_ref().unwrap().id, world.cpam.id);
    assert_eq!(read.case_id, case.id);
    assert_eq!(read.outcome, "OK");
    assert_eq!(
        read.credential,
        format!("token:{}", token_id(&world, &world.agent.id).await)
    );
    assert_recent(read, before);

    // The same filter by time: nothing before the read.
    let since = entries(
        &world,
        pb::ListAuditEntriesRequest {
            account_id: world.agent.id.clone(),
            since: Some(pbjson_types::Timestamp {
                seconds: Timestamp::now().as_second() + 1,
                nanos: 0,
            }),
            ..Default::default()
        },
    )
    .await;
    assert!(since.is_empty(), "{since:#?}");
}

#[tokio::test]
async fn listing_a_queue_records_each_case_shown_and_redacted_views_record_nothing() {
    let world = World::new().await;
    let first = world.submitted_case().await;
    let second = world.submitted_case().await;
    world
        .agent
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    for case in [&first, &second] {
        let reads = entries(
            &world,
            pb::ListAuditEntriesRequest {
                case_ref: case.reference.clone(),
                account_id: world.agent.id.clone(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(reads.len(), 1, "{reads:#?}");
        assert_eq!(reads[0].rpc, "relais.v1.CaseService/ListCases");
    }

    // An administrator's view holds no beneficiary data: nothing to record.
    world.admin.get_case(&first.reference).await.unwrap();
    let admin = world.admin.who_am_i().await.unwrap().account.unwrap();
    let reads = entries(
        &world,
        pb::ListAuditEntriesRequest {
            account_id: admin.id,
            case_ref: first.reference.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(reads.is_empty(), "{reads:#?}");
}

#[tokio::test]
async fn refused_attempts_are_recorded_with_their_outcome() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    let probe = world
        .other_partner
        .client
        .get_case(&case.reference)
        .await
        .unwrap_err();
    assert_eq!(probe.code(), Code::NotFound);
    let attempts = entries(
        &world,
        pb::ListAuditEntriesRequest {
            case_ref: case.reference.clone(),
            account_id: world.other_partner.id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0].outcome, "NOT_FOUND");
    assert_eq!(attempts[0].case_reference, case.reference);
}

#[tokio::test]
async fn what_does_not_parse_as_a_case_reference_is_not_kept_in_the_trail() {
    let world = World::new().await;
    world.submitted_case().await;
    // Typed into the reference field by mistake: a NIR, a name.
    let typed = ["2 95 10 99 126 111 93", "Kovalenko Olena"];
    for text in typed {
        let refused = world.agent.client.get_case(text).await.unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    }
    let attempts = entries(
        &world,
        pb::ListAuditEntriesRequest {
            account_id: world.agent.id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(attempts.len(), typed.len(), "{attempts:#?}");
    for attempt in &attempts {
        assert_eq!(attempt.outcome, "INVALID_ARGUMENT");
        assert_eq!(attempt.case_reference, "(not a case reference)");
    }
    let recorded = format!("{attempts:?}");
    for text in ["295109912611193", "2 95 10 99", "Kovalenko", "Olena"] {
        assert!(
            !recorded.contains(text),
            "{text:?} is in the trail: {recorded}"
        );
    }
}

#[tokio::test]
async fn only_auditors_read_the_trail_and_auditors_read_nothing_else() {
    let world = World::new().await;
    for (who, client) in [
        ("an agent", &world.agent.client),
        ("a supervisor", &world.supervisor.client),
        ("a partner", &world.partner.client),
        ("an administrator", &world.admin),
    ] {
        let denied = client
            .list_audit_entries(pb::ListAuditEntriesRequest::default())
            .await
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{who}");
    }

    let denied = world
        .auditor
        .client
        .submit_case(sample_case())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let case = world.submitted_case().await;
    let denied = world
        .auditor
        .client
        .get_case(&case.reference)
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let denied = world
        .auditor
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    // And a bad filter names its field.
    let invalid = world
        .auditor
        .client
        .list_audit_entries(pb::ListAuditEntriesRequest {
            account_id: "someone".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(invalid.code(), Code::InvalidArgument);
    assert_eq!(relais_tests::violated_fields(&invalid), ["account_id"]);
}
