//! Identifiers that can only be built by parsing, so an invalid one cannot exist.

mod agdref;
mod case_ref;
mod departement;
mod nir;

pub use agdref::{Agdref, AgdrefError};
pub use case_ref::{CaseRef, CaseRefError};
pub use departement::{Departement, DepartementError, PostalCode, PostalCodeError};
pub use nir::{Nir, NirError, NirKind};
