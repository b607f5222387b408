//! What a run needs on the server, created through the API with the
//! administrator's token: organisations and accounts of its own, their
//! names suffixed so that runs can repeat on one server, and cases
//! submitted through SubmitCase like any partner's.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use futures::{StreamExt as _, TryStreamExt as _};
use relais_client::{RelaisClient, new_request_id, pb};
use relais_core::ids::Nir;
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

use crate::cli::error::Failure;

/// Administration calls at once while seeding: well within the burst the
/// server allows the administrator's account.
const ADMIN_IN_FLIGHT: usize = 8;
/// How long seeding waits out the server's rate limit before giving up.
const PATIENCE: Duration = Duration::from_secs(120);

/// Which accounts a scenario uses.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Needs {
    /// France Services facilitators, who submit cases.
    pub(super) partners: bool,
    /// Agents of the CPAM the cases go to.
    pub(super) agents: bool,
    /// A prefecture's desk system, which sends affiliation files.
    pub(super) desk: bool,
}

/// The tokens of the run's accounts, and where its cases go.
#[derive(Debug)]
pub(super) struct Fixture {
    pub(super) suffix: String,
    pub(super) cpam_id: String,
    pub(super) partners: Vec<String>,
    pub(super) agents: Vec<String>,
    pub(super) desk: Option<String>,
}

impl Fixture {
    pub(super) fn accounts(&self) -> usize {
        self.partners.len() + self.agents.len() + usize::from(self.desk.is_some())
    }
}

/// A CPAM for Paris (75) always: cases are routed to it by name, and
/// affiliation files to the first CPAM of their département.
pub(super) async fn fixture(
    admin: &RelaisClient,
    needs: Needs,
    per_role: usize,
) -> Result<Fixture, Failure> {
    let suffix = suffix()?;
    let cpam = organisation(
        admin,
        format!("CPAM bench {suffix}"),
        pb::OrganisationKind::Cpam,
    )
    .await?;
    let mut fixture = Fixture {
        suffix,
        cpam_id: cpam,
        partners: Vec::new(),
        agents: Vec::new(),
        desk: None,
    };
    let suffix = fixture.suffix.clone();
    if needs.partners {
        let counter = organisation(
            admin,
            format!("France Services bench {suffix}"),
            pb::OrganisationKind::FranceServices,
        )
        .await?;
        fixture.partners = accounts(
            admin,
            &counter,
            pb::Role::PartnerAgent,
            "partner",
            per_role,
            &suffix,
        )
        .await?;
    }
    if needs.agents {
        fixture.agents = accounts(
            admin,
            &fixture.cpam_id,
            pb::Role::CaisseAgent,
            "agent",
            per_role,
            &suffix,
        )
        .await?;
    }
    if needs.desk {
        let prefecture = organisation(
            admin,
            format!("Préfecture bench {suffix}"),
            pb::OrganisationKind::Prefecture,
        )
        .await?;
        fixture.desk = accounts(
            admin,
            &prefecture,
            pb::Role::PartnerSystem,
            "desk",
            1,
            &suffix,
        )
        .await?
        .pop();
    }
    Ok(fixture)
}

/// Eight hexadecimal digits, new for every run.
fn suffix() -> Result<String, Failure> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::local(Code::Internal, format!("no random numbers: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

async fn organisation(
    admin: &RelaisClient,
    name: String,
    kind: pb::OrganisationKind,
) -> Result<String, Failure> {
    let request = pb::CreateOrganisationRequest {
        request_id: new_request_id(),
        name,
        kind: kind.into(),
        departement: "75".to_owned(),
    };
    let created = patiently(|| admin.create_organisation(request.clone()))
        .await
        .map_err(seeding_failure)?;
    created
        .organisation
        .map(|o| o.id)
        .ok_or_else(|| Failure::local(Code::Internal, "the server created no organisation"))
}

/// `count` accounts of `organisation`, their tokens in creation order.
async fn accounts(
    admin: &RelaisClient,
    organisation: &str,
    role: pb::Role,
    label: &str,
    count: usize,
    suffix: &str,
) -> Result<Vec<String>, Failure> {
    futures::stream::iter(0..count)
        .map(|n| {
            let request = pb::CreateAccountRequest {
                request_id: new_request_id(),
                organisation_id: organisation.to_owned(),
                name: format!("Bench {label} {n}"),
                email: format!("{label}-{n}@bench-{suffix}.invalid"),
                role: role.into(),
            };
            async move {
                patiently(|| admin.create_account(request.clone()))
                    .await
                    .map(|created| created.token)
            }
        })
        .buffered(ADMIN_IN_FLIGHT)
        .map_err(seeding_failure)
        .try_collect()
        .await
}

fn seeding_failure(status: Status) -> Failure {
    let code = status.code();
    let failure = Failure::from(status);
    if matches!(code, Code::PermissionDenied | Code::Unauthenticated) {
        failure.with_hint(
            "relais bench creates organisations and accounts of its own: give it an \
             administrator's token (relais-server prints one when it creates its database)",
        )
    } else {
        failure
    }
}

/// Submits `count` cases to the CPAM, `in_flight` at a time, spread over
/// `partners`; gives their ids and the seconds it took.
pub(super) async fn cases(
    partners: &[RelaisClient],
    cpam_id: &str,
    count: usize,
    in_flight: usize,
) -> Result<(Vec<String>, f64), Failure> {
    if partners.is_empty() {
        return Err(Failure::local(Code::Internal, "no partner to submit cases"));
    }
    let started = Instant::now();
    let ids = futures::stream::iter(0..count)
        .map(|n| {
            let client = &partners[n % partners.len()];
            let request = case(cpam_id, n as u64);
            async move {
                let submitted = patiently(|| client.submit_case(request.clone())).await?;
                submitted
                    .case
                    .map(|case| case.id)
                    .ok_or_else(|| Status::internal("the server returned no case"))
            }
        })
        .buffer_unordered(in_flight.max(1))
        .map_err(seeding_failure)
        .try_collect()
        .await?;
    Ok((ids, started.elapsed().as_secs_f64()))
}

/// The sample case for the CPAM, the `n`th of its kind, without the child: a
/// woman born abroad in October 1995, as her birth date says, whose NIR's
/// place and order numbers change with `n` so that cases are about
/// 900 × 999 different people. A request id of its own, kept when the call
/// is retried.
pub(super) fn case(cpam_id: &str, n: u64) -> pb::SubmitCaseRequest {
    let place = 100 + (n / 999) % 900;
    let order = 1 + n % 999;
    let first13 = format!("2951099{place:03}{order:03}");
    let nir = Nir::compute_key(&first13)
        .map(|key| format!("{first13}{key:02}"))
        .unwrap_or_default();
    let mut case = relais_client::samples::sample_case();
    case.request_id = new_request_id();
    case.dependants.clear();
    if let Some(beneficiary) = case.beneficiary.as_mut() {
        beneficiary.nir = nir;
        beneficiary.agdref_number = format!("{:010}", n % 10_000_000_000);
    }
    case.partner_reference = format!("BENCH-{n}");
    case.handler_organisation_id = cpam_id.to_owned();
    case
}

/// Runs `call` again while the server says the account is over its rate,
/// as long as it says to wait: seeding must finish, however it is paced.
pub(super) async fn patiently<T, F, Fut>(mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let give_up = Instant::now() + PATIENCE;
    loop {
        match call().await {
            Err(status) if status.code() == Code::ResourceExhausted && Instant::now() < give_up => {
                let wait = status
                    .get_error_details()
                    .retry_info()
                    .and_then(|info| info.retry_delay)
                    .unwrap_or(Duration::from_millis(100));
                tokio::time::sleep(wait.clamp(Duration::from_millis(5), Duration::from_secs(2)))
                    .await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use relais_core::ids::Nir;

    use super::*;

    #[test]
    fn generated_cases_have_valid_nirs_of_different_people() {
        let mut seen = HashSet::new();
        for n in [0, 1, 998, 999, 1000, 898_000, 898_100] {
            let request = case("org", n);
            let beneficiary = request.beneficiary.unwrap();
            let nir = Nir::parse(&beneficiary.nir).unwrap();
            assert_eq!(nir.as_str(), beneficiary.nir);
            assert!(seen.insert(beneficiary.nir), "n = {n}");
            assert_eq!(beneficiary.agdref_number.len(), 10);
        }
    }
}
