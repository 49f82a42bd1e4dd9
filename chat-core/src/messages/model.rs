//! The message models: messages, their content, attachments, and the extensible string enums.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::identifier::CommunicationIdentifier;
use crate::participants::ChatParticipant;
use crate::Timestamp;

/// A chat message, as the service returns it: a user's text or HTML message, or a system
/// message (topic updated, participant added or removed).
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessage {
    /// The message id (the service uses the creation time in Unix milliseconds).
    pub id: String,
    /// What kind of message this is.
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The position of the message in the thread, a numeric string.
    pub sequence_id: String,
    /// The version of the message: equal to the id until the message is edited.
    pub version: String,
    /// The content; absent on deleted messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ChatMessageContent>,
    /// The sender's display name (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    /// When the message was created.
    pub created_on: Timestamp,
    /// The sender; absent on system messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// When the message was deleted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<Timestamp>,
    /// When the message was last edited, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_on: Option<Timestamp>,
    /// The message's metadata (empty when it has none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl ChatMessage {
    /// A message with its required fields and nothing else (for emulators and tests; set the
    /// other fields directly).
    pub fn new(
        id: impl Into<String>,
        message_type: ChatMessageType,
        sequence_id: impl Into<String>,
        version: impl Into<String>,
        created_on: Timestamp,
    ) -> Self {
        Self {
            id: id.into(),
            message_type,
            sequence_id: sequence_id.into(),
            version: version.into(),
            content: None,
            sender_display_name: None,
            created_on,
            sender_communication_identifier: None,
            deleted_on: None,
            edited_on: None,
            metadata: BTreeMap::new(),
        }
    }

    /// The text or HTML of a user message: `content.message`. `None` for a deleted message
    /// and for system messages.
    ///
    /// ```
    /// # use chat_core::messages::{ChatMessage, ChatMessageContent, ChatMessageType};
    /// # use chat_core::Timestamp;
    /// let mut message = ChatMessage::new("1", ChatMessageType::Text, "3", "1", Timestamp::UNIX_EPOCH);
    /// message.content = Some(ChatMessageContent::message("Noodles?"));
    /// assert_eq!(message.text(), Some("Noodles?"));
    /// ```
    pub fn text(&self) -> Option<&str> {
        self.content.as_ref()?.message.as_deref()
    }

    /// The sender's raw id (`8:acs:...`, `4:+1...`, ...); `None` for system messages, which
    /// have no sender.
    pub fn sender_raw_id(&self) -> Option<&str> {
        self.sender_communication_identifier
            .as_ref()
            .map(CommunicationIdentifier::raw_id)
    }

    /// True once the message was deleted (it then has no content).
    pub fn is_deleted(&self) -> bool {
        self.deleted_on.is_some()
    }

    /// True for a message the service wrote: topic updated, participants added or removed.
    pub fn is_system_message(&self) -> bool {
        self.message_type.is_system()
    }

    /// What a system message says, `None` for user messages (text, HTML, or a type this
    /// client does not know).
    ///
    /// ```
    /// # use chat_core::messages::{ChatMessage, ChatMessageContent, ChatMessageType, SystemMessage};
    /// # use chat_core::Timestamp;
    /// let mut message =
    ///     ChatMessage::new("1", ChatMessageType::TopicUpdated, "2", "1", Timestamp::UNIX_EPOCH);
    /// let mut content = ChatMessageContent::default();
    /// content.topic = Some("Lunch".into());
    /// message.content = Some(content);
    /// match message.system_message() {
    ///     Some(SystemMessage::TopicUpdated { topic, .. }) => assert_eq!(topic, "Lunch"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn system_message(&self) -> Option<SystemMessage<'_>> {
        let content = self.content.as_ref();
        let initiator = content.and_then(|c| c.initiator_communication_identifier.as_ref());
        let participants = content.map_or(&[][..], |c| c.participants.as_slice());
        match self.message_type {
            ChatMessageType::TopicUpdated => Some(SystemMessage::TopicUpdated {
                topic: content.and_then(|c| c.topic.as_deref()).unwrap_or(""),
                initiator,
            }),
            ChatMessageType::ParticipantAdded => Some(SystemMessage::ParticipantsAdded {
                participants,
                initiator,
            }),
            ChatMessageType::ParticipantRemoved => Some(SystemMessage::ParticipantsRemoved {
                participants,
                initiator,
            }),
            _ => None,
        }
    }
}

/// What a system message says ([`ChatMessage::system_message`]), borrowed from the message.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum SystemMessage<'a> {
    /// The topic changed (`topicUpdated`).
    #[non_exhaustive]
    TopicUpdated {
        /// The new topic (empty if the service sent none).
        topic: &'a str,
        /// Who changed it.
        initiator: Option<&'a CommunicationIdentifier>,
    },
    /// Participants joined (`participantAdded`).
    #[non_exhaustive]
    ParticipantsAdded {
        /// Who joined.
        participants: &'a [ChatParticipant],
        /// Who added them.
        initiator: Option<&'a CommunicationIdentifier>,
    },
    /// Participants left or were removed (`participantRemoved`).
    #[non_exhaustive]
    ParticipantsRemoved {
        /// Who left.
        participants: &'a [ChatParticipant],
        /// Who removed them.
        initiator: Option<&'a CommunicationIdentifier>,
    },
}

/// The content of a message. Which fields are set depends on the message type: `message` for
/// text and HTML, `topic` for topic updates, `participants` for participant changes, with
/// `initiator_communication_identifier` on system messages.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageContent {
    /// The text or HTML of a user message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The new topic of a `topicUpdated` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The participants a `participantAdded` or `participantRemoved` message is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ChatParticipant>,
    /// Attachments (received only, from Teams interop; API 2023-11-07 and later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ChatAttachment>,
    /// Who caused a system message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator_communication_identifier: Option<CommunicationIdentifier>,
}

impl ChatMessageContent {
    /// Content carrying a user message's text or HTML.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            ..Self::default()
        }
    }
}

/// A file or image attached to a message (received only, from Teams interop).
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatAttachment {
    /// The attachment id.
    pub id: String,
    /// Image, file, or a kind this client does not know yet.
    pub attachment_type: ChatAttachmentType,
    /// The file extension (API 2023-11-07 only; later versions drop it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the attachment can be downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where a preview of the attachment can be downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
}

impl ChatAttachment {
    /// An attachment with its required fields (set the others directly).
    pub fn new(id: impl Into<String>, attachment_type: ChatAttachmentType) -> Self {
        Self {
            id: id.into(),
            attachment_type,
            extension: None,
            name: None,
            url: None,
            preview_url: None,
        }
    }
}

/// Defines an extensible string enum: known values, plus an `Unknown(String)` arm that keeps
/// whatever else the service sends. (De)serializes as the bare string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Eq, Hash, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this client does not know, kept as the service sent it.
            Unknown(String),
        }

        impl $name {
            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Unknown(_) => Self::Unknown(s),
                    known => known,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    // Known values allocate nothing; unknown ones keep the string.
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        Ok($name::from(s))
                    }
                    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<$name, E> {
                        Ok($name::from(s))
                    }
                }
                d.deserialize_str(Visitor)
            }
        }
    };
}

string_enum! {
    /// The type of a chat message. Only `Text` and `Html` can be sent; the others are system
    /// messages the service writes.
    ChatMessageType {
        /// Plain text.
        Text = "text",
        /// HTML.
        Html = "html",
        /// The thread's topic changed.
        TopicUpdated = "topicUpdated",
        /// Participants were added.
        ParticipantAdded = "participantAdded",
        /// Participants were removed.
        ParticipantRemoved = "participantRemoved",
    }
}

impl ChatMessageType {
    /// True for the types the service writes itself: topic updated, participants added or
    /// removed.
    pub fn is_system(&self) -> bool {
        matches!(
            self,
            Self::TopicUpdated | Self::ParticipantAdded | Self::ParticipantRemoved
        )
    }
}

string_enum! {
    /// The kind of an attachment.
    ChatAttachmentType {
        /// An image (API 2023-11-07 and later).
        Image = "image",
        /// A file (API 2024-03-07 and later).
        File = "file",
    }
}

/// The result of sending a message.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SendMessageResult {
    /// The new message's id.
    pub id: String,
}

impl SendMessageResult {
    /// A result carrying `id` (for emulators and tests).
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_enums_keep_unknown_values() {
        let t: ChatMessageType = serde_json::from_str("\"custom\"").unwrap();
        assert_eq!(t, ChatMessageType::Unknown("custom".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"custom\"");
        let t: ChatMessageType = serde_json::from_str("\"topicUpdated\"").unwrap();
        assert_eq!(t, ChatMessageType::TopicUpdated);
        assert_eq!(ChatAttachmentType::from("file"), ChatAttachmentType::File);
        assert_eq!(ChatAttachmentType::from("Image").as_str(), "Image");
        // Escaped, and owned (from a `Value`), strings read the same.
        let t: ChatMessageType = serde_json::from_str(r#""h\u0074ml""#).unwrap();
        assert_eq!(t, ChatMessageType::Html);
        let t: ChatAttachmentType = serde_json::from_value(serde_json::json!("gif")).unwrap();
        assert_eq!(t, ChatAttachmentType::Unknown("gif".into()));
        assert!(serde_json::from_str::<ChatMessageType>("5").is_err());
    }

    #[test]
    fn a_deleted_message_has_no_content() {
        let m: ChatMessage = serde_json::from_str(
            r#"{"id":"1","type":"text","sequenceId":"2","version":"1",
                "createdOn":"2024-02-16T23:47:16Z","deletedOn":"2024-02-16T23:48:16Z"}"#,
        )
        .unwrap();
        assert!(m.content.is_none());
        assert!(m.deleted_on.is_some());
        assert!(m.metadata.is_empty());
    }
}
