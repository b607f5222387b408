//! `relais admin org`.

use clap::{Args, Subcommand};
use relais_client::pb;
use relais_core::org::OrganisationKind;

use crate::cli::{
    context::Context,
    error::Failure,
    format::org_summary,
    input,
    named::{name_of, named},
    output::{Listing, table},
    resolve,
};

#[derive(Debug, Subcommand)]
pub(crate) enum OrgCommand {
    /// Creates an organisation.
    Create(CreateArgs),
    /// Lists organisations.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Its name, unique.
    #[arg(long)]
    name: String,
    #[arg(long, value_parser = named::<OrganisationKind>())]
    kind: OrganisationKind,
    /// Département code (`75`, `2A`, `974`); required except for kind `other`.
    #[arg(long)]
    departement: Option<String>,
    /// Makes a retry safe: the same id returns the first organisation.
    #[arg(long, value_parser = input::request_id)]
    request_id: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[arg(long, value_parser = named::<OrganisationKind>())]
    kind: Option<OrganisationKind>,
    #[arg(long)]
    departement: Option<String>,
}

pub(crate) async fn run(ctx: &Context, command: OrgCommand) -> Result<(), Failure> {
    match command {
        OrgCommand::Create(args) => create(ctx, args).await,
        OrgCommand::List(args) => list(ctx, args).await,
    }
}

async fn create(ctx: &Context, args: CreateArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let response = client
        .create_organisation(pb::CreateOrganisationRequest {
            request_id: args.request_id.unwrap_or_default(),
            name: args.name,
            kind: pb::OrganisationKind::from(args.kind).into(),
            departement: args.departement.unwrap_or_default(),
        })
        .await?;
    let org = response.organisation.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || format!("Created organisation {}: {}", org_summary(&org), org.id),
        || org.id.clone(),
    )
}

async fn list(ctx: &Context, args: ListArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let request = pb::ListOrganisationsRequest {
        kind: args
            .kind
            .map(|kind| pb::OrganisationKind::from(kind).into())
            .unwrap_or_default(),
        departement: args.departement.unwrap_or_default(),
        ..Default::default()
    };
    let organisations = resolve::organisations(&client, request).await?;
    ctx.out.response(
        &Listing {
            key: "organisations",
            items: &organisations,
        },
        || human(&organisations),
        || {
            organisations
                .iter()
                .map(|o| format!("{}\n", o.id))
                .collect()
        },
    )
}

fn human(organisations: &[pb::Organisation]) -> String {
    if organisations.is_empty() {
        return "No organisations.".to_owned();
    }
    let rows = organisations
        .iter()
        .map(|o| {
            [
                o.id.clone(),
                o.name.clone(),
                name_of::<OrganisationKind>(o.kind).to_owned(),
                o.departement.clone(),
            ]
        })
        .collect();
    table(["id", "name", "kind", "département"], rows)
}
