//! Blocking socket plumbing shared by the test servers ([`crate::faulty`], [`crate::http_proxy`]):
//! an accept loop with a thread per connection, and reading an HTTP/1.1 request head.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The largest request head the test servers read.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Accepts on `listener` on a thread of its own, handing each connection to `serve` on a new
/// thread, until `stop` is set (see [`stop_accepting`]).
pub(crate) fn accept_loop(
    listener: TcpListener,
    name: String,
    stop: Arc<AtomicBool>,
    serve: impl Fn(TcpStream) + Send + Sync + 'static,
) -> io::Result<()> {
    let serve = Arc::new(serve);
    std::thread::Builder::new().name(name).spawn(move || {
        for stream in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(stream));
        }
    })?;
    Ok(())
}

/// Ends an [`accept_loop`] on `addr`: sets the flag, then wakes the loop with a connection.
pub(crate) fn stop_accepting(stop: &AtomicBool, addr: SocketAddr) {
    stop.store(true, Ordering::SeqCst);
    let _ = TcpStream::connect(addr);
}

/// Reads up to the end of a request head (the blank line); returns the head and whatever
/// followed it in the last read.
pub(crate) fn read_head(stream: &mut impl Read) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buffer.split_off(i + 4);
            return Ok((buffer, rest));
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(io::Error::other("request head too large"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}
