//! The user's chat credential: a static token, or a refresher run when the core's
//! [`TokenCache`] machine says so.

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use chat_core::auth::{RefreshError, TokenCache, TokenPoll, TokenRefreshOptions};
use chat_core::{AccessToken, Error};

type Refresher = dyn Fn() -> Result<AccessToken, RefreshError> + Send + Sync;

/// A user access token credential, shared by every client built from it (cloning is cheap).
///
/// With a refresher ([`CommunicationTokenCredential::with_refresher`]), the token is refreshed
/// when it nears expiry (two minutes before, or ten with proactive refresh: a blocking client
/// has no background thread, so a proactive refresh happens on the first call after its due
/// time) and when the service refuses it with 401. One caller runs the refresher while the
/// others wait for its result.
///
/// Without one, a call made after the token expired fails with [`Error::TokenExpired`] (nothing
/// is sent), and a call the service refuses the token on (revoked, or expired by the service's
/// clock) fails with [`Error::Authentication`], which keeps the service's 401.
#[derive(Clone)]
pub struct CommunicationTokenCredential {
    inner: Arc<Inner>,
}

struct Inner {
    cache: Mutex<TokenCache>,
    refreshed: Condvar,
    refresher: Option<Box<Refresher>>,
}

impl CommunicationTokenCredential {
    /// A credential that always uses `token`: calls fail with [`Error::TokenExpired`] once it
    /// expires.
    pub fn new(token: AccessToken) -> Self {
        Self::build(TokenCache::new_static(token), None)
    }

    /// A static credential from a user access token (a JWT; its `exp` claim is the expiry).
    ///
    /// Fails with [`Error::TokenExpired`] when the token has already expired (it could never
    /// authorize a call), and with [`Error::InvalidCredential`] when it is not a JWT with an
    /// `exp` claim (use [`AccessToken::new`] with its expiry for an opaque token).
    pub fn from_jwt(token: &str) -> Result<Self, Error> {
        let token = AccessToken::from_jwt(token)?;
        if token.is_expired(SystemTime::now()) {
            return Err(Error::token_expired(token.expires_on()));
        }
        Ok(Self::new(token))
    }

    /// A credential that refreshes its token as `options` say: `options` holds a refresher
    /// returning a fresh token or an error of any type (your own error, this crate's
    /// [`Error`], a `String`), which reaches callers as [`Error::TokenRefresh`] (its `source()`
    /// is the refresher's error).
    ///
    /// ```no_run
    /// use chat_ureq::identity::TokenScope;
    /// use chat_ureq::{CommunicationTokenCredential, IdentityClient, TokenRefreshOptions};
    ///
    /// # fn demo(identity: IdentityClient, user_id: String) -> Result<(), chat_ureq::Error> {
    /// let first = identity.get_token(&user_id, [TokenScope::Chat]).call()?;
    /// let credential = CommunicationTokenCredential::with_refresher(
    ///     TokenRefreshOptions::new(move || identity.get_token(&user_id, [TokenScope::Chat]).call())
    ///         .initial_token(first)
    ///         .refresh_proactively(true),
    /// );
    /// # Ok(()) }
    /// ```
    pub fn with_refresher<F, E>(options: TokenRefreshOptions<F>) -> Self
    where
        F: Fn() -> Result<AccessToken, E> + Send + Sync + 'static,
        E: Into<Box<dyn StdError + Send + Sync + 'static>>,
    {
        let (cache, refresher) = options.into_cache();
        let refresher: Box<Refresher> = Box::new(move || refresher().map_err(RefreshError::new));
        Self::build(cache, Some(refresher))
    }

    fn build(cache: TokenCache, refresher: Option<Box<Refresher>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache: Mutex::new(cache),
                refreshed: Condvar::new(),
                refresher,
            }),
        }
    }

    /// A valid token, refreshing it first if it is due.
    pub fn get_token(&self) -> Result<AccessToken, Error> {
        self.token(None)
    }

    /// A token; `rejected` is one the service just refused with 401.
    pub(crate) fn token(&self, rejected: Option<&AccessToken>) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        let mut rejected = rejected;
        let mut cache = inner.lock();
        loop {
            let now = SystemTime::now();
            if cache.handle_timeout(now) {
                cache = inner.refresh(cache);
                continue;
            }
            match cache.poll_token(now, rejected) {
                TokenPoll::Ready(token) => return Ok(token),
                TokenPoll::Refresh => {
                    cache = inner.refresh(cache);
                    // The rejection is handled: the cache now holds the refreshed token.
                    rejected = None;
                }
                TokenPoll::Wait => {
                    cache = inner
                        .refreshed
                        .wait(cache)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                TokenPoll::Failed(e) => return Err(e),
                other => {
                    let message = format!("unexpected token state {other:?}");
                    return Err(Error::token_refresh(message));
                }
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, TokenCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs the refresher with the lock released, reports to the cache and wakes the waiters.
    fn refresh<'a>(&'a self, cache: MutexGuard<'a, TokenCache>) -> MutexGuard<'a, TokenCache> {
        drop(cache);
        // Reports a failure if the refresher panics, so waiters are never stuck.
        struct Report<'a>(&'a Inner, Option<Result<AccessToken, RefreshError>>);
        impl Drop for Report<'_> {
            fn drop(&mut self) {
                let result = self
                    .1
                    .take()
                    .unwrap_or_else(|| Err("the token refresher panicked".into()));
                self.0.lock().handle_refreshed(SystemTime::now(), result);
                self.0.refreshed.notify_all();
            }
        }
        let mut report = Report(self, None);
        report.1 = Some(match &self.refresher {
            Some(refresh) => refresh(),
            None => Err("the credential has no refresher".into()),
        });
        drop(report);
        self.lock()
    }
}

impl fmt::Debug for CommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenCredential")
            .field("refresher", &self.inner.refresher.is_some())
            .finish_non_exhaustive()
    }
}
