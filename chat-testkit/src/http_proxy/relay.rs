//! One client connection of the proxy: read the request head, check credentials, then refuse,
//! close, or connect to the origin and relay bytes both ways.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{lock, ProxiedRequest, ProxyBehaviour, State, MAX_RECORDED_BYTES};

/// How long the proxy tries to reach an origin.
const ORIGIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers meant for the proxy, not forwarded with a plain request.
const HOP_HEADERS: [&str; 2] = ["proxy-authorization", "proxy-connection"];

pub(super) fn serve(mut client: TcpStream, state: &State) {
    let _ = client.set_nodelay(true);
    if let Ok(clone) = client.try_clone() {
        lock(&state.streams).push(clone);
    }
    let Ok((head, rest)) = crate::net::read_head(&mut client) else {
        return;
    };
    let Some(request) = parse_head(&head) else {
        let _ = answer(&mut client, 400);
        return;
    };
    let record = Arc::new(Mutex::new(request));
    lock(&state.log).push(Arc::clone(&record));
    let set_status = |status: u16| lock(&record).status = Some(status);

    let behaviour = *lock(&state.behaviour);
    if behaviour == ProxyBehaviour::Close {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    if let Some(expected) = &state.expected_authorization {
        if lock(&record).header("proxy-authorization") != Some(expected.as_str()) {
            set_status(407);
            let _ = answer(&mut client, 407);
            return;
        }
    }
    if let ProxyBehaviour::Refuse(status) = behaviour {
        set_status(status);
        let _ = answer(&mut client, status);
        return;
    }

    let (method, target) = {
        let r = lock(&record);
        (r.method.clone(), r.target.clone())
    };
    let connect = method.eq_ignore_ascii_case("CONNECT");
    let origin = if connect {
        Some(target.clone())
    } else {
        plain_origin(&target)
    };
    let Some(origin) = origin else {
        set_status(400);
        let _ = answer(&mut client, 400);
        return;
    };
    let Ok(mut upstream) = connect_origin(&origin, state) else {
        set_status(502);
        let _ = answer(&mut client, 502);
        return;
    };
    let _ = upstream.set_nodelay(true);
    if let Ok(clone) = upstream.try_clone() {
        lock(&state.streams).push(clone);
    }
    let first = if connect {
        set_status(200);
        if client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .is_err()
        {
            return;
        }
        rest
    } else {
        let mut bytes = forwarded_head(&head);
        bytes.extend_from_slice(&rest);
        bytes
    };
    if !first.is_empty() {
        record_relayed(&record, &first, true);
        if upstream.write_all(&first).is_err() {
            return;
        }
    }
    tunnel(client, upstream, &record);
}

/// Relays both ways until both sides are done; an end of stream is passed on as a half-close.
fn tunnel(client: TcpStream, upstream: TcpStream, record: &Arc<Mutex<ProxiedRequest>>) {
    let (Ok(client_read), Ok(upstream_read)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let back = Arc::clone(record);
    let from_origin = std::thread::spawn(move || pump(upstream_read, client, &back, false));
    pump(client_read, upstream, record, true);
    let _ = from_origin.join();
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    record: &Arc<Mutex<ProxiedRequest>>,
    to_origin: bool,
) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                let data = buffer.get(..n).unwrap_or_default();
                // Recorded before it is passed on: once the far side reacts, the test sees it.
                record_relayed(record, data, to_origin);
                if to.write_all(data).is_err() {
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn record_relayed(record: &Mutex<ProxiedRequest>, data: &[u8], to_origin: bool) {
    let mut guard = lock(record);
    let r = &mut *guard;
    let (count, kept) = if to_origin {
        (&mut r.bytes_to_origin, &mut r.to_origin)
    } else {
        (&mut r.bytes_from_origin, &mut r.from_origin)
    };
    *count += data.len() as u64;
    let room = MAX_RECORDED_BYTES.saturating_sub(kept.len());
    kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
}

/// Connects to `authority` (`host:port`), at the address [`State::aliases`] gives it if any.
fn connect_origin(authority: &str, state: &State) -> io::Result<TcpStream> {
    if let Some(&addr) = alias(authority, state) {
        return TcpStream::connect_timeout(&addr, ORIGIN_CONNECT_TIMEOUT);
    }
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in authority.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, ORIGIN_CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn alias<'a>(authority: &str, state: &'a State) -> Option<&'a SocketAddr> {
    let (host, port) = authority.rsplit_once(':')?;
    let port = port.parse::<u16>().ok()?;
    state.aliases.get(&(host.to_ascii_lowercase(), port))
}

/// `host:port` of an absolute `http://` target (port 80 when none is given).
fn plain_origin(target: &str) -> Option<String> {
    let url = url::Url::parse(target).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    Some(format!("{host}:{}", url.port().unwrap_or(80)))
}

/// The head of a plain request as forwarded: as received, minus the headers meant for the proxy.
fn forwarded_head(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive("\r\n") {
        let name = line.split_once(':').map(|(n, _)| n.trim());
        if name.is_some_and(|n| HOP_HEADERS.iter().any(|h| n.eq_ignore_ascii_case(h))) {
            continue;
        }
        out.push_str(line);
    }
    out.into_bytes()
}

fn answer(client: &mut TcpStream, status: u16) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        407 => "Proxy Authentication Required",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Refused",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    if status == 407 {
        out.push_str("Proxy-Authenticate: Basic realm=\"chat-testkit\"\r\n");
    }
    out.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    client.write_all(out.as_bytes())?;
    client.flush()?;
    client.shutdown(Shutdown::Write)
}

fn parse_head(head: &[u8]) -> Option<ProxiedRequest> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(ProxiedRequest {
        request_line,
        method,
        target,
        headers,
        status: None,
        bytes_to_origin: 0,
        bytes_from_origin: 0,
        to_origin: Vec::new(),
        from_origin: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_requests_lose_the_proxy_headers_and_keep_the_rest() {
        let head = b"GET http://h:1/x HTTP/1.1\r\nHost: h:1\r\nProxy-Authorization: Basic eA==\r\nproxy-connection: keep-alive\r\nX: y\r\n\r\n";
        assert_eq!(
            forwarded_head(head),
            b"GET http://h:1/x HTTP/1.1\r\nHost: h:1\r\nX: y\r\n\r\n".to_vec()
        );
        assert_eq!(plain_origin("http://h:1/x").as_deref(), Some("h:1"));
        assert_eq!(plain_origin("http://h/x").as_deref(), Some("h:80"));
        assert_eq!(plain_origin("https://h/x"), None);
        assert!(parse_head(b"nonsense\r\n\r\n").is_none());
    }
}
