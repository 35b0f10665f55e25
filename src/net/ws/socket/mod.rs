//! [`WebSocket`] and its halves, [`WsSender`] and [`WsReceiver`], over one shared
//! connection. What sends is in `sending.rs`, what receives (the close handshake
//! and the refusal of over-size messages included) in `receiving.rs`.

mod receiving;
mod sending;

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::{AsyncRead, AsyncWrite};

use super::{Message, WsError};

/// The connection both halves share; each poll locks it briefly (never across an
/// await), as async-tungstenite's own split does.
struct Conn<S> {
    ws: WebSocketStream<S>,
    /// The peer's close has arrived: answer it, then end.
    peer_closed: bool,
    /// Our close went out: the peer must answer by then.
    close_deadline: Option<Instant>,
    close_timeout: Duration,
    /// A message over the limit arrived: send this close, then end.
    refusal: Option<Refusal>,
    ended: bool,
}

enum Refusal {
    Send(CloseFrame),
    Flush,
}

type Shared<S> = Arc<Mutex<Conn<S>>>;

fn lock<S>(shared: &Shared<S>) -> MutexGuard<'_, Conn<S>> {
    // Nothing the lock guards is left half-changed by a panic.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A connected WebSocket: a stream of its data messages, and `send` and `close`.
///
/// - Text and binary messages are the items; pings are answered for you.
/// - When the peer closes, every message it sent before is delivered, the close
///   is answered, and the stream ends.
/// - [`WebSocket::close`] sends a close frame with code 1000 (normal closure).
///   Keep reading: the messages the peer sent before it saw the close are still
///   delivered, and the stream ends when the peer answers, or with a `TimedOut`
///   error after the close timeout ([`Config::close_timeout`](super::Config::close_timeout)).
/// - A message or frame over the limit ([`Config`](super::Config), 8 MiB by
///   default) is an error item; a close with code 1009 (message too big) is sent
///   and the stream ends.
/// - [`WebSocket::split`] gives a sending and a receiving half, for two tasks.
///
/// # Cancellation safety
///
/// `next()` is cancellation safe. `send` and `close` are not: if cancelled, the
/// message may or may not have gone out.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::net::ws;
/// use futures_lite::StreamExt;
///
/// let listener = async_net::TcpListener::bind("127.0.0.1:0").await?;
/// let url = format!("ws://{}/", listener.local_addr()?);
/// let server = async move {
///     let mut socket = ws::accept(listener.accept().await?.0).await?;
///     while let Some(message) = socket.next().await {
///         let echo = message?;
///         socket.send(echo).await?;
///     }
///     Ok::<_, ws::WsError>(())
/// };
/// let client = async {
///     let mut socket = ws::connect(&url).await?;
///     socket.send("ping?").await?;
///     let echo = socket.next().await.unwrap()?;
///     socket.close().await?;
///     while socket.next().await.is_some() {}
///     Ok::<_, ws::WsError>(echo)
/// };
/// let (served, echo) = futures_lite::future::zip(server, client).await;
/// served?;
/// assert_eq!(echo?.into_text()?, "ping?");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct WebSocket<S> {
    sender: WsSender<S>,
    receiver: WsReceiver<S>,
}

/// The sending half of a [`WebSocket`], from [`WebSocket::split`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (client, server) = futures_lite::future::zip(
///     aiter::net::ws::client("ws://localhost/", left),
///     aiter::net::ws::accept(right),
/// ).await;
/// let (mut sender, _receiver) = client?.split();
/// sender.send("hello").await?;
/// # drop(server);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub struct WsSender<S> {
    shared: Shared<S>,
}

/// The receiving half of a [`WebSocket`], from [`WebSocket::split`]: the same
/// stream of messages.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (client, server) = futures_lite::future::zip(
///     aiter::net::ws::client("ws://localhost/", left),
///     aiter::net::ws::accept(right),
/// ).await;
/// let (_sender, mut receiver) = client?.split();
/// server?.send("hi").await?;
/// assert_eq!(receiver.next().await.unwrap()?.into_text()?, "hi");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct WsReceiver<S> {
    shared: Shared<S>,
    close_timer: Option<Timer>,
}

impl<S> WebSocket<S> {
    pub(crate) fn new(ws: WebSocketStream<S>, close_timeout: Duration) -> Self {
        let shared = Arc::new(Mutex::new(Conn {
            ws,
            peer_closed: false,
            close_deadline: None,
            close_timeout,
            refusal: None,
            ended: false,
        }));
        Self {
            sender: WsSender {
                shared: Arc::clone(&shared),
            },
            receiver: WsReceiver {
                shared,
                close_timer: None,
            },
        }
    }

    /// Splits into a sending and a receiving half, to be used from two tasks.
    /// The connection closes when both are dropped.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, _server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (sender, receiver) = client?.split();
    /// # drop((sender, receiver));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn split(self) -> (WsSender<S>, WsReceiver<S>) {
        (self.sender, self.receiver)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Sends one message (text for `&str` and `String`, binary for `Vec<u8>`).
    ///
    /// # Errors
    ///
    /// When the connection is closed, writing fails, or the message does not fit
    /// the write buffer ([`Config::max_write_buffer_len`](super::Config::max_write_buffer_len)).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (mut client, mut server) = (client?, server?);
    /// use futures_lite::StreamExt;
    /// client.send("hello").await?;
    /// assert_eq!(server.next().await.unwrap()?.into_text()?, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), WsError> {
        self.sender.send(message).await
    }

    /// Starts the close handshake: sends a close frame with code 1000 (normal
    /// closure). Keep reading the stream to the end (see [`WebSocket`]).
    ///
    /// # Errors
    ///
    /// When writing the close frame fails; closing twice is not an error.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (mut client, mut server) = (client?, server?);
    /// use futures_lite::StreamExt;
    /// let closing = async {
    ///     client.close().await?;
    ///     while client.next().await.is_some() {} // ends when the server's answer arrives
    ///     Ok::<_, aiter::net::ws::WsError>(())
    /// };
    /// let serving = async { while server.next().await.is_some() {} }; // sees the close (1000), answers it
    /// let (closed, ()) = futures_lite::future::zip(closing, serving).await;
    /// closed?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn close(&mut self) -> Result<(), WsError> {
        self.sender.close().await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.receiver).poll_next(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FusedStream for WebSocket<S> {
    fn is_terminated(&self) -> bool {
        self.receiver.is_terminated()
    }
}

impl<S> fmt::Debug for Conn<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("peer_closed", &self.peer_closed)
            .field("closing", &self.close_deadline.is_some())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        lock(&self.receiver.shared).fmt(f)
    }
}

impl<S> fmt::Debug for WsSender<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WsSender")
            .field(&*lock(&self.shared))
            .finish()
    }
}

impl<S> fmt::Debug for WsReceiver<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WsReceiver")
            .field(&*lock(&self.shared))
            .finish()
    }
}
