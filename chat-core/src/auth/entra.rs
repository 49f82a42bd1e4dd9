//! Microsoft Entra ID for the identity API: what a client asks its token source for.
//!
//! An [`IdentityClient`](crate::client::IdentityClient) built with
//! [`IdentityClient::with_entra_id`](crate::client::IdentityClient::with_entra_id) authorizes
//! each request with `Authorization: Bearer <token>`, where the token is an Entra ID access token
//! for [`ENTRA_SCOPE`] (audience `https://communication.azure.com`), in place of the access
//! key's HMAC signature. The transports wrap the application's token source (a closure, or in
//! `chat-hyper` an `azure_core` `TokenCredential`) in the same [`TokenCache`](super::TokenCache)
//! machine as user tokens: the token is fetched on the first call, reused until two minutes
//! before it expires (or half its lifetime, if later), fetched again after a 401, and sent to the
//! configured endpoint only (a request for any other host is refused before it is sent, as for
//! every credential).

/// The scope an identity client asks for: the ACS resource and `/.default`, with the double
/// slash the Azure SDKs use (`https://communication.azure.com//.default`).
pub const ENTRA_SCOPE: &str = "https://communication.azure.com//.default";

/// [`ENTRA_SCOPE`] as the list of scopes a token source is asked for.
pub const ENTRA_SCOPES: &[&str] = &[ENTRA_SCOPE];
