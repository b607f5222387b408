//! Relais domain, shared by the server and the client: beneficiary identifiers,
//! organisations and roles, cases and their lifecycle, validation of what
//! partners send, prefecture batch files. Pure: no I/O of its own (batch files
//! are read from any `Read` the caller opens), and time is always passed in.

pub mod batch;
pub mod case;
pub mod clock;
pub mod error;
pub mod ids;
pub mod org;
pub mod request_id;
pub mod sla;
pub mod text;
pub mod validation;

pub use error::Error;
