//! Typing notifications.
//!
//! REST reference: <https://learn.microsoft.com/rest/api/communication/chat/chat-thread/send-typing-notification>.
//!
//! ```
//! use chat_core::typing::SendTypingNotification;
//! use chat_core::{ChatContext, Endpoint, Operation};
//!
//! let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
//! let op = SendTypingNotification::new("19:abc@thread.v2").sender_display_name("John");
//! let req = op.to_request(&ctx).unwrap();
//! assert_eq!(req.uri().path(), "/chat/threads/19%3Aabc%40thread.v2/typing");
//! assert_eq!(req.body(), br#"{"senderDisplayName":"John"}"#);
//! ```

use http::{Method, Request, Response, StatusCode};
use serde::Serialize;

use crate::participants::thread_path;
use crate::{
    expect_no_content, json_request, ChatContext, Error, Idempotency, Operation, APPLICATION_JSON,
};

/// Tells the thread's participants the user is typing (`POST /chat/threads/{id}/typing`, body
/// `{}` or `{"senderDisplayName": ...}`); the service answers 200 with an empty body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendTypingNotification {
    thread_id: String,
    sender_display_name: Option<String>,
}

impl SendTypingNotification {
    /// A typing notification for `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            sender_display_name: None,
        }
    }

    /// Sets the display name shown with the notification.
    pub fn sender_display_name(mut self, name: impl Into<String>) -> Self {
        self.sender_display_name = Some(name.into());
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_display_name: Option<&'a str>,
}

impl Operation for SendTypingNotification {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let path = thread_path(&self.thread_id, "/typing")?;
        let body = Body {
            sender_display_name: self.sender_display_name.as_deref(),
        };
        json_request(Method::POST, ctx.uri(&path, "")?, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::OK)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}
