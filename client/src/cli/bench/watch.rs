//! `relais bench watch`: many agents' watch streams open at once, cases
//! submitted meanwhile, and the time from each submission leaving to each
//! stream receiving its event.
//!
//! From the submission leaving, not from its answer: the server tells the
//! watchers as soon as the case is committed, and their events often
//! arrive before the answer does (the report counts how often), so a delay
//! after the answer would mostly be none.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures::{StreamExt as _, TryStreamExt as _};
use relais_client::{CaseWatch, RelaisClient, pb};
use tokio::{sync::watch, task::JoinSet};
use tonic::{Code, Status};

use super::{
    driver::{Call, Worker},
    report::Recorder,
    scenarios::person,
    seed::{self, patiently},
};
use crate::cli::error::Failure;

/// How long the events may take to arrive once the last submission is
/// answered; those missing then are reported missing.
const STRAGGLERS: Duration = Duration::from_secs(10);

/// A case id as a number: 16 bytes for each event kept, not a string.
type CaseKey = u128;

fn key(id: &str) -> Option<CaseKey> {
    uuid::Uuid::parse_str(id).ok().map(|id| id.as_u128())
}

/// The open streams, each read by a task of its own.
#[derive(Debug)]
pub(super) struct Streams {
    tasks: JoinSet<Received>,
    stop: watch::Sender<bool>,
    /// Submission events received by all streams, the warm-up's included.
    received: Arc<AtomicU64>,
    pub(super) count: usize,
    pub(super) open_seconds: f64,
}

/// What one stream received: when each case's submission reached it.
#[derive(Debug, Default)]
struct Received {
    events: Vec<(CaseKey, Instant)>,
    failed: Option<Code>,
}

/// Opens `count` streams, `in_flight` at a time, each on the next of
/// `connections` as the next of the agents of `tokens`.
pub(super) async fn open(
    connections: &[RelaisClient],
    tokens: &[String],
    count: usize,
    in_flight: usize,
) -> Result<Streams, Failure> {
    if connections.is_empty() || tokens.is_empty() {
        return Err(Failure::local(Code::Internal, "no agent to watch cases"));
    }
    let agents = (0..count)
        .map(|n| connections[n % connections.len()].with_token(Some(&tokens[n % tokens.len()])))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::connect(&e))?;
    let started = Instant::now();
    let watches: Vec<CaseWatch> = futures::stream::iter(&agents)
        .map(|agent| patiently(move || agent.watch_cases(None, "")))
        .buffer_unordered(in_flight.max(1))
        .map_err(Failure::from)
        .try_collect()
        .await?;
    let open_seconds = started.elapsed().as_secs_f64();
    let (stop, stopped) = watch::channel(false);
    let received = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for watch in watches {
        tasks.spawn(read(watch, stopped.clone(), Arc::clone(&received)));
    }
    Ok(Streams {
        tasks,
        stop,
        received,
        count,
        open_seconds,
    })
}

async fn read(
    mut watch: CaseWatch,
    mut stopped: watch::Receiver<bool>,
    received: Arc<AtomicU64>,
) -> Received {
    let mut got = Received::default();
    loop {
        let message = tokio::select! {
            _ = stopped.changed() => break,
            message = watch.events.message() => message,
        };
        match message {
            Ok(Some(pb::WatchCasesResponse { event: Some(event) }))
                if event.kind == i32::from(pb::CaseEventKind::Submitted) =>
            {
                if let Some(case) = key(&event.case_id) {
                    got.events.push((case, Instant::now()));
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                got.failed = Some(Code::Unavailable);
                break;
            }
            Err(status) => {
                got.failed = Some(status.code());
                break;
            }
        }
    }
    got
}

/// Submissions whose answers are noted, to time the events against.
#[derive(Debug)]
pub(super) struct Submitter {
    pub(super) client: RelaisClient,
    pub(super) cpam_id: Arc<str>,
    pub(super) log: Arc<SubmitLog>,
}

#[derive(Debug, Default)]
pub(super) struct SubmitLog {
    /// Every submission answered OK, the warm-up's included: the events to wait for.
    all: AtomicU64,
    /// When each measured submission left, and when it was answered.
    measured: Mutex<Vec<(CaseKey, Sent)>>,
}

impl Worker for Submitter {
    async fn call(&mut self, call: Call) -> Result<(), Status> {
        let request = seed::case(&self.cpam_id, person(call));
        let left = Instant::now();
        let submitted = self.client.submit_case(request).await?;
        let answered = Instant::now();
        self.log.all.fetch_add(1, Ordering::Relaxed);
        if call.measured
            && let Some(case) = submitted.case.as_ref().and_then(|case| key(&case.id))
        {
            self.log
                .measured
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((case, Sent { left, answered }));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    left: Instant,
    answered: Instant,
}

/// What the streams made of the measured submissions.
#[derive(Debug)]
pub(super) struct Delivery {
    pub(super) cases: u64,
    pub(super) expected: u64,
    pub(super) received: u64,
    /// Events that reached their stream before the submission's answer
    /// reached the submitter.
    pub(super) before_answer: u64,
}

/// Waits for the events of every submission (or [`STRAGGLERS`] after the
/// last one), closes the streams, and records each measured event's delay
/// after its submission left. A stream that failed counts once, by its code.
pub(super) async fn collect(
    mut streams: Streams,
    log: &SubmitLog,
    recorder: &mut Recorder,
) -> Result<Delivery, Failure> {
    let waiting = log.all.load(Ordering::Relaxed) * streams.count as u64;
    let give_up = Instant::now() + STRAGGLERS;
    while streams.received.load(Ordering::Relaxed) < waiting && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = streams.stop.send(true);
    let sent: HashMap<CaseKey, Sent> = log
        .measured
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .copied()
        .collect();
    let cases = sent.len() as u64;
    let mut received = 0;
    let mut before_answer = 0;
    while let Some(joined) = streams.tasks.join_next().await {
        let got = joined
            .map_err(|e| Failure::local(Code::Internal, format!("a stream reader stopped: {e}")))?;
        for (case, at) in got.events {
            if let Some(submitted) = sent.get(&case) {
                recorder.success(at.saturating_duration_since(submitted.left));
                received += 1;
                if at < submitted.answered {
                    before_answer += 1;
                }
            }
        }
        if let Some(code) = got.failed {
            recorder.error(code);
        }
    }
    Ok(Delivery {
        cases,
        expected: cases * streams.count as u64,
        received,
        before_answer,
    })
}
