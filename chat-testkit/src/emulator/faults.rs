//! Fault injection: rules that make chosen requests slow, fail, or break the connection.
//!
//! A [`FaultRule`] pairs a [`Fault`] with a matcher (method, a substring of the path, how many
//! times). For each request, every matching [`Fault::Latency`] rule adds its delay, then the
//! first matching rule of any other kind decides what happens. Rules are used in the order they
//! were injected; a rule with `times(n)` is dropped after it matched `n` requests.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What to do to a request.
///
/// Over HTTP (`POST /_emulator/faults`) a fault is JSON tagged by `kind`:
/// `{"kind":"latency","millis":200}`, `{"kind":"status","status":503,"retryAfter":1}`,
/// `{"kind":"resetBeforeService"}`, `{"kind":"resetAfterService"}`, `{"kind":"truncatedBody"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long before handling the request (combines with one other fault).
    Latency {
        /// The delay in milliseconds.
        millis: u64,
    },
    /// Answer with this status and an ACS error body, without acting; `Retry-After` (seconds)
    /// when given. 429 → `TooManyRequests`, 500 → `InternalServerError`, 503 →
    /// `ServiceUnavailable`.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header value, in seconds.
        #[serde(
            default,
            rename = "retryAfter",
            skip_serializing_if = "Option::is_none"
        )]
        retry_after: Option<u32>,
    },
    /// Drop the connection with a TCP reset before the service sees the request (nothing
    /// changes).
    ResetBeforeService,
    /// Let the service act (state changes), then drop the connection with a TCP reset instead
    /// of answering.
    ResetAfterService,
    /// Let the service act, then send the head with the full `Content-Length` but only part of
    /// the body (at most half), and close the connection. A reply without a body (204, or 200
    /// for typing and read receipts) has nothing to cut and goes out whole.
    TruncatedBody,
}

impl Fault {
    /// A [`Fault::Latency`] of `delay`.
    pub fn latency(delay: Duration) -> Self {
        Self::Latency {
            millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A fault and the requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// What happens.
    pub fault: Fault,
    /// Only requests with this method (case-insensitive); any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path (as sent, or percent-decoded) contains this; any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// How many matching requests it applies to; forever when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule applying `fault` to every request, until narrowed.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            method: None,
            path_contains: None,
            times: None,
        }
    }

    /// Only requests with `method`.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Only requests whose path contains `fragment`.
    #[must_use]
    pub fn path_contains(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// Only the next `n` matching requests.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &str, raw_path: &str, decoded_path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| raw_path.contains(p) || decoded_path.contains(p))
    }
}

/// What the faults say about one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) delay: Duration,
    pub(crate) fault: Option<Fault>,
}

/// The injected rules, with their remaining counts.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    rules: Vec<FaultRule>,
}

impl FaultSet {
    pub(crate) fn push(&mut self, rule: FaultRule) {
        if rule.times != Some(0) {
            self.rules.push(rule);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Decides what happens to a request, using up the rules that applied.
    pub(crate) fn take(&mut self, method: &str, raw_path: &str, decoded_path: &str) -> Plan {
        let mut plan = Plan::default();
        for rule in &mut self.rules {
            if !rule.matches(method, raw_path, decoded_path) {
                continue;
            }
            match &rule.fault {
                Fault::Latency { millis } => plan.delay += Duration::from_millis(*millis),
                other if plan.fault.is_none() => plan.fault = Some(other.clone()),
                _ => continue,
            }
            if let Some(n) = rule.times.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
        self.rules.retain(|r| r.times != Some(0));
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_count_down_and_expire() {
        let mut set = FaultSet::default();
        set.push(
            FaultRule::new(Fault::Status {
                status: 503,
                retry_after: Some(1),
            })
            .method("POST")
            .path_contains("/messages")
            .times(1),
        );
        set.push(FaultRule::new(Fault::latency(Duration::from_millis(5))).times(2));
        assert_eq!(set.take("GET", "/chat/threads/x/messages", "").fault, None);
        let plan = set.take("post", "/chat/threads/x/messages", "");
        assert_eq!(
            plan.fault,
            Some(Fault::Status {
                status: 503,
                retry_after: Some(1)
            })
        );
        assert_eq!(plan.delay, Duration::from_millis(5));
        assert_eq!(set.take("POST", "/chat/threads/x/messages", "").fault, None);
        assert!(set.rules().is_empty());
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"fault":{"kind":"status","status":429,"retryAfter":2},"method":"GET","pathContains":"/chat","times":3}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::new(Fault::Status {
                status: 429,
                retry_after: Some(2)
            })
            .method("GET")
            .path_contains("/chat")
            .times(3)
        );
        let reset: Fault = serde_json::from_str(r#"{"kind":"resetAfterService"}"#).unwrap();
        assert_eq!(reset, Fault::ResetAfterService);
    }
}
