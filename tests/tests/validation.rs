//! Bad input is INVALID_ARGUMENT naming every bad field, and creates nothing.

use relais_client::pb;
use relais_tests::{World, sample_case, violated_fields};
use tonic::Code;

fn beneficiary(request: &mut pb::SubmitCaseRequest) -> &mut pb::Beneficiary {
    request.beneficiary.as_mut().unwrap()
}

fn address(request: &mut pb::SubmitCaseRequest) -> &mut pb::PostalAddress {
    match beneficiary(request).residence.as_mut().unwrap() {
        pb::beneficiary::Residence::PostalAddress(address) => address,
        pb::beneficiary::Residence::Domiciliation(d) => d.address.as_mut().unwrap(),
    }
}

fn domiciled(request: &mut pb::SubmitCaseRequest, start: &str, end: &str) {
    beneficiary(request).residence = Some(pb::beneficiary::Residence::Domiciliation(
        pb::Domiciliation {
            organisation_name: "CCAS de Paris".to_owned(),
            address: Some(pb::PostalAddress {
                line1: "5 boulevard Diderot".to_owned(),
                line2: String::new(),
                postal_code: "75012".to_owned(),
                city: "Paris".to_owned(),
            }),
            start_date: start.to_owned(),
            end_date: end.to_owned(),
        },
    ));
}

/// A change that makes a valid case invalid.
type Mutation = Box<dyn Fn(&mut pb::SubmitCaseRequest)>;

/// Each mutation of a valid case, and the one field it must be refused for.
fn bad_submissions() -> Vec<(&'static str, Mutation)> {
    vec![
        (
            "request_id",
            Box::new(|r| r.request_id = "with space".to_owned()),
        ),
        ("category", Box::new(|r| r.category = 0)),
        ("subject", Box::new(|r| r.subject = "x".repeat(151))),
        (
            "description",
            Box::new(|r| r.description = "   ".to_owned()),
        ),
        (
            "description",
            Box::new(|r| r.description = "x".repeat(10_001)),
        ),
        (
            "urgency_reason",
            Box::new(|r| r.urgency = pb::Urgency::Urgent.into()),
        ),
        ("beneficiary", Box::new(|r| r.beneficiary = None)),
        (
            "beneficiary.last_name",
            Box::new(|r| beneficiary(r).last_name.clear()),
        ),
        (
            "beneficiary.first_names",
            Box::new(|r| beneficiary(r).first_names = "123".to_owned()),
        ),
        (
            "beneficiary.birth_date",
            Box::new(|r| beneficiary(r).birth_date = "14/10/1995".to_owned()),
        ),
        (
            "beneficiary.birth_date",
            Box::new(|r| beneficiary(r).birth_date = "2999-01-01".to_owned()),
        ),
        (
            "beneficiary.nir",
            Box::new(|r| beneficiary(r).nir = "295109912611199".to_owned()),
        ),
        (
            "beneficiary.nir",
            Box::new(|r| beneficiary(r).nir = "29510991261".to_owned()),
        ),
        (
            "beneficiary.agdref_number",
            Box::new(|r| beneficiary(r).agdref_number = "12345678901".to_owned()),
        ),
        (
            "beneficiary.agdref_number",
            Box::new(|r| beneficiary(r).agdref_number = "A123456789".to_owned()),
        ),
        (
            "beneficiary.nationality",
            Box::new(|r| beneficiary(r).nationality = "UKR".to_owned()),
        ),
        (
            "beneficiary.departement",
            Box::new(|r| beneficiary(r).departement = "20".to_owned()),
        ),
        (
            "beneficiary.departement",
            Box::new(|r| beneficiary(r).departement = "975".to_owned()),
        ),
        (
            "beneficiary.postal_address.postal_code",
            Box::new(|r| address(r).postal_code = "7501".to_owned()),
        ),
        // Postal codes in no département: the same rule as prefecture files.
        (
            "beneficiary.postal_address.postal_code",
            Box::new(|r| address(r).postal_code = "98000".to_owned()),
        ),
        (
            "beneficiary.postal_address.postal_code",
            Box::new(|r| address(r).postal_code = "97133".to_owned()),
        ),
        (
            "beneficiary.postal_address.postal_code",
            Box::new(|r| address(r).postal_code = "20700".to_owned()),
        ),
        (
            "beneficiary.nationality",
            Box::new(|r| beneficiary(r).nationality = "XX".to_owned()),
        ),
        (
            "beneficiary.preferred_language",
            Box::new(|r| beneficiary(r).preferred_language = "xx".to_owned()),
        ),
        (
            "beneficiary.last_name",
            Box::new(|r| beneficiary(r).last_name = "Kova\u{202E}oknel".to_owned()),
        ),
        (
            "beneficiary.postal_address.line1",
            Box::new(|r| address(r).line1 = "12 rue \u{2066}Oberkampf\u{2069}".to_owned()),
        ),
        (
            "beneficiary.postal_address.city",
            Box::new(|r| address(r).city.clear()),
        ),
        (
            "beneficiary.phone",
            Box::new(|r| beneficiary(r).phone = "12 34".to_owned()),
        ),
        (
            "beneficiary.email",
            Box::new(|r| beneficiary(r).email = "olena@".to_owned()),
        ),
        (
            "beneficiary.preferred_language",
            Box::new(|r| beneficiary(r).preferred_language = "ukr".to_owned()),
        ),
        (
            "beneficiary.domiciliation.end_date",
            Box::new(|r| domiciled(r, "2026-03-01", "2026-02-01")),
        ),
        (
            "beneficiary.domiciliation.start_date",
            Box::new(|r| domiciled(r, "2026-13-01", "2027-02-28")),
        ),
        (
            "dependants[0].relationship",
            Box::new(|r| r.dependants[0].relationship = 0),
        ),
        (
            "dependants[0].birth_date",
            Box::new(|r| r.dependants[0].birth_date = "2999-01-01".to_owned()),
        ),
        (
            "dependants",
            Box::new(|r| r.dependants = vec![r.dependants[0].clone(); 21]),
        ),
        ("consent", Box::new(|r| r.consent = None)),
        (
            "consent.type",
            Box::new(|r| r.consent.as_mut().unwrap().r#type = 0),
        ),
        (
            "consent.date",
            Box::new(|r| r.consent.as_mut().unwrap().date = "2999-01-01".to_owned()),
        ),
        (
            "partner_reference",
            Box::new(|r| r.partner_reference = "x".repeat(65)),
        ),
        (
            "handler_organisation_id",
            Box::new(|r| r.handler_organisation_id = "CPAM de Paris".to_owned()),
        ),
    ]
}

#[tokio::test]
async fn every_invalid_field_is_refused_by_name_and_nothing_is_created() {
    let world = World::new().await;
    for (field, mutate) in bad_submissions() {
        let mut request = sample_case();
        mutate(&mut request);
        let err = world.partner.client.submit_case(request).await.unwrap_err();
        let fields = violated_fields(&err);
        assert_eq!(fields, [field], "{}", err.message());
        assert!(
            err.message().contains(field),
            "the message names the field too: {}",
            err.message()
        );
    }
    let listed = world
        .partner
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert!(
        listed.cases.is_empty(),
        "a refused submission creates nothing"
    );
}

#[tokio::test]
async fn all_bad_fields_are_reported_at_once() {
    let world = World::new().await;
    let mut request = sample_case();
    request.subject.clear();
    beneficiary(&mut request).nir = "295109912611199".to_owned();
    beneficiary(&mut request).birth_date = "2999-01-01".to_owned();
    request.consent = None;
    let err = world.partner.client.submit_case(request).await.unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "subject",
            "beneficiary.birth_date",
            "beneficiary.nir",
            "consent"
        ]
    );
}

#[tokio::test]
async fn remarkable_input_is_accepted_with_warnings() {
    let world = World::new().await;
    let mut request = sample_case();
    beneficiary(&mut request).agdref_number = "123456789".to_owned();
    beneficiary(&mut request).departement = "93".to_owned();
    let submitted = world.partner.client.submit_case(request).await.unwrap();
    let fields: Vec<&str> = submitted
        .warnings
        .iter()
        .map(|w| w.field.as_str())
        .collect();
    assert_eq!(
        fields,
        ["beneficiary.agdref_number", "beneficiary.departement"]
    );
    // The stated département wins over the postal code: the case goes to the CPAM 93.
    let case = submitted.case.unwrap();
    assert_eq!(case.handler_organisation.unwrap().id, world.cpam_93.id);
    assert_eq!(case.departement, "93");
}

#[tokio::test]
async fn change_requests_are_validated_too() {
    let world = World::new().await;
    let reference = world.submitted_case().await.reference;
    world.agent.client.take_case(&reference).await.unwrap();

    let err = world
        .agent
        .client
        .resolve_case(&reference, pb::ResolutionOutcome::Unspecified, "")
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["outcome", "answer"]);
    let err = world
        .agent
        .client
        .post_message(
            &reference,
            &"x".repeat(10_001),
            pb::MessageVisibility::Partner,
        )
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["body"]);
    let err = world
        .agent
        .client
        .transfer_case(&reference, "nope", "")
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["handler_organisation_id", "reason"]);
    let err = world
        .partner
        .client
        .close_case("", pb::Usefulness::Unspecified)
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["case_ref", "usefulness"]);

    let err = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            page_size: -1,
            page_token: "garbage".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["page_size"]);
    // An unknown enumeration value is refused before the request is read
    // any further (see tests/wire.rs).
    let err = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            page_size: -1,
            statuses: vec![42],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["statuses[0]"]);
    let err = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest {
            page_token: "garbage".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["page_token"]);

    // Nothing changed.
    let case = world.agent.client.get_case(&reference).await.unwrap();
    assert_eq!(case.case.unwrap().status(), pb::CaseStatus::InProgress);
    assert!(case.messages.is_empty());
}

#[tokio::test]
async fn a_case_for_a_departement_without_a_fund_cannot_be_routed() {
    let world = World::new().await;
    let mut request = sample_case();
    address(&mut request).postal_code = "13001".to_owned();
    address(&mut request).city = "Marseille".to_owned();
    let err = world
        .partner
        .client
        .submit_case(request.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("13"), "{}", err.message());

    // Naming the fund explicitly works.
    request.handler_organisation_id = world.cpam.id.clone();
    let case = world
        .partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(case.handler_organisation.unwrap().id, world.cpam.id);
    assert_eq!(case.departement, "13");
}

#[tokio::test]
async fn without_an_address_the_partners_departement_routes_the_case() {
    let world = World::new().await;
    let mut request = sample_case();
    beneficiary(&mut request).residence = None;
    let case = world
        .other_partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(
        case.handler_organisation.unwrap().id,
        world.cpam_93.id,
        "France Services Montreuil is in 93"
    );
}

#[tokio::test]
async fn overseas_cases_go_to_their_cgss() {
    let world = World::new().await;
    let cgss = relais_tests::create_org(
        &world.admin,
        "CGSS de La Réunion",
        pb::OrganisationKind::Cgss,
        "974",
    )
    .await;
    let mut request = sample_case();
    address(&mut request).postal_code = "97400".to_owned();
    address(&mut request).city = "Saint-Denis".to_owned();
    let case = world
        .partner
        .client
        .submit_case(request)
        .await
        .unwrap()
        .case
        .unwrap();
    assert_eq!(case.handler_organisation.unwrap().id, cgss.id);
    assert_eq!(case.departement, "974");
}
