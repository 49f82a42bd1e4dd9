//! The chat events the emulator's operations cause, built from its own state (not from
//! chat-core's event types, so that a shared bug could not hide): which events, for whom, and
//! their data, with every field the Event Grid schema requires.
//!
//! | operation | thread-scoped event | user-scoped events, one per recipient |
//! |---|---|---|
//! | create thread | `ChatThreadCreated` | `ChatThreadCreatedWithUser` to every participant |
//! | update thread | `ChatThreadPropertiesUpdated` | `ChatThreadPropertiesUpdatedPerUser` to every participant |
//! | delete thread | `ChatThreadDeleted` | `ChatThreadWithUserDeleted` to every participant |
//! | send / update / delete message | `ChatMessage{Received,Edited,Deleted}InThread` | `ChatMessage{Received,Edited,Deleted}` to every participant but the sender |
//! | add participants | `ChatThreadParticipantAdded` per participant added | `ChatParticipantAddedToThreadWithUser` per participant added, to every participant |
//! | remove participant | `ChatThreadParticipantRemoved` | `ChatParticipantRemovedFromThreadWithUser` to every participant and the removed one |
//! | typing notification | `ChatTypingIndicatorReceivedInThread` | — |
//!
//! One operation's events share a `transactionId`; every event has its own id. Nothing is built
//! while no webhook is subscribed.

use chat_core::Timestamp;
use serde_json::{json, Map, Value};

use super::state::{Content, Participant, State, Thread};
use super::wire::{self, ChatApi};

const PREFIX: &str = "Microsoft.Communication.";

/// Every event type the emulator publishes (all the chat event types of the schema).
pub(crate) const EVENT_TYPES: [&str; 17] = [
    "Microsoft.Communication.ChatThreadCreated",
    "Microsoft.Communication.ChatThreadCreatedWithUser",
    "Microsoft.Communication.ChatThreadPropertiesUpdated",
    "Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser",
    "Microsoft.Communication.ChatThreadDeleted",
    "Microsoft.Communication.ChatThreadWithUserDeleted",
    "Microsoft.Communication.ChatMessageReceived",
    "Microsoft.Communication.ChatMessageReceivedInThread",
    "Microsoft.Communication.ChatMessageEdited",
    "Microsoft.Communication.ChatMessageEditedInThread",
    "Microsoft.Communication.ChatMessageDeleted",
    "Microsoft.Communication.ChatMessageDeletedInThread",
    "Microsoft.Communication.ChatThreadParticipantAdded",
    "Microsoft.Communication.ChatParticipantAddedToThreadWithUser",
    "Microsoft.Communication.ChatThreadParticipantRemoved",
    "Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser",
    "Microsoft.Communication.ChatTypingIndicatorReceivedInThread",
];

/// One event, before it is put in a subscription's envelope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventRecord {
    pub(crate) id: String,
    pub(crate) event_type: String,
    pub(crate) subject: String,
    pub(crate) time: Timestamp,
    pub(crate) thread_id: String,
    pub(crate) data: Value,
}

/// Which change a message event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageChange {
    Received,
    Edited,
    Deleted,
}

/// The events of one operation: its time and transaction id, the thread's state.
struct Batch {
    time: Timestamp,
    transaction_id: String,
    thread_id: String,
    records: Vec<EventRecord>,
}

impl Batch {
    /// Starts the events of an operation on `thread_id`, or `None` when nobody listens.
    fn start(state: &mut State, thread_id: &str) -> Option<Self> {
        if !state.publishing_events() {
            return None;
        }
        let time = state.now();
        Some(Self {
            time,
            transaction_id: format!(
                "{}.1.1.1.1.{}.1",
                uuid::Uuid::new_v4().simple(),
                time.unix_millis() % 1_000_000_000
            ),
            thread_id: thread_id.to_owned(),
            records: Vec::new(),
        })
    }

    /// Adds an event; `recipient` makes it user-scoped (and extends its subject).
    fn push(
        &mut self,
        name: &str,
        subject: &str,
        recipient: Option<&str>,
        mut data: Map<String, Value>,
    ) {
        let mut subject = format!("thread/{}/{subject}", self.thread_id);
        if let Some(r) = recipient {
            subject.push_str("/recipient/");
            subject.push_str(r);
            data.insert("recipientCommunicationIdentifier".into(), identifier(r));
        }
        data.insert("transactionId".into(), json!(self.transaction_id));
        data.insert("threadId".into(), json!(self.thread_id));
        self.records.push(EventRecord {
            id: uuid::Uuid::new_v4().to_string(),
            event_type: format!("{PREFIX}{name}"),
            subject,
            time: self.time,
            thread_id: self.thread_id.clone(),
            data: Value::Object(data),
        });
    }

    /// A thread-scoped event, then one user-scoped event per recipient.
    fn fan_out<'a>(
        &mut self,
        in_thread: &str,
        per_user: &str,
        subject: &str,
        recipients: impl IntoIterator<Item = &'a str>,
        data: &Map<String, Value>,
    ) {
        self.push(in_thread, subject, None, data.clone());
        for r in recipients {
            self.push(per_user, subject, Some(r), data.clone());
        }
    }

    fn finish(self, state: &mut State) {
        state.queue_events(self.records);
    }
}

/// The wire form events use: `rawId` and the kind's object, without `kind`.
fn identifier(raw_id: &str) -> Value {
    wire::identifier(raw_id, ChatApi::V2021_09_07)
}

fn participant(p: &Participant) -> Value {
    let mut obj = Map::new();
    if let Some(name) = &p.display_name {
        obj.insert("displayName".into(), json!(name));
    }
    obj.insert(
        "participantCommunicationIdentifier".into(),
        identifier(&p.raw_id),
    );
    if !p.metadata.is_empty() {
        obj.insert("metadata".into(), json!(p.metadata));
    }
    Value::Object(obj)
}

/// `createTime` and `version` of a thread event.
fn thread_fields(thread: &Thread, time: Timestamp) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("createTime".into(), wire::time(thread.created_on));
    data.insert("version".into(), json!(time.unix_millis()));
    data
}

/// `properties` and `metadata` of a thread.
fn properties(thread: &Thread, data: &mut Map<String, Value>) {
    data.insert("properties".into(), json!({ "topic": thread.topic }));
    data.insert("metadata".into(), json!(thread.metadata));
}

fn raw_ids(thread: &Thread) -> Vec<String> {
    thread
        .participants
        .iter()
        .map(|p| p.raw_id.clone())
        .collect()
}

/// The events of a change to a thread, told to every participant: `data` builds the event's
/// data from the thread and the event's time.
fn thread_change(
    state: &mut State,
    thread_id: &str,
    (in_thread, per_user): (&str, &str),
    subject: &str,
    data: impl FnOnce(&Thread, Timestamp) -> Map<String, Value>,
) {
    let Some(mut batch) = Batch::start(state, thread_id) else {
        return;
    };
    let Some(thread) = state.threads.get(thread_id) else {
        return;
    };
    let data = data(thread, batch.time);
    let recipients = raw_ids(thread);
    batch.fan_out(
        in_thread,
        per_user,
        subject,
        recipients.iter().map(String::as_str),
        &data,
    );
    batch.finish(state);
}

/// A thread was created (by its creator).
pub(crate) fn thread_created(state: &mut State, thread_id: &str, creator: &str) {
    let names = ("ChatThreadCreated", "ChatThreadCreatedWithUser");
    thread_change(
        state,
        thread_id,
        names,
        &format!("createdBy/{creator}"),
        |thread, _| {
            let mut data = thread_fields(thread, thread.created_on);
            data.insert(
                "createdByCommunicationIdentifier".into(),
                identifier(creator),
            );
            properties(thread, &mut data);
            let participants = thread.participants.iter().map(participant).collect();
            data.insert("participants".into(), participants);
            data
        },
    );
}

/// A thread's topic or metadata changed, by `editor`.
pub(crate) fn thread_updated(state: &mut State, thread_id: &str, editor: &str) {
    let names = (
        "ChatThreadPropertiesUpdated",
        "ChatThreadPropertiesUpdatedPerUser",
    );
    thread_change(
        state,
        thread_id,
        names,
        &format!("editedBy/{editor}"),
        |thread, time| {
            let mut data = thread_fields(thread, time);
            data.insert("editedByCommunicationIdentifier".into(), identifier(editor));
            data.insert("editTime".into(), wire::time(time));
            properties(thread, &mut data);
            data
        },
    );
}

/// A thread was deleted by `deleter`.
pub(crate) fn thread_deleted(state: &mut State, thread_id: &str, deleter: &str) {
    let names = ("ChatThreadDeleted", "ChatThreadWithUserDeleted");
    thread_change(
        state,
        thread_id,
        names,
        &format!("deletedBy/{deleter}"),
        |thread, time| {
            let mut data = thread_fields(thread, time);
            data.insert(
                "deletedByCommunicationIdentifier".into(),
                identifier(deleter),
            );
            let deleted = thread.deleted_on.unwrap_or(time);
            data.insert("deleteTime".into(), wire::time(deleted));
            data
        },
    );
}

/// A user message was sent, edited or deleted.
pub(crate) fn message(state: &mut State, thread_id: &str, message_id: &str, change: MessageChange) {
    let Some(mut batch) = Batch::start(state, thread_id) else {
        return;
    };
    let Some(thread) = state.threads.get(thread_id) else {
        return;
    };
    let Some(m) = thread.messages.iter().find(|m| m.id == message_id) else {
        return;
    };
    let (
        Some(sender),
        Content::Chat {
            html,
            message: body,
        },
    ) = (&m.sender, &m.content)
    else {
        return;
    };
    let mut data = Map::new();
    data.insert("messageId".into(), json!(m.id));
    data.insert("senderCommunicationIdentifier".into(), identifier(sender));
    data.insert("senderDisplayName".into(), json!(m.sender_display_name));
    data.insert("composeTime".into(), wire::time(m.created_on));
    data.insert("type".into(), json!(if *html { "Html" } else { "Text" }));
    data.insert(
        "version".into(),
        json!(m.version.parse::<i64>().unwrap_or_default()),
    );
    let name = match change {
        MessageChange::Received => "ChatMessageReceived",
        MessageChange::Edited => "ChatMessageEdited",
        MessageChange::Deleted => "ChatMessageDeleted",
    };
    match change {
        MessageChange::Received | MessageChange::Edited => {
            data.insert("messageBody".into(), json!(body));
            data.insert("metadata".into(), json!(m.metadata));
        }
        MessageChange::Deleted => {}
    }
    if let (MessageChange::Edited, Some(t)) = (change, m.edited_on) {
        data.insert("editTime".into(), wire::time(t));
    }
    if let (MessageChange::Deleted, Some(t)) = (change, m.deleted_on) {
        data.insert("deleteTime".into(), wire::time(t));
    }
    let recipients: Vec<String> = raw_ids(thread)
        .into_iter()
        .filter(|r| r != sender)
        .collect();
    let subject = format!("sender/{sender}");
    batch.fan_out(
        &format!("{name}InThread"),
        name,
        &subject,
        recipients.iter().map(String::as_str),
        &data,
    );
    batch.finish(state);
}

/// Participants were added by `by` (or removed, when `added` is false).
pub(crate) fn participants_changed(
    state: &mut State,
    thread_id: &str,
    changed: &[Participant],
    by: &str,
    added: bool,
) {
    if changed.is_empty() {
        return;
    }
    let Some(mut batch) = Batch::start(state, thread_id) else {
        return;
    };
    let Some(thread) = state.threads.get(thread_id) else {
        return;
    };
    let (in_thread, per_user, by_key, who_key) = if added {
        (
            "ChatThreadParticipantAdded",
            "ChatParticipantAddedToThreadWithUser",
            "addedByCommunicationIdentifier",
            "participantAdded",
        )
    } else {
        (
            "ChatThreadParticipantRemoved",
            "ChatParticipantRemovedFromThreadWithUser",
            "removedByCommunicationIdentifier",
            "participantRemoved",
        )
    };
    let mut recipients = raw_ids(thread);
    for p in changed {
        if !recipients.contains(&p.raw_id) {
            recipients.push(p.raw_id.clone());
        }
    }
    for p in changed {
        let mut data = thread_fields(thread, batch.time);
        data.insert("time".into(), wire::time(batch.time));
        data.insert(by_key.into(), identifier(by));
        data.insert(who_key.into(), participant(p));
        // The service writes `participantadded` in thread-scoped subjects, `participantAdded`
        // in user-scoped ones.
        let subject = format!("{}/{}", who_key.to_ascii_lowercase(), p.raw_id);
        batch.push(in_thread, &subject, None, data.clone());
        let subject = format!("{who_key}/{}", p.raw_id);
        for r in &recipients {
            batch.push(per_user, &subject, Some(r), data.clone());
        }
    }
    batch.finish(state);
}

/// `sender` is typing.
///
/// The schema requires `messageId`, `type` and `messageBody` although a typing notification
/// has no message (the service's own examples leave them out): the emulator sends a fresh
/// message-shaped id, `Text` and an empty body, so that a strict reader accepts the event.
pub(crate) fn typing(state: &mut State, thread_id: &str, sender: &str, display_name: &str) {
    let Some(mut batch) = Batch::start(state, thread_id) else {
        return;
    };
    let (id, at) = state.next_millis();
    let mut data = Map::new();
    data.insert("messageId".into(), json!(id));
    data.insert("senderCommunicationIdentifier".into(), identifier(sender));
    data.insert("senderDisplayName".into(), json!(display_name));
    data.insert("composeTime".into(), wire::time(at));
    data.insert("type".into(), json!("Text"));
    data.insert("messageBody".into(), json!(""));
    batch.push(
        "ChatTypingIndicatorReceivedInThread",
        &format!("sender/{sender}"),
        None,
        data,
    );
    batch.finish(state);
}
