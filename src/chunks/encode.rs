//! Encoders and [`FrameWriter`]: send frames the decoders here read back.

use std::fmt;
use std::io;

use futures_lite::{AsyncWrite, AsyncWriteExt};

use super::length_delimited::{ByteOrder, Prefix};
use super::{DEFAULT_MAX_FRAME_LEN, FrameError, FrameErrorKind};

/// Writes items as frames into a byte buffer: the other half of a
/// [`Decoder`](super::Decoder). Testable on a `Vec<u8>` with no runtime.
///
/// ```
/// use aiter::chunks::{Encoder, LineEncoder};
///
/// let mut out = Vec::new();
/// LineEncoder::new().encode("hello", &mut out)?;
/// assert_eq!(out, b"hello\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
pub trait Encoder<Item> {
    /// Appends `item`'s frame to `dst`. On error `dst` is left as it was.
    ///
    /// # Errors
    ///
    /// When `item` can't be framed: too long, or holding a byte its framing can't
    /// carry (see each encoder).
    fn encode(&mut self, item: Item, dst: &mut Vec<u8>) -> Result<(), FrameError>;
}

/// Encodes lines for [`lines`](super::lines): each item then `\n`.
///
/// An item holding `\n`, or ending in `\r`, is refused
/// ([`FrameErrorKind::InvalidInput`]): it would not read back as the same line.
/// So is one longer than the limit ([`DEFAULT_MAX_FRAME_LEN`] by default).
///
/// ```
/// use aiter::chunks::{Encoder, LineEncoder};
///
/// let mut encoder = LineEncoder::new().max_len(16);
/// let mut out = Vec::new();
/// encoder.encode("fits", &mut out)?;
/// assert!(encoder.encode("two\nlines", &mut out).is_err());
/// assert!(encoder.encode("far too long for sixteen", &mut out).is_err());
/// assert_eq!(out, b"fits\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineEncoder {
    max_len: usize,
    frames: u64,
}

impl LineEncoder {
    /// A line encoder with the default limit.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LineEncoder};
    /// let mut out = Vec::new();
    /// LineEncoder::new().encode("hello", &mut out)?;
    /// assert_eq!(out, b"hello\n");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the longest line accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LineEncoder};
    /// let mut out = Vec::new();
    /// assert!(LineEncoder::new().max_len(4).encode("too long", &mut out).is_err());
    /// assert!(out.is_empty()); // nothing half written
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

impl Default for LineEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: AsRef<str>> Encoder<S> for LineEncoder {
    fn encode(&mut self, item: S, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let line = item.as_ref();
        let number = self.frames + 1;
        let refuse = |kind| Err(FrameError::new(kind, 0).with_line(number));
        if line.len() > self.max_len {
            return refuse(FrameErrorKind::TooLong {
                limit: self.max_len,
                len: Some(line.len() as u64),
            });
        }
        if line.contains('\n') || line.ends_with('\r') {
            return refuse(FrameErrorKind::InvalidInput(
                "a line can't hold `\\n` or end in `\\r`".to_owned(),
            ));
        }
        self.frames = number;
        dst.extend_from_slice(line.as_bytes());
        dst.push(b'\n');
        Ok(())
    }
}

/// Encodes NDJSON records for [`ndjson`](super::ndjson()): compact JSON then `\n`.
///
/// A record longer than the limit ([`DEFAULT_MAX_FRAME_LEN`] by default) is refused.
///
/// ```
/// use aiter::chunks::{Encoder, NdjsonEncoder};
///
/// let mut out = Vec::new();
/// NdjsonEncoder::new().encode(serde_json::json!({"id": 1, "note": "two\nlines"}), &mut out)?;
/// assert_eq!(out, b"{\"id\":1,\"note\":\"two\\nlines\"}\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[cfg(feature = "json")]
#[derive(Debug, Clone)]
pub struct NdjsonEncoder {
    max_len: usize,
    frames: u64,
}

#[cfg(feature = "json")]
impl NdjsonEncoder {
    /// An NDJSON encoder with the default limit, [`DEFAULT_MAX_FRAME_LEN`].
    ///
    /// ```
    /// use aiter::chunks::{Encoder, NdjsonEncoder};
    /// let mut out = Vec::new();
    /// NdjsonEncoder::new().encode(serde_json::json!({"id": 1}), &mut out)?;
    /// assert_eq!(out, b"{\"id\":1}\n");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the longest record accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, NdjsonEncoder};
    /// let mut out = Vec::new();
    /// assert!(NdjsonEncoder::new().max_len(4).encode(vec![1, 2, 3], &mut out).is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

#[cfg(feature = "json")]
impl Default for NdjsonEncoder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "json")]
impl<T: serde::Serialize> Encoder<T> for NdjsonEncoder {
    fn encode(&mut self, item: T, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let number = self.frames + 1;
        let start = dst.len();
        // Compact JSON escapes control characters in strings, so it never holds a
        // raw newline.
        let result = serde_json::to_writer(&mut *dst, &item)
            .map_err(FrameErrorKind::Json)
            .and_then(|()| {
                let len = dst.len() - start;
                if len > self.max_len {
                    Err(FrameErrorKind::TooLong {
                        limit: self.max_len,
                        len: Some(len as u64),
                    })
                } else {
                    Ok(())
                }
            });
        if let Err(kind) = result {
            dst.truncate(start);
            return Err(FrameError::new(kind, 0).with_line(number));
        }
        self.frames = number;
        dst.push(b'\n');
        Ok(())
    }
}

/// Encodes length-delimited frames for
/// [`length_delimited`](super::length_delimited()): a length prefix (`u32`
/// big-endian by default) then the bytes.
///
/// A frame longer than the limit, or than the prefix can hold, is refused.
///
/// ```
/// use aiter::chunks::{ByteOrder, Encoder, LengthDelimitedEncoder};
///
/// let mut out = Vec::new();
/// LengthDelimitedEncoder::new().encode(b"hi", &mut out)?;
/// assert_eq!(out, b"\0\0\0\x02hi");
/// let mut short = LengthDelimitedEncoder::new().prefix(1, ByteOrder::BigEndian);
/// assert!(short.encode(vec![0u8; 256], &mut out).is_err());
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthDelimitedEncoder {
    prefix: Prefix,
    max_len: usize,
    frames: u64,
}

impl LengthDelimitedEncoder {
    /// An encoder for `u32` big-endian prefixes and the default limit.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// LengthDelimitedEncoder::new().encode(b"hi", &mut out)?;
    /// assert_eq!(out, b"\x00\x00\x00\x02hi");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            prefix: Prefix::default(),
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the largest frame accepted, in bytes, prefix not counted.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// assert!(LengthDelimitedEncoder::new().max_len(1).encode(b"hi", &mut out).is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the prefix: `width` bytes (1, 2, 4 or 8), in `order`.
    ///
    /// # Panics
    ///
    /// If `width` is not 1, 2, 4 or 8.
    ///
    /// ```
    /// use aiter::chunks::{ByteOrder, Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// LengthDelimitedEncoder::new().prefix(2, ByteOrder::LittleEndian).encode(b"hi", &mut out)?;
    /// assert_eq!(out, b"\x02\x00hi");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    #[must_use]
    pub fn prefix(mut self, width: usize, order: ByteOrder) -> Self {
        self.prefix = Prefix::new(width, order);
        self
    }
}

impl Default for LengthDelimitedEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: AsRef<[u8]>> Encoder<B> for LengthDelimitedEncoder {
    fn encode(&mut self, item: B, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let frame = item.as_ref();
        let number = self.frames + 1;
        let len = frame.len() as u64;
        if frame.len() > self.max_len || len > self.prefix.max_value() {
            let limit = self
                .max_len
                .min(usize::try_from(self.prefix.max_value()).unwrap_or(usize::MAX));
            let kind = FrameErrorKind::TooLong {
                limit,
                len: Some(len),
            };
            return Err(FrameError::new(kind, 0).with_record(number));
        }
        self.frames = number;
        self.prefix.write(len, dst);
        dst.extend_from_slice(frame);
        Ok(())
    }
}

/// Bytes [`FrameWriter::feed`] gathers before writing them out: 64 KiB.
const WRITE_BATCH: usize = 64 * 1024;

/// Writes items as frames to an [`AsyncWrite`]: a socket sends what a decoder on
/// the other side receives.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::chunks::{FrameWriter, LineEncoder};
/// use futures_lite::StreamExt;
///
/// let mut out = Vec::new();
/// let mut writer = FrameWriter::new(&mut out, LineEncoder::new());
/// writer.send("one").await?;
/// writer.send("two").await?;
/// writer.close().await?;
///
/// let lines: Vec<String> = aiter::chunks::lines(&out[..]).try_collect().await?;
/// assert_eq!(lines, ["one", "two"]);
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
///
/// # Cancellation safety
///
/// `send`, `flush` and `close` are not cancellation safe: if cancelled, part of
/// a frame may have been written. Encoded bytes not yet written stay buffered and
/// go out with the next `send` or `flush`.
pub struct FrameWriter<W, E> {
    writer: W,
    encoder: E,
    /// Encoded bytes; those before `head` are written already.
    buf: Vec<u8>,
    head: usize,
    written: u64,
}

impl<W: AsyncWrite + Unpin, E> FrameWriter<W, E> {
    /// A writer of `encoder`'s frames to `writer`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{FrameWriter, LineEncoder};
    /// let mut writer = FrameWriter::new(Vec::new(), LineEncoder::new());
    /// writer.send("one").await?;
    /// writer.send("two").await?;
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"one\ntwo\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn new(writer: W, encoder: E) -> Self {
        Self {
            writer,
            encoder,
            buf: Vec::new(),
            head: 0,
            written: 0,
        }
    }

    /// Encodes `item` and writes it, with anything fed before, to the writer.
    ///
    /// # Errors
    ///
    /// When the encoder refuses the item (nothing is written for it) or writing fails.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{FrameWriter, LineEncoder};
    /// let mut writer = FrameWriter::new(Vec::new(), LineEncoder::new().max_len(8));
    /// writer.send("fits").await?;
    /// assert!(writer.send("does not fit").await.is_err()); // refused, nothing written
    /// writer.send("next").await?; // and the writer goes on
    /// assert_eq!(writer.into_inner(), b"fits\nnext\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn send<T>(&mut self, item: T) -> Result<(), FrameError>
    where
        E: Encoder<T>,
    {
        self.feed(item).await?;
        self.write_buffer().await
    }

    /// Encodes `item` into the write buffer, writing the buffer out once it holds
    /// 64 KiB: for many small frames, then [`FrameWriter::flush`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{FrameWriter, LineEncoder};
    ///
    /// let mut writer = FrameWriter::new(Vec::new(), LineEncoder::new());
    /// for n in 0..3 {
    ///     writer.feed(n.to_string()).await?;
    /// }
    /// assert!(writer.get_ref().is_empty()); // gathered, not written yet
    /// writer.flush().await?;
    /// assert_eq!(writer.into_inner(), b"0\n1\n2\n");
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`FrameWriter::send`].
    pub async fn feed<T>(&mut self, item: T) -> Result<(), FrameError>
    where
        E: Encoder<T>,
    {
        if self.head > 0 && self.head >= self.buf.len() / 2 {
            // Reclaim the written part before it grows: each byte moves at most once.
            self.buf.drain(..self.head);
            self.head = 0;
        }
        let offset = self.written + (self.buf.len() - self.head) as u64;
        self.encoder
            .encode(item, &mut self.buf)
            .map_err(|error| error.at_offset(offset))?;
        if self.buf.len() - self.head >= WRITE_BATCH {
            self.write_buffer().await?;
        }
        Ok(())
    }

    /// Writes out everything fed and flushes the writer.
    ///
    /// # Errors
    ///
    /// When writing or flushing fails.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{FrameWriter, LineEncoder};
    /// let mut writer = FrameWriter::new(Vec::new(), LineEncoder::new());
    /// writer.feed("gathered").await?; // into the buffer only
    /// assert!(writer.get_ref().is_empty());
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"gathered\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn flush(&mut self) -> Result<(), FrameError> {
        self.write_buffer().await?;
        self.writer
            .flush()
            .await
            .map_err(|error| self.io_error(error))
    }

    /// Writes out everything fed and closes the writer (for a socket, shuts down
    /// its sending side, so the peer sees EOF after the last frame).
    ///
    /// # Errors
    ///
    /// When writing or closing fails.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{FrameWriter, LineEncoder};
    /// let mut writer = FrameWriter::new(Vec::new(), LineEncoder::new());
    /// writer.feed("last").await?;
    /// writer.close().await?; // writes what is buffered, then closes the writer
    /// assert_eq!(writer.get_ref(), b"last\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn close(&mut self) -> Result<(), FrameError> {
        self.write_buffer().await?;
        self.writer
            .close()
            .await
            .map_err(|error| self.io_error(error))
    }

    /// The writer.
    ///
    /// ```
    /// let writer = aiter::chunks::FrameWriter::new(Vec::<u8>::new(), aiter::chunks::LineEncoder::new());
    /// assert!(writer.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.writer
    }

    /// The writer, to change its settings between frames; writing to it directly
    /// puts bytes between frames.
    ///
    /// ```
    /// let mut writer = aiter::chunks::FrameWriter::new(Vec::<u8>::new(), aiter::chunks::LineEncoder::new());
    /// writer.get_mut().extend_from_slice(b"# a header\n");
    /// assert_eq!(writer.get_ref().len(), 11);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Takes the writer back; bytes fed but not written are lost.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let mut writer = aiter::chunks::FrameWriter::new(Vec::new(), aiter::chunks::LineEncoder::new());
    /// writer.send("done").await?;
    /// let bytes: Vec<u8> = writer.into_inner();
    /// assert_eq!(bytes, b"done\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// Writes the buffer out. A short write moves `head` on, never the bytes after
    /// it, so a slow peer costs time linear in the bytes sent.
    async fn write_buffer(&mut self) -> Result<(), FrameError> {
        while self.head < self.buf.len() {
            match self.writer.write(&self.buf[self.head..]).await {
                Ok(0) => return Err(self.io_error(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.head += n.min(self.buf.len() - self.head);
                    self.written += n as u64;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(self.io_error(error)),
            }
        }
        self.buf.clear();
        self.head = 0;
        Ok(())
    }

    fn io_error(&self, error: io::Error) -> FrameError {
        FrameError::new(FrameErrorKind::Io(error), self.written)
    }
}

impl<W, E: fmt::Debug> fmt::Debug for FrameWriter<W, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameWriter")
            .field("encoder", &self.encoder)
            .field("buffered", &(self.buf.len() - self.head))
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}
