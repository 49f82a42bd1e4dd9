//! The pooled connections' stream: hyper-rustls's `MaybeHttpsStream` keeps its TLS state
//! (rustls's `ClientConnection`, about 1 KB) inline, so every plain connection would carry that
//! room too, in its connection task. Here a plain stream stays inline and a TLS stream is
//! boxed: one connection's task is as small as bare hyper-util's over plain TCP.

use std::error::Error as StdError;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use chat_core::http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::proxy::ProxyConnector;

type BoxError = Box<dyn StdError + Send + Sync>;
type Tcp = TokioIo<TcpStream>;
type Connecting = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

/// One pooled connection: plain TCP, or TLS (boxed) over TCP or a proxy's tunnel.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(Tcp),
    Tls(Box<MaybeHttpsStream<Tcp>>),
}

impl From<MaybeHttpsStream<Tcp>> for Stream {
    fn from(stream: MaybeHttpsStream<Tcp>) -> Self {
        match stream {
            MaybeHttpsStream::Http(tcp) => Self::Plain(tcp),
            tls => Self::Tls(Box::new(tls)),
        }
    }
}

/// hyper-rustls's connector, with its streams made [`Stream`]s.
#[derive(Clone, Debug)]
pub(crate) struct StreamConnector(pub(crate) HttpsConnector<ProxyConnector>);

impl Service<Uri> for StreamConnector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let connecting = self.0.call(dst);
        Box::pin(async move { connecting.await.map(Stream::from) })
    }
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        match self {
            Self::Plain(s) => s.connected(),
            Self::Tls(s) => s.connected(),
        }
    }
}

impl Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(&mut **s).poll_write_vectored(cx, bufs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_connection_does_not_carry_room_for_tls() {
        let (ours, theirs) = (
            std::mem::size_of::<Stream>(),
            std::mem::size_of::<MaybeHttpsStream<Tcp>>(),
        );
        // 32-40 and 1,104-1,112 bytes with rustc 1.95 on x86_64, release and debug (BENCHMARKS.md,
        // "Load that holds").
        println!("pooled stream: {ours} bytes; hyper-rustls's MaybeHttpsStream: {theirs} bytes");
        assert!(ours * 8 <= theirs, "{ours} bytes against {theirs}");
    }
}
