//! `relais bench`: a load generator built on the client library. It seeds
//! what it needs through the API, runs a closed loop of requests over a
//! few connections, and reports throughput, latency percentiles (an HDR
//! histogram) and errors by gRPC code.

mod batch;
mod driver;
mod memory;
mod report;
mod scenarios;
mod seed;
mod watch;

use std::{sync::Arc, time::Duration};

use clap::{Args, ValueEnum};
use jiff::SignedDuration;
use relais_client::{RelaisClient, RetryPolicy};
use tonic::Code;

use self::{
    driver::{Measured, Plan, Stop, drive},
    memory::{Memory, ServerMemory},
    report::{Recorder, Report, Seeded, WatchFigures},
    seed::{Fixture, Needs},
};
use crate::cli::{context::Context, error::Failure, value};

/// Fewer streams per connection than servers allow at once (hyper's
/// default is 200): past that, new streams would wait for old ones to end.
const STREAMS_PER_CONNECTION: usize = 100;
/// The accounts of a role the load is spread over, unless told: the server
/// limits each account's rate, as it would limit each person's.
const MAX_DEFAULT_ACCOUNTS: usize = 64;
/// Cases submitted at once while seeding, whatever the measured load.
const SEED_IN_FLIGHT: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Scenario {
    /// The standard gRPC health check: the floor of a round trip.
    Health,
    /// Partners submit new cases.
    Submit,
    /// Agents read seeded cases (GetCase), picked at random.
    Get,
    /// Agents list their fund's 50 most urgent open cases.
    Queue,
    /// A prefecture sends one generated affiliation file of --rows rows;
    /// latency is from a row leaving to its answer (--count, --duration,
    /// --warmup, --connections and --in-flight do not apply).
    Batch,
    /// Agents hold --streams watch streams open while partners submit
    /// cases; latency is from a submission leaving to each stream's event.
    Watch,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Health => "health",
            Scenario::Submit => "submit",
            Scenario::Get => "get",
            Scenario::Queue => "queue",
            Scenario::Batch => "batch",
            Scenario::Watch => "watch",
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[arg(value_enum)]
    scenario: Scenario,
    /// Connections to the server; the workers take them in turn.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Requests in flight: each of this many workers sends its next request
    /// as soon as its last one is answered.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    in_flight: u16,
    /// How long to measure, after the warm-up (10s, 1m…) [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = value::span, conflicts_with = "count")]
    duration: Option<SignedDuration>,
    /// Measure this many requests rather than a duration (watch: this many
    /// cases submitted).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// Load the server this long before measuring (0s for none).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = value::span)]
    warmup: SignedDuration,
    /// Cases to seed for get and queue.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// Rows of the batch scenario's file.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    rows: u32,
    /// Watch streams of the watch scenario.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    streams: u32,
    /// Accounts per role to spread the load over [default: one per request
    /// in flight, at most 64].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    accounts: Option<u16>,
    /// The process id of a server on this machine: its resident memory
    /// (VmRSS, and its peak VmHWM) before and after the load, and with
    /// every stream open for watch.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
}

/// The arguments with their defaults applied.
#[derive(Debug, Clone, Copy)]
struct Settings {
    scenario: Scenario,
    connections: usize,
    in_flight: usize,
    accounts: usize,
    plan: Plan,
}

impl Settings {
    fn of(args: &BenchArgs) -> Settings {
        let in_flight = usize::from(args.in_flight);
        let stop = match (args.count, args.duration) {
            (Some(count), _) => Stop::Count(count),
            (None, Some(length)) => Stop::After(length.unsigned_abs()),
            (None, None) => Stop::After(Duration::from_secs(10)),
        };
        Settings {
            scenario: args.scenario,
            connections: usize::from(args.connections),
            in_flight,
            accounts: args
                .accounts
                .map_or(in_flight.min(MAX_DEFAULT_ACCOUNTS), usize::from),
            plan: Plan {
                warmup: args.warmup.unsigned_abs(),
                stop,
            },
        }
    }
}

pub(crate) async fn run(ctx: &Context, args: BenchArgs) -> Result<(), Failure> {
    // Before anything is created: a wrong process id is a usage error.
    if let Some(pid) = args.server_pid {
        Memory::read(pid).map_err(|e| Failure::local(Code::InvalidArgument, e))?;
    }
    let bench = Bench {
        ctx,
        settings: Settings::of(&args),
        connections: connect(ctx, usize::from(args.connections)).await?,
        template: Recorder::new()?,
        args,
    };
    let report = match bench.settings.scenario {
        Scenario::Health => bench.health().await?,
        Scenario::Submit => bench.submit().await?,
        Scenario::Get | Scenario::Queue => bench.read().await?,
        Scenario::Batch => bench.batch().await?,
        Scenario::Watch => bench.watch().await?,
    };
    ctx.out.response(
        &report,
        || report.human(),
        || format!("{:.1}", report.throughput_per_second),
    )?;
    if report.errors.contains_key("RESOURCE_EXHAUSTED") {
        ctx.out.note(
            "relais: hint: the server refused requests over an account's rate: spread them \
             over more --accounts, or raise the server's limits.requests_per_second and \
             limits.burst to measure its capacity",
        );
    }
    Ok(())
}

/// One run: what every scenario starts from.
#[derive(Debug)]
struct Bench<'a> {
    ctx: &'a Context,
    args: BenchArgs,
    settings: Settings,
    /// With the command's own token (an administrator's): the first one
    /// seeds, and every one carries workers under their own accounts.
    connections: Vec<RelaisClient>,
    template: Recorder,
}

impl Bench<'_> {
    async fn health(&self) -> Result<Report, Failure> {
        let workers = self
            .measuring(&[])?
            .into_iter()
            .map(|client| scenarios::Health { client })
            .collect();
        let before = self.memory()?;
        let measured = drive(self.settings.plan, workers, &self.template).await?;
        let mut report = self.report("requests", measured, None);
        report.accounts = 0;
        report.server_memory = self.server_memory(before, None)?;
        Ok(report)
    }

    async fn submit(&self) -> Result<Report, Failure> {
        let needs = Needs {
            partners: true,
            ..Needs::default()
        };
        let fixture = self.fixture(needs).await?;
        let cpam_id: Arc<str> = Arc::from(fixture.cpam_id.as_str());
        let workers = self
            .measuring(&fixture.partners)?
            .into_iter()
            .map(|client| scenarios::Submit {
                client,
                cpam_id: Arc::clone(&cpam_id),
            })
            .collect();
        let before = self.memory()?;
        let measured = drive(self.settings.plan, workers, &self.template).await?;
        let mut report = self.report("requests", measured, Some(seeded(&fixture, 0, 0.0)));
        report.server_memory = self.server_memory(before, None)?;
        Ok(report)
    }

    /// get and queue: agents read the cases partners submitted first.
    async fn read(&self) -> Result<Report, Failure> {
        let needs = Needs {
            partners: true,
            agents: true,
            desk: false,
        };
        let fixture = self.fixture(needs).await?;
        let count = usize::try_from(self.args.cases).unwrap_or(usize::MAX);
        self.ctx.out.note(&format!("relais: seeding {count} cases"));
        let partners = self.seeding(&fixture.partners)?;
        // Seeding is not measured: it goes as fast as the server takes it,
        // whatever load is measured afterwards (one request at a time would
        // take an hour to seed a million cases).
        let in_flight = self.settings.in_flight.max(SEED_IN_FLIGHT);
        let (cases, seconds) = seed::cases(&partners, &fixture.cpam_id, count, in_flight).await?;
        let agents = self.measuring(&fixture.agents)?;
        let before = self.memory()?;
        let measured = if self.settings.scenario == Scenario::Get {
            let cases: Arc<[String]> = cases.into();
            let workers = agents
                .into_iter()
                .map(|client| scenarios::Get {
                    client,
                    cases: Arc::clone(&cases),
                })
                .collect();
            drive(self.settings.plan, workers, &self.template).await?
        } else {
            let request = scenarios::Queue::request(&fixture.cpam_id);
            let workers = agents
                .into_iter()
                .map(|client| scenarios::Queue {
                    client,
                    request: request.clone(),
                })
                .collect();
            drive(self.settings.plan, workers, &self.template).await?
        };
        let seeded = seeded(&fixture, count, seconds);
        let mut report = self.report("requests", measured, Some(seeded));
        report.server_memory = self.server_memory(before, None)?;
        Ok(report)
    }

    async fn batch(&self) -> Result<Report, Failure> {
        let needs = Needs {
            desk: true,
            ..Needs::default()
        };
        let fixture = self.fixture(needs).await?;
        let desk = self.connections[0]
            .with_token(fixture.desk.as_deref())
            .map_err(|e| Failure::connect(&e))?
            .with_retry(NO_RETRY);
        let rows = usize::try_from(self.args.rows).unwrap_or(usize::MAX);
        self.ctx
            .out
            .note(&format!("relais: generating {rows} rows"));
        let file = batch::prepare(rows, &fixture.suffix, random()?)?;
        let before = self.memory()?;
        let mut recorder = self.template.empty_like();
        let (figures, elapsed) = batch::send(&desk, file, &mut recorder).await;
        let measured = Measured { recorder, elapsed };
        let mut report = self.report("rows", measured, Some(seeded(&fixture, 0, 0.0)));
        // One upload by one desk: the other settings do not apply.
        report.warmup_seconds = 0.0;
        report.connections = 1;
        report.in_flight = 1;
        report.accounts = 1;
        report.batch = Some(figures);
        report.server_memory = self.server_memory(before, None)?;
        Ok(report)
    }

    async fn watch(&self) -> Result<Report, Failure> {
        let needs = Needs {
            partners: true,
            agents: true,
            desk: false,
        };
        let fixture = self.fixture(needs).await?;
        let count = usize::try_from(self.args.streams).unwrap_or(usize::MAX);
        // Connections of their own, so that the submissions never queue
        // behind the streams.
        let stream_connections = connect(self.ctx, count.div_ceil(STREAMS_PER_CONNECTION)).await?;
        let before = self.memory()?;
        self.ctx.out.note(&format!(
            "relais: opening {count} watch streams over {} connections",
            stream_connections.len()
        ));
        let in_flight = self.settings.in_flight;
        let streams = watch::open(&stream_connections, &fixture.agents, count, in_flight).await?;
        let open = self.memory()?;
        let open_seconds = streams.open_seconds;
        let cpam_id: Arc<str> = Arc::from(fixture.cpam_id.as_str());
        let log = Arc::new(watch::SubmitLog::default());
        let workers = self
            .measuring(&fixture.partners)?
            .into_iter()
            .map(|client| watch::Submitter {
                client,
                cpam_id: Arc::clone(&cpam_id),
                log: Arc::clone(&log),
            })
            .collect();
        let submitted = drive(self.settings.plan, workers, &self.template).await?;
        let mut events = self.template.empty_like();
        let delivery = watch::collect(streams, &log, &mut events).await?;
        // A submission that failed is an error of the run as much as a
        // stream that did.
        events.merge_errors(&submitted.recorder);
        let measured = Measured {
            recorder: events,
            elapsed: submitted.elapsed,
        };
        let mut report = self.report("events", measured, Some(seeded(&fixture, 0, 0.0)));
        report.operations = delivery.expected + report.errors.values().sum::<u64>();
        report.watch = Some(WatchFigures {
            streams: count,
            stream_connections: stream_connections.len(),
            open_seconds,
            cases: delivery.cases,
            events_expected: delivery.expected,
            events_received: delivery.received,
            events_before_answer: delivery.before_answer,
            submit_latency_ms: submitted.recorder.latency(),
        });
        report.server_memory = self.server_memory(before, open)?;
        Ok(report)
    }

    async fn fixture(&self, needs: Needs) -> Result<Fixture, Failure> {
        self.ctx
            .out
            .note("relais: creating organisations and accounts");
        seed::fixture(&self.connections[0], needs, self.settings.accounts).await
    }

    /// One client per worker: worker `w` on connection `w mod connections`,
    /// as the account `w mod accounts` (anonymous when there are none).
    fn measuring(&self, tokens: &[String]) -> Result<Vec<RelaisClient>, Failure> {
        let connections = &self.connections;
        (0..self.settings.in_flight)
            .map(|w| {
                let token = (!tokens.is_empty()).then(|| tokens[w % tokens.len()].as_str());
                connections[w % connections.len()]
                    .with_token(token)
                    .map(|client| client.with_retry(NO_RETRY))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| Failure::connect(&e))
    }

    /// One client per account, on the connections in turn, retrying as
    /// the library does: to seed.
    fn seeding(&self, tokens: &[String]) -> Result<Vec<RelaisClient>, Failure> {
        let connections = &self.connections;
        tokens
            .iter()
            .enumerate()
            .map(|(n, token)| connections[n % connections.len()].with_token(Some(token)))
            .collect::<Result<_, _>>()
            .map_err(|e| Failure::connect(&e))
    }

    fn report(&self, unit: &'static str, measured: Measured, seeded: Option<Seeded>) -> Report {
        let settings = &self.settings;
        let Measured { recorder, elapsed } = measured;
        let seconds = elapsed.as_secs_f64();
        let succeeded = recorder.successes();
        Report {
            scenario: settings.scenario.name(),
            unit,
            connections: settings.connections,
            in_flight: settings.in_flight,
            accounts: settings.accounts,
            warmup_seconds: settings.plan.warmup.as_secs_f64(),
            operations: succeeded + recorder.failures(),
            succeeded,
            errors: recorder.errors().clone(),
            duration_seconds: seconds,
            throughput_per_second: if seconds > 0.0 {
                succeeded as f64 / seconds
            } else {
                0.0
            },
            latency_ms: recorder.latency(),
            seeded,
            batch: None,
            watch: None,
            server_memory: None,
        }
    }

    fn memory(&self) -> Result<Option<Memory>, Failure> {
        self.args
            .server_pid
            .map(|pid| Memory::read(pid).map_err(|e| Failure::local(Code::NotFound, e)))
            .transpose()
    }

    fn server_memory(
        &self,
        before: Option<Memory>,
        streams_open: Option<Memory>,
    ) -> Result<Option<ServerMemory>, Failure> {
        let (Some(pid), Some(before)) = (self.args.server_pid, before) else {
            return Ok(None);
        };
        let after = Memory::read(pid).map_err(|e| Failure::local(Code::NotFound, e))?;
        Ok(Some(ServerMemory {
            pid,
            before,
            streams_open,
            after,
        }))
    }
}

/// Calls are made once: a retry would hide an error and stretch a latency.
const NO_RETRY: RetryPolicy = RetryPolicy {
    attempts: 1,
    first_delay: Duration::ZERO,
    max_delay: Duration::ZERO,
};

/// `count` connections, each with the token given to the command (an
/// administrator's, used only to seed).
async fn connect(ctx: &Context, count: usize) -> Result<Vec<RelaisClient>, Failure> {
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        connections.push(ctx.client().await?);
    }
    Ok(connections)
}

fn seeded(fixture: &Fixture, cases: usize, seconds: f64) -> Seeded {
    Seeded {
        suffix: fixture.suffix.clone(),
        cpam_id: fixture.cpam_id.clone(),
        accounts: fixture.accounts(),
        cases,
        cases_seconds: seconds,
        cases_per_second: if seconds > 0.0 {
            cases as f64 / seconds
        } else {
            0.0
        },
    }
}

fn random() -> Result<u64, Failure> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::local(Code::Internal, format!("no random numbers: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}
