//! Credentials: user access tokens for chat (and the [`TokenCache`] machine that keeps them
//! fresh), the resource access key or Microsoft Entra ID ([`entra`]) for identity, and HMAC
//! request signing.

mod access_key;
mod access_token;
pub mod entra;
pub mod hmac;
mod refresh_error;
mod refresh_options;
mod token_cache;

pub use access_key::AccessKey;
pub use access_token::AccessToken;
pub use entra::{ENTRA_SCOPE, ENTRA_SCOPES};
pub use refresh_error::RefreshError;
pub use refresh_options::TokenRefreshOptions;
pub use token_cache::{
    TokenCache, TokenPoll, ON_DEMAND_WINDOW, PROACTIVE_WINDOW, REFRESH_RETRY_DELAY,
};
