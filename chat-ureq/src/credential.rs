//! The user's chat credential: a static token, or a refresher run when the core's
//! [`TokenCache`] machine says so.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use chat_core::auth::{TokenCache, TokenPoll};
use chat_core::{AccessToken, Error};

type Refresher = dyn Fn() -> Result<AccessToken, String> + Send + Sync;

/// A user access token credential, shared by every client built from it (cloning is cheap).
///
/// With a refresher, the token is refreshed when it nears expiry (two minutes before, or ten
/// with proactive refresh: a blocking client has no background thread, so a proactive refresh
/// happens on the first call after its due time) and when the service refuses it with 401.
/// One caller runs the refresher while the others wait for its result.
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
    /// A credential that always uses `token` (calls fail once it expires).
    pub fn new(token: AccessToken) -> Self {
        Self::build(TokenCache::new_static(token), None)
    }

    /// A static credential from a user access token (a JWT; its `exp` claim is the expiry).
    pub fn from_jwt(token: &str) -> Result<Self, Error> {
        AccessToken::from_jwt(token).map(Self::new)
    }

    /// A credential that refreshes its token with `refresher`, starting from `initial` if given.
    /// `proactive` refreshes from ten minutes before expiry instead of two.
    pub fn with_refresher(
        initial: Option<AccessToken>,
        proactive: bool,
        refresher: impl Fn() -> Result<AccessToken, String> + Send + Sync + 'static,
    ) -> Self {
        Self::build(
            TokenCache::with_refresher(initial, proactive),
            Some(Box::new(refresher)),
        )
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
                    return Err(Error::TokenRefresh {
                        message: format!("unexpected token state {other:?}"),
                    })
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
        struct Report<'a>(&'a Inner, Option<Result<AccessToken, String>>);
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
