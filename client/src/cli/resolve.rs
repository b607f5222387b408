//! Organisations named the way people name them: by id, or by name.

use relais_client::{RelaisClient, collect_pages, pb};
use relais_core::org::OrganisationId;
use tonic::Code;

use super::error::Failure;

/// Every organisation matching `request`'s filters, all pages followed.
pub(crate) async fn organisations(
    client: &RelaisClient,
    request: pb::ListOrganisationsRequest,
) -> Result<Vec<pb::Organisation>, Failure> {
    let all = collect_pages(request, usize::MAX, |request| async {
        let page = client.list_organisations(request).await?;
        Ok((page.organisations, page.next_page_token))
    })
    .await?;
    Ok(all)
}

/// The id of the organisation `text` names: an id as it is, otherwise the
/// one organisation with that name (compared without regard to case).
pub(crate) async fn organisation_id(client: &RelaisClient, text: &str) -> Result<String, Failure> {
    let text = text.trim();
    if let Ok(id) = OrganisationId::parse(text) {
        return Ok(id.to_string());
    }
    let all = organisations(client, pb::ListOrganisationsRequest::default()).await?;
    one_named(&all, text).map(|org| org.id.clone())
}

/// The organisation `text` names, by id or by name, when its name is wanted
/// too (to say what a setting applies to).
pub(crate) async fn organisation(
    client: &RelaisClient,
    text: &str,
) -> Result<pb::Organisation, Failure> {
    let text = text.trim();
    let all = organisations(client, pb::ListOrganisationsRequest::default()).await?;
    if let Ok(id) = OrganisationId::parse(text) {
        let id = id.to_string();
        return all.into_iter().find(|org| org.id == id).ok_or_else(|| {
            Failure::local(Code::NotFound, format!("no organisation has the id {id}"))
                .with_hint("`relais admin org list` lists them")
        });
    }
    one_named(&all, text).cloned()
}

fn one_named<'a>(all: &'a [pb::Organisation], name: &str) -> Result<&'a pb::Organisation, Failure> {
    let wanted = name.to_lowercase();
    let matching: Vec<&pb::Organisation> = all
        .iter()
        .filter(|org| org.name.to_lowercase() == wanted)
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(
            Failure::local(Code::NotFound, format!("no organisation is named {name:?}"))
                .with_hint("`relais admin org list` lists them; an id works too"),
        ),
        several => {
            let ids: Vec<&str> = several.iter().map(|org| org.id.as_str()).collect();
            Err(Failure::local(
                Code::InvalidArgument,
                format!(
                    "{} organisations are named {name:?}: give the id of the one you mean ({})",
                    several.len(),
                    ids.join(", ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, name: &str) -> pb::Organisation {
        pb::Organisation {
            id: id.to_owned(),
            name: name.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn names_match_exactly_but_regardless_of_case() {
        let all = [
            org("1", "CPAM de Paris"),
            org("2", "CPAM de Paris 2"),
            org("3", "Mairie"),
            org("4", "MAIRIE"),
        ];
        assert_eq!(one_named(&all, "cpam de paris").unwrap().id, "1");
        let missing = one_named(&all, "CPAM").unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        let ambiguous = one_named(&all, "mairie").unwrap_err();
        assert!(ambiguous.human().contains("3, 4"), "{}", ambiguous.human());
    }
}
