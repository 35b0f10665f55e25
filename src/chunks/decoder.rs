//! The [`Decoder`] trait: how the framing engine asks for frames.

use super::FrameError;

/// The bytes a [`Decoder`] is asked to decode: the front of the unconsumed input.
///
/// ```
/// use aiter::chunks::Input;
///
/// // Bytes 10.. of the input, more to come.
/// let input = Input::new(b"rest of it", 10, false);
/// assert_eq!((input.bytes.len(), input.offset, input.eof), (10, 10, false));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The bytes not yet consumed, in input order.
    pub bytes: &'a [u8],
    /// The 0-based offset of `bytes[0]` in the whole input, for error positions.
    pub offset: u64,
    /// True when no more bytes will come after `bytes`.
    pub eof: bool,
}

impl<'a> Input<'a> {
    /// Input of `bytes` starting at `offset`; `eof` says whether more will follow.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, LineDecoder};
    /// let mut lines = LineDecoder::new();
    /// // "one\ntw" at offset 0, more to come: one line, "tw" left for later.
    /// let Decoded::Frame { consumed, frame } = lines.decode(Input::new(b"one\ntw", 0, false)) else { panic!() };
    /// assert_eq!((consumed, frame?.as_str()), (4, "one"));
    /// assert!(matches!(lines.decode(Input::new(b"tw", 4, false)), Decoded::NeedMore { consumed: 0 }));
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new(bytes: &'a [u8], offset: u64, eof: bool) -> Self {
        Self { bytes, offset, eof }
    }
}

/// What a [`Decoder`] made of its [`Input`].
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, Input, LineDecoder};
///
/// let mut lines = LineDecoder::new();
/// match lines.decode(Input::new(b"one\ntw", 0, false)) {
///     Decoded::Frame { consumed, frame } => assert_eq!((consumed, frame.unwrap()), (4, "one".into())),
///     other => panic!("{other:?}"),
/// }
/// assert!(matches!(lines.decode(Input::new(b"tw", 4, false)), Decoded::NeedMore { consumed: 0 }));
/// ```
#[derive(Debug)]
pub enum Decoded<T> {
    /// The first `consumed` bytes ended a frame: here is its item, or its error
    /// (a non-fatal error: the stream goes on with the next frame).
    Frame {
        /// Bytes to drop from the front of the input.
        consumed: usize,
        /// The frame's item, or why this one frame is bad.
        frame: Result<T, FrameError>,
    },
    /// No frame is complete. The first `consumed` bytes are done with (separators,
    /// blank lines, the skipped part of a frame that is too long). Before EOF: call
    /// again with more input. At EOF: the input is finished and the stream ends.
    NeedMore {
        /// Bytes to drop from the front of the input.
        consumed: usize,
    },
    /// The input can't be decoded any further: the stream yields this error and ends.
    Fatal(FrameError),
    /// The decoder wants no more input (for example, its JSON array closed): the
    /// stream ends and stops reading.
    Finished,
}

/// Splits bytes into frames. Implement it to frame a protocol of your own.
///
/// The framing engine ([`Frames`](super::Frames)) owns the buffer and the I/O; a
/// decoder only looks at the unconsumed bytes and says how many it has used. That
/// keeps decoders plain code, testable on byte slices with no runtime:
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, FrameError, Input};
///
/// /// Frames of exactly three bytes.
/// struct Triples;
///
/// impl Decoder for Triples {
///     type Item = [u8; 3];
///
///     fn decode(&mut self, input: Input<'_>) -> Decoded<[u8; 3]> {
///         match input.bytes {
///             [a, b, c, ..] => Decoded::Frame { consumed: 3, frame: Ok([*a, *b, *c]) },
///             _ => Decoded::NeedMore { consumed: 0 },
///         }
///     }
/// }
///
/// let mut triples = Triples;
/// assert!(matches!(triples.decode(Input::new(b"ab", 0, false)), Decoded::NeedMore { consumed: 0 }));
/// assert!(matches!(
///     triples.decode(Input::new(b"abcd", 0, false)),
///     Decoded::Frame { consumed: 3, frame: Ok(f) } if &f == b"abc"
/// ));
/// ```
///
/// # Contract
///
/// - Consume only what you have finished with. Bytes not consumed are offered
///   again, after more input, at the same offset.
/// - Bound your memory: return `NeedMore { consumed: 0 }` only while the pending
///   frame is within your limit; past it, consume (skip) its bytes and report
///   [`FrameErrorKind::TooLong`](super::FrameErrorKind::TooLong).
/// - At EOF, bytes left unconsumed after `NeedMore` are reported by the engine as
///   [`FrameErrorKind::UnexpectedEof`](super::FrameErrorKind::UnexpectedEof).
/// - Give the same frames and errors whatever the sizes of the reads: state kept
///   between calls must depend only on bytes consumed or on how far you scanned.
pub trait Decoder {
    /// What a frame decodes to.
    type Item;

    /// Decodes the next frame from the front of `input`.
    fn decode(&mut self, input: Input<'_>) -> Decoded<Self::Item>;

    /// The longest frame this decoder keeps in the buffer, prefix or newline
    /// included, if it has a limit: the engine never grows its buffer much past it.
    /// `None` (the default) lets the buffer grow as the decoder asks.
    fn max_frame_len(&self) -> Option<usize> {
        None
    }

    /// The 1-based line number of the frame in progress, for errors the engine
    /// reports itself (I/O errors, EOF). `None` when the decoder counts no lines.
    fn line(&self) -> Option<u64> {
        None
    }

    /// The 1-based record number of the frame in progress, as for [`Decoder::line`].
    fn record(&self) -> Option<u64> {
        None
    }
}
