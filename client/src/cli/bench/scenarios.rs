//! The request-response scenarios: one worker type each, holding its
//! client (a connection and an account) and what it picks its requests from.

use std::sync::Arc;

use relais_client::{RelaisClient, pb};
use tonic::Status;

use super::{
    driver::{Call, Worker},
    seed,
};

/// The standard health check: no authentication, no database, the floor
/// of a round trip.
#[derive(Debug)]
pub(super) struct Health {
    pub(super) client: RelaisClient,
}

impl Worker for Health {
    async fn call(&mut self, _: Call) -> Result<(), Status> {
        if self.client.check_health("").await? {
            Ok(())
        } else {
            Err(Status::unavailable("the server says it is not serving"))
        }
    }
}

/// A new case each time, under a new request id: a write that must be
/// durable before the answer.
#[derive(Debug)]
pub(super) struct Submit {
    pub(super) client: RelaisClient,
    pub(super) cpam_id: Arc<str>,
}

impl Worker for Submit {
    async fn call(&mut self, call: Call) -> Result<(), Status> {
        let request = seed::case(&self.cpam_id, person(call));
        self.client.submit_case(request).await.map(drop)
    }
}

/// One of the seeded cases, picked at random: a read of a case, its
/// messages and its history.
#[derive(Debug)]
pub(super) struct Get {
    pub(super) client: RelaisClient,
    pub(super) cases: Arc<[String]>,
}

impl Worker for Get {
    async fn call(&mut self, call: Call) -> Result<(), Status> {
        let pick = mix(call) % self.cases.len().max(1) as u64;
        let id = usize::try_from(pick)
            .ok()
            .and_then(|index| self.cases.get(index))
            .ok_or_else(|| Status::failed_precondition("no case was seeded"))?;
        self.client.get_case(id).await.map(drop)
    }
}

/// An agent's queue: the organisation's 50 most urgent open cases, due first.
#[derive(Debug)]
pub(super) struct Queue {
    pub(super) client: RelaisClient,
    pub(super) request: pb::ListCasesRequest,
}

impl Queue {
    pub(super) fn request(cpam_id: &str) -> pb::ListCasesRequest {
        pb::ListCasesRequest {
            statuses: [
                pb::CaseStatus::Submitted,
                pb::CaseStatus::InProgress,
                pb::CaseStatus::WaitingOnPartner,
            ]
            .into_iter()
            .map(i32::from)
            .collect(),
            handler_organisation_id: cpam_id.to_owned(),
            page_size: 50,
            order: pb::CaseOrder::DueFirst.into(),
            ..pb::ListCasesRequest::default()
        }
    }
}

impl Worker for Queue {
    async fn call(&mut self, _: Call) -> Result<(), Status> {
        self.client.list_cases(self.request.clone()).await.map(drop)
    }
}

/// Which person a submission is about: a different one for each call of
/// each worker (until the generator's people run out and come round again).
pub(super) fn person(call: Call) -> u64 {
    (call.worker as u64) * 1_000_003 + call.sequence
}

/// A well-spread number for the call (splitmix64), to pick cases with no
/// random state to share.
fn mix(call: Call) -> u64 {
    let mut z = ((call.worker as u64) << 40 ^ call.sequence).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn picks_spread_over_the_cases() {
        let picked: HashSet<u64> = (0..200)
            .map(|sequence| {
                mix(Call {
                    worker: 3,
                    sequence,
                    measured: true,
                }) % 10
            })
            .collect();
        assert_eq!(picked.len(), 10);
    }
}
