//! `IdentityClient`: users and their access tokens, signed with the resource's access key.

use crate::identity::{
    ConnectionString, CreateUser, DeleteUser, ExchangeTeamsToken, IdentityContext, IssueToken,
    RevokeTokens, TokenScope,
};
use crate::{Auth, Endpoint, Error};

use super::{ClientOptions, Connect, Pending, Runner};

/// The identity client of one ACS resource, built from its connection string
/// (`endpoint=https://...;accesskey=...`). Cloning is cheap.
#[derive(Clone, Debug)]
pub struct IdentityClient<R> {
    runner: R,
    ctx: IdentityContext,
}

impl<R: Connect> IdentityClient<R> {
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
        let runner = R::connect(&options, Auth::AccessKey(cs.access_key().clone()), None)?;
        Ok(Self {
            runner,
            ctx: IdentityContext::from_connection_string(&cs),
        })
    }
}

impl<R: Runner> IdentityClient<R> {
    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.ctx.endpoint
    }

    /// Creates a user.
    pub fn create_user(&self) -> Pending<R, CreateUser> {
        Pending::new(&self.runner, &self.ctx, CreateUser::new())
    }

    /// Creates a user and a token with `scopes` for it. Option: `expires_in_minutes`.
    pub fn create_user_and_token(
        &self,
        scopes: impl IntoIterator<Item = TokenScope>,
    ) -> Pending<R, CreateUser> {
        Pending::new(
            &self.runner,
            &self.ctx,
            CreateUser::new().with_token(scopes, None),
        )
    }

    /// Issues a token for a user. Option: `expires_in_minutes`.
    pub fn get_token(
        &self,
        user_id: impl Into<String>,
        scopes: impl IntoIterator<Item = TokenScope>,
    ) -> Pending<R, IssueToken> {
        Pending::new(&self.runner, &self.ctx, IssueToken::new(user_id, scopes))
    }

    /// Revokes every token of a user.
    pub fn revoke_tokens(&self, user_id: impl Into<String>) -> Pending<R, RevokeTokens> {
        Pending::new(&self.runner, &self.ctx, RevokeTokens::new(user_id))
    }

    /// Deletes a user (and revokes its tokens).
    pub fn delete_user(&self, user_id: impl Into<String>) -> Pending<R, DeleteUser> {
        Pending::new(&self.runner, &self.ctx, DeleteUser::new(user_id))
    }

    /// Exchanges a Teams user's Entra ID token for an ACS token.
    pub fn get_token_for_teams_user(
        &self,
        token: impl Into<String>,
        app_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Pending<R, ExchangeTeamsToken> {
        Pending::new(
            &self.runner,
            &self.ctx,
            ExchangeTeamsToken::new(token, app_id, user_id),
        )
    }
}
