//! The TCP layer under ureq: a non-blocking socket that waits with `poll(2)` (through ureq 3's
//! `unversioned::transport` extension point; HTTP/1.1 stays ureq's).
//!
//! ureq's own TCP transport keeps its socket blocking and bounds each read and write with
//! `SO_RCVTIMEO`/`SO_SNDTIMEO`, which it sets again whenever the remaining time changed: on a
//! kept-alive connection, two `setsockopt` calls per request, since every call has a deadline of
//! its own. It checks that a pooled connection is still usable with three calls (non-blocking
//! on, a one-byte read that must fail with `EAGAIN`, non-blocking off). Here the socket is
//! non-blocking for good and every wait is one `poll` with the time left, so a request on a
//! kept-alive connection costs four calls: the liveness `poll`, one `write` of head and body
//! (see [`crate::transport`]'s coalescing), a `poll` for the response and the `read` of it.
//!
//! A read that filled the whole buffer is followed by another read at once (more is likely
//! waiting); a read that drained the socket, or a write, is followed by a `poll` first, so no
//! read returns `EAGAIN` in the common case.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use ureq::{Error, Timeout};

/// The shortest connect attempt one address gets.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_millis(10);

/// Opens plain TCP connections that wait with `poll(2)`; a connection opened earlier in the
/// chain (a proxy's tunnel) is passed through untouched.
#[derive(Debug, Default)]
pub(crate) struct PollingTcpConnector;

impl<In: Transport> Connector<In> for PollingTcpConnector {
    type Out = Either<In, PollingTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        if let Some(chained) = chained {
            return Ok(Some(Either::A(chained)));
        }
        let deadline = deadline(details.timeout);
        let stream = connect(details.addrs.iter().copied(), deadline)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        stream.set_nonblocking(true)?;
        let config = details.config;
        let transport = PollingTcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            wait_before_read: true,
        };
        (details.register_shutdown)(transport.shutdown_handle())?;
        Ok(Some(Either::B(transport)))
    }
}

/// Tries each address in turn, each with half of the time left (the last with all of it).
fn connect(
    addrs: impl ExactSizeIterator<Item = SocketAddr>,
    deadline: Option<Instant>,
) -> Result<TcpStream, Error> {
    let count = addrs.len();
    let mut last_error = None;
    for (i, addr) in addrs.enumerate() {
        let attempt = match deadline {
            None => TcpStream::connect(addr),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Timeout(Timeout::Connect));
                }
                let share = if i + 1 == count { left } else { left / 2 };
                TcpStream::connect_timeout(&addr, share.max(MIN_CONNECT_TIMEOUT))
            }
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if is_address_specific(&e) || e.kind() == io::ErrorKind::TimedOut => {
                last_error = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(match last_error {
        Some(e) if e.kind() == io::ErrorKind::TimedOut => Error::Timeout(Timeout::Connect),
        Some(e) => e.into(),
        None => io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to").into(),
    })
}

/// A failure that concerns only the address tried: the next one may still work.
fn is_address_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

/// One non-blocking TCP connection; see the module docs.
pub(crate) struct PollingTcpTransport {
    /// Shared (weakly) with the agent's shutdown handle.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The next read should wait for input first (after a write, or a read that drained the
    /// socket).
    wait_before_read: bool,
}

impl PollingTcpTransport {
    fn shutdown_handle(&self) -> Weak<dyn ShutdownHandle> {
        let weak: Weak<TcpStream> = Arc::downgrade(&self.stream);
        weak
    }
}

impl Transport for PollingTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let timeout = timeout.for_write();
        let deadline = deadline(timeout);
        let output = self
            .buffers
            .output()
            .get(..amount)
            .ok_or_else(|| io::Error::other("transmit beyond the output buffer"))?;
        let mut sent = 0;
        while sent < output.len() {
            let rest = output.get(sent..).unwrap_or_default();
            match (&*self.stream).write(rest) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait(&self.stream, PollFlags::OUT, deadline, timeout.reason)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.wait_before_read = true;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        let timeout = timeout.for_read();
        let deadline = deadline(timeout);
        if std::mem::take(&mut self.wait_before_read) {
            wait(&self.stream, PollFlags::IN, deadline, timeout.reason)?;
        }
        let input = self.buffers.input_append_buf();
        let room = input.len();
        let amount = loop {
            match (&*self.stream).read(input) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait(&self.stream, PollFlags::IN, deadline, timeout.reason)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        };
        self.buffers.input_appended(amount);
        // A read that filled the buffer likely left more behind; one that did not drained it.
        self.wait_before_read = amount < room;
        Ok(amount > 0)
    }

    /// One `poll` with no wait: a usable idle connection has nothing to read, no end of
    /// stream and no error pending.
    fn is_open(&mut self) -> bool {
        let mut fds = [PollFd::new(&*self.stream, PollFlags::IN)];
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        loop {
            match poll(&mut fds, Some(&zero)) {
                Ok(ready) => return ready == 0,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return false,
            }
        }
    }
}

impl fmt::Debug for PollingTcpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollingTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish_non_exhaustive()
    }
}

/// When `timeout` runs out, or `None` if it never does.
fn deadline(timeout: NextTimeout) -> Option<Instant> {
    if timeout.after.is_not_happening() {
        None
    } else {
        Instant::now().checked_add(*timeout.after)
    }
}

/// Waits until the socket is ready for `events` (or has an error or end of stream to report,
/// which the next read or write returns), or fails with `Timeout(reason)` at `deadline`.
fn wait(
    stream: &TcpStream,
    events: PollFlags,
    deadline: Option<Instant>,
    reason: Timeout,
) -> Result<(), Error> {
    loop {
        let left = match deadline {
            None => None,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Timeout(reason));
                }
                Some(Timespec::try_from(left).map_err(io::Error::other)?)
            }
        };
        let mut fds = [PollFd::new(stream, events)];
        match poll(&mut fds, left.as_ref()) {
            Ok(0) => {} // timed out; the loop checks the deadline
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (PollingTcpTransport, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = connect([addr].into_iter(), None).unwrap();
        stream.set_nonblocking(true).unwrap();
        let (server, _) = listener.accept().unwrap();
        let transport = PollingTcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(16, 16),
            wait_before_read: true,
        };
        (transport, server)
    }

    fn within(after: Duration) -> NextTimeout {
        NextTimeout {
            after: after.into(),
            reason: Timeout::Global,
            ..NextTimeout::default()
        }
    }

    #[test]
    fn writes_reads_and_probes() {
        let (mut t, mut server) = pair();
        assert!(t.is_open());
        t.buffers().output()[..4].copy_from_slice(b"ping");
        t.transmit_output(4, within(Duration::from_secs(60)))
            .unwrap();
        let mut got = [0; 4];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"ping");
        server.write_all(b"0123456789abcdefXYZ").unwrap();
        // 16 bytes fill the buffer: the rest is read without a wait.
        assert!(t.await_input(within(Duration::from_secs(60))).unwrap());
        assert_eq!(t.buffers().input(), b"0123456789abcdef");
        assert!(!t.wait_before_read);
        t.buffers().input_consume(16);
        assert!(t.await_input(within(Duration::from_secs(60))).unwrap());
        assert_eq!(t.buffers().input(), b"XYZ");
        t.buffers().input_consume(3);
        assert!(t.is_open());
        // Stray bytes, then an end of stream: not reusable.
        server.write_all(b"!").unwrap();
        while t.is_open() {
            std::thread::yield_now();
        }
        drop(server);
        assert!(t.await_input(within(Duration::from_secs(60))).unwrap());
        t.buffers().input_consume(1);
        assert!(!t.await_input(within(Duration::from_secs(60))).unwrap());
        assert!(!t.is_open());
    }

    #[test]
    fn a_silent_peer_times_out_with_the_given_reason() {
        let (mut t, _server) = pair();
        let timeout = NextTimeout {
            after: Duration::from_millis(50).into(),
            reason: Timeout::RecvResponse,
            ..NextTimeout::default()
        };
        let err = t.await_input(timeout).unwrap_err();
        assert!(
            matches!(err, Error::Timeout(Timeout::RecvResponse)),
            "{err:?}"
        );
    }

    #[test]
    fn a_refused_connection_is_an_io_error() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = connect(
            [addr].into_iter(),
            Some(Instant::now() + Duration::from_secs(60)),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused),
            "{err:?}"
        );
    }
}
