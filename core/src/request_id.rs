//! The client-chosen identifier that makes a create or a change safe to retry.

use std::fmt;

/// 1 to 128 visible ASCII characters; a UUID is a good choice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    pub const MAX_LEN: usize = 128;

    /// The error is the reason shown for the field `request_id`.
    pub fn parse(text: &str) -> Result<RequestId, String> {
        if text.is_empty() {
            return Err(
                "required: a client-chosen unique identifier (a UUID, say) that makes retries safe"
                    .to_owned(),
            );
        }
        if text.len() > Self::MAX_LEN {
            return Err(format!("at most {} characters", Self::MAX_LEN));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("only visible ASCII characters, without spaces".to_owned());
        }
        Ok(RequestId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert!(RequestId::parse("0193c3a0-7b7e-7cc1-9d3e-1f2a3b4c5d6e").is_ok());
        assert!(RequestId::parse("").unwrap_err().contains("required"));
        assert!(RequestId::parse("a b").is_err());
        assert!(RequestId::parse(&"x".repeat(129)).is_err());
    }
}
