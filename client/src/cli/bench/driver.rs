//! The closed loop: a fixed number of workers, each sending its next
//! request as soon as its last one is answered, so that the requests in
//! flight stay constant and the server sets the pace.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::task::JoinSet;
use tonic::{Code, Status};

use super::report::Recorder;
use crate::cli::error::Failure;

/// When the measurement ends.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stop {
    /// After this many operations, whichever workers send them.
    Count(u64),
    After(Duration),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Requests sent and not recorded first: connections warmed, caches
    /// filled, the server's pools at their working size.
    pub(super) warmup: Duration,
    pub(super) stop: Stop,
}

/// One request to make.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    pub(super) worker: usize,
    /// The worker's own count of its requests, warm-up included.
    pub(super) sequence: u64,
    /// False during the warm-up.
    pub(super) measured: bool,
}

/// What a worker does, once per call; it holds its own client and account.
pub(super) trait Worker: Send + 'static {
    fn call(&mut self, call: Call) -> impl Future<Output = Result<(), Status>> + Send;
}

#[derive(Debug)]
pub(super) struct Measured {
    pub(super) recorder: Recorder,
    /// From the end of the warm-up to the last answer measured.
    pub(super) elapsed: Duration,
}

pub(super) async fn drive<W: Worker>(
    plan: Plan,
    workers: Vec<W>,
    template: &Recorder,
) -> Result<Measured, Failure> {
    let measure_from = Instant::now() + plan.warmup;
    // Shared only in count mode, and touched once per request.
    let tickets = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for (index, mut worker) in workers.into_iter().enumerate() {
        let mut recorder = template.empty_like();
        let tickets = Arc::clone(&tickets);
        tasks.spawn(async move {
            let mut last = measure_from;
            for sequence in 0.. {
                let began = Instant::now();
                let measured = began >= measure_from;
                if measured {
                    let more = match plan.stop {
                        Stop::Count(count) => tickets.fetch_add(1, Ordering::Relaxed) < count,
                        Stop::After(length) => began < measure_from + length,
                    };
                    if !more {
                        break;
                    }
                }
                let call = Call {
                    worker: index,
                    sequence,
                    measured,
                };
                let result = worker.call(call).await;
                if measured {
                    last = Instant::now();
                    recorder.record(last - began, &result);
                }
            }
            (recorder, last)
        });
    }
    let mut total = template.empty_like();
    let mut last = measure_from;
    while let Some(joined) = tasks.join_next().await {
        let (recorder, ended) =
            joined.map_err(|e| Failure::local(Code::Internal, format!("a worker stopped: {e}")))?;
        total.merge(&recorder)?;
        last = last.max(ended);
    }
    let elapsed = last.saturating_duration_since(measure_from);
    Ok(Measured {
        recorder: total,
        // A request answered just before the end leaves no mark after it:
        // the window is what was measured.
        elapsed: match plan.stop {
            Stop::After(length) => elapsed.max(length),
            Stop::Count(_) => elapsed,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo {
        fail_every: u64,
    }

    impl Worker for Echo {
        async fn call(&mut self, call: Call) -> Result<(), Status> {
            tokio::task::yield_now().await;
            if call.sequence % self.fail_every == self.fail_every - 1 {
                Err(Status::unavailable("every so often"))
            } else {
                Ok(())
            }
        }
    }

    #[tokio::test]
    async fn a_count_is_measured_exactly_whatever_the_workers() {
        let plan = Plan {
            warmup: Duration::ZERO,
            stop: Stop::Count(1000),
        };
        let workers = (0..7).map(|_| Echo { fail_every: 10 }).collect();
        let measured = drive(plan, workers, &Recorder::new().unwrap())
            .await
            .unwrap();
        let recorder = &measured.recorder;
        assert_eq!(recorder.successes() + recorder.failures(), 1000);
        assert!(recorder.failures() > 0);
        assert_eq!(
            recorder.errors().keys().copied().collect::<Vec<_>>(),
            ["UNAVAILABLE"]
        );
    }

    #[tokio::test]
    async fn the_warmup_is_not_counted() {
        struct Counting(Arc<AtomicU64>);
        impl Worker for Counting {
            async fn call(&mut self, call: Call) -> Result<(), Status> {
                tokio::task::yield_now().await;
                if !call.measured {
                    self.0.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            }
        }
        let warming = Arc::new(AtomicU64::new(0));
        let plan = Plan {
            warmup: Duration::from_millis(30),
            stop: Stop::Count(50),
        };
        let workers = (0..2).map(|_| Counting(Arc::clone(&warming))).collect();
        let measured = drive(plan, workers, &Recorder::new().unwrap())
            .await
            .unwrap();
        assert_eq!(measured.recorder.successes(), 50);
        assert!(warming.load(Ordering::Relaxed) > 0);
    }

    #[tokio::test]
    async fn a_duration_is_measured_after_the_warmup() {
        let plan = Plan {
            warmup: Duration::from_millis(10),
            stop: Stop::After(Duration::from_millis(30)),
        };
        let workers = (0..2)
            .map(|_| Echo {
                fail_every: u64::MAX,
            })
            .collect();
        let measured = drive(plan, workers, &Recorder::new().unwrap())
            .await
            .unwrap();
        assert!(measured.recorder.successes() > 0);
        assert!(measured.elapsed >= Duration::from_millis(30));
    }
}
