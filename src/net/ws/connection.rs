//! [`Connection`]: what [`connect`](super::connect) opens, plain TCP or TLS.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite};

/// The connection under a WebSocket opened by [`connect`](super::connect): TCP
/// for `ws://`, TLS over TCP for `wss://` (feature `wss`).
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// let socket = aiter::net::ws::connect("ws://127.0.0.1:9001/").await?;
/// let _: &aiter::net::ws::WebSocket<aiter::net::ws::Connection> = &socket;
/// # Ok::<(), aiter::net::ws::WsError>(()) }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Connection {
    /// `ws://`
    Plain(async_net::TcpStream),
    /// `wss://`, through async-native-tls.
    #[cfg(feature = "wss")]
    Tls(async_native_tls::TlsStream<async_net::TcpStream>),
}

macro_rules! each {
    ($self:ident, $io:ident => $body:expr) => {
        match $self.get_mut() {
            Connection::Plain($io) => $body,
            #[cfg(feature = "wss")]
            Connection::Tls($io) => $body,
        }
    };
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, io => Pin::new(io).poll_read(cx, buf))
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, io => Pin::new(io).poll_flush(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, io => Pin::new(io).poll_close(cx))
    }
}
