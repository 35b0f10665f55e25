//! [`WebSocket`] and its halves, [`WsSender`] and [`WsReceiver`], over one shared
//! connection. What sends is in `sending.rs`, what receives (the close handshake
//! and the refusal of over-size messages included) in `receiving.rs`.

mod receiving;
mod sending;

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::time::{Instant, Timer};
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
    /// How the connection ended, once it has.
    close_event: Option<CloseEvent>,
    /// The receiver waiting for a message, woken when our close starts its timer.
    receiver_waker: Option<Waker>,
}

/// How a WebSocket ended, as JavaScript's `CloseEvent` tells it: the close code
/// and reason, and whether the close handshake completed.
///
/// From [`WebSocket::close_event`] or [`WsReceiver::close_event`], once the
/// stream has ended:
///
/// - the peer closed, or answered our close: its code (1005 when its close frame
///   had none) and reason, `was_clean` once the handshake completed;
/// - the connection dropped without a close, a read failed, or the peer did not
///   answer our close in time: 1006 (abnormal closure), not clean;
/// - a message over the limit: 1009 (message too big), the close we sent, not
///   clean.
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
/// let (mut client, mut server) = (client?, server?);
/// let closing = async {
///     client.close().await?;
///     while client.next().await.is_some() {}
///     Ok::<_, aiter::net::ws::WsError>(())
/// };
/// let serving = async { while server.next().await.is_some() {} };
/// let (closed, ()) = futures_lite::future::zip(closing, serving).await;
/// closed?;
/// // The server saw the client's close: code 1000, the handshake completed.
/// let event = server.close_event().expect("the stream has ended");
/// assert_eq!((event.code, event.reason.as_str(), event.was_clean), (1000, "", true));
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloseEvent {
    /// The close code: the peer's, or 1006 (abnormal) or 1009 (too big) as above.
    pub code: u16,
    /// The peer's reason, empty when it gave none.
    pub reason: String,
    /// `true` when the close handshake completed.
    pub was_clean: bool,
}

impl CloseEvent {
    pub(crate) fn abnormal() -> Self {
        CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        }
    }
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
            close_event: None,
            receiver_waker: None,
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

    /// How the connection ended (JavaScript's `onclose`): `None` until the stream
    /// has ended. See [`CloseEvent`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, _server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// assert_eq!(client?.close_event(), None); // still open
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn close_event(&self) -> Option<CloseEvent> {
        self.receiver.close_event()
    }
}

impl<S> WsReceiver<S> {
    /// How the connection ended, as [`WebSocket::close_event`]: `None` until this
    /// stream has ended.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (_sender, mut receiver) = client?.split();
    /// let mut server = server?;
    /// let closing = async {
    ///     server.close().await?;
    ///     while server.next().await.is_some() {}
    ///     Ok::<_, aiter::net::ws::WsError>(())
    /// };
    /// let reading = async { while receiver.next().await.is_some() {} };
    /// let (closed, ()) = futures_lite::future::zip(closing, reading).await;
    /// closed?;
    /// assert_eq!(receiver.close_event().map(|event| event.code), Some(1000));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn close_event(&self) -> Option<CloseEvent> {
        lock(&self.shared).close_event.clone()
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
    /// After [`close`](WebSocket::close), or once the peer's close has arrived, a
    /// send is refused with `WsError::Protocol(ProtocolError::SendAfterClosing)`
    /// before it reaches the connection: the close handshake is left intact.
    /// After a close, stop sending and keep reading to the end; leaving with `?`
    /// on that error drops the connection before the peer's answer, and the peer
    /// sees no clean close.
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
    /// closure). Keep reading the stream to the end (see [`WebSocket`]): the
    /// messages the peer sent before it saw the close still arrive, and
    /// [`close_event`](WebSocket::close_event) then tells how it ended. Send
    /// nothing more (a send is refused, see [`send`](WebSocket::send)), and close
    /// only once the replies you wait for have come: a peer may stop answering
    /// requests once it sees the close.
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
