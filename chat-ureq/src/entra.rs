//! Microsoft Entra ID for [`IdentityClient`](crate::IdentityClient): a blocking token source
//! wrapped in the same token cache as user tokens.

use std::error::Error as StdError;
use std::fmt;

use chat_core::auth::{TokenRefreshOptions, ENTRA_SCOPES};
use chat_core::AccessToken;

use crate::CommunicationTokenCredential;

/// A Microsoft Entra ID credential for [`IdentityClient::with_entra_id`](crate::IdentityClient::with_entra_id):
/// a token source, called with the scopes to ask for
/// ([`ENTRA_SCOPE`](crate::ENTRA_SCOPE), `https://communication.azure.com//.default`)
/// and returning an access token or an error of any type.
///
/// The source runs on the calling thread when a call needs a token: on the first call, from two
/// minutes before the token expires (or half its lifetime, if later), and after the service
/// refused the token with 401; its result is shared by every clone and every client built from
/// the credential (the core's `TokenCache`, as for user tokens). A failure reaches the caller as
/// [`Error::TokenRefresh`](crate::Error::TokenRefresh), its `source()` the source's error.
///
/// ```no_run
/// use chat_ureq::{AccessToken, ClientOptions, EntraIdCredential, IdentityClient};
///
/// # fn fetch_entra_token(scopes: &[&str]) -> Result<String, std::io::Error> { unimplemented!() }
/// # fn main() -> Result<(), chat_ureq::Error> {
/// // Any blocking way to get a token: a managed identity endpoint, a CLI, a cache of your own.
/// let credential = EntraIdCredential::new(|scopes: &[&str]| {
///     let jwt = fetch_entra_token(scopes)?;
///     AccessToken::from_jwt(jwt).map_err(|e| std::io::Error::other(e.to_string()))
/// });
/// let identity = IdentityClient::with_entra_id(
///     "https://contoso.communication.azure.com",
///     credential,
///     ClientOptions::default(),
/// )?;
/// let user = identity.create_user().call()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EntraIdCredential {
    cached: CommunicationTokenCredential,
}

impl EntraIdCredential {
    /// A credential that asks `source` for tokens, as the type's docs say.
    pub fn new<F, E>(source: F) -> Self
    where
        F: Fn(&[&str]) -> Result<AccessToken, E> + Send + Sync + 'static,
        E: Into<Box<dyn StdError + Send + Sync + 'static>>,
    {
        let refresher = move || source(ENTRA_SCOPES);
        Self {
            cached: CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(
                refresher,
            )),
        }
    }

    /// A valid token, asking the source first if none is cached or the cached one is due.
    pub fn get_token(&self) -> Result<AccessToken, chat_core::Error> {
        self.cached.get_token()
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
