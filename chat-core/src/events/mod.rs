//! Receiving chat events: what the service pushes to applications through Azure Event Grid.
//!
//! The service publishes chat activity (a message received, edited or deleted; a thread
//! created, updated or deleted; a participant added or removed; typing) to Event Grid, which
//! delivers it to a webhook. This module is the webhook's protocol, with no I/O:
//!
//! - [`Webhook::handle`] turns an incoming [`http::Request`] into a [`WebhookAction`]: the
//!   answer to Event Grid's subscription validation (`validationResponse`), the answer to the
//!   CloudEvents abuse-protection `OPTIONS` request (`WebHook-Allowed-Origin`), a refusal (a
//!   missing [`SharedSecret`], an unreadable body), or the parsed events.
//! - [`parse_events`] reads a delivery in either envelope: the Event Grid schema (an array) or
//!   CloudEvents 1.0 (one event, or a batch).
//! - [`EventData`] types the data of every `Microsoft.Communication.Chat*` event of the schema
//!   ([`CHAT_EVENT_TYPES`]), user-scoped (one event per recipient, named in `recipient`) and
//!   thread-scoped (one per thread). Identifiers are [`CommunicationIdentifier`]s and times
//!   [`Timestamp`](crate::Timestamp)s.
//!
//! Nothing a delivery carries is lost: an unknown event type is [`EventData::Other`] with its
//! data, unknown envelope attributes are in [`Event::attributes`], and unknown data fields in
//! each data type's `other` map. The service's own examples differ from its schema in places
//! (CloudEvents' `specVersion` spelled with a capital, `version` sent as a string, fields the
//! schema requires left out); every one of them is read, and a field that any example leaves
//! out is an `Option`.
//!
//! Deliveries are at least once: the same event (same [`Event::id`]) can arrive twice, and in
//! any order. Deduplicate by id.
//!
//! A server loop around [`Webhook::handle`] is the whole transport; `chat-hyper`'s
//! `event_webhook` example is one.
//!
//! [`CommunicationIdentifier`]: crate::identifier::CommunicationIdentifier

mod data;
mod envelope;
mod error;
mod fields;
mod thread_events;
mod user_events;
mod webhook;

pub use data::{
    EventData, SubscriptionDeleted, SubscriptionValidation, CHAT_EVENT_TYPES,
    SUBSCRIPTION_VALIDATION_EVENT,
};
pub use envelope::{parse_events, Event, EventSchema, MAX_DELIVERY_BYTES};
pub use error::EventError;
pub use fields::EventParticipant;
pub use thread_events::{
    ChatMessageDeletedInThread, ChatMessageEditedInThread, ChatMessageReceivedInThread,
    ChatThreadCreated, ChatThreadDeleted, ChatThreadParticipantAdded, ChatThreadParticipantRemoved,
    ChatThreadPropertiesUpdated, ChatTypingIndicatorReceivedInThread,
};
pub use user_events::{
    ChatMessageDeleted, ChatMessageEdited, ChatMessageReceived,
    ChatParticipantAddedToThreadWithUser, ChatParticipantRemovedFromThreadWithUser,
    ChatThreadCreatedWithUser, ChatThreadPropertiesUpdatedPerUser, ChatThreadWithUserDeleted,
};
pub use webhook::{
    accepted, SharedSecret, Webhook, WebhookAction, WEBHOOK_ALLOWED_ORIGIN, WEBHOOK_ALLOWED_RATE,
    WEBHOOK_REQUEST_ORIGIN,
};
