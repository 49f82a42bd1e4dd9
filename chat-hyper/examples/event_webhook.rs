//! Receiving chat events: a webhook on hyper that answers Azure Event Grid's validation
//! handshakes and prints the chat events delivered to it. `chat_hyper::events::Webhook` does
//! all the protocol; this file is the server loop.
//!
//! ```sh
//! # With the in-process emulator: subscribe, chat a little, print the events, exit.
//! cargo run -p chat-hyper --example event_webhook
//! cargo run -p chat-hyper --example event_webhook -- --schema cloudevents
//!
//! # Serve until Ctrl-C, for an Event Grid subscription of a real resource (behind a public
//! # https endpoint of yours: https://<host>/events?code=s3cret) or for a standalone emulator
//! # (acs-emulator --webhook 'http://127.0.0.1:8080/events?code=s3cret').
//! cargo run -p chat-hyper --example event_webhook -- --listen 127.0.0.1:8080 --secret s3cret
//! ```

use std::collections::HashSet;
use std::convert::Infallible;
use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chat_hyper::events::{
    accepted, Event, EventData, SharedSecret, Webhook, WebhookAction, MAX_DELIVERY_BYTES,
};
use chat_hyper::http::{Request, Response, StatusCode};
use chat_hyper::identity::TokenScope;
use chat_hyper::participants::ChatParticipant;
use chat_hyper::CommunicationIdentifier;
use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
use chat_testkit::emulator::{DeliverySchema, Emulator, Subscription};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The webhook's state: how it answers, and the event ids seen (deliveries are at least once).
struct Receiver {
    webhook: Webhook,
    seen: Mutex<HashSet<String>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse()?;
    let mut webhook = Webhook::new();
    if let Some(secret) = &args.secret {
        webhook = webhook.require_secret(SharedSecret::query("code", secret));
    }
    let receiver = Arc::new(Receiver {
        webhook,
        seen: Mutex::default(),
    });
    let listener = TcpListener::bind(args.listen.as_deref().unwrap_or("127.0.0.1:0")).await?;
    let query = args
        .secret
        .as_ref()
        .map(|s| format!("?code={s}"))
        .unwrap_or_default();
    let url = format!("http://{}/events{query}", listener.local_addr()?);
    println!("webhook listening on {url}");
    tokio::spawn(serve(listener, Arc::clone(&receiver)));

    if args.listen.is_some() {
        tokio::signal::ctrl_c().await?;
        return Ok(());
    }

    // No --listen: an emulator of the service in this process delivers to the webhook.
    let emulator = Emulator::start();
    let id = emulator.subscribe(Subscription::new(url).schema(args.schema))?;
    println!(
        "subscribed ({id}, {} schema) to {}",
        args.schema,
        emulator.endpoint()
    );
    converse(&emulator).await?;
    // The conversation is over; wait (off the async threads) until every event is delivered.
    let idle =
        tokio::task::block_in_place(|| emulator.wait_for_deliveries(Duration::from_secs(60)));
    let status = emulator.subscriptions().remove(0);
    println!(
        "{} events delivered in {} attempts{}",
        status.delivered,
        status.attempts,
        if idle { "" } else { " (some still pending)" }
    );
    Ok(())
}

/// A short conversation: a thread, a message, an edit, typing, a topic, a guest who comes and
/// goes, a deletion.
async fn converse(emulator: &Emulator) -> Result<(), chat_hyper::Error> {
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )?;
    let created = identity.create_user_and_token([TokenScope::Chat]).await?;
    let token = created
        .access_token
        .ok_or_else(|| chat_hyper::Error::token_refresh("the service returned no token"))?;
    let me = CommunicationIdentifier::from(created.user);
    let bob = CommunicationIdentifier::from(identity.create_user().await?.user);
    let carol = CommunicationIdentifier::from(identity.create_user().await?.user);
    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;

    let thread_id = chat
        .create_chat_thread("Lunch")
        .participants(vec![
            ChatParticipant::new(me).display_name("Ann"),
            ChatParticipant::new(bob).display_name("Bob"),
        ])
        .await?
        .thread
        .id;
    let thread = chat.chat_thread_client(&thread_id);
    let sent = thread
        .send_message("Noodles?")
        .sender_display_name("Ann")
        .await?;
    thread.update_message(&sent.id, "Noodles at noon?").await?;
    thread
        .send_typing_notification()
        .sender_display_name("Ann")
        .await?;
    thread.update_topic("Lunch at noon").await?;
    thread
        .add_participants(vec![
            ChatParticipant::new(carol.clone()).display_name("Carol")
        ])
        .await?;
    thread.remove_participant(carol).await?;
    thread.delete_message(&sent.id).await?;
    chat.delete_chat_thread(&thread_id).await?;
    Ok(())
}

/// Accepts connections until the program ends.
async fn serve(listener: TcpListener, receiver: Arc<Receiver>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(Arc::clone(&receiver), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One request: read the body, let the webhook decide, print what arrived.
async fn answer(
    receiver: Arc<Receiver>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, MAX_DELIVERY_BYTES).collect().await else {
        let mut response = Response::new(Full::default());
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(response);
    };
    let request = Request::from_parts(parts, body.to_bytes().to_vec());
    let response = match receiver.webhook.handle(&request) {
        WebhookAction::Respond(response) => {
            println!("answered Event Grid's validation handshake");
            response
        }
        WebhookAction::Reject { response, error } => {
            println!("refused a request: {error}");
            response
        }
        WebhookAction::Deliver(events) => {
            for event in &events {
                // The same event may come twice: skip what was seen.
                let mut seen = receiver.seen.lock().unwrap_or_else(|e| e.into_inner());
                if seen.insert(event.id.clone()) {
                    print_event(event);
                }
            }
            accepted()
        }
    };
    Ok(response.map(|body| Full::new(Bytes::from(body))))
}

fn print_event(event: &Event) {
    let name = |display: &Option<String>, id: &CommunicationIdentifier| {
        display.clone().unwrap_or_else(|| id.raw_id().to_owned())
    };
    let what = match &event.data {
        EventData::ChatThreadCreated(t) => format!(
            "{} created {:?} with {} participants",
            t.created_by.raw_id(),
            t.properties
                .get("topic")
                .and_then(|t| t.as_str())
                .unwrap_or(""),
            t.participants.len()
        ),
        EventData::ChatMessageReceivedInThread(m) => {
            format!(
                "{} wrote {:?}",
                name(&m.sender_display_name, &m.sender),
                m.message_body
            )
        }
        EventData::ChatMessageEditedInThread(m) => format!(
            "{} edited message {}: {:?}",
            name(&m.sender_display_name, &m.sender),
            m.message_id,
            m.message_body
        ),
        EventData::ChatMessageDeletedInThread(m) => format!("message {} deleted", m.message_id),
        EventData::ChatTypingIndicatorReceivedInThread(t) => {
            format!("{} is typing", name(&t.sender_display_name, &t.sender))
        }
        EventData::ChatThreadPropertiesUpdated(t) => format!("properties now {:?}", t.properties),
        EventData::ChatThreadParticipantAdded(p) => format!(
            "{} joined",
            name(
                &p.participant_added.display_name,
                &p.participant_added.identifier
            )
        ),
        EventData::ChatThreadParticipantRemoved(p) => format!(
            "{} left",
            name(
                &p.participant_removed.display_name,
                &p.participant_removed.identifier
            )
        ),
        EventData::ChatThreadDeleted(t) => format!("deleted by {}", t.deleted_by.raw_id()),
        other => match other.recipient() {
            Some(recipient) => format!("for {}", recipient.raw_id()),
            None => String::new(),
        },
    };
    let kind = event
        .event_type
        .trim_start_matches("Microsoft.Communication.");
    println!("  {kind:<42} {what}");
}

/// The command line.
struct Args {
    schema: DeliverySchema,
    listen: Option<String>,
    secret: Option<String>,
}

impl Args {
    fn parse() -> Result<Self, String> {
        let mut args = Self {
            schema: DeliverySchema::EventGrid,
            listen: None,
            secret: None,
        };
        let mut raw = std::env::args().skip(1);
        while let Some(arg) = raw.next() {
            let mut value = || raw.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--schema" => args.schema = value()?.parse()?,
                "--listen" => args.listen = Some(value()?),
                "--secret" => args.secret = Some(value()?),
                _ => {
                    return Err(format!(
                        "unknown argument {arg:?}; usage: event_webhook [--schema eventgrid|cloudevents] [--listen ADDR] [--secret S]"
                    ))
                }
            }
        }
        Ok(args)
    }
}
