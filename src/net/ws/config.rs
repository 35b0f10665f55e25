//! [`Config`]: limits and timeouts of a WebSocket.

use std::time::Duration;

use async_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::chunks::DEFAULT_MAX_FRAME_LEN;

/// How long the opening handshake may take unless told otherwise: 10 seconds.
///
/// ```
/// assert_eq!(aiter::net::ws::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the peer has to answer our close unless told otherwise: 5 seconds.
///
/// ```
/// assert_eq!(aiter::net::ws::DEFAULT_CLOSE_TIMEOUT.as_secs(), 5);
/// ```
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes written to the connection in one go: 128 KiB.
const WRITE_BUFFER: usize = 128 * 1024;

/// Limits and timeouts of a WebSocket, for [`connect_with`](super::connect_with),
/// [`client_with`](super::client_with) and [`accept_with`](super::accept_with).
///
/// | Setting | Default | What happens past it |
/// |---|---|---|
/// | [`max_message_len`](Config::max_message_len) | 8 MiB | the message is an error, a close with code 1009 is sent, the stream ends |
/// | [`max_frame_len`](Config::max_frame_len) | 8 MiB | the same, for one frame of a message |
/// | [`max_write_buffer_len`](Config::max_write_buffer_len) | 8 MiB + 128 KiB | `send` of a larger message fails; nothing is queued without bound |
/// | [`handshake_timeout`](Config::handshake_timeout) | 10 s | the handshake fails with a `TimedOut` I/O error |
/// | [`close_timeout`](Config::close_timeout) | 5 s | after our close, the stream ends with a `TimedOut` error |
///
/// A message being received is held whole before it is delivered, so one
/// connection holds at most the message limit; the defaults are aiter's
/// ([`DEFAULT_MAX_FRAME_LEN`]), not tungstenite's (64 MiB messages, 16 MiB
/// frames, unbounded write buffer).
///
/// ```
/// use std::time::Duration;
///
/// let config = aiter::net::ws::Config::new()
///     .max_message_len(1 << 20)
///     .handshake_timeout(Duration::from_secs(3));
/// assert_eq!(config.get_max_message_len(), 1 << 20);
/// ```
#[must_use = "a Config does nothing until given to connect_with, client_with or accept_with"]
#[derive(Clone, Debug)]
pub struct Config {
    max_message_len: usize,
    max_frame_len: usize,
    max_write_buffer_len: usize,
    pub(crate) handshake_timeout: Duration,
    pub(crate) close_timeout: Duration,
    #[cfg(feature = "wss")]
    pub(crate) tls: Option<std::sync::Arc<async_native_tls::TlsConnector>>,
}

impl Config {
    /// The defaults in the table above.
    ///
    /// ```
    /// let config = aiter::net::ws::Config::new();
    /// assert_eq!(config.get_max_message_len(), 8 << 20);
    /// ```
    pub fn new() -> Self {
        Self {
            max_message_len: DEFAULT_MAX_FRAME_LEN,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_write_buffer_len: DEFAULT_MAX_FRAME_LEN + WRITE_BUFFER,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            #[cfg(feature = "wss")]
            tls: None,
        }
    }

    /// The longest message received, in bytes, all its frames together.
    ///
    /// ```
    /// let config = aiter::net::ws::Config::new().max_message_len(64 * 1024);
    /// assert_eq!(config.get_max_message_len(), 64 * 1024);
    /// ```
    pub fn max_message_len(mut self, max_len: usize) -> Self {
        self.max_message_len = max_len;
        self
    }

    /// The longest frame received, in bytes.
    ///
    /// ```
    /// let config = aiter::net::ws::Config::new().max_frame_len(16 * 1024);
    /// assert_eq!(config.get_max_frame_len(), 16 * 1024);
    /// ```
    pub fn max_frame_len(mut self, max_len: usize) -> Self {
        self.max_frame_len = max_len;
        self
    }

    /// The most bytes queued for sending; a message that does not fit is refused
    /// (`WriteBufferFull`). At least 128 KiB + 1.
    ///
    /// ```
    /// let config = aiter::net::ws::Config::new().max_write_buffer_len(1 << 20);
    /// assert_eq!(config.get_max_write_buffer_len(), 1 << 20);
    /// ```
    pub fn max_write_buffer_len(mut self, max_len: usize) -> Self {
        // tungstenite requires more than its write buffer.
        self.max_write_buffer_len = max_len.max(WRITE_BUFFER + 1);
        self
    }

    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed max_write_buffer_len")]
    pub fn max_write_buffer(self, max_len: usize) -> Self {
        self.max_write_buffer_len(max_len)
    }

    /// How long the opening handshake may take.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = aiter::net::ws::Config::new().handshake_timeout(Duration::from_secs(2));
    /// assert_eq!(config.get_handshake_timeout(), Duration::from_secs(2));
    /// ```
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long the peer has to answer our close before the stream ends anyway.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = aiter::net::ws::Config::new().close_timeout(Duration::from_secs(1));
    /// assert_eq!(config.get_close_timeout(), Duration::from_secs(1));
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The TLS settings [`connect_with`](super::connect_with) uses for `wss://`
    /// (feature `wss`), for example to trust a private certificate authority.
    ///
    /// ```
    /// let connector = async_native_tls::TlsConnector::new().min_protocol_version(None);
    /// let config = aiter::net::ws::Config::new().tls(connector);
    /// # drop(config);
    /// ```
    #[cfg(feature = "wss")]
    pub fn tls(mut self, connector: async_native_tls::TlsConnector) -> Self {
        self.tls = Some(std::sync::Arc::new(connector));
        self
    }

    /// See [`Config::max_message_len`].
    ///
    /// ```
    /// assert_eq!(aiter::net::ws::Config::new().get_max_message_len(), 8 << 20);
    /// ```
    pub fn get_max_message_len(&self) -> usize {
        self.max_message_len
    }

    /// See [`Config::max_frame_len`].
    ///
    /// ```
    /// assert_eq!(aiter::net::ws::Config::new().get_max_frame_len(), 8 << 20);
    /// ```
    pub fn get_max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// See [`Config::max_write_buffer_len`].
    ///
    /// ```
    /// assert_eq!(aiter::net::ws::Config::new().get_max_write_buffer_len(), (8 << 20) + (128 << 10));
    /// ```
    pub fn get_max_write_buffer_len(&self) -> usize {
        self.max_write_buffer_len
    }

    /// See [`Config::handshake_timeout`].
    ///
    /// ```
    /// assert_eq!(aiter::net::ws::Config::new().get_handshake_timeout().as_secs(), 10);
    /// ```
    pub fn get_handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// See [`Config::close_timeout`].
    ///
    /// ```
    /// assert_eq!(aiter::net::ws::Config::new().get_close_timeout().as_secs(), 5);
    /// ```
    pub fn get_close_timeout(&self) -> Duration {
        self.close_timeout
    }

    pub(crate) fn tungstenite(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .write_buffer_size(WRITE_BUFFER)
            .max_write_buffer_size(self.max_write_buffer_len)
            .max_message_size(Some(self.max_message_len))
            .max_frame_size(Some(self.max_frame_len))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl Config {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed get_max_write_buffer_len")]
    pub fn get_max_write_buffer(&self) -> usize {
        self.get_max_write_buffer_len()
    }
}
