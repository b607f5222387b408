//! What a run measured, and how it is shown: one table row for people, one
//! JSON object for scripts.

use std::{collections::BTreeMap, time::Duration};

use hdrhistogram::Histogram;
use serde::Serialize;
use tonic::{Code, Status};

use super::memory::ServerMemory;
use crate::cli::{error::Failure, format::Fields, output::table};

/// Latencies are kept in microseconds, from 1 µs to an hour, to three
/// significant figures: 0.1 % off at worst, in a few tens of KiB.
const HIGHEST_MICROS: u64 = 3_600_000_000;
const SIGNIFICANT_FIGURES: u8 = 3;

/// The latencies of the operations that succeeded, and the failures by
/// gRPC code. Each worker keeps its own, merged at the end, so that
/// recording takes no lock.
#[derive(Debug, Clone)]
pub(super) struct Recorder {
    latencies: Histogram<u64>,
    errors: BTreeMap<&'static str, u64>,
}

impl Recorder {
    pub(super) fn new() -> Result<Recorder, Failure> {
        let latencies = Histogram::new_with_bounds(1, HIGHEST_MICROS, SIGNIFICANT_FIGURES)
            .map_err(|e| Failure::local(Code::Internal, format!("no histogram: {e}")))?;
        Ok(Recorder {
            latencies,
            errors: BTreeMap::new(),
        })
    }

    /// An empty recorder of the same shape, which cannot fail.
    pub(super) fn empty_like(&self) -> Recorder {
        Recorder {
            latencies: Histogram::new_from(&self.latencies),
            errors: BTreeMap::new(),
        }
    }

    pub(super) fn success(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latencies.saturating_record(micros);
    }

    pub(super) fn error(&mut self, code: Code) {
        *self
            .errors
            .entry(relais_proto::code_name(code))
            .or_default() += 1;
    }

    pub(super) fn record<T>(&mut self, took: Duration, result: &Result<T, Status>) {
        match result {
            Ok(_) => self.success(took),
            Err(status) => self.error(status.code()),
        }
    }

    pub(super) fn merge(&mut self, other: &Recorder) -> Result<(), Failure> {
        self.latencies
            .add(&other.latencies)
            .map_err(|e| Failure::local(Code::Internal, format!("histograms differ: {e:?}")))?;
        self.merge_errors(other);
        Ok(())
    }

    /// Only the other's failures, not its latencies: those of another operation.
    pub(super) fn merge_errors(&mut self, other: &Recorder) {
        for (code, count) in &other.errors {
            *self.errors.entry(code).or_default() += count;
        }
    }

    pub(super) fn successes(&self) -> u64 {
        self.latencies.len()
    }

    pub(super) fn failures(&self) -> u64 {
        self.errors.values().sum()
    }

    pub(super) fn errors(&self) -> &BTreeMap<&'static str, u64> {
        &self.errors
    }

    pub(super) fn latency(&self) -> Option<Latency> {
        if self.latencies.is_empty() {
            return None;
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Some(Latency {
            p50: ms(self.latencies.value_at_quantile(0.50)),
            p90: ms(self.latencies.value_at_quantile(0.90)),
            p99: ms(self.latencies.value_at_quantile(0.99)),
            max: ms(self.latencies.max()),
            mean: self.latencies.mean().round() / 1000.0,
        })
    }
}

/// Milliseconds, to the microsecond.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct Latency {
    pub(super) p50: f64,
    pub(super) p90: f64,
    pub(super) p99: f64,
    pub(super) max: f64,
    pub(super) mean: f64,
}

/// What one run of one scenario measured.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) scenario: &'static str,
    /// What `operations` counts: requests, rows answered, or events delivered.
    pub(super) unit: &'static str,
    pub(super) connections: usize,
    pub(super) in_flight: usize,
    /// Accounts per role the load was spread over (the server limits each
    /// account's rate).
    pub(super) accounts: usize,
    pub(super) warmup_seconds: f64,
    /// Operations measured (the warm-up left out): succeeded and failed.
    pub(super) operations: u64,
    pub(super) succeeded: u64,
    /// Failed operations by gRPC code; the run goes on after a failure.
    pub(super) errors: BTreeMap<&'static str, u64>,
    pub(super) duration_seconds: f64,
    /// Successful operations per second.
    pub(super) throughput_per_second: f64,
    /// Of the successful operations.
    pub(super) latency_ms: Option<Latency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) seeded: Option<Seeded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) batch: Option<BatchFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) watch: Option<WatchFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) server_memory: Option<ServerMemory>,
}

/// What the run created before measuring.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Seeded {
    /// Appended to the names of the organisations and accounts of this run.
    pub(super) suffix: String,
    pub(super) cpam_id: String,
    pub(super) accounts: usize,
    pub(super) cases: usize,
    pub(super) cases_seconds: f64,
    pub(super) cases_per_second: f64,
}

/// The rows of the file sent, by outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct BatchFigures {
    pub(super) rows: u64,
    pub(super) answered: u64,
    pub(super) accepted: u64,
    pub(super) accepted_with_warnings: u64,
    pub(super) duplicates: u64,
    /// The generated file has faulty rows on purpose (one household in 23
    /// with a wrong NIR key, one in 31 born in the future).
    pub(super) rejected: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct WatchFigures {
    pub(super) streams: usize,
    /// Connections the streams were spread over.
    pub(super) stream_connections: usize,
    pub(super) open_seconds: f64,
    /// Cases submitted while measuring; each stream should see each one.
    pub(super) cases: u64,
    pub(super) events_expected: u64,
    pub(super) events_received: u64,
    /// Events that reached their stream before the submission's answer
    /// reached the submitter.
    pub(super) events_before_answer: u64,
    /// Of the submissions, from request to answer.
    pub(super) submit_latency_ms: Option<Latency>,
}

impl Report {
    pub(super) fn human(&self) -> String {
        let ms = |pick: fn(&Latency) -> f64| {
            self.latency_ms
                .as_ref()
                .map_or_else(|| "-".to_owned(), |l| format!("{:.3}", pick(l)))
        };
        let errors = if self.errors.is_empty() {
            "0".to_owned()
        } else {
            self.errors
                .iter()
                .map(|(code, count)| format!("{code} {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = table(
            [
                "scenario",
                self.unit,
                "duration",
                "throughput/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "errors",
            ],
            vec![[
                self.scenario.to_owned(),
                self.operations.to_string(),
                format!("{:.2} s", self.duration_seconds),
                format!("{:.1}", self.throughput_per_second),
                ms(|l| l.p50),
                ms(|l| l.p90),
                ms(|l| l.p99),
                ms(|l| l.max),
                errors,
            ]],
        );
        text.push_str("\n\n");
        text.push_str(&self.details().render(""));
        text
    }

    fn details(&self) -> Fields {
        let mut fields = Fields::default();
        let accounts = match self.accounts {
            0 => String::new(),
            n => format!(", {} per role", count(n, "account", "accounts")),
        };
        fields.add(
            "Load",
            format!(
                "{}, {} in flight{accounts}, warm-up {} s",
                count(self.connections, "connection", "connections"),
                self.in_flight,
                self.warmup_seconds
            ),
        );
        if let Some(seeded) = &self.seeded {
            let cases = if seeded.cases == 0 {
                String::new()
            } else {
                format!(
                    "; {} cases in {:.2} s ({:.0}/s)",
                    seeded.cases, seeded.cases_seconds, seeded.cases_per_second
                )
            };
            fields.add(
                "Seeded",
                format!(
                    "organisations and {} suffixed {}{cases}",
                    count(seeded.accounts, "account", "accounts"),
                    seeded.suffix
                ),
            );
        }
        if let Some(batch) = &self.batch {
            fields.add(
                "Rows",
                format!(
                    "{} answered of {}: {} accepted, {} with warnings, {} duplicates, {} rejected",
                    batch.answered,
                    batch.rows,
                    batch.accepted,
                    batch.accepted_with_warnings,
                    batch.duplicates,
                    batch.rejected
                ),
            );
        }
        if let Some(watch) = &self.watch {
            fields
                .add(
                    "Streams",
                    format!(
                        "{} over {}, open in {:.2} s",
                        watch.streams,
                        count(watch.stream_connections, "connection", "connections"),
                        watch.open_seconds
                    ),
                )
                .add(
                    "Events",
                    format!(
                        "{} received of {} expected ({} cases × {} streams), {} before \
                         their submission's answer",
                        watch.events_received,
                        watch.events_expected,
                        watch.cases,
                        watch.streams,
                        watch.events_before_answer
                    ),
                );
            if let Some(l) = &watch.submit_latency_ms {
                fields.add(
                    "Submissions",
                    format!(
                        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
                        l.p50, l.p99, l.max
                    ),
                );
            }
        }
        if let Some(memory) = &self.server_memory {
            let mut text = format!("pid {}: before {}", memory.pid, memory.before.human());
            if let Some(open) = &memory.streams_open {
                text.push_str(&format!(", streams open {}", open.human()));
            }
            text.push_str(&format!(", after {}", memory.after.human()));
            fields.add("Server memory", text);
        }
        fields
    }
}

/// `1 connection`, `4 connections`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_and_errors_are_merged() {
        let mut a = Recorder::new().unwrap();
        let mut b = a.empty_like();
        for micros in 1..=100 {
            a.success(Duration::from_micros(micros * 10));
        }
        b.record::<()>(
            Duration::ZERO,
            &Err(Status::resource_exhausted("slow down")),
        );
        b.record::<()>(Duration::ZERO, &Err(Status::unavailable("gone")));
        b.record(Duration::from_secs(7200), &Ok(()));
        a.merge(&b).unwrap();
        assert_eq!((a.successes(), a.failures()), (101, 2));
        assert_eq!(a.errors()["RESOURCE_EXHAUSTED"], 1);
        let latency = a.latency().unwrap();
        assert!((0.5..=0.511).contains(&latency.p50), "{latency:?}");
        // Longer than an hour counts as an hour.
        assert!((latency.max - 3_600_000.0).abs() / 3_600_000.0 < 0.001);
        assert!(a.empty_like().latency().is_none());
    }
}
