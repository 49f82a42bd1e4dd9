//! # chat-testkit
//!
//! Offline testing for the ACS Chat client: recorded sessions of the real service and their
//! replay, and an emulator of the service.
#![forbid(unsafe_code)]

pub mod emulator;
pub mod recording;
pub mod replay;
