//! The user-token machine: a static token, or a refresher the transport runs when told to.
//!
//! ```text
//!                 poll_token: a usable token, before its refresh point
//!        ┌─────────────────────────────────────────────────────────────► Ready(token)
//!        │
//!   Idle ┼── poll_token: none usable, in the on-demand window, or rejected ──┐
//!        │                                                                    ├─► Refresh (to one caller)
//!        └── handle_timeout: the proactive point is reached (returns true) ───┘        │
//!                                                                                      ▼
//!   ┌───────────────────────────── handle_refreshed(Ok) ◄──────────────────── Refreshing
//!   ▼                                                                          │ poll_token meanwhile:
//!  Idle (new token)                                                            │  old token outside the
//!                                                                              │  window → Ready, else Wait
//!  Failed recently (10 s) ◄──────────────── handle_refreshed(Err) ◄────────────┘
//!   poll_token: the old token while it is valid, else Failed(TokenRefresh); no new refresh
//! ```
//!
//! **Refresh points.** A token received at `r` that expires at `e` (lifetime `L = e - r`) is
//! refreshed on demand from `max(e - 2 min, r + L/2)`, and, with proactive refresh, from
//! `max(e - 10 min, r + L/2)`. The `r + L/2` floor is what keeps short tokens from looping: a
//! fresh token already inside the window is refreshed at half its remaining lifetime, never at
//! once. For a token the cache was built with, `r` is the first [`TokenCache::poll_token`].
//!
//! **Only one refresh in flight.** [`TokenPoll::Refresh`] goes to exactly one caller; until that
//! caller reports with [`TokenCache::handle_refreshed`] (a cancelled refresh reports an `Err`),
//! the others get the old token while it is valid and outside the on-demand window, or
//! [`TokenPoll::Wait`].
//!
//! A transport keeps the cache behind a lock and wakes waiters after `handle_refreshed`:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use chat_core::auth::{AccessToken, TokenCache, TokenPoll};
//!
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
//! let refresher = |n: u32| -> Result<AccessToken, chat_core::RefreshError> {
//!     Ok(AccessToken::new(format!("token-{n}"), now + Duration::from_secs(3600)))
//! };
//! let mut cache = TokenCache::with_refresher(None, true);
//! assert!(matches!(cache.poll_token(now, None), TokenPoll::Refresh));
//! // A second caller while the refresh runs waits for it.
//! assert!(matches!(cache.poll_token(now, None), TokenPoll::Wait));
//! cache.handle_refreshed(now, refresher(1));
//! let TokenPoll::Ready(token) = cache.poll_token(now, None) else { panic!() };
//! assert_eq!(token.secret(), "token-1");
//! // Proactive refresh is due ten minutes before expiry.
//! assert_eq!(cache.poll_timeout(), Some(now + Duration::from_secs(50 * 60)));
//! assert!(!cache.handle_timeout(now + Duration::from_secs(49 * 60)));
//! assert!(cache.handle_timeout(now + Duration::from_secs(50 * 60)));
//! cache.handle_refreshed(now + Duration::from_secs(50 * 60), refresher(2));
//! ```

use std::time::{Duration, SystemTime};

use super::{AccessToken, RefreshError};
use crate::{Error, ServiceError};

/// On-demand refresh starts this long before expiry (or at half the lifetime, if later).
pub const ON_DEMAND_WINDOW: Duration = Duration::from_secs(2 * 60);

/// Proactive refresh starts this long before expiry (or at half the lifetime, if later).
pub const PROACTIVE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// After a failed refresh, no new refresh starts for this long.
pub const REFRESH_RETRY_DELAY: Duration = Duration::from_secs(10);

/// What a caller asking for a token must do.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenPoll {
    /// Use this token.
    Ready(AccessToken),
    /// Run the refresher now, then report with [`TokenCache::handle_refreshed`] and poll again.
    Refresh,
    /// A refresh is running elsewhere: wait until it is reported, then poll again.
    Wait,
    /// No token can be had: [`Error::TokenExpired`] for an expired token without a refresher,
    /// [`Error::Authentication`] for a refused one (a bare 401: the call driver puts the
    /// service's own answer in), [`Error::TokenRefresh`] when the refresher failed and no valid
    /// token is left.
    Failed(Error),
}

#[derive(Debug)]
struct Cached {
    token: AccessToken,
    /// When the cache first saw the token.
    received: Option<SystemTime>,
    /// The service refused it with 401.
    rejected: bool,
}

impl Cached {
    /// The refresh point for a window: `max(expiry - window, received + lifetime / 2)`.
    fn due(&self, window: Duration) -> SystemTime {
        let expires = self.token.expires_on();
        let by_window = expires
            .checked_sub(window)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        match self.received {
            Some(received) => {
                let lifetime = expires.duration_since(received).unwrap_or(Duration::ZERO);
                by_window.max(received + lifetime / 2)
            }
            None => by_window,
        }
    }

    fn usable(&self, now: SystemTime) -> bool {
        !self.rejected && !self.token.is_expired(now)
    }
}

/// The token cache machine (sans-IO: `now` is always an argument). See the module docs.
#[derive(Debug)]
pub struct TokenCache {
    cached: Option<Cached>,
    has_refresher: bool,
    proactive: bool,
    refreshing: bool,
    failure: Option<(RefreshError, SystemTime)>,
}

impl TokenCache {
    /// A cache holding one token and no refresher: once it expires, calls fail with
    /// [`Error::TokenExpired`]; each call the service refuses it on fails with
    /// [`Error::Authentication`].
    pub fn new_static(token: AccessToken) -> Self {
        Self {
            cached: Some(Cached {
                token,
                received: None,
                rejected: false,
            }),
            has_refresher: false,
            proactive: false,
            refreshing: false,
            failure: None,
        }
    }

    /// A cache whose transport runs a refresher when told to, starting with `initial` if given.
    /// With `proactive`, [`TokenCache::poll_timeout`] says when to refresh an idle client.
    pub fn with_refresher(initial: Option<AccessToken>, proactive: bool) -> Self {
        Self {
            cached: initial.map(|token| Cached {
                token,
                received: None,
                rejected: false,
            }),
            has_refresher: true,
            proactive,
            refreshing: false,
            failure: None,
        }
    }

    /// True when the cache was built with a refresher.
    pub fn has_refresher(&self) -> bool {
        self.has_refresher
    }

    /// True when the cache refreshes proactively ([`TokenCache::poll_timeout`] schedules it).
    pub fn is_proactive(&self) -> bool {
        self.proactive
    }

    /// True when a refresh was handed out and not yet reported.
    pub fn is_refreshing(&self) -> bool {
        self.refreshing
    }

    /// The cached token, usable or not.
    pub fn token(&self) -> Option<&AccessToken> {
        self.cached.as_ref().map(|c| &c.token)
    }

    /// Asks for a token. `rejected` is the token the service just refused with 401 (from
    /// [`crate::CallPoll::NeedToken`]): if the cache still holds it, a refresh is forced; if the
    /// cache already holds a newer one, that one is returned.
    pub fn poll_token(&mut self, now: SystemTime, rejected: Option<&AccessToken>) -> TokenPoll {
        if !self.has_refresher {
            return self.poll_static(now, rejected);
        }
        if let Some(cached) = self.cached.as_mut() {
            if cached.received.is_none() {
                cached.received = Some(now);
            }
            if rejected.is_some_and(|r| *r == cached.token) {
                cached.rejected = true;
            }
        }
        let usable = self.cached.as_ref().filter(|c| c.usable(now));
        let recent_failure = self
            .failure
            .as_ref()
            .filter(|(_, at)| now < *at + REFRESH_RETRY_DELAY)
            .map(|(error, _)| error.clone());
        match usable {
            Some(c) if now < c.due(ON_DEMAND_WINDOW) => TokenPoll::Ready(c.token.clone()),
            Some(_) if self.refreshing => TokenPoll::Wait,
            Some(c) if recent_failure.is_some() => TokenPoll::Ready(c.token.clone()),
            None if self.refreshing => TokenPoll::Wait,
            None => match recent_failure {
                Some(error) => TokenPoll::Failed(Error::token_refresh(error)),
                None => self.start_refresh(),
            },
            Some(_) => self.start_refresh(),
        }
    }

    /// A static token: used until it expires; a refusal is not remembered, so each call the
    /// service refuses reports the service's own 401.
    fn poll_static(&self, now: SystemTime, rejected: Option<&AccessToken>) -> TokenPoll {
        let Some(cached) = &self.cached else {
            return TokenPoll::Failed(Error::token_refresh("the credential holds no token"));
        };
        if rejected.is_some_and(|r| *r == cached.token) {
            let refused = ServiceError::new(401, None, Vec::new());
            return TokenPoll::Failed(Error::Authentication(Box::new(refused)));
        }
        if cached.token.is_expired(now) {
            return TokenPoll::Failed(Error::TokenExpired {
                expires_on: cached.token.expires_on(),
            });
        }
        TokenPoll::Ready(cached.token.clone())
    }

    fn start_refresh(&mut self) -> TokenPoll {
        self.refreshing = true;
        TokenPoll::Refresh
    }

    /// Reports the refresher's outcome. A token that has already expired counts as a failure.
    /// After a failure the old token stays in use while it is valid.
    pub fn handle_refreshed(&mut self, now: SystemTime, result: Result<AccessToken, RefreshError>) {
        self.refreshing = false;
        match result {
            Ok(token) if !token.is_expired(now) => {
                self.cached = Some(Cached {
                    token,
                    received: Some(now),
                    rejected: false,
                });
                self.failure = None;
            }
            Ok(_) => {
                let error = RefreshError::from("the refresher returned an expired token");
                self.failure = Some((error, now));
            }
            Err(error) => self.failure = Some((error, now)),
        }
    }

    /// When the next proactive refresh falls due, if proactive refresh is on and one is
    /// scheduled. The transport calls [`TokenCache::handle_timeout`] at that instant.
    pub fn poll_timeout(&self) -> Option<SystemTime> {
        if !self.proactive || !self.has_refresher || self.refreshing {
            return None;
        }
        let cached = self.cached.as_ref().filter(|c| !c.rejected)?;
        let due = cached.due(PROACTIVE_WINDOW);
        let due = match &self.failure {
            Some((_, at)) => due.max(*at + REFRESH_RETRY_DELAY),
            None => due,
        };
        // Past expiry there is nothing left to keep fresh: on-demand refresh takes over.
        (due < cached.token.expires_on()).then_some(due)
    }

    /// Checks the proactive timer. True means: the caller must run the refresher now and report
    /// with [`TokenCache::handle_refreshed`].
    pub fn handle_timeout(&mut self, now: SystemTime) -> bool {
        match self.poll_timeout() {
            Some(due) if now >= due => {
                self.refreshing = true;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(1_800_000_000);
    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(secs)
    }
    fn token(name: &str, expires: u64) -> AccessToken {
        AccessToken::new(name, at(expires))
    }

    #[test]
    fn a_static_token_is_used_until_it_expires_then_fails() {
        let mut cache = TokenCache::new_static(token("a", 100));
        assert!(matches!(
            cache.poll_token(at(99), None),
            TokenPoll::Ready(_)
        ));
        let TokenPoll::Failed(Error::TokenExpired { expires_on }) = cache.poll_token(at(100), None)
        else {
            panic!()
        };
        assert_eq!(expires_on, at(100));
        assert_eq!(cache.poll_timeout(), None);
    }

    #[test]
    fn a_static_token_refused_by_the_service_fails() {
        let mut cache = TokenCache::new_static(token("a", 1000));
        let a = token("a", 1000);
        for _ in 0..2 {
            assert!(matches!(
                cache.poll_token(at(1), Some(&a)),
                TokenPoll::Failed(Error::Authentication(e)) if e.status == 401
            ));
        }
        // The refusal is not remembered: the next call tries the token and hears the service.
        assert!(matches!(cache.poll_token(at(2), None), TokenPoll::Ready(_)));
    }

    #[test]
    fn the_on_demand_window_starts_two_minutes_before_expiry() {
        let mut cache = TokenCache::with_refresher(None, false);
        assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Refresh));
        cache.handle_refreshed(at(0), Ok(token("a", 3600)));
        assert!(matches!(
            cache.poll_token(at(3479), None),
            TokenPoll::Ready(_)
        ));
        assert!(matches!(
            cache.poll_token(at(3480), None),
            TokenPoll::Refresh
        ));
        assert_eq!(cache.poll_timeout(), None, "not proactive");
    }

    #[test]
    fn a_rejected_token_forces_a_refresh_but_a_newer_one_is_returned() {
        let mut cache = TokenCache::with_refresher(Some(token("a", 3600)), false);
        let a = token("a", 3600);
        assert!(matches!(
            cache.poll_token(at(0), Some(&a)),
            TokenPoll::Refresh
        ));
        cache.handle_refreshed(at(1), Ok(token("b", 7200)));
        // Another call that was refused with "a" gets "b" without a second refresh.
        let TokenPoll::Ready(t) = cache.poll_token(at(2), Some(&a)) else {
            panic!()
        };
        assert_eq!(t.secret(), "b");
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_token_while_valid_then_fails_waiters() {
        let mut cache = TokenCache::with_refresher(Some(token("a", 100)), false);
        assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Ready(_)));
        assert!(matches!(cache.poll_token(at(60), None), TokenPoll::Refresh));
        assert!(matches!(cache.poll_token(at(60), None), TokenPoll::Wait));
        cache.handle_refreshed(at(95), Err("boom".into()));
        let TokenPoll::Ready(t) = cache.poll_token(at(96), None) else {
            panic!()
        };
        assert_eq!(t.secret(), "a");
        // Expired now, and the failure is recent: a typed failure, not another refresh.
        let TokenPoll::Failed(Error::TokenRefresh { error, .. }) = cache.poll_token(at(100), None)
        else {
            panic!()
        };
        assert_eq!(error.to_string(), "boom");
        // Once the retry delay has passed, one caller may try again.
        assert!(matches!(
            cache.poll_token(at(105), None),
            TokenPoll::Refresh
        ));
        assert!(matches!(cache.poll_token(at(105), None), TokenPoll::Wait));
    }

    #[test]
    fn an_expired_token_from_the_refresher_is_a_failure() {
        let mut cache = TokenCache::with_refresher(None, true);
        assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Refresh));
        cache.handle_refreshed(at(10), Ok(token("old", 5)));
        assert!(matches!(
            cache.poll_token(at(10), None),
            TokenPoll::Failed(Error::TokenRefresh { .. })
        ));
        assert!(matches!(cache.poll_token(at(20), None), TokenPoll::Refresh));
    }

    #[test]
    fn a_short_fresh_token_is_refreshed_at_half_its_lifetime() {
        let mut cache = TokenCache::with_refresher(None, true);
        assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Refresh));
        cache.handle_refreshed(at(0), Ok(token("a", 300)));
        assert_eq!(cache.poll_timeout(), Some(at(150)));
        assert!(matches!(
            cache.poll_token(at(149), None),
            TokenPoll::Ready(_)
        ));
        assert!(!cache.handle_timeout(at(149)));
        assert!(cache.handle_timeout(at(150)));
        assert_eq!(cache.poll_timeout(), None, "in flight");
    }
}
