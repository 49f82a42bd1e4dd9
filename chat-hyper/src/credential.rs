//! The user's chat credential: a static token, or an async refresher run when the core's
//! [`TokenCache`] machine says so, with proactive refresh driven by a background task.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use chat_core::auth::{RefreshError, TokenCache, TokenPoll, TokenRefreshOptions};
use chat_core::{AccessToken, Error};
use tokio::sync::Notify;

type RefreshFuture = Pin<Box<dyn Future<Output = Result<AccessToken, RefreshError>> + Send>>;
type Refresher = dyn Fn() -> RefreshFuture + Send + Sync;

/// A user access token credential, shared by every client built from it (cloning is cheap).
///
/// With a refresher ([`CommunicationTokenCredential::with_refresher`]), the token is refreshed
/// when it nears expiry and when the service refuses it with 401; one caller runs the refresher
/// while the others wait. With proactive refresh, a background task (spawned on the tokio
/// runtime the credential is made in) refreshes the token at the time the core's token cache
/// gives, so an idle client keeps a fresh token. The task ends when the last clone of the
/// credential is dropped.
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
    changed: Arc<Notify>,
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
    /// called for each refresh, which returns anything that can be awaited for a fresh token or
    /// an error of any type (your own error, this crate's [`Error`], a `String`); the error
    /// reaches callers as [`Error::TokenRefresh`] (its `source()` is the refresher's error).
    ///
    /// The refresher may return an `async` block, or a call of this crate's clients as it is
    /// (a [`crate::Pending`] is a future), with no clone-and-`async move` dance. With proactive
    /// refresh, a background task refreshes the token; it needs a tokio runtime when the
    /// credential is made (without one, the refresh happens on the first call after its due
    /// time).
    ///
    /// ```no_run
    /// use chat_hyper::identity::TokenScope;
    /// use chat_hyper::{CommunicationTokenCredential, IdentityClient, TokenRefreshOptions};
    ///
    /// # async fn demo(identity: IdentityClient, user_id: String) -> Result<(), chat_hyper::Error> {
    /// let first = identity.get_token(&user_id, [TokenScope::Chat]).await?;
    /// let credential = CommunicationTokenCredential::with_refresher(
    ///     TokenRefreshOptions::new(move || identity.get_token(&user_id, [TokenScope::Chat]))
    ///         .initial_token(first)
    ///         .refresh_proactively(true),
    /// );
    /// # Ok(()) }
    /// ```
    pub fn with_refresher<F, Fut, E>(options: TokenRefreshOptions<F>) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: IntoFuture<Output = Result<AccessToken, E>>,
        Fut::IntoFuture: Send + 'static,
        E: Into<Box<dyn StdError + Send + Sync + 'static>>,
    {
        let (cache, refresher) = options.into_cache();
        let proactive = cache.is_proactive();
        let refresher: Box<Refresher> = Box::new(move || {
            let refresh = refresher().into_future();
            Box::pin(async move { refresh.await.map_err(RefreshError::new) })
        });
        let credential = Self::build(cache, Some(refresher));
        if proactive {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let weak = Arc::downgrade(&credential.inner);
                let changed = Arc::clone(&credential.inner.changed);
                runtime.spawn(proactive_refresh(weak, changed));
            }
        }
        credential
    }

    fn build(cache: TokenCache, refresher: Option<Box<Refresher>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache: Mutex::new(cache),
                changed: Arc::new(Notify::new()),
                refresher,
            }),
        }
    }

    /// A valid token, refreshing it first if it is due.
    pub async fn get_token(&self) -> Result<AccessToken, Error> {
        self.token(None).await
    }

    /// A token; `rejected` is one the service just refused with 401.
    pub(crate) async fn token(&self, rejected: Option<&AccessToken>) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        let mut rejected = rejected;
        loop {
            let mut poll = inner.poll(rejected);
            let mut changed = pin!(inner.changed.notified());
            if matches!(poll, TokenPoll::Wait) {
                // Registered, then the state read again, so a refresh finishing in between
                // still wakes this waiter. (A ready token, the common case, needs neither.)
                changed.as_mut().enable();
                poll = inner.poll(rejected);
            }
            match poll {
                TokenPoll::Ready(token) => return Ok(token),
                TokenPoll::Refresh => {
                    inner.refresh().await;
                    // The rejection is handled: the cache now holds the refreshed token.
                    rejected = None;
                }
                TokenPoll::Wait => changed.await,
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

    /// The cache's answer now, after starting a proactive refresh that is due.
    fn poll(&self, rejected: Option<&AccessToken>) -> TokenPoll {
        let mut cache = self.lock();
        let now = SystemTime::now();
        if cache.handle_timeout(now) {
            TokenPoll::Refresh
        } else {
            cache.poll_token(now, rejected)
        }
    }

    /// Runs the refresher (the cache has handed this caller the refresh), reports to the cache
    /// and wakes the waiters, also when the refresh is cancelled by dropping its future.
    async fn refresh(&self) {
        struct Report<'a>(&'a Inner, Option<Result<AccessToken, RefreshError>>);
        impl Drop for Report<'_> {
            fn drop(&mut self) {
                let result = self
                    .1
                    .take()
                    .unwrap_or_else(|| Err("the token refresh was cancelled".into()));
                self.0.lock().handle_refreshed(SystemTime::now(), result);
                self.0.changed.notify_waiters();
            }
        }
        let mut report = Report(self, None);
        let result = match &self.refresher {
            Some(refresh) => refresh().await,
            None => Err("the credential has no refresher".into()),
        };
        report.1 = Some(result);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Lets the proactive task notice that the credential is gone.
        self.changed.notify_waiters();
    }
}

/// Sleeps until the cache's next proactive refresh point, runs it, repeats; wakes early when
/// the cache changes; ends once the credential is dropped.
async fn proactive_refresh(weak: Weak<Inner>, changed: Arc<Notify>) {
    loop {
        let mut woken = pin!(changed.notified());
        woken.as_mut().enable();
        let due = match weak.upgrade() {
            Some(inner) => inner.lock().poll_timeout(),
            None => return,
        };
        let Some(due) = due else {
            woken.await;
            continue;
        };
        let wait = due
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut woken => continue,
        }
        let Some(inner) = weak.upgrade() else { return };
        let start = inner.lock().handle_timeout(SystemTime::now());
        if start {
            inner.refresh().await;
        }
    }
}

impl fmt::Debug for CommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenCredential")
            .field("refresher", &self.inner.refresher.is_some())
            .finish_non_exhaustive()
    }
}
