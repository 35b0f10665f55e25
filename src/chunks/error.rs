//! [`FrameError`]: what went wrong with a frame, and where.

use std::fmt;
use std::io;
use std::time::Duration;

/// An error for one frame, or for the input as a whole, saying where it happened.
///
/// Every error carries the 0-based byte offset of the frame's first byte in the
/// input, and the 1-based line number (line-based decoders) or record number
/// (arrays, length-delimited frames) when there is one.
///
/// Whether the stream goes on after the error depends on its kind: see
/// [`FrameError::is_fatal`].
///
/// ```
/// use aiter::chunks::{Decoder, Decoded, Input, LineDecoder};
///
/// let mut lines = LineDecoder::new().max_len(4);
/// let Decoded::Frame { frame: Err(error), .. } = lines.decode(Input::new(b"too long\n", 0, false)) else {
///     unreachable!()
/// };
/// assert_eq!(error.offset(), 0);
/// assert_eq!(error.line(), Some(1));
/// assert_eq!(error.to_string(), "line 1, byte 0: longer than the limit of 4 bytes");
/// assert!(!error.is_fatal());
/// ```
#[derive(Debug)]
pub struct FrameError {
    // Boxed: errors are rare, and a small error keeps every `Result` of a frame small.
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: FrameErrorKind,
    offset: u64,
    line: Option<u64>,
    record: Option<u64>,
    fatal: bool,
}

/// What went wrong with a frame.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::chunks::FrameErrorKind;
/// use futures_lite::StreamExt;
///
/// let input: &[u8] = b"\0\0\0\x09abc";
/// let error = aiter::chunks::length_delimited(input).next().await.unwrap().unwrap_err();
/// assert!(matches!(error.kind(), FrameErrorKind::UnexpectedEof));
/// assert_eq!(error.record(), Some(1));
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// The frame is longer than the decoder's limit; its bytes were skipped, never
    /// buffered whole. `len` is the frame's length when known (a length prefix),
    /// else `None` (a line is dropped as soon as it passes the limit).
    TooLong {
        /// The decoder's limit, in bytes.
        limit: usize,
        /// The frame's announced length, when a length prefix gave it.
        len: Option<u64>,
    },
    /// A line is not valid UTF-8.
    InvalidUtf8,
    /// The input ended inside a frame (or before a JSON array closed).
    UnexpectedEof,
    /// A JSON frame could not be decoded into the requested type.
    #[cfg(feature = "json")]
    Json(serde_json::Error),
    /// The JSON document has a syntax error outside any single item (between the
    /// items of an array, or on the way to it).
    #[cfg(feature = "json")]
    JsonSyntax(String),
    /// The JSON pointer does not lead to an array in the document.
    #[cfg(feature = "json")]
    NoArray(String),
    /// An item is not valid for the encoder (for example a line holding a newline).
    InvalidInput(String),
    /// Reading or writing the underlying I/O failed.
    Io(io::Error),
    /// Nothing arrived for this long ([`Frames::idle_timeout`](super::Frames::idle_timeout)).
    IdleTimeout(Duration),
    /// A frame begun was not complete within this long
    /// ([`Frames::read_timeout`](super::Frames::read_timeout)).
    ReadTimeout(Duration),
    /// The peer took nothing for this long while a frame waited to be written
    /// ([`FrameWriter::write_timeout`](super::FrameWriter::write_timeout)).
    WriteTimeout(Duration),
}

impl FrameError {
    /// An error of `kind` for the frame starting at byte `offset`.
    ///
    /// ```
    /// use aiter::chunks::{FrameError, FrameErrorKind};
    /// let error = FrameError::new(FrameErrorKind::UnexpectedEof, 120).with_line(3);
    /// assert_eq!(error.to_string(), "line 3, byte 120: unexpected end of input");
    /// ```
    pub fn new(kind: FrameErrorKind, offset: u64) -> Self {
        let fatal = match &kind {
            FrameErrorKind::Io(_)
            | FrameErrorKind::UnexpectedEof
            | FrameErrorKind::IdleTimeout(_)
            | FrameErrorKind::ReadTimeout(_)
            | FrameErrorKind::WriteTimeout(_) => true,
            #[cfg(feature = "json")]
            FrameErrorKind::JsonSyntax(_) | FrameErrorKind::NoArray(_) => true,
            _ => false,
        };
        Self {
            inner: Box::new(Inner {
                kind,
                offset,
                line: None,
                record: None,
                fatal,
            }),
        }
    }

    /// Moves the error to another offset (an encoder's error, once its writer
    /// knows where the frame would have gone).
    pub(crate) fn at_offset(mut self, offset: u64) -> Self {
        self.inner.offset = offset;
        self
    }

    /// Marks the error as one that ends its stream.
    pub(crate) fn into_fatal(mut self) -> Self {
        self.inner.fatal = true;
        self
    }

    /// Sets the 1-based line number of the frame.
    ///
    /// ```
    /// use aiter::chunks::{FrameError, FrameErrorKind};
    /// assert_eq!(FrameError::new(FrameErrorKind::UnexpectedEof, 0).with_line(7).line(), Some(7));
    /// ```
    #[must_use]
    pub fn with_line(mut self, line: u64) -> Self {
        self.inner.line = Some(line);
        self
    }

    /// Sets the 1-based record number of the frame.
    ///
    /// ```
    /// use aiter::chunks::{FrameError, FrameErrorKind};
    /// assert_eq!(FrameError::new(FrameErrorKind::UnexpectedEof, 0).with_record(2).record(), Some(2));
    /// ```
    #[must_use]
    pub fn with_record(mut self, record: u64) -> Self {
        self.inner.record = Some(record);
        self
    }

    /// What went wrong.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"ok\n\xff\n"[..]);
    /// lines.next().await;
    /// let error = lines.next().await.unwrap().unwrap_err(); // line 2 is not UTF-8
    /// assert!(matches!(error.kind(), aiter::chunks::FrameErrorKind::InvalidUtf8));
    /// # });
    /// ```
    pub fn kind(&self) -> &FrameErrorKind {
        &self.inner.kind
    }

    /// Takes the kind out, for example to get at an [`io::Error`].
    ///
    /// ```
    /// use aiter::chunks::{FrameError, FrameErrorKind};
    /// let error = FrameError::from(std::io::Error::other("disk on fire"));
    /// let FrameErrorKind::Io(io) = error.into_kind() else { unreachable!() };
    /// assert_eq!(io.to_string(), "disk on fire");
    /// ```
    pub fn into_kind(self) -> FrameErrorKind {
        self.inner.kind
    }

    /// The 0-based byte offset, in the whole input, of the frame's first byte (for an
    /// I/O error, of the first byte not yet decoded).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"ok\n\xff\n"[..]);
    /// lines.next().await;
    /// let error = lines.next().await.unwrap().unwrap_err(); // line 2 is not UTF-8
    /// assert_eq!(error.offset(), 3); // the line's first byte
    /// # });
    /// ```
    pub fn offset(&self) -> u64 {
        self.inner.offset
    }

    /// The 1-based line number of the frame, for line-based decoders.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"ok\n\xff\n"[..]);
    /// lines.next().await;
    /// let error = lines.next().await.unwrap().unwrap_err(); // line 2 is not UTF-8
    /// assert_eq!(error.line(), Some(2));
    /// # });
    /// ```
    pub fn line(&self) -> Option<u64> {
        self.inner.line
    }

    /// The 1-based record number of the frame, for record-based decoders.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// // Two frames of 1 and 5 bytes; at most 4 accepted.
    /// let input: &[u8] = b"\0\0\0\x01a\0\0\0\x05abcde";
    /// let mut frames = aiter::chunks::length_delimited(input).max_len(4);
    /// frames.next().await;
    /// let error = frames.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.record(), Some(2)); // the second frame is too long
    /// # });
    /// ```
    pub fn record(&self) -> Option<u64> {
        self.inner.record
    }

    /// True when the stream ends after this error: I/O errors, timeouts, EOF
    /// inside a frame, and JSON syntax errors inside an array, where the next
    /// frame's start can't be found. Other errors (a line too long, a bad record) are items, and the stream
    /// goes on with the next frame.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"ok\n\xff\n"[..]);
    /// lines.next().await;
    /// let error = lines.next().await.unwrap().unwrap_err(); // line 2 is not UTF-8
    /// assert!(!error.is_fatal()); // a bad line is an item; the stream goes on
    /// # });
    /// ```
    pub fn is_fatal(&self) -> bool {
        self.inner.fatal
    }

    /// The error's message without its position (what follows `: ` in `Display`).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"ok\n\xff\n"[..]);
    /// lines.next().await;
    /// let error = lines.next().await.unwrap().unwrap_err(); // line 2 is not UTF-8
    /// assert_eq!(error.to_string(), "line 2, byte 3: invalid UTF-8");
    /// assert_eq!(error.message(), "invalid UTF-8");
    /// # });
    /// ```
    pub fn message(&self) -> String {
        self.inner.kind.to_string()
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.inner.line, self.inner.record) {
            (Some(line), _) => write!(
                f,
                "line {line}, byte {}: {}",
                self.inner.offset, self.inner.kind
            ),
            (None, Some(record)) => {
                write!(
                    f,
                    "record {record}, byte {}: {}",
                    self.inner.offset, self.inner.kind
                )
            }
            (None, None) => write!(f, "byte {}: {}", self.inner.offset, self.inner.kind),
        }
    }
}

impl fmt::Display for FrameErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { limit, len: None } => {
                write!(f, "longer than the limit of {limit} bytes")
            }
            Self::TooLong {
                limit,
                len: Some(len),
            } => write!(f, "{len} bytes, over the limit of {limit} bytes"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8"),
            Self::UnexpectedEof => f.write_str("unexpected end of input"),
            #[cfg(feature = "json")]
            // Valid JSON of the wrong shape is not "invalid JSON": say which it is.
            Self::Json(error) if error.is_data() => {
                write!(f, "JSON of the wrong shape: {}", json_message(error))
            }
            #[cfg(feature = "json")]
            Self::Json(error) => write!(f, "invalid JSON: {}", json_message(error)),
            #[cfg(feature = "json")]
            Self::JsonSyntax(message) => write!(f, "invalid JSON: {message}"),
            #[cfg(feature = "json")]
            Self::NoArray(pointer) => write!(f, "no JSON array at pointer {pointer:?}"),
            Self::InvalidInput(message) => f.write_str(message),
            Self::Io(error) => write!(f, "I/O error: {error}"),
            Self::IdleTimeout(after) => write!(f, "idle timeout: nothing received for {after:?}"),
            Self::ReadTimeout(after) => {
                write!(f, "read timeout: frame not complete within {after:?}")
            }
            Self::WriteTimeout(after) => {
                write!(f, "write timeout: the peer took nothing for {after:?}")
            }
        }
    }
}

/// `serde_json`'s message, with its "at line 1 column C" (relative to the frame, so
/// always line 1 for a line) turned into "at column C".
#[cfg(feature = "json")]
fn json_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match full.strip_suffix(&suffix) {
        Some(message) if error.line() == 1 => format!("{message} at column {}", error.column()),
        Some(_) | None => full,
    }
}

/// The message includes the text of the I/O or JSON error inside (where it is,
/// then what): `source()` goes on below it, so error reporters print each cause
/// once. The error itself is in [`FrameError::kind`].
impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            FrameErrorKind::Io(error) => error.source(),
            #[cfg(feature = "json")]
            FrameErrorKind::Json(error) => error.source(),
            _ => None,
        }
    }
}

/// An I/O error in a `?` chain, at offset 0 (use [`FrameError::new`] to say where).
///
/// ```
/// fn check() -> Result<(), aiter::chunks::FrameError> {
///     std::fs::metadata("/no/such/file")?;
///     Ok(())
/// }
/// assert!(check().unwrap_err().is_fatal());
/// ```
impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> Self {
        FrameError::new(FrameErrorKind::Io(error), 0)
    }
}

impl From<FrameError> for io::Error {
    /// Keeps an I/O error as it was; any other becomes `InvalidData` with the whole
    /// message, position included.
    fn from(error: FrameError) -> Self {
        let kind = match error.inner.kind {
            FrameErrorKind::Io(io) => return io,
            FrameErrorKind::UnexpectedEof => io::ErrorKind::UnexpectedEof,
            FrameErrorKind::IdleTimeout(_)
            | FrameErrorKind::ReadTimeout(_)
            | FrameErrorKind::WriteTimeout(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, error.to_string())
    }
}
