//! `IdentityClient`: users and their access tokens, signed with the resource's access key.

use std::sync::Arc;

use chat_core::identity::{
    ConnectionString, CreateUser, DeleteUser, ExchangeTeamsToken, IdentityContext, IssueToken,
    RevokeTokens, TokenScope,
};
use chat_core::{Auth, Endpoint, Error};

use crate::executor::Executor;
use crate::{ClientOptions, Pending};

/// The identity client of one ACS resource, built from its connection string
/// (`endpoint=https://...;accesskey=...`). Cloning is cheap.
#[derive(Clone, Debug)]
pub struct IdentityClient {
    exec: Arc<Executor>,
    ctx: IdentityContext,
}

impl IdentityClient {
    /// A client from a connection string, with default options.
    pub fn from_connection_string(connection_string: &str) -> Result<Self, Error> {
        Self::from_connection_string_with_options(connection_string, ClientOptions::default())
    }

    /// A client from a connection string with explicit options. With
    /// [`ClientOptions::allow_loopback_http`], an `http://` loopback endpoint is accepted.
    pub fn from_connection_string_with_options(
        connection_string: &str,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        let cs = if options.allow_loopback_http {
            ConnectionString::parse_allowing_loopback_http(connection_string)?
        } else {
            ConnectionString::parse(connection_string)?
        };
        let exec = Executor::new(&options, Auth::AccessKey(cs.access_key().clone()), None)?;
        Ok(Self {
            exec: Arc::new(exec),
            ctx: IdentityContext::from_connection_string(&cs),
        })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.ctx.endpoint
    }

    /// Creates a user.
    pub fn create_user(&self) -> Pending<CreateUser> {
        Pending::new(&self.exec, &self.ctx, CreateUser::new())
    }

    /// Creates a user and a token with `scopes` for it. Option: `with_token(scopes, expiry)`.
    pub fn create_user_and_token(
        &self,
        scopes: impl IntoIterator<Item = TokenScope>,
    ) -> Pending<CreateUser> {
        Pending::new(
            &self.exec,
            &self.ctx,
            CreateUser::new().with_token(scopes, None),
        )
    }

    /// Issues a token for a user. Option: `expires_in_minutes`.
    pub fn get_token(
        &self,
        user_id: impl Into<String>,
        scopes: impl IntoIterator<Item = TokenScope>,
    ) -> Pending<IssueToken> {
        Pending::new(&self.exec, &self.ctx, IssueToken::new(user_id, scopes))
    }

    /// Revokes every token of a user.
    pub fn revoke_tokens(&self, user_id: impl Into<String>) -> Pending<RevokeTokens> {
        Pending::new(&self.exec, &self.ctx, RevokeTokens::new(user_id))
    }

    /// Deletes a user (and revokes its tokens).
    pub fn delete_user(&self, user_id: impl Into<String>) -> Pending<DeleteUser> {
        Pending::new(&self.exec, &self.ctx, DeleteUser::new(user_id))
    }

    /// Exchanges a Teams user's Entra ID token for an ACS token.
    pub fn get_token_for_teams_user(
        &self,
        token: impl Into<String>,
        app_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Pending<ExchangeTeamsToken> {
        Pending::new(
            &self.exec,
            &self.ctx,
            ExchangeTeamsToken::new(token, app_id, user_id),
        )
    }
}
