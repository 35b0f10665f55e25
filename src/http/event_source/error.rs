//! [`EventSourceError`]: what went wrong with an
//! [`EventSource`](super::EventSource), and where.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::chunks::FrameError;
use crate::paginate::FetchError;

/// What went wrong with an [`EventSource`](super::EventSource), and where.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let mut feed = aiter::http::EventSource::new("http://127.0.0.1:9/feed")?;
/// let error = feed.next().await.unwrap().unwrap_err();
/// assert_eq!(error.url(), "http://127.0.0.1:9/feed");
/// assert!(error.reconnect_delay().is_some()); // not fatal: it will try again
/// feed.close();
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct EventSourceError {
    pub(super) kind: EventSourceErrorKind,
    pub(super) url: String,
    pub(super) last_event_id: String,
}

/// The kinds of [`EventSourceError`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::http::{EventSource, EventSourceErrorKind};
/// use futures_lite::StreamExt;
/// // Nothing listens on port 9: the feed announces a reconnection and goes on.
/// let mut feed = EventSource::new("http://127.0.0.1:9/feed")?;
/// let error = feed.next().await.unwrap().unwrap_err();
/// assert!(matches!(error.kind(), EventSourceErrorKind::Reconnecting { .. }));
/// assert!(!error.is_fatal());
/// feed.close();
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum EventSourceErrorKind {
    /// The connection ended or failed, or the server answered 429, 502, 503 or
    /// 504: the feed reconnects after `delay`. Not fatal.
    Reconnecting {
        /// The wait before the next connection.
        delay: Duration,
        /// Why.
        cause: String,
    },
    /// An event could not be read (over the limit). Not fatal: the feed goes on.
    Event(FrameError),
    /// The response is not an event stream: fatal.
    NotEventStream {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`, if any.
        content_type: Option<String>,
    },
    /// The request failed for good (a bad redirect, a refused scheme): fatal.
    Request(FetchError),
}

impl EventSourceError {
    /// What went wrong.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Nothing listens on this port: the first connection fails, and the feed says
    /// // it will reconnect.
    /// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let mut feed = aiter::http::EventSource::new(&format!("http://127.0.0.1:{port}/events"))?
    ///     .start_id("7");
    /// let error = feed.next().await.unwrap().unwrap_err();
    /// assert!(matches!(error.kind(), aiter::http::EventSourceErrorKind::Reconnecting { .. }));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn kind(&self) -> &EventSourceErrorKind {
        &self.kind
    }

    /// The feed's URL.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Nothing listens on this port: the first connection fails, and the feed says
    /// // it will reconnect.
    /// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let mut feed = aiter::http::EventSource::new(&format!("http://127.0.0.1:{port}/events"))?
    ///     .start_id("7");
    /// let error = feed.next().await.unwrap().unwrap_err();
    /// assert!(error.url().ends_with("/events"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The last event ID when it happened.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Nothing listens on this port: the first connection fails, and the feed says
    /// // it will reconnect.
    /// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let mut feed = aiter::http::EventSource::new(&format!("http://127.0.0.1:{port}/events"))?
    ///     .start_id("7");
    /// let error = feed.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.last_event_id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// True when the stream ends after this error.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Nothing listens on this port: the first connection fails, and the feed says
    /// // it will reconnect.
    /// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let mut feed = aiter::http::EventSource::new(&format!("http://127.0.0.1:{port}/events"))?
    ///     .start_id("7");
    /// let error = feed.next().await.unwrap().unwrap_err();
    /// assert!(!error.is_fatal()); // it reconnects
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            EventSourceErrorKind::NotEventStream { .. } | EventSourceErrorKind::Request(_)
        )
    }

    /// When the feed is reconnecting: how long it waits first.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Nothing listens on this port: the first connection fails, and the feed says
    /// // it will reconnect.
    /// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let mut feed = aiter::http::EventSource::new(&format!("http://127.0.0.1:{port}/events"))?
    ///     .start_id("7");
    /// let error = feed.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.reconnect_delay(), Some(aiter::http::DEFAULT_RECONNECT_DELAY));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn reconnect_delay(&self) -> Option<Duration> {
        match self.kind {
            EventSourceErrorKind::Reconnecting { delay, .. } => Some(delay),
            _ => None,
        }
    }
}

impl fmt::Display for EventSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            EventSourceErrorKind::Reconnecting { delay, cause } => {
                write!(f, "{cause}; reconnecting in {} ms", delay.as_millis())
            }
            EventSourceErrorKind::Event(error) => write!(f, "event stream {}: {error}", self.url),
            EventSourceErrorKind::NotEventStream {
                status,
                content_type,
            } => write!(
                f,
                "{} answered HTTP {status} with content type {}: not an event stream",
                self.url,
                content_type.as_deref().unwrap_or("(none)")
            ),
            EventSourceErrorKind::Request(error) => fmt::Display::fmt(error, f),
        }
    }
}

/// Prints the frame or fetch error inside; `source()` goes on below it.
impl Error for EventSourceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            EventSourceErrorKind::Event(error) => error.source(),
            EventSourceErrorKind::Request(error) => error.source(),
            _ => None,
        }
    }
}
