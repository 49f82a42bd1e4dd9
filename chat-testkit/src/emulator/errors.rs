//! ACS-shaped errors and the replies the service sends.

use serde_json::{json, Value};

/// A reply the service logic produced, before the HTTP layer writes it.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    /// `None`: no body at all (204, 200 with empty body).
    pub(crate) body: Option<Vec<u8>>,
}

impl Reply {
    /// A JSON body with the given status.
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Some(serde_json::to_vec(value).unwrap_or_default()),
        }
    }

    /// An empty body with the given status (204, or 200 for typing and read receipts).
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// An error as the service reports it: `{"error": {"code", "message", "target"?}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcsError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) target: Option<String>,
}

impl AcsError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            target: None,
        }
    }

    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "Unauthorized", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFound", message)
    }

    /// The `CommunicationError` object (without the `error` wrapper).
    pub(crate) fn to_error_object(&self) -> Value {
        let mut obj = json!({ "code": self.code, "message": self.message });
        if let (Some(target), Some(map)) = (&self.target, obj.as_object_mut()) {
            map.insert("target".to_owned(), Value::String(target.clone()));
        }
        obj
    }

    /// The whole reply: status and `CommunicationErrorResponse` body.
    pub(crate) fn to_reply(&self) -> Reply {
        Reply::json(self.status, &json!({ "error": self.to_error_object() }))
    }
}

/// The result of a handler.
pub(crate) type Handled = Result<Reply, AcsError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_acs_shape() {
        let reply = AcsError::not_found("no such thread")
            .with_target("19:x@thread.v2")
            .to_reply();
        assert_eq!(reply.status, 404);
        let body: Value = serde_json::from_slice(&reply.body.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": "NotFound", "message": "no such thread", "target": "19:x@thread.v2"}})
        );
    }
}
