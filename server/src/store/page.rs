//! Keyset pagination: a page token is an opaque encoding of the last item's
//! position, so pages stay stable while new items arrive.

use data_encoding::BASE64URL_NOPAD;
use relais_core::Error;
use uuid::Uuid;

/// The largest page a caller may ask for; larger requests are served this many.
pub(crate) const MAX_PAGE_SIZE: u32 = 500;

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Items per page; 0 means the listing's default.
    pub size: u32,
    /// `next_page_token` from the previous page; empty for the first.
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Empty on the last page.
    pub next_token: String,
}

/// Where a page starts: after the item created at `created_at` with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) created_at: i64,
    pub(crate) id: Uuid,
}

impl Cursor {
    pub(crate) fn encode(self) -> String {
        let mut bytes = Vec::with_capacity(24);
        bytes.extend_from_slice(&self.created_at.to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        BASE64URL_NOPAD.encode(&bytes)
    }

    /// `None` for the first page.
    pub(crate) fn decode(token: &str) -> Result<Option<Cursor>, Error> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || Error::invalid_field("page_token", "not a token from a previous page");
        let bytes = BASE64URL_NOPAD
            .decode(token.as_bytes())
            .map_err(|_| invalid())?;
        let (created_at, id) = bytes.split_first_chunk::<8>().ok_or_else(invalid)?;
        let id = Uuid::from_slice(id).map_err(|_| invalid())?;
        Ok(Some(Cursor {
            created_at: i64::from_be_bytes(*created_at),
            id,
        }))
    }
}

impl PageRequest {
    /// The page size to serve: the default when 0, at most [`MAX_PAGE_SIZE`].
    pub(crate) fn limit(&self, default: u32) -> u32 {
        match self.size {
            0 => default,
            n => n.min(MAX_PAGE_SIZE),
        }
    }
}

/// Cuts one extra fetched row off, and makes the token that resumes after the last kept item.
pub(crate) fn paginate<T>(mut rows: Vec<(Cursor, T)>, limit: u32) -> Page<T> {
    let limit = limit as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_token = match rows.last() {
        Some((cursor, _)) if more => cursor.encode(),
        _ => String::new(),
    };
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next_token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            created_at: 1_764_000_000_123_456,
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), Some(cursor));
        assert_eq!(Cursor::decode("").unwrap(), None);
        for bad in ["abc", "!!!", &BASE64URL_NOPAD.encode(&[0u8; 10])] {
            assert!(matches!(Cursor::decode(bad), Err(Error::Invalid(v)) if v.has("page_token")));
        }
    }

    #[test]
    fn a_page_with_an_extra_row_has_a_next_token() {
        let rows: Vec<(Cursor, u32)> = (0..4)
            .map(|i| {
                (
                    Cursor {
                        created_at: i,
                        id: Uuid::nil(),
                    },
                    i as u32,
                )
            })
            .collect();
        let page = paginate(rows.clone(), 3);
        assert_eq!(page.items, [0, 1, 2]);
        assert_eq!(
            Cursor::decode(&page.next_token)
                .unwrap()
                .unwrap()
                .created_at,
            2
        );
        let last = paginate(rows, 4);
        assert_eq!(last.items.len(), 4);
        assert!(last.next_token.is_empty());
    }
}
