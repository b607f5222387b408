//! The Relais gRPC API, package `relais.v1`, and its mapping to the domain.
//!
//! Generated from `proto/relais/v1/*.proto` at build time. Messages implement
//! serde following the protobuf JSON mapping (with the `.proto` field names),
//! which the CLI uses for `--json` output and `--from FILE` input.

pub mod checks;
pub mod codec;
pub mod convert;
pub mod status;

pub mod v1 {
    #![allow(clippy::all, missing_debug_implementations, unreachable_pub)]
    tonic::include_proto!("relais.v1");
    include!(concat!(env!("OUT_DIR"), "/relais.v1.serde.rs"));
    include!(concat!(env!("OUT_DIR"), "/relais.v1.checks.rs"));
}

/// The encoded `FileDescriptorSet` of the API (with its imports), for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/relais_descriptor.bin"));

/// The WatchCases response header that holds the sequence number the stream
/// starts after (where a client resumes if the stream drops before any event).
pub const WATCH_START_SEQUENCE_HEADER: &str = "relais-start-sequence";

/// The canonical name of a gRPC status code, as in the gRPC specification
/// and as other gRPC tools print it (`NOT_FOUND`, not `NotFound`).
pub fn code_name(code: tonic::Code) -> &'static str {
    match code {
        tonic::Code::Ok => "OK",
        tonic::Code::Cancelled => "CANCELLED",
        tonic::Code::Unknown => "UNKNOWN",
        tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
        tonic::Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        tonic::Code::NotFound => "NOT_FOUND",
        tonic::Code::AlreadyExists => "ALREADY_EXISTS",
        tonic::Code::PermissionDenied => "PERMISSION_DENIED",
        tonic::Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        tonic::Code::FailedPrecondition => "FAILED_PRECONDITION",
        tonic::Code::Aborted => "ABORTED",
        tonic::Code::OutOfRange => "OUT_OF_RANGE",
        tonic::Code::Unimplemented => "UNIMPLEMENTED",
        tonic::Code::Internal => "INTERNAL",
        tonic::Code::Unavailable => "UNAVAILABLE",
        tonic::Code::DataLoss => "DATA_LOSS",
        tonic::Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
