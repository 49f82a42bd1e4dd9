//! The queue of recorded entries both replay flavours answer from.

use std::collections::VecDeque;

use chat_core::http::{Request, Response, StatusCode};

use crate::recording::scrub::restored_response_body;
use crate::recording::{Difference, Entry, Matcher, Recording};

/// A request that matched no remaining recorded entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Our request's method.
    pub method: String,
    /// Our request's URI.
    pub uri: String,
    /// Index in the recording of the closest remaining entry: the one whose first difference
    /// comes latest in the order method, path, api-version, query, headers, body (the first
    /// such in recorded order); `None` when the recording had run out.
    pub entry: Option<usize>,
    /// That entry's recorded method and URI.
    pub closest: Option<String>,
    /// How the request differs from that entry.
    pub difference: Option<Difference>,
    /// An entry already used that matches the request: the client sent it more often than
    /// when the session was recorded.
    pub used_entry: Option<usize>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ", self.method, self.uri)?;
        match (&self.entry, &self.difference) {
            (Some(i), Some(d)) => {
                write!(f, "matches no recorded request: {d}")?;
                let closest = self.closest.as_deref().unwrap_or("?");
                write!(f, " (closest recorded request: entry {i}, {closest})")?;
            }
            _ => f.write_str("came after the recording ran out")?,
        }
        if let Some(used) = self.used_entry {
            write!(
                f,
                "; entry {used} matches it but already answered an earlier request"
            )?;
        }
        Ok(())
    }
}

impl Mismatch {
    /// The part that differs from the closest entry (`method`, `path`, `api-version`, `query`,
    /// `header <name>`, `body`), or `recording` when the recording had run out.
    pub fn part(&self) -> &str {
        self.difference
            .as_ref()
            .map_or("recording", |d| d.part.as_str())
    }
}

/// One exchange that was answered from the recording.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Index of the recorded entry that answered.
    pub entry: usize,
    /// The request we sent.
    pub request: Request<Vec<u8>>,
}

/// Recorded entries not used yet, the matcher, and what happened so far.
///
/// A request is answered with the response of the first remaining entry it matches (so
/// recorded order holds among equal requests), and that entry is used up. A request that
/// matches none gets a `404` with code `ReplayMismatch`, whose message names the first part
/// that differs and the closest recorded request (and `target` the part), and is kept as a
/// [`Mismatch`].
/// Responses are restored with [`crate::recording::scrub::restored_response_body`].
#[derive(Debug)]
pub struct ReplayQueue {
    all: Vec<Entry>,
    remaining: VecDeque<usize>,
    matcher: Matcher,
    mismatches: Vec<Mismatch>,
    exchanges: Vec<Exchange>,
    link_base: Option<String>,
}

impl ReplayQueue {
    /// A queue holding every entry of `recording`.
    pub fn new(recording: &Recording, matcher: Matcher) -> Self {
        Self {
            all: recording.entries.clone(),
            remaining: (0..recording.entries.len()).collect(),
            matcher,
            mismatches: Vec::new(),
            exchanges: Vec::new(),
            link_base: None,
        }
    }

    /// Points every absolute `nextLink` in the responses at `base` (`scheme://authority`),
    /// keeping its path and query: a replay server answers on another host than the recorded
    /// one, and a pager follows links to its own endpoint only.
    pub fn rebase_links(&mut self, base: impl Into<String>) {
        self.link_base = Some(base.into());
    }

    /// Answers one request.
    pub fn answer(&mut self, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
        let found = self.remaining.iter().position(|&i| {
            self.all
                .get(i)
                .is_some_and(|e| self.matcher.check(&request, e).is_ok())
        });
        let answered = found
            .and_then(|p| self.remaining.remove(p))
            .and_then(|index| {
                let mut body = restored_response_body(&self.all, index)?;
                if let Some(base) = &self.link_base {
                    body = rebase_next_link(body, base);
                }
                let response = self.all.get(index)?.response_with_body(body).ok()?;
                Some((index, response))
            });
        match answered {
            Some((entry, response)) => {
                self.exchanges.push(Exchange { entry, request });
                response
            }
            None => self.refuse(&request),
        }
    }

    fn refuse(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let closest = self
            .remaining
            .iter()
            .filter_map(|&i| {
                let difference = self.matcher.check(request, self.all.get(i)?).err()?;
                Some((i, difference))
            })
            .rev()
            .max_by_key(|(_, d)| closeness(d));
        let used_entry = self.exchanges.iter().map(|x| x.entry).find(|&i| {
            self.all
                .get(i)
                .is_some_and(|e| self.matcher.check(request, e).is_ok())
        });
        let mismatch = Mismatch {
            method: request.method().to_string(),
            uri: request.uri().to_string(),
            entry: closest.as_ref().map(|(i, _)| *i),
            closest: closest
                .as_ref()
                .and_then(|(i, _)| self.all.get(*i))
                .map(|e| format!("{} {}", e.request_method, e.request_uri)),
            difference: closest.map(|(_, d)| d),
            used_entry,
        };
        let body = serde_json::json!({"error": {
            "code": "ReplayMismatch",
            "message": mismatch.to_string(),
            "target": mismatch.part(),
        }});
        self.mismatches.push(mismatch);
        let mut response = Response::new(serde_json::to_vec(&body).unwrap_or_default());
        *response.status_mut() = StatusCode::NOT_FOUND;
        response.headers_mut().insert(
            "content-type",
            chat_core::http::HeaderValue::from_static("application/json"),
        );
        response
    }

    /// Indexes of the entries that answered, in order.
    pub fn answered(&self) -> Vec<usize> {
        self.exchanges.iter().map(|x| x.entry).collect()
    }

    /// Requests that matched nothing, in order.
    pub fn mismatches(&self) -> &[Mismatch] {
        &self.mismatches
    }

    /// The exchanges answered, in order.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// Indexes of the recorded entries not used yet.
    pub fn remaining(&self) -> Vec<usize> {
        self.remaining.iter().copied().collect()
    }

    /// Every entry of the recording.
    pub fn entries(&self) -> &[Entry] {
        &self.all
    }
}

/// How far a request got before differing from an entry: later parts mean closer.
fn closeness(difference: &Difference) -> u8 {
    match difference.part.as_str() {
        "method" => 0,
        "path" => 1,
        "api-version" => 2,
        "query" => 3,
        "body" => 5,
        _ => 4,
    }
}

fn rebase_next_link(body: Vec<u8>, base: &str) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    let Some(serde_json::Value::String(link)) = value.get_mut("nextLink") else {
        return body;
    };
    let Some((_, rest)) = link.split_once("://") else {
        return body;
    };
    let path_and_query = rest.find('/').map_or("/", |i| &rest[i..]);
    *link = format!("{}{path_and_query}", base.trim_end_matches('/'));
    serde_json::to_vec(&value).unwrap_or(body)
}
