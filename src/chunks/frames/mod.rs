//! [`Frames`]: the framing engine, an `AsyncRead` and a [`Decoder`] as a stream.
//! What a `Frames` holds, and how to take it apart ([`FramesParts`]), is in
//! `parts.rs`.

mod parts;

pub use parts::FramesParts;

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::AsyncRead;
use pin_project_lite::pin_project;

use super::deadline::{Deadlines, Expired};
use super::read_buffer::ReadBuffer;
use super::{Decoded, Decoder, FrameError, FrameErrorKind, Input};

/// How much [`Frames`] asks of the reader at a time: 64 KiB.
///
/// ```
/// assert_eq!(aiter::chunks::DEFAULT_READ_SIZE, 65_536);
/// ```
pub const DEFAULT_READ_SIZE: usize = 64 * 1024;

pin_project! {
    /// A stream of frames: reads an [`AsyncRead`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncRead.html) into one buffer and lets a
    /// [`Decoder`] cut frames out of it.
    ///
    /// Made by [`lines`](super::lines), [`ndjson`](super::ndjson()),
    /// [`json_array`](super::json_array()), [`length_delimited`](super::length_delimited())
    /// or [`Frames::new`] with a decoder of your own.
    ///
    /// # Items and errors
    ///
    /// Items are `Result<D::Item, FrameError>`. Frames decoded before an error are
    /// always delivered before it. After a non-fatal error (a frame too long, a bad
    /// record) the stream goes on with the next frame; after a fatal one (I/O error,
    /// EOF inside a frame, broken JSON array) it ends, see
    /// [`FrameError::is_fatal`]. Every error carries the byte offset and the line
    /// or record number of its frame.
    ///
    /// # Memory
    ///
    /// One buffer: [`DEFAULT_READ_SIZE`] (64 KiB), grown only while a single frame
    /// needs more, never past its decoder's limit ([`Decoder::max_frame_len`]; 8 MiB
    /// by default for the decoders here) plus one read, and given back once that
    /// frame is done. A 1 GiB line with no newline costs at most the limit plus one
    /// read.
    ///
    /// While the reader has nothing to give (a read is `Pending`) and no frame is
    /// half read, the buffer is given back: an idle socket holds none. The next
    /// read goes into a per-thread scratch buffer, and only the bytes that came
    /// are kept. A reader that never waits (a file) keeps its buffer throughout.
    ///
    /// # Timeouts
    ///
    /// Off by default; [`Frames::idle_timeout`] ends the stream when nothing
    /// arrives for a while, [`Frames::read_timeout`] when a frame begun is not
    /// complete in time. Both end it with a fatal error naming the offset and line
    /// or record where the input stopped.
    ///
    /// The reader is dropped as soon as the stream ends.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe: bytes read are kept in the buffer, and a
    /// frame is removed from it only when it is returned.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    ///
    /// let input: &[u8] = b"a\nbb\n";
    /// let mut lines = aiter::chunks::lines(input).read_size(4096);
    /// assert_eq!(lines.next().await.unwrap()?, "a");
    /// assert_eq!(lines.offset(), 2); // "a\n" consumed
    /// assert_eq!(lines.buffered(), b"bb\n");
    /// assert_eq!(lines.decoder().lines_read(), 1);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Frames<R, D> {
        #[pin]
        reader: Option<R>,
        decoder: D,
        buffer: ReadBuffer,
        // Boxed: most inputs (files, bodies) have no timeouts.
        deadlines: Option<Box<Deadlines>>,
        offset: u64,
        read_size: usize,
        eof: bool,
        done: bool,
    }
}

impl<R: AsyncRead, D: Decoder> Frames<R, D> {
    /// Frames of `reader`, cut by `decoder`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::{Frames, LineDecoder};
    /// use futures_lite::StreamExt;
    ///
    /// let input: &[u8] = b"one\ntwo\n";
    /// let lines: Vec<String> = Frames::new(input, LineDecoder::new()).try_collect().await?;
    /// assert_eq!(lines, ["one", "two"]);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn new(reader: R, decoder: D) -> Self {
        Self {
            reader: Some(reader),
            decoder,
            buffer: ReadBuffer::default(),
            deadlines: None,
            offset: 0,
            read_size: DEFAULT_READ_SIZE,
            eof: false,
            done: false,
        }
    }
}

impl<R, D> Frames<R, D> {
    /// Sets how many bytes to ask of the reader at a time (default, and for 0,
    /// [`DEFAULT_READ_SIZE`]). Frame limits do not depend on it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// let mut small_reads = aiter::chunks::lines(&b"a\nb\n"[..]).read_size(1); // one byte a read
    /// assert_eq!(small_reads.next().await.unwrap()?, "a"); // frames are the same
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn read_size(mut self, read_size: usize) -> Self {
        // A buffer size of 0 means the default, as everywhere in aiter.
        self.read_size = if read_size == 0 {
            DEFAULT_READ_SIZE
        } else {
            read_size
        };
        self
    }

    /// Ends the stream with a [`FrameErrorKind::IdleTimeout`] error when nothing
    /// arrives for `timeout` (counted from this call, then from the last bytes
    /// received). For sockets, where a peer can otherwise hold a connection open
    /// forever; off by default, and `None` turns it off again.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    /// use aiter::chunks::FrameErrorKind;
    /// use futures_lite::StreamExt;
    ///
    /// let (silent, _writer) = smol::net::unix::UnixStream::pair()?;
    /// let mut lines = aiter::chunks::lines(silent).idle_timeout(Duration::from_millis(20));
    /// let error = lines.next().await.unwrap().unwrap_err();
    /// assert!(matches!(error.kind(), FrameErrorKind::IdleTimeout(_)));
    /// assert!(lines.next().await.is_none()); // and the stream has ended
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.deadlines
            .get_or_insert_with(|| Box::new(Deadlines::new()))
            .set_idle(timeout.into());
        self
    }

    /// Ends the stream with a [`FrameErrorKind::ReadTimeout`] error when a frame
    /// whose first bytes have arrived is not complete within `timeout`: a peer
    /// that sends a line one byte a minute (a "slowloris") is cut off even though
    /// it is never idle. Off by default; `None` turns it off again.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    /// use aiter::chunks::FrameErrorKind;
    /// use futures_lite::{AsyncWriteExt, StreamExt};
    ///
    /// let (reader, mut writer) = smol::net::unix::UnixStream::pair()?;
    /// writer.write_all(b"half a li").await?; // ...and never the rest
    /// let mut lines = aiter::chunks::lines(reader).read_timeout(Duration::from_millis(20));
    /// let error = lines.next().await.unwrap().unwrap_err();
    /// assert!(matches!(error.kind(), FrameErrorKind::ReadTimeout(_)));
    /// assert_eq!(error.offset(), 0); // where the frame began
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.deadlines
            .get_or_insert_with(|| Box::new(Deadlines::new()))
            .set_read(timeout.into());
        self
    }
}

impl<R: AsyncRead, D: Decoder> Stream for Frames<R, D> {
    type Item = Result<D::Item, FrameError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if *this.done {
                return Poll::Ready(None);
            }
            let input = Input::new(this.buffer.pending(), *this.offset, *this.eof);
            let (consumed, outcome) = match this.decoder.decode(input) {
                Decoded::Frame { consumed, frame } => (consumed, Some(frame)),
                Decoded::NeedMore { consumed } => (consumed, None),
                Decoded::Fatal(error) => (0, Some(Err(error.into_fatal()))),
                Decoded::Finished => {
                    *this.done = true;
                    this.reader.set(None);
                    return Poll::Ready(None);
                }
            };
            let consumed = this.buffer.consume(consumed);
            *this.offset += consumed as u64;
            if let Some(frame) = outcome {
                if frame.as_ref().is_err_and(FrameError::is_fatal) {
                    *this.done = true;
                    this.reader.set(None);
                }
                if let Some(deadlines) = this.deadlines {
                    deadlines.on_frame(!this.buffer.is_empty());
                }
                return Poll::Ready(Some(frame));
            }
            if consumed > 0 {
                continue;
            }
            if *this.eof {
                *this.done = true;
                this.reader.set(None);
                if this.buffer.is_empty() {
                    return Poll::Ready(None);
                }
                let error = FrameError::new(FrameErrorKind::UnexpectedEof, *this.offset);
                return Poll::Ready(Some(Err(position(error, this.decoder))));
            }
            let Some(reader) = this.reader.as_mut().as_pin_mut() else {
                *this.done = true;
                return Poll::Ready(None);
            };
            let was_empty = this.buffer.is_empty();
            let limit = this.decoder.max_frame_len();
            match this.buffer.poll_fill(reader, cx, *this.read_size, limit) {
                Poll::Pending => {
                    let Some(deadlines) = this.deadlines else {
                        return Poll::Pending;
                    };
                    let expired = ready!(deadlines.poll_expired(cx, !was_empty));
                    *this.done = true;
                    this.reader.set(None);
                    let kind = match expired {
                        Expired::Idle(after) => FrameErrorKind::IdleTimeout(after),
                        Expired::Read(after) => FrameErrorKind::ReadTimeout(after),
                    };
                    let error = FrameError::new(kind, *this.offset);
                    return Poll::Ready(Some(Err(position(error, this.decoder))));
                }
                Poll::Ready(Ok(0)) => *this.eof = true,
                Poll::Ready(Ok(_)) => {
                    if let Some(deadlines) = this.deadlines {
                        deadlines.on_bytes(was_empty);
                    }
                }
                Poll::Ready(Err(error)) if error.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(error)) => {
                    *this.done = true;
                    this.reader.set(None);
                    let error = FrameError::new(FrameErrorKind::Io(error), *this.offset);
                    return Poll::Ready(Some(Err(position(error, this.decoder))));
                }
            }
        }
    }
}

/// Adds the decoder's line and record numbers to an error the engine made.
fn position<D: Decoder>(mut error: FrameError, decoder: &D) -> FrameError {
    if let Some(line) = decoder.line() {
        error = error.with_line(line);
    }
    if let Some(record) = decoder.record() {
        error = error.with_record(record);
    }
    error
}

impl<R: AsyncRead, D: Decoder> FusedStream for Frames<R, D> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<R, D: fmt::Debug> fmt::Debug for Frames<R, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frames")
            .field("decoder", &self.decoder)
            .field("offset", &self.offset)
            .field("buffered", &self.buffer.pending().len())
            .field("eof", &self.eof)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
