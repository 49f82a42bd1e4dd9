//! Read receipts (one per participant: the latest message it read) and typing notifications.

use serde_json::{json, Map, Value};

use super::errors::{AcsError, Handled, Reply};
use super::paging::{self, Cursor};
use super::routes::Ctx;
use super::state::{Receipt, State};
use super::wire;

/// `POST /chat/threads/{id}/readReceipts`: 200 with an empty body.
pub(crate) fn send(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, body: &[u8]) -> Handled {
    let body = wire::body_json(body, false)?;
    let message_id =
        wire::opt_str(body.get("chatMessageId"), "chatMessageId")?.ok_or_else(|| {
            AcsError::bad_request("chatMessageId is required.").with_target("chatMessageId")
        })?;
    let caller = ctx.claims.user.clone();
    state
        .thread_for(thread_id, &caller)?
        .message_mut(&message_id)?;
    let now = state.now();
    let thread = state.thread_for(thread_id, &caller)?;
    thread.receipts.retain(|r| r.sender != caller);
    thread.receipts.push(Receipt {
        sender: caller,
        message_id,
        read_on: now,
    });
    Ok(Reply::empty(200))
}

/// `GET /chat/threads/{id}/readReceipts`: oldest first, paged by offset.
pub(crate) fn list(state: &mut State, ctx: &Ctx<'_>, thread_id: &str) -> Handled {
    let size = paging::page_size(ctx.query.get("maxPageSize"))?;
    let offset = match ctx.query.get("syncState") {
        Some(s) => Cursor::decode(s, "readReceipts", thread_id)?.position,
        None => paging::skip(ctx.query.get("skip"))?,
    };
    let thread = state.thread_for(thread_id, &ctx.claims.user)?;
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let page: Vec<Value> = thread
        .receipts
        .iter()
        .skip(start)
        .take(size)
        .map(|r| {
            json!({
                "senderCommunicationIdentifier": wire::identifier(&r.sender, ctx.api),
                "chatMessageId": r.message_id,
                "readOn": wire::time(r.read_on),
            })
        })
        .collect();
    let more = thread.receipts.len() > start.saturating_add(size);
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(page));
    if more {
        let cursor = Cursor {
            kind: "readReceipts".into(),
            scope: thread_id.to_owned(),
            position: offset + size as u64,
            start_ms: None,
        };
        let path = format!("/chat/threads/{thread_id}/readReceipts");
        body.insert(
            "nextLink".into(),
            Value::String(paging::next_link(ctx.base, &path, &cursor, size, ctx.api)),
        );
    }
    Ok(Reply::json(200, &Value::Object(body)))
}

/// `POST /chat/threads/{id}/typing`: 200 with an empty body; the body is optional.
pub(crate) fn typing(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, body: &[u8]) -> Handled {
    let body = wire::body_json(body, true)?;
    let display = wire::opt_str(body.get("senderDisplayName"), "senderDisplayName")?;
    state.thread_for(thread_id, &ctx.claims.user)?;
    let display = display.unwrap_or_default();
    super::events::typing(state, thread_id, &ctx.claims.user, &display);
    Ok(Reply::empty(200))
}
