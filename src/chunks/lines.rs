//! Lines: [`lines`], [`LineDecoder`], and the splitter NDJSON shares.

use futures_lite::AsyncRead;
use memchr::memchr;

use super::{DEFAULT_MAX_FRAME_LEN, Decoded, Decoder, FrameError, FrameErrorKind, Frames, Input};

/// A stream of the UTF-8 lines of a reader: see [`lines`].
///
/// ```
/// // The type to name in a struct field or a return type.
/// fn config_lines(text: &[u8]) -> aiter::chunks::Lines<&[u8]> {
///     aiter::chunks::lines(text).max_len(1024)
/// }
/// # drop(config_lines(b"a = 1\n"));
/// ```
pub type Lines<R> = Frames<R, LineDecoder>;

/// The UTF-8 lines of `reader`, without their `\n` or `\r\n`; a last line with no
/// newline counts, a blank line is an empty string.
///
/// - A line longer than the limit ([`DEFAULT_MAX_FRAME_LEN`], 8 MiB; change it with
///   [`Lines::max_len`]) is skipped without being buffered whole, and reported as a
///   [`FrameErrorKind::TooLong`] item; the stream goes on with the next line.
/// - A line that is not UTF-8 is a [`FrameErrorKind::InvalidUtf8`] item; the stream
///   goes on.
/// - An I/O error ends the stream, after every complete line read before it.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let input: &[u8] = b"short\r\nthis one is too long\nlast";
/// let mut lines = aiter::chunks::lines(input).max_len(10);
/// assert_eq!(lines.next().await.unwrap()?, "short");
/// let error = lines.next().await.unwrap().unwrap_err();
/// assert_eq!(error.to_string(), "line 2, byte 7: longer than the limit of 10 bytes");
/// assert_eq!(lines.next().await.unwrap()?, "last");
/// assert!(lines.next().await.is_none());
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
pub fn lines<R: AsyncRead>(reader: R) -> Lines<R> {
    Frames::new(reader, LineDecoder::new())
}

impl<R> Lines<R> {
    /// Sets the longest line accepted, in bytes, without its newline (default
    /// [`DEFAULT_MAX_FRAME_LEN`]). Memory use is bounded by it, whatever the input.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"short\na line too long\nok\n"[..]).max_len(8);
    /// assert_eq!(lines.next().await.unwrap()?, "short");
    /// assert!(lines.next().await.unwrap().is_err()); // reported where it is...
    /// assert_eq!(lines.next().await.unwrap()?, "ok"); // ...and the stream goes on
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.decoder_mut().splitter.max_len = max_len;
        self
    }
}

/// Splits UTF-8 lines: the [`Decoder`] behind [`lines`].
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, Input, LineDecoder};
///
/// let mut lines = LineDecoder::new().max_len(80);
/// let Decoded::Frame { consumed, frame } = lines.decode(Input::new(b"hi\r\nrest", 0, false)) else {
///     panic!("a line")
/// };
/// assert_eq!((consumed, frame?), (4, "hi".to_owned()));
/// assert_eq!(lines.lines_read(), 1);
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineDecoder {
    splitter: LineSplitter,
}

impl LineDecoder {
    /// A line decoder with the default limit, [`DEFAULT_MAX_FRAME_LEN`].
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, LineDecoder};
    /// let Decoded::Frame { frame, .. } = LineDecoder::new().decode(Input::new(b"a\r\n", 0, true)) else { panic!() };
    /// assert_eq!(frame?, "a");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            splitter: LineSplitter::new(),
        }
    }

    /// Sets the longest line accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, LineDecoder};
    /// let Decoded::Frame { frame, .. } = LineDecoder::new().max_len(2).decode(Input::new(b"abc\n", 0, true)) else { panic!() };
    /// assert!(frame.is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.splitter.max_len = max_len;
        self
    }

    /// Lines finished so far, good or bad.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"a\nb\n"[..]);
    /// while lines.next().await.is_some() {}
    /// assert_eq!(lines.decoder().lines_read(), 2);
    /// # });
    /// ```
    pub fn lines_read(&self) -> u64 {
        self.splitter.line
    }
}

impl Default for LineDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for LineDecoder {
    type Item = String;

    fn decode(&mut self, input: Input<'_>) -> Decoded<String> {
        self.splitter.decode(input, |splitter, line| {
            Some(
                std::str::from_utf8(line)
                    .map(str::to_owned)
                    .map_err(|_| splitter.error(FrameErrorKind::InvalidUtf8, input.offset)),
            )
        })
    }

    fn max_frame_len(&self) -> Option<usize> {
        Some(self.splitter.buffered_limit())
    }

    fn line(&self) -> Option<u64> {
        Some(self.splitter.line + 1)
    }
}

/// What [`LineSplitter::split`] found at the front of its input.
pub(crate) enum Split {
    /// A line of `content` bytes (no newline) at the front; `consumed` includes it.
    Line { content: usize, consumed: usize },
    /// A line over the limit ended; its error is ready.
    TooLong { error: FrameError, consumed: usize },
    /// No line ended yet.
    NeedMore { consumed: usize },
}

/// Finds line ends, scanning each byte once, and skips lines over the limit
/// without keeping them.
#[derive(Debug, Clone)]
pub(crate) struct LineSplitter {
    pub(crate) max_len: usize,
    /// Lines finished so far.
    pub(crate) line: u64,
    /// Bytes at the front already searched for a newline.
    scanned: usize,
    /// The offset where the line being skipped (over the limit) began.
    skipping_from: Option<u64>,
}

impl LineSplitter {
    pub(crate) fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            line: 0,
            scanned: 0,
            skipping_from: None,
        }
    }

    /// Splits off the next line and makes a frame of it with `per_line` (`None`
    /// skips the line without a frame); lines over the limit become their error.
    /// The decoders built on lines share this.
    #[inline]
    pub(crate) fn decode<T>(
        &mut self,
        input: Input<'_>,
        per_line: impl FnOnce(&Self, &[u8]) -> Option<Result<T, FrameError>>,
    ) -> Decoded<T> {
        match self.split(input) {
            Split::Line { content, consumed } => match per_line(self, &input.bytes[..content]) {
                Some(frame) => Decoded::Frame { consumed, frame },
                None => Decoded::NeedMore { consumed },
            },
            Split::TooLong { error, consumed } => Decoded::Frame {
                consumed,
                frame: Err(error),
            },
            Split::NeedMore { consumed } => Decoded::NeedMore { consumed },
        }
    }

    /// The most a pending line holds before it is skipped: the limit, `\r\n`.
    pub(crate) fn buffered_limit(&self) -> usize {
        self.max_len.saturating_add(2)
    }

    /// An error for the line that just ended (so its number is `self.line`).
    pub(crate) fn error(&self, kind: FrameErrorKind, offset: u64) -> FrameError {
        FrameError::new(kind, offset).with_line(self.line)
    }

    #[inline]
    pub(crate) fn split(&mut self, input: Input<'_>) -> Split {
        let bytes = input.bytes;
        if let Some(start) = self.skipping_from {
            let end = match memchr(b'\n', bytes) {
                Some(newline) => newline + 1,
                None if input.eof => bytes.len(),
                None => {
                    return Split::NeedMore {
                        consumed: bytes.len(),
                    };
                }
            };
            self.skipping_from = None;
            self.line += 1;
            let error = self.too_long(start);
            return Split::TooLong {
                error,
                consumed: end,
            };
        }
        if self.scanned > bytes.len() {
            // Less input than was scanned before (the decoder moved to a new
            // stream): scan it from its start.
            self.scanned = 0;
        }
        match memchr(b'\n', &bytes[self.scanned..]) {
            Some(found) => {
                let newline = self.scanned + found;
                self.scanned = 0;
                self.line += 1;
                let content = if newline > 0 && bytes[newline - 1] == b'\r' {
                    newline - 1
                } else {
                    newline
                };
                if content > self.max_len {
                    let error = self.too_long(input.offset);
                    return Split::TooLong {
                        error,
                        consumed: newline + 1,
                    };
                }
                Split::Line {
                    content,
                    consumed: newline + 1,
                }
            }
            // Past the limit even if the last byte is the `\r` of a `\r\n`.
            None if bytes.len() > self.max_len.saturating_add(1) => {
                self.scanned = 0;
                self.skipping_from = Some(input.offset);
                Split::NeedMore {
                    consumed: bytes.len(),
                }
            }
            None if input.eof && !bytes.is_empty() => {
                self.scanned = 0;
                self.line += 1;
                if bytes.len() > self.max_len {
                    let error = self.too_long(input.offset);
                    return Split::TooLong {
                        error,
                        consumed: bytes.len(),
                    };
                }
                Split::Line {
                    content: bytes.len(),
                    consumed: bytes.len(),
                }
            }
            None => {
                self.scanned = bytes.len();
                Split::NeedMore { consumed: 0 }
            }
        }
    }

    fn too_long(&self, offset: u64) -> FrameError {
        self.error(
            FrameErrorKind::TooLong {
                limit: self.max_len,
                len: None,
            },
            offset,
        )
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl LineDecoder {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed lines_read")]
    pub fn lines_seen(&self) -> u64 {
        self.lines_read()
    }
}
