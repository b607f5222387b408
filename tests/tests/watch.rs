//! WatchCases: the events a caller may see, in order, without gaps.

use std::time::Duration;

use futures::StreamExt;
use relais_client::{CaseWatch, pb};
use relais_tests::{World, sample_case};

/// The next event, or a failure if none comes in time (the events are
/// produced before we wait, so this never waits long when things work).
async fn next(watch: &mut CaseWatch) -> pb::CaseEvent {
    tokio::time::timeout(Duration::from_secs(10), watch.events.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .expect("no error")
        .event
        .expect("an event")
}

async fn collect(stream: &mut CaseWatch, n: usize) -> Vec<pb::CaseEvent> {
    let mut events = Vec::with_capacity(n);
    for _ in 0..n {
        events.push(next(stream).await);
    }
    events
}

#[tokio::test]
async fn a_lifecycle_arrives_in_order_on_both_sides() {
    let world = World::new().await;
    let mut agent_stream = world.agent.client.watch_cases(None, "").await.unwrap();
    let mut partner_stream = world.partner.client.watch_cases(None, "").await.unwrap();

    let reference = world.submitted_case().await.reference;
    let agent = &world.agent.client;
    agent.take_case(&reference).await.unwrap();
    agent
        .request_information(&reference, "Pièce d'identité ?")
        .await
        .unwrap();
    agent
        .post_message(&reference, "note interne", pb::MessageVisibility::Internal)
        .await
        .unwrap();
    world
        .partner
        .client
        .post_message(&reference, "Ci-jointe.", pb::MessageVisibility::Partner)
        .await
        .unwrap();
    agent
        .resolve_case(&reference, pb::ResolutionOutcome::Answered, "C'est fait.")
        .await
        .unwrap();
    world
        .partner
        .client
        .close_case(&reference, pb::Usefulness::Yes)
        .await
        .unwrap();

    use pb::CaseEventKind as K;
    let agent_events = collect(&mut agent_stream, 7).await;
    let kinds: Vec<K> = agent_events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            K::Submitted,
            K::Taken,
            K::InformationRequested,
            K::MessagePosted,
            K::PartnerReplied,
            K::Resolved,
            K::Closed
        ]
    );
    assert!(
        agent_events
            .windows(2)
            .all(|w| w[0].sequence < w[1].sequence)
    );
    assert!(agent_events.iter().all(|e| e.case_reference == reference));

    // The partner never learns that an internal note was written.
    let partner_events = collect(&mut partner_stream, 6).await;
    let kinds: Vec<K> = partner_events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            K::Submitted,
            K::Taken,
            K::InformationRequested,
            K::PartnerReplied,
            K::Resolved,
            K::Closed
        ]
    );
}

#[tokio::test]
async fn a_watcher_sees_only_its_own_organisations_cases() {
    let world = World::new().await;
    let mut other_partner = world
        .other_partner
        .client
        .watch_cases(None, "")
        .await
        .unwrap();
    let mut other_fund = world.agent_93.client.watch_cases(None, "").await.unwrap();
    world.submitted_case().await;
    // Partner B then submits its own case, routed to the CPAM 93: the first
    // event each watcher gets is about that one, not partner A's.
    let mut request = sample_case();
    request.beneficiary.as_mut().unwrap().departement = "93".to_owned();
    let own = world
        .other_partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    let seen = next(&mut other_partner).await;
    assert_eq!(seen.case_reference, own.reference);
    let seen = next(&mut other_fund).await;
    assert_eq!(seen.case_reference, own.reference);
}

#[tokio::test]
async fn a_reconnecting_watcher_resumes_after_its_last_event_without_gaps() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    let mut stream = world.agent.client.watch_cases(None, "").await.unwrap();
    world.agent.client.take_case(&reference).await.unwrap();
    let taken = next(&mut stream).await;
    drop(stream);

    // Events happen while nobody watches.
    world
        .agent
        .client
        .request_information(&reference, "Justificatif ?")
        .await
        .unwrap();
    world
        .partner
        .client
        .post_message(&reference, "Le voici.", pb::MessageVisibility::Partner)
        .await
        .unwrap();

    let mut resumed = world
        .agent
        .client
        .watch_cases(Some(taken.sequence), "")
        .await
        .unwrap();
    world
        .agent
        .client
        .resolve_case(&reference, pb::ResolutionOutcome::Answered, "Fait.")
        .await
        .unwrap();
    use pb::CaseEventKind as K;
    let kinds: Vec<K> = collect(&mut resumed, 3)
        .await
        .iter()
        .map(|e| e.kind())
        .collect();
    assert_eq!(
        kinds,
        [K::InformationRequested, K::PartnerReplied, K::Resolved]
    );
}

#[tokio::test]
async fn a_watch_may_follow_a_single_case() {
    let world = World::new().await;
    let followed = world.submitted_case().await.reference;
    let other = world.submitted_case().await.reference;
    let mut stream = world
        .partner
        .client
        .watch_cases(Some(0), &followed)
        .await
        .unwrap();
    world.agent.client.take_case(&other).await.unwrap();
    world.agent.client.take_case(&followed).await.unwrap();
    let events = collect(&mut stream, 2).await;
    assert!(events.iter().all(|e| e.case_reference == followed));
    assert_eq!(events[1].kind(), pb::CaseEventKind::Taken);
}

#[tokio::test]
async fn an_administrator_watches_without_reasons() {
    let world = World::new().await;
    let mut stream = world.admin.watch_cases(None, "").await.unwrap();
    let reference = world.submitted_case().await.reference;
    world
        .partner
        .client
        .withdraw_case(&reference, "Mme Kovalenko est partie")
        .await
        .unwrap();
    let events = collect(&mut stream, 2).await;
    assert_eq!(events[1].kind(), pb::CaseEventKind::Withdrawn);
    assert!(events[1].reason.is_empty());
}

#[tokio::test]
async fn watch_streams_end_when_the_server_stops() {
    let mut world = World::new().await;
    let mut stream = world.agent.client.watch_cases(None, "").await.unwrap();
    // Graceful shutdown must not wait for the watcher to hang up.
    tokio::time::timeout(Duration::from_secs(10), world.server.shutdown())
        .await
        .expect("the server stops with a watcher connected");
    let end = tokio::time::timeout(Duration::from_secs(10), stream.events.next())
        .await
        .expect("the stream ends");
    assert!(!matches!(end, Some(Ok(_))), "{end:?}");
}

#[tokio::test]
async fn a_watch_that_drops_before_its_first_event_resumes_from_where_it_started() {
    let world = World::new().await;
    world.submitted_case().await;
    let watch = world.agent.client.watch_cases(None, "").await.unwrap();
    assert_eq!(
        watch.start_sequence, 1,
        "it starts after the one event recorded so far"
    );
    drop(watch);

    let reference = world.submitted_case().await.reference;
    let mut resumed = world.agent.client.watch_cases(Some(1), "").await.unwrap();
    let event = next(&mut resumed).await;
    assert_eq!((event.sequence, event.case_reference), (2, reference));
}
