//! A `tracing` subscriber that keeps every span and event as text, for tests of what the
//! clients log: how many spans and events, with which fields, and that no captured string holds
//! a secret.
//!
//! Install it for one thread with [`tracing::subscriber::with_default`] (or `set_default`), so
//! that tests running side by side in one binary do not see each other's logs:
//!
//! ```
//! use chat_testkit::log_capture::LogCapture;
//!
//! let capture = LogCapture::new();
//! tracing::subscriber::with_default(capture.clone(), || {
//!     let span = tracing::info_span!("call", operation = "SendMessage");
//!     let _entered = span.enter();
//!     tracing::debug!(status = 201, "response");
//! });
//! let spans = capture.spans();
//! assert_eq!(spans.len(), 1);
//! assert_eq!(spans[0].field("operation"), Some("SendMessage"));
//! let events = capture.events();
//! assert_eq!(events[0].message(), Some("response"));
//! assert_eq!(events[0].span, Some(spans[0].id));
//! assert!(capture.strings().iter().any(|s| s == "201"));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A captured span: where it came from and its fields (as recorded so far, in order).
#[derive(Clone, Debug)]
pub struct CapturedSpan {
    /// Its id in this capture (1, 2, ...).
    pub id: u64,
    /// Its name.
    pub name: &'static str,
    /// Its target (the module that made it).
    pub target: String,
    /// Its level.
    pub level: Level,
    /// Its fields, as text.
    pub fields: Vec<(String, String)>,
    /// The span it was made in, if any.
    pub parent: Option<u64>,
}

impl CapturedSpan {
    /// The last value recorded for `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        last(&self.fields, name)
    }
}

/// A captured event: where it came from, its fields (the message is the field `message`) and
/// the span it happened in.
#[derive(Clone, Debug)]
pub struct CapturedEvent {
    /// Its name.
    pub name: &'static str,
    /// Its target.
    pub target: String,
    /// Its level.
    pub level: Level,
    /// Its fields, as text.
    pub fields: Vec<(String, String)>,
    /// The span it happened in, if any.
    pub span: Option<u64>,
}

impl CapturedEvent {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        last(&self.fields, name)
    }

    /// The message.
    pub fn message(&self) -> Option<&str> {
        self.field("message")
    }
}

fn last<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Default)]
struct State {
    spans: Vec<CapturedSpan>,
    events: Vec<CapturedEvent>,
    /// The spans each thread is in, innermost last.
    entered: HashMap<ThreadId, Vec<u64>>,
}

/// The capturing subscriber; clones share what was captured.
#[derive(Clone, Debug, Default)]
pub struct LogCapture {
    state: Arc<Mutex<State>>,
    next_id: Arc<AtomicU64>,
}

impl LogCapture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every span so far, in the order they were made.
    pub fn spans(&self) -> Vec<CapturedSpan> {
        self.state().spans.clone()
    }

    /// Every event so far, in order.
    pub fn events(&self) -> Vec<CapturedEvent> {
        self.state().events.clone()
    }

    /// How many spans and events were captured so far: a mark to look at what came after.
    pub fn mark(&self) -> (usize, usize) {
        let state = self.state();
        (state.spans.len(), state.events.len())
    }

    /// Every string captured: names, targets, field names and values.
    pub fn strings(&self) -> Vec<String> {
        let state = self.state();
        let mut out = Vec::new();
        let mut push = |name: &str, target: &str, fields: &[(String, String)]| {
            out.push(name.to_owned());
            out.push(target.to_owned());
            for (n, v) in fields {
                out.push(n.clone());
                out.push(v.clone());
            }
        };
        for s in &state.spans {
            push(s.name, &s.target, &s.fields);
        }
        for e in &state.events {
            push(e.name, &e.target, &e.fields);
        }
        out
    }

    /// The captured strings that contain any of `needles` (compared without case), as
    /// `(needle, string)`: what a test of secrets wants empty.
    pub fn leaks(&self, needles: &[&str]) -> Vec<(String, String)> {
        let strings = self.strings();
        let mut found = Vec::new();
        for needle in needles.iter().filter(|n| !n.is_empty()) {
            let needle_lower = needle.to_lowercase();
            for s in &strings {
                if s.to_lowercase().contains(&needle_lower) {
                    found.push(((*needle).to_owned(), s.clone()));
                }
            }
        }
        found
    }

    fn current(&self) -> Option<u64> {
        let state = self.state();
        state
            .entered
            .get(&std::thread::current().id())
            .and_then(|stack| stack.last().copied())
    }
}

/// Collects fields as text: `Display` for strings (as `record_str` gives them), `Debug` for
/// the rest (which is `Display` for `%` fields).
struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for LogCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let parent = match span.parent() {
            Some(p) => Some(p.into_u64()),
            None if span.is_contextual() => self.current(),
            None => None,
        };
        let meta = span.metadata();
        self.state().spans.push(CapturedSpan {
            id,
            name: meta.name(),
            target: meta.target().to_owned(),
            level: *meta.level(),
            fields,
            parent,
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Vec::new();
        values.record(&mut Fields(&mut fields));
        let mut state = self.state();
        if let Some(s) = state.spans.iter_mut().find(|s| s.id == span.into_u64()) {
            s.fields.extend(fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        let span = match event.parent() {
            Some(p) => Some(p.into_u64()),
            None if event.is_contextual() => self.current(),
            None => None,
        };
        let meta = event.metadata();
        self.state().events.push(CapturedEvent {
            name: meta.name(),
            target: meta.target().to_owned(),
            level: *meta.level(),
            fields,
            span,
        });
    }

    fn enter(&self, span: &Id) {
        self.state()
            .entered
            .entry(std::thread::current().id())
            .or_default()
            .push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut state = self.state();
        if let Some(stack) = state.entered.get_mut(&std::thread::current().id()) {
            if let Some(at) = stack.iter().rposition(|s| *s == span.into_u64()) {
                stack.remove(at);
            }
        }
    }
}
