//! `ChatClient`, `ChatThreadClient` and `IdentityClient`: each method is one line that builds an
//! operation and binds it to the runner; the optional parameters are builder methods of the
//! [`Pending`] (or [`PendingList`]) it returns.
//!
//! Each method's docs say what it gives once run. "**Returns** `Result<T, Error>`" means:
//! `.call()` gives it with chat-ureq, `.await` gives it with chat-hyper. "**Lists** `T`" means a
//! listing of `Result<T, Error>` items: `for item in listing` with chat-ureq,
//! `while let Some(item) = listing.next().await` with chat-hyper.

use crate::identifier::CommunicationIdentifier;
use crate::identity::{
    ConnectionString, CreateUser, DeleteUser, ExchangeTeamsToken, IdentityContext, IssueToken,
    RevokeTokens, TokenScope,
};
use crate::messages::{DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage};
use crate::participants::{AddParticipants, ChatParticipant, ListParticipants, RemoveParticipant};
use crate::read_receipts::{ListReadReceipts, SendReadReceipt};
use crate::threads::{CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread};
use crate::typing::SendTypingNotification;
use crate::{Auth, ChatContext, Endpoint, Error, ListOperation, Operation};

use super::{ClientOptions, Connect, Pending, PendingList, Runner};

/// The chat client of one ACS resource: creates, lists and deletes threads, and hands out
/// [`ChatThreadClient`]s. Cloning is cheap and shares the connection pool and the credential.
#[derive(Clone, Debug)]
pub struct ChatClient<R> {
    runner: R,
    ctx: ChatContext,
}

impl<R: Connect> ChatClient<R> {
    /// A client for `endpoint` (`https://<resource>.communication.azure.com`) with default
    /// options.
    pub fn new(endpoint: &str, credential: R::Credential) -> Result<Self, Error> {
        Self::with_options(endpoint, credential, ClientOptions::default())
    }

    /// A client with explicit options (timeouts, retries, TLS roots, application id).
    pub fn with_options(
        endpoint: &str,
        credential: R::Credential,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = options.parse_endpoint(endpoint)?;
        let ctx = ChatContext::new(endpoint).with_api_version(options.api_version);
        let runner = R::connect(&options, Auth::Bearer, Some(credential))?;
        Ok(Self { runner, ctx })
    }
}

impl<R: Runner> ChatClient<R> {
    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.ctx.endpoint
    }

    /// A client for one thread, sharing this client's connections and credential.
    pub fn chat_thread_client(&self, thread_id: impl Into<String>) -> ChatThreadClient<R> {
        ChatThreadClient {
            runner: self.runner.clone(),
            ctx: self.ctx.clone(),
            thread_id: thread_id.into(),
        }
    }

    /// Any chat operation of `chat_core`, run by this client.
    ///
    /// **Returns** `Result<O::Output, Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn run<O: Operation<Context = ChatContext> + Send + 'static>(
        &self,
        operation: O,
    ) -> Pending<R, O> {
        Pending::new(&self.runner, &self.ctx, operation)
    }

    /// Any chat listing of `chat_core`, run by this client.
    ///
    /// **Lists** `L::Item`s, like the listing methods below.
    pub fn list<L: ListOperation + Send + 'static>(&self, list: L) -> PendingList<R, L> {
        PendingList::new(&self.runner, &self.ctx, list)
    }

    /// Creates a thread. Options: `participants`, `metadata`, `retention_policy`,
    /// `repeatability_request_id` (an idempotency token; a fresh UUID is used when absent, kept
    /// across the retries of the call). A topic that is empty or only whitespace is refused
    /// before sending ([`crate::InputErrorKind::Empty`]).
    ///
    /// **Returns** `Result<[`CreateThreadResult`](crate::threads::CreateThreadResult), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn create_chat_thread(&self, topic: impl Into<String>) -> Pending<R, CreateThread> {
        self.run(CreateThread::new(topic).repeatability_request_id(self.runner.new_request_id()))
    }

    /// Lists the threads the user is in. Options: `max_page_size`, `start_time`.
    ///
    /// **Lists** [`ChatThreadItem`](crate::threads::ChatThreadItem)s: `for item in listing` (chat-ureq) or
    /// `while let Some(item) = listing.next().await` (chat-hyper), each a `Result<ChatThreadItem, Error>`.
    pub fn list_chat_threads(&self) -> PendingList<R, ListThreads> {
        self.list(ListThreads::new())
    }

    /// Deletes a thread.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn delete_chat_thread(&self, thread_id: impl Into<String>) -> Pending<R, DeleteThread> {
        self.run(DeleteThread::new(thread_id))
    }
}

/// The client of one chat thread: properties, messages, participants, typing and read
/// receipts. Made by [`ChatClient::chat_thread_client`].
#[derive(Clone, Debug)]
pub struct ChatThreadClient<R> {
    runner: R,
    ctx: ChatContext,
    thread_id: String,
}

impl<R: Runner> ChatThreadClient<R> {
    /// The thread id.
    pub fn thread_id(&self) -> &str {
        &self.thread_id
    }

    fn run<O: Operation<Context = ChatContext> + Send + 'static>(
        &self,
        operation: O,
    ) -> Pending<R, O> {
        Pending::new(&self.runner, &self.ctx, operation)
    }

    fn list<L: ListOperation + Send + 'static>(&self, list: L) -> PendingList<R, L> {
        PendingList::new(&self.runner, &self.ctx, list)
    }

    /// The thread's properties.
    ///
    /// **Returns** `Result<[`ChatThreadProperties`](crate::threads::ChatThreadProperties), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn get_properties(&self) -> Pending<R, GetThreadProperties> {
        self.run(GetThreadProperties::new(&self.thread_id))
    }

    /// Sets the topic.
    /// A topic that is empty or only whitespace is refused before sending
    /// ([`crate::InputErrorKind::Empty`]).
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn update_topic(&self, topic: impl Into<String>) -> Pending<R, UpdateThread> {
        self.run(UpdateThread::new(&self.thread_id).topic(topic))
    }

    /// Updates properties. Options: `topic`, `metadata`, `retention_policy`.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn update_properties(&self) -> Pending<R, UpdateThread> {
        self.run(UpdateThread::new(&self.thread_id))
    }

    /// Sends a message. Options: `message_type` (text by default), `sender_display_name`,
    /// `metadata`. Not retried when it may have reached the service: see
    /// [`Error::may_have_been_sent`].
    ///
    /// Content that is empty or only whitespace is refused before sending
    /// ([`crate::InputErrorKind::Empty`]).
    ///
    /// **Returns** `Result<[`SendMessageResult`](crate::messages::SendMessageResult), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn send_message(&self, content: impl Into<String>) -> Pending<R, SendMessage> {
        self.run(SendMessage::new(&self.thread_id, content))
    }

    /// One message.
    ///
    /// **Returns** `Result<[`ChatMessage`](crate::messages::ChatMessage), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn get_message(&self, message_id: impl Into<String>) -> Pending<R, GetMessage> {
        self.run(GetMessage::new(&self.thread_id, message_id))
    }

    /// Lists messages, newest first. Options: `max_page_size`, `start_time`.
    ///
    /// **Lists** [`ChatMessage`](crate::messages::ChatMessage)s: `for item in listing` (chat-ureq) or
    /// `while let Some(item) = listing.next().await` (chat-hyper), each a `Result<ChatMessage, Error>`.
    /// Page by page, with continuation tokens: `.pages()`.
    pub fn list_messages(&self) -> PendingList<R, ListMessages> {
        self.list(ListMessages::new(&self.thread_id))
    }

    /// Replaces a message's content. Options: `metadata`.
    /// Empty or blank content is refused before sending (delete the message instead).
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn update_message(
        &self,
        message_id: impl Into<String>,
        content: impl Into<String>,
    ) -> Pending<R, UpdateMessage> {
        self.run(UpdateMessage::new(&self.thread_id, message_id).content(content))
    }

    /// Deletes a message.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn delete_message(&self, message_id: impl Into<String>) -> Pending<R, DeleteMessage> {
        self.run(DeleteMessage::new(&self.thread_id, message_id))
    }

    /// Lists participants. Options: `max_page_size`, `skip`.
    ///
    /// **Lists** [`ChatParticipant`](crate::participants::ChatParticipant)s: `for item in listing` (chat-ureq) or
    /// `while let Some(item) = listing.next().await` (chat-hyper), each a `Result<ChatParticipant, Error>`.
    pub fn list_participants(&self) -> PendingList<R, ListParticipants> {
        self.list(ListParticipants::new(&self.thread_id))
    }

    /// Adds participants; the result lists the ones the service refused, each with its error.
    ///
    /// **Returns** `Result<[`AddParticipantsResult`](crate::participants::AddParticipantsResult), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn add_participants(
        &self,
        participants: Vec<ChatParticipant>,
    ) -> Pending<R, AddParticipants> {
        self.run(AddParticipants::new(&self.thread_id, participants))
    }

    /// Removes a participant.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn remove_participant(
        &self,
        identifier: CommunicationIdentifier,
    ) -> Pending<R, RemoveParticipant> {
        self.run(RemoveParticipant::new(&self.thread_id, identifier))
    }

    /// Tells the other participants the user is typing. Options: `sender_display_name`.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn send_typing_notification(&self) -> Pending<R, SendTypingNotification> {
        self.run(SendTypingNotification::new(&self.thread_id))
    }

    /// Marks a message (and those before it) as read.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn send_read_receipt(&self, message_id: impl Into<String>) -> Pending<R, SendReadReceipt> {
        self.run(SendReadReceipt::new(&self.thread_id, message_id))
    }

    /// Lists read receipts. Options: `max_page_size`, `skip`.
    ///
    /// **Lists** [`ChatMessageReadReceipt`](crate::read_receipts::ChatMessageReadReceipt)s: `for item in listing` (chat-ureq) or
    /// `while let Some(item) = listing.next().await` (chat-hyper), each a `Result<ChatMessageReadReceipt, Error>`.
    pub fn list_read_receipts(&self) -> PendingList<R, ListReadReceipts> {
        self.list(ListReadReceipts::new(&self.thread_id))
    }
}

/// The identity client of one ACS resource, built from its connection string
/// (`endpoint=https://...;accesskey=...`), or from its endpoint and a Microsoft Entra ID token
/// credential ([`IdentityClient::with_entra_id`]). Cloning is cheap.
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

impl<R: Connect> IdentityClient<R> {
    /// A client for `endpoint` (`https://<resource>.communication.azure.com`) that authorizes
    /// its requests with Microsoft Entra ID bearer tokens for
    /// [`ENTRA_SCOPE`](crate::auth::ENTRA_SCOPE), from `credential`: the transport's
    /// `EntraIdCredential` (a token source, or an `azure_core` `TokenCredential` with
    /// chat-hyper's `azure-identity` feature), cached and refreshed like a user token (see
    /// [`crate::auth::entra`]). A token the service refuses gives [`Error::Authentication`]
    /// with the service's 401.
    pub fn with_entra_id(
        endpoint: &str,
        credential: impl Into<R::Credential>,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = options.parse_endpoint(endpoint)?;
        let runner = R::connect(&options, Auth::Bearer, Some(credential.into()))?;
        Ok(Self {
            runner,
            ctx: IdentityContext::new(endpoint),
        })
    }
}

impl<R: Runner> IdentityClient<R> {
    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.ctx.endpoint
    }

    /// Creates a user.
    ///
    /// **Returns** `Result<[`CreateUserResult`](crate::identity::CreateUserResult), Error>` (no token): `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn create_user(&self) -> Pending<R, CreateUser> {
        Pending::new(&self.runner, &self.ctx, CreateUser::new())
    }

    /// Creates a user and a token with `scopes` for it. Option: `expires_in_minutes`.
    ///
    /// **Returns** `Result<[`CreateUserResult`](crate::identity::CreateUserResult), Error>` (with its `access_token`): `.call()` (chat-ureq) or `.await` (chat-hyper).
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
    ///
    /// **Returns** `Result<[`AccessToken`](crate::AccessToken), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn get_token(
        &self,
        user_id: impl Into<String>,
        scopes: impl IntoIterator<Item = TokenScope>,
    ) -> Pending<R, IssueToken> {
        Pending::new(&self.runner, &self.ctx, IssueToken::new(user_id, scopes))
    }

    /// Revokes every token of a user.
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn revoke_tokens(&self, user_id: impl Into<String>) -> Pending<R, RevokeTokens> {
        Pending::new(&self.runner, &self.ctx, RevokeTokens::new(user_id))
    }

    /// Deletes a user (and revokes its tokens).
    ///
    /// **Returns** `Result<(), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
    pub fn delete_user(&self, user_id: impl Into<String>) -> Pending<R, DeleteUser> {
        Pending::new(&self.runner, &self.ctx, DeleteUser::new(user_id))
    }

    /// Exchanges a Teams user's Entra ID token for an ACS token.
    ///
    /// **Returns** `Result<[`AccessToken`](crate::AccessToken), Error>`: `.call()` (chat-ureq) or `.await` (chat-hyper).
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
