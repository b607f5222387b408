//! Organisations and accounts, and the standard gRPC services.

use std::time::Duration;

use futures::StreamExt;
use prost::Message as _;
use prost_types::FileDescriptorProto;
use relais_client::pb;
use relais_tests::{TestServer, World, create_org, violated_fields};
use tonic::{
    Code,
    transport::{Channel, Endpoint},
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

fn organisation(
    name: &str,
    kind: pb::OrganisationKind,
    departement: &str,
) -> pb::CreateOrganisationRequest {
    pb::CreateOrganisationRequest {
        request_id: String::new(),
        name: name.to_owned(),
        kind: kind.into(),
        departement: departement.to_owned(),
    }
}

fn account(org: &str, name: &str, email: &str, role: pb::Role) -> pb::CreateAccountRequest {
    pb::CreateAccountRequest {
        request_id: String::new(),
        organisation_id: org.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
        role: role.into(),
    }
}

#[tokio::test]
async fn organisations_are_validated_unique_and_idempotent() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let err = admin
        .create_organisation(organisation("", pb::OrganisationKind::Unspecified, ""))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["name", "kind"]);
    let err = admin
        .create_organisation(organisation("CPAM", pb::OrganisationKind::Cpam, ""))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["departement"]);
    let err = admin
        .create_organisation(organisation("CPAM", pb::OrganisationKind::Cpam, "96"))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["departement"]);

    let mut request = organisation("CPAM du Rhône", pb::OrganisationKind::Cpam, "69");
    request.request_id = "org-69".to_owned();
    let first = admin
        .create_organisation(request.clone())
        .await
        .unwrap()
        .organisation
        .unwrap();
    let retried = admin
        .create_organisation(request)
        .await
        .unwrap()
        .organisation
        .unwrap();
    assert_eq!(first, retried);
    let err = admin
        .create_organisation(organisation(
            "cpam du rhône",
            pb::OrganisationKind::Cpam,
            "69",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);

    let listed = admin
        .list_organisations(pb::ListOrganisationsRequest {
            kind: pb::OrganisationKind::Cpam.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.organisations, [first]);
}

#[tokio::test]
async fn accounts_fit_their_organisation_and_get_a_working_token_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let cpam = create_org(&admin, "CPAM de Paris", pb::OrganisationKind::Cpam, "75").await;
    let counter = create_org(
        &admin,
        "France Services Belleville",
        pb::OrganisationKind::FranceServices,
        "75",
    )
    .await;

    let err = admin
        .create_account(account(
            &counter.id,
            "Awa",
            "awa@example.fr",
            pb::Role::CaisseAgent,
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["role"]);
    let err = admin
        .create_account(account(
            &cpam.id,
            "Inès",
            "ines@example.fr",
            pb::Role::PartnerAgent,
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["role"]);
    let err = admin
        .create_account(account("nope", "", "not-an-email", pb::Role::Unspecified))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["organisation_id", "name", "email", "role"]
    );

    let mut request = account(
        &cpam.id,
        "Awa Diallo",
        "awa@cpam-paris.example",
        pb::Role::CaisseAgent,
    );
    request.request_id = "account-awa".to_owned();
    let created = admin.create_account(request.clone()).await.unwrap();
    assert!(created.token.starts_with("rls_"));
    let retried = admin.create_account(request).await.unwrap();
    assert_eq!(retried.account, created.account);
    assert!(retried.token.is_empty(), "a token is shown once only");

    let err = admin
        .create_account(account(
            &cpam.id,
            "Autre Awa",
            "AWA@cpam-paris.example",
            pb::Role::CaisseAgent,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);

    let awa = server.client(&created.token).await;
    let me = awa.who_am_i().await.unwrap();
    assert_eq!(me.account.unwrap().role(), pb::Role::CaisseAgent);
    assert_eq!(me.organisation.unwrap().id, cpam.id);

    // A second token works beside the first.
    let account_id = created.account.unwrap().id;
    let issued = admin
        .issue_token(pb::IssueTokenRequest {
            account_id: account_id.clone(),
            validity: None,
        })
        .await
        .unwrap();
    assert_ne!(issued.token, created.token);
    server.client(&issued.token).await.who_am_i().await.unwrap();
    let err = admin
        .issue_token(pb::IssueTokenRequest {
            account_id: "f00".to_owned(),
            validity: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["account_id"]);
}

#[tokio::test]
async fn disabling_is_idempotent_and_not_for_oneself() {
    let world = World::new().await;
    let first = world
        .admin
        .disable_account(&world.agent.id)
        .await
        .unwrap()
        .account
        .unwrap();
    let again = world
        .admin
        .disable_account(&world.agent.id)
        .await
        .unwrap()
        .account
        .unwrap();
    assert!(first.disabled);
    assert_eq!(first.disable_time, again.disable_time);
    let me = world.admin.who_am_i().await.unwrap().account.unwrap();
    let err = world.admin.disable_account(&me.id).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let err = world
        .admin
        .disable_account(&world.cpam.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

/// A plain gRPC channel to `server`, for the standard services' own clients.
async fn channel(server: &TestServer) -> Channel {
    Endpoint::from_shared(server.url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn health_reports_every_service_serving() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(channel(&server).await);
    for service in ["", "relais.v1.CaseService", "relais.v1.AdminService"] {
        let status = health
            .check(health_request(service))
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
}

/// A question to the reflection service.
#[derive(Debug, Clone, Copy)]
enum Question {
    ListServices,
    FileContainingSymbol(&'static str),
}

/// Its answer, whichever version of the protocol carried it.
#[derive(Debug)]
enum Answer {
    Services(Vec<String>),
    Files(Vec<FileDescriptorProto>),
}

/// Defines `async fn $name(Channel, Question) -> Answer` on the reflection
/// protocol's `$version`: v1 and v1alpha have the same messages in two
/// packages, hence two clients.
macro_rules! reflection_client {
    ($name:ident, $version:ident) => {
        async fn $name(channel: Channel, question: Question) -> Answer {
            use tonic_reflection::pb::$version::{
                ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
                server_reflection_request::MessageRequest,
                server_reflection_response::MessageResponse,
            };
            let message_request = match question {
                Question::ListServices => MessageRequest::ListServices(String::new()),
                Question::FileContainingSymbol(symbol) => {
                    MessageRequest::FileContainingSymbol(symbol.to_owned())
                }
            };
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(message_request),
            };
            let response = ServerReflectionClient::new(channel)
                .server_reflection_info(futures::stream::iter([request]))
                .await
                .expect("the reflection service answers")
                .into_inner()
                .next()
                .await
                .expect("an answer")
                .expect("an answer, not an error");
            match response.message_response {
                Some(MessageResponse::ListServicesResponse(list)) => {
                    Answer::Services(list.service.into_iter().map(|s| s.name).collect())
                }
                Some(MessageResponse::FileDescriptorResponse(files)) => Answer::Files(
                    files
                        .file_descriptor_proto
                        .iter()
                        .map(|file| FileDescriptorProto::decode(file.as_slice()).unwrap())
                        .collect(),
                ),
                other => panic!("{question:?}: unexpected answer {other:?}"),
            }
        }
    };
}

reflection_client!(ask_v1, v1);
reflection_client!(ask_v1alpha, v1alpha);

#[tokio::test]
async fn reflection_v1_and_v1alpha_describe_the_services_and_the_error_details() {
    let server = TestServer::start().await;
    let channel = channel(&server).await;
    for version in ["v1", "v1alpha"] {
        let ask = async |question| match version {
            "v1" => ask_v1(channel.clone(), question).await,
            _ => ask_v1alpha(channel.clone(), question).await,
        };
        let Answer::Services(names) = ask(Question::ListServices).await else {
            panic!("{version}: no list of services");
        };
        for expected in [
            "relais.v1.CaseService",
            "relais.v1.AdminService",
            "grpc.health.v1.Health",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{version}: {expected} missing from {names:?}"
            );
        }
        // The details errors carry, for grpcurl and buf curl to decode them.
        for symbol in ["google.rpc.BadRequest", "google.rpc.RetryInfo"] {
            let (package, message) = symbol.rsplit_once('.').unwrap();
            let answer = ask(Question::FileContainingSymbol(symbol)).await;
            let Answer::Files(files) = &answer else {
                panic!("{version}: {symbol} not found: {answer:?}");
            };
            assert!(
                files.iter().any(|file| file.package() == package
                    && file.message_type.iter().any(|m| m.name() == message)),
                "{version}: {symbol} is not described in {answer:?}"
            );
        }
    }
}

/// Bounds every wait on the server, so a test fails rather than hangs.
const PATIENCE: Duration = Duration::from_secs(10);

/// How long a stream must stay silent to be seen open. A lower bound only:
/// a stream that ends would end sooner, and a slow machine only waits longer.
const QUIET: Duration = Duration::from_millis(300);

fn health_request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

#[tokio::test]
async fn health_watch_on_an_unknown_service_says_so_and_stays_open() {
    let mut server = TestServer::start().await;
    let mut health = HealthClient::new(channel(&server).await);
    let unknown = "relais.v1.NoSuchService";
    let mut watching = health
        .watch(health_request(unknown))
        .await
        .expect("a watch on an unknown service is accepted")
        .into_inner();
    let first = watching.message().await.unwrap().expect("a first status");
    assert_eq!(first.status(), ServingStatus::ServiceUnknown);
    let next = tokio::time::timeout(QUIET, watching.message()).await;
    assert!(next.is_err(), "the stream stays open, silent: {next:?}");

    // Check, unlike Watch, answers an unknown service with NOT_FOUND.
    let refused = health.check(health_request(unknown)).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");

    for known in ["", "relais.v1.CaseService"] {
        let mut stream = health
            .watch(health_request(known))
            .await
            .unwrap()
            .into_inner();
        let status = stream.message().await.unwrap().expect("a status").status();
        assert_eq!(status, ServingStatus::Serving, "{known:?}");
    }

    // An open watch does not hold the server's shutdown back: it ends.
    tokio::time::timeout(PATIENCE, server.shutdown())
        .await
        .expect("the server stops with a watch open");
    let ended = tokio::time::timeout(PATIENCE, watching.message())
        .await
        .expect("the watch ends with the server");
    assert!(!matches!(ended, Ok(Some(_))), "{ended:?}");
}
