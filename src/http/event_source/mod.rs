//! [`EventSource`]: a Server-Sent Events feed as a stream that reconnects, as a
//! browser's `EventSource` does. The settings are here; the connection's life
//! (connect, read, wait, reconnect) is in `stream.rs`, the errors in `error.rs`.

mod error;
mod stream;

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::time::Timer;
use url::Url;

use super::client::{Body, Client, Response};
use super::requester::{Requester, redact};
use crate::chunks::{DEFAULT_MAX_FRAME_LEN, Sse};
use crate::paginate::FetchError;
pub use error::{EventSourceError, EventSourceErrorKind};

/// How long to wait before reconnecting unless the server says (`retry:`): 3 s.
///
/// ```
/// assert_eq!(aiter::http::DEFAULT_RECONNECT_DELAY.as_secs(), 3);
/// ```
pub const DEFAULT_RECONNECT_DELAY: Duration = Duration::from_secs(3);

/// The longest wait between reconnections, backoff included: 60 s.
///
/// ```
/// assert_eq!(aiter::http::DEFAULT_MAX_RECONNECT_DELAY.as_secs(), 60);
/// ```
pub const DEFAULT_MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);

type Connecting = Pin<Box<dyn Future<Output = Result<(Url, Response), FetchError>> + Send>>;

enum State {
    Idle,
    Connecting(Connecting),
    // Boxed: the decoder is the largest state by far, and one box a connection is nothing.
    Streaming(Box<Sse<Body>>),
    Waiting(Timer),
    Done,
}

/// A Server-Sent Events feed: `GET` with `Accept: text/event-stream`, each event
/// an item, reconnecting after the connection ends or fails, as a browser's
/// `EventSource` does.
///
/// - **Reconnects** after the server's `retry:` time ([`DEFAULT_RECONNECT_DELAY`]
///   until it sends one), sending `Last-Event-ID` with the ID of the last event
///   delivered; events of the new connection carry that ID until the server
///   sends another, as in a browser. When attempts fail in a row, the wait doubles, with jitter, up to
///   [`DEFAULT_MAX_RECONNECT_DELAY`]. Each reconnection is announced by an error
///   item that is not fatal ([`EventSourceError::reconnect_delay`]).
/// - **HTTP 204** ends the stream: the server says there is nothing more.
/// - **Not an event stream** (a status other than 200, or a content type other
///   than `text/event-stream`) is a fatal error and the stream ends, except 429,
///   502, 503 and 504, which are retried, honouring `Retry-After`.
/// - **An event over the limit** (8 MiB; [`EventSource::max_event_len`]) is a
///   non-fatal error item naming its byte offset and line; the stream goes on.
/// - Credentials (`Authorization`, cookies, API-key headers, `user:password@`)
///   go only to the first URL's origin, across redirects, as in
///   [`JsonApi`](super::JsonApi).
///
/// # Cancellation safety
///
/// `next()` is cancellation safe: an event is taken from the connection only
/// when it is returned.
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// use aiter::http::EventSource;
/// use futures_lite::StreamExt;
///
/// let mut feed = EventSource::new("https://example.com/updates")?.start_id("41");
/// while let Some(event) = feed.next().await {
///     match event {
///         Ok(event) => println!("{} {}: {}", event.id, event.event, event.data),
///         Err(error) if !error.is_fatal() => eprintln!("{error}"), // reconnecting, or a bad event
///         Err(error) => return Err(error.into()),
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct EventSource {
    requests: Requester,
    url: Url,
    state: State,
    last_event_id: String,
    reconnects: u64,
    /// Attempts in a row that brought no event.
    failures: u32,
    reconnect_delay: Duration,
    max_reconnect_delay: Duration,
    max_event_len: usize,
}

impl EventSource {
    /// A feed at `url`, over a default isahc client.
    ///
    /// # Errors
    ///
    /// When `url` is not an absolute `http` or `https` URL, or the client can't be
    /// built.
    ///
    /// ```
    /// let feed = aiter::http::EventSource::new("https://example.com/events")?;
    /// assert_eq!(feed.reconnections_made(), 0);
    /// assert!(aiter::http::EventSource::new("ftp://example.com/").is_err());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn new(url: &str) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let url = Url::parse(url)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("not an http or https URL: {}", redact(&url)).into());
        }
        Ok(Self::with_client(isahc::HttpClient::new()?, url))
    }

    /// A feed at `url` over `client` (isahc, surf with feature `surf`, or any
    /// [`Client`]).
    ///
    /// ```
    /// let client = aiter::http::isahc::HttpClient::new()?;
    /// let url = url::Url::parse("http://127.0.0.1:9/events")?;
    /// let feed = aiter::http::EventSource::with_client(client, url);
    /// # drop(feed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_client(client: impl Client, mut url: Url) -> Self {
        let requests = Requester::new(client, &mut url);
        Self {
            requests,
            url,
            state: State::Idle,
            last_event_id: String::new(),
            reconnects: 0,
            failures: 0,
            reconnect_delay: DEFAULT_RECONNECT_DELAY,
            max_reconnect_delay: DEFAULT_MAX_RECONNECT_DELAY,
            max_event_len: DEFAULT_MAX_FRAME_LEN,
        }
    }

    /// Adds a header to every request; credentials go to the first origin only.
    ///
    /// The chain never stops for an error: a name or value that is not a valid
    /// header makes the stream's first item a fatal error that names the header
    /// (not its value), and nothing is sent.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    ///
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?
    ///     .header("Authorization", "Bearer secret");
    /// assert!(!format!("{feed:?}").contains("secret"));
    ///
    /// let mut broken = aiter::http::EventSource::new("https://example.com/feed")?
    ///     .header("Authorization", "two\nlines");
    /// let error = broken.next().await.unwrap().unwrap_err();
    /// assert!(error.is_fatal(), "{error}");
    /// assert!(broken.next().await.is_none());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.requests.add_header(name, value, false);
        self
    }

    /// Starts from an event ID: the first request sends it as `Last-Event-ID`,
    /// to resume a feed where an earlier run left it.
    ///
    /// ```
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?.start_id("41");
    /// assert_eq!(feed.last_event_id(), "41");
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn start_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        self
    }

    /// Sets the longest event accepted, in bytes (default 8 MiB).
    ///
    /// ```
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?.max_event_len(64 * 1024);
    /// # drop(feed);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn max_event_len(mut self, max_len: usize) -> Self {
        self.max_event_len = max_len;
        self
    }

    /// Sets the wait before reconnecting until the server sends `retry:`
    /// (default [`DEFAULT_RECONNECT_DELAY`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?
    ///     .reconnect_delay(Duration::from_millis(500));
    /// # drop(feed);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn reconnect_delay(mut self, delay: Duration) -> Self {
        self.reconnect_delay = delay;
        self
    }

    /// Sets the longest wait between reconnections (default
    /// [`DEFAULT_MAX_RECONNECT_DELAY`]): it caps every wait, from the first
    /// reconnection on, the server's `retry:` and `Retry-After` and
    /// [`reconnect_delay`](EventSource::reconnect_delay) included.
    ///
    /// ```
    /// use std::time::Duration;
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?
    ///     .max_reconnect_delay(Duration::from_secs(10));
    /// # drop(feed);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn max_reconnect_delay(mut self, delay: Duration) -> Self {
        self.max_reconnect_delay = delay;
        self
    }

    /// The ID of the last event delivered (or the starting ID): what the next
    /// connection sends as `Last-Event-ID`.
    ///
    /// ```
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?;
    /// assert_eq!(feed.last_event_id(), "");
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// How many times the feed has reconnected.
    ///
    /// ```
    /// let feed = aiter::http::EventSource::new("https://example.com/feed")?;
    /// assert_eq!(feed.reconnections_made(), 0);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn reconnections_made(&self) -> u64 {
        self.reconnects
    }

    /// Closes the feed: the connection is dropped and the stream ends.
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// let mut feed = aiter::http::EventSource::new("https://example.com/feed")?;
    /// feed.close();
    /// assert!(futures_lite::future::block_on(feed.next()).is_none());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    pub fn close(&mut self) {
        self.state = State::Done;
    }
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle => "idle",
            State::Connecting(_) => "connecting",
            State::Streaming(_) => "streaming",
            State::Waiting(_) => "waiting to reconnect",
            State::Done => "done",
        };
        f.debug_struct("EventSource")
            .field("url", &self.url.as_str())
            .field("state", &state)
            .field("last_event_id", &self.last_event_id)
            .field("reconnects", &self.reconnects)
            .field("headers", &self.requests.header_names())
            .finish_non_exhaustive()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl EventSource {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed reconnections_made")]
    pub fn reconnects(&self) -> u64 {
        self.reconnections_made()
    }
}
