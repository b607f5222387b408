//! What the server acknowledged survives a restart; clients ride it out.

use relais_client::pb;
use relais_tests::{TestServer, World, sample_case};

#[tokio::test]
async fn a_restarted_server_still_has_every_acknowledged_case() {
    let world = World::new().await;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let mut request = sample_case();
        request.partner_reference = format!("FS-{i}");
        let case = world
            .partner
            .client
            .submit_case(request)
            .await
            .unwrap()
            .case
            .unwrap();
        acknowledged.push(case.reference);
    }
    world
        .agent
        .client
        .take_case(&acknowledged[0])
        .await
        .unwrap();
    world
        .agent
        .client
        .post_message(
            &acknowledged[0],
            "Réponse envoyée avant le redémarrage.",
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap();

    // The clients connected before the restart carry on: their first call
    // meets a dropped connection (UNAVAILABLE) and is retried.
    let World {
        server,
        partner,
        agent,
        ..
    } = world;
    let _server = server.restart().await;
    let partner = partner.client;
    let agent = agent.client;

    let listed = partner
        .list_cases(pb::ListCasesRequest {
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let references: Vec<String> = listed.cases.into_iter().map(|c| c.reference).collect();
    assert_eq!(references, acknowledged, "every case, oldest first");
    let first = agent.get_case(&acknowledged[0]).await.unwrap();
    assert_eq!(first.case.unwrap().status(), pb::CaseStatus::InProgress);
    assert_eq!(
        first.messages[0].body,
        "Réponse envoyée avant le redémarrage."
    );
    // And the restarted server keeps working.
    agent.take_case(&acknowledged[1]).await.unwrap();
}

/// The cases in a copy of the database file alone, without its log; `None`
/// while the copy is unreadable (caught in the middle of a checkpoint).
async fn cases_in_file_alone(database: &std::path::Path) -> Option<i64> {
    let directory = tempfile::tempdir().unwrap();
    let copy = directory.path().join("copy.db");
    std::fs::copy(database, &copy).unwrap();
    let url = format!("sqlite://{}?mode=ro", copy.display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .ok()?;
    sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&mut db)
        .await
        .ok()
}

#[tokio::test]
async fn acknowledged_cases_reach_the_database_file_beside_the_log() {
    // A busy writer would otherwise leave them in the write-ahead log until
    // it grew to tens of MiB, and copy them back inside some caller's commit.
    let world = World::new().await;
    for i in 0..5 {
        let mut request = sample_case();
        request.partner_reference = format!("FS-{i}");
        world.partner.client.submit_case(request).await.unwrap();
    }
    let database = world.server.database_path();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if cases_in_file_alone(&database).await == Some(5) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cases stayed in the log"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn bootstrap_creates_one_administrator_only() {
    let server = TestServer::start().await;
    let config = relais_server::config::Config {
        database_url: relais_server::config::DatabaseUrl::new(format!(
            "sqlite://{}",
            server.database_path().display()
        )),
        ..Default::default()
    };
    let again = relais_server::bootstrap(&config).await.unwrap();
    assert!(again.created.is_none());
    let accounts = server
        .admin()
        .await
        .list_accounts(pb::ListAccountsRequest::default())
        .await
        .unwrap();
    assert_eq!(accounts.accounts.len(), 1);
    assert_eq!(accounts.accounts[0].role(), pb::Role::Admin);
}

#[tokio::test]
async fn pages_walk_every_case_once_in_creation_order() {
    let world = World::new().await;
    let mut expected = Vec::new();
    for _ in 0..7 {
        expected.push(
            world
                .partner
                .client
                .submit_case(sample_case())
                .await
                .unwrap()
                .case
                .unwrap()
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = world
            .agent
            .client
            .list_cases(pb::ListCasesRequest {
                page_size: 3,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.cases.len() <= 3);
        seen.extend(page.cases.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn filters_narrow_the_queue() {
    let world = World::new().await;
    let a = world.submitted_case().await.reference;
    let b = world.submitted_case().await.reference;
    let mut other = sample_case();
    other.category = pb::Category::Ame.into();
    let c = world
        .partner
        .client
        .submit_case(other)
        .await
        .unwrap()
        .case
        .unwrap()
        .reference;
    world.agent.client.take_case(&a).await.unwrap();
    world.second_agent.client.take_case(&b).await.unwrap();

    let refs = |cases: Vec<pb::Case>| cases.into_iter().map(|c| c.reference).collect::<Vec<_>>();
    let mine = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            assigned_to_me: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refs(mine.cases), std::slice::from_ref(&a));
    let waiting = world
        .supervisor
        .client
        .list_cases(pb::ListCasesRequest {
            statuses: vec![pb::CaseStatus::Submitted.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refs(waiting.cases), std::slice::from_ref(&c));
    let ame = world
        .partner
        .client
        .list_cases(pb::ListCasesRequest {
            categories: vec![pb::Category::Ame.into()],
            submitted_by_my_organisation: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refs(ame.cases), [c]);
}
