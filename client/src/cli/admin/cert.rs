//! `relais admin cert`.

use clap::Subcommand;
use relais_client::pb;

use crate::cli::{
    context::Context,
    error::Failure,
    format::local_time,
    output::{Listing, table},
};

/// How to get a fingerprint from a certificate, for the help text.
const FINGERPRINT_HELP: &str = "SHA-256 of the certificate's public key (SubjectPublicKeyInfo), \
    64 hexadecimal digits, colons allowed: `openssl x509 -in CERT.pem -noout -pubkey | \
    openssl pkey -pubin -outform der | sha256sum`";

#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// Lets a client certificate issued by the service's client CA stand
    /// for an account, instead of a bearer token.
    Bind {
        /// The account's id.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: String,
        #[arg(long, value_name = "HEX", help = FINGERPRINT_HELP)]
        fingerprint: String,
    },
    /// Lists bound certificates.
    List {
        /// Only this account's certificates.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: Option<String>,
    },
    /// Unbinds a certificate: it no longer authenticates anyone.
    Unbind {
        #[arg(value_name = "FINGERPRINT", help = FINGERPRINT_HELP)]
        fingerprint: String,
    },
}

pub(crate) async fn run(ctx: &Context, command: CertCommand) -> Result<(), Failure> {
    let client = ctx.client().await?;
    match command {
        CertCommand::Bind {
            account,
            fingerprint,
        } => {
            let response = client.bind_certificate(&account, &fingerprint).await?;
            let binding = response.binding.clone().unwrap_or_default();
            ctx.out.response(
                &response,
                || {
                    format!(
                        "Bound certificate {} to account {}",
                        binding.fingerprint,
                        account_name(&binding)
                    )
                },
                || binding.fingerprint.clone(),
            )
        }
        CertCommand::List { account } => {
            let response = client
                .list_certificates(account.as_deref().unwrap_or_default())
                .await?;
            ctx.out.response(
                &Listing {
                    key: "bindings",
                    items: &response.bindings,
                },
                || human(&response.bindings),
                || {
                    response
                        .bindings
                        .iter()
                        .map(|b| format!("{}\n", b.fingerprint))
                        .collect()
                },
            )
        }
        CertCommand::Unbind { fingerprint } => {
            let response = client.unbind_certificate(&fingerprint).await?;
            let binding = response.binding.clone().unwrap_or_default();
            ctx.out.response(
                &response,
                || {
                    format!(
                        "Unbound certificate {} from account {}",
                        binding.fingerprint,
                        account_name(&binding)
                    )
                },
                || binding.fingerprint.clone(),
            )
        }
    }
}

fn human(bindings: &[pb::CertificateBinding]) -> String {
    if bindings.is_empty() {
        return "No certificates.".to_owned();
    }
    let rows = bindings
        .iter()
        .map(|b| {
            [
                b.fingerprint.clone(),
                account_name(b),
                local_time(b.create_time.as_ref()),
            ]
        })
        .collect();
    table(["fingerprint", "account", "bound"], rows)
}

/// `Awa Diallo (0197…)`: the name to read, the id to act on.
fn account_name(binding: &pb::CertificateBinding) -> String {
    match &binding.account {
        Some(account) if account.name.is_empty() => account.id.clone(),
        Some(account) => format!("{} ({})", account.name, account.id),
        None => String::new(),
    }
}
