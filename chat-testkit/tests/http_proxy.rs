//! The test CONNECT proxy, driven by a raw TCP client: tunnels (plain, and TLS end to end with
//! the emulator behind it, where the proxy sees only ciphertext), Basic credentials, refusals,
//! closing, and plain-HTTP requests in absolute form.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use chat_testkit::emulator::Emulator;
use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use rustls::pki_types::ServerName;

/// Connects to the proxy and sends `request_line` with `headers`; returns the stream and the
/// response head the proxy sent (read byte by byte, so nothing after it is consumed). An empty
/// head means the proxy closed without answering.
fn ask(proxy: &ConnectProxy, request_line: &str, headers: &[&str]) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(proxy.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{request_line}\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => answer.push(byte[0]),
            _ => break,
        }
    }
    (stream, String::from_utf8(answer).unwrap())
}

fn connect_line(addr: SocketAddr) -> String {
    format!("CONNECT {addr} HTTP/1.1")
}

fn read_all(stream: &mut impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

#[test]
fn a_tunnel_relays_both_ways_and_records_the_connect_and_the_bytes() {
    let emulator = Emulator::start();
    let proxy = ConnectProxy::start();
    let line = connect_line(emulator.local_addr());
    let host = format!("Host: {}", emulator.local_addr());
    let (mut tunnel, head) = ask(&proxy, &line, &[&host, "User-Agent: raw"]);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let request = format!(
        "GET /chat/threads?api-version=2025-03-15 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        emulator.local_addr()
    );
    tunnel.write_all(request.as_bytes()).unwrap();
    let response = read_all(&mut tunnel);
    assert!(response.starts_with(b"HTTP/1.1 401 "), "{response:?}");

    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.request_line, line);
    assert_eq!(r.method, "CONNECT");
    assert_eq!(r.target, emulator.local_addr().to_string());
    assert_eq!(r.header("user-agent"), Some("raw"));
    assert_eq!(r.status, Some(200));
    assert_eq!(r.to_origin, request.as_bytes());
    assert_eq!(r.bytes_to_origin, request.len() as u64);
    assert_eq!(r.from_origin, response);
    assert_eq!(r.bytes_from_origin, response.len() as u64);
    // A plain tunnel carries plaintext: the search finds it.
    assert!(proxy.relayed_contains(b"API-VERSION"));
}

/// A TLS client to the emulator over `tunnel`, trusting the emulator's authority only.
fn tls_over(
    tunnel: TcpStream,
    emulator: &Emulator,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(emulator.root_certificate_der().unwrap().to_vec().into())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    rustls::StreamOwned::new(connection, tunnel)
}

#[test]
fn through_a_tunnel_to_the_tls_emulator_the_proxy_sees_only_the_connect_and_ciphertext() {
    let emulator = Emulator::builder().tls().start().unwrap();
    let proxy = ConnectProxy::builder()
        .basic_auth("proxy-user", "proxy-pass")
        .start()
        .unwrap();
    let basic = "Basic cHJveHktdXNlcjpwcm94eS1wYXNz"; // proxy-user:proxy-pass
    let credentials = format!("Proxy-Authorization: {basic}");
    let (tunnel, head) = ask(
        &proxy,
        &connect_line(emulator.local_addr()),
        &[&credentials],
    );
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let mut tls = tls_over(tunnel, &emulator);
    let secret = "Bearer planted-secret-token-4711";
    let request = format!(
        "GET /chat/threads?api-version=2025-03-15 HTTP/1.1\r\nHost: {}\r\nAuthorization: {secret}\r\nConnection: close\r\n\r\n",
        emulator.local_addr()
    );
    tls.write_all(request.as_bytes()).unwrap();
    let response = read_all(&mut tls);
    assert!(response.starts_with(b"HTTP/1.1 401 "), "{response:?}");

    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].status, Some(200));
    assert_eq!(seen[0].header("proxy-authorization"), Some(basic));
    assert!(seen[0].bytes_to_origin > request.len() as u64);
    assert!(seen[0].bytes_from_origin > response.len() as u64);
    for plaintext in [
        &b"authorization"[..],
        b"planted-secret-token-4711",
        b"/chat/threads",
        b"HTTP/1.1",
        b"Unauthorized",
    ] {
        assert!(
            !proxy.relayed_contains(plaintext),
            "{:?} went through the tunnel in clear",
            String::from_utf8_lossy(plaintext)
        );
    }
}

#[test]
fn credentials_are_required_when_configured() {
    let emulator = Emulator::start();
    let proxy = ConnectProxy::builder()
        .basic_auth("u", "p")
        .start()
        .unwrap();
    let line = connect_line(emulator.local_addr());
    let (mut refused, head) = ask(&proxy, &line, &[]);
    assert!(head.starts_with("HTTP/1.1 407 "), "{head}");
    assert!(
        head.contains("Proxy-Authenticate: Basic realm=\"chat-testkit\""),
        "{head}"
    );
    assert!(read_all(&mut refused).is_empty());
    let (_, head) = ask(&proxy, &line, &["Proxy-Authorization: Basic dTp3cm9uZw=="]);
    assert!(head.starts_with("HTTP/1.1 407 "), "{head}");
    let (_, head) = ask(&proxy, &line, &["Proxy-Authorization: Basic dTpw"]);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let statuses: Vec<_> = proxy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(407), Some(407), Some(200)]);
    assert!(proxy.requests()[..2].iter().all(|r| r.bytes_to_origin == 0));
}

#[test]
fn it_refuses_closes_or_reports_an_unreachable_origin_as_told() {
    let emulator = Emulator::start();
    let proxy = ConnectProxy::builder()
        .behaviour(ProxyBehaviour::Refuse(502))
        .start()
        .unwrap();
    let line = connect_line(emulator.local_addr());
    let (_, head) = ask(&proxy, &line, &[]);
    assert!(head.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{head}");

    proxy.set_behaviour(ProxyBehaviour::Refuse(407));
    let (_, head) = ask(&proxy, &line, &[]);
    assert!(head.starts_with("HTTP/1.1 407 "), "{head}");

    proxy.set_behaviour(ProxyBehaviour::Close);
    let (mut closed, head) = ask(&proxy, &line, &[]);
    assert_eq!(head, "");
    assert!(read_all(&mut closed).is_empty());

    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let nowhere = chat_testkit::faulty::refused_address().unwrap();
    let (_, head) = ask(&proxy, &connect_line(nowhere), &[]);
    assert!(head.starts_with("HTTP/1.1 502 "), "{head}");

    let statuses: Vec<_> = proxy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(502), Some(407), None, Some(502)]);
    // Nothing was relayed to the emulator.
    assert_eq!(emulator.request_count("GET", "/chat/threads").received, 0);
}

#[test]
fn a_plain_request_in_absolute_form_is_forwarded_without_the_proxy_headers() {
    let emulator = Emulator::start();
    let proxy = ConnectProxy::builder()
        .basic_auth("u", "p")
        .start()
        .unwrap();
    let target = format!(
        "http://{}/chat/threads?api-version=2025-03-15",
        emulator.local_addr()
    );
    let host = format!("Host: {}", emulator.local_addr());
    let (mut stream, head) = ask(
        &proxy,
        &format!("GET {target} HTTP/1.1"),
        &[
            &host,
            "Proxy-Authorization: Basic dTpw",
            "Connection: close",
        ],
    );
    // The emulator answered: a chat call without a token is 401.
    assert!(head.starts_with("HTTP/1.1 401 "), "{head}");
    assert!(head.to_ascii_lowercase().contains("ms-cv:"), "{head}");
    let _ = read_all(&mut stream);
    let seen = proxy.requests();
    assert_eq!(seen[0].target, target);
    assert_eq!(seen[0].status, None);
    let forwarded = String::from_utf8_lossy(&seen[0].to_origin);
    assert!(forwarded.starts_with(&format!("GET {target} HTTP/1.1\r\n")));
    assert!(!forwarded
        .to_ascii_lowercase()
        .contains("proxy-authorization"));
    assert_eq!(emulator.request_count("GET", "/chat/threads").received, 1);
}
