//! NDJSON: [`ndjson`], one typed serde record a line.

use std::fmt;
use std::marker::PhantomData;

use futures_lite::AsyncRead;
use serde::de::DeserializeOwned;

use super::lines::LineSplitter;
use super::{Decoded, Decoder, FrameErrorKind, Frames, Input};

/// A stream of NDJSON records: see [`ndjson()`].
///
/// ```
/// let records: aiter::chunks::Ndjson<&[u8], serde_json::Value> = aiter::chunks::ndjson(&b"{}\n"[..]);
/// # drop(records);
/// ```
pub type Ndjson<R, T> = Frames<R, NdjsonDecoder<T>>;

/// The records of newline-delimited JSON (NDJSON, JSON Lines) in `reader`, each
/// line decoded into a `T` with serde.
///
/// - Blank lines (empty or only whitespace) are skipped: neither records nor errors.
/// - A line that is not valid JSON, or not a valid `T`, is a [`FrameErrorKind::Json`]
///   item naming its line and byte offset; the stream goes on with the next line.
/// - A line longer than the limit ([`DEFAULT_MAX_FRAME_LEN`](super::DEFAULT_MAX_FRAME_LEN), 8 MiB; see
///   [`Ndjson::max_len`]) is skipped unbuffered and reported; the stream goes on.
/// - An I/O error ends the stream, after every record read before it.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct Event { id: u32 }
///
/// let input: &[u8] = b"{\"id\": 1}\n\n{\"id\": oops}\n{\"id\": 3}\n";
/// let mut events = aiter::chunks::ndjson::<Event, _>(input);
/// assert_eq!(events.next().await.unwrap()?, Event { id: 1 });
/// let bad = events.next().await.unwrap().unwrap_err();
/// assert_eq!(bad.to_string(), "line 3, byte 11: invalid JSON: expected value at column 8");
/// assert_eq!(events.next().await.unwrap()?, Event { id: 3 });
/// assert!(events.next().await.is_none());
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
pub fn ndjson<T: DeserializeOwned, R: AsyncRead>(reader: R) -> Ndjson<R, T> {
    Frames::new(reader, NdjsonDecoder::new())
}

impl<R, T> Ndjson<R, T> {
    /// Sets the longest line accepted, in bytes, without its newline (default
    /// [`DEFAULT_MAX_FRAME_LEN`](super::DEFAULT_MAX_FRAME_LEN)).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let input: &[u8] = b"[1]\n[1,2,3,4,5,6,7,8]\n[2]\n";
    /// let mut records = aiter::chunks::ndjson::<Vec<u8>, _>(input).max_len(8);
    /// assert_eq!(records.next().await.unwrap()?, [1]);
    /// assert!(records.next().await.unwrap().is_err()); // too long; the stream goes on
    /// assert_eq!(records.next().await.unwrap()?, [2]);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.decoder_mut().splitter.max_len = max_len;
        self
    }
}

/// Decodes NDJSON lines into `T`: the [`Decoder`] behind [`ndjson()`].
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, Input, NdjsonDecoder};
///
/// let mut records = NdjsonDecoder::<Vec<u32>>::new().max_len(1024);
/// // A blank line is consumed without a frame; then a record.
/// assert!(matches!(records.decode(Input::new(b"\n[1,2]\n", 0, false)), Decoded::NeedMore { consumed: 1 }));
/// let Decoded::Frame { frame, .. } = records.decode(Input::new(b"[1,2]\n", 1, false)) else { panic!() };
/// assert_eq!(frame?, [1, 2]);
/// assert_eq!((records.lines_read(), records.records_read()), (2, 1));
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
pub struct NdjsonDecoder<T> {
    splitter: LineSplitter,
    records: u64,
    _records: PhantomData<fn() -> T>,
}

impl<T> NdjsonDecoder<T> {
    /// An NDJSON decoder with the default line limit, [`DEFAULT_MAX_FRAME_LEN`](super::DEFAULT_MAX_FRAME_LEN).
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, NdjsonDecoder};
    /// let mut decoder = NdjsonDecoder::<u32>::new();
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"7\n", 0, true)) else { panic!() };
    /// assert_eq!(frame?, 7);
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self {
            splitter: LineSplitter::new(),
            records: 0,
            _records: PhantomData,
        }
    }

    /// Sets the longest line accepted, in bytes, without its newline.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, NdjsonDecoder};
    /// let mut decoder = NdjsonDecoder::<u32>::new().max_len(2);
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"12345\n", 0, true)) else { panic!() };
    /// assert!(frame.is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.splitter.max_len = max_len;
        self
    }

    /// Lines finished so far (blank and bad ones included).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut records = aiter::chunks::ndjson::<u32, _>(&b"1\n\n2\n"[..]); // a blank line too
    /// while records.next().await.is_some() {}
    /// assert_eq!(records.decoder().lines_read(), 3);
    /// # });
    /// ```
    pub fn lines_read(&self) -> u64 {
        self.splitter.line
    }

    /// Records decoded so far (good ones only).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut records = aiter::chunks::ndjson::<u32, _>(&b"1\n\nx\n"[..]);
    /// while records.next().await.is_some() {}
    /// assert_eq!(records.decoder().records_read(), 1); // "1"; the bad "x" is not one
    /// # });
    /// ```
    pub fn records_read(&self) -> u64 {
        self.records
    }
}

impl<T> Default for NdjsonDecoder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for NdjsonDecoder<T> {
    fn clone(&self) -> Self {
        Self {
            splitter: self.splitter.clone(),
            records: self.records,
            _records: PhantomData,
        }
    }
}

impl<T> fmt::Debug for NdjsonDecoder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NdjsonDecoder")
            .field("max_len", &self.splitter.max_len)
            .field("lines_read", &self.splitter.line)
            .field("records_read", &self.records)
            .finish()
    }
}

impl<T: DeserializeOwned> Decoder for NdjsonDecoder<T> {
    type Item = T;

    #[inline]
    fn decode(&mut self, input: Input<'_>) -> Decoded<T> {
        let records = &mut self.records;
        self.splitter.decode(input, |splitter, line| {
            if line.iter().all(u8::is_ascii_whitespace) {
                return None; // a blank line: neither a record nor an error
            }
            Some(match parse(line) {
                Ok(record) => {
                    *records += 1;
                    Ok(record)
                }
                Err(error) => Err(splitter.error(FrameErrorKind::Json(error), input.offset)),
            })
        })
    }

    fn max_frame_len(&self) -> Option<usize> {
        Some(self.splitter.buffered_limit())
    }

    fn line(&self) -> Option<u64> {
        Some(self.splitter.line + 1)
    }
}

/// Parses one JSON value. Checking UTF-8 for the whole line first (fast, in bulk)
/// lets `serde_json` skip checking each string on its own, which is slower; invalid
/// UTF-8 goes to `from_slice` for `serde_json`'s own message and position.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> NdjsonDecoder<T> {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed lines_read")]
    pub fn lines_seen(&self) -> u64 {
        self.lines_read()
    }
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed records_read")]
    pub fn records(&self) -> u64 {
        self.records_read()
    }
}
