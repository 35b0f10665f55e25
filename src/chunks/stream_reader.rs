//! [`stream_reader`]: a stream of byte chunks as an `AsyncRead` + `AsyncBufRead`.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_lite::{AsyncBufRead, AsyncRead};
use pin_project_lite::pin_project;

/// Reads a stream of byte chunks as an [`AsyncBufRead`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncBufRead.html) (and [`AsyncRead`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncRead.html)), so any
/// chunk source (an HTTP body, a channel, a generator) can feed a decoder or any
/// other reader-based code. The reverse of [`read_chunks`](super::read_chunks).
///
/// - Chunks are read in order; empty chunks are skipped; the end of the stream is EOF.
/// - An `Err` item is returned by the read that reaches it, after every byte of the
///   chunks before it; the next read goes on with the stream.
/// - No copy is made: [`AsyncBufRead::poll_fill_buf`](https://docs.rs/futures-io/0.3/futures_io/trait.AsyncBufRead.html#tymethod.poll_fill_buf) lends the current chunk. One
///   chunk is held at a time.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::{stream, AsyncReadExt};
///
/// let chunks = stream::iter(["hel", "", "lo"].map(Ok::<_, std::io::Error>));
/// let mut text = String::new();
/// aiter::chunks::stream_reader(chunks).read_to_string(&mut text).await?;
/// assert_eq!(text, "hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Cancellation safety
///
/// Reads are cancellation safe: a chunk taken from the stream is kept until read.
pub fn stream_reader<S, B, E>(stream: S) -> StreamReader<S, B>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: Into<io::Error>,
{
    StreamReader {
        stream,
        chunk: None,
        pos: 0,
    }
}

pin_project! {
    /// The reader returned by [`stream_reader`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::{stream, AsyncBufReadExt};
    ///
    /// let chunks = stream::iter([Ok::<_, std::io::Error>(b"one\ntwo\n".to_vec())]);
    /// let mut reader = aiter::chunks::stream_reader(chunks);
    /// let mut line = String::new();
    /// reader.read_line(&mut line).await?;
    /// assert_eq!(line, "one\n");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub struct StreamReader<S, B> {
        #[pin]
        stream: S,
        chunk: Option<B>,
        pos: usize,
    }
}

impl<S, B> StreamReader<S, B> {
    /// The stream, for example to read its progress.
    ///
    /// ```
    /// use futures_lite::{stream, Stream};
    /// let chunks = stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"ab"))]);
    /// let reader = aiter::chunks::stream_reader(chunks);
    /// assert_eq!(reader.get_ref().size_hint(), (1, Some(1)));
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, mutably. Bytes of the current chunk not yet read stay here.
    ///
    /// ```
    /// let chunks = futures_lite::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x"))]);
    /// let mut reader = aiter::chunks::stream_reader(chunks);
    /// let _stream = reader.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Takes the stream back. Bytes of the current chunk not yet read are lost.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::{stream, AsyncBufReadExt, StreamExt};
    /// let chunks = stream::iter(["ab", "cd"].map(|s| Ok::<_, std::io::Error>(bytes::Bytes::from_static(s.as_bytes()))));
    /// let mut reader = aiter::chunks::stream_reader(chunks);
    /// assert_eq!(reader.fill_buf().await?, b"ab");
    /// // The chunk being read is dropped with the reader; the stream goes on after it.
    /// let mut rest = reader.into_inner();
    /// assert_eq!(rest.next().await.unwrap()?, &b"cd"[..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> S {
        self.stream
    }
}

impl<S, B, E> AsyncBufRead for StreamReader<S, B>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: Into<io::Error>,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let mut this = self.project();
        while this
            .chunk
            .as_ref()
            .is_none_or(|chunk| *this.pos == chunk.as_ref().len())
        {
            *this.chunk = None;
            *this.pos = 0;
            match ready!(this.stream.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => *this.chunk = Some(chunk),
                Some(Err(error)) => return Poll::Ready(Err(error.into())),
                None => return Poll::Ready(Ok(&[])),
            }
        }
        let chunk = this.chunk.as_ref().map_or(&[][..], AsRef::as_ref);
        Poll::Ready(Ok(&chunk[*this.pos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        let len = this.chunk.as_ref().map_or(0, |chunk| chunk.as_ref().len());
        *this.pos = this.pos.saturating_add(amt).min(len);
    }
}

impl<S, B, E> AsyncRead for StreamReader<S, B>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: Into<io::Error>,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<S, B> fmt::Debug for StreamReader<S, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("holding_chunk", &self.chunk.is_some())
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}
