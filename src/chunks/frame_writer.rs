//! [`FrameWriter`]: items written as frames to an `AsyncWrite`.

use std::fmt;
use std::io;

use futures_lite::{AsyncWrite, AsyncWriteExt};

use super::{Encoder, FrameError, FrameErrorKind};

/// Bytes [`FrameWriter::feed`] gathers before writing them out: 64 KiB.
const WRITE_BATCH: usize = 64 * 1024;

/// Writes items as frames to an [`AsyncWrite`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncWrite.html): a socket sends what a decoder on
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
