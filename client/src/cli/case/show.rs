//! `relais case show`: one case as a person reads it, from the facts down to
//! the conversation and the history.

use relais_client::pb;
use relais_core::case::{
    Category, ConsentType, MessageKind, Outcome, Relationship, Sex, Situation, Usefulness,
};

use crate::cli::{
    context::Context,
    error::Failure,
    format::{Fields, actor, event_kind, indent, local_time, org_name, person, transition, who},
    named::{name_of, status_label},
    promise,
};

pub(crate) async fn run(ctx: &Context, reference: &str) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let response = client.get_case(reference).await?;
    ctx.out.response(
        &response,
        || render(&response),
        || {
            response
                .case
                .as_ref()
                .map(|c| status_label(c.status))
                .unwrap_or_default()
        },
    )
}

fn render(response: &pb::GetCaseResponse) -> String {
    let case = response.case.clone().unwrap_or_default();
    let mut text = format!("{}  {}\n", case.reference, status_label(case.status));
    text.push_str(&facts(&case).render(""));
    text.push_str(&promise::block(case.sla.as_ref()));
    if case.redacted {
        text.push_str("\n(beneficiary data withheld)\n");
    } else {
        if !case.description.is_empty() {
            text.push_str("\nDescription:\n");
            text.push_str(&indent(&case.description, "  "));
        }
        if let Some(b) = &case.beneficiary {
            text.push_str("\nBeneficiary:\n");
            text.push_str(&beneficiary(b).render("  "));
        }
        if !case.dependants.is_empty() {
            text.push_str("\nDependants:\n");
            for d in &case.dependants {
                text.push_str(&format!("  - {}\n", dependant(d)));
            }
        }
    }
    if !response.possible_duplicates.is_empty() {
        text.push_str("\nPossible duplicates (filed by another partner):\n");
        for d in &response.possible_duplicates {
            text.push_str(&possible_duplicate(d));
        }
    }
    if !response.messages.is_empty() {
        text.push_str("\nConversation:\n");
        for m in &response.messages {
            text.push_str(&message(m));
        }
    }
    if !response.history.is_empty() {
        text.push_str("\nHistory:\n");
        for e in &response.history {
            text.push_str(&event(e));
        }
    }
    text
}

fn facts(case: &pb::Case) -> Fields {
    let mut fields = Fields::default();
    let urgency = if case.urgency == i32::from(pb::Urgency::Urgent) {
        match case.urgency_reason.as_str() {
            "" => "URGENT".to_owned(),
            reason => format!("URGENT: {reason}"),
        }
    } else {
        "normal".to_owned()
    };
    let mut handler = org_name(case.handler_organisation.as_ref()).to_owned();
    if let Some(assignee) = &case.assignee {
        handler.push_str(&format!(", assigned to {}", assignee.name));
    }
    let submitter = [
        who(
            case.submitted_by.as_ref(),
            case.submitter_organisation.as_ref(),
        ),
        local_time(case.create_time.as_ref()),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    fields
        .add("Category", name_of::<Category>(case.category))
        .add("Urgency", urgency)
        .add("Subject", case.subject.as_str())
        .add("Submitted by", submitter)
        .add("Handler", handler)
        .add("Département", case.departement.as_str())
        .add("Updated", local_time(case.update_time.as_ref()))
        .add("Partner ref.", case.partner_reference.as_str());
    if let Some(consent) = &case.consent {
        fields.add(
            "Consent",
            format!(
                "{}, {}",
                name_of::<ConsentType>(consent.r#type),
                consent.date
            ),
        );
    }
    if let Some(resolution) = &case.resolution {
        fields.add(
            "Resolution",
            format!(
                "{}, {}",
                name_of::<Outcome>(resolution.outcome),
                local_time(resolution.resolve_time.as_ref())
            ),
        );
    }
    fields.add("Useful", name_of::<Usefulness>(case.usefulness));
    fields
}

fn beneficiary(b: &pb::Beneficiary) -> Fields {
    let mut fields = Fields::default();
    let born = match name_of::<Sex>(b.sex) {
        "" => b.birth_date.clone(),
        sex => format!("{} ({sex})", b.birth_date),
    };
    fields
        .add("Name", person(&b.last_name, &b.first_names))
        .add("Born", born)
        .add("NIR", b.nir.as_str())
        .add("AGDREF", b.agdref_number.as_str())
        .add("Nationality", b.nationality.as_str())
        .add("Situation", name_of::<Situation>(b.situation));
    match &b.residence {
        Some(pb::beneficiary::Residence::PostalAddress(a)) => {
            fields.add("Address", address(a));
        }
        Some(pb::beneficiary::Residence::Domiciliation(d)) => {
            let at = d.address.as_ref().map(address).unwrap_or_default();
            fields.add(
                "Domiciliation",
                format!(
                    "{}, {at}\nfrom {} to {}",
                    d.organisation_name, d.start_date, d.end_date
                ),
            );
        }
        None => {}
    }
    fields
        .add("Département", b.departement.as_str())
        .add("Phone", b.phone.as_str())
        .add("E-mail", b.email.as_str())
        .add("Language", b.preferred_language.as_str());
    fields
}

fn address(a: &pb::PostalAddress) -> String {
    let town = format!("{} {}", a.postal_code, a.city);
    [a.line1.as_str(), a.line2.as_str(), town.trim()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn dependant(d: &pb::Dependant) -> String {
    let mut parts = vec![person(&d.last_name, &d.first_names)];
    parts.push(format!("born {}", d.birth_date));
    for part in [
        name_of::<Relationship>(d.relationship),
        name_of::<Sex>(d.sex),
    ] {
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
    }
    if !d.nir.is_empty() {
        parts.push(format!("NIR {}", d.nir));
    }
    parts.join(", ")
}

fn possible_duplicate(d: &pb::PossibleDuplicate) -> String {
    let shared = match pb::IdentityMatch::try_from(d.matched_on) {
        Ok(pb::IdentityMatch::Nir) => "same NIR",
        Ok(pb::IdentityMatch::Agdref) => "same AGDREF number",
        Ok(pb::IdentityMatch::Unspecified) | Err(_) => "same person",
    };
    format!(
        "  {}  {shared}, handled by {}\n",
        d.case_reference,
        org_name(d.handler_organisation.as_ref())
    )
}

fn message(m: &pb::Message) -> String {
    format!(
        "  {}  {}  [{}]\n{}",
        local_time(m.create_time.as_ref()),
        who(m.author.as_ref(), m.author_organisation.as_ref()),
        name_of::<MessageKind>(m.kind),
        indent(&m.body, "      ")
    )
}

fn event(e: &pb::CaseEvent) -> String {
    let mut text = format!(
        "  {}  {:<21}  {}  {}\n",
        local_time(e.time.as_ref()),
        event_kind(e),
        actor(e),
        transition(e.from_status, e.to_status)
    );
    if !e.reason.is_empty() {
        text.push_str(&indent(&format!("reason: {}", e.reason), "      "));
    }
    if e.from_organisation.is_some() || e.to_organisation.is_some() {
        text.push_str(&format!(
            "      transferred from {} to {}\n",
            org_name(e.from_organisation.as_ref()),
            org_name(e.to_organisation.as_ref())
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> pb::GetCaseResponse {
        pb::GetCaseResponse {
            case: Some(pb::Case {
                reference: "R-7K3M-9QX2".to_owned(),
                status: pb::CaseStatus::Closed.into(),
                category: pb::Category::CarteVitale.into(),
                subject: "Carte Vitale perdue".to_owned(),
                description: "Perdue.\nDepuis lundi.".to_owned(),
                beneficiary: Some(pb::Beneficiary {
                    last_name: "Kovalenko".to_owned(),
                    first_names: "Olena".to_owned(),
                    birth_date: "1995-10-14".to_owned(),
                    residence: Some(pb::beneficiary::Residence::PostalAddress(
                        pb::PostalAddress {
                            line1: "12 rue Oberkampf".to_owned(),
                            postal_code: "75011".to_owned(),
                            city: "Paris".to_owned(),
                            ..Default::default()
                        },
                    )),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            messages: vec![pb::Message {
                kind: pb::MessageKind::AgentReply.into(),
                author: Some(pb::AccountRef {
                    id: "a".to_owned(),
                    name: "Awa Diallo".to_owned(),
                }),
                body: "Une attestation vous a été envoyée.".to_owned(),
                ..Default::default()
            }],
            history: vec![pb::CaseEvent {
                kind: pb::CaseEventKind::Reopened.into(),
                from_status: pb::CaseStatus::Resolved.into(),
                to_status: pb::CaseStatus::InProgress.into(),
                reason: "Carte toujours pas reçue".to_owned(),
                ..Default::default()
            }],
            possible_duplicates: vec![pb::PossibleDuplicate {
                case_reference: "R-4D6D-60XQ".to_owned(),
                handler_organisation: Some(pb::OrganisationRef {
                    id: "o".to_owned(),
                    name: "CPAM de la Seine-Saint-Denis".to_owned(),
                }),
                matched_on: pb::IdentityMatch::Agdref.into(),
                ..Default::default()
            }],
        }
    }

    #[test]
    fn a_case_reads_from_facts_to_history() {
        let text = render(&sample());
        assert!(text.starts_with("R-7K3M-9QX2  CLOSED\n"), "{text}");
        for expected in [
            "carte_vitale",
            "KOVALENKO Olena",
            "12 rue Oberkampf, 75011 Paris",
            "  Perdue.\n  Depuis lundi.\n",
            "Awa Diallo  [agent_reply]\n      Une attestation vous a été envoyée.\n",
            "RESOLVED → IN_PROGRESS",
            "reason: Carte toujours pas reçue",
            "R-4D6D-60XQ  same AGDREF number, handled by CPAM de la Seine-Saint-Denis",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from\n{text}");
        }
    }

    #[test]
    fn redacted_cases_say_so() {
        let mut response = sample();
        let case = response.case.as_mut().unwrap();
        case.redacted = true;
        case.beneficiary = None;
        case.subject.clear();
        case.description.clear();
        let text = render(&response);
        assert!(text.contains("beneficiary data withheld"), "{text}");
        assert!(!text.contains("KOVALENKO"));
    }
}
