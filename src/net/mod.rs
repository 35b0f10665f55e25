//! Sockets as message streams (feature `net`), on smol's `async-net`: the lesson's
//! `socketMessages(socket)` on real TCP, Unix and UDP sockets.
//!
//! - [`framed`] (and [`lines`], [`ndjson()`], [`length_delimited`]) splits a TCP or
//!   Unix stream socket into a stream of frames, decoded by the
//!   [`chunks`](crate::chunks) decoders, and a [`FrameWriter`] that sends frames
//!   the other side decodes the same way.
//! - [`datagrams`] is a UDP socket as a stream of `(Bytes, SocketAddr)`, with a
//!   maximum size.
//! - [`Merge`] turns many connections' streams into one, each message tagged with
//!   its peer.
//!
//! The guarantees are the decoders': a peer that closes its side after writing has
//! every message it wrote delivered, then its stream ends; a message over the limit
//! is an error item and the connection goes on; memory per connection is bounded by
//! the limit. Nothing reads ahead of the consumer, so a slow consumer slows the
//! peers down through TCP itself (backpressure) instead of buffering.
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use futures_lite::StreamExt;
//!
//! let listener = async_net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! let client = async_net::TcpStream::connect(address).await?;
//! let (server, _) = listener.accept().await?;
//!
//! let (_, mut to_server) = aiter::net::lines(client);
//! to_server.send("hello").await?;
//! to_server.close().await?; // the peer closes after writing...
//!
//! let (mut messages, _) = aiter::net::lines(server);
//! assert_eq!(messages.next().await.unwrap()?, "hello"); // ...and nothing is lost
//! assert!(messages.next().await.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```

mod datagrams;
mod merge;
mod ready_queue;
#[cfg(feature = "ws")]
pub mod ws;

use futures_lite::{AsyncRead, AsyncWrite};

use crate::chunks::{
    Decoder, FrameWriter, Frames, LengthDelimited, LengthDelimitedDecoder, LengthDelimitedEncoder,
    LineDecoder, LineEncoder, Lines,
};

pub use datagrams::{DEFAULT_MAX_DATAGRAM, DatagramError, Datagrams, MAX_UDP_PAYLOAD, datagrams};
pub use merge::{Merge, PeerEvent};

/// Splits a stream socket into a stream of frames cut by `decoder` and a writer of
/// frames made by `encoder`. Works with any socket whose clones share the
/// connection: `async_net::TcpStream`, `async_net::unix::UnixStream`.
///
/// Closing the writer ([`FrameWriter::close`]) shuts down the sending side only;
/// the frames still arriving are read to the end.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::chunks::{LengthDelimitedDecoder, LengthDelimitedEncoder};
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut writer) = aiter::net::framed(left, LengthDelimitedDecoder::new(), LengthDelimitedEncoder::new());
/// writer.send(b"\x00binary\xff").await?;
/// let (mut frames, _) = aiter::net::framed(right, LengthDelimitedDecoder::new(), LengthDelimitedEncoder::new());
/// assert_eq!(frames.next().await.unwrap()?, &b"\x00binary\xff"[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn framed<S, D, E>(socket: S, decoder: D, encoder: E) -> (Frames<S, D>, FrameWriter<S, E>)
where
    S: AsyncRead + AsyncWrite + Clone + Unpin,
    D: Decoder,
{
    (
        Frames::new(socket.clone(), decoder),
        FrameWriter::new(socket, encoder),
    )
}

/// [`framed`] with UTF-8 lines both ways (limit: 8 MiB a line; see
/// [`Lines::max_len`]).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::lines(left);
/// to_right.send("one line").await?;
/// let (lines, _) = aiter::net::lines(right);
/// let mut lines = lines.max_len(1024);
/// assert_eq!(lines.next().await.unwrap()?, "one line");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn lines<S>(socket: S) -> (Lines<S>, FrameWriter<S, LineEncoder>)
where
    S: AsyncRead + AsyncWrite + Clone + Unpin,
{
    framed(socket, LineDecoder::new(), LineEncoder::new())
}

/// [`framed`] with NDJSON records of `T` both ways (feature `json`).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::ndjson::<Vec<u8>, _>(left);
/// to_right.send(vec![1u8, 2, 3]).await?;
/// let (mut records, _) = aiter::net::ndjson::<Vec<u8>, _>(right);
/// assert_eq!(records.next().await.unwrap()?, [1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[cfg(feature = "json")]
pub fn ndjson<T, S>(
    socket: S,
) -> (
    crate::chunks::Ndjson<S, T>,
    FrameWriter<S, crate::chunks::NdjsonEncoder>,
)
where
    T: serde::de::DeserializeOwned,
    S: AsyncRead + AsyncWrite + Clone + Unpin,
{
    framed(
        socket,
        crate::chunks::NdjsonDecoder::new(),
        crate::chunks::NdjsonEncoder::new(),
    )
}

/// [`framed`] with length-delimited frames both ways (`u32` big-endian prefixes,
/// 8 MiB limit).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::length_delimited(left);
/// to_right.send(b"frame").await?;
/// let (mut frames, _) = aiter::net::length_delimited(right);
/// assert_eq!(frames.next().await.unwrap()?, &b"frame"[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn length_delimited<S>(
    socket: S,
) -> (LengthDelimited<S>, FrameWriter<S, LengthDelimitedEncoder>)
where
    S: AsyncRead + AsyncWrite + Clone + Unpin,
{
    framed(
        socket,
        LengthDelimitedDecoder::new(),
        LengthDelimitedEncoder::new(),
    )
}
