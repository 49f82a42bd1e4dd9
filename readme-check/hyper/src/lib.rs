//! The README's `chat_hyper` examples, run as doctests of this crate, whose only dependencies
//! are `chat-hyper` and `tokio` (and `chat-testkit` for the emulator): a path the README uses
//! that a user of `chat-hyper` alone cannot name (`chat_core::...`), or a listing that needs
//! `StreamExt`, fails here. The build script copies the examples out of `README.md`.
//!
//! The tests of this crate also check that `chat-hyper`'s own docs name no `chat_core::` path.
#![forbid(unsafe_code)]
#![doc = include_str!(concat!(env!("OUT_DIR"), "/readme.md"))]
