//! The README's `chat_ureq` examples, run as doctests of this crate, whose only dependency is
//! `chat-ureq` (and `chat-testkit` for the emulator): a path the README uses that a user of
//! `chat-ureq` alone cannot name (`chat_core::...`) fails here. The build script copies the
//! examples out of `README.md`.
//!
//! The tests of this crate also check that `chat-ureq`'s own docs name no `chat_core::` path.
#![forbid(unsafe_code)]
#![doc = include_str!(concat!(env!("OUT_DIR"), "/readme.md"))]
