//! Threads: create (with `repeatability-request-id`), list, get, update, delete.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::errors::{AcsError, Handled, Reply};
use super::paging::{self, Cursor};
use super::participants::{parse_participant, participant_error};
use super::routes::Ctx;
use super::state::{require_scope, Content, State, Thread};
use super::wire::{self, ChatApi};

/// The most metadata a thread or participant may carry (keys and values, in bytes).
pub(crate) const MAX_METADATA_BYTES: usize = 1024;

/// `POST /chat/threads`.
pub(crate) fn create(
    state: &mut State,
    ctx: &Ctx<'_>,
    repeatability: Option<&str>,
    body: &[u8],
) -> Handled {
    require_scope(&ctx.claims, &["chat"])?;
    if let Some(key) = repeatability.filter(|k| !k.is_empty()) {
        if let Some((thread_id, result)) = state.repeatability.get(key) {
            return Ok(
                Reply::json(201, result).header("Location", thread_location(ctx.base, thread_id))
            );
        }
    }
    let body = wire::body_json(body, false)?;
    let topic = wire::opt_str(body.get("topic"), "topic")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AcsError::bad_request("The topic is required.").with_target("topic"))?;
    let mut metadata = BTreeMap::new();
    let mut retention_policy = None;
    if ctx.api.has_thread_metadata() {
        if let Some(pairs) = wire::string_map(body.get("metadata"), "metadata")? {
            metadata.extend(pairs);
        }
        check_metadata(&metadata)?;
        retention_policy = parse_retention(body.get("retentionPolicy"))?;
    }
    let requested = match body.get("participants") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|p| parse_participant(p, ctx.api))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(AcsError::bad_request("participants must be an array.")),
    };
    let creator = ctx.claims.user.clone();
    let now = state.now();
    let mut participants = Vec::new();
    let mut invalid = Vec::new();
    for p in requested {
        if let Some(error) = participant_error(state, &p.raw_id) {
            invalid.push(error.to_error_object());
        } else if !participants
            .iter()
            .any(|q: &super::state::Participant| q.raw_id == p.raw_id)
        {
            participants.push(p);
        }
    }
    if !participants.iter().any(|p| p.raw_id == creator) {
        participants.insert(0, super::participants::plain(&creator));
    }
    let id = new_thread_id();
    let mut thread = Thread {
        id: id.clone(),
        topic: topic.clone(),
        created_on: now,
        created_by: creator.clone(),
        deleted_on: None,
        metadata,
        retention_policy,
        participants: participants.clone(),
        messages: Vec::new(),
        receipts: Vec::new(),
        last_message_received_on: now,
    };
    super::messages::push_system(
        state,
        &mut thread,
        Content::Participants {
            added: true,
            participants,
            initiator: creator.clone(),
        },
    );
    super::messages::push_system(
        state,
        &mut thread,
        Content::Topic {
            topic,
            initiator: creator,
        },
    );
    let mut result = Map::new();
    result.insert("chatThread".to_owned(), render_properties(&thread, ctx.api));
    if !invalid.is_empty() {
        result.insert("invalidParticipants".to_owned(), Value::Array(invalid));
    }
    let result = Value::Object(result);
    state.thread_order.push(id.clone());
    state.threads.insert(id.clone(), thread);
    super::events::thread_created(state, &id, &ctx.claims.user);
    if let Some(key) = repeatability.filter(|k| !k.is_empty()) {
        state
            .repeatability
            .insert(key.to_owned(), (id.clone(), result.clone()));
    }
    Ok(Reply::json(201, &result).header("Location", thread_location(ctx.base, &id)))
}

/// `GET /chat/threads`: the caller's live threads, most recent activity first.
pub(crate) fn list(state: &mut State, ctx: &Ctx<'_>) -> Handled {
    let size = paging::page_size(ctx.query.get("maxPageSize"))?;
    let (offset, start_ms) = match ctx.query.get("syncState") {
        Some(s) => {
            let c = Cursor::decode(s, "threads", "")?;
            (c.position, c.start_ms)
        }
        None => (0, start_ms(ctx)?),
    };
    let caller = &ctx.claims.user;
    let mut threads: Vec<&Thread> = state
        .thread_order
        .iter()
        .filter_map(|id| state.threads.get(id))
        .filter(|t| t.deleted_on.is_none() && t.is_participant(caller))
        .filter(|t| {
            start_ms.is_none_or(|s| t.last_message_received_on.unix_millis() >= i128::from(s))
        })
        .collect();
    threads.sort_by_key(|t| std::cmp::Reverse(t.last_message_received_on));
    let offset_usize = usize::try_from(offset).unwrap_or(usize::MAX);
    let page: Vec<Value> = threads
        .iter()
        .skip(offset_usize)
        .take(size)
        .map(|t| {
            json!({
                "id": t.id,
                "topic": t.topic,
                "lastMessageReceivedOn": wire::time(t.last_message_received_on),
            })
        })
        .collect();
    let mut body = Map::new();
    let more = threads.len() > offset_usize.saturating_add(size);
    body.insert("value".to_owned(), Value::Array(page));
    if more {
        let cursor = Cursor {
            kind: "threads".into(),
            scope: String::new(),
            position: offset + size as u64,
            start_ms,
        };
        let link = paging::next_link(ctx.base, "/chat/threads", &cursor, size, ctx.api);
        body.insert("nextLink".to_owned(), Value::String(link));
    }
    Ok(Reply::json(200, &Value::Object(body)))
}

/// `GET /chat/threads/{id}`.
pub(crate) fn get(state: &mut State, ctx: &Ctx<'_>, id: &str) -> Handled {
    let thread = state.thread_for(id, &ctx.claims.user)?;
    Ok(Reply::json(200, &render_properties(thread, ctx.api)))
}

/// `PATCH /chat/threads/{id}` (merge-patch): topic, and in 2025-03-15 metadata and retention.
pub(crate) fn update(state: &mut State, ctx: &Ctx<'_>, id: &str, body: &[u8]) -> Handled {
    require_scope(&ctx.claims, &["chat"])?;
    let body = wire::body_json(body, true)?;
    let topic = wire::opt_str(body.get("topic"), "topic")?;
    if topic.as_deref() == Some("") {
        return Err(AcsError::bad_request("The topic cannot be empty.").with_target("topic"));
    }
    let metadata_patch = if ctx.api.has_thread_metadata() {
        wire::string_map(body.get("metadata"), "metadata")?
    } else {
        None
    };
    let retention = if ctx.api.has_thread_metadata() {
        match body.get("retentionPolicy") {
            None => None,
            Some(v) => Some(parse_retention(Some(v))?),
        }
    } else {
        None
    };
    let caller = ctx.claims.user.clone();
    let mut thread = state.thread_for(id, &caller)?.clone();
    if let Some(patch) = metadata_patch {
        let mut merged = thread.metadata.clone();
        for (k, v) in patch {
            if v.is_empty() {
                merged.remove(&k);
            } else {
                merged.insert(k, v);
            }
        }
        check_metadata(&merged)?;
        thread.metadata = merged;
    }
    if let Some(retention) = retention {
        thread.retention_policy = retention;
    }
    if let Some(topic) = topic {
        thread.topic = topic.clone();
        super::messages::push_system(
            state,
            &mut thread,
            Content::Topic {
                topic,
                initiator: caller.clone(),
            },
        );
    }
    state.threads.insert(thread.id.clone(), thread);
    super::events::thread_updated(state, id, &caller);
    Ok(Reply::empty(204))
}

/// `DELETE /chat/threads/{id}`: 204; deleting a thread the caller saw deleted is 204 again.
pub(crate) fn delete(state: &mut State, ctx: &Ctx<'_>, id: &str) -> Handled {
    require_scope(&ctx.claims, &["chat"])?;
    let now = state.now();
    let thread = state
        .threads
        .get_mut(id)
        .ok_or_else(|| AcsError::not_found("The chat thread was not found.").with_target(id))?;
    if !thread.is_participant(&ctx.claims.user) {
        return Err(AcsError::forbidden(
            "The caller is not a participant of the chat thread.",
        ));
    }
    if thread.deleted_on.is_none() {
        thread.deleted_on = Some(now);
        super::events::thread_deleted(state, id, &ctx.claims.user);
    }
    Ok(Reply::empty(204))
}

/// `ChatThreadProperties` for `api`.
pub(crate) fn render_properties(thread: &Thread, api: ChatApi) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(thread.id));
    obj.insert("topic".into(), json!(thread.topic));
    obj.insert("createdOn".into(), wire::time(thread.created_on));
    obj.insert(
        "createdByCommunicationIdentifier".into(),
        wire::identifier(&thread.created_by, api),
    );
    if let Some(deleted) = thread.deleted_on {
        obj.insert("deletedOn".into(), wire::time(deleted));
    }
    if api.has_thread_metadata() {
        if !thread.metadata.is_empty() {
            obj.insert("metadata".into(), json!(thread.metadata));
        }
        if let Some(policy) = &thread.retention_policy {
            obj.insert("retentionPolicy".into(), policy.clone());
        }
    }
    Value::Object(obj)
}

/// `startTime` of a first page, in Unix milliseconds.
pub(crate) fn start_ms(ctx: &Ctx<'_>) -> Result<Option<i64>, AcsError> {
    match ctx.query.get("startTime") {
        None => Ok(None),
        Some(s) => chat_core::Timestamp::parse(s)
            .map(|t| Some(i64::try_from(t.unix_millis()).unwrap_or(0)))
            .ok_or_else(|| {
                AcsError::bad_request("startTime is not an RFC 3339 date-time.")
                    .with_target("startTime")
            }),
    }
}

fn parse_retention(value: Option<&Value>) -> Result<Option<Value>, AcsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => match obj.get("kind").and_then(Value::as_str) {
            Some("none") => Ok(Some(json!({"kind": "none"}))),
            Some("threadCreationDate") => {
                let days = obj
                    .get("deleteThreadAfterDays")
                    .and_then(Value::as_i64)
                    .filter(|d| (1..=90).contains(d))
                    .ok_or_else(|| {
                        AcsError::bad_request(
                            "deleteThreadAfterDays must be an integer from 1 to 90.",
                        )
                        .with_target("retentionPolicy")
                    })?;
                Ok(Some(
                    json!({"kind": "threadCreationDate", "deleteThreadAfterDays": days}),
                ))
            }
            _ => Err(AcsError::bad_request("Unknown retention policy kind.")
                .with_target("retentionPolicy")),
        },
        Some(_) => Err(AcsError::bad_request("retentionPolicy must be an object.")),
    }
}

/// Refuses metadata over [`MAX_METADATA_BYTES`].
pub(crate) fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<(), AcsError> {
    let size: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_METADATA_BYTES {
        return Err(AcsError::bad_request("The metadata exceeds 1 KB.").with_target("metadata"));
    }
    Ok(())
}

fn thread_location(base: &str, id: &str) -> String {
    format!("{base}/chat/threads/{}", id.replacen(':', "%3A", 1))
}

fn new_thread_id() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("19:{}1@thread.v2", URL_SAFE_NO_PAD.encode(bytes))
}
