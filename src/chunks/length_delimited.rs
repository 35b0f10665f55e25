//! Length-delimited frames: [`length_delimited`], a length prefix then the bytes.

use bytes::Bytes;
use futures_lite::AsyncRead;

use super::{DEFAULT_MAX_FRAME_LEN, Decoded, Decoder, FrameError, FrameErrorKind, Frames, Input};

/// A stream of length-delimited frames: see [`length_delimited()`].
///
/// ```
/// let frames: aiter::chunks::LengthDelimited<&[u8]> = aiter::chunks::length_delimited(&b""[..]);
/// # drop(frames);
/// ```
pub type LengthDelimited<R> = Frames<R, LengthDelimitedDecoder>;

/// The frames of `reader`, each a length prefix (by default a `u32`, big-endian,
/// counting the bytes after it) followed by that many bytes.
///
/// - A prefix over the limit ([`DEFAULT_MAX_FRAME_LEN`], 8 MiB; see
///   [`LengthDelimited::max_len`]) is rejected before anything is allocated: a
///   [`FrameErrorKind::TooLong`] item with the announced length, after which the
///   frame's bytes are skipped as they arrive and the stream goes on.
/// - EOF inside a prefix or a frame is a [`FrameErrorKind::UnexpectedEof`] error
///   that ends the stream; EOF between frames ends it cleanly.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let input: &[u8] = b"\x00\x00\x00\x02hi\x00\x00\x00\x05there";
/// let frames: Vec<_> = aiter::chunks::length_delimited(input).try_collect().await?;
/// assert_eq!(frames, ["hi", "there"]);
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
pub fn length_delimited<R: AsyncRead>(reader: R) -> LengthDelimited<R> {
    Frames::new(reader, LengthDelimitedDecoder::new())
}

impl<R> LengthDelimited<R> {
    /// Sets the largest frame accepted, in bytes, prefix not counted (default
    /// [`DEFAULT_MAX_FRAME_LEN`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let input: &[u8] = b"\x00\x00\x00\x05hello\x00\x00\x00\x02ok";
    /// let mut frames = aiter::chunks::length_delimited(input).max_len(2);
    /// assert!(frames.next().await.unwrap().is_err()); // 5 > 2: skipped unbuffered
    /// assert_eq!(frames.next().await.unwrap()?, &b"ok"[..]);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.decoder_mut().max_len = max_len;
        self
    }

    /// Sets the prefix: `width` bytes (1, 2, 4 or 8), in `order`.
    ///
    /// # Panics
    ///
    /// If `width` is not 1, 2, 4 or 8.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::chunks::ByteOrder;
    /// use futures_lite::StreamExt;
    /// let mut frames = aiter::chunks::length_delimited(&b"\x00\x02hi"[..]).prefix(2, ByteOrder::BigEndian);
    /// assert_eq!(frames.next().await.unwrap()?, &b"hi"[..]);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn prefix(mut self, width: usize, order: ByteOrder) -> Self {
        self.decoder_mut().prefix = Prefix::new(width, order);
        self
    }
}

/// The byte order of a length prefix.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::chunks::ByteOrder;
/// use futures_lite::StreamExt;
///
/// let input: &[u8] = b"\x02\x00hi";
/// let mut frames = aiter::chunks::length_delimited(input).prefix(2, ByteOrder::LittleEndian);
/// assert_eq!(frames.next().await.unwrap()?, "hi");
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ByteOrder {
    /// Most significant byte first (network order); the default.
    #[default]
    BigEndian,
    /// Least significant byte first.
    LittleEndian,
}

/// A length prefix's shape, shared by the decoder and the encoder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prefix {
    pub(crate) width: usize,
    pub(crate) order: ByteOrder,
}

impl Prefix {
    pub(crate) fn new(width: usize, order: ByteOrder) -> Self {
        assert!(
            matches!(width, 1 | 2 | 4 | 8),
            "aiter: a length prefix is 1, 2, 4 or 8 bytes wide, not {width}"
        );
        Self { width, order }
    }

    /// The largest length the prefix can hold.
    pub(crate) fn max_value(self) -> u64 {
        if self.width == 8 {
            u64::MAX
        } else {
            (1 << (8 * self.width)) - 1
        }
    }

    fn read(self, bytes: &[u8]) -> u64 {
        let mut full = [0u8; 8];
        match self.order {
            ByteOrder::BigEndian => {
                full[8 - self.width..].copy_from_slice(&bytes[..self.width]);
                u64::from_be_bytes(full)
            }
            ByteOrder::LittleEndian => {
                full[..self.width].copy_from_slice(&bytes[..self.width]);
                u64::from_le_bytes(full)
            }
        }
    }

    pub(crate) fn write(self, len: u64, dst: &mut Vec<u8>) {
        match self.order {
            ByteOrder::BigEndian => dst.extend_from_slice(&len.to_be_bytes()[8 - self.width..]),
            ByteOrder::LittleEndian => dst.extend_from_slice(&len.to_le_bytes()[..self.width]),
        }
    }
}

impl Default for Prefix {
    fn default() -> Self {
        Self::new(4, ByteOrder::BigEndian)
    }
}

/// Decodes length-delimited frames: the [`Decoder`] behind [`length_delimited()`].
///
/// ```
/// use aiter::chunks::{ByteOrder, Decoded, Decoder, Input, LengthDelimitedDecoder};
///
/// let mut frames = LengthDelimitedDecoder::new().prefix(1, ByteOrder::BigEndian).max_len(16);
/// let Decoded::Frame { consumed, frame } = frames.decode(Input::new(b"\x03abc", 0, true)) else {
///     panic!("a frame")
/// };
/// assert_eq!((consumed, &frame?[..]), (4, &b"abc"[..]));
/// assert_eq!(frames.frames_read(), 1);
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthDelimitedDecoder {
    prefix: Prefix,
    max_len: usize,
    records: u64,
    /// Bytes still to skip of a frame over the limit, and where it began.
    skipping: Option<(u64, u64)>,
}

impl LengthDelimitedDecoder {
    /// A decoder for `u32` big-endian prefixes and the default limit,
    /// [`DEFAULT_MAX_FRAME_LEN`].
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, LengthDelimitedDecoder};
    /// let Decoded::Frame { frame, .. } = LengthDelimitedDecoder::new().decode(Input::new(b"\0\0\0\x01!", 0, true)) else { panic!() };
    /// assert_eq!(frame?, &b"!"[..]);
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            prefix: Prefix::default(),
            max_len: DEFAULT_MAX_FRAME_LEN,
            records: 0,
            skipping: None,
        }
    }

    /// Sets the largest frame accepted, in bytes, prefix not counted.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, LengthDelimitedDecoder};
    /// let mut decoder = LengthDelimitedDecoder::new().max_len(0);
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"\0\0\0\x01!", 0, true)) else { panic!() };
    /// assert!(frame.is_err());
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
    /// use aiter::chunks::{ByteOrder, Decoded, Decoder, Input, LengthDelimitedDecoder};
    /// let mut decoder = LengthDelimitedDecoder::new().prefix(1, ByteOrder::BigEndian);
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"\x02hi", 0, true)) else { panic!() };
    /// assert_eq!(frame?, &b"hi"[..]);
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    #[must_use]
    pub fn prefix(mut self, width: usize, order: ByteOrder) -> Self {
        self.prefix = Prefix::new(width, order);
        self
    }

    /// Frames seen so far, good or too long.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut frames = aiter::chunks::length_delimited(&b"\0\0\0\x01a\0\0\0\x01b"[..]);
    /// while frames.next().await.is_some() {}
    /// assert_eq!(frames.decoder().frames_read(), 2);
    /// # });
    /// ```
    pub fn frames_read(&self) -> u64 {
        self.records
    }
}

impl Default for LengthDelimitedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for LengthDelimitedDecoder {
    type Item = Bytes;

    fn decode(&mut self, input: Input<'_>) -> Decoded<Bytes> {
        let bytes = input.bytes;
        if let Some((left, start)) = self.skipping {
            // `left` is at most a u64 and `take` fits the slice, so no truncation.
            let take = usize::try_from(left).map_or(bytes.len(), |left| left.min(bytes.len()));
            let left = left - take as u64;
            if left == 0 {
                self.skipping = None;
            } else if input.eof && take == bytes.len() {
                let error = FrameError::new(FrameErrorKind::UnexpectedEof, start);
                return Decoded::Fatal(error.with_record(self.records));
            } else {
                self.skipping = Some((left, start));
            }
            return Decoded::NeedMore { consumed: take };
        }
        let width = self.prefix.width;
        if bytes.len() < width {
            return Decoded::NeedMore { consumed: 0 };
        }
        let len = self.prefix.read(bytes);
        match usize::try_from(len) {
            Ok(len) if len <= self.max_len => {
                if bytes.len() - width < len {
                    return Decoded::NeedMore { consumed: 0 };
                }
                self.records += 1;
                let frame = Bytes::copy_from_slice(&bytes[width..width + len]);
                Decoded::Frame {
                    consumed: width + len,
                    frame: Ok(frame),
                }
            }
            _ => {
                self.records += 1;
                if len > 0 {
                    self.skipping = Some((len, input.offset));
                }
                let kind = FrameErrorKind::TooLong {
                    limit: self.max_len,
                    len: Some(len),
                };
                Decoded::Frame {
                    consumed: width,
                    frame: Err(FrameError::new(kind, input.offset).with_record(self.records)),
                }
            }
        }
    }

    fn max_frame_len(&self) -> Option<usize> {
        Some(self.max_len.saturating_add(self.prefix.width))
    }

    fn record(&self) -> Option<u64> {
        Some(self.records + 1)
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl LengthDelimitedDecoder {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed frames_read")]
    pub fn records(&self) -> u64 {
        self.frames_read()
    }
}
