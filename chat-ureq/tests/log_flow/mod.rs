//! What the clients log, shared by both transports' `logs` tests: the quickstart's flow against
//! the emulator under a capturing subscriber, with distinctive secrets and personal values
//! planted; one span per call, one event per try, and not one of the planted values in any
//! captured string. Also the ids that errors carry.

use std::collections::BTreeMap;
use std::time::Duration;

use chat_core::client::{ChatClient, ClientOptions, Connect, IdentityClient, PendingList};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::log::trace::TARGET;
use chat_core::participants::ChatParticipant;
use chat_core::{
    AccessKey, AccessToken, ApiVersion, Error, ListOperation, Operation, RetryOptions,
};
use chat_testkit::emulator::{Emulator, Fault, FaultRule};
use chat_testkit::log_capture::{CapturedEvent, CapturedSpan, LogCapture};

/// What a transport supplies to run the flow.
pub(crate) trait Blocking: Connect + Sized + 'static {
    /// Runs one call to its end.
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error>;
    /// Pages through a listing; returns the number of pages.
    fn count_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<usize, Error>;
    /// A credential holding `token`.
    fn credential(token: AccessToken) -> Self::Credential;
}

/// Planted values: none may show in any log.
const KEY: &[u8; 32] = b"AccessKey-Rq2Zn8-Distinct-Qw3Er4";
const TOPIC: &str = "Topic-Kx7Qz3";
const TOPIC_RENAMED: &str = "Renamed-Vw2Lp9";
const CONTENT: &str = "Content-Hq4Rt8";
const HTML: &str = "<p>Html-Jm5Ns1</p>";
const EDITED: &str = "Edited-Pb6Yc2";
const NAMES: [&str; 3] = ["Name-Fz3Gd7", "Bob-Wk8Ue4", "Carol-Xs9Ia5"];
const META_VALUE: &str = "Meta-Lt1Oe6";
/// What an authorization header, a signature or a connection string would show.
const TELLTALES: [&str; 7] = [
    "authorization",
    "bearer",
    "hmac-sha256",
    "signature=",
    "accesskey",
    "x-ms-content-sha256",
    // The header of every JWT the emulator signs.
    "eyJhbGciOiJIUzI1NiIs",
];

/// The tries the emulator received, on every route.
fn received(emulator: &Emulator) -> u64 {
    ["GET", "POST", "PATCH", "DELETE", "PUT"]
        .iter()
        .map(|m| emulator.request_count_matching(m, "/").received)
        .sum()
}

/// The transport's call spans.
pub(crate) fn call_spans<R: Blocking>(capture: &LogCapture) -> Vec<CapturedSpan> {
    capture
        .spans()
        .into_iter()
        .filter(|s| s.name == "call" && s.target == TARGET)
        .collect()
}

/// The transport's try events (one per try: a response or a transport failure).
pub(crate) fn try_events<R: Blocking>(capture: &LogCapture) -> Vec<CapturedEvent> {
    capture
        .events()
        .into_iter()
        .filter(|e| e.target == TARGET)
        .filter(|e| matches!(e.message(), Some("response" | "transport failure")))
        .collect()
}

/// Every planted value and telltale that shows in a captured string.
pub(crate) fn leaks(capture: &LogCapture, more: &[&str]) -> Vec<(String, String)> {
    let mut needles: Vec<&str> = vec![
        "AccessKey-Rq2Zn8",
        TOPIC,
        TOPIC_RENAMED,
        CONTENT,
        "Html-Jm5Ns1",
        EDITED,
        META_VALUE,
    ];
    needles.extend(NAMES);
    needles.extend(TELLTALES);
    needles.extend(more);
    capture.leaks(&needles)
}

/// The quickstart's flow, with a 503 retried and a 404 on the way: returns the number of
/// calls made (pages count one each) and the token, for the checks.
fn quickstart<R: Blocking>(emulator: &Emulator) -> (usize, AccessToken) {
    let mut calls = 0;
    let mut count = |n: usize| calls += n;
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(RetryOptions::default().with_initial_delay(Duration::from_millis(5)));
    let identity = IdentityClient::<R>::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )
    .unwrap();
    let created = R::block(identity.create_user_and_token([TokenScope::Chat]).call()).unwrap();
    count(1);
    let token = created.access_token.unwrap();
    let me = CommunicationIdentifier::from(created.user);
    let bob = CommunicationIdentifier::from(R::block(identity.create_user().call()).unwrap().user);
    let carol =
        CommunicationIdentifier::from(R::block(identity.create_user().call()).unwrap().user);
    count(2);

    let chat = ChatClient::<R>::with_options(
        identity.endpoint().as_str(),
        R::credential(token.clone()),
        options,
    )
    .unwrap();
    let metadata = BTreeMap::from([("key".to_owned(), META_VALUE.to_owned())]);
    let thread = R::block(
        chat.create_chat_thread(TOPIC)
            .participants(vec![
                ChatParticipant::new(me.clone()).display_name(NAMES[0]),
                ChatParticipant::new(bob).display_name(NAMES[1]),
            ])
            .metadata(metadata.clone())
            .call(),
    )
    .unwrap()
    .thread
    .id;
    count(1);
    let t = chat.chat_thread_client(&thread);

    // A 503 without a hint, retried once.
    emulator.inject(
        FaultRule::new(Fault::Status {
            status: 503,
            retry_after: None,
        })
        .method("GET")
        .times(1),
    );
    R::block(t.get_properties().call()).unwrap();
    count(1);
    count(R::count_pages(chat.list_chat_threads().max_page_size(1)).unwrap());

    let text = R::block(
        t.send_message(CONTENT)
            .sender_display_name(NAMES[0])
            .metadata(metadata)
            .call(),
    )
    .unwrap()
    .id;
    let html = R::block(t.send_message(HTML).sender_display_name(NAMES[0]).call())
        .unwrap()
        .id;
    R::block(t.get_message(&text).call()).unwrap();
    count(3);
    count(R::count_pages(t.list_messages().max_page_size(2)).unwrap());

    R::block(t.update_topic(TOPIC_RENAMED).call()).unwrap();
    R::block(t.update_message(&text, EDITED).call()).unwrap();
    R::block(t.send_read_receipt(&html).call()).unwrap();
    count(3);
    count(R::count_pages(t.list_read_receipts()).unwrap());
    R::block(
        t.send_typing_notification()
            .sender_display_name(NAMES[0])
            .call(),
    )
    .unwrap();
    R::block(
        t.add_participants(vec![
            ChatParticipant::new(carol.clone()).display_name(NAMES[2])
        ])
        .call(),
    )
    .unwrap();
    count(2);
    count(R::count_pages(t.list_participants()).unwrap());
    R::block(t.remove_participant(carol).call()).unwrap();
    R::block(t.delete_message(&html).call()).unwrap();
    // A message that is not there: the service's 404.
    let missing = R::block(t.get_message("1").call()).unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing:?}");
    R::block(chat.delete_chat_thread(&thread).call()).unwrap();
    count(4);
    (calls, token)
}

/// Must show 3 for the quickstart: one span per call, one event per try, no planted value.
pub(crate) fn quickstart_logs<R: Blocking>(capture: &LogCapture) {
    let emulator = Emulator::builder()
        .access_key(&AccessKey::from_bytes(KEY.to_vec()))
        .start()
        .unwrap();
    let (calls, token) =
        tracing::subscriber::with_default(capture.clone(), || quickstart::<R>(&emulator));

    let spans = call_spans::<R>(capture);
    let tries = try_events::<R>(capture);
    assert_eq!(spans.len(), calls, "one span per call: {spans:#?}");
    assert_eq!(tries.len() as u64, received(&emulator), "one event per try");
    for span in &spans {
        let in_span = tries.iter().filter(|e| e.span == Some(span.id)).count();
        assert_eq!(
            span.field("tries"),
            Some(in_span.to_string().as_str()),
            "{span:?}"
        );
        assert!(span.field("operation").is_some_and(|o| !o.is_empty()));
        assert!(span.field("client_request_id").is_some());
        assert!(span.field("outcome").is_some(), "{span:?}");
    }
    // Every try is in a call's span.
    assert!(tries
        .iter()
        .all(|e| spans.iter().any(|s| Some(s.id) == e.span)));

    // The retried 503: its try says why and how long, the next one succeeds.
    let get = spans
        .iter()
        .find(|s| s.field("operation") == Some("GetThreadProperties"))
        .expect("a GetThreadProperties span");
    assert_eq!(get.field("tries"), Some("2"));
    assert_eq!(get.field("outcome"), Some("ok"));
    let retried: Vec<_> = tries.iter().filter(|e| e.span == Some(get.id)).collect();
    assert_eq!(retried[0].field("status"), Some("503"));
    assert_eq!(retried[0].field("retry_reason"), Some("status 503"));
    assert!(retried[0].field("retry_delay").is_some());
    assert_eq!(retried[1].field("status"), Some("200"));
    assert_eq!(retried[1].field("retry_reason"), None);
    assert_eq!(
        retried[1].field("path"),
        Some(
            format!(
                "/chat/threads/{{threadId}}?api-version={}",
                ApiVersion::default().as_str()
            )
            .as_str()
        )
    );

    // The 404: its span says so.
    let failed: Vec<_> = spans
        .iter()
        .filter(|s| s.field("outcome") == Some("service_error"))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].field("status"), Some("404"));

    // Paths carry no ids: every path is a template.
    for e in &tries {
        let path = e.field("path").unwrap();
        assert!(!path.contains("%3A") && !path.contains("8:acs"), "{path}");
    }
    let found = leaks(capture, &[token.secret(), emulator.access_key_base64()]);
    assert!(found.is_empty(), "leaked: {found:#?}");
}

/// Must show 6: a service error's and a transport error's `Display` carry the client request
/// id they sent (and the service's MS-CV), the one in the call's span.
pub(crate) fn errors_show_their_ids<R: Blocking>(capture: &LogCapture, refused: &str) {
    let emulator = Emulator::start();
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(RetryOptions::none());
    let (service, transport) = tracing::subscriber::with_default(capture.clone(), || {
        let identity = IdentityClient::<R>::from_connection_string_with_options(
            &emulator.connection_string(),
            options.clone(),
        )
        .unwrap();
        let user = emulator.create_user();
        let token = AccessToken::from_jwt(emulator.issue_token(&user, &["chat"]).unwrap()).unwrap();
        let chat = ChatClient::<R>::with_options(
            identity.endpoint().as_str(),
            R::credential(token.clone()),
            options.clone(),
        )
        .unwrap();
        let service = R::block(
            chat.chat_thread_client("19:missing@thread.v2")
                .get_properties()
                .call(),
        )
        .unwrap_err();
        let offline =
            ChatClient::<R>::with_options(refused, R::credential(token), options).unwrap();
        let transport = R::block(offline.create_chat_thread(TOPIC).call()).unwrap_err();
        (service, transport)
    });
    let spans = call_spans::<R>(capture);
    assert_eq!(spans.len(), 2);
    let id = |i: usize| spans[i].field("client_request_id").unwrap().to_owned();

    assert_eq!(service.status(), Some(404), "{service:?}");
    assert_eq!(service.client_request_id(), Some(id(0).as_str()));
    let shown = service.to_string();
    assert!(
        shown.contains(&format!("x-ms-client-request-id: {}", id(0))),
        "{shown}"
    );
    let ms_cv = service.correlation().and_then(|c| c.ms_cv());
    assert!(
        ms_cv.is_some_and(|cv| shown.contains(&format!("MS-CV: {cv}"))),
        "{shown}"
    );

    assert!(matches!(transport, Error::Transport(_)), "{transport:?}");
    assert_eq!(transport.client_request_id(), Some(id(1).as_str()));
    let shown = transport.to_string();
    assert!(
        shown.contains(&format!("x-ms-client-request-id: {}", id(1))),
        "{shown}"
    );
    assert_eq!(spans[1].field("outcome"), Some("connect_failure"));
    let failure = try_events::<R>(capture)
        .into_iter()
        .find(|e| e.span == Some(spans[1].id))
        .expect("the transport failure's event");
    assert_eq!(failure.message(), Some("transport failure"));
    assert_eq!(failure.level, tracing::Level::INFO);
    assert_eq!(failure.field("error_kind"), Some("connect"));
    let want = format!(
        "/chat/threads?api-version={}",
        ApiVersion::default().as_str()
    );
    assert_eq!(failure.field("path"), Some(want.as_str()));
}
