//! Valid requests to start from, shared by the tests and `relais bench`.

use crate::pb;

/// A valid case about a beneficiary living in Paris (75), with a NIR and a
/// child: for examples, tests and load generation.
pub fn sample_case() -> pb::SubmitCaseRequest {
    pb::SubmitCaseRequest {
        request_id: String::new(),
        category: pb::Category::CarteVitale.into(),
        subject: "Carte Vitale perdue".to_owned(),
        description:
            "Mme Kovalenko a perdu sa carte Vitale et a besoin d'une attestation de droits."
                .to_owned(),
        urgency: pb::Urgency::Normal.into(),
        urgency_reason: String::new(),
        beneficiary: Some(pb::Beneficiary {
            last_name: "Kovalenko".to_owned(),
            first_names: "Olena".to_owned(),
            birth_date: "1995-10-14".to_owned(),
            sex: pb::Sex::Female.into(),
            nir: "295109912611193".to_owned(),
            agdref_number: "0123456789".to_owned(),
            nationality: "UA".to_owned(),
            situation: pb::Situation::TemporaryProtection.into(),
            residence: Some(pb::beneficiary::Residence::PostalAddress(
                pb::PostalAddress {
                    line1: "12 rue Oberkampf".to_owned(),
                    line2: String::new(),
                    postal_code: "75011".to_owned(),
                    city: "Paris".to_owned(),
                },
            )),
            phone: "06 12 34 56 78".to_owned(),
            email: "olena.kovalenko@example.org".to_owned(),
            preferred_language: "uk".to_owned(),
            departement: String::new(),
        }),
        dependants: vec![pb::Dependant {
            last_name: "Kovalenko".to_owned(),
            first_names: "Taras".to_owned(),
            birth_date: "2015-04-02".to_owned(),
            sex: pb::Sex::Male.into(),
            relationship: pb::Relationship::Child.into(),
            nir: String::new(),
        }],
        consent: Some(pb::Consent {
            r#type: pb::ConsentType::Paper.into(),
            date: "2026-01-05".to_owned(),
        }),
        partner_reference: "FS-BEL-0042".to_owned(),
        handler_organisation_id: String::new(),
    }
}
