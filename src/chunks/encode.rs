//! Encoders: items into frames the decoders here read back. [`FrameWriter`](super::FrameWriter)
//! writes them to an `AsyncWrite`.

use super::length_delimited::{ByteOrder, Prefix};
use super::{DEFAULT_MAX_FRAME_LEN, FrameError, FrameErrorKind};

/// Writes items as frames into a byte buffer: the other half of a
/// [`Decoder`](super::Decoder). Testable on a `Vec<u8>` with no runtime.
///
/// ```
/// use aiter::chunks::{Encoder, LineEncoder};
///
/// let mut out = Vec::new();
/// LineEncoder::new().encode("hello", &mut out)?;
/// assert_eq!(out, b"hello\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
pub trait Encoder<Item> {
    /// Appends `item`'s frame to `dst`. On error `dst` is left as it was.
    ///
    /// # Errors
    ///
    /// When `item` can't be framed: too long, or holding a byte its framing can't
    /// carry (see each encoder).
    fn encode(&mut self, item: Item, dst: &mut Vec<u8>) -> Result<(), FrameError>;
}

/// Encodes lines for [`lines`](super::lines): each item then `\n`.
///
/// An item holding `\n`, or ending in `\r`, is refused
/// ([`FrameErrorKind::InvalidInput`]): it would not read back as the same line.
/// So is one longer than the limit ([`DEFAULT_MAX_FRAME_LEN`] by default).
///
/// ```
/// use aiter::chunks::{Encoder, LineEncoder};
///
/// let mut encoder = LineEncoder::new().max_len(16);
/// let mut out = Vec::new();
/// encoder.encode("fits", &mut out)?;
/// assert!(encoder.encode("two\nlines", &mut out).is_err());
/// assert!(encoder.encode("far too long for sixteen", &mut out).is_err());
/// assert_eq!(out, b"fits\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineEncoder {
    max_len: usize,
    frames: u64,
}

impl LineEncoder {
    /// A line encoder with the default limit.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LineEncoder};
    /// let mut out = Vec::new();
    /// LineEncoder::new().encode("hello", &mut out)?;
    /// assert_eq!(out, b"hello\n");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the longest line accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LineEncoder};
    /// let mut out = Vec::new();
    /// assert!(LineEncoder::new().max_len(4).encode("too long", &mut out).is_err());
    /// assert!(out.is_empty()); // nothing half written
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

impl Default for LineEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: AsRef<str>> Encoder<S> for LineEncoder {
    fn encode(&mut self, item: S, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let line = item.as_ref();
        let number = self.frames + 1;
        let refuse = |kind| Err(FrameError::new(kind, 0).with_line(number));
        if line.len() > self.max_len {
            return refuse(FrameErrorKind::TooLong {
                limit: self.max_len,
                len: Some(line.len() as u64),
            });
        }
        if line.contains('\n') || line.ends_with('\r') {
            return refuse(FrameErrorKind::InvalidInput(
                "a line can't hold `\\n` or end in `\\r`".to_owned(),
            ));
        }
        self.frames = number;
        dst.extend_from_slice(line.as_bytes());
        dst.push(b'\n');
        Ok(())
    }
}

/// Encodes NDJSON records for [`ndjson`](super::ndjson()): compact JSON then `\n`.
///
/// A record longer than the limit ([`DEFAULT_MAX_FRAME_LEN`] by default) is refused.
///
/// ```
/// use aiter::chunks::{Encoder, NdjsonEncoder};
///
/// let mut out = Vec::new();
/// NdjsonEncoder::new().encode(serde_json::json!({"id": 1, "note": "two\nlines"}), &mut out)?;
/// assert_eq!(out, b"{\"id\":1,\"note\":\"two\\nlines\"}\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[cfg(feature = "json")]
#[derive(Debug, Clone)]
pub struct NdjsonEncoder {
    max_len: usize,
    frames: u64,
}

#[cfg(feature = "json")]
impl NdjsonEncoder {
    /// An NDJSON encoder with the default limit, [`DEFAULT_MAX_FRAME_LEN`].
    ///
    /// ```
    /// use aiter::chunks::{Encoder, NdjsonEncoder};
    /// let mut out = Vec::new();
    /// NdjsonEncoder::new().encode(serde_json::json!({"id": 1}), &mut out)?;
    /// assert_eq!(out, b"{\"id\":1}\n");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the longest record accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, NdjsonEncoder};
    /// let mut out = Vec::new();
    /// assert!(NdjsonEncoder::new().max_len(4).encode(vec![1, 2, 3], &mut out).is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

#[cfg(feature = "json")]
impl Default for NdjsonEncoder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "json")]
impl<T: serde::Serialize> Encoder<T> for NdjsonEncoder {
    fn encode(&mut self, item: T, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let number = self.frames + 1;
        let start = dst.len();
        // Compact JSON escapes control characters in strings, so it never holds a
        // raw newline.
        let result = serde_json::to_writer(&mut *dst, &item)
            .map_err(FrameErrorKind::Json)
            .and_then(|()| {
                let len = dst.len() - start;
                if len > self.max_len {
                    Err(FrameErrorKind::TooLong {
                        limit: self.max_len,
                        len: Some(len as u64),
                    })
                } else {
                    Ok(())
                }
            });
        if let Err(kind) = result {
            dst.truncate(start);
            return Err(FrameError::new(kind, 0).with_line(number));
        }
        self.frames = number;
        dst.push(b'\n');
        Ok(())
    }
}

/// Encodes length-delimited frames for
/// [`length_delimited`](super::length_delimited()): a length prefix (`u32`
/// big-endian by default) then the bytes.
///
/// A frame longer than the limit, or than the prefix can hold, is refused.
///
/// ```
/// use aiter::chunks::{ByteOrder, Encoder, LengthDelimitedEncoder};
///
/// let mut out = Vec::new();
/// LengthDelimitedEncoder::new().encode(b"hi", &mut out)?;
/// assert_eq!(out, b"\0\0\0\x02hi");
/// let mut short = LengthDelimitedEncoder::new().prefix(1, ByteOrder::BigEndian);
/// assert!(short.encode(vec![0u8; 256], &mut out).is_err());
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthDelimitedEncoder {
    prefix: Prefix,
    max_len: usize,
    frames: u64,
}

impl LengthDelimitedEncoder {
    /// An encoder for `u32` big-endian prefixes and the default limit.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// LengthDelimitedEncoder::new().encode(b"hi", &mut out)?;
    /// assert_eq!(out, b"\x00\x00\x00\x02hi");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            prefix: Prefix::default(),
            max_len: DEFAULT_MAX_FRAME_LEN,
            frames: 0,
        }
    }

    /// Sets the largest frame accepted, in bytes, prefix not counted.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// assert!(LengthDelimitedEncoder::new().max_len(1).encode(b"hi", &mut out).is_err());
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
    /// use aiter::chunks::{ByteOrder, Encoder, LengthDelimitedEncoder};
    /// let mut out = Vec::new();
    /// LengthDelimitedEncoder::new().prefix(2, ByteOrder::LittleEndian).encode(b"hi", &mut out)?;
    /// assert_eq!(out, b"\x02\x00hi");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    #[must_use]
    pub fn prefix(mut self, width: usize, order: ByteOrder) -> Self {
        self.prefix = Prefix::new(width, order);
        self
    }
}

impl Default for LengthDelimitedEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: AsRef<[u8]>> Encoder<B> for LengthDelimitedEncoder {
    fn encode(&mut self, item: B, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let frame = item.as_ref();
        let number = self.frames + 1;
        let len = frame.len() as u64;
        if frame.len() > self.max_len || len > self.prefix.max_value() {
            let limit = self
                .max_len
                .min(usize::try_from(self.prefix.max_value()).unwrap_or(usize::MAX));
            let kind = FrameErrorKind::TooLong {
                limit,
                len: Some(len),
            };
            return Err(FrameError::new(kind, 0).with_record(number));
        }
        self.frames = number;
        self.prefix.write(len, dst);
        dst.extend_from_slice(frame);
        Ok(())
    }
}
