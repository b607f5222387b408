//! `relais case submit`: a case from flags or from a JSON file, checked here
//! with the server's own rules before anything is sent.

use std::path::PathBuf;

use clap::Args;
use jiff::{Timestamp, Zoned, civil::Date};
use relais_client::pb;
use relais_core::case::{CaseDraft, Category, ConsentType, Sex, Situation};

use crate::cli::{
    context::Context,
    error::Failure,
    format::org_name,
    input,
    named::{named, status_label},
    resolve,
};

#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// A JSON file holding a SubmitCaseRequest (protobuf JSON mapping); `-` reads stdin.
    #[arg(long, value_name = "FILE", conflicts_with = "fields")]
    from: Option<PathBuf>,
    #[command(flatten)]
    fields: CaseFields,
    /// Makes a retry safe: the same id returns the first case instead of a second one.
    #[arg(long, value_parser = input::request_id)]
    request_id: Option<String>,
}

#[derive(Debug, Default, Args)]
#[group(id = "fields", multiple = true)]
pub(crate) struct CaseFields {
    #[arg(long, value_parser = named::<Category>(), help_heading = "Case")]
    category: Option<Category>,
    /// At most 150 characters.
    #[arg(long, help_heading = "Case")]
    subject: Option<String>,
    /// `-` reads it from stdin.
    #[arg(long, help_heading = "Case")]
    description: Option<String>,
    /// Marks the case urgent, for this reason.
    #[arg(long, value_name = "REASON", help_heading = "Case")]
    urgent: Option<String>,
    /// Your own reference for the case.
    #[arg(long, help_heading = "Case")]
    reference: Option<String>,
    /// The fund to send it to (id or name); by default, the beneficiary's département's.
    #[arg(long, value_name = "ORG", help_heading = "Case")]
    handler: Option<String>,
    /// How the beneficiary agreed that you act for them.
    #[arg(long, value_parser = named::<ConsentType>(), help_heading = "Consent")]
    consent: Option<ConsentType>,
    /// When they agreed (YYYY-MM-DD); today by default.
    #[arg(long, value_name = "DATE", help_heading = "Consent")]
    consent_date: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    last_name: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    first_names: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long, value_name = "DATE", help_heading = "Beneficiary")]
    birth_date: Option<String>,
    #[arg(long, value_parser = named::<Sex>(), help_heading = "Beneficiary")]
    sex: Option<Sex>,
    /// Social security number (NIR) or waiting number (NIA).
    #[arg(long, help_heading = "Beneficiary")]
    nir: Option<String>,
    /// Foreigner's file number: 10 digits.
    #[arg(long, help_heading = "Beneficiary")]
    agdref: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`UA`).
    #[arg(long, help_heading = "Beneficiary")]
    nationality: Option<String>,
    #[arg(long, value_parser = named::<Situation>(), help_heading = "Beneficiary")]
    situation: Option<Situation>,
    /// First line of the postal address.
    #[arg(long, value_name = "LINE1", help_heading = "Beneficiary")]
    address: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    postal_code: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    city: Option<String>,
    /// The beneficiary's département, when the postal code does not tell it.
    #[arg(long, help_heading = "Beneficiary")]
    departement: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    phone: Option<String>,
    #[arg(long, help_heading = "Beneficiary")]
    email: Option<String>,
    /// ISO 639-1 code of the language to use with them (`uk`, `ru`, `en`, `fr`).
    #[arg(long, help_heading = "Beneficiary")]
    language: Option<String>,
}

pub(crate) async fn run(ctx: &Context, args: SubmitArgs) -> Result<(), Failure> {
    let (mut request, handler) = match &args.from {
        Some(path) => (input::submit_request(path)?, None),
        None => {
            let mut fields = args.fields;
            if let Some(description) = &fields.description {
                fields.description = Some(input::text(description)?);
            }
            let today = Zoned::now().date();
            (request_from(&fields, today), fields.handler)
        }
    };
    if let Some(request_id) = args.request_id {
        request.request_id = request_id;
    }
    // The handler may be a name, which only the server can turn into an id:
    // the rest of the case is checked first, without it.
    CaseDraft::from(&request)
        .validate(Timestamp::now())
        .map_err(|violations| Failure::invalid(&violations))?;
    let client = ctx.client().await?;
    if let Some(handler) = handler {
        request.handler_organisation_id = resolve::organisation_id(&client, &handler).await?;
    }
    let response = client.submit_case(request).await?;
    for warning in &response.warnings {
        ctx.out.note(&format!(
            "warning: {}: {}",
            warning.field, warning.description
        ));
    }
    let case = response.case.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || {
            let mut text = format!(
                "Submitted {} to {} (status {})",
                case.reference,
                org_name(case.handler_organisation.as_ref()),
                status_label(case.status)
            );
            if response.replayed {
                text.push_str(
                    "\nThis request had already been submitted: nothing new was created.",
                );
            }
            text
        },
        || case.reference.clone(),
    )
}

/// The request the flags describe. Missing values stay empty, so that
/// validation names every one of them at once.
fn request_from(fields: &CaseFields, today: Date) -> pb::SubmitCaseRequest {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let residence =
        if fields.address.is_some() || fields.postal_code.is_some() || fields.city.is_some() {
            Some(pb::beneficiary::Residence::PostalAddress(
                pb::PostalAddress {
                    line1: text(&fields.address),
                    line2: String::new(),
                    postal_code: text(&fields.postal_code),
                    city: text(&fields.city),
                },
            ))
        } else {
            None
        };
    let (urgency, urgency_reason) = match &fields.urgent {
        Some(reason) => (pb::Urgency::Urgent, reason.clone()),
        None => (pb::Urgency::Normal, String::new()),
    };
    pb::SubmitCaseRequest {
        request_id: String::new(),
        category: fields
            .category
            .map(|c| pb::Category::from(c).into())
            .unwrap_or_default(),
        subject: text(&fields.subject),
        description: text(&fields.description),
        urgency: urgency.into(),
        urgency_reason,
        beneficiary: Some(pb::Beneficiary {
            last_name: text(&fields.last_name),
            first_names: text(&fields.first_names),
            birth_date: text(&fields.birth_date),
            sex: fields
                .sex
                .map(|s| pb::Sex::from(s).into())
                .unwrap_or_default(),
            nir: text(&fields.nir),
            agdref_number: text(&fields.agdref),
            nationality: text(&fields.nationality),
            situation: fields
                .situation
                .map(|s| pb::Situation::from(s).into())
                .unwrap_or_default(),
            residence,
            phone: text(&fields.phone),
            email: text(&fields.email),
            preferred_language: text(&fields.language),
            departement: text(&fields.departement),
        }),
        dependants: Vec::new(),
        consent: Some(pb::Consent {
            r#type: fields
                .consent
                .map(|c| pb::ConsentType::from(c).into())
                .unwrap_or_default(),
            date: fields
                .consent_date
                .clone()
                .unwrap_or_else(|| today.to_string()),
        }),
        partner_reference: text(&fields.reference),
        handler_organisation_id: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn olena() -> CaseFields {
        CaseFields {
            category: Some(Category::CarteVitale),
            subject: Some("Carte Vitale perdue".to_owned()),
            description: Some("Mme Kovalenko a perdu sa carte Vitale.".to_owned()),
            last_name: Some("Kovalenko".to_owned()),
            first_names: Some("Olena".to_owned()),
            birth_date: Some("1995-10-14".to_owned()),
            address: Some("12 rue Oberkampf".to_owned()),
            postal_code: Some("75011".to_owned()),
            city: Some("Paris".to_owned()),
            consent: Some(ConsentType::Paper),
            ..CaseFields::default()
        }
    }

    fn now() -> Timestamp {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn flags_make_a_valid_case_with_todays_consent() {
        let request = request_from(&olena(), jiff::civil::date(2026, 11, 22));
        assert_eq!(request.consent.as_ref().unwrap().date, "2026-11-22");
        assert_eq!(request.urgency, i32::from(pb::Urgency::Normal));
        assert!(CaseDraft::from(&request).validate(now()).is_ok());
    }

    #[test]
    fn urgency_needs_only_a_reason() {
        let fields = CaseFields {
            urgent: Some("hospitalisation demain".to_owned()),
            ..olena()
        };
        let request = request_from(&fields, jiff::civil::date(2026, 11, 22));
        assert_eq!(request.urgency, i32::from(pb::Urgency::Urgent));
        assert_eq!(request.urgency_reason, "hospitalisation demain");
    }

    #[test]
    fn every_missing_field_is_reported() {
        let request = request_from(&CaseFields::default(), jiff::civil::date(2026, 11, 22));
        let violations = CaseDraft::from(&request).validate(now()).unwrap_err();
        for field in [
            "category",
            "subject",
            "description",
            "beneficiary.last_name",
            "beneficiary.birth_date",
            "consent.type",
        ] {
            assert!(violations.has(field), "{field} not reported: {violations}");
        }
    }
}
