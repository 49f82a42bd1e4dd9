//! Chat messages: send, read, list, edit and delete them.
//!
//! | operation | request | success |
//! |---|---|---|
//! | [`SendMessage`] | `POST /chat/threads/{id}/messages` | 201 [`SendMessageResult`] |
//! | [`GetMessage`] | `GET /chat/threads/{id}/messages/{messageId}` | 200 [`ChatMessage`] |
//! | [`ListMessages`] | `GET /chat/threads/{id}/messages` (paged) | 200 [`ChatMessage`]s |
//! | [`UpdateMessage`] | `PATCH /chat/threads/{id}/messages/{messageId}` (merge patch) | 204 |
//! | [`DeleteMessage`] | `DELETE /chat/threads/{id}/messages/{messageId}` | 204 |
//!
//! Message metadata and the sender display name exist in every supported API version
//! (2021-09-07 and later). Attachments are received only (Teams interop, 2023-11-07 and later).

mod model;
mod ops;

pub use model::{
    ChatAttachment, ChatAttachmentType, ChatMessage, ChatMessageContent, ChatMessageType,
    SendMessageResult, SystemMessage,
};
pub use ops::{DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage};
