//! # chat-testkit
//!
//! Offline testing for the ACS Chat client: recorded sessions of the real service and their
//! replay, and an emulator of the service.
#![forbid(unsafe_code)]

/// The recorded sessions of the live service that this repository carries
/// (`chat-testkit/recordings/`: `python/`, `python-testproxy/`, `js/`), with their provenance in
/// the folder's README. Tests and `chat-replay check` read them from here.
pub const RECORDINGS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/recordings");

pub mod emulator;
pub mod faulty;
pub mod tls;
pub mod recording;
pub mod replay;
