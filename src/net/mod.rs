//! Sockets as message streams (feature `net`), on smol's `async-net`: JavaScript's
//! `for await (const message of socketMessages(socket))` on real TCP, Unix and UDP
//! sockets.
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `socket.on('message', cb)`, `socket.on('close', cb)` | [`split_lines`] (or [`split`]): a stream that ends when the peer closes, every message before it delivered |
//! | `socket.write(message)` | the [`FrameWriter`] half: `send(message).await`, with backpressure |
//! | one handler per socket | [`Merge`]: every connection's messages in one loop, tagged by peer |
//! | `new WebSocket(url)` | [`ws::connect`](crate::net::ws) (feature `ws`) |
//!
//! # The parts
//!
//! Every function that takes a connection is named `split_*`: it splits the
//! connection in two and returns a pair, `(stream, writer)`. The functions of
//! [`chunks`](crate::chunks), which only read, return a stream alone; so
//! `chunks::lines(reader)` is a stream and `net::split_lines(connection)` a pair.
//!
//! - [`split`] (and [`split_lines`], [`split_ndjson`], [`split_length_delimited`]) splits a
//!   connection (TCP, Unix, TLS: anything `AsyncRead + AsyncWrite`) into a stream
//!   of frames, decoded by the [`chunks`](crate::chunks) decoders, and a
//!   [`FrameWriter`] that sends frames the other side decodes the same way.
//! - [`datagrams`] is a UDP socket as a stream of `(Bytes, SocketAddr)`, with a
//!   maximum size.
//! - [`Merge`] turns many connections' streams into one, each message tagged with
//!   its peer.
//!
//! The guarantees are the decoders': a peer that closes its side after writing has
//! every message it wrote delivered, then its stream ends; a message over the limit
//! ([`DEFAULT_MAX_FRAME_LEN`], 64 KiB, for sockets) is an error item and the
//! connection goes on. Nothing reads ahead of the consumer, so a slow consumer
//! slows the peers down through TCP itself (backpressure) instead of buffering.
//!
//! # Many peers
//!
//! - Memory: an idle connection holds no read buffer (a few hundred bytes of
//!   aiter's state besides the socket); a connection in the middle of a message
//!   holds at most the limit plus one read.
//! - Time: [`Merge`] polls only the connections that were woken, so a message
//!   costs the same with 10 or 10,000 connections.
//! - Timeouts, off by default, per connection: [`Frames::idle_timeout`] (nothing
//!   received for a while) and [`Frames::read_timeout`] (a message begun and not
//!   finished in time). The stream then ends with a
//!   [`FrameErrorKind::IdleTimeout`](crate::chunks::FrameErrorKind::IdleTimeout)
//!   or [`ReadTimeout`](crate::chunks::FrameErrorKind::ReadTimeout) error, and a
//!   [`Merge`] reports [`PeerEvent::Closed`] after it.
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
//! let (_, mut to_server) = aiter::net::split_lines(client);
//! to_server.send("hello").await?;
//! to_server.close().await?; // the peer closes after writing...
//!
//! let (mut messages, _) = aiter::net::split_lines(server);
//! assert_eq!(messages.next().await.unwrap()?, "hello"); // ...and nothing is lost
//! assert!(messages.next().await.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! # Limits and errors
//!
//! Frames at most [`DEFAULT_MAX_FRAME_LEN`] (64 KiB) each way unless set; a longer
//! one is a [`FrameError`](crate::chunks::FrameError) item, with its byte offset
//! and line, and the connection goes on. Datagrams at most
//! [`DEFAULT_MAX_DATAGRAM_LEN`]; a longer one is a [`DatagramError`] item.
//! Timeouts are off until set. I/O errors end a connection's stream after every
//! frame before them.
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe on every stream here ([`Merge`], [`Datagrams`],
//! the framed streams): a message leaves its stream only when it is returned.
//! The writer's `send`, cancelled after its first poll, keeps the rest of its
//! frame queued for the next `send` or `flush`: do not send that item again (see
//! [`FrameWriter`]'s cancellation safety).

mod datagrams;
mod merge;
#[cfg(feature = "ws")]
pub mod ws;

use futures_lite::io::{ReadHalf, WriteHalf};
use futures_lite::{AsyncRead, AsyncWrite};

use crate::chunks::{
    Decoder, FrameWriter, Frames, LengthDelimited, LengthDelimitedDecoder, LengthDelimitedEncoder,
    LineDecoder, LineEncoder, Lines,
};

#[doc(hidden)]
#[allow(deprecated)]
pub use datagrams::{DEFAULT_MAX_DATAGRAM, MAX_UDP_PAYLOAD};
pub use datagrams::{
    DEFAULT_MAX_DATAGRAM_LEN, DatagramError, Datagrams, MAX_UDP_PAYLOAD_LEN, datagrams,
};
pub use merge::{Merge, PeerEvent};

/// The longest message [`split_lines`], [`split_ndjson`] and [`split_length_delimited`] accept
/// unless told otherwise (`.max_len(n)` on the stream): 64 KiB, both ways.
///
/// Files get [`DEFAULT_MAX_FRAME_LEN`](crate::chunks::DEFAULT_MAX_FRAME_LEN)
/// (8 MiB); a socket gets less because a server has many of them and the peer
/// chooses what it sends: a connection holds at most this limit plus one read
/// (64 KiB) while a message is incomplete, so 10,000 peers each sending the
/// largest message they may cost at most about 1.3 GiB, and idle ones cost
/// nothing. A longer message is an error item and the connection goes on.
///
/// ```
/// assert_eq!(aiter::net::DEFAULT_MAX_FRAME_LEN, 64 * 1024);
/// ```
pub const DEFAULT_MAX_FRAME_LEN: usize = 64 * 1024;

/// The reading half of a connection given to [`split`].
///
/// ```
/// use aiter::chunks::Lines;
/// use aiter::net::Reader;
/// // The type of the stream `split_lines` returns, to keep in a struct.
/// struct Peer {
///     messages: Lines<Reader<async_net::TcpStream>>,
/// }
/// # let _ = |p: Peer| p.messages;
/// ```
pub type Reader<S> = ReadHalf<S>;

/// The writing half of a connection given to [`split`].
///
/// ```
/// use aiter::chunks::{FrameWriter, LineEncoder};
/// use aiter::net::Writer;
/// // The type of the writer `split_lines` returns, to keep in a struct.
/// struct Peer {
///     replies: FrameWriter<Writer<async_net::TcpStream>, LineEncoder>,
/// }
/// # let _ = |p: Peer| p.replies;
/// ```
pub type Writer<S> = WriteHalf<S>;

/// Splits a connection into a stream of frames cut by `decoder` and a writer of
/// frames made by `encoder`, usable from two tasks. Any connection works, one
/// that cannot be cloned too (a TLS stream): the halves share it through
/// [`futures_lite::io::split`](https://docs.rs/futures-lite/2/futures_lite/io/fn.split.html).
///
/// Closing the writer ([`FrameWriter::close`]) shuts down the sending side only;
/// the frames still arriving are read to the end. The decoder's limit is used as
/// it is: give it one that fits a network peer (see [`DEFAULT_MAX_FRAME_LEN`]).
///
/// For timeouts, use [`Frames::idle_timeout`] and [`Frames::read_timeout`] on the
/// stream: a peer that sends nothing, or sends a frame too slowly, then ends with
/// an error instead of holding the connection forever.
///
/// # Memory
///
/// An idle connection (its reader waiting, no partial frame) holds no read
/// buffer: see [`Frames`]. A busy one holds one read buffer (64 KiB), more only
/// while one frame needs it, up to the decoder's limit plus one read.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::chunks::{LengthDelimitedDecoder, LengthDelimitedEncoder};
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut writer) = aiter::net::split(left, LengthDelimitedDecoder::new(), LengthDelimitedEncoder::new());
/// writer.send(b"\x00binary\xff").await?;
/// let (mut frames, _) = aiter::net::split(right, LengthDelimitedDecoder::new(), LengthDelimitedEncoder::new());
/// assert_eq!(frames.next().await.unwrap()?, &b"\x00binary\xff"[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn split<S, D, E>(
    connection: S,
    decoder: D,
    encoder: E,
) -> (Frames<Reader<S>, D>, FrameWriter<Writer<S>, E>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    D: Decoder,
{
    let (reader, writer) = futures_lite::io::split(connection);
    (
        Frames::new(reader, decoder),
        FrameWriter::new(writer, encoder),
    )
}

/// [`split`] with UTF-8 lines both ways, each at most [`DEFAULT_MAX_FRAME_LEN`]
/// (64 KiB) unless set with [`Lines::max_len`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::split_lines(left);
/// to_right.send("one line").await?;
/// let (lines, _) = aiter::net::split_lines(right);
/// let mut lines = lines.max_len(1024);
/// assert_eq!(lines.next().await.unwrap()?, "one line");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn split_lines<S>(connection: S) -> (Lines<Reader<S>>, FrameWriter<Writer<S>, LineEncoder>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    split(
        connection,
        LineDecoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
        LineEncoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
    )
}

/// [`split`] with NDJSON records of `T` both ways (feature `json`), each at
/// most [`DEFAULT_MAX_FRAME_LEN`] (64 KiB) unless set with
/// [`Ndjson::max_len`](crate::chunks::Ndjson::max_len).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::split_ndjson::<Vec<u8>, _>(left);
/// to_right.send(vec![1u8, 2, 3]).await?;
/// let (mut records, _) = aiter::net::split_ndjson::<Vec<u8>, _>(right);
/// assert_eq!(records.next().await.unwrap()?, [1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[cfg(feature = "json")]
pub fn split_ndjson<T, S>(
    connection: S,
) -> (
    crate::chunks::Ndjson<Reader<S>, T>,
    FrameWriter<Writer<S>, crate::chunks::NdjsonEncoder>,
)
where
    T: serde::de::DeserializeOwned,
    S: AsyncRead + AsyncWrite + Unpin,
{
    split(
        connection,
        crate::chunks::NdjsonDecoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
        crate::chunks::NdjsonEncoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
    )
}

/// [`split`] with length-delimited frames both ways (`u32` big-endian
/// prefixes), each at most [`DEFAULT_MAX_FRAME_LEN`] (64 KiB) unless set with
/// [`LengthDelimited::max_len`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let (left, right) = async_net::unix::UnixStream::pair()?;
/// let (_, mut to_right) = aiter::net::split_length_delimited(left);
/// to_right.send(b"frame").await?;
/// let (mut frames, _) = aiter::net::split_length_delimited(right);
/// assert_eq!(frames.next().await.unwrap()?, &b"frame"[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn split_length_delimited<S>(
    connection: S,
) -> (
    LengthDelimited<Reader<S>>,
    FrameWriter<Writer<S>, LengthDelimitedEncoder>,
)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    split(
        connection,
        LengthDelimitedDecoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
        LengthDelimitedEncoder::new().max_len(DEFAULT_MAX_FRAME_LEN),
    )
}

// The names before the 0.1.0 renames, kept for code written against them. They
// return pairs under the names `chunks` uses for streams, hence the renames.

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed net::split")]
pub fn framed<S, D, E>(
    connection: S,
    decoder: D,
    encoder: E,
) -> (Frames<Reader<S>, D>, FrameWriter<Writer<S>, E>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    D: Decoder,
{
    split(connection, decoder, encoder)
}

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed net::split_lines")]
pub fn lines<S>(connection: S) -> (Lines<Reader<S>>, FrameWriter<Writer<S>, LineEncoder>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    split_lines(connection)
}

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed net::split_ndjson")]
#[cfg(feature = "json")]
pub fn ndjson<T, S>(
    connection: S,
) -> (
    crate::chunks::Ndjson<Reader<S>, T>,
    FrameWriter<Writer<S>, crate::chunks::NdjsonEncoder>,
)
where
    T: serde::de::DeserializeOwned,
    S: AsyncRead + AsyncWrite + Unpin,
{
    split_ndjson(connection)
}

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed net::split_length_delimited")]
pub fn length_delimited<S>(
    connection: S,
) -> (
    LengthDelimited<Reader<S>>,
    FrameWriter<Writer<S>, LengthDelimitedEncoder>,
)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    split_length_delimited(connection)
}
