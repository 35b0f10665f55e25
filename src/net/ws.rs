//! WebSockets (feature `ws`): a WebSocket's messages as a stream, the lesson's
//! `socket` with its `connected` and `close` done right, on async-tungstenite over
//! smol's sockets (no tokio, no futures-util).
//!
//! - [`connect`] (client) and [`accept`] (server) finish the opening handshake
//!   before they return: a [`WebSocket`] is always connected.
//! - A [`WebSocket`] is a stream of data messages (text and binary). Pings are
//!   answered for you. When the peer closes, every message it sent before is
//!   delivered, the close is answered, and the stream ends.
//! - [`WebSocket::close`] starts a clean close handshake: the messages the peer
//!   sent before it saw the close are still delivered, then the stream ends when the
//!   peer's close arrives. Dropping a WebSocket without `close` just drops the
//!   connection.
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::net::ws;
//! use futures_lite::StreamExt;
//!
//! let listener = async_net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("ws://{}/chat", listener.local_addr()?);
//! let server = async move {
//!     let (tcp, _) = listener.accept().await?;
//!     let mut socket = ws::accept(tcp).await?;
//!     socket.send("welcome").await?;
//!     socket.close().await?; // queued "welcome" is still delivered
//!     while socket.next().await.is_some() {} // until the client answers the close
//!     Ok::<_, ws::WsError>(())
//! };
//! let client = async {
//!     let mut socket = ws::connect(&url).await?;
//!     let mut got = Vec::new();
//!     while let Some(message) = socket.next().await {
//!         got.push(message?.into_text()?.to_string());
//!     }
//!     Ok::<_, ws::WsError>(got)
//! };
//! let (served, got) = futures_lite::future::zip(server, client).await;
//! served?;
//! assert_eq!(got?, ["welcome"]);
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::client::IntoClientRequest;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::{AsyncRead, AsyncWrite};

pub use async_tungstenite::tungstenite::{Error as WsError, Message};

/// A connected WebSocket: a stream of its data messages, and `send` and `close`.
///
/// # Cancellation safety
///
/// `next()` is cancellation safe. `send` and `close` are not: if cancelled, the
/// message may or may not have gone out.
#[must_use = "streams do nothing unless polled"]
pub struct WebSocket<S> {
    inner: WebSocketStream<S>,
    /// The peer's close has arrived: answer it, then end.
    peer_closed: bool,
    ended: bool,
}

/// Connects to a `ws://` URL over TCP and completes the opening handshake.
///
/// For `wss://`, open the TLS connection yourself and use [`client`].
///
/// # Errors
///
/// When the URL is not `ws://host[:port]/...`, the connection fails, or the server
/// refuses the handshake (the error carries its HTTP response).
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// let mut socket = aiter::net::ws::connect("ws://127.0.0.1:9001/feed").await?;
/// socket.send("subscribe").await?;
/// # Ok::<(), aiter::net::ws::WsError>(()) }).unwrap();
/// ```
pub async fn connect(url: &str) -> Result<WebSocket<async_net::TcpStream>, WsError> {
    let request = url.into_client_request()?;
    let uri = request.uri();
    if uri.scheme_str() != Some("ws") {
        return Err(WsError::Url(
            async_tungstenite::tungstenite::error::UrlError::UnsupportedUrlScheme,
        ));
    }
    let host = uri
        .host()
        .ok_or(WsError::Url(
            async_tungstenite::tungstenite::error::UrlError::NoHostName,
        ))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let tcp = async_net::TcpStream::connect((host.as_str(), port)).await?;
    client(request, tcp).await
}

/// Completes the client's opening handshake over a stream you opened (TCP, TLS,
/// Unix...).
///
/// # Errors
///
/// When the handshake fails or the server refuses it.
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// let tcp = async_net::TcpStream::connect("127.0.0.1:9001").await?;
/// let socket = aiter::net::ws::client("ws://127.0.0.1:9001/feed", tcp).await?;
/// # drop(socket);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn client<R, S>(request: R, stream: S) -> Result<WebSocket<S>, WsError>
where
    R: IntoClientRequest + Unpin,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (inner, _response) = async_tungstenite::client_async(request, stream).await?;
    Ok(WebSocket::new(inner))
}

/// Completes the server's opening handshake on an accepted connection.
///
/// # Errors
///
/// When the client's request is not a valid WebSocket handshake.
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// let listener = async_net::TcpListener::bind("127.0.0.1:9001").await?;
/// let (tcp, _) = listener.accept().await?;
/// let socket = aiter::net::ws::accept(tcp).await?;
/// # drop(socket);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn accept<S>(stream: S) -> Result<WebSocket<S>, WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    Ok(WebSocket::new(
        async_tungstenite::accept_async(stream).await?,
    ))
}

impl<S> WebSocket<S> {
    fn new(inner: WebSocketStream<S>) -> Self {
        Self {
            inner,
            peer_closed: false,
            ended: false,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// The underlying connection.
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }

    /// Sends one message (text for `&str` and `String`, binary for `Vec<u8>`).
    ///
    /// # Errors
    ///
    /// When the connection is closed or writing fails.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), WsError> {
        self.inner.send(message.into()).await
    }

    /// Starts the close handshake: sends a close frame (code 1000, normal). Keep
    /// reading the stream: the messages the peer sent before it saw the close are
    /// delivered, and the stream ends once the peer's close arrives.
    ///
    /// # Errors
    ///
    /// When writing the close frame fails; closing twice is not an error.
    pub async fn close(&mut self) -> Result<(), WsError> {
        match self.inner.close(None).await {
            Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Ok(()),
            other => other,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                // After the peer's close, reading on sends our answer, then ends.
                Some(Ok(Message::Close(_))) => this.peer_closed = true,
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(message)) if !this.peer_closed => return Poll::Ready(Some(Ok(message))),
                Some(Ok(_)) => {}
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) | None => {
                    this.ended = true;
                }
                Some(Err(error)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FusedStream for WebSocket<S> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<S> fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("peer_closed", &self.peer_closed)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}
