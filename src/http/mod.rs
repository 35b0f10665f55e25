//! HTTP glue (feature `http`): paginated JSON APIs ([`JsonApi`]), response bodies
//! as chunk streams ([`body_chunks`]) and Server-Sent Events feeds
//! ([`EventSource`]), over any HTTP client through the small [`Client`] trait.
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `async function* fetchPages(url)` over `fetch` | [`JsonApi`]`::paginator().items()` in any paging style |
//! | `for await (const chunk of response.body)` | [`body_chunks`]`(response)`, with progress and a truncation check |
//! | `new EventSource(url)`, `onmessage` | [`EventSource`]: a stream of events that reconnects |
//!
//! # Clients
//!
//! - [isahc](https://docs.rs/isahc) is the default (libcurl underneath; no
//!   async-std, no tokio; it runs on any executor). Its version is re-exported as
//!   [`isahc`](https://docs.rs/isahc/2), so your requests and ours agree.
//! - `surf::Client` with feature `surf`, for applications that already use surf
//!   (with its curl client, which is isahc). **`surf` is the one aiter feature that
//!   brings async-std**, because surf depends on it in every configuration; every
//!   other feature set is checked free of async-std, and all of them of tokio.
//! - Any other client: implement [`Client`] (one method: a GET with headers that
//!   returns the status, the headers and the body as an `AsyncRead`).
//!
//! Redirects are followed by aiter, not the client, so that credentials never
//! follow one to another origin.
//!
//! ```no_run
//! # futures_lite::future::block_on(async {
//! use futures_lite::StreamExt;
//!
//! let response = isahc::get_async("https://example.com/big.ndjson").await?;
//! let mut body = aiter::http::body_chunks(response);
//! while let Some(chunk) = body.next().await {
//!     let chunk = chunk?; // a short body is an error, not a silent short file
//!     eprintln!("{}", body.progress()); // "65536 of 1048576 bytes (6%)"
//! #   drop(chunk);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! # Limits and errors
//!
//! A JSON API page body at most [`DEFAULT_MAX_PAGE_LEN`] (32 MiB); an event
//! stream's event at most 8 MiB ([`EventSource::max_event_len`]); at most 10
//! redirects a request. Errors name the URL and the HTTP status: a page's are
//! [`PageError`](crate::paginate::PageError)s, a body's [`BodyError`]s (a body
//! shorter than its `Content-Length` is one), an event stream's
//! [`EventSourceError`]s (reconnections are announced as non-fatal ones).
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe on [`BodyChunks`], [`EventSource`] and the
//! paginator's streams: a chunk, event or item leaves the stream only when it is
//! returned.

mod body;
mod client;
mod event_source;
mod json_api;
mod link;
mod page_body;
mod requester;

pub use body::{BodyChunks, BodyError, Progress};
pub use client::{Body, Client, ClientError, Response, ResponseFuture};
pub use event_source::{
    DEFAULT_MAX_RECONNECT_DELAY, DEFAULT_RECONNECT_DELAY, EventSource, EventSourceError,
    EventSourceErrorKind,
};
pub use isahc;
#[doc(hidden)]
#[allow(deprecated)]
pub use json_api::DEFAULT_MAX_PAGE_BYTES;
pub use json_api::{DEFAULT_MAX_PAGE_LEN, JsonApi, Style};
pub use link::{Link, next_link, parse_link_header};

use isahc::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};

/// A response's body as chunks with progress, its length taken from
/// `Content-Length` (unless a `Content-Encoding` other than `identity` makes the
/// body's decoded length differ from it). See [`BodyChunks`].
///
/// Takes an isahc response, a surf response (feature `surf`) or a [`Response`]
/// of any [`Client`]. The status is not checked here: look at it first.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let mut headers = aiter::http::isahc::http::HeaderMap::new();
/// headers.insert("content-length", "10".parse()?);
/// // The server promised 10 bytes and sent 5: an error, not a short file.
/// let response = aiter::http::Response::new(200, headers, Box::pin(&b"hello"[..]));
/// let results: Vec<_> = aiter::http::body_chunks(response).collect().await;
/// assert!(results.last().unwrap().is_err());
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
pub fn body_chunks(response: impl Into<Response>) -> BodyChunks<Body> {
    let response = response.into();
    let encoded = response
        .headers
        .get(CONTENT_ENCODING)
        .is_some_and(|encoding| !encoding.as_bytes().eq_ignore_ascii_case(b"identity"));
    let expected = content_length(&response.headers).filter(|_| !encoded);
    BodyChunks::new(response.body, expected)
}

/// The `Content-Length` a response announces, if it is a number.
fn content_length(headers: &isahc::http::HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.trim().parse::<u64>().ok())
}
