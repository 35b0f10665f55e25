//! [`FrameWriter`]: items written as frames to an `AsyncWrite`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::Timer;
use futures_lite::AsyncWrite;

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
/// A `send` (or `feed`) polled once has queued its whole frame: if it is then
/// cancelled (say, raced against a write timeout), part of the frame may have
/// been written, and the rest stays queued and goes out, in order, with the next
/// `send`, `flush` or `close`. So do **not** send the item again after a
/// cancelled `send`: it would go out twice. Call `flush` to finish it, or drop
/// the writer to give it up (a peer then sees a partial frame, so drop the
/// connection too). A `send` dropped before its first poll queued nothing.
/// `flush` and `close` cancelled part-way likewise keep what is left for the
/// next call.
pub struct FrameWriter<W, E> {
    writer: W,
    encoder: E,
    /// Encoded bytes; those before `head` are written already.
    buf: Vec<u8>,
    head: usize,
    written: u64,
    write_timeout: Option<Duration>,
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
            write_timeout: None,
        }
    }

    /// Fails a `send`, `feed`, `flush` or `close` that has waited `timeout` for
    /// the peer to take its bytes, with a
    /// [`FrameErrorKind::WriteTimeout`] error (off by default: a call waits as
    /// long as the peer does). A server that writes to many peers sets it, so one
    /// peer that stops reading cannot stall the others: on the error, drop that
    /// peer's connection (the frame may be half written). A fast write costs
    /// nothing more: the timer starts only once the peer is full.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    /// use aiter::chunks::{FrameErrorKind, FrameWriter, LineEncoder};
    ///
    /// // A connection whose other end never reads.
    /// let (client, _never_reads) = std::os::unix::net::UnixStream::pair()?;
    /// let client = async_io::Async::new(client)?;
    /// let mut writer = FrameWriter::new(client, LineEncoder::new())
    ///     .write_timeout(Duration::from_millis(100));
    /// let line = "x".repeat(60_000);
    /// let error = loop {
    ///     // The socket's buffers fill up, then the peer takes nothing.
    ///     if let Err(error) = writer.send(line.as_str()).await {
    ///         break error;
    ///     }
    /// };
    /// assert!(matches!(error.kind(), FrameErrorKind::WriteTimeout(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = Some(timeout);
        self
    }

    /// Encodes `item` and writes it, with anything fed before, to the writer.
    ///
    /// Cancelled after its first poll, the frame stays queued whole: see
    /// [cancellation safety](FrameWriter#cancellation-safety).
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
        self.within_timeout(|this, cx| Pin::new(&mut this.writer).poll_flush(cx))
            .await
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
        self.within_timeout(|this, cx| Pin::new(&mut this.writer).poll_close(cx))
            .await
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
        if self.head == self.buf.len() {
            return Ok(());
        }
        self.within_timeout(Self::poll_write_buffer).await
    }

    fn poll_write_buffer(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.head < self.buf.len() {
            match Pin::new(&mut self.writer).poll_write(cx, &self.buf[self.head..]) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.head += n.min(self.buf.len() - self.head);
                    self.written += n as u64;
                }
                Poll::Ready(Err(error)) if error.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            }
        }
        self.buf.clear();
        self.head = 0;
        Poll::Ready(Ok(()))
    }

    /// Runs `op` until it is ready, failing it once it has waited the write
    /// timeout; the timer is made only when `op` first has to wait.
    async fn within_timeout(
        &mut self,
        mut op: impl FnMut(&mut Self, &mut Context<'_>) -> Poll<io::Result<()>>,
    ) -> Result<(), FrameError> {
        let mut timer: Option<Timer> = None;
        futures_lite::future::poll_fn(|cx| match op(self, cx) {
            Poll::Ready(result) => Poll::Ready(result.map_err(|error| self.io_error(error))),
            Poll::Pending => {
                let Some(timeout) = self.write_timeout else {
                    return Poll::Pending;
                };
                let timer = timer.get_or_insert_with(|| Timer::after(timeout));
                match Pin::new(timer).poll(cx) {
                    Poll::Ready(_) => Poll::Ready(Err(FrameError::new(
                        FrameErrorKind::WriteTimeout(timeout),
                        self.written,
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        })
        .await
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
            .field("write_timeout", &self.write_timeout)
            .finish_non_exhaustive()
    }
}
