//! `nextLink` paging for the four listings.
//!
//! Page sizes: every listing defaults to [`DEFAULT_PAGE_SIZE`] items and returns at most
//! [`MAX_PAGE_SIZE`] (the service's documented limit for messages, applied to all four); a
//! larger `maxPageSize` is clamped, a `maxPageSize` below 1 is a 400.
//!
//! The `nextLink` is absolute, on the host the client called, with an opaque `syncState` (hex
//! of a small JSON cursor naming the listing, its scope and the position), `maxPageSize`, and
//! its own `api-version`. Messages page by sequence id (newest first), so messages sent while a
//! client pages never shift the pages it has yet to read; threads, participants and read
//! receipts page by offset (`skip`).

use serde::{Deserialize, Serialize};

use super::errors::AcsError;
use super::wire::ChatApi;

/// Items per page when the client gives no `maxPageSize`.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The most items one page holds; larger `maxPageSize` values are clamped to this.
pub const MAX_PAGE_SIZE: usize = 200;

/// The position a `syncState` carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// Which listing: `threads`, `messages`, `participants`, `readReceipts`.
    pub(crate) kind: String,
    /// The thread id (empty for the thread listing, which is per caller).
    pub(crate) scope: String,
    /// Offset, or for messages the sequence id to continue below.
    pub(crate) position: u64,
    /// `startTime` in Unix milliseconds, kept across pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start_ms: Option<i64>,
}

impl Cursor {
    /// The opaque `syncState` value.
    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        json.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a `syncState` for listing `kind` of `scope`; anything else is a 400.
    pub(crate) fn decode(s: &str, kind: &str, scope: &str) -> Result<Self, AcsError> {
        let bad = || AcsError::bad_request("The syncState is not valid for this listing.");
        if s.len() % 2 != 0 || !s.is_ascii() {
            return Err(bad());
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.kind != kind || cursor.scope != scope {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// The page size for a `maxPageSize` query value.
pub(crate) fn page_size(max_page_size: Option<&str>) -> Result<usize, AcsError> {
    match max_page_size {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(usize::try_from(n)
                .unwrap_or(MAX_PAGE_SIZE)
                .min(MAX_PAGE_SIZE)),
            _ => Err(AcsError::bad_request(format!(
                "maxPageSize must be an integer of at least 1, not '{v}'."
            ))),
        },
    }
}

/// Reads a `skip` query value.
pub(crate) fn skip(value: Option<&str>) -> Result<u64, AcsError> {
    match value {
        None => Ok(0),
        Some(v) => v.parse::<u64>().map_err(|_| {
            AcsError::bad_request(format!("skip must be a non-negative integer, not '{v}'."))
        }),
    }
}

/// The absolute `nextLink` for `path` (unencoded thread id, as the service writes it).
pub(crate) fn next_link(
    base: &str,
    path: &str,
    cursor: &Cursor,
    page_size: usize,
    api: ChatApi,
) -> String {
    format!(
        "{base}{path}?syncState={}&maxPageSize={page_size}&api-version={}",
        cursor.encode(),
        api.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_state_round_trips_and_is_scoped() {
        let c = Cursor {
            kind: "messages".into(),
            scope: "19:a@thread.v2".into(),
            position: 7,
            start_ms: Some(5),
        };
        let s = c.encode();
        assert!(s.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert_eq!(Cursor::decode(&s, "messages", "19:a@thread.v2").unwrap(), c);
        assert!(Cursor::decode(&s, "participants", "19:a@thread.v2").is_err());
        assert!(Cursor::decode(&s, "messages", "19:b@thread.v2").is_err());
        assert!(Cursor::decode("zz", "messages", "").is_err());
    }

    #[test]
    fn page_sizes_default_clamp_and_refuse_zero() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some("5")).unwrap(), 5);
        assert_eq!(page_size(Some("100000")).unwrap(), MAX_PAGE_SIZE);
        assert_eq!(page_size(Some("0")).unwrap_err().status, 400);
        assert_eq!(page_size(Some("x")).unwrap_err().status, 400);
    }
}
