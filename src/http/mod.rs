//! HTTP glue (feature `http`): paginated JSON APIs ([`JsonApi`]) and response bodies
//! as chunk streams ([`body_chunks`]), on
//! [isahc](https://docs.rs/isahc) (libcurl underneath; no async-std, no tokio).
//!
//! The `http` feature uses isahc rather than surf: surf depends on async-std in
//! every configuration, which aiter keeps out of its dependency tree. isahc is the
//! client surf's own curl backend wraps, and it runs on any executor. Its version is
//! re-exported as [`isahc`], so your requests and ours agree.
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
pub use json_api::{DEFAULT_MAX_PAGE_BYTES, JsonApi, Style};
pub use link::{Link, next_link, parse_link_header};

use isahc::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};

/// A response's body as chunks with progress, its length taken from
/// `Content-Length` (unless a `Content-Encoding` other than `identity` makes the
/// body's decoded length differ from it). See [`BodyChunks`].
///
/// Takes an isahc response, a surf response (feature `surf`) or a [`Response`]
/// of any [`Client`]. The status is not checked here: look at it first.
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
