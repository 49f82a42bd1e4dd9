//! Microsoft Entra ID for [`IdentityClient`](crate::IdentityClient): an async token source, or
//! (feature `azure-identity`) an `azure_core` `TokenCredential`, wrapped in the same token cache
//! as user tokens.

use std::error::Error as StdError;
use std::fmt;
use std::future::IntoFuture;

use chat_core::auth::{TokenRefreshOptions, ENTRA_SCOPES};
use chat_core::AccessToken;

use crate::CommunicationTokenCredential;

/// A Microsoft Entra ID credential for [`IdentityClient::with_entra_id`](crate::IdentityClient::with_entra_id):
/// an async token source called with the scopes to ask for
/// ([`ENTRA_SCOPE`](crate::ENTRA_SCOPE), `https://communication.azure.com//.default`),
/// or, with the `azure-identity` feature, any `azure_core::credentials::TokenCredential` (such as
/// `azure_identity`'s `ManagedIdentityCredential` or `DeveloperToolsCredential`) through
/// `EntraIdCredential::from_token_credential`.
///
/// The source runs when a call needs a token: on the first call, from two minutes before the
/// token expires (or half its lifetime, if later), and after the service refused the token with
/// 401; one call runs it while the others wait for its result, shared by every clone and every
/// client built from the credential (the core's `TokenCache`, as for user tokens). A failure
/// reaches the caller as [`Error::TokenRefresh`](crate::Error::TokenRefresh), its `source()` the
/// source's error.
///
/// ```no_run
/// use chat_hyper::{AccessToken, ClientOptions, EntraIdCredential, IdentityClient};
///
/// # async fn fetch_entra_token(scopes: &[&str]) -> Result<String, std::io::Error> { unimplemented!() }
/// # async fn demo() -> Result<(), chat_hyper::Error> {
/// // Any async way to get a token: a managed identity endpoint, a CLI, a cache of your own.
/// let credential = EntraIdCredential::new(|scopes: &'static [&'static str]| async move {
///     let jwt = fetch_entra_token(scopes).await?;
///     AccessToken::from_jwt(jwt).map_err(|e| std::io::Error::other(e.to_string()))
/// });
/// let identity = IdentityClient::with_entra_id(
///     "https://contoso.communication.azure.com",
///     credential,
///     ClientOptions::default(),
/// )?;
/// let user = identity.create_user().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EntraIdCredential {
    cached: CommunicationTokenCredential,
}

impl EntraIdCredential {
    /// A credential that asks `source` for tokens, as the type's docs say; `source` returns
    /// anything that can be awaited for a token or an error of any type.
    pub fn new<F, Fut, E>(source: F) -> Self
    where
        F: Fn(&'static [&'static str]) -> Fut + Send + Sync + 'static,
        Fut: IntoFuture<Output = Result<AccessToken, E>>,
        Fut::IntoFuture: Send + 'static,
        E: Into<Box<dyn StdError + Send + Sync + 'static>>,
    {
        let refresher = move || source(ENTRA_SCOPES);
        Self {
            cached: CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(
                refresher,
            )),
        }
    }

    /// A credential that asks an `azure_core` token credential (any of `azure_identity`'s) for
    /// tokens. `azure_core` is built with its default features off: its HTTP stack is not
    /// compiled in, only the trait (the credential brings what it needs).
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use chat_hyper::{ClientOptions, EntraIdCredential, IdentityClient};
    /// # async fn demo(credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Result<(), chat_hyper::Error> {
    /// // e.g. `azure_identity::ManagedIdentityCredential::new(None)?`
    /// let identity = IdentityClient::with_entra_id(
    ///     "https://contoso.communication.azure.com",
    ///     EntraIdCredential::from_token_credential(credential),
    ///     ClientOptions::default(),
    /// )?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "azure-identity")]
    pub fn from_token_credential(
        credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>,
    ) -> Self {
        Self::new(move |scopes: &'static [&'static str]| {
            let credential = std::sync::Arc::clone(&credential);
            async move {
                let token = credential.get_token(scopes, None).await?;
                let expires_on = std::time::SystemTime::from(token.expires_on);
                Ok::<_, azure_core::Error>(AccessToken::new(token.token.secret(), expires_on))
            }
        })
    }

    /// A valid token, asking the source first if none is cached or the cached one is due.
    pub async fn get_token(&self) -> Result<AccessToken, chat_core::Error> {
        self.cached.get_token().await
    }
}

impl From<EntraIdCredential> for CommunicationTokenCredential {
    fn from(credential: EntraIdCredential) -> Self {
        credential.cached
    }
}

impl fmt::Debug for EntraIdCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraIdCredential").finish_non_exhaustive()
    }
}
