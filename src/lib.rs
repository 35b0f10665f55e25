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
//!         y.yield_(format!("page {page}")).await;
//!     }
//! });
//! while let Some(page) = pages.next().await {
//!     println!("{page}");
//! }
//! # });
//! ```
//!
//! Every sequence is a [`futures_lite::Stream`]. aiter never starts or picks an
//! executor: it runs on smol, `futures_lite::future::block_on`, `async-executor`, or
//! any other.
//!
//! # From JavaScript to Rust
//!
//! | JavaScript                              | aiter                                              |
//! |-----------------------------------------|----------------------------------------------------|
//! | `async function* g() { yield x }`       | [`generate`](fn@generate)`(\|y\| async move { y.yield_(x).await; })` |
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
//! | `json`  | no      | `serde` and `serde_json`, for typed records |
//! | `http`  | yes     | HTTP glue on isahc: libcurl, no async-std, no tokio (implies `json`) |
//! | `net`   | no      | sockets on smol's `async-net` |
//! | `ws`    | no      | WebSockets on async-tungstenite, no tokio (implies `net`) |
//! | `surf`  | no      | `surf::Client` as the HTTP client; the one feature that brings async-std (implies `http`) |
//! | `wss`   | no      | `wss://` through async-native-tls, the system's TLS (implies `ws`) |
//!
//! `--no-default-features` builds the core alone.

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

pub use generate::{generate, generate_local, try_generate, try_generate_local};

// The README's examples run as doc tests, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
