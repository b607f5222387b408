//! Requests as they travel, not as the client library builds them: an
//! enumeration value the server does not know, in any field of any request,
//! and bytes that are not the message they claim to be. Both are the
//! caller's error (INVALID_ARGUMENT naming what is wrong), change nothing,
//! and are not logged as internal errors.
//!
//! The enumeration fields are found by walking the API's descriptor set, so
//! a field added later is covered without this test changing.

use bytes::{Buf, BufMut};
use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, MessageDescriptor, MethodDescriptor, Value,
};
use relais_client::pb;
use relais_tests::{World, authorized, logs, violated_fields};
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::http::uri::PathAndQuery,
    transport::Channel,
};

/// Sends and receives messages as bytes, whatever they hold.
#[derive(Debug, Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining()).to_vec()))
    }
}

/// Calls `method` with `body` as its (only) request message; `Ok` once the
/// server answered a first message.
async fn call(
    channel: &Channel,
    token: &str,
    method: &MethodDescriptor,
    body: Vec<u8>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let path = PathAndQuery::from_maybe_shared(format!(
        "/{}/{}",
        method.parent_service().full_name(),
        method.name()
    ))
    .expect("a method's path");
    if method.is_client_streaming() {
        let requests = futures::stream::iter([body]);
        let mut answers = grpc
            .streaming(authorized(token, requests), path, Raw)
            .await?
            .into_inner();
        answers.message().await.map(drop)
    } else if method.is_server_streaming() {
        let mut answers = grpc
            .server_streaming(authorized(token, body), path, Raw)
            .await?
            .into_inner();
        answers.message().await.map(drop)
    } else {
        grpc.unary(authorized(token, body), path, Raw)
            .await
            .map(drop)
    }
}

/// Every way to put an unknown value in one enumeration field reachable from
/// `message`: the field's path as the API names it, and the message.
fn with_unknown_enum(message: &MessageDescriptor, depth: usize) -> Vec<(String, DynamicMessage)> {
    let mut found = Vec::new();
    // The API's messages do not nest deeper; the bound only stops a cycle.
    if depth > 6 {
        return found;
    }
    for field in message.fields() {
        let item = |name: &str| {
            if field.is_list() {
                format!("{name}[0]")
            } else {
                name.to_owned()
            }
        };
        let wrap = |value: Value| {
            if field.is_list() {
                Value::List(vec![value])
            } else {
                value
            }
        };
        match field.kind() {
            Kind::Enum(enumeration) => {
                let unknown = enumeration.values().map(|v| v.number()).max().unwrap_or(0) + 1000;
                let mut request = DynamicMessage::new(message.clone());
                request.set_field(&field, wrap(Value::EnumNumber(unknown)));
                found.push((item(field.name()), request));
            }
            Kind::Message(inner) if !field.is_map() => {
                for (path, inner_message) in with_unknown_enum(&inner, depth + 1) {
                    let mut request = DynamicMessage::new(message.clone());
                    request.set_field(&field, wrap(Value::Message(inner_message)));
                    found.push((format!("{}.{path}", item(field.name())), request));
                }
            }
            _ => {}
        }
    }
    found
}

fn api() -> DescriptorPool {
    DescriptorPool::decode(relais_proto::FILE_DESCRIPTOR_SET).expect("the API's descriptors")
}

fn methods(pool: &DescriptorPool) -> Vec<MethodDescriptor> {
    pool.services()
        .filter(|service| service.package_name() == "relais.v1")
        .flat_map(|service| service.methods().collect::<Vec<_>>())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_value_in_any_enumeration_field_of_any_request_is_refused_by_name() {
    let captured = logs::capture("info");
    let world = World::new().await;
    let channel = Channel::from_shared(world.server.url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let pool = api();
    let mut checked = Vec::new();
    for method in methods(&pool) {
        for (field, request) in with_unknown_enum(&method.input(), 0) {
            let refused = call(
                &channel,
                &world.server.admin_token,
                &method,
                request.encode_to_vec(),
            )
            .await
            .expect_err("a request with an unknown enumeration value is refused");
            let named = format!("{}: {field}", method.name());
            assert_eq!(
                refused.code(),
                Code::InvalidArgument,
                "{named}: {refused:?}"
            );
            assert_eq!(violated_fields(&refused), [field.as_str()], "{named}");
            assert!(
                refused.message().contains("has no such value"),
                "{named}: {}",
                refused.message()
            );
            checked.push(named);
        }
    }
    // The API's enumeration fields, as the walk found them: if it finds
    // nothing, the test tests nothing.
    for expected in [
        "PostMessage: visibility",
        "SubmitCase: urgency",
        "SubmitCase: beneficiary.sex",
        "SubmitCase: beneficiary.situation",
        "SubmitCase: dependants[0].relationship",
        "SubmitCase: consent.type",
        "ListCases: statuses[0]",
        "SetSlaPolicy: policy.escalations[0].audience",
        "CreateAccount: role",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected} was not checked: {checked:?}"
        );
    }
    assert_no_internal_errors(&captured.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_of_unknown_visibility_is_refused_and_posts_nothing() {
    let world = World::new().await;
    let case = world.submitted_case().await;
    let agent = &world.agent.client;
    agent.take_case(&case.reference).await.unwrap();
    let mut raw = pb::case_service_client::CaseServiceClient::connect(world.server.url.clone())
        .await
        .unwrap();
    let refused = raw
        .post_message(authorized(
            &world.agent.token,
            pb::PostMessageRequest {
                request_id: "note-or-reply".to_owned(),
                case_ref: case.reference.clone(),
                body: "Le dossier médical de Mme Kovalenko est incomplet.".to_owned(),
                // A value from a newer API, or a mistake: never an ordinary reply.
                visibility: 3,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["visibility"]);
    let seen_by_partner = world
        .partner
        .client
        .get_case(&case.reference)
        .await
        .unwrap();
    assert!(seen_by_partner.messages.is_empty(), "{seen_by_partner:?}");
    let seen_by_agent = agent.get_case(&case.reference).await.unwrap();
    assert!(seen_by_agent.messages.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_that_are_not_the_request_are_the_callers_error_and_not_an_internal_one() {
    let captured = logs::capture("info");
    let world = World::new().await;
    let channel = Channel::from_shared(world.server.url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let pool = api();
    let submit = pool
        .get_service_by_name("relais.v1.CaseService")
        .unwrap()
        .methods()
        .find(|m| m.name() == "SubmitCase")
        .unwrap();
    let subject = submit.input().get_field_by_name("subject").unwrap();
    // `subject` (length-delimited) holding bytes that are not UTF-8.
    let mut not_utf8 = vec![u8::try_from(subject.number() << 3 | 2).unwrap(), 2];
    not_utf8.extend_from_slice(&[0xC3, 0x28]);
    // A valid request cut in the middle of its subject.
    let mut truncated = relais_tests::sample_case().encode_to_vec();
    truncated.truncate(truncated.len() / 2);
    // A field announcing more bytes than the message holds.
    let overlong = vec![u8::try_from(subject.number() << 3 | 2).unwrap(), 50, b'a'];
    for (what, body) in [
        ("a string that is not UTF-8", not_utf8),
        ("a truncated message", truncated),
        ("a length past the end", overlong),
    ] {
        let refused = call(&channel, &world.partner.token, &submit, body)
            .await
            .expect_err(what);
        assert_eq!(refused.code(), Code::InvalidArgument, "{what}: {refused:?}");
        assert!(
            refused
                .message()
                .contains("cannot read the message as a relais.v1.SubmitCaseRequest"),
            "{what}: {}",
            refused.message()
        );
    }
    let listed = world
        .partner
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert!(listed.cases.is_empty(), "nothing was created");
    assert_no_internal_errors(&captured.text());
}

fn assert_no_internal_errors(logs: &str) {
    let errors: Vec<&str> = logs.lines().filter(|line| line.contains("ERROR")).collect();
    assert!(errors.is_empty(), "errors were logged: {errors:#?}");
    assert!(
        !logs.contains("code=Internal"),
        "an internal error was logged:\n{logs}"
    );
}
