//! A pooled connection is checked once, right before it carries the next request: a connection
//! the server closed, or one it sent stray bytes on, is never used for a send_message (which
//! would end in an ambiguous "may have been sent" failure), and a healthy one is reused.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential};

const CREATED: &[u8] = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{\"id\":\"1\"}";

/// What the server does with a connection once it has answered one request on it.
#[derive(Clone, Copy, Debug)]
enum After {
    /// Keep serving requests on it.
    KeepServing,
    /// Close it (no `connection: close` header was sent: the client cannot know in advance).
    Close,
    /// Write bytes nobody asked for, then keep it open.
    StrayBytes,
}

/// A server that answers every `send_message` with 201, treats connection `i` as `after(i)`
/// says, and reports on `done` when it has finished that treatment for a connection.
struct Server {
    url: String,
    connections: mpsc::Receiver<usize>,
    done: mpsc::Receiver<()>,
}

impl Server {
    fn start(after: fn(usize) -> After) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (connections_tx, connections) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            for (i, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let _ = connections_tx.send(i);
                let done = done_tx.clone();
                std::thread::spawn(move || serve(stream, after(i), &done));
            }
        });
        Self {
            url,
            connections,
            done,
        }
    }

    fn connections(&self) -> Vec<usize> {
        self.connections.try_iter().collect()
    }
}

fn serve(mut stream: TcpStream, after: After, done: &mpsc::Sender<()>) {
    while read_request(&mut stream) {
        if stream.write_all(CREATED).is_err() {
            return;
        }
        match after {
            After::KeepServing => continue,
            After::Close => {
                drop(stream);
                let _ = done.send(());
                return;
            }
            After::StrayBytes => {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                let _ = done.send(());
                // Keep the connection open until the client drops it.
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink);
                return;
            }
        }
    }
}

/// Reads one request (head and `content-length` body); false at the end of the stream.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => data.push(byte[0]),
            _ => return false,
        }
    }
    let head = String::from_utf8_lossy(&data).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).is_ok()
}

fn thread_client(server: &Server) -> chat_ureq::ChatThreadClient {
    let options = ClientOptions::default().allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(support::token());
    ChatClient::with_options(&server.url, credential, options)
        .unwrap()
        .chat_thread_client("19:a@thread.v2")
}

#[test]
fn a_healthy_connection_carries_every_request() {
    let server = Server::start(|_| After::KeepServing);
    let thread = thread_client(&server);
    for _ in 0..5 {
        thread.send_message("hello").call().unwrap();
    }
    assert_eq!(server.connections(), [0]);
}

#[test]
fn a_connection_the_server_closed_is_not_used_for_the_next_message() {
    let server = Server::start(|_| After::Close);
    let thread = thread_client(&server);
    thread.send_message("first").call().unwrap();
    // The server has closed its end before the second message is sent.
    server.done.recv().unwrap();
    let second = thread.send_message("second").call();
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(server.connections(), [0, 1]);
}

#[test]
fn a_connection_with_stray_bytes_is_not_used_for_the_next_message() {
    let server = Server::start(|i| {
        if i == 0 {
            After::StrayBytes
        } else {
            After::KeepServing
        }
    });
    let thread = thread_client(&server);
    thread.send_message("first").call().unwrap();
    // The stray response is on the wire before the second message is sent (ureq may already
    // hold it in its buffer, or the probe finds it in the socket: either retires the
    // connection).
    server.done.recv().unwrap();
    let second = thread.send_message("second").call();
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(server.connections(), [0, 1]);
}
