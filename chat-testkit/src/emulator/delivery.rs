//! Delivering events to one subscription's webhook, as Event Grid does: the validation
//! handshake first, then each batch at least once, retried with a doubling backoff on a
//! failure or a non-2xx status, and dead-lettered after the last attempt (or at once on 400 and
//! 413, which Event Grid does not retry). Delivery faults apply to each attempt.
//!
//! ```text
//!  Validating ──handshake ok──► Active ──batch──► attempt ──2xx──► delivered
//!      │                                            │  ▲
//!      └──refused / unreachable──► Failed           │  └── backoff ◄── failure, non-2xx
//!                                                   └── last attempt, 400, 413 ──► dead-lettered
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chat_core::Timestamp;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::delivery_faults::REORDER_WAIT;
use super::events::EventRecord;
use super::server::lock;
use super::subscriptions::{DeliverySchema, HubInner, Sub, SubscriptionState};

/// How long one request to a webhook may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// The origin the CloudEvents handshake and deliveries name, as Event Grid's.
const ORIGIN: &str = "eventgrid.azure.net";

/// The most of a webhook's answer the emulator reads.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Why an attempt failed.
enum Failure {
    /// Never reached the webhook (dropped by a fault, connection failed, timed out).
    Unreachable(String),
    /// The webhook answered with this status.
    Status(u16),
    /// The webhook answered a handshake with a 2xx that does not accept the subscription.
    Refused(&'static str),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Self::Unreachable(why) => why.clone(),
            Self::Status(status) => format!("the webhook answered {status}"),
            Self::Refused(why) => (*why).to_owned(),
        }
    }
}

/// One subscription's delivery task.
struct Worker {
    hub: Arc<HubInner>,
    sub: Arc<Sub>,
    client: HttpClient,
    topic: String,
}

/// Runs a subscription: handshake, then every batch until the emulator stops.
pub(crate) async fn run(
    hub: Arc<HubInner>,
    sub: Arc<Sub>,
    mut receiver: mpsc::UnboundedReceiver<Arc<EventRecord>>,
    topic: String,
) {
    let worker = Worker {
        hub,
        sub,
        client: Client::builder(TokioExecutor::new()).build_http(),
        topic,
    };
    if let Err(reason) = worker.validate().await {
        receiver.close();
        worker.sub.update(&worker.hub, |s| {
            s.state = SubscriptionState::Failed;
            s.failure = Some(reason);
            s.pending = 0;
        });
        return;
    }
    worker
        .sub
        .update(&worker.hub, |s| s.state = SubscriptionState::Active);
    let max = worker.sub.config.max_events_per_batch;
    while let Some(batch) = next_batch(&mut receiver, max).await {
        if lock(&worker.hub.faults).take_reorder(&types(&batch)) {
            let next = tokio::time::timeout(REORDER_WAIT, next_batch(&mut receiver, max)).await;
            if let Ok(Some(next)) = next {
                worker.deliver(&next).await;
            }
        }
        worker.deliver(&batch).await;
    }
}

/// The next events: one, and whatever else is already queued, up to `max`.
async fn next_batch(
    receiver: &mut mpsc::UnboundedReceiver<Arc<EventRecord>>,
    max: usize,
) -> Option<Vec<Arc<EventRecord>>> {
    let mut batch = vec![receiver.recv().await?];
    while batch.len() < max {
        match receiver.try_recv() {
            Ok(record) => batch.push(record),
            Err(_) => break,
        }
    }
    Some(batch)
}

fn types(batch: &[Arc<EventRecord>]) -> Vec<&str> {
    batch.iter().map(|r| r.event_type.as_str()).collect()
}

impl Worker {
    /// The handshake of the subscription's schema, retried while the webhook is unreachable.
    async fn validate(&self) -> Result<(), String> {
        let config = &self.sub.config;
        let mut attempt = 1;
        loop {
            let result = match config.schema {
                DeliverySchema::EventGrid => self.validate_event_grid().await,
                DeliverySchema::CloudEvents => self.validate_cloud_events().await,
            };
            match result {
                Ok(()) => return Ok(()),
                Err(Failure::Unreachable(_)) if attempt < config.max_delivery_attempts => {
                    tokio::time::sleep(config.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(failure) => return Err(format!("validation failed: {}", failure.describe())),
            }
        }
    }

    /// POSTs a `SubscriptionValidationEvent`; the answer must echo its code.
    async fn validate_event_grid(&self) -> Result<(), Failure> {
        let code = uuid::Uuid::new_v4().to_string();
        let body = json!([{
            "id": uuid::Uuid::new_v4().to_string(),
            "topic": self.topic,
            "subject": "",
            "data": { "validationCode": code },
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "eventTime": Timestamp::from(SystemTime::now()).to_rfc3339(),
            "metadataVersion": "1",
            "dataVersion": "2",
        }]);
        let request = self
            .request(http::Method::POST, "SubscriptionValidation", 0)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())));
        let (status, _, answer) = self.send(request).await?;
        let echoed = serde_json::from_slice::<Value>(&answer)
            .ok()
            .and_then(|v| v.get("validationResponse").cloned());
        match (status / 100, echoed.as_ref().and_then(Value::as_str)) {
            (2, Some(echoed)) if echoed == code => Ok(()),
            (2, _) => Err(Failure::Refused(
                "the webhook did not answer with the validationResponse",
            )),
            _ => Err(Failure::Status(status)),
        }
    }

    /// Sends the abuse-protection `OPTIONS`; the answer must allow the origin.
    async fn validate_cloud_events(&self) -> Result<(), Failure> {
        let request = self
            .request(http::Method::OPTIONS, "SubscriptionValidation", 0)
            .header("WebHook-Request-Rate", "120")
            .body(Full::new(Bytes::new()));
        let (status, allowed, _) = self.send(request).await?;
        match (status / 100, allowed.as_deref()) {
            (2, Some(ORIGIN | "*")) => Ok(()),
            (2, _) => Err(Failure::Refused(
                "the webhook did not answer with WebHook-Allowed-Origin",
            )),
            _ => Err(Failure::Status(status)),
        }
    }

    /// Delivers a batch at least once, or dead-letters it.
    async fn deliver(&self, batch: &[Arc<EventRecord>]) {
        let config = &self.sub.config;
        let types = types(batch);
        let (content_type, body) = self.envelope(batch);
        let mut attempt = 1;
        let delivered = loop {
            let plan = lock(&self.hub.faults).take_attempt(&types);
            if !plan.delay.is_zero() {
                tokio::time::sleep(plan.delay).await;
            }
            let result = if plan.drop {
                Err(Failure::Unreachable("dropped by a delivery fault".into()))
            } else {
                self.post(content_type, &body, attempt).await
            };
            self.sub.update(&self.hub, |s| {
                s.attempts += 1;
                s.failed_attempts += u64::from(result.is_err());
            });
            match result {
                Ok(()) => {
                    if lock(&self.hub.faults).take_duplicate(&types) {
                        let again = self.post(content_type, &body, attempt + 1).await;
                        self.sub.update(&self.hub, |s| {
                            s.attempts += 1;
                            s.failed_attempts += u64::from(again.is_err());
                        });
                    }
                    break true;
                }
                Err(Failure::Status(400 | 413)) => break false,
                Err(_) if attempt >= config.max_delivery_attempts => break false,
                Err(_) => {
                    tokio::time::sleep(config.backoff(attempt)).await;
                    attempt += 1;
                }
            }
        };
        self.sub.update(&self.hub, |s| {
            s.pending = s.pending.saturating_sub(batch.len());
            if delivered {
                s.delivered += batch.len() as u64;
            } else {
                s.dead_lettered.extend(batch.iter().map(|r| r.id.clone()));
            }
        });
    }

    /// The request body in the subscription's envelope, and its content type.
    fn envelope(&self, batch: &[Arc<EventRecord>]) -> (&'static str, Bytes) {
        let events = batch.iter().map(|r| match self.sub.config.schema {
            DeliverySchema::EventGrid => json!({
                "id": r.id,
                "topic": self.topic,
                "subject": r.subject,
                "data": r.data,
                "eventType": r.event_type,
                "dataVersion": "1.0",
                "metadataVersion": "1",
                "eventTime": r.time.to_rfc3339(),
            }),
            DeliverySchema::CloudEvents => json!({
                "id": r.id,
                "source": self.topic,
                "subject": r.subject,
                "type": r.event_type,
                "time": r.time.to_rfc3339(),
                "data": r.data,
                "specversion": "1.0",
            }),
        });
        let mut events: Vec<Value> = events.collect();
        let (content_type, value) = match self.sub.config.schema {
            DeliverySchema::EventGrid => ("application/json", Value::Array(events)),
            DeliverySchema::CloudEvents if self.sub.config.max_events_per_batch > 1 => (
                "application/cloudevents-batch+json; charset=utf-8",
                Value::Array(events),
            ),
            DeliverySchema::CloudEvents => (
                "application/cloudevents+json; charset=utf-8",
                events.pop().unwrap_or(Value::Null),
            ),
        };
        (content_type, Bytes::from(value.to_string()))
    }

    /// One delivery attempt: ok on a 2xx.
    async fn post(&self, content_type: &str, body: &Bytes, attempt: u32) -> Result<(), Failure> {
        let request = self
            .request(http::Method::POST, "Notification", attempt - 1)
            .header("content-type", content_type)
            .body(Full::new(body.clone()));
        let (status, _, _) = self.send(request).await?;
        if status / 100 == 2 {
            Ok(())
        } else {
            Err(Failure::Status(status))
        }
    }

    /// A request to the webhook with Event Grid's headers and the subscription's own.
    fn request(
        &self,
        method: http::Method,
        kind: &str,
        delivery_count: u32,
    ) -> http::request::Builder {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.sub.config.url.as_str())
            .header("aeg-event-type", kind)
            .header("aeg-subscription-name", self.sub.id.to_ascii_uppercase())
            .header("aeg-delivery-count", delivery_count.to_string());
        builder = match self.sub.config.schema {
            DeliverySchema::EventGrid => builder
                .header("aeg-metadata-version", "1")
                .header("aeg-data-version", "1.0"),
            DeliverySchema::CloudEvents => builder.header("WebHook-Request-Origin", ORIGIN),
        };
        for (name, value) in &self.sub.config.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
    }

    /// Sends a request; its status, `WebHook-Allowed-Origin` and body.
    async fn send(
        &self,
        request: Result<http::Request<Full<Bytes>>, http::Error>,
    ) -> Result<(u16, Option<String>, Bytes), Failure> {
        let request = request.map_err(|e| Failure::Unreachable(e.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| Failure::Unreachable(format!("cannot reach the webhook: {e}")))?;
            let status = response.status().as_u16();
            let allowed = response
                .headers()
                .get("webhook-allowed-origin")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok((status, allowed, body))
        };
        tokio::time::timeout(DELIVERY_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(Failure::Unreachable("the webhook timed out".into())))
    }
}
