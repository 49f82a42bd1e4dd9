//! chat-ureq
#![forbid(unsafe_code)]
