//! Relais domain, shared by the server and the client: beneficiary identifiers,
//! organisations and roles, cases and their lifecycle, validation of what
//! partners send. Pure: no I/O, and time is always passed in.

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
