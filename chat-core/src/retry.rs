//! Retry decisions: a pure function of the operation's idempotency, the outcome of a try, the
//! attempt count, the elapsed time and a random draw. No clock, no sleeping.
//!
//! - Statuses 408, 429, 500, 502, 503 and 504, connect failures, and (for operations whose repeat
//!   is harmless) any failure after sending, are retried.
//! - An operation whose repeat is visible ([`Idempotency::NotIdempotent`], send message) is retried
//!   only when the service cannot have acted: a connect or TLS-free failure before sending, a 429,
//!   or a 503 carrying a retry-after hint.
//! - `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds) and `Retry-After` (seconds or an HTTP
//!   date) are honoured: the delay is never shorter than the hint. A hint longer than the cap
//!   ends the retries instead of waiting longer than the cap.
//! - Otherwise the delay is exponential, `initial_delay * 2^retry`, jittered by ±20 % and capped.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::{Idempotency, TransportError, TransportErrorKind};

/// Retry configuration. The defaults follow Azure.Core: 3 retries, 0.8 s initial delay, 60 s cap.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct RetryOptions {
    /// Retries after the first try.
    pub max_retries: u32,
    /// The first backoff delay, doubled on each retry.
    pub initial_delay: Duration,
    /// No delay is longer than this, and a server hint longer than this stops the retries.
    pub max_delay: Duration,
    /// The whole call, tries and delays, gives up past this budget.
    pub max_elapsed: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryOptions {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the retry count.
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the initial delay.
    pub fn with_initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// Sets the delay cap.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the overall budget of a call.
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }
}

/// What one try of a call ended with.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The service answered with this status and headers.
    Response {
        /// The status.
        status: u16,
        /// The headers, for the retry-after family.
        headers: &'a HeaderMap,
    },
    /// The transport failed.
    Transport(&'a TransportError),
}

/// What to do after a failed try.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Stop and report the failure.
    GiveUp,
}

/// Why a call tries again.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The service answered with a status worth another try (408, 429, 500, 502, 503, 504).
    Status(u16),
    /// The transport failed with this kind of failure.
    Transport(TransportErrorKind),
    /// The service refused the bearer token (401): the call asks the credential for a fresh
    /// one and tries once more, at once.
    TokenRefused,
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {status}"),
            Self::Transport(kind) => write!(f, "{} failure", kind.as_str()),
            Self::TokenRefused => f.write_str("token refused (401)"),
        }
    }
}

/// The retry a call scheduled after a try: why, and after how long
/// ([`crate::Call::scheduled_retry`]).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct ScheduledRetry {
    /// Why the call tries again.
    pub reason: RetryReason,
    /// The wait before the next try.
    pub delay: Duration,
}

/// Statuses worth another try.
pub const RETRIABLE_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// Decides whether and when to retry.
///
/// `retries_done` counts the retries already made (0 after the first try); `elapsed` is the time
/// since the call started; `now` resolves HTTP-date hints; `random` is a uniform draw in `[0, 1)`
/// that the caller supplies.
pub fn decide(
    options: &RetryOptions,
    idempotency: Idempotency,
    outcome: Outcome<'_>,
    retries_done: u32,
    elapsed: Duration,
    now: SystemTime,
    random: f64,
) -> RetryDecision {
    if retries_done >= options.max_retries {
        return RetryDecision::GiveUp;
    }
    let hint = match outcome {
        Outcome::Response { status, headers } => {
            let hint = retry_after_hint_ms(headers, Some(now)).map(Duration::from_millis);
            if !status_is_retriable(idempotency, status, hint.is_some()) {
                return RetryDecision::GiveUp;
            }
            hint
        }
        Outcome::Transport(t) => {
            if !transport_is_retriable(idempotency, t) {
                return RetryDecision::GiveUp;
            }
            None
        }
    };
    match delay(options, retries_done, hint, random) {
        Some(d) if elapsed.saturating_add(d) <= options.max_elapsed => RetryDecision::RetryAfter(d),
        _ => RetryDecision::GiveUp,
    }
}

fn status_is_retriable(idempotency: Idempotency, status: u16, has_hint: bool) -> bool {
    match idempotency {
        Idempotency::Idempotent => RETRIABLE_STATUSES.contains(&status),
        // The service refused before acting: throttled, or unavailable and saying when to return.
        Idempotency::NotIdempotent => status == 429 || (status == 503 && has_hint),
    }
}

fn transport_is_retriable(idempotency: Idempotency, t: &TransportError) -> bool {
    match t.kind {
        // Not transient: a certificate will not become trusted, a refused scheme stays refused.
        TransportErrorKind::Tls | TransportErrorKind::Refused => false,
        _ if !t.may_have_reached_service => true,
        _ => idempotency == Idempotency::Idempotent,
    }
}

/// The delay before retry number `retries_done + 1`: exponential with ±20 % jitter, capped, and
/// never shorter than the hint. `None` when the hint is longer than the cap.
pub fn delay(
    options: &RetryOptions,
    retries_done: u32,
    hint: Option<Duration>,
    random: f64,
) -> Option<Duration> {
    if hint.is_some_and(|h| h > options.max_delay) {
        return None;
    }
    let exp = options
        .initial_delay
        .saturating_mul(1u32.checked_shl(retries_done.min(31)).unwrap_or(u32::MAX));
    let jitter = 0.8 + 0.4 * random.clamp(0.0, 1.0);
    let backoff = exp.mul_f64(jitter).min(options.max_delay);
    Some(hint.map_or(backoff, |h| h.max(backoff)))
}

/// Reads the retry-after family: `retry-after-ms`, then `x-ms-retry-after-ms` (milliseconds),
/// then `Retry-After` (delta seconds, or an HTTP date resolved against `now`).
pub fn retry_after_hint_ms(headers: &HeaderMap, now: Option<SystemTime>) -> Option<u64> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(ms);
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = crate::http_date::parse(value)?;
    let wait = at.duration_since(now?).unwrap_or(Duration::ZERO);
    Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn decide_status(idem: Idempotency, status: u16, h: &HeaderMap) -> RetryDecision {
        let outcome = Outcome::Response { status, headers: h };
        decide(
            &RetryOptions::default(),
            idem,
            outcome,
            0,
            Duration::ZERO,
            UNIX_EPOCH,
            0.5,
        )
    }

    #[test]
    fn retriable_statuses_for_idempotent_operations() {
        let h = HeaderMap::new();
        for s in RETRIABLE_STATUSES {
            assert!(matches!(
                decide_status(Idempotency::Idempotent, s, &h),
                RetryDecision::RetryAfter(_)
            ));
        }
        for s in [400, 401, 403, 404, 409, 501, 505] {
            assert_eq!(
                decide_status(Idempotency::Idempotent, s, &h),
                RetryDecision::GiveUp
            );
        }
    }

    #[test]
    fn send_message_is_retried_only_when_the_service_did_not_act() {
        let none = HeaderMap::new();
        let hint = headers(&[("retry-after", "1")]);
        let idem = Idempotency::NotIdempotent;
        assert!(matches!(
            decide_status(idem, 429, &none),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            decide_status(idem, 503, &hint),
            RetryDecision::RetryAfter(_)
        ));
        for s in [500, 502, 503, 504, 408] {
            assert_eq!(decide_status(idem, s, &none), RetryDecision::GiveUp, "{s}");
        }
        let reset = TransportError::after_sending(TransportErrorKind::Io, "reset");
        let connect = TransportError::before_sending(TransportErrorKind::Connect, "refused");
        let opts = RetryOptions::default();
        let d = |t| {
            decide(
                &opts,
                idem,
                Outcome::Transport(t),
                0,
                Duration::ZERO,
                UNIX_EPOCH,
                0.0,
            )
        };
        assert_eq!(d(&reset), RetryDecision::GiveUp);
        assert!(matches!(d(&connect), RetryDecision::RetryAfter(_)));
    }

    #[test]
    fn hints_are_honoured_in_every_form() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_377_600);
        assert_eq!(
            retry_after_hint_ms(&headers(&[("retry-after", "2")]), None),
            Some(2000)
        );
        assert_eq!(
            retry_after_hint_ms(&headers(&[("retry-after-ms", "150")]), None),
            Some(150)
        );
        assert_eq!(
            retry_after_hint_ms(&headers(&[("x-ms-retry-after-ms", "99")]), None),
            Some(99)
        );
        let date = headers(&[("retry-after", "Sun, 22 Nov 2026 20:00:05 GMT")]);
        assert_eq!(retry_after_hint_ms(&date, Some(now)), Some(5000));
        assert_eq!(
            retry_after_hint_ms(&headers(&[("retry-after", "soon")]), None),
            None
        );
        let d = decide_status(
            Idempotency::Idempotent,
            503,
            &headers(&[("retry-after", "30")]),
        );
        assert_eq!(d, RetryDecision::RetryAfter(Duration::from_secs(30)));
    }

    #[test]
    fn a_hint_beyond_the_cap_gives_up() {
        let h = headers(&[("retry-after", "3600")]);
        assert_eq!(
            decide_status(Idempotency::Idempotent, 429, &h),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn stops_after_max_retries_and_budget() {
        let h = HeaderMap::new();
        let o = Outcome::Response {
            status: 500,
            headers: &h,
        };
        let opts = RetryOptions::default();
        let idem = Idempotency::Idempotent;
        assert_eq!(
            decide(&opts, idem, o, 3, Duration::ZERO, UNIX_EPOCH, 0.0),
            RetryDecision::GiveUp
        );
        let late = opts.max_elapsed;
        assert_eq!(
            decide(&opts, idem, o, 0, late, UNIX_EPOCH, 0.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn tls_failures_are_not_retried() {
        let t = TransportError::before_sending(TransportErrorKind::Tls, "unknown issuer");
        let opts = RetryOptions::default();
        let o = Outcome::Transport(&t);
        let d = decide(
            &opts,
            Idempotency::Idempotent,
            o,
            0,
            Duration::ZERO,
            UNIX_EPOCH,
            0.0,
        );
        assert_eq!(d, RetryDecision::GiveUp);
    }
}
