//! `relais whoami`.

use relais_client::pb;
use relais_core::org::Role;

use super::{
    context::Context,
    error::Failure,
    format::{Fields, org_name, org_summary},
    named::name_of,
};

pub(crate) async fn run(ctx: &Context) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let me = client.who_am_i().await?;
    ctx.out.response(
        &me,
        || human(&me),
        || {
            me.account
                .as_ref()
                .map(|a| a.id.clone())
                .unwrap_or_default()
        },
    )
}

fn human(me: &pb::WhoAmIResponse) -> String {
    let mut fields = Fields::default();
    if let Some(account) = &me.account {
        fields
            .add(
                "Account",
                format!("{} <{}> ({})", account.name, account.email, account.id),
            )
            .add("Role", name_of::<Role>(account.role));
    }
    match &me.organisation {
        Some(org) => fields.add("Organisation", format!("{} ({})", org_summary(org), org.id)),
        None => fields.add(
            "Organisation",
            org_name(me.account.as_ref().and_then(|a| a.organisation.as_ref())),
        ),
    };
    fields.render("")
}
