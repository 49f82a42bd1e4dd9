//! The world of one cell: a fresh emulator, its owner user, a chat client whose credential
//! refreshes from the emulator, an identity client, and the owner's thread.

use std::sync::Arc;
use std::time::Duration;

use chat_core::client::{ChatClient, ClientOptions, IdentityClient};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::participants::ChatParticipant;
use chat_core::{AccessToken, RetryOptions};
use chat_testkit::emulator::Emulator;
use chat_testkit::log_capture::LogCapture;

use super::{Drive, Refresh};

/// One cell's world: an emulator, its owner user and clients.
pub(super) struct World<R: Drive> {
    pub(super) emulator: Arc<Emulator>,
    pub(super) owner: String,
    pub(super) chat: ChatClient<R>,
    pub(super) identity: IdentityClient<R>,
    pub(super) options: ClientOptions,
    pub(super) thread: String,
    /// What the transport logged on the cell's thread.
    pub(super) logs: LogCapture,
}

impl<R: Drive> World<R> {
    pub(super) fn new(logs: LogCapture) -> Self {
        let emulator = Arc::new(Emulator::start());
        let owner = emulator.create_user();
        let options = ClientOptions::default()
            .allow_loopback_http(true)
            .retry(RetryOptions::default().with_initial_delay(Duration::from_millis(5)));
        let chat = Self::client_for(&emulator, &owner, &options);
        let identity = IdentityClient::<R>::from_connection_string_with_options(
            &emulator.connection_string(),
            options.clone(),
        )
        .unwrap();
        let thread = R::block(chat.create_chat_thread("matrix").call())
            .unwrap()
            .thread
            .id;
        Self {
            emulator,
            owner,
            chat,
            identity,
            options,
            thread,
            logs,
        }
    }

    pub(super) fn client_for(
        emulator: &Arc<Emulator>,
        user: &str,
        options: &ClientOptions,
    ) -> ChatClient<R> {
        let token = |e: &Emulator, u: &str| {
            let jwt = e.issue_token(u, &["chat"]).ok_or("no such user")?;
            AccessToken::from_jwt(jwt).map_err(|e| e.to_string())
        };
        let initial = token(emulator, user).unwrap();
        let (e, u) = (Arc::clone(emulator), user.to_owned());
        let refresh: Refresh = Arc::new(move || token(&e, &u));
        let credential = R::credential(initial, refresh);
        ChatClient::<R>::with_options(&emulator.endpoint(), credential, options.clone()).unwrap()
    }

    /// A new user, already a participant of the thread.
    pub(super) fn participant(&self) -> String {
        let user = self.emulator.create_user();
        let who = ChatParticipant::new(CommunicationIdentifier::from_raw_id(&user));
        let t = self.chat.chat_thread_client(&self.thread);
        let added = R::block(t.add_participants(vec![who]).call()).unwrap();
        assert!(added.failed_participants.is_empty());
        user
    }

    pub(super) fn send(&self, text: &str) -> String {
        let t = self.chat.chat_thread_client(&self.thread);
        R::block(t.send_message(text).call()).unwrap().id
    }

    pub(super) fn revoke(&self) {
        R::block(self.identity.revoke_tokens(&self.owner).call()).unwrap();
    }

    /// Requests the emulator saw for chat paths so far: (received, handled).
    pub(super) fn counts(&self) -> (u64, u64) {
        ["GET", "POST", "PATCH", "DELETE", "PUT"]
            .iter()
            .map(|m| self.emulator.request_count_matching(m, "/chat"))
            .fold((0, 0), |(r, h), c| (r + c.received, h + c.handled))
    }

    pub(super) fn messages(&self) -> Vec<chat_core::messages::ChatMessage> {
        let t = self.chat.chat_thread_client(&self.thread);
        R::collect_pages(t.list_messages(), &mut |_, _, _| {})
            .unwrap()
            .0
    }

    pub(super) fn participants(&self) -> Vec<String> {
        let t = self.chat.chat_thread_client(&self.thread);
        R::collect_pages(t.list_participants(), &mut |_, _, _| {})
            .unwrap()
            .0
            .iter()
            .map(|p| p.identifier.raw_id().to_owned())
            .collect()
    }

    pub(super) fn threads(&self) -> Vec<(String, String)> {
        R::collect_pages(self.chat.list_chat_threads(), &mut |_, _, _| {})
            .unwrap()
            .0
            .into_iter()
            .map(|t| (t.id, t.topic))
            .collect()
    }
}
