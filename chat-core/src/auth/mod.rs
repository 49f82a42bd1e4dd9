//! Credentials: user access tokens for chat, the resource access key for identity.

mod access_key;
mod access_token;
pub mod hmac;

pub use access_key::AccessKey;
pub use access_token::AccessToken;
