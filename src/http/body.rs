//! Response bodies as chunk streams, with progress and a check on their length.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::AsyncRead;
use pin_project_lite::pin_project;

use crate::chunks::{self, ReadChunks};

/// How much of a body has arrived.
///
/// ```
/// use aiter::http::Progress;
///
/// let half = Progress { received: 512, total: Some(1024) };
/// assert_eq!(half.fraction(), Some(0.5));
/// assert_eq!(half.to_string(), "512 of 1024 bytes (50%)");
/// assert_eq!(Progress { received: 7, total: None }.to_string(), "7 bytes");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes received so far.
    pub received: u64,
    /// The body's length from `Content-Length`, when the response gave one (and no
    /// `Content-Encoding` changes it).
    pub total: Option<u64>,
}

impl Progress {
    /// The fraction received, from 0.0 to 1.0, when the total is known.
    ///
    /// ```
    /// use aiter::http::Progress;
    /// assert_eq!(Progress { received: 25, total: Some(100) }.fraction(), Some(0.25));
    /// assert_eq!(Progress { received: 25, total: None }.fraction(), None);
    /// ```
    #[allow(clippy::cast_precision_loss)] // a fraction for display
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(total) => Some(self.received as f64 / total as f64),
            None => None,
        }
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.total, self.fraction()) {
            (Some(total), Some(fraction)) => {
                write!(
                    f,
                    "{} of {total} bytes ({:.0}%)",
                    self.received,
                    fraction * 100.0
                )
            }
            _ => write!(f, "{} bytes", self.received),
        }
    }
}

/// Why a body stream ended early.
///
/// ```
/// use aiter::http::BodyError;
///
/// let error = BodyError::Truncated { received: 10, expected: 20, source: None };
/// assert_eq!(error.to_string(), "body truncated: received 10 of 20 bytes");
/// let io: std::io::Error = error.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::UnexpectedEof);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// The body ended before the length its `Content-Length` announced.
    Truncated {
        /// Bytes received.
        received: u64,
        /// Bytes announced by `Content-Length`.
        expected: u64,
        /// The read error that ended it, if it did not just end.
        source: Option<io::Error>,
    },
    /// The body went on past its `Content-Length`.
    TooLong {
        /// Bytes received so far.
        received: u64,
        /// Bytes announced by `Content-Length`.
        expected: u64,
    },
    /// Reading the body failed (its length was not announced).
    Io {
        /// Bytes received before the error.
        received: u64,
        /// The read error.
        source: io::Error,
    },
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated {
                received,
                expected,
                source,
            } => {
                write!(f, "body truncated: received {received} of {expected} bytes")?;
                match source {
                    Some(source) => write!(f, " ({source})"),
                    None => Ok(()),
                }
            }
            Self::TooLong { received, expected } => write!(
                f,
                "body longer than its Content-Length: {received} bytes received, {expected} announced"
            ),
            Self::Io { received, source } => write!(
                f,
                "reading the body failed after {received} bytes: {source}"
            ),
        }
    }
}

/// The message includes the read error's text, so `source()` goes on below it:
/// error reporters print each cause once.
impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Truncated {
                source: Some(source),
                ..
            }
            | Self::Io { source, .. } => source.source(),
            _ => None,
        }
    }
}

impl From<BodyError> for io::Error {
    fn from(error: BodyError) -> Self {
        let kind = match &error {
            BodyError::Truncated { .. } => io::ErrorKind::UnexpectedEof,
            BodyError::TooLong { .. } => io::ErrorKind::InvalidData,
            BodyError::Io { source, .. } => source.kind(),
        };
        io::Error::new(kind, error)
    }
}

pin_project! {
    /// A body as a stream of chunks, counting what arrives against the announced
    /// length. Made by [`body_chunks`](super::body_chunks) from a response, or by
    /// [`BodyChunks::new`] from any reader and length.
    ///
    /// - Chunks come as [`read_chunks`](crate::chunks::read_chunks) gives them (one
    ///   reused buffer, 64 KiB by default), so memory does not grow with the body.
    /// - [`BodyChunks::progress`] says how much has arrived, and of how much.
    /// - A body that ends short of its `Content-Length` ends the stream with
    ///   [`BodyError::Truncated`], naming bytes received and expected: never a
    ///   silent short file. Any other read error is [`BodyError::Io`]. Either way,
    ///   every chunk received before is delivered first.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe, as for [`ReadChunks`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let response = aiter::http::Response::new(200, Default::default(), Box::pin(&b"hello"[..]));
    /// let mut chunks = aiter::http::body_chunks(response);
    /// let mut body = Vec::new();
    /// while let Some(chunk) = chunks.next().await {
    ///     body.extend_from_slice(&chunk?);
    /// }
    /// assert_eq!(body, b"hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct BodyChunks<R> {
        #[pin]
        chunks: ReadChunks<R>,
        expected: Option<u64>,
        received: u64,
        // The error found with the last chunk, delivered after the bytes before it.
        pending: Option<BodyError>,
        done: bool,
    }
}

impl<R: AsyncRead> BodyChunks<R> {
    /// The chunks of `body`, which should be `expected` bytes long when known.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{BodyChunks, BodyError};
    /// use futures_lite::StreamExt;
    ///
    /// let short: &[u8] = b"only half";
    /// let mut body = BodyChunks::new(short, Some(18));
    /// assert_eq!(body.next().await.unwrap().unwrap(), "only half");
    /// let error = body.next().await.unwrap().unwrap_err();
    /// assert!(matches!(error, BodyError::Truncated { received: 9, expected: 18, .. }));
    /// assert_eq!(error.to_string(), "body truncated: received 9 of 18 bytes");
    /// # });
    /// ```
    pub fn new(body: R, expected: Option<u64>) -> Self {
        Self::with_chunk_size(body, expected, 0)
    }

    /// As [`BodyChunks::new`], with chunks of at most `chunk_size` bytes (0 means
    /// the default, 64 KiB).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::BodyChunks;
    /// use futures_lite::StreamExt;
    ///
    /// let body: &[u8] = b"0123456789";
    /// let mut chunks = BodyChunks::with_chunk_size(body, Some(10), 4);
    /// assert_eq!(chunks.next().await.unwrap().unwrap(), "0123");
    /// assert_eq!(chunks.progress().received, 4);
    /// # });
    /// ```
    pub fn with_chunk_size(body: R, expected: Option<u64>, chunk_size: usize) -> Self {
        Self {
            chunks: chunks::read_chunks(body, chunk_size),
            expected,
            received: 0,
            pending: None,
            done: false,
        }
    }
}

impl<R> BodyChunks<R> {
    /// The body's reader, until the stream has ended and released it (as
    /// [`ReadChunks::get_ref`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let response = aiter::http::Response::new(200, Default::default(), Box::pin(&b"hi"[..]));
    /// let mut chunks = aiter::http::body_chunks(response);
    /// assert!(chunks.get_ref().is_some());
    /// while chunks.next().await.is_some() {}
    /// assert!(chunks.get_ref().is_none()); // released at the end
    /// # });
    /// ```
    pub fn get_ref(&self) -> Option<&R> {
        self.chunks.get_ref()
    }

    /// The body's reader, mutably, until the stream has ended.
    ///
    /// ```
    /// let response = aiter::http::Response::new(200, Default::default(), Box::pin(&b"hi"[..]));
    /// let mut chunks = aiter::http::body_chunks(response);
    /// assert!(chunks.get_mut().is_some());
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut R> {
        self.chunks.get_mut()
    }

    /// The body's reader back, to read the rest another way; `None` once the
    /// stream has ended.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::{AsyncReadExt, StreamExt};
    /// let response = aiter::http::Response::new(200, Default::default(), Box::pin(&b"hello"[..]));
    /// let mut chunks = aiter::http::body_chunks(response);
    /// let mut rest = chunks.into_inner().unwrap();
    /// let mut text = String::new();
    /// rest.read_to_string(&mut text).await?;
    /// assert_eq!(text, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> Option<R> {
        self.chunks.into_inner()
    }

    /// How much has arrived, and of how much.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut headers = aiter::http::isahc::http::HeaderMap::new();
    /// headers.insert("content-length", "5".parse()?);
    /// let response = aiter::http::Response::new(200, headers, Box::pin(&b"hello"[..]));
    /// let mut chunks = aiter::http::body_chunks(response);
    /// while let Some(chunk) = chunks.next().await {
    ///     chunk?;
    /// }
    /// assert_eq!(chunks.progress().to_string(), "5 of 5 bytes (100%)");
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn progress(&self) -> Progress {
        Progress {
            received: self.received,
            total: self.expected,
        }
    }
}

impl<R: AsyncRead> Stream for BodyChunks<R> {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if let Some(error) = this.pending.take() {
            *this.done = true;
            return Poll::Ready(Some(Err(error)));
        }
        if *this.done {
            return Poll::Ready(None);
        }
        let received = *this.received;
        let item = match (ready!(this.chunks.poll_next(cx)), *this.expected) {
            (Some(Ok(chunk)), expected) => {
                let total = received + chunk.len() as u64;
                match expected {
                    Some(expected) if total > expected => {
                        let error = BodyError::TooLong {
                            received: total,
                            expected,
                        };
                        // The bytes within the announced length are delivered
                        // first, then the error.
                        let within = usize::try_from(expected - received).unwrap_or(usize::MAX);
                        if within == 0 {
                            Err(error)
                        } else {
                            *this.received = expected;
                            *this.pending = Some(error);
                            return Poll::Ready(Some(Ok(chunk.slice(..within))));
                        }
                    }
                    _ => {
                        *this.received = total;
                        Ok(chunk)
                    }
                }
            }
            (Some(Err(source)), Some(expected)) if received < expected => {
                Err(BodyError::Truncated {
                    received,
                    expected,
                    source: Some(source),
                })
            }
            (Some(Err(source)), _) => Err(BodyError::Io { received, source }),
            (None, Some(expected)) if received < expected => Err(BodyError::Truncated {
                received,
                expected,
                source: None,
            }),
            (None, _) => {
                *this.done = true;
                return Poll::Ready(None);
            }
        };
        if item.is_err() {
            *this.done = true;
        }
        Poll::Ready(Some(item))
    }
}

impl<R: AsyncRead> FusedStream for BodyChunks<R> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<R> fmt::Debug for BodyChunks<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyChunks")
            .field("progress", &self.progress())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
