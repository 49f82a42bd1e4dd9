//! The one executor: runs any [`Operation`] through the core's [`Call`] driver, and any
//! [`ListOperation`] page by page through its [`Pager`]. Every client method ends here.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chat_core::client::{Connect, Runner};
use chat_core::http::Request;
use chat_core::{
    AccessToken, Auth, Call, CallConfig, CallPoll, Error, ListOperation, Operation, Pager,
    RequestIds, TransportErrorKind,
};
use tracing::Instrument;

use crate::paging::{BoxFuture, Items, Next, Pages};
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

    /// Starts one logical call (its client request id and the core's call driver), without
    /// running it; refused arguments fail here, before anything is logged or sent.
    fn prepare<O: Operation>(&self, operation: O, ctx: O::Context) -> Result<Call<O>, Error> {
        let request_id = self.request_ids.next();
        Call::new(
            operation,
            ctx,
            self.config.clone(),
            request_id.as_str(),
            request_id.jitter_seed(),
        )
    }

    /// Runs one logical call: tries, retry delays, token requests, until the core says done;
    /// in its log span.
    pub(crate) async fn run<O: Operation>(
        &self,
        operation: O,
        ctx: O::Context,
    ) -> Result<O::Output, Error> {
        let mut call = self.prepare(operation, ctx)?;
        self.run_prepared(&mut call).await
    }

    /// Runs a prepared call in its log span.
    async fn run_prepared<O: Operation>(&self, call: &mut Call<O>) -> Result<O::Output, Error> {
        let span = trace::call_span(call.operation_name(), call.client_request_id());
        let result = self.drive(call).instrument(span.clone()).await;
        trace::record_outcome(&span, &result, call.attempts());
        result
    }

    async fn drive<O: Operation>(&self, call: &mut Call<O>) -> Result<O::Output, Error> {
        let started = Instant::now();
        let budget = self.config.retry.max_elapsed;
        loop {
            // The core's poll is taken in a plain function and the request is only moved (not
            // borrowed) here, so neither stays in this future while the try is awaited.
            let (request, timeout, mut try_log) = match self.step(call, started, budget) {
                Step::Send(request, timeout, try_log) => (request, timeout, try_log),
                Step::Token(rejected) => {
                    match &self.credential {
                        Some(c) => match c.token(rejected.as_ref()).await {
                            Ok(t) => call.handle_token(t),
                            Err(e) => call.handle_token_error(e),
                        },
                        None => call.handle_token_error(Error::token_refresh(
                            "this client has no token credential",
                        )),
                    }
                    continue;
                }
                Step::Sleep(until) => {
                    if let Ok(wait) = until.duration_since(SystemTime::now()) {
                        tokio::time::sleep(wait).await;
                    }
                    continue;
                }
                Step::Done(result) => {
                    return result.map_err(|e| over_budget(e, started, budget, call.attempts()))
                }
            };
            match self.transport.send(request, timeout).await {
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
    }

    /// What the core asks for next; a try gets its time limit and its log here.
    fn step<O: Operation>(
        &self,
        call: &mut Call<O>,
        started: Instant,
        budget: Duration,
    ) -> Step<O::Output> {
        match call.poll(SystemTime::now()) {
            CallPoll::Transmit(request) => {
                let remaining = budget.saturating_sub(started.elapsed());
                let timeout = self.per_try_timeout.min(remaining);
                let try_log = TryLog::start(&request, call.attempts(), Instant::now);
                Step::Send(request, timeout, try_log)
            }
            CallPoll::NeedToken { rejected } => Step::Token(rejected),
            CallPoll::Sleep(until) => Step::Sleep(until),
            CallPoll::Done(result) => Step::Done(result),
        }
    }

    /// Fetches the next page of `pager`; `None` once the listing is over.
    pub(crate) async fn next_page<L: ListOperation>(
        &self,
        pager: &mut Pager<L>,
    ) -> Option<Result<Vec<L::Item>, Error>> {
        let request = pager.poll_page()?;
        let page = self.run(request, pager.context().clone()).await;
        Some(page.and_then(|p| pager.handle_page(p)))
    }
}

/// The async [`Runner`]: a call is a `Send + 'static` [`BoxFuture`] (and a
/// [`crate::Pending`] can be awaited directly); a listing is a `Stream`. [`crate::ChatClient`]
/// and the other clients are `chat_core`'s, bound to it.
#[derive(Clone, Debug)]
pub struct HyperRunner {
    exec: Arc<Executor>,
}

impl Runner for HyperRunner {
    type Call<O: Operation + Send + 'static> = BoxFuture<Result<O::Output, Error>>;
    type Pages<L: ListOperation + Send + 'static> = Pages<L>;
    type Items<L: ListOperation + Send + 'static> = Items<L>;
    type Next<'a, L: ListOperation + Send + 'static> = Next<'a, Items<L>>;

    fn call<O: Operation + Send + 'static>(&self, ctx: O::Context, operation: O) -> Self::Call<O> {
        // The call is prepared here, so the boxed future holds it once (not the operation
        // and context as well): that future is what each call in flight costs.
        match self.exec.prepare(operation, ctx) {
            Ok(mut call) => {
                let exec = Arc::clone(&self.exec);
                // An `async` block, not an `async fn`, which would hold a second copy of the
                // call.
                Box::pin(async move { exec.run_prepared(&mut call).await })
            }
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    fn pages<L: ListOperation + Send + 'static>(&self, pager: Result<Pager<L>, Error>) -> Pages<L> {
        Pages::new(Arc::clone(&self.exec), pager)
    }

    fn items<L: ListOperation + Send + 'static>(&self, pager: Result<Pager<L>, Error>) -> Items<L> {
        Items::new(self.pages(pager))
    }

    fn next_item<'a, L: ListOperation + Send + 'static>(
        items: &'a mut Items<L>,
    ) -> Next<'a, Items<L>> {
        items.next()
    }

    fn new_request_id(&self) -> String {
        self.exec.request_ids.next().as_str().to_owned()
    }
}

impl Connect for HyperRunner {
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

/// One step of [`Executor::drive`].
enum Step<T> {
    /// A try to send within its time limit, and its log.
    Send(Request<Vec<u8>>, Duration, TryLog),
    /// A token is needed; the one the service refused, if any.
    Token(Option<AccessToken>),
    /// A retry delay.
    Sleep(SystemTime),
    /// The call is over.
    Done(Result<T, Error>),
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
