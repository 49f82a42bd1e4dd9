//! The one executor: runs any [`Operation`] through the core's [`Call`] driver, and any
//! [`ListOperation`] page by page through its [`Pager`]. Every client method ends here.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chat_core::client::{Connect, Runner};
use chat_core::{
    Auth, Call, CallConfig, CallPoll, Error, ListOperation, Operation, Pager, RequestIds,
    TransportErrorKind,
};

use crate::paging::{Items, Pages};
use crate::transport::Transport;
use crate::{ClientOptions, CommunicationTokenCredential};
use chat_core::log::trace::{self, TryLog};

/// Transport, call settings and credential of one client (and the clients derived from it).
#[derive(Debug)]
pub(crate) struct Executor {
    transport: Transport,
    per_try_timeout: Duration,
    config: CallConfig,
    credential: Option<CommunicationTokenCredential>,
    /// Request ids and jitter seeds, seeded once from the OS (no `getrandom` per call).
    request_ids: RequestIds,
}

impl Executor {
    pub(crate) fn new(
        options: &ClientOptions,
        auth: Auth,
        credential: Option<CommunicationTokenCredential>,
    ) -> Result<Self, Error> {
        let config = options.call_config(auth, env!("CARGO_PKG_VERSION"))?;
        Ok(Self {
            transport: Transport::new(options)?,
            per_try_timeout: options.per_try_timeout,
            config,
            credential,
            request_ids: RequestIds::seeded(
                // From the OS by way of ring (already in the build through rustls): no `uuid`
                // or second `getrandom` in the client build.
                |seed| {
                    let provider = rustls::crypto::ring::default_provider();
                    provider.secure_random.fill(seed).is_ok()
                },
                SystemTime::now,
            ),
        })
    }

    /// Runs one logical call: tries, retry delays, token requests, until the core says done;
    /// in its log span.
    pub(crate) fn run<O: Operation>(
        &self,
        operation: O,
        ctx: O::Context,
    ) -> Result<O::Output, Error> {
        let request_id = self.request_ids.next();
        let mut call = Call::new(
            operation,
            ctx,
            self.config.clone(),
            request_id.as_str(),
            request_id.jitter_seed(),
        )?;
        let span = trace::call_span(call.operation_name(), request_id.as_str());
        let result = {
            let _entered = span.enter();
            self.drive(&mut call)
        };
        trace::record_outcome(&span, &result, call.attempts());
        result
    }

    fn drive<O: Operation>(&self, call: &mut Call<O>) -> Result<O::Output, Error> {
        let started = Instant::now();
        let budget = self.config.retry.max_elapsed;
        loop {
            match call.poll(SystemTime::now()) {
                CallPoll::Transmit(request) => {
                    let remaining = budget.saturating_sub(started.elapsed());
                    let timeout = self.per_try_timeout.min(remaining);
                    let mut try_log = TryLog::start(&request, call.attempts(), Instant::now);
                    match self.transport.send(request, timeout) {
                        Ok(response) => {
                            let status = try_log.response(&response);
                            call.handle_response(SystemTime::now(), response);
                            try_log.end(Some(status), call.scheduled_retry(), Instant::now);
                        }
                        Err(e) => {
                            try_log.failed(&e);
                            call.handle_transport_error(SystemTime::now(), e);
                            try_log.end(None, call.scheduled_retry(), Instant::now);
                        }
                    }
                }
                CallPoll::NeedToken { rejected } => match &self.credential {
                    Some(c) => match c.token(rejected.as_ref()) {
                        Ok(t) => call.handle_token(t),
                        Err(e) => call.handle_token_error(e),
                    },
                    None => call.handle_token_error(Error::token_refresh(
                        "this client has no token credential",
                    )),
                },
                CallPoll::Sleep(until) => {
                    if let Ok(wait) = until.duration_since(SystemTime::now()) {
                        std::thread::sleep(wait);
                    }
                }
                CallPoll::Done(result) => {
                    return result.map_err(|e| over_budget(e, started, budget, call.attempts()))
                }
            }
        }
    }

    /// Fetches the next page of `pager`; `None` once the listing is over.
    pub(crate) fn next_page<L: ListOperation>(
        &self,
        pager: &mut Pager<L>,
    ) -> Option<Result<Vec<L::Item>, Error>> {
        let request = pager.poll_page()?;
        let page = self.run(request, pager.context().clone());
        Some(page.and_then(|p| pager.handle_page(p)))
    }
}

/// The blocking [`Runner`]: a call runs to its result on the calling thread; a listing is an
/// [`Iterator`]. [`crate::ChatClient`] and the other clients are `chat_core`'s, bound to it.
#[derive(Clone, Debug)]
pub struct UreqRunner {
    exec: Arc<Executor>,
}

impl Runner for UreqRunner {
    type Call<O: Operation + Send + 'static> = Result<O::Output, Error>;
    type Pages<L: ListOperation + Send + 'static> = Pages<L>;
    type Items<L: ListOperation + Send + 'static> = Items<L>;
    type Next<'a, L: ListOperation + Send + 'static> = Option<Result<L::Item, Error>>;

    fn call<O: Operation + Send + 'static>(&self, ctx: O::Context, operation: O) -> Self::Call<O> {
        self.exec.run(operation, ctx)
    }

    fn pages<L: ListOperation + Send + 'static>(&self, pager: Result<Pager<L>, Error>) -> Pages<L> {
        Pages::new(Arc::clone(&self.exec), pager)
    }

    fn items<L: ListOperation + Send + 'static>(&self, pager: Result<Pager<L>, Error>) -> Items<L> {
        Items::new(self.pages(pager))
    }

    fn next_item<L: ListOperation + Send + 'static>(
        items: &mut Items<L>,
    ) -> Option<Result<L::Item, Error>> {
        items.next()
    }

    fn new_request_id(&self) -> String {
        self.exec.request_ids.next().as_str().to_owned()
    }
}

impl Connect for UreqRunner {
    type Credential = CommunicationTokenCredential;

    fn connect(
        options: &ClientOptions,
        auth: Auth,
        credential: Option<CommunicationTokenCredential>,
    ) -> Result<Self, Error> {
        let exec = Executor::new(options, auth, credential)?;
        Ok(Self {
            exec: Arc::new(exec),
        })
    }
}

/// A try cut short by the per-call budget (not by its own per-try limit) is a call timeout.
fn over_budget(e: Error, started: Instant, budget: Duration, attempts: u32) -> Error {
    match &e {
        Error::Transport(t)
            if t.kind == TransportErrorKind::Timeout && started.elapsed() >= budget =>
        {
            Error::call_timeout(attempts, t.correlation.clone())
        }
        _ => e,
    }
}
