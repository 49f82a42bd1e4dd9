//! chat-testkit
#![forbid(unsafe_code)]
