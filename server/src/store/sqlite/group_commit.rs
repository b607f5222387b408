//! Group commit for submissions. A synced commit costs far more than storing
//! one case, so submissions that arrive while the writer is busy wait
//! together, and the first of them to get the writer stores them all in one
//! transaction with one sync. Each caller still hears OK only once its case
//! is on disk.

use std::sync::{Mutex, PoisonError};

use sqlx::{Connection as _, SqliteConnection};
use tokio::sync::oneshot;

use super::submit;
use crate::{
    events::EventBus,
    store::{StoreError, StoreResult, Submission, Submitted},
};

/// Submissions per transaction at most: beyond this a group's commit waits
/// for its largest statements more than it saves on syncs.
const MAX_GROUP: usize = 512;

type Answer = oneshot::Sender<StoreResult<Submitted>>;

/// Submissions waiting for the writer, each with where its answer goes.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    queue: Mutex<Vec<(Submission, Answer)>>,
}

impl Waiting {
    /// Queues a submission; the answer comes on the returned receiver.
    pub(super) fn push(&self, submission: Submission) -> oneshot::Receiver<StoreResult<Submitted>> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((submission, answer));
        answered
    }

    /// The submissions waiting now, oldest first, up to a group's size; each
    /// left waiting has a task of its own coming for it.
    pub(super) fn take(&self) -> Vec<(Submission, Answer)> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let size = queue.len().min(MAX_GROUP);
        queue.drain(..size).collect()
    }
}

/// Stores a group in one transaction and answers each of its callers. Should
/// the transaction fail, each submission is tried again on its own, so that
/// one bad submission never fails the others.
pub(super) async fn store_group(
    conn: &mut SqliteConnection,
    events: &EventBus,
    group: Vec<(Submission, Answer)>,
) {
    let (submissions, answers): (Vec<Submission>, Vec<Answer>) = group.into_iter().unzip();
    match store_together(conn, events, &submissions).await {
        Ok(outcomes) => {
            for (answer, outcome) in answers.into_iter().zip(outcomes) {
                // A caller that went away no longer listens; its case is stored.
                let _ = answer.send(outcome);
            }
        }
        Err(failure) if submissions.len() == 1 => {
            if let Some(answer) = answers.into_iter().next() {
                let _ = answer.send(Err(failure));
            }
        }
        Err(_) => {
            for (submission, answer) in submissions.into_iter().zip(answers) {
                let outcome = store_together(conn, events, std::slice::from_ref(&submission))
                    .await
                    .and_then(|mut outcomes| outcomes.pop().unwrap_or_else(lost));
                let _ = answer.send(outcome);
            }
        }
    }
}

pub(super) fn lost() -> StoreResult<Submitted> {
    Err(StoreError::Corrupt(
        "a submission left without an outcome".to_owned(),
    ))
}

/// One transaction for all of `submissions`: each outcome on its own, or a
/// failure of the whole transaction, which then changed nothing.
async fn store_together(
    conn: &mut SqliteConnection,
    events: &EventBus,
    submissions: &[Submission],
) -> StoreResult<Vec<StoreResult<Submitted>>> {
    let mut tx = conn.begin().await?;
    let inserted = submit::insert_submissions(&mut tx, submissions).await?;
    tx.commit().await?;
    // Still holding the writer: events reach watchers in commit order.
    Ok(inserted
        .into_iter()
        .map(|outcome| {
            outcome.map(|inserted| {
                if let Some(event) = inserted.event {
                    events.publish(event);
                }
                inserted.submitted
            })
        })
        .collect())
}
