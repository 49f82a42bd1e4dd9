//! Webhook subscriptions: what a subscriber asks for, the registry that routes each event to
//! the subscriptions that want it, and the `/_emulator/subscriptions` and
//! `/_emulator/delivery-faults` control endpoints.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;

use super::delivery_faults::{DeliveryFaultRule, DeliveryFaultSet};
use super::errors::{AcsError, Reply};
use super::events::{EventRecord, EVENT_TYPES};
use super::server::{lock, Shared};

/// The envelope a subscription delivers events in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliverySchema {
    /// Event Grid's schema: a JSON array of events, validated with a
    /// `Microsoft.EventGrid.SubscriptionValidationEvent`.
    #[default]
    EventGrid,
    /// CloudEvents 1.0: one event per request (`application/cloudevents+json`), or a batch
    /// (`application/cloudevents-batch+json`) when `maxEventsPerBatch` is above 1; validated
    /// with the `OPTIONS` abuse-protection request.
    CloudEvents,
}

impl fmt::Display for DeliverySchema {
    /// `eventgrid` or `cloudevents`, as the command line and the JSON spell it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EventGrid => "eventgrid",
            Self::CloudEvents => "cloudevents",
        })
    }
}

impl std::str::FromStr for DeliverySchema {
    type Err = String;

    /// `eventgrid` or `cloudevents`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "eventgrid" => Ok(Self::EventGrid),
            "cloudevents" => Ok(Self::CloudEvents),
            other => Err(format!(
                "unknown event schema {other:?} (eventgrid or cloudevents)"
            )),
        }
    }
}

/// A webhook subscription: where and how the emulator delivers the events its operations cause.
///
/// Over HTTP (`POST /_emulator/subscriptions`) it is JSON:
/// `{"url": "http://127.0.0.1:8080/events?code=s3cret", "schema": "cloudevents",
/// "eventTypes": ["Microsoft.Communication.ChatMessageReceived"], "threadId": "19:...",
/// "headers": {"x-key": "s3cret"}, "maxEventsPerBatch": 1, "maxDeliveryAttempts": 30,
/// "retryBackoffMs": 100}`; only `url` is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscription {
    /// The webhook: an `http://` URL (a query string is kept, so it can carry a secret).
    pub url: String,
    /// The envelope.
    #[serde(default)]
    pub schema: DeliverySchema,
    /// The event types delivered; every chat event type when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
    /// Only events about this thread, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Headers added to every request, handshake included (Event Grid's delivery properties).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The most events in one request (default 1, as Event Grid).
    #[serde(default = "one")]
    pub max_events_per_batch: usize,
    /// Attempts per batch before it is dead-lettered, and per handshake while the webhook is
    /// unreachable (default 30, as Event Grid).
    #[serde(default = "thirty")]
    pub max_delivery_attempts: u32,
    /// The wait before the first retry; it doubles at each retry, up to [`MAX_RETRY_BACKOFF`]
    /// (default 100 ms; Event Grid's own schedule starts at 10 s).
    #[serde(default = "hundred")]
    pub retry_backoff_ms: u64,
}

/// The longest wait between two attempts.
pub const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(10);

fn one() -> usize {
    1
}

fn thirty() -> u32 {
    30
}

fn hundred() -> u64 {
    100
}

impl Subscription {
    /// A subscription of `url` to every chat event type, in the Event Grid schema.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: DeliverySchema::EventGrid,
            event_types: Vec::new(),
            thread_id: None,
            headers: BTreeMap::new(),
            max_events_per_batch: 1,
            max_delivery_attempts: 30,
            retry_backoff_ms: 100,
        }
    }

    /// Delivers in `schema`.
    #[must_use]
    pub fn schema(mut self, schema: DeliverySchema) -> Self {
        self.schema = schema;
        self
    }

    /// Delivers only these event types.
    #[must_use]
    pub fn event_types<I: IntoIterator<Item = S>, S: Into<String>>(mut self, types: I) -> Self {
        self.event_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Delivers only events about `thread_id`.
    #[must_use]
    pub fn thread(mut self, thread_id: impl Into<String>) -> Self {
        self.thread_id = Some(thread_id.into());
        self
    }

    /// Adds `name: value` to every request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Puts up to `n` events in one request.
    #[must_use]
    pub fn max_events_per_batch(mut self, n: usize) -> Self {
        self.max_events_per_batch = n;
        self
    }

    /// Gives up on a batch after `n` attempts.
    #[must_use]
    pub fn max_delivery_attempts(mut self, n: u32) -> Self {
        self.max_delivery_attempts = n;
        self
    }

    /// Waits `backoff` before the first retry (doubling after).
    #[must_use]
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(self.retry_backoff_ms.saturating_mul(factor)).min(MAX_RETRY_BACKOFF)
    }

    fn check(&self) -> Result<(), InvalidSubscription> {
        let invalid = |m: String| Err(InvalidSubscription(m));
        match self.url.parse::<http::Uri>() {
            Ok(uri) if uri.scheme_str() == Some("http") && uri.host().is_some() => {}
            Ok(_) => return invalid(format!("{:?} is not an http:// URL", self.url)),
            Err(e) => return invalid(format!("{:?} is not a URL: {e}", self.url)),
        }
        if let Some(t) = self
            .event_types
            .iter()
            .find(|t| !EVENT_TYPES.contains(&t.as_str()))
        {
            return invalid(format!("the emulator publishes no event of type {t:?}"));
        }
        for (name, value) in &self.headers {
            if http::HeaderName::try_from(name.as_str()).is_err()
                || http::HeaderValue::try_from(value.as_str()).is_err()
            {
                return invalid(format!("{name:?} is not a valid header"));
            }
        }
        if self.max_events_per_batch == 0 || self.max_delivery_attempts == 0 {
            return invalid("maxEventsPerBatch and maxDeliveryAttempts must be at least 1".into());
        }
        Ok(())
    }

    fn wants(&self, record: &EventRecord) -> bool {
        (self.event_types.is_empty() || self.event_types.contains(&record.event_type))
            && self
                .thread_id
                .as_ref()
                .is_none_or(|t| *t == record.thread_id)
    }
}

/// A subscription the emulator refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSubscription(pub String);

impl fmt::Display for InvalidSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid subscription: {}", self.0)
    }
}

impl std::error::Error for InvalidSubscription {}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum SubscriptionState {
    /// The validation handshake has not succeeded yet; events wait.
    Validating,
    /// Validated: events are delivered.
    Active,
    /// The webhook refused the handshake or stayed unreachable; nothing is delivered.
    Failed,
}

/// A subscription and what happened to its deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionStatus {
    /// Its id (`sub-1`, ...), also sent as `aeg-subscription-name`.
    pub id: String,
    /// What was asked for.
    pub subscription: Subscription,
    /// Where it stands.
    pub state: SubscriptionState,
    /// Why the handshake failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Events queued or in flight.
    pub pending: usize,
    /// Events the webhook acknowledged with a 2xx.
    pub delivered: u64,
    /// Delivery requests made (a dropped attempt counts; handshakes do not).
    pub attempts: u64,
    /// Attempts that failed (dropped, unreachable, non-2xx).
    pub failed_attempts: u64,
    /// Ids of events given up on after `maxDeliveryAttempts`, or refused with 400 or 413.
    pub dead_lettered: Vec<String>,
}

/// One registered subscription.
#[derive(Debug)]
pub(crate) struct Sub {
    pub(crate) id: String,
    pub(crate) config: Subscription,
    sender: mpsc::UnboundedSender<Arc<EventRecord>>,
    status: Mutex<SubscriptionStatus>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Sub {
    /// Updates the status, and wakes whoever waits for deliveries to settle.
    pub(crate) fn update(&self, hub: &HubInner, f: impl FnOnce(&mut SubscriptionStatus)) {
        f(&mut lock(&self.status));
        hub.changed();
    }
}

/// What every subscription shares.
#[derive(Debug, Default)]
pub(crate) struct HubInner {
    subs: Mutex<Vec<Arc<Sub>>>,
    pub(crate) faults: Mutex<DeliveryFaultSet>,
    next_id: AtomicU64,
    idle_lock: Mutex<()>,
    idle: Condvar,
}

impl HubInner {
    fn changed(&self) {
        let _guard = lock(&self.idle_lock);
        self.idle.notify_all();
    }

    fn pending(&self) -> usize {
        lock(&self.subs)
            .iter()
            .map(|s| lock(&s.status).pending)
            .sum()
    }
}

/// The registry: subscriptions, delivery faults, and where delivery tasks run.
#[derive(Debug)]
pub(crate) struct Hub {
    pub(crate) inner: Arc<HubInner>,
    runtime: tokio::runtime::Handle,
    /// The resource path events name as their `topic` / `source`.
    pub(crate) topic: String,
}

impl Hub {
    pub(crate) fn new(runtime: tokio::runtime::Handle, resource_id: &str) -> Self {
        Self {
            inner: Arc::default(),
            runtime,
            topic: format!(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acs-emulator/providers/Microsoft.Communication/communicationServices/{resource_id}"
            ),
        }
    }

    /// Hands each event to the subscriptions that want it.
    pub(crate) fn publish(&self, records: Vec<EventRecord>) {
        if records.is_empty() {
            return;
        }
        let subs = lock(&self.inner.subs).clone();
        for record in records.into_iter().map(Arc::new) {
            for sub in subs.iter().filter(|s| s.config.wants(&record)) {
                let mut status = lock(&sub.status);
                if status.state != SubscriptionState::Failed
                    && sub.sender.send(Arc::clone(&record)).is_ok()
                {
                    status.pending += 1;
                }
            }
        }
    }

    fn add(&self, config: Subscription) -> Result<SubscriptionStatus, InvalidSubscription> {
        config.check()?;
        let n = self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (sender, receiver) = mpsc::unbounded_channel();
        let status = SubscriptionStatus {
            id: format!("sub-{n}"),
            subscription: config.clone(),
            state: SubscriptionState::Validating,
            failure: None,
            pending: 0,
            delivered: 0,
            attempts: 0,
            failed_attempts: 0,
            dead_lettered: Vec::new(),
        };
        let sub = Arc::new(Sub {
            id: status.id.clone(),
            config,
            sender,
            status: Mutex::new(status.clone()),
            task: Mutex::new(None),
        });
        lock(&self.inner.subs).push(Arc::clone(&sub));
        let task = self.runtime.spawn(super::delivery::run(
            Arc::clone(&self.inner),
            Arc::clone(&sub),
            receiver,
            self.topic.clone(),
        ));
        *lock(&sub.task) = Some(task.abort_handle());
        Ok(status)
    }

    pub(crate) fn remove(&self, id: &str) -> bool {
        let removed = {
            let mut subs = lock(&self.inner.subs);
            let index = subs.iter().position(|s| s.id == id);
            index.map(|i| subs.remove(i))
        };
        let Some(sub) = removed else {
            return false;
        };
        if let Some(task) = lock(&sub.task).take() {
            task.abort();
        }
        self.inner.changed();
        true
    }

    pub(crate) fn statuses(&self) -> Vec<SubscriptionStatus> {
        lock(&self.inner.subs)
            .iter()
            .map(|s| lock(&s.status).clone())
            .collect()
    }

    pub(crate) fn pending(&self) -> usize {
        self.inner.pending()
    }

    /// Blocks until no event is pending or `timeout` passed; true when none is pending.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = lock(&self.inner.idle_lock);
        loop {
            if self.inner.pending() == 0 {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = match self.inner.idle.wait_timeout(guard, left) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// Registers a subscription: operations build events from now on, and its delivery task starts
/// with the validation handshake.
pub(crate) fn subscribe(
    shared: &Shared,
    config: Subscription,
) -> Result<SubscriptionStatus, InvalidSubscription> {
    let status = shared.hub.add(config)?;
    lock(&shared.state).publish_events();
    Ok(status)
}

/// `/_emulator/subscriptions[/{id}]` and `/_emulator/delivery-faults`.
pub(crate) fn admin(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Option<Reply> {
    let hub = &shared.hub;
    let reply = match (method, path) {
        ("POST", "subscriptions") => match serde_json::from_slice::<Subscription>(body) {
            Ok(config) => match subscribe(shared, config) {
                Ok(status) => Reply::json(201, &json!(status)),
                Err(e) => AcsError::bad_request(e.0).to_reply(),
            },
            Err(e) => AcsError::bad_request(format!("Not a subscription: {e}")).to_reply(),
        },
        ("GET", "subscriptions") => Reply::json(200, &json!({ "value": hub.statuses() })),
        ("POST", "delivery-faults") => match serde_json::from_slice::<DeliveryFaultRule>(body) {
            Ok(rule) => {
                lock(&hub.inner.faults).push(rule);
                Reply::json(201, &json!({}))
            }
            Err(e) => AcsError::bad_request(format!("Not a delivery fault rule: {e}")).to_reply(),
        },
        ("GET", "delivery-faults") => {
            Reply::json(200, &json!({ "value": lock(&hub.inner.faults).rules() }))
        }
        ("DELETE", "delivery-faults") => {
            lock(&hub.inner.faults).clear();
            Reply::empty(204)
        }
        (_, other) => {
            let id = other.strip_prefix("subscriptions/")?;
            let found = hub.statuses().into_iter().find(|s| s.id == id);
            match (method, found) {
                ("GET", Some(status)) => Reply::json(200, &json!(status)),
                ("DELETE", Some(_)) if hub.remove(id) => Reply::empty(204),
                _ => AcsError::not_found(format!("No subscription {id}.")).to_reply(),
            }
        }
    };
    Some(reply)
}
