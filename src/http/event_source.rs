//! [`EventSource`]: a Server-Sent Events feed as a stream that reconnects, as a
//! browser's `EventSource` does.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::Timer;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use isahc::http::HeaderMap;
use isahc::http::header::{ACCEPT, CACHE_CONTROL, HeaderName, HeaderValue, RETRY_AFTER};
use url::Url;

use super::client::{Body, Client, Response};
pub use super::event_source_error::{EventSourceError, EventSourceErrorKind};
use super::json_api::parse_retry_after;
use super::requester::{Requester, redact};
use crate::chunks::{DEFAULT_MAX_FRAME_LEN, Frames, Sse, SseDecoder, SseEvent};
use crate::paginate::FetchError;

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
    Streaming(Sse<Body>),
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
    /// [`DEFAULT_MAX_RECONNECT_DELAY`]).
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

    fn connect(&mut self) -> Connecting {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if !self.last_event_id.is_empty() {
            // An ID with bytes a header can't carry is not sent.
            if let Ok(id) = HeaderValue::from_bytes(self.last_event_id.as_bytes()) {
                headers.insert(HeaderName::from_static("last-event-id"), id);
            }
        }
        let requests = self.requests.clone();
        let url = self.url.clone();
        Box::pin(async move { requests.send_with(url, &headers).await })
    }

    /// Waits, then connects again; the error item that says so.
    fn reconnect(&mut self, cause: String, at_least: Option<Duration>) -> EventSourceError {
        self.failures = self.failures.saturating_add(1);
        let mut delay = self.reconnect_delay;
        if self.failures > 1 {
            let doubled = delay.saturating_mul(1 << (self.failures - 1).min(20));
            let capped = doubled.min(self.max_reconnect_delay);
            // Full jitter over the upper half: reconnecting clients spread out.
            delay = capped.mul_f64(0.5 + fastrand::f64() / 2.0);
        }
        if let Some(at_least) = at_least {
            delay = delay.max(at_least.min(self.max_reconnect_delay.max(self.reconnect_delay)));
        }
        self.state = State::Waiting(Timer::after(delay));
        self.error(EventSourceErrorKind::Reconnecting { delay, cause })
    }

    fn error(&self, kind: EventSourceErrorKind) -> EventSourceError {
        EventSourceError {
            kind,
            url: self.url.to_string(),
            last_event_id: self.last_event_id.clone(),
        }
    }

    fn on_response(&mut self, url: &Url, response: Response) -> Option<EventSourceError> {
        let status = response.status;
        let content_type = response.header("content-type").map(str::to_owned);
        let is_event_stream = content_type.as_deref().is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
        });
        match status {
            204 => {
                self.state = State::Done;
                None
            }
            200 if is_event_stream => {
                // IDs carry over from the last connection, as in a browser.
                let decoder = SseDecoder::new()
                    .max_len(self.max_event_len)
                    .start_id(self.last_event_id.clone());
                let events = Frames::new(response.body, decoder);
                self.state = State::Streaming(events);
                None
            }
            429 | 502 | 503 | 504 => {
                let retry_after = response
                    .header(RETRY_AFTER.as_str())
                    .and_then(parse_retry_after);
                Some(self.reconnect(format!("HTTP {status} from {url}"), retry_after))
            }
            _ => {
                self.state = State::Done;
                Some(self.error(EventSourceErrorKind::NotEventStream {
                    status,
                    content_type,
                }))
            }
        }
    }
}

impl Stream for EventSource {
    type Item = Result<SseEvent, EventSourceError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Idle => {
                    if let Some(error) = this.requests.invalid_header() {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(
                            this.error(EventSourceErrorKind::Request(error))
                        )));
                    }
                    this.state = State::Connecting(this.connect());
                }
                State::Waiting(timer) => {
                    if Pin::new(timer).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.reconnects += 1;
                    this.state = State::Connecting(this.connect());
                }
                State::Connecting(connecting) => {
                    let result = match connecting.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(result) => result,
                    };
                    let error = match result {
                        Ok((url, response)) => this.on_response(&url, response),
                        // Network failures of any kind reconnect, as in a browser;
                        // a refused redirect (it has a status) does not.
                        Err(error) if error.is_transient() || error.status().is_none() => {
                            Some(this.reconnect(error.to_string(), error.retry_after()))
                        }
                        Err(error) => {
                            this.state = State::Done;
                            Some(this.error(EventSourceErrorKind::Request(error)))
                        }
                    };
                    if let Some(error) = error {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                State::Streaming(events) => {
                    let next = Pin::new(&mut *events).poll_next(cx);
                    if let Some(retry) = events.decoder().retry() {
                        this.reconnect_delay = Duration::from_millis(retry);
                    }
                    match next {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(event))) => {
                            this.failures = 0;
                            this.last_event_id.clone_from(&event.id);
                            return Poll::Ready(Some(Ok(event)));
                        }
                        Poll::Ready(Some(Err(error))) if !error.is_fatal() => {
                            let error = this.error(EventSourceErrorKind::Event(error));
                            return Poll::Ready(Some(Err(error)));
                        }
                        Poll::Ready(Some(Err(error))) => {
                            let cause = format!("the connection to {} failed: {error}", this.url);
                            return Poll::Ready(Some(Err(this.reconnect(cause, None))));
                        }
                        Poll::Ready(None) => {
                            let cause = format!("the connection to {} ended", this.url);
                            return Poll::Ready(Some(Err(this.reconnect(cause, None))));
                        }
                    }
                }
            }
        }
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        matches!(self.state, State::Done)
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
