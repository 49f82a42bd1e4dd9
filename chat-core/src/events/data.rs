//! An event's `data`, typed by its event type: every chat event of the schema, the two Event
//! Grid system events a webhook meets, and anything else kept as JSON.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::thread_events::{
    ChatMessageDeletedInThread, ChatMessageEditedInThread, ChatMessageReceivedInThread,
    ChatThreadCreated, ChatThreadDeleted, ChatThreadParticipantAdded, ChatThreadParticipantRemoved,
    ChatThreadPropertiesUpdated, ChatTypingIndicatorReceivedInThread,
};
use super::user_events::{
    ChatMessageDeleted, ChatMessageEdited, ChatMessageReceived,
    ChatParticipantAddedToThreadWithUser, ChatParticipantRemovedFromThreadWithUser,
    ChatThreadCreatedWithUser, ChatThreadPropertiesUpdatedPerUser, ChatThreadWithUserDeleted,
};
use crate::identifier::CommunicationIdentifier;

/// Every `Microsoft.Communication.Chat*` event type the Event Grid schema defines.
pub const CHAT_EVENT_TYPES: [&str; 18] = [
    "Microsoft.Communication.ChatMessageReceived",
    "Microsoft.Communication.ChatMessageEdited",
    "Microsoft.Communication.ChatMessageDeleted",
    "Microsoft.Communication.ChatThreadCreatedWithUser",
    "Microsoft.Communication.ChatThreadWithUserDeleted",
    "Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser",
    "Microsoft.Communication.ChatParticipantAddedToThreadWithUser",
    "Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser",
    "Microsoft.Communication.ChatMessageReceivedInThread",
    "Microsoft.Communication.ChatMessageEditedInThread",
    "Microsoft.Communication.ChatMessageDeletedInThread",
    "Microsoft.Communication.ChatThreadCreated",
    "Microsoft.Communication.ChatThreadDeleted",
    "Microsoft.Communication.ChatThreadPropertiesUpdated",
    "Microsoft.Communication.ChatThreadParticipantAdded",
    "Microsoft.Communication.ChatThreadParticipantRemoved",
    "Microsoft.Communication.ChatAzureBotCommandReceivedInThread",
    "Microsoft.Communication.ChatTypingIndicatorReceivedInThread",
];

/// The event type of Event Grid's subscription validation handshake.
pub const SUBSCRIPTION_VALIDATION_EVENT: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";

/// `Microsoft.EventGrid.SubscriptionValidationEvent` (`SubscriptionValidationEventData`): Event
/// Grid asks the webhook to prove it wants the subscription's events.
/// [`Webhook::handle`](super::Webhook::handle) answers it.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionValidation {
    /// The code to echo back as `validationResponse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_code: Option<String>,
    /// A URL to GET instead of echoing the code (manual validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.EventGrid.SubscriptionDeletedEvent` (`SubscriptionDeletedEventData`): the
/// subscription that delivered to this webhook was deleted.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionDeleted {
    /// The deleted subscription's resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_subscription_id: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Where an event belongs: its thread, and for user-scoped events its recipient.
#[derive(Default)]
struct Scope<'a> {
    thread_id: Option<&'a str>,
    recipient: Option<&'a CommunicationIdentifier>,
}

macro_rules! scope {
    (user, $d:ident) => {
        Scope {
            thread_id: $d.thread_id.as_deref(),
            recipient: $d.recipient.as_ref(),
        }
    };
    (thread, $d:ident) => {
        Scope {
            thread_id: Some($d.thread_id.as_str()),
            recipient: None,
        }
    };
    (system, $d:ident) => {{
        let _ = $d;
        Scope::default()
    }};
}

macro_rules! event_data {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $wire:literal, $scope:ident; )*) => {
        /// The `data` of an event, typed by the event's type.
        ///
        /// An event type this crate does not model (such as the legacy
        /// `Microsoft.Communication.ChatMemberAddedToThreadWithUser`) is [`EventData::Other`]
        /// with its data as sent, never an error.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum EventData {
            $( $(#[$doc])* $variant($ty), )*
            /// An event type this crate does not model; its `data` as sent (`null` when the
            /// event had none).
            Other(Value),
        }

        impl EventData {
            /// Reads `data` as the data of `event_type`.
            pub(super) fn from_json(event_type: &str, data: Value) -> Result<Self, serde_json::Error> {
                Ok(match event_type {
                    $( $wire => Self::$variant(serde_json::from_value(data)?), )*
                    _ => Self::Other(data),
                })
            }

            /// The event type this data is typed for; `None` for [`EventData::Other`].
            pub fn event_type(&self) -> Option<&'static str> {
                match self {
                    $( Self::$variant(_) => Some($wire), )*
                    Self::Other(_) => None,
                }
            }

            fn scope(&self) -> Scope<'_> {
                match self {
                    $( Self::$variant(d) => scope!($scope, d), )*
                    Self::Other(_) => Scope::default(),
                }
            }
        }

        impl Serialize for EventData {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(d) => d.serialize(s), )*
                    Self::Other(v) => v.serialize(s),
                }
            }
        }
    };
}

event_data! {
    /// `Microsoft.Communication.ChatAzureBotCommandReceivedInThread`: a message for a bot
    /// (same data as a message received in a thread).
    ChatAzureBotCommandReceivedInThread(ChatMessageReceivedInThread)
        = "Microsoft.Communication.ChatAzureBotCommandReceivedInThread", thread;
    /// `Microsoft.Communication.ChatMessageDeleted`.
    ChatMessageDeleted(ChatMessageDeleted) = "Microsoft.Communication.ChatMessageDeleted", user;
    /// `Microsoft.Communication.ChatMessageDeletedInThread`.
    ChatMessageDeletedInThread(ChatMessageDeletedInThread)
        = "Microsoft.Communication.ChatMessageDeletedInThread", thread;
    /// `Microsoft.Communication.ChatMessageEdited`.
    ChatMessageEdited(ChatMessageEdited) = "Microsoft.Communication.ChatMessageEdited", user;
    /// `Microsoft.Communication.ChatMessageEditedInThread`.
    ChatMessageEditedInThread(ChatMessageEditedInThread)
        = "Microsoft.Communication.ChatMessageEditedInThread", thread;
    /// `Microsoft.Communication.ChatMessageReceived`.
    ChatMessageReceived(ChatMessageReceived) = "Microsoft.Communication.ChatMessageReceived", user;
    /// `Microsoft.Communication.ChatMessageReceivedInThread`.
    ChatMessageReceivedInThread(ChatMessageReceivedInThread)
        = "Microsoft.Communication.ChatMessageReceivedInThread", thread;
    /// `Microsoft.Communication.ChatParticipantAddedToThreadWithUser`.
    ChatParticipantAddedToThreadWithUser(ChatParticipantAddedToThreadWithUser)
        = "Microsoft.Communication.ChatParticipantAddedToThreadWithUser", user;
    /// `Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser`.
    ChatParticipantRemovedFromThreadWithUser(ChatParticipantRemovedFromThreadWithUser)
        = "Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser", user;
    /// `Microsoft.Communication.ChatThreadCreated`.
    ChatThreadCreated(ChatThreadCreated) = "Microsoft.Communication.ChatThreadCreated", thread;
    /// `Microsoft.Communication.ChatThreadCreatedWithUser`.
    ChatThreadCreatedWithUser(ChatThreadCreatedWithUser)
        = "Microsoft.Communication.ChatThreadCreatedWithUser", user;
    /// `Microsoft.Communication.ChatThreadDeleted`.
    ChatThreadDeleted(ChatThreadDeleted) = "Microsoft.Communication.ChatThreadDeleted", thread;
    /// `Microsoft.Communication.ChatThreadParticipantAdded`.
    ChatThreadParticipantAdded(ChatThreadParticipantAdded)
        = "Microsoft.Communication.ChatThreadParticipantAdded", thread;
    /// `Microsoft.Communication.ChatThreadParticipantRemoved`.
    ChatThreadParticipantRemoved(ChatThreadParticipantRemoved)
        = "Microsoft.Communication.ChatThreadParticipantRemoved", thread;
    /// `Microsoft.Communication.ChatThreadPropertiesUpdated`.
    ChatThreadPropertiesUpdated(ChatThreadPropertiesUpdated)
        = "Microsoft.Communication.ChatThreadPropertiesUpdated", thread;
    /// `Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser`.
    ChatThreadPropertiesUpdatedPerUser(ChatThreadPropertiesUpdatedPerUser)
        = "Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser", user;
    /// `Microsoft.Communication.ChatThreadWithUserDeleted`.
    ChatThreadWithUserDeleted(ChatThreadWithUserDeleted)
        = "Microsoft.Communication.ChatThreadWithUserDeleted", user;
    /// `Microsoft.Communication.ChatTypingIndicatorReceivedInThread`.
    ChatTypingIndicatorReceivedInThread(ChatTypingIndicatorReceivedInThread)
        = "Microsoft.Communication.ChatTypingIndicatorReceivedInThread", thread;
    /// `Microsoft.EventGrid.SubscriptionDeletedEvent`.
    SubscriptionDeleted(SubscriptionDeleted) = "Microsoft.EventGrid.SubscriptionDeletedEvent", system;
    /// `Microsoft.EventGrid.SubscriptionValidationEvent`, answered by the webhook handshake.
    SubscriptionValidation(SubscriptionValidation) = "Microsoft.EventGrid.SubscriptionValidationEvent", system;
}

impl EventData {
    /// The thread the event is about, when it names one.
    pub fn thread_id(&self) -> Option<&str> {
        self.scope().thread_id
    }

    /// Who a user-scoped event is for; `None` for thread-scoped events (and when a user-scoped
    /// event omits it).
    pub fn recipient(&self) -> Option<&CommunicationIdentifier> {
        self.scope().recipient
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_chat_event_type_is_typed() {
        for event_type in CHAT_EVENT_TYPES {
            // Known types need their data: null is an error, not `Other`.
            assert!(
                EventData::from_json(event_type, Value::Null).is_err(),
                "{event_type}"
            );
        }
        let other = EventData::from_json("Contoso.Thing", json!({"a": 1})).unwrap();
        assert_eq!(other, EventData::Other(json!({"a": 1})));
        assert_eq!(other.event_type(), None);
        assert_eq!(other.thread_id(), None);
    }

    #[test]
    fn scope_of_user_and_thread_events() {
        let sender = json!({"rawId": "8:acs:r_s", "communicationUser": {"id": "8:acs:r_s"}});
        let recipient = json!({"rawId": "8:acs:r_r", "communicationUser": {"id": "8:acs:r_r"}});
        let user = EventData::from_json(
            "Microsoft.Communication.ChatMessageDeleted",
            json!({"messageId": "1", "type": "Text", "senderCommunicationIdentifier": sender,
                   "recipientCommunicationIdentifier": recipient, "threadId": "19:t"}),
        )
        .unwrap();
        assert_eq!(user.thread_id(), Some("19:t"));
        assert_eq!(user.recipient().map(|r| r.raw_id()), Some("8:acs:r_r"));
        let thread = EventData::from_json(
            "Microsoft.Communication.ChatThreadDeleted",
            json!({"threadId": "19:t", "transactionId": "x",
                   "deletedByCommunicationIdentifier": sender}),
        )
        .unwrap();
        assert_eq!(thread.thread_id(), Some("19:t"));
        assert_eq!(thread.recipient(), None);
        assert_eq!(
            thread.event_type(),
            Some("Microsoft.Communication.ChatThreadDeleted")
        );
    }
}
