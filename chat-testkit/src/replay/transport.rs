//! The in-memory replay transport: runs [`Call`]s and [`Pager`] listings against a recording,
//! on a virtual clock.
//!
//! Each transmitted request is answered with the response of the first remaining recorded entry
//! it matches (recorded order is kept among equals); the entry is then used up. A request that
//! matches no remaining entry is answered with a `404` whose code is `ReplayMismatch`, and the
//! [`Mismatch`] is kept so a test can assert that none happened. Sleeping advances the virtual
//! clock and nothing else; bearer tokens come from one fixed test token; identity calls are
//! signed with a fixed test key.

use std::time::{Duration, SystemTime};

use chat_core::http::{Request, Response};
use chat_core::{
    AccessKey, AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Error, ListOperation,
    Operation, Pager, TransportError,
};

use super::queue::{Exchange, Mismatch, ReplayQueue};
use crate::recording::{Entry, Matcher, Recorder, Recording};

/// Where the virtual clock starts: 2023-11-14T22:13:20Z.
pub const VIRTUAL_EPOCH_SECS: u64 = 1_700_000_000;

/// The bearer token every replayed chat call carries.
pub const TEST_TOKEN: &str = "replay-test-token";

/// The access key identity calls are signed with (base64 of `replay-test-key`).
pub const TEST_ACCESS_KEY: &str = "cmVwbGF5LXRlc3Qta2V5";

/// Replays a recording in memory, on a virtual clock.
///
/// ```
/// use chat_core::typing::SendTypingNotification;
/// use chat_core::{ApiVersion, ChatContext, Endpoint};
/// use chat_testkit::recording::{Matcher, Recording};
/// use chat_testkit::replay::ReplayTransport;
///
/// let recording = Recording::from_json(r#"{"Entries": [{
///     "RequestUri": "https://endpoint/chat/threads/19%3Aa%40thread.v2/typing?api-version=2021-09-07",
///     "RequestMethod": "POST",
///     "RequestHeaders": {"Authorization": "Sanitized", "Content-Type": "application/json"},
///     "RequestBody": {"senderDisplayName": "John"},
///     "StatusCode": 200, "ResponseHeaders": {}, "ResponseBody": null
/// }]}"#)?;
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?)
///     .with_api_version(ApiVersion::V2021_09_07);
/// let mut replay = ReplayTransport::new(&recording, Matcher::new());
/// replay.chat(SendTypingNotification::new("19:a@thread.v2").sender_display_name("John"), &ctx)?;
/// assert!(replay.mismatches().is_empty());
/// assert!(replay.remaining().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReplayTransport {
    queue: ReplayQueue,
    now: SystemTime,
    token: AccessToken,
    seed: u64,
    recorder: Option<Recorder>,
}

impl ReplayTransport {
    /// A transport that answers from `recording`, comparing with `matcher`.
    pub fn new(recording: &Recording, matcher: Matcher) -> Self {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(VIRTUAL_EPOCH_SECS);
        Self {
            queue: ReplayQueue::new(recording, matcher),
            now,
            token: AccessToken::new(TEST_TOKEN, now + Duration::from_secs(24 * 3600)),
            seed: 0x5eed,
            recorder: None,
        }
    }

    /// The virtual time.
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// Moves the virtual clock forward (never back).
    pub fn advance_to(&mut self, until: SystemTime) {
        if until > self.now {
            self.now = until;
        }
    }

    /// The fixed test token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// A call config for chat calls: bearer auth with the test token.
    pub fn chat_config(&self) -> CallConfig {
        CallConfig::new(Auth::Bearer)
    }

    /// A call config for identity calls: HMAC signing with [`TEST_ACCESS_KEY`].
    pub fn identity_config(&self) -> Result<CallConfig, Error> {
        Ok(CallConfig::new(Auth::AccessKey(AccessKey::from_base64(
            TEST_ACCESS_KEY,
        )?)))
    }

    /// Requests that matched nothing, in order.
    pub fn mismatches(&self) -> &[Mismatch] {
        self.queue.mismatches()
    }

    /// The exchanges answered, in order.
    pub fn exchanges(&self) -> &[Exchange] {
        self.queue.exchanges()
    }

    /// Indexes of the recorded entries not used yet.
    pub fn remaining(&self) -> Vec<usize> {
        self.queue.remaining()
    }

    /// The entry at `index` of the recording.
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.queue.entries().get(index)
    }

    /// Answers one request from the recording (see [`ReplayQueue::answer`]). Never fails: a
    /// request that matches nothing gets a `404` and is kept as a [`Mismatch`].
    pub fn send(&mut self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let Some(recorder) = &self.recorder else {
            return Ok(self.queue.answer(request));
        };
        let copy = request.clone();
        let response = self.queue.answer(request);
        recorder.record(&copy, &response);
        Ok(response)
    }

    /// Records every exchange from now on (our requests as sent, the responses as answered)
    /// into `recorder`, which scrubs them.
    pub fn record_into(&mut self, recorder: Recorder) {
        self.recorder = Some(recorder);
    }

    /// Runs a call to its end: the transport loop of `chat_core::Call`, with the virtual clock.
    pub fn run<O: Operation>(&mut self, mut call: Call<O>) -> Result<O::Output, Error> {
        loop {
            match call.poll(self.now) {
                CallPoll::Transmit(request) => match self.send(request) {
                    Ok(response) => call.handle_response(self.now, response),
                    Err(e) => call.handle_transport_error(self.now, e),
                },
                CallPoll::NeedToken { .. } => call.handle_token(self.token.clone()),
                CallPoll::Sleep(until) => self.advance_to(until),
                CallPoll::Done(result) => return result,
            }
        }
    }

    /// Runs `operation` as one call with `config`.
    pub fn call<O: Operation>(
        &mut self,
        operation: O,
        context: O::Context,
        config: CallConfig,
    ) -> Result<O::Output, Error> {
        self.seed = self.seed.wrapping_add(1);
        let id = format!("00000000-0000-4000-8000-{:012x}", self.seed);
        let call = Call::new(operation, context, config, &id, self.seed)?;
        self.run(call)
    }

    /// Runs a chat operation with bearer auth.
    pub fn chat<O: Operation<Context = ChatContext>>(
        &mut self,
        operation: O,
        context: &ChatContext,
    ) -> Result<O::Output, Error> {
        let config = self.chat_config();
        self.call(operation, context.clone(), config)
    }

    /// Walks a whole listing from its first page, with bearer auth; returns every item.
    pub fn list<L: ListOperation>(
        &mut self,
        list: L,
        context: &ChatContext,
    ) -> Result<Vec<L::Item>, Error> {
        self.walk(Pager::new(list, context.clone()))
    }

    /// Walks a pager to its end (each page one call, with bearer auth); returns every item.
    pub fn walk<L: ListOperation>(&mut self, mut pager: Pager<L>) -> Result<Vec<L::Item>, Error> {
        let context = pager.context().clone();
        let mut items = Vec::new();
        while let Some(page) = pager.poll_page() {
            let raw = self.chat(page, &context)?;
            items.extend(pager.handle_page(raw)?);
        }
        Ok(items)
    }
}
