//! The options of a refreshing token credential, in the shape of the official SDKs'
//! `CommunicationTokenRefreshOptions`.

use std::fmt;

use super::{AccessToken, TokenCache};

/// How a token credential refreshes its token: the refresher, an optional initial token, and
/// whether to refresh proactively. The transports' `CommunicationTokenCredential::with_refresher`
/// takes it and says what the refresher may be: with `chat-ureq` a closure returning
/// `Result<AccessToken, E>`, with `chat-hyper` a closure returning something to await for one;
/// `E` is any error type (or a `String`), which callers get back from
/// [`crate::Error::TokenRefresh`].
///
/// ```text
/// CommunicationTokenCredential::with_refresher(
///     TokenRefreshOptions::new(move || identity.get_token(&user_id, [TokenScope::Chat]).call())
///         .initial_token(token)
///         .refresh_proactively(true),
/// )
/// ```
#[doc(alias = "CommunicationTokenRefreshOptions")]
#[derive(Clone)]
pub struct TokenRefreshOptions<F> {
    refresher: F,
    initial_token: Option<AccessToken>,
    refresh_proactively: bool,
}

impl<F> TokenRefreshOptions<F> {
    /// Refreshes with `refresher`; no initial token (the first call runs the refresher), no
    /// proactive refresh.
    pub fn new(refresher: F) -> Self {
        Self {
            refresher,
            initial_token: None,
            refresh_proactively: false,
        }
    }

    /// The token to use until it nears expiry.
    pub fn initial_token(mut self, token: AccessToken) -> Self {
        self.initial_token = Some(token);
        self
    }

    /// Refreshes from ten minutes before expiry instead of two (off by default): in the
    /// background with `chat-hyper`, on the first call after that point with `chat-ureq`.
    pub fn refresh_proactively(mut self, proactive: bool) -> Self {
        self.refresh_proactively = proactive;
        self
    }

    /// The token cache machine these options start, and the refresher the transport runs when
    /// the machine says so.
    pub fn into_cache(self) -> (TokenCache, F) {
        let cache = TokenCache::with_refresher(self.initial_token, self.refresh_proactively);
        (cache, self.refresher)
    }
}

impl<F> fmt::Debug for TokenRefreshOptions<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRefreshOptions")
            .field("initial_token", &self.initial_token)
            .field("refresh_proactively", &self.refresh_proactively)
            .finish_non_exhaustive()
    }
}
