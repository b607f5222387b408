//! Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
//! A hash is enough (no slow password hashing): the secret is random and long,
//! so it cannot be guessed from its hash.

use std::fmt;

use data_encoding::BASE64URL_NOPAD;
use relais_core::org::TokenId;
use sha2::{Digest, Sha256};

use crate::store::NewToken;

/// Recognisable in configuration files and secret scanners.
const PREFIX: &str = "rls_";

/// A token's secret, as shown once to its owner. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A new random token, working until `expires_at` (for ever when `None`):
/// the secret for its owner, the record for the store.
pub fn generate(expires_at: Option<jiff::Timestamp>) -> (Secret, NewToken) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    let secret = format!("{PREFIX}{}", BASE64URL_NOPAD.encode(&bytes));
    let record = NewToken {
        id: TokenId::generate(),
        secret_hash: hash(&secret),
        expires_at,
    };
    (Secret(secret), record)
}

pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_hashes() {
        let (a, record) = generate(None);
        let (b, _) = generate(None);
        assert_ne!(a, b);
        assert!(a.expose().starts_with(PREFIX));
        // 32 bytes in unpadded base64: 43 characters.
        assert_eq!(a.expose().len(), PREFIX.len() + 43);
        assert_eq!(record.secret_hash, hash(a.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
