//! Async sequences for Rust, the way JavaScript's `async function*` and
//! `for await...of` work: easy to write, easy to consume, bounded in memory and
//! clean on early exit.
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use futures_lite::StreamExt;
//!
//! let mut pages = aiter::generate(|y| async move {
//!     for page in 1..=3 {
//!         if y.yield_(format!("page {page}")).await.is_close() {
//!             break; // the consumer stopped early: code after the loop still runs
//!         }
//!     }
//! });
//! while let Some(page) = pages.next().await {
//!     println!("{page}");
//! }
//! # });
//! ```
//!
//! Every sequence is a [`futures_lite::Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html). aiter never starts or picks an
//! executor: it runs on smol, `futures_lite::future::block_on`, `async-executor`, or
//! any other.
//!
//! # From JavaScript to Rust
//!
//! | JavaScript                              | aiter                                              |
//! |-----------------------------------------|----------------------------------------------------|
//! | `async function* g() { yield x }`       | [`generate`](fn@generate)`(\|y\| async move { let _ = y.yield_(x).await; })` |
//! | `yield* other()`                        | [`y.yield_all(other).await`](generate::Yielder::yield_all) |
//! | `for await (const x of s)`              | `while let Some(x) = s.next().await`               |
//! | `socket.on('message', cb)` as a sequence | [`events::channel`] or [`events::from_callbacks`] |
//! | `async function* fetchPages(url)`       | [`paginate::Paginator`], `http::JsonApi`           |
//! | `try { ... } catch` per iteration       | [`try_generate`]: items are `Result<T, E>`          |
//! | `finally { reader.releaseLock() }`      | `Drop` on early exit                               |
//! | `iterator.return()`                     | [`generator.close().await`](generate::Generator::close), async cleanup included |
//!
//! # Modules
//!
//! - [`generate`](mod@generate): async generators ([`generate`](fn@generate), [`try_generate`], `_local` twins).
//! - [`chunks`]: `readChunks` done right: [`read_chunks`](chunks::read_chunks), and records out of
//!   chunks with bounded memory: [`lines`](chunks::lines), `ndjson`, `json_array`,
//!   [`length_delimited`](chunks::length_delimited()), with errors that say where.
//! - [`events`]: callbacks as streams: [`channel`](events::channel) with a bounded queue and an
//!   [`Overflow`](events::Overflow) policy, close without loss, pause/resume hooks, batches,
//!   [`from_callbacks`](events::from_callbacks).
//! - [`concurrent`]: `for await` over a pool: concurrent maps in source or completion
//!   order, `limit` at a time, and batches by size or time, without spawning tasks.
//! - [`paginate`]: `fetchPages` for real APIs, over any async fetch function: every common
//!   style, prefetch, retry in place, loop detection, resumable positions, a shared rate budget.
//! - `http` (feature `http`): paginated JSON APIs (`JsonApi`), response bodies as chunk
//!   streams with progress, and Server-Sent Events (`EventSource`), on isahc or any client.
//! - `net` (feature `net`): TCP and Unix sockets as framed message streams, UDP datagrams,
//!   many connections merged and tagged by peer, at a flat cost per message and no read
//!   buffer per idle connection; `net::ws` (feature `ws`): WebSockets.
//!
//! # Which tool for which job
//!
//! | the job | JavaScript | aiter |
//! |---|---|---|
//! | write a sequence by hand | `async function*` | [`generate`](fn@generate), [`try_generate`] |
//! | a body, chunk by chunk | `for await (const c of readChunks(s))` | [`chunks::read_chunks`] |
//! | records out of a body | split lines, `JSON.parse` each | [`chunks::lines`], `chunks::ndjson`, `chunks::json_array`, [`chunks::length_delimited()`] |
//! | callbacks as a sequence | `on('message')` + a queue | [`events::channel`], [`events::from_callbacks`] |
//! | every page of an API | `async function* fetchPages(url)` | [`paginate::Paginator`], `http::JsonApi` |
//! | work on each item, N at a time | a promise pool over `for await` | [`concurrent::ConcurrentExt`] |
//! | live events over HTTP | `new EventSource(url)` | `http::EventSource` |
//! | many sockets, one loop | `socketMessages(socket)` per peer | `net::split_lines`, `net::Merge` |
//! | a WebSocket | `new WebSocket(url)` | `net::ws::connect` |
//!
//! Five lines each:
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::concurrent::ConcurrentExt;
//! use futures_lite::{stream, StreamExt};
//!
//! // A generator, its items doubled two at a time, in order.
//! let numbers = aiter::generate(|y| async move { let _ = y.yield_all(stream::iter(1..=3)).await; });
//! let doubled: Vec<u32> = numbers.map_concurrent(2, |n| async move { n * 2 }).collect().await;
//! assert_eq!(doubled, [2, 4, 6]);
//!
//! // Records out of bytes, a bad one reported where it is, the rest kept.
//! let lines: Vec<_> = aiter::chunks::lines(&b"a\n\xff\nc\n"[..]).collect().await;
//! assert_eq!(lines[1].as_ref().unwrap_err().to_string(), "line 2, byte 2: invalid UTF-8");
//!
//! // Callbacks into a bounded stream: emit from anywhere, read with `next()`.
//! let (emitter, mut events) = aiter::events::channel(16, aiter::events::Overflow::Backpressure);
//! emitter.emit("tick").unwrap();
//! drop(emitter); // the last emitter gone: the stream ends after what was queued
//! assert_eq!(events.next().await.unwrap().unwrap(), "tick");
//! # });
//! ```
//!
//! # Limits
//!
//! Nothing buffers without bound. Every limit has a default, set with the builder
//! method named in the table; what goes past it is an error that says where, and
//! the stream goes on when it can.
//!
//! **One naming rule.** A limit on a size is `max_<thing>_len`, in bytes, a
//! `usize` (`max_len` when the thing is the frame), and its default is
//! `DEFAULT_MAX_<THING>_LEN`; a limit on a count is `max_<things>` (`max_pages`,
//! `max_items`); an amount read at once is a `*_size`. A counter is named for what
//! it counts and what happened to it: `bytes_read`, `lines_read`, `records_read`,
//! `items_delivered`, `pages_fetched`, `events_dropped`. An option that is off by
//! default takes the value or an `Option`, so `None` turns it off again.
//!
//! **Accessors.** Every wrapper gives `get_ref`, `get_mut` and `into_inner`. A
//! stream that releases its reader when it ends (as a JavaScript `finally`
//! would: [`chunks::Frames`], [`chunks::ReadChunks`], `http::BodyChunks`) returns
//! them as `Option`s, `None` once released; the others return them as they are.
//! [`chunks::Frames::into_parts`] hands over the bytes read but not yet framed.
//!
//! | what | default | set with | past it |
//! |---|---|---|---|
//! | a frame: line, NDJSON record, array item, length-delimited frame | 8 MiB ([`chunks::DEFAULT_MAX_FRAME_LEN`]) | `.max_len(n)` | error item, skipped unbuffered |
//! | the same, on a socket (`net::split_lines`, `split_ndjson`, `split_length_delimited`) | 64 KiB (`net::DEFAULT_MAX_FRAME_LEN`) | `.max_len(n)` | error item, skipped unbuffered |
//! | a Server-Sent Event | 8 MiB | `.max_len(n)`, `EventSource::max_event_len` | error item, skipped unbuffered |
//! | a UDP datagram | 64 KiB (`net::DEFAULT_MAX_DATAGRAM_LEN`) | `datagrams(socket, n)` | error item |
//! | a WebSocket message / frame | 8 MiB / 8 MiB | `ws::Config::max_message_len` / `max_frame_len` | error, close 1009, end |
//! | a WebSocket write buffer | 8 MiB + 128 KiB | `ws::Config::max_write_buffer_len` | `send` fails |
//! | a JSON API page body | 32 MiB (`http::DEFAULT_MAX_PAGE_LEN`) | `JsonApi::max_page_len` | page error |
//! | redirects a request | 10 | (fixed) | error |
//! | queued events | the capacity you give [`events::channel`] | `channel(capacity, overflow)` | the [`Overflow`](events::Overflow) policy |
//! | futures in flight | the limit you give | `map_concurrent(limit, ..)` and the others | the source is not pulled |
//! | pages fetched ahead | 1 | `Paginator::prefetch` | not fetched |
//! | a read | 64 KiB ([`chunks::DEFAULT_READ_SIZE`], [`chunks::DEFAULT_CHUNK_SIZE`]) | `.read_size(n)`, `read_chunks(r, n)` | the next read |
//! | time: idle connection / frame in progress | off | `Frames::idle_timeout` / `read_timeout` | error, end |
//! | time: WebSocket handshake / close | 10 s / 5 s | `ws::Config` | error |
//! | time: one page attempt | 30 s | `Paginator::timeout` | retried, then an error |
//!
//! **Zero means the same everywhere**, by kind of number: a *count* (a capacity, a
//! concurrency limit, pages ahead, a batch length, a page step) of 0 counts as 1; a
//! *buffer size* (a read size, a chunk size, a datagram buffer) of 0 means the
//! default; a *limit on content* (`max_len`, `max_page_len`) of 0 accepts only
//! empty content, exactly as written.
//!
//! # Errors
//!
//! Every error type implements [`std::error::Error`] and says where (byte offset
//! and line or record, page and URL, HTTP status). Each cause is printed once by
//! an error reporter that walks `source()`: an error that includes a wrapped
//! error's text in its message (a [`FrameError`](chunks::FrameError)'s I/O error, an
//! [`EventsError`](events::EventsError)'s failure) returns what lies *below* that
//! error from `source()`; an error that returns its cause from `source()` (a
//! [`PageError`](paginate::PageError)'s fetch error) does not print it.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---------|---------|--------------|
//! | `json`  | yes     | `serde` and `serde_json`, for typed records |
//! | `http`  | no      | HTTP glue on isahc: libcurl, no async-std, no tokio (implies `json`) |
//! | `net`   | no      | sockets on smol's `async-net` |
//! | `ws`    | no      | WebSockets on async-tungstenite, no tokio (implies `net`) |
//! | `surf`  | no      | `surf::Client` as the HTTP client; the one feature that brings async-std (implies `http`) |
//! | `wss`   | no      | `wss://` through async-native-tls, the system's TLS (implies `ws`) |
//!
//! The defaults are pure Rust (no C compiler, nothing to link), so a small
//! binary that wants generators and records pays for nothing else; `http` builds
//! libcurl and links OpenSSL, so it is asked for by name. `--no-default-features`
//! builds the core alone.

#![forbid(unsafe_code)]
// docs.rs (nightly, `--cfg docsrs`) shows which feature each item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod chunks;
pub mod concurrent;
pub mod events;
pub mod generate;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "net")]
pub mod net;
pub mod paginate;
mod time;

pub use generate::{generate, generate_local, try_generate, try_generate_local};

// The README's examples run as doc tests, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
