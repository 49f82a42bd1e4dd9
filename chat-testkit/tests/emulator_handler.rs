//! The emulator's service logic without a server (`EmulatorBuilder::handler`): requests built
//! by the core's operations, answered in process and parsed back by the same operations; and
//! malformed requests, which get a service error, never a panic.

use std::time::{Duration, SystemTime};

use chat_core::auth::hmac;
use chat_core::http::Request;
use chat_core::identity::{CreateUser, IdentityContext, TokenScope};
use chat_core::messages::{ListMessages, SendMessage};
use chat_core::threads::CreateThread;
use chat_core::{ChatContext, Endpoint, Operation, Pager};
use chat_testkit::emulator::{Emulator, Handler};

const ENDPOINT: &str = "http://127.0.0.1:4000";

fn handler() -> Handler {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    Emulator::builder()
        .clock_start(start)
        .resource_id("res")
        .handler()
}

fn endpoint() -> Endpoint {
    Endpoint::parse_allowing_loopback_http(ENDPOINT).unwrap()
}

fn chat<O: Operation<Context = ChatContext>>(
    service: &mut Handler,
    token: &str,
    op: &O,
) -> Result<O::Output, chat_core::Error> {
    let mut request = op.to_request(&ChatContext::new(endpoint())).unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    op.parse_response(service.handle(&request))
}

#[test]
fn runs_identity_and_chat_operations_in_process() {
    let mut service = handler();
    let op = CreateUser::new().with_token([TokenScope::Chat], None);
    let mut request = op.to_request(&IdentityContext::new(endpoint())).unwrap();
    hmac::sign(&mut request, service.access_key(), SystemTime::now()).unwrap();
    let created = op.parse_response(service.handle(&request)).unwrap();
    let token = created.access_token.unwrap();
    assert!(created.user.id().starts_with("8:acs:res_"));

    let thread = chat(&mut service, token.secret(), &CreateThread::new("lunch"))
        .unwrap()
        .thread;
    assert_eq!(thread.topic, "lunch");
    for text in ["one", "two"] {
        chat(
            &mut service,
            token.secret(),
            &SendMessage::new(&thread.id, text),
        )
        .unwrap();
    }

    // A listing in pages of one: each nextLink points at the request's host.
    let ctx = ChatContext::new(endpoint());
    let mut pager = Pager::new(ListMessages::new(&thread.id).max_page_size(1), ctx);
    let mut texts = Vec::new();
    while let Some(page) = pager.poll_page() {
        let mut request = page.to_request(pager.context()).unwrap();
        assert!(request.uri().to_string().starts_with(ENDPOINT));
        let auth = format!("Bearer {}", token.secret());
        request
            .headers_mut()
            .insert("authorization", auth.parse().unwrap());
        let raw = page.parse_response(service.handle(&request)).unwrap();
        for message in pager.handle_page(raw).unwrap() {
            if let Some(text) = message.content.and_then(|c| c.message) {
                texts.push(text);
            }
        }
    }
    assert_eq!(texts, ["two", "one"]);
}

#[test]
fn malformed_requests_get_service_errors() {
    let mut service = handler();
    let user = service.create_user();
    let token = service.issue_token(&user, &["chat"]).unwrap();
    let bearer = format!("Bearer {token}");
    let cases: [(&str, &str, Vec<u8>, u16); 6] = [
        ("GET", "/weather", Vec::new(), 404),
        ("GET", "/chat/threads", Vec::new(), 400),
        (
            "POST",
            "/chat/threads?api-version=2025-03-15",
            b"{".to_vec(),
            400,
        ),
        (
            "BREW",
            "/chat/threads?api-version=2025-03-15",
            Vec::new(),
            404,
        ),
        (
            "POST",
            "/identities?api-version=2023-10-01",
            Vec::new(),
            401,
        ),
        (
            "POST",
            "/chat/threads?api-version=2025-03-15",
            vec![b' '; 2 << 20],
            413,
        ),
    ];
    for (method, target, body, status) in cases {
        let request = Request::builder()
            .method(method)
            .uri(target)
            .header("authorization", &bearer)
            .header("x-odd", &b"\xff"[..])
            .body(body)
            .unwrap();
        let response = service.handle(&request);
        assert_eq!(response.status(), status, "{method} {target}");
        let error: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert!(error["error"]["code"].is_string(), "{method} {target}");
    }
}
