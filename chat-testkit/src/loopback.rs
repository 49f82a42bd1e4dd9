//! A small HTTP/1.1 server on 127.0.0.1, on a thread of its own with its own single-threaded
//! tokio runtime: what the replay server and the recording proxy run on. The socket is bound
//! before the server starts (like `std::net::TcpListener`), so clients may connect as soon as
//! it has; dropping the server stops it.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use chat_core::http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// A running loopback server.
#[derive(Debug)]
pub(crate) struct LoopbackServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Binds `port` of 127.0.0.1 (0: any free port).
    pub(crate) fn bind(port: u16) -> io::Result<TcpListener> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    }

    /// Answers every request on `listener` with `handler`, on a thread named `name`.
    pub(crate) fn start<H, F>(listener: TcpListener, name: &str, handler: H) -> io::Result<Self>
    where
        H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
        F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let handler = Arc::new(handler);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || runtime.block_on(serve(listener, handler, rx)))?;
        Ok(Self {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The socket address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// True until [`LoopbackServer::stop`].
    pub(crate) fn is_running(&self) -> bool {
        self.thread.is_some()
    }

    /// Stops accepting and answering, and waits for the thread to end.
    pub(crate) fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve<H, F>(listener: TcpListener, handler: Arc<H>, mut shutdown: oneshot::Receiver<()>)
where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let response = handler(request);
                        async move { Ok::<_, Infallible>(response.await) }
                    });
                    // A client that goes away mid-exchange is not the server's problem.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}
