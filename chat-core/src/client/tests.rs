//! The client surface against a fake runner that renders requests instead of sending them.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use http::{Method, Request};
use serde_json::{json, Value};

use super::*;
use crate::identifier::CommunicationIdentifier;
use crate::identity::TokenScope;
use crate::messages::ChatMessageType;
use crate::participants::ChatParticipant;

type Rendered = Result<Request<Vec<u8>>, Error>;

/// Renders each operation's request; the request id is a fixed string.
#[derive(Clone, Debug)]
struct Render;

impl Runner for Render {
    type Call<O: Operation + Send + 'static> = Rendered;
    type Pages<L: ListOperation + Send + 'static> = Option<Rendered>;
    type Items<L: ListOperation + Send + 'static> = std::option::IntoIter<Rendered>;
    type Next<'a, L: ListOperation + Send + 'static> = Option<Rendered>;

    fn call<O: Operation + Send + 'static>(&self, ctx: O::Context, operation: O) -> Rendered {
        operation.to_request(&ctx)
    }

    fn pages<L: ListOperation + Send + 'static>(
        &self,
        pager: Result<Pager<L>, Error>,
    ) -> Option<Rendered> {
        match pager {
            Ok(pager) => pager.poll_page().map(|p| p.to_request(pager.context())),
            Err(e) => Some(Err(e)),
        }
    }

    fn items<L: ListOperation + Send + 'static>(
        &self,
        pager: Result<Pager<L>, Error>,
    ) -> std::option::IntoIter<Rendered> {
        self.pages(pager).into_iter()
    }

    fn next_item<L: ListOperation + Send + 'static>(
        items: &mut std::option::IntoIter<Rendered>,
    ) -> Option<Rendered> {
        items.next()
    }

    fn new_request_id(&self) -> String {
        "generated-id".into()
    }
}

impl Connect for Render {
    type Credential = ();

    fn connect(_: &ClientOptions, auth: Auth, credential: Option<()>) -> Result<Self, Error> {
        assert_eq!(matches!(auth, Auth::Bearer), credential.is_some());
        Ok(Self)
    }
}

/// A runner whose calls are futures, to show that a `Pending` can be awaited.
#[derive(Clone, Debug)]
struct Later;

struct Ready<T>(Option<T>);

impl<T: Unpin> Future for Ready<T> {
    type Output = T;
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<T> {
        Poll::Ready(self.0.take().unwrap())
    }
}

impl Runner for Later {
    type Call<O: Operation + Send + 'static> = Ready<Rendered>;
    type Pages<L: ListOperation + Send + 'static> = ();
    type Items<L: ListOperation + Send + 'static> = ();
    type Next<'a, L: ListOperation + Send + 'static> = ();

    fn call<O: Operation + Send + 'static>(&self, ctx: O::Context, op: O) -> Ready<Rendered> {
        Ready(Some(op.to_request(&ctx)))
    }
    fn pages<L: ListOperation + Send + 'static>(&self, _: Result<Pager<L>, Error>) {}
    fn items<L: ListOperation + Send + 'static>(&self, _: Result<Pager<L>, Error>) {}
    fn next_item<L: ListOperation + Send + 'static>(_: &mut ()) {}
    fn new_request_id(&self) -> String {
        String::new()
    }
}

impl Connect for Later {
    type Credential = ();

    fn connect(_: &ClientOptions, _: Auth, _: Option<()>) -> Result<Self, Error> {
        Ok(Self)
    }
}

fn chat() -> ChatClient<Render> {
    ChatClient::new("https://res.communication.azure.com", ()).unwrap()
}

fn body(request: &Request<Vec<u8>>) -> Value {
    serde_json::from_slice(request.body()).unwrap()
}

#[test]
fn send_message_builder_options_reach_the_body() {
    let thread = chat().chat_thread_client("19:t@thread.v2");
    let request = thread
        .send_message("<b>hi</b>")
        .sender_display_name("Bob")
        .message_type(ChatMessageType::Html)
        .call()
        .unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri().to_string(),
        "https://res.communication.azure.com/chat/threads/19%3At%40thread.v2/messages?api-version=2025-03-15"
    );
    assert_eq!(
        body(&request),
        json!({"content": "<b>hi</b>", "senderDisplayName": "Bob", "type": "html"})
    );
}

#[test]
fn create_thread_uses_the_runner_id_unless_one_is_given() {
    let participant = ChatParticipant::new(CommunicationIdentifier::from_raw_id("8:acs:r_u1"));
    let generated = chat().create_chat_thread("Topic").call().unwrap();
    assert_eq!(generated.method(), Method::POST);
    assert_eq!(
        generated.headers()["repeatability-request-id"],
        "generated-id"
    );
    let given = chat()
        .create_chat_thread("Topic")
        .participants(vec![participant])
        .repeatability_request_id("mine")
        .call()
        .unwrap();
    assert_eq!(given.headers()["repeatability-request-id"], "mine");
    assert_eq!(body(&given)["topic"], "Topic");
    assert_eq!(
        body(&given)["participants"][0]["communicationIdentifier"]["rawId"],
        "8:acs:r_u1"
    );
}

#[test]
fn thread_client_methods_target_their_thread() {
    let thread = chat().chat_thread_client("t1");
    let typing = thread
        .send_typing_notification()
        .sender_display_name("Bob")
        .call()
        .unwrap();
    assert!(typing.uri().path().ends_with("/chat/threads/t1/typing"));
    assert_eq!(body(&typing), json!({"senderDisplayName": "Bob"}));
    let update = thread.update_message("m1", "new").call().unwrap();
    assert_eq!(update.method(), Method::PATCH);
    assert!(update
        .uri()
        .path()
        .ends_with("/chat/threads/t1/messages/m1"));
    assert_eq!(body(&update), json!({"content": "new"}));
    let delete = chat().delete_chat_thread("t1").call().unwrap();
    assert_eq!(delete.method(), Method::DELETE);
}

#[test]
fn listing_options_reach_the_first_page_query() {
    let thread = chat().chat_thread_client("t1");
    let first = thread
        .list_participants()
        .max_page_size(5)
        .skip(2)
        .pages()
        .unwrap()
        .unwrap();
    let query = first.uri().query().unwrap();
    assert!(query.contains("maxPageSize=5"), "{query}");
    assert!(query.contains("skip=2"), "{query}");
    let items: Vec<Rendered> = thread
        .list_messages()
        .max_page_size(3)
        .into_iter()
        .collect();
    assert_eq!(items.len(), 1);
}

#[test]
fn resume_from_starts_at_the_link_or_fails_once() {
    let link =
        "https://res.communication.azure.com/chat/threads?syncState=abc&api-version=2025-03-15";
    let resumed = chat()
        .list_chat_threads()
        .resume_from(link)
        .pages()
        .unwrap()
        .unwrap();
    assert!(resumed.uri().query().unwrap().contains("syncState=abc"));
    let foreign = chat()
        .list_chat_threads()
        .resume_from("https://elsewhere.example/chat/threads")
        .pages()
        .unwrap();
    assert!(foreign.is_err());
}

#[test]
fn identity_client_signs_with_the_key_and_forwards_options() {
    let identity = IdentityClient::<Render>::from_connection_string(
        "endpoint=https://res.communication.azure.com/;accesskey=c2VjcmV0",
    )
    .unwrap();
    let token = identity
        .get_token("8:acs:r_u1", [TokenScope::Chat])
        .expires_in_minutes(60)
        .call()
        .unwrap();
    assert!(token
        .uri()
        .path()
        .ends_with("/identities/8%3Aacs%3Ar_u1/:issueAccessToken"));
    assert_eq!(
        body(&token),
        json!({"scopes": ["chat"], "expiresInMinutes": 60})
    );
    let created = identity
        .create_user_and_token([TokenScope::Chat])
        .expires_in_minutes(90)
        .call()
        .unwrap();
    assert_eq!(
        body(&created),
        json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 90})
    );
}

#[test]
fn a_pending_call_of_an_async_runner_can_be_awaited() {
    let chat = ChatClient::<Later>::new("https://res.communication.azure.com", ()).unwrap();
    let future = chat.chat_thread_client("t1").get_properties().into_future();
    let mut future = pin!(future);
    let polled = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    let Poll::Ready(request) = polled else {
        panic!("the fake future is ready at once")
    };
    assert_eq!(request.unwrap().method(), Method::GET);
}

#[test]
fn next_reads_the_listing_it_started_and_items_continue_it() {
    let thread = chat().chat_thread_client("19:t@thread.v2");
    let mut listing = thread.list_messages().max_page_size(5);
    let first = listing.next().unwrap().unwrap();
    assert_eq!(
        first.uri().to_string(),
        "https://res.communication.azure.com/chat/threads/19%3At%40thread.v2/messages?api-version=2025-03-15&maxPageSize=5"
    );
    // The render runner's listing has one item: `next` does not start it over.
    assert!(listing.next().is_none());
    assert!(
        listing.items().next().is_none(),
        "items continue where next stopped"
    );
    // A fresh listing starts at the first page.
    assert!(thread.list_messages().items().next().is_some());
}

#[test]
fn an_entra_id_identity_client_targets_its_endpoint_with_a_bearer_credential() {
    // `Render::connect` checks that the bearer auth came with a credential.
    let identity = IdentityClient::<Render>::with_entra_id(
        "https://res.communication.azure.com/",
        (),
        ClientOptions::default(),
    )
    .unwrap();
    assert_eq!(
        identity.endpoint().as_str(),
        "https://res.communication.azure.com"
    );
    let request = identity.create_user().call().unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri().to_string(),
        "https://res.communication.azure.com/identities?api-version=2023-10-01"
    );
    // An http:// endpoint is refused unless asked for, and then for a loopback host only.
    let refused = IdentityClient::<Render>::with_entra_id(
        "http://res.communication.azure.com",
        (),
        ClientOptions::default().allow_loopback_http(true),
    );
    assert!(matches!(refused, Err(Error::InvalidInput { .. })));
}
