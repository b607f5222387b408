//! `relais case watch`: case events as they happen, surviving server restarts
//! and dropped connections without losing or repeating an event.

use std::{
    error::Error as _,
    time::{Duration, Instant},
};

use clap::Args;
use relais_client::{RelaisClient, pb};
use tonic::{Code, Status};

use crate::cli::{
    context::Context,
    error::Failure,
    format::{actor, event_kind, local_time, transition},
    output::{Mode, Output},
};

/// Failed reconnections in a row before giving up.
const RECONNECTIONS: u32 = 5;
/// A stream that stayed open this long was a working one: the count of
/// failures in a row starts again.
const HEALTHY: Duration = Duration::from_secs(60);
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Only this case (reference or id).
    #[arg(value_name = "REF")]
    reference: Option<String>,
    /// First replay the events recorded after this sequence number (0: all of
    /// them); without it, the watch starts with the next event.
    #[arg(long, value_name = "SEQ")]
    after: Option<u64>,
}

pub(crate) async fn run(ctx: &Context, args: WatchArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let reference = args.reference.unwrap_or_default();
    tokio::select! {
        // Ctrl-C is how a watch normally ends: a success.
        Ok(()) = tokio::signal::ctrl_c() => Ok(()),
        result = follow(ctx, &client, &reference, args.after) => result,
    }
}

/// Why a stream stopped.
enum Stop {
    /// The server ended it cleanly, as it does when shutting down.
    Ended,
    Failed(Status),
}

async fn follow(
    ctx: &Context,
    client: &RelaisClient,
    reference: &str,
    mut cursor: Option<u64>,
) -> Result<(), Failure> {
    let mut reconnections = 0;
    loop {
        let opened = Instant::now();
        let stop = match client.watch_cases(cursor, reference).await {
            Ok(mut watch) => {
                // From here on, a reconnection resumes where this stream began,
                // even if it drops before its first event.
                cursor = cursor.or(Some(watch.start_sequence));
                loop {
                    match watch.events.message().await {
                        Ok(Some(response)) => {
                            reconnections = 0;
                            let Some(event) = &response.event else {
                                continue;
                            };
                            // A replay never overlaps, but a duplicate would cost more than this check.
                            if cursor.is_some_and(|seen| event.sequence <= seen) {
                                continue;
                            }
                            cursor = Some(event.sequence);
                            print(ctx, &response, event)?;
                        }
                        Ok(None) => break Stop::Ended,
                        Err(status) => break Stop::Failed(status),
                    }
                }
            }
            Err(status) => Stop::Failed(status),
        };
        let failure = match stop {
            Stop::Failed(status) if !is_transient(&status) => return Err(status.into()),
            Stop::Failed(status) => Failure::from(status),
            Stop::Ended => Failure::local(Code::Unavailable, "the server ended the stream"),
        };
        if opened.elapsed() >= HEALTHY {
            reconnections = 0;
        }
        if reconnections >= RECONNECTIONS {
            return Err(failure);
        }
        reconnections += 1;
        let pause = FIRST_PAUSE
            .saturating_mul(2u32.saturating_pow(reconnections - 1))
            .min(LONGEST_PAUSE);
        let resume = match cursor {
            Some(sequence) => format!("after event {sequence}"),
            None => "from the next event".to_owned(),
        };
        Output::progress(&format!(
            "{}relais: reconnecting in {} s, {resume} ({reconnections}/{RECONNECTIONS})",
            failure.human(),
            pause.as_secs_f32()
        ));
        tokio::time::sleep(pause).await;
    }
}

/// A dropped connection or a restarting server, not a refusal: worth reconnecting.
fn is_transient(status: &Status) -> bool {
    // Statuses made by the transport on this side carry the error that caused them;
    // statuses sent by the server do not.
    status.code() == Code::Unavailable || status.source().is_some()
}

fn print(
    ctx: &Context,
    response: &pb::WatchCasesResponse,
    event: &pb::CaseEvent,
) -> Result<(), Failure> {
    match ctx.out.mode() {
        Mode::Json => ctx.out.json(response),
        Mode::Human | Mode::Quiet => ctx.out.response(response, || line(event), || line(event)),
    }
}

/// `#42  2026-11-22 10:15  R-7K3M-9QX2  taken  Awa Diallo (CPAM de Paris)  SUBMITTED → IN_PROGRESS`,
/// or for the service's own events
/// `#43  2026-11-24 10:15  R-7K3M-9QX2  sla.escalated level 1 (first response)  Relais  IN_PROGRESS`.
fn line(event: &pb::CaseEvent) -> String {
    format!(
        "#{}  {}  {}  {}  {}  {}",
        event.sequence,
        local_time(event.time.as_ref()),
        event.case_reference,
        event_kind(event),
        actor(event),
        transition(event.from_status, event.to_status)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_refusals_end_the_watch_and_dropped_connections_do_not() {
        assert!(is_transient(&Status::unavailable("restarting")));
        assert!(!is_transient(&Status::not_found("case R-7K3M-9QX2")));
        assert!(!is_transient(&Status::unauthenticated("no token")));
        let dropped = Status::from_error(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert!(is_transient(&dropped), "{dropped:?}");
    }

    #[test]
    fn events_fit_on_one_line() {
        let event = pb::CaseEvent {
            sequence: 42,
            case_reference: "R-7K3M-9QX2".to_owned(),
            kind: pb::CaseEventKind::Taken.into(),
            actor: Some(pb::AccountRef {
                id: "a".to_owned(),
                name: "Awa Diallo".to_owned(),
            }),
            from_status: pb::CaseStatus::Submitted.into(),
            to_status: pb::CaseStatus::InProgress.into(),
            ..Default::default()
        };
        let text = line(&event);
        assert!(text.starts_with("#42  "), "{text}");
        assert!(
            text.ends_with("R-7K3M-9QX2  taken  Awa Diallo  SUBMITTED → IN_PROGRESS"),
            "{text}"
        );
    }

    #[test]
    fn the_service_s_events_say_which_promise_and_come_from_relais() {
        let event = pb::CaseEvent {
            sequence: 43,
            case_reference: "R-7K3M-9QX2".to_owned(),
            kind: pb::CaseEventKind::SlaEscalated.into(),
            sla_target: pb::SlaTarget::Resolution.into(),
            escalation_level: 2,
            from_status: pb::CaseStatus::InProgress.into(),
            to_status: pb::CaseStatus::InProgress.into(),
            ..Default::default()
        };
        assert!(
            line(&event)
                .ends_with("R-7K3M-9QX2  sla.escalated level 2 (resolution)  Relais  IN_PROGRESS"),
            "{}",
            line(&event)
        );
    }
}
