//! The identity operations: create user (with or without a token), issue token, revoke tokens,
//! delete user, exchange a Teams user's Entra token.

use std::fmt;

use http::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use super::{IdentityContext, TokenScope};
use crate::identifier::CommunicationUserIdentifier;
use crate::{
    empty_request, encode_path_segment, expect_no_content, expect_status, json_request,
    AccessToken, Error, Idempotency, InputErrorKind, Operation, Timestamp, APPLICATION_JSON,
    REDACTED,
};

/// The shortest token lifetime the service issues, in minutes.
pub const MIN_EXPIRES_IN_MINUTES: u32 = 60;
/// The longest token lifetime the service issues (and its default), in minutes.
pub const MAX_EXPIRES_IN_MINUTES: u32 = 1440;

fn check_expiry(minutes: Option<u32>) -> Result<(), Error> {
    match minutes {
        Some(m) if !(MIN_EXPIRES_IN_MINUTES..=MAX_EXPIRES_IN_MINUTES).contains(&m) => {
            Err(Error::invalid_input(
                "expiresInMinutes",
                &m.to_string(),
                InputErrorKind::OutOfRange,
                "the service issues tokens for 60 to 1440 minutes",
                "60 to 1440 (minutes)",
            ))
        }
        _ => Ok(()),
    }
}

fn check_scopes(scopes: &[TokenScope]) -> Result<(), Error> {
    if scopes.is_empty() {
        return Err(Error::invalid_input(
            "scopes",
            "[]",
            InputErrorKind::Empty,
            "a token needs at least one scope",
            "one or more of chat, voip, chat.join, chat.join.limited, voip.join",
        ));
    }
    Ok(())
}

fn user_path(user_id: &str, action: &str) -> Result<String, Error> {
    crate::input::check_id("user id", user_id, crate::input::USER_ID_SHAPE)?;
    Ok(format!(
        "/identities/{}{action}",
        encode_path_segment(user_id)
    ))
}

/// `CommunicationIdentityAccessToken` on the wire.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireToken {
    token: String,
    expires_on: Timestamp,
}

impl From<WireToken> for AccessToken {
    /// The expiry comes from `expiresOn`, not the JWT: recorded and opaque tokens are no JWTs.
    fn from(t: WireToken) -> Self {
        Self::new(t.token, t.expires_on.to_system_time())
    }
}

#[derive(Deserialize)]
struct WireIdentity {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTokenResult {
    identity: WireIdentity,
    #[serde(default)]
    access_token: Option<WireToken>,
}

/// Parses a body that may hold a token. On failure the body is not kept: it may hold a token,
/// and errors get logged.
fn parse_secret_json<T: for<'de> Deserialize<'de>>(
    response: Response<Vec<u8>>,
    expected: StatusCode,
) -> Result<T, Error> {
    let body = expect_status(response, expected)?;
    serde_json::from_slice(&body).map_err(|e| Error::Deserialize {
        status: expected.as_u16(),
        message: e.to_string(),
        body: b"[redacted: the body may hold a token]".to_vec(),
        correlation: crate::Correlation::default(),
    })
}

/// Creates a user, and with [`CreateUser::with_token`] a token for it in the same call.
/// `POST /identities` → 201. Not idempotent: a repeat creates a second user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateUser {
    scopes: Vec<TokenScope>,
    expires_in_minutes: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    create_token_with_scopes: &'a [TokenScope],
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_minutes: Option<u32>,
}

impl CreateUser {
    /// Creates a user without a token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also issues a token with these scopes, valid for `expires_in_minutes` (60 to 1440; the
    /// service's default is 1440). With no scopes, no token is asked for (and an expiry is
    /// refused).
    pub fn with_token(
        mut self,
        scopes: impl IntoIterator<Item = TokenScope>,
        expires_in_minutes: Option<u32>,
    ) -> Self {
        self.scopes = scopes.into_iter().collect();
        self.expires_in_minutes = expires_in_minutes;
        self
    }

    /// How long the token asked for with [`CreateUser::with_token`] lives, 60 to 1440 minutes.
    pub fn expires_in_minutes(mut self, minutes: u32) -> Self {
        self.expires_in_minutes = Some(minutes);
        self
    }
}

/// What [`CreateUser`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateUserResult {
    /// The new user.
    pub user: CommunicationUserIdentifier,
    /// Its token, when one was asked for.
    pub access_token: Option<AccessToken>,
}

impl Operation for CreateUser {
    type Output = CreateUserResult;
    type Context = IdentityContext;

    fn to_request(&self, ctx: &IdentityContext) -> Result<Request<Vec<u8>>, Error> {
        check_expiry(self.expires_in_minutes)?;
        if self.expires_in_minutes.is_some() {
            check_scopes(&self.scopes)?;
        }
        let uri = ctx.uri("/identities")?;
        if self.scopes.is_empty() {
            // The body is optional; without a token, send none (as the Python SDK does).
            return Ok(empty_request(Method::POST, uri));
        }
        let body = CreateBody {
            create_token_with_scopes: &self.scopes,
            expires_in_minutes: self.expires_in_minutes,
        };
        json_request(Method::POST, uri, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<CreateUserResult, Error> {
        let wire: WireTokenResult = parse_secret_json(response, StatusCode::CREATED)?;
        Ok(CreateUserResult {
            user: CommunicationUserIdentifier::new(wire.identity.id),
            access_token: wire.access_token.map(AccessToken::from),
        })
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::NotIdempotent
    }
}

/// Issues a token for a user. `POST /identities/{id}/:issueAccessToken` → 200. A repeat issues
/// another token, which is harmless.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssueToken {
    user_id: String,
    scopes: Vec<TokenScope>,
    expires_in_minutes: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueBody<'a> {
    scopes: &'a [TokenScope],
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_minutes: Option<u32>,
}

impl IssueToken {
    /// A token with `scopes` for the user `user_id` (`8:acs:...`).
    pub fn new(user_id: impl Into<String>, scopes: impl IntoIterator<Item = TokenScope>) -> Self {
        Self {
            user_id: user_id.into(),
            scopes: scopes.into_iter().collect(),
            expires_in_minutes: None,
        }
    }

    /// How long the token lives, 60 to 1440 minutes (the service's default is 1440).
    pub fn expires_in_minutes(mut self, minutes: u32) -> Self {
        self.expires_in_minutes = Some(minutes);
        self
    }
}

impl Operation for IssueToken {
    type Output = AccessToken;
    type Context = IdentityContext;

    fn to_request(&self, ctx: &IdentityContext) -> Result<Request<Vec<u8>>, Error> {
        check_scopes(&self.scopes)?;
        check_expiry(self.expires_in_minutes)?;
        let uri = ctx.uri(&user_path(&self.user_id, "/:issueAccessToken")?)?;
        let body = IssueBody {
            scopes: &self.scopes,
            expires_in_minutes: self.expires_in_minutes,
        };
        json_request(Method::POST, uri, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<AccessToken, Error> {
        parse_secret_json::<WireToken>(response, StatusCode::OK).map(AccessToken::from)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Revokes every token of a user. `POST /identities/{id}/:revokeAccessTokens` → 204.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokeTokens {
    user_id: String,
}

impl RevokeTokens {
    /// Revokes the tokens of `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

impl Operation for RevokeTokens {
    type Output = ();
    type Context = IdentityContext;

    fn to_request(&self, ctx: &IdentityContext) -> Result<Request<Vec<u8>>, Error> {
        let uri = ctx.uri(&user_path(&self.user_id, "/:revokeAccessTokens")?)?;
        Ok(empty_request(Method::POST, uri))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Deletes a user and revokes its tokens. `DELETE /identities/{id}` → 204.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteUser {
    user_id: String,
}

impl DeleteUser {
    /// Deletes `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

impl Operation for DeleteUser {
    type Output = ();
    type Context = IdentityContext;

    fn to_request(&self, ctx: &IdentityContext) -> Result<Request<Vec<u8>>, Error> {
        let uri = ctx.uri(&user_path(&self.user_id, "")?)?;
        Ok(empty_request(Method::DELETE, uri))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Exchanges a Teams user's Entra ID access token for an ACS token.
/// `POST /teamsUser/:exchangeAccessToken` → 200. `Debug` never prints the Entra token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExchangeTeamsToken {
    token: String,
    app_id: String,
    user_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeBody<'a> {
    token: &'a str,
    app_id: &'a str,
    user_id: &'a str,
}

impl ExchangeTeamsToken {
    /// `token`: the Entra ID access token of the Teams user; `app_id`: the Entra application's
    /// client id (checked against the token's `appid`); `user_id`: the user's Entra object id
    /// (checked against `oid`).
    pub fn new(
        token: impl Into<String>,
        app_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        Self {
            token: token.into(),
            app_id: app_id.into(),
            user_id: user_id.into(),
        }
    }
}

impl fmt::Debug for ExchangeTeamsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeTeamsToken")
            .field("token", &"[redacted]")
            .field("app_id", &self.app_id)
            .field("user_id", &self.user_id)
            .finish()
    }
}

impl Operation for ExchangeTeamsToken {
    type Output = AccessToken;
    type Context = IdentityContext;

    fn to_request(&self, ctx: &IdentityContext) -> Result<Request<Vec<u8>>, Error> {
        if self.token.trim().is_empty() {
            return Err(Error::invalid_input(
                "token",
                REDACTED,
                InputErrorKind::Empty,
                "the Teams user's token is empty",
                "the Teams user's Entra ID access token (a JWT)",
            ));
        }
        crate::input::check_id("app id", &self.app_id, "the Entra application's client id")?;
        crate::input::check_id("user id", &self.user_id, "the Teams user's Entra object id")?;
        let body = ExchangeBody {
            token: &self.token,
            app_id: &self.app_id,
            user_id: &self.user_id,
        };
        let uri = ctx.uri("/teamsUser/:exchangeAccessToken")?;
        json_request(Method::POST, uri, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<AccessToken, Error> {
        parse_secret_json::<WireToken>(response, StatusCode::OK).map(AccessToken::from)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}
