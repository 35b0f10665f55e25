//! [`read_chunks`]: any `AsyncRead` as a stream of byte chunks.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::AsyncRead;
use pin_project_lite::pin_project;

use super::read_buffer::checked;

/// The chunk size [`read_chunks`] uses when given 0: 64 KiB.
///
/// ```
/// assert_eq!(aiter::chunks::DEFAULT_CHUNK_SIZE, 65_536);
/// ```
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// Reads `reader` as a stream of chunks of at most `chunk_size` bytes (0 means
/// [`DEFAULT_CHUNK_SIZE`]): JavaScript's `for await (const chunk of readChunks(stream))`.
///
/// - Each chunk is what one `read` returned, never empty; the stream ends at EOF.
/// - An I/O error is the last item (`Interrupted` is retried, not reported).
/// - The reader is dropped, so its resource is released, as soon as the stream
///   ends, or when the stream is dropped early: the `finally { releaseLock() }`
///   of JavaScript's `reader.releaseLock()` in `finally`, with nothing to forget.
/// - Memory: one buffer of `chunk_size` bytes, reused. A chunk is a [`Bytes`](https://docs.rs/bytes/1/bytes/struct.Bytes.html) view
///   into it; once you drop a chunk its memory is taken back for the next read, so
///   a consumer that handles chunks one at a time allocates nothing per chunk (and
///   a buffer taken back is not zeroed again). Small reads share one buffer. Chunks
///   you keep keep their buffer alive and the next reads go to fresh memory: memory
///   grows with what you keep, never with the input.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let body: &[u8] = b"hello, chunks";
/// let mut chunks = aiter::chunks::read_chunks(body, 5);
/// let mut seen = Vec::new();
/// while let Some(chunk) = chunks.next().await {
///     seen.push(chunk?);
/// }
/// assert_eq!(seen, ["hello", ", chu", "nks"]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Cancellation safety
///
/// `next()` is cancellation safe: a read that completed is kept in the stream's
/// buffer, and a cancelled `next()` loses nothing.
pub fn read_chunks<R: AsyncRead>(reader: R, chunk_size: usize) -> ReadChunks<R> {
    let chunk_size = if chunk_size == 0 {
        DEFAULT_CHUNK_SIZE
    } else {
        chunk_size
    };
    ReadChunks {
        reader: Some(reader),
        buf: BytesMut::new(),
        lent: None,
        chunk_size,
        total: 0,
    }
}

pin_project! {
    /// The stream returned by [`read_chunks`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    ///
    /// let mut chunks = aiter::chunks::read_chunks(&b"abc"[..], 2);
    /// while chunks.next().await.is_some() {}
    /// assert_eq!(chunks.bytes_read(), 3);
    /// assert!(chunks.get_ref().is_none(), "the reader is released at the end");
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct ReadChunks<R> {
        #[pin]
        reader: Option<R>,
        // Writable memory: bytes an earlier read wrote, or zeroes.
        buf: BytesMut,
        // The whole buffer the last large chunk was cut from, to take back, still
        // written, once that chunk is dropped.
        lent: Option<Bytes>,
        chunk_size: usize,
        total: u64,
    }
}

impl<R> ReadChunks<R> {
    /// Bytes read so far.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut chunks = aiter::chunks::read_chunks(&b"hello world"[..], 4);
    /// while let Some(chunk) = chunks.next().await {
    ///     chunk?;
    /// }
    /// assert_eq!(chunks.bytes_read(), 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn bytes_read(&self) -> u64 {
        self.total
    }

    /// The reader, until the stream has ended and released it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut chunks = aiter::chunks::read_chunks(&b"abc"[..], 2);
    /// assert!(chunks.get_ref().is_some());
    /// while chunks.next().await.is_some() {}
    /// assert!(chunks.get_ref().is_none()); // released at the end, as a `finally` would
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn get_ref(&self) -> Option<&R> {
        self.reader.as_ref()
    }

    /// The reader, mutably, until the stream has ended and released it.
    ///
    /// ```
    /// let mut chunks = aiter::chunks::read_chunks(&b"abc"[..], 2);
    /// assert!(chunks.get_mut().is_some());
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut R> {
        self.reader.as_mut()
    }

    /// Takes the reader back, unless the stream has ended and released it. Bytes of
    /// chunks already returned are not in it any more.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut chunks = aiter::chunks::read_chunks(&b"abcdef"[..], 2);
    /// assert_eq!(chunks.next().await.unwrap()?, &b"ab"[..]);
    /// let rest: &[u8] = chunks.into_inner().unwrap(); // stop early, keep the reader
    /// assert_eq!(rest, b"cdef");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> Option<R> {
        self.reader
    }
}

impl<R: AsyncRead> Stream for ReadChunks<R> {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        let Some(mut reader) = this.reader.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        // At least one byte: a read into an empty slice returns `Ok(0)`, which must
        // never be taken for the end of input (chunk sizes of 1 included).
        let half = (*this.chunk_size / 2).max(1);
        if this.buf.len() < half {
            // Take back the buffer of the last large chunk: its bytes were written by
            // a read, so it needs no zeroing. That works once the chunk is dropped.
            if let Some(Ok(whole)) = this.lent.take().map(Bytes::try_into_mut) {
                *this.buf = whole;
            }
            if this.buf.len() < half {
                // `reserve` takes back a buffer whose chunks are all dropped, else
                // allocates; the new part must be zeroed before a read may see it.
                this.buf.clear();
                this.buf.reserve(*this.chunk_size);
                this.buf.resize(*this.chunk_size, 0);
                // Splitting makes the buffer reference-counted now, once, rather
                // than at every `freeze` and `slice` below (one allocation each).
                drop(this.buf.split_to(0));
            }
        }
        let len = this.buf.len().min(*this.chunk_size);
        let result = loop {
            match ready!(checked(
                reader.as_mut().poll_read(cx, &mut this.buf[..len]),
                len
            )) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                result => break result,
            }
        };
        match result {
            Ok(0) => {
                this.reader.set(None);
                *this.buf = BytesMut::new();
                *this.lent = None;
                Poll::Ready(None)
            }
            Ok(n) => {
                *this.total += n as u64;
                let chunk = if 2 * n >= this.buf.len() {
                    // A large read: lend a view of the whole buffer, to take it back
                    // whole (and still written) once the chunk is dropped.
                    let whole = std::mem::take(this.buf).freeze();
                    let chunk = whole.slice(..n);
                    *this.lent = Some(whole);
                    chunk
                } else {
                    // A small read: the rest of the buffer serves the next reads.
                    this.buf.split_to(n).freeze()
                };
                Poll::Ready(Some(Ok(chunk)))
            }
            Err(error) => {
                this.reader.set(None);
                *this.buf = BytesMut::new();
                *this.lent = None;
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

impl<R: AsyncRead> FusedStream for ReadChunks<R> {
    fn is_terminated(&self) -> bool {
        self.reader.is_none()
    }
}

impl<R> fmt::Debug for ReadChunks<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadChunks")
            .field("chunk_size", &self.chunk_size)
            .field("bytes_read", &self.total)
            .field("finished", &self.reader.is_none())
            .finish_non_exhaustive()
    }
}
