//! Participants: list (`maxPageSize`, `skip`), add (partial failure), remove.
//!
//! Only live `8:acs:` users of this emulator can join a thread. Anyone else (a phone number, a
//! Teams user, an unknown or deleted user) fails alone, reported in `invalidParticipants` as an
//! ACS error whose `target` is the raw id; the others are added.

use std::collections::BTreeMap;

use chat_core::Timestamp;
use serde_json::{json, Map, Value};

use super::errors::{AcsError, Handled, Reply};
use super::paging::{self, Cursor};
use super::routes::Ctx;
use super::state::{require_scope, Content, Participant, State};
use super::threads::check_metadata;
use super::wire::{self, ChatApi};

/// A participant with no display name, default history time and no metadata.
pub(crate) fn plain(raw_id: &str) -> Participant {
    Participant {
        raw_id: raw_id.to_owned(),
        display_name: None,
        share_history_time: Timestamp::UNIX_EPOCH,
        metadata: BTreeMap::new(),
    }
}

/// Reads a request's `ChatParticipant`.
pub(crate) fn parse_participant(value: &Value, api: ChatApi) -> Result<Participant, AcsError> {
    let identifier = value
        .get("communicationIdentifier")
        .ok_or_else(|| AcsError::bad_request("A participant needs a communicationIdentifier."))?;
    let raw_id = wire::raw_id_of(identifier)?;
    let mut p = plain(&raw_id);
    p.display_name = wire::opt_str(value.get("displayName"), "displayName")?;
    if let Some(t) = wire::opt_time(value.get("shareHistoryTime"), "shareHistoryTime")? {
        p.share_history_time = t;
    }
    if api.has_thread_metadata() {
        p.metadata = wire::string_map(value.get("metadata"), "metadata")?
            .unwrap_or_default()
            .into_iter()
            .collect();
        check_metadata(&p.metadata)?;
    }
    Ok(p)
}

/// Why `raw_id` cannot join a thread, if it cannot.
pub(crate) fn participant_error(state: &State, raw_id: &str) -> Option<AcsError> {
    if !raw_id.starts_with("8:acs:") {
        return Some(
            AcsError::new(
                403,
                "403",
                "Permissions check failed: only Communication Services users can join this thread.",
            )
            .with_target(raw_id),
        );
    }
    if !state.user_exists(raw_id) {
        return Some(
            AcsError::new(404, "404", "The participant was not found.").with_target(raw_id),
        );
    }
    None
}

/// A `ChatParticipant` for `api`.
pub(crate) fn render_participant(p: &Participant, api: ChatApi) -> Value {
    let mut obj = Map::new();
    obj.insert(
        "communicationIdentifier".into(),
        wire::identifier(&p.raw_id, api),
    );
    if let Some(name) = &p.display_name {
        obj.insert("displayName".into(), json!(name));
    }
    let share = if p.share_history_time == Timestamp::UNIX_EPOCH {
        json!("1970-01-01T00:00:00Z")
    } else {
        wire::time(p.share_history_time)
    };
    obj.insert("shareHistoryTime".into(), share);
    if api.has_thread_metadata() && !p.metadata.is_empty() {
        obj.insert("metadata".into(), json!(p.metadata));
    }
    Value::Object(obj)
}

/// `GET /chat/threads/{id}/participants`: in joining order, paged by offset.
pub(crate) fn list(state: &mut State, ctx: &Ctx<'_>, thread_id: &str) -> Handled {
    let size = paging::page_size(ctx.query.get("maxPageSize"))?;
    let offset = match ctx.query.get("syncState") {
        Some(s) => Cursor::decode(s, "participants", thread_id)?.position,
        None => paging::skip(ctx.query.get("skip"))?,
    };
    let thread = state.thread_for(thread_id, &ctx.claims.user)?;
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let page: Vec<Value> = thread
        .participants
        .iter()
        .skip(start)
        .take(size)
        .map(|p| render_participant(p, ctx.api))
        .collect();
    let more = thread.participants.len() > start.saturating_add(size);
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(page));
    if more {
        let cursor = Cursor {
            kind: "participants".into(),
            scope: thread_id.to_owned(),
            position: offset + size as u64,
            start_ms: None,
        };
        let path = format!("/chat/threads/{thread_id}/participants");
        body.insert(
            "nextLink".into(),
            Value::String(paging::next_link(ctx.base, &path, &cursor, size, ctx.api)),
        );
    }
    Ok(Reply::json(200, &Value::Object(body)))
}

/// `POST /chat/threads/{id}/participants/:add`: 201 `{}` or `{"invalidParticipants": [...]}`.
pub(crate) fn add(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, body: &[u8]) -> Handled {
    require_scope(&ctx.claims, &["chat", "chat.join"])?;
    let body = wire::body_json(body, false)?;
    let requested = match body.get("participants") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|p| parse_participant(p, ctx.api))
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(
                AcsError::bad_request("participants must be an array.").with_target("participants")
            )
        }
    };
    let caller = ctx.claims.user.clone();
    state.thread_for(thread_id, &caller)?;
    let mut invalid = Vec::new();
    let mut valid = Vec::new();
    for p in requested {
        match participant_error(state, &p.raw_id) {
            Some(e) => invalid.push(e.to_error_object()),
            None => valid.push(p),
        }
    }
    let mut thread = state.thread_for(thread_id, &caller)?.clone();
    let mut added = Vec::new();
    for p in valid {
        if let Some(existing) = thread
            .participants
            .iter_mut()
            .find(|q| q.raw_id == p.raw_id)
        {
            *existing = p;
        } else {
            thread.participants.push(p.clone());
            added.push(p);
        }
    }
    if !added.is_empty() {
        super::messages::push_system(
            state,
            &mut thread,
            Content::Participants {
                added: true,
                participants: added.clone(),
                initiator: caller.clone(),
            },
        );
    }
    state.threads.insert(thread.id.clone(), thread);
    super::events::participants_changed(state, thread_id, &added, &caller, true);
    let mut result = Map::new();
    if !invalid.is_empty() {
        result.insert("invalidParticipants".into(), Value::Array(invalid));
    }
    Ok(Reply::json(201, &Value::Object(result)))
}

/// `POST /chat/threads/{id}/participants/:remove`: 204, also when already gone (a repeat).
pub(crate) fn remove(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, body: &[u8]) -> Handled {
    require_scope(&ctx.claims, &["chat", "chat.join"])?;
    let body = wire::body_json(body, false)?;
    let raw_id = wire::raw_id_of(&body)?;
    let caller = ctx.claims.user.clone();
    let mut thread = match state.thread_for(thread_id, &caller) {
        Ok(thread) => thread.clone(),
        // A repeat of a self-removal: the caller is gone already.
        Err(e) if e.status == 403 && raw_id == caller => return Ok(Reply::empty(204)),
        Err(e) => return Err(e),
    };
    let Some(index) = thread.participants.iter().position(|p| p.raw_id == raw_id) else {
        return Ok(Reply::empty(204));
    };
    let removed = thread.participants.remove(index);
    thread.receipts.retain(|r| r.sender != raw_id);
    super::messages::push_system(
        state,
        &mut thread,
        Content::Participants {
            added: false,
            participants: vec![removed.clone()],
            initiator: caller.clone(),
        },
    );
    state.threads.insert(thread.id.clone(), thread);
    super::events::participants_changed(state, thread_id, &[removed], &caller, false);
    Ok(Reply::empty(204))
}
