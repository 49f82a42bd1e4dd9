//! Chat threads: create, list, read, update and delete them.
//!
//! | operation | request | success |
//! |---|---|---|
//! | [`CreateThread`] | `POST /chat/threads` | 201 [`CreateThreadResult`] |
//! | [`ListThreads`] | `GET /chat/threads` (paged) | 200 [`ChatThreadItem`]s |
//! | [`GetThreadProperties`] | `GET /chat/threads/{id}` | 200 [`ChatThreadProperties`] |
//! | [`UpdateThread`] | `PATCH /chat/threads/{id}` (merge patch) | 204 |
//! | [`DeleteThread`] | `DELETE /chat/threads/{id}` | 204 |
//!
//! Thread metadata and retention policies need API version 2025-03-15; with an older version
//! pinned, setting them fails before anything is sent.

mod model;
pub(crate) mod ops;

pub use model::{ChatThreadItem, ChatThreadProperties, CreateThreadResult, RetentionPolicy};
pub use ops::{
    CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread,
    REPEATABILITY_REQUEST_ID,
};
