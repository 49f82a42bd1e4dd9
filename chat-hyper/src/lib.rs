//! chat-hyper
#![forbid(unsafe_code)]
