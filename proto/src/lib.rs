//! The Relais gRPC API, package `relais.v1`, and its mapping to the domain.
//!
//! Generated from `proto/relais/v1/*.proto` at build time. Messages implement
//! serde following the protobuf JSON mapping (with the `.proto` field names),
//! which the CLI uses for `--json` output and `--from FILE` input.

pub mod convert;

pub mod v1 {
    #![allow(clippy::all, missing_debug_implementations, unreachable_pub)]
    tonic::include_proto!("relais.v1");
    include!(concat!(env!("OUT_DIR"), "/relais.v1.serde.rs"));
}

/// The encoded `FileDescriptorSet` of the API (with its imports), for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/relais_descriptor.bin"));

/// The WatchCases response header that holds the sequence number the stream
/// starts after (where a client resumes if the stream drops before any event).
pub const WATCH_START_SEQUENCE_HEADER: &str = "relais-start-sequence";
