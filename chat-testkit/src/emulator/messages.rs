//! Messages: send, list (newest first, deleted ones as tombstones), get, update, delete; and
//! the system messages other operations post.
//!
//! A deleted message stays in the thread as a tombstone: `deletedOn` set, `content` and
//! `metadata` removed, a new `version`. Listing and get return tombstones, so a client that
//! pages through a thread sees every message exactly once, deleted or not.

use serde_json::{json, Map, Value};

use super::errors::{AcsError, Handled, Reply};
use super::events::{self, MessageChange};
use super::paging::{self, Cursor};
use super::participants::render_participant;
use super::routes::Ctx;
use super::state::{Content, Message, State, Thread};
use super::threads::start_ms;
use super::wire::{self, ChatApi};

/// Appends a system message (sequence id, epoch-ms id) to `thread`.
pub(crate) fn push_system(state: &mut State, thread: &mut Thread, content: Content) {
    let (id, at) = state.next_millis();
    let sequence_id = thread.messages.last().map_or(1, |m| m.sequence_id + 1);
    thread.last_message_received_on = at;
    thread.messages.push(Message {
        id: id.clone(),
        sequence_id,
        version: id,
        created_on: at,
        sender: None,
        sender_display_name: String::new(),
        content,
        metadata: Default::default(),
        edited_on: None,
        deleted_on: None,
    });
}

/// `POST /chat/threads/{id}/messages`.
pub(crate) fn send(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, body: &[u8]) -> Handled {
    let body = wire::body_json(body, false)?;
    let content = wire::opt_str(body.get("content"), "content")?
        .ok_or_else(|| AcsError::bad_request("The content is required.").with_target("content"))?;
    let html = match wire::opt_str(body.get("type"), "type")?.as_deref() {
        None | Some("text") => false,
        Some("html") => true,
        Some(other) => {
            return Err(AcsError::bad_request(format!(
                "The message type '{other}' cannot be sent."
            ))
            .with_target("type"))
        }
    };
    let display =
        wire::opt_str(body.get("senderDisplayName"), "senderDisplayName")?.unwrap_or_default();
    let metadata = wire::string_map(body.get("metadata"), "metadata")?.unwrap_or_default();
    let caller = ctx.claims.user.clone();
    state.thread_for(thread_id, &caller)?;
    let (id, at) = state.next_millis();
    let thread = state.thread_for(thread_id, &caller)?;
    let sequence_id = thread.messages.last().map_or(1, |m| m.sequence_id + 1);
    thread.last_message_received_on = at;
    thread.messages.push(Message {
        id: id.clone(),
        sequence_id,
        version: id.clone(),
        created_on: at,
        sender: Some(caller),
        sender_display_name: display,
        content: Content::Chat {
            html,
            message: content,
        },
        metadata: metadata.into_iter().collect(),
        edited_on: None,
        deleted_on: None,
    });
    events::message(state, thread_id, &id, MessageChange::Received);
    let location = format!(
        "{}/chat/threads/{}/messages/{id}",
        ctx.base,
        thread_id.replacen(':', "%3A", 1)
    );
    Ok(Reply::json(201, &json!({ "id": id })).header("Location", location))
}

/// `GET /chat/threads/{id}/messages`: newest first, paged by sequence id.
pub(crate) fn list(state: &mut State, ctx: &Ctx<'_>, thread_id: &str) -> Handled {
    let size = paging::page_size(ctx.query.get("maxPageSize"))?;
    let (below, start) = match ctx.query.get("syncState") {
        Some(s) => {
            let c = Cursor::decode(s, "messages", thread_id)?;
            (Some(c.position), c.start_ms)
        }
        None => (None, start_ms(ctx)?),
    };
    let thread = state.thread_for(thread_id, &ctx.claims.user)?;
    let mut visible = thread
        .messages
        .iter()
        .rev()
        .filter(|m| below.is_none_or(|b| m.sequence_id < b))
        .filter(|m| start.is_none_or(|s| m.created_on.unix_millis() >= i128::from(s)));
    let page: Vec<&Message> = visible.by_ref().take(size).collect();
    let more = visible.next().is_some();
    let mut body = Map::new();
    body.insert(
        "value".into(),
        Value::Array(page.iter().map(|m| render(m, ctx.api)).collect()),
    );
    if let (true, Some(last)) = (more, page.last()) {
        let cursor = Cursor {
            kind: "messages".into(),
            scope: thread_id.to_owned(),
            position: last.sequence_id,
            start_ms: start,
        };
        let path = format!("/chat/threads/{thread_id}/messages");
        body.insert(
            "nextLink".into(),
            Value::String(paging::next_link(ctx.base, &path, &cursor, size, ctx.api)),
        );
    }
    Ok(Reply::json(200, &Value::Object(body)))
}

/// `GET /chat/threads/{id}/messages/{messageId}`.
pub(crate) fn get(state: &mut State, ctx: &Ctx<'_>, thread_id: &str, message_id: &str) -> Handled {
    let thread = state.thread_for(thread_id, &ctx.claims.user)?;
    let message = thread.message_mut(message_id)?;
    Ok(Reply::json(200, &render(message, ctx.api)))
}

/// `PATCH /chat/threads/{id}/messages/{messageId}` (merge-patch): content and metadata; only
/// the sender may edit; a deleted message is 404.
pub(crate) fn update(
    state: &mut State,
    ctx: &Ctx<'_>,
    thread_id: &str,
    message_id: &str,
    body: &[u8],
) -> Handled {
    let body = wire::body_json(body, true)?;
    let content = wire::opt_str(body.get("content"), "content")?;
    let metadata = wire::string_map(body.get("metadata"), "metadata")?;
    let caller = ctx.claims.user.clone();
    state
        .thread_for(thread_id, &caller)?
        .message_mut(message_id)?;
    let (version, at) = state.next_millis();
    let message = state
        .thread_for(thread_id, &caller)?
        .message_mut(message_id)?;
    if message.deleted_on.is_some() {
        return Err(AcsError::not_found("The message was deleted.").with_target(message_id));
    }
    if message.sender.as_deref() != Some(caller.as_str()) {
        return Err(AcsError::forbidden("Only the sender can edit a message."));
    }
    if let (Some(new), Content::Chat { message: text, .. }) = (content, &mut message.content) {
        *text = new;
    }
    for (k, v) in metadata.unwrap_or_default() {
        if v.is_empty() {
            message.metadata.remove(&k);
        } else {
            message.metadata.insert(k, v);
        }
    }
    message.version = version;
    message.edited_on = Some(at);
    events::message(state, thread_id, message_id, MessageChange::Edited);
    Ok(Reply::empty(204))
}

/// `DELETE /chat/threads/{id}/messages/{messageId}`: only the sender; repeat is 204.
pub(crate) fn delete(
    state: &mut State,
    ctx: &Ctx<'_>,
    thread_id: &str,
    message_id: &str,
) -> Handled {
    let caller = ctx.claims.user.clone();
    let message = state
        .thread_for(thread_id, &caller)?
        .message_mut(message_id)?;
    if message.sender.as_deref() != Some(caller.as_str()) {
        return Err(AcsError::forbidden("Only the sender can delete a message."));
    }
    if message.deleted_on.is_some() {
        return Ok(Reply::empty(204));
    }
    let (version, at) = state.next_millis();
    let message = state
        .thread_for(thread_id, &caller)?
        .message_mut(message_id)?;
    message.version = version;
    message.deleted_on = Some(at);
    message.metadata.clear();
    events::message(state, thread_id, message_id, MessageChange::Deleted);
    Ok(Reply::empty(204))
}

/// A `ChatMessage` for `api`.
pub(crate) fn render(m: &Message, api: ChatApi) -> Value {
    let kind = match &m.content {
        Content::Chat { html: false, .. } => "text",
        Content::Chat { html: true, .. } => "html",
        Content::Topic { .. } => "topicUpdated",
        Content::Participants { added: true, .. } => "participantAdded",
        Content::Participants { added: false, .. } => "participantRemoved",
    };
    let mut obj = Map::new();
    obj.insert("id".into(), json!(m.id));
    obj.insert("type".into(), json!(kind));
    obj.insert("sequenceId".into(), json!(m.sequence_id.to_string()));
    obj.insert("version".into(), json!(m.version));
    if m.deleted_on.is_none() {
        obj.insert("content".into(), render_content(&m.content, api));
    }
    if m.sender.is_some() {
        obj.insert("senderDisplayName".into(), json!(m.sender_display_name));
    }
    obj.insert("createdOn".into(), wire::time(m.created_on));
    if let Some(sender) = &m.sender {
        obj.insert(
            "senderCommunicationIdentifier".into(),
            wire::identifier(sender, api),
        );
    }
    if let Some(t) = m.deleted_on {
        obj.insert("deletedOn".into(), wire::time(t));
    }
    if let Some(t) = m.edited_on {
        obj.insert("editedOn".into(), wire::time(t));
    }
    if !m.metadata.is_empty() {
        obj.insert("metadata".into(), json!(m.metadata));
    }
    Value::Object(obj)
}

fn render_content(content: &Content, api: ChatApi) -> Value {
    match content {
        Content::Chat { message, .. } => {
            let mut obj = json!({ "message": message });
            if api.has_attachments() {
                obj["attachments"] = json!([]);
            }
            obj
        }
        Content::Topic { topic, initiator } => json!({
            "topic": topic,
            "initiatorCommunicationIdentifier": wire::identifier(initiator, api),
        }),
        Content::Participants {
            participants,
            initiator,
            ..
        } => json!({
            "participants": participants.iter().map(|p| render_participant(p, api)).collect::<Vec<_>>(),
            "initiatorCommunicationIdentifier": wire::identifier(initiator, api),
        }),
    }
}
