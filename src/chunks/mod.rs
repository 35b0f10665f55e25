//! Chunks and frames: JavaScript's `for await (const chunk of readChunks(stream))`,
//! then records out of the
//! chunks, bounded in memory.
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `for await (const chunk of readChunks(stream))` | `let mut chunks = read_chunks(reader, 0); while let Some(chunk) = chunks.next().await` |
//! | `reader.releaseLock()` in `finally` | dropping the stream, or its end, releases the reader |
//! | `text.split('\n')`, `JSON.parse(line)` | [`lines`], `ndjson` (feature `json`): bounded, with the line and byte of every error |
//!
//! # The problem
//!
//! A body arrives in chunks of whatever size the network chose. Records (lines,
//! JSON values, length-prefixed messages) straddle those chunks, a record may be
//! far larger than expected, and one bad record should not cost the rest.
//!
//! # The pieces
//!
//! - [`read_chunks`]: any [`AsyncRead`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncRead.html) as a stream of
//!   [`Bytes`](https://docs.rs/bytes/1/bytes/struct.Bytes.html) chunks, reusing one buffer, releasing the reader at the
//!   end or on drop. [`stream_reader`] goes the other way: any stream of chunks as
//!   an `AsyncBufRead`.
//! - [`Frames`]: the framing engine. It reads into one buffer and asks a
//!   [`Decoder`] for frames. Decoders are plain code over byte slices, so they are
//!   unit-tested without a runtime, and you can write your own.
//! - Decoders: [`lines`], [`ndjson()`] and [`json_array()`] (feature `json`),
//!   [`length_delimited()`], [`sse()`] (Server-Sent Events); encoders for the same
//!   framings, and [`FrameWriter`] to send them.
//!
//! # Limits, by default
//!
//! Every decoder has a maximum frame length, [`DEFAULT_MAX_FRAME_LEN`] (8 MiB)
//! unless you set one (`.max_len(n)`). Memory is bounded by the limit, never by the
//! input: a 1 GiB line with no newline costs at most the limit plus one read
//! ([`DEFAULT_READ_SIZE`], 64 KiB). A length prefix over the limit is refused before
//! anything is allocated.
//!
//! # Errors say where, and lose nothing
//!
//! A [`FrameError`] has a kind, the byte offset of its frame's start, and its line
//! or record number. Frames before an error are delivered before it. A line over the
//! limit, a bad NDJSON record or an array item of the wrong shape is an error item
//! and the stream goes on; an I/O error, EOF inside a frame or broken JSON ends it
//! ([`FrameError::is_fatal`]). The same input gives the same frames and errors,
//! at the same offsets, however it is split into reads.
//!
//! # Example
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use futures_lite::StreamExt;
//!
//! // Any AsyncRead: a file, a socket, an HTTP body. Here, bytes in memory.
//! let log: &[u8] = b"GET /a\nGET /b\r\n\xff\xfe\nGET /c";
//! let mut lines = aiter::chunks::lines(log).max_len(1024);
//! while let Some(line) = lines.next().await {
//!     match line {
//!         Ok(line) => println!("{line}"),
//!         Err(error) if !error.is_fatal() => eprintln!("skipped: {error}"),
//!         Err(error) => return Err(error),
//!     }
//! }
//! # Ok(()) }).unwrap();
//! ```
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe on every stream here ([`Frames`] and its aliases,
//! [`ReadChunks`], [`StreamReader`]'s reads): bytes read are kept until a frame is
//! returned. [`FrameWriter`]'s `send`, `flush` and `close` are not: if cancelled,
//! part of a frame may have been written.

mod deadline;
mod decoder;
mod encode;
mod error;
mod frame_writer;
mod frames;
mod length_delimited;
mod lines;
mod read_buffer;
mod read_chunks;
mod sse;
mod sse_encoder;
mod sse_event;
mod stream_reader;

#[cfg(feature = "json")]
pub(crate) mod json_array;
#[cfg(feature = "json")]
mod json_scan;
#[cfg(feature = "json")]
mod ndjson;

pub use decoder::{Decoded, Decoder, Input};
#[cfg(feature = "json")]
pub use encode::NdjsonEncoder;
pub use encode::{Encoder, LengthDelimitedEncoder, LineEncoder};
pub use error::{FrameError, FrameErrorKind};
pub use frame_writer::FrameWriter;
pub use frames::{DEFAULT_READ_SIZE, Frames, FramesParts};
#[cfg(feature = "json")]
pub use json_array::{JsonArray, JsonArrayDecoder, json_array};
pub use length_delimited::{ByteOrder, LengthDelimited, LengthDelimitedDecoder, length_delimited};
pub use lines::{LineDecoder, Lines, lines};
#[cfg(feature = "json")]
pub use ndjson::{Ndjson, NdjsonDecoder, ndjson};
pub use read_chunks::{DEFAULT_CHUNK_SIZE, ReadChunks, read_chunks};
pub use sse::{Sse, SseDecoder, sse};
pub use sse_encoder::SseEncoder;
pub use sse_event::SseEvent;
pub use stream_reader::{StreamReader, stream_reader};

/// The longest frame a decoder accepts unless told otherwise: 8 MiB.
///
/// ```
/// assert_eq!(aiter::chunks::DEFAULT_MAX_FRAME_LEN, 8 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_FRAME_LEN: usize = 8 * 1024 * 1024;
