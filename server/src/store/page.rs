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

/// Where a page starts: after the item at (`key`, `id`) in the listing's
/// order, `order` telling which order (a token is only good for its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) order: u8,
    pub(crate) key: i64,
    pub(crate) id: Uuid,
}

impl Cursor {
    pub(crate) fn encode(self) -> String {
        let mut bytes = Vec::with_capacity(25);
        bytes.push(self.order);
        bytes.extend_from_slice(&self.key.to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        BASE64URL_NOPAD.encode(&bytes)
    }

    /// `None` for the first page; an error for a token that is not one of
    /// this listing's, in this order.
    pub(crate) fn decode(token: &str, order: u8) -> Result<Option<Cursor>, Error> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || Error::invalid_field("page_token", "not a token from a previous page");
        let bytes = BASE64URL_NOPAD
            .decode(token.as_bytes())
            .map_err(|_| invalid())?;
        let (&tag, rest) = bytes.split_first().ok_or_else(invalid)?;
        let (key, id) = rest.split_first_chunk::<8>().ok_or_else(invalid)?;
        if tag != order {
            return Err(invalid());
        }
        let id = Uuid::from_slice(id).map_err(|_| invalid())?;
        Ok(Some(Cursor {
            order,
            key: i64::from_be_bytes(*key),
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
            order: 1,
            key: 1_764_000_000_123_456,
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode(), 1).unwrap(), Some(cursor));
        assert_eq!(Cursor::decode("", 1).unwrap(), None);
        for bad in [
            "abc",
            "!!!",
            &BASE64URL_NOPAD.encode(&[0u8; 10]),
            &cursor.encode(),
        ] {
            assert!(
                matches!(Cursor::decode(bad, 2), Err(Error::Invalid(v)) if v.has("page_token")),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_page_with_an_extra_row_has_a_next_token() {
        let rows: Vec<(Cursor, u32)> = (0..4)
            .map(|i| {
                let cursor = Cursor {
                    order: 0,
                    key: i,
                    id: Uuid::nil(),
                };
                (cursor, i as u32)
            })
            .collect();
        let page = paginate(rows.clone(), 3);
        assert_eq!(page.items, [0, 1, 2]);
        assert_eq!(Cursor::decode(&page.next_token, 0).unwrap().unwrap().key, 2);
        let last = paginate(rows, 4);
        assert_eq!(last.items.len(), 4);
        assert!(last.next_token.is_empty());
    }
}
