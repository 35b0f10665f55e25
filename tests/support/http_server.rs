//! A real HTTP server (trillium, on smol) on loopback, for the HTTP tests.

#![allow(dead_code)] // each test file uses its own subset

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::AsyncRead;

/// A trillium server answering with `handler` on a loopback port, until dropped.
pub struct TestServer {
    address: std::net::SocketAddr,
    stopper: trillium_smol::Stopper,
}

impl TestServer {
    pub fn start(handler: impl trillium::Handler) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("bound address");
        let listener = smol::net::TcpListener::try_from(listener).expect("async listener");
        let handle = trillium_smol::config()
            .without_signals()
            .with_prebound_server(listener)
            .spawn(handler);
        Self {
            address,
            stopper: handle.stopper(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stopper.stop();
    }
}

/// A body source that gives `good` bytes of a pattern, then fails: the server
/// breaks off the response there and closes the connection.
pub struct BreaksAfter {
    pub sent: usize,
    pub good: usize,
}

impl BreaksAfter {
    pub fn new(good: usize) -> Self {
        Self { sent: 0, good }
    }
}

impl AsyncRead for BreaksAfter {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.sent == self.good {
            return Poll::Ready(Err(io::Error::other("the server's body source failed")));
        }
        let n = (self.good - self.sent).min(buf.len());
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            *byte = pattern_byte(self.sent + i);
        }
        self.sent += n;
        Poll::Ready(Ok(n))
    }
}

fn pattern_byte(i: usize) -> u8 {
    u8::try_from(i % 251).expect("below 251")
}

/// `len` bytes of the pattern `BreaksAfter` also serves.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(pattern_byte).collect()
}
