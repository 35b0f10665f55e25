//! WebSockets (feature `ws`): a WebSocket's messages as a stream, JavaScript's
//! `socket` with its `connected` and `close` done right, on async-tungstenite over
//! smol's sockets (no tokio, no async-std). `wss://` (feature `wss`) goes through
//! async-native-tls, the system's TLS (OpenSSL on Linux, as isahc uses).
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `const socket = new WebSocket(url)`, then `onopen` | [`connect`]`(url).await?`: connected when it returns |
//! | `wss.on('connection', socket => ...)` (the `ws` package) | [`accept`]`(tcp).await?` |
//! | `socket.onmessage = e => ...` | `while let Some(message) = socket.next().await` |
//! | `socket.send(data)` | `socket.send(data).await?`: waits for room (backpressure) |
//! | `socket.close()`, then `onclose` | [`WebSocket::close`]`().await?`; the stream ends once the peer answers |
//! | `onclose = e => [e.code, e.reason, e.wasClean]` | [`WebSocket::close_event`] (and [`WsReceiver::close_event`]) once the stream has ended |
//!
//! - [`connect`] (client) and [`accept`] (server) finish the opening handshake
//!   before they return: a [`WebSocket`] is always connected.
//! - A [`WebSocket`] is a stream of data messages (text and binary). Pings are
//!   answered for you. When the peer closes, every message it sent before is
//!   delivered, the close is answered, and the stream ends.
//! - [`WebSocket::close`] starts a clean close handshake: the messages the peer
//!   sent before it saw the close are still delivered, then the stream ends when the
//!   peer's close arrives. After a close, stop sending (a send is refused with
//!   `SendAfterClosing`, the handshake left intact) and keep reading to the end.
//!   Dropping a WebSocket without `close` just drops the connection.
//! - [`WebSocket::close_event`] tells how it ended: the close code and reason,
//!   and whether the handshake completed ([`CloseEvent`]).
//! - Every peer is bounded ([`Config`]): messages and frames at most 8 MiB (a
//!   longer one is refused with close code 1009), a bounded write buffer, a
//!   10 s opening handshake and a 5 s close handshake by default.
//! - [`WebSocket::split`] gives a sending and a receiving half, for two tasks.
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
//!
//! # Limits and errors
//!
//! [`Config`]: messages and frames at most 8 MiB ([`Config::max_message_len`],
//! [`Config::max_frame_len`]; an over-size one is an error item, the peer gets close
//! code 1009, and the stream ends), a write buffer of at most 8 MiB + 128 KiB
//! ([`Config::max_write_buffer_len`]), a 10 s opening handshake and a 5 s close
//! handshake. Errors are [`WsError`] (tungstenite's).
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe. `send` and `close` are not: if cancelled, the
//! message may or may not have gone out.

mod config;
mod connection;
mod socket;

use std::future::Future;
use std::io;
use std::time::Duration;

use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::error::UrlError;
use futures_lite::{AsyncRead, AsyncWrite};

pub use async_tungstenite::tungstenite::error::ProtocolError;
pub use async_tungstenite::tungstenite::{Error as WsError, Message};
pub use config::{Config, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT};
pub use connection::Connection;
pub use socket::{CloseEvent, WebSocket, WsReceiver, WsSender};

/// Connects to a `ws://` URL over TCP (or `wss://` over TLS, feature `wss`) and
/// completes the opening handshake, with the default [`Config`].
///
/// # Errors
///
/// When the URL is not `ws://host[:port]/...` (or `wss://`), the connection or
/// TLS fails, the server refuses the handshake (the error carries its HTTP
/// response), or it takes longer than the handshake timeout (10 s).
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// let mut socket = aiter::net::ws::connect("ws://127.0.0.1:9001/feed").await?;
/// socket.send("subscribe").await?;
/// # Ok::<(), aiter::net::ws::WsError>(()) }).unwrap();
/// ```
pub async fn connect(url: &str) -> Result<WebSocket<Connection>, WsError> {
    connect_with(url, &Config::new()).await
}

/// [`connect`] with limits, timeouts and TLS settings of your own. The handshake
/// timeout covers the TCP connection, TLS and the WebSocket handshake together.
///
/// # Errors
///
/// As [`connect`].
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// use aiter::net::ws::{self, Config};
///
/// let config = Config::new().max_message_len(64 * 1024);
/// let socket = ws::connect_with("ws://127.0.0.1:9001/feed", &config).await?;
/// # drop(socket);
/// # Ok::<(), ws::WsError>(()) }).unwrap();
/// ```
pub async fn connect_with(url: &str, config: &Config) -> Result<WebSocket<Connection>, WsError> {
    let request = url.into_client_request()?;
    let uri = request.uri();
    let tls = match uri.scheme_str() {
        Some("ws") => false,
        Some("wss") if cfg!(feature = "wss") => true,
        _ => return Err(WsError::Url(UrlError::UnsupportedUrlScheme)),
    };
    let host = uri
        .host()
        .ok_or(WsError::Url(UrlError::NoHostName))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    within(config.handshake_timeout, async {
        let tcp = async_net::TcpStream::connect((host.as_str(), port)).await?;
        let connection = if tls {
            secure(&host, tcp, config).await?
        } else {
            Connection::Plain(tcp)
        };
        handshake_client(request, connection, config).await
    })
    .await
}

#[cfg(feature = "wss")]
async fn secure(
    host: &str,
    tcp: async_net::TcpStream,
    config: &Config,
) -> Result<Connection, WsError> {
    let result = match &config.tls {
        Some(connector) => connector.connect(host, tcp).await,
        None => async_native_tls::connect(host, tcp).await,
    };
    result
        .map(Connection::Tls)
        .map_err(|error| WsError::Io(io::Error::other(error)))
}

#[cfg(not(feature = "wss"))]
async fn secure(_: &str, _: async_net::TcpStream, _: &Config) -> Result<Connection, WsError> {
    Err(WsError::Url(UrlError::TlsFeatureNotEnabled))
}

/// Completes the client's opening handshake over a connection you opened (TCP,
/// TLS, Unix...), with the default [`Config`].
///
/// # Errors
///
/// When the handshake fails, the server refuses it, or it takes longer than the
/// handshake timeout (10 s).
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
    client_with(request, stream, &Config::new()).await
}

/// [`client`] with limits and timeouts of your own.
///
/// # Errors
///
/// As [`client`].
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// use aiter::net::ws::{self, Config};
///
/// let tcp = async_net::TcpStream::connect("127.0.0.1:9001").await?;
/// let config = Config::new().max_frame_len(1 << 20);
/// let socket = ws::client_with("ws://127.0.0.1:9001/feed", tcp, &config).await?;
/// # drop(socket);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn client_with<R, S>(
    request: R,
    stream: S,
    config: &Config,
) -> Result<WebSocket<S>, WsError>
where
    R: IntoClientRequest + Unpin,
    S: AsyncRead + AsyncWrite + Unpin,
{
    within(
        config.handshake_timeout,
        handshake_client(request, stream, config),
    )
    .await
}

async fn handshake_client<R, S>(
    request: R,
    stream: S,
    config: &Config,
) -> Result<WebSocket<S>, WsError>
where
    R: IntoClientRequest + Unpin,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (inner, _response) =
        async_tungstenite::client_async_with_config(request, stream, Some(config.tungstenite()))
            .await?;
    Ok(WebSocket::new(inner, config.close_timeout))
}

/// Completes the server's opening handshake on an accepted connection, with the
/// default [`Config`].
///
/// # Errors
///
/// When the client's request is not a valid WebSocket handshake, or does not
/// arrive within the handshake timeout (10 s).
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
    accept_with(stream, &Config::new()).await
}

/// [`accept`] with limits and timeouts of your own.
///
/// # Errors
///
/// As [`accept`].
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// use std::time::Duration;
/// use aiter::net::ws::{self, Config};
///
/// let listener = async_net::TcpListener::bind("127.0.0.1:9001").await?;
/// let (tcp, _) = listener.accept().await?;
/// let config = Config::new().handshake_timeout(Duration::from_secs(2));
/// let socket = ws::accept_with(tcp, &config).await?;
/// # drop(socket);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn accept_with<S>(stream: S, config: &Config) -> Result<WebSocket<S>, WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    within(config.handshake_timeout, async {
        let inner =
            async_tungstenite::accept_async_with_config(stream, Some(config.tungstenite())).await?;
        Ok(WebSocket::new(inner, config.close_timeout))
    })
    .await
}

/// `handshake`, or a `TimedOut` error once `timeout` has passed.
async fn within<T>(
    timeout: Duration,
    handshake: impl Future<Output = Result<T, WsError>>,
) -> Result<T, WsError> {
    futures_lite::future::or(handshake, async {
        crate::time::Timer::after(timeout).await;
        let message = format!("the WebSocket handshake did not finish within {timeout:?}");
        Err(WsError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            message,
        )))
    })
    .await
}
