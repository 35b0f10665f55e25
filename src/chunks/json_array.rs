//! JSON arrays: [`json_array`], the items of an array as they arrive.

use std::fmt;
use std::marker::PhantomData;

use futures_lite::AsyncRead;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::json_scan::ValueScan;
use super::{DEFAULT_MAX_FRAME_LEN, Decoded, Decoder, FrameError, FrameErrorKind, Frames, Input};

/// A stream of the items of a JSON array: see [`json_array()`].
pub type JsonArray<R, T> = Frames<R, JsonArrayDecoder<T>>;

/// The items of the top-level JSON array in `reader`, each decoded into a `T` as
/// soon as its last byte arrives; or, with [`JsonArray::at`], of the array at a
/// JSON pointer inside the document (`/data` in `{"data": [...], "next": ...}`).
///
/// - Incremental: memory holds one item at a time, never the array; each item's
///   bytes are scanned once and parsed once, however the reads split them.
/// - An item that is valid JSON but not a valid `T` is a [`FrameErrorKind::Json`]
///   item; the stream goes on. A syntax error ends the stream (the next item's
///   start can't be trusted), after every item before it.
/// - An item longer than the limit ([`DEFAULT_MAX_FRAME_LEN`], 8 MiB; see
///   [`JsonArray::max_len`]) is skipped unbuffered and reported; the stream goes on.
/// - Object keys on the way to the array are held only while they could still
///   equal the pointer's token (at most 6 bytes a character, as escaped, plus the
///   quotes); a longer key is skipped unbuffered, so the path needs no limit of its
///   own and `max_len` limits items only.
/// - The stream ends at the array's closing `]`; what follows is not read. Values
///   on the way to the array are skipped, checked only for matching brackets.
/// - Errors give the byte offset and the 1-based record (item) number.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let body: &[u8] = br#"{"total": 2, "data": [{"id": 1}, {"id": 2}], "next": null}"#;
/// let ids: Vec<serde_json::Value> = aiter::chunks::json_array(body).at("/data").try_collect().await?;
/// assert_eq!(ids, [serde_json::json!({"id": 1}), serde_json::json!({"id": 2})]);
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
pub fn json_array<T: DeserializeOwned, R: AsyncRead>(reader: R) -> JsonArray<R, T> {
    Frames::new(reader, JsonArrayDecoder::new())
}

impl<R, T> JsonArray<R, T> {
    /// Reads the array at this JSON pointer (RFC 6901: `/data`, `/result/items`,
    /// `/pages/0`); `""` is the whole document. A missing leading `/` is forgiven.
    pub fn at(mut self, pointer: &str) -> Self {
        self.decoder_mut().set_pointer(pointer);
        self
    }

    /// Sets the largest item accepted, in bytes (default [`DEFAULT_MAX_FRAME_LEN`]).
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.decoder_mut().max_len = max_len;
        self
    }
}

/// Where the decoder is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value at pointer depth `level` comes next.
    Value,
    /// In an object on the path: a key (or, if `first`, `}`) comes next.
    Key { first: bool },
    /// After a key: `:` then its value, wanted or not.
    Colon { wanted: bool },
    /// In an array on the path: element `index` (or, if the first, `]`) comes next.
    Element { index: usize },
    /// Skipping a value off the path; then a comma in an object or array.
    Skip { in_object: bool, index: usize },
    /// After a value off the path: `,` or the container's end.
    Comma { in_object: bool, index: usize },
    /// In the target array: an item (or, if `first`, `]`) comes next.
    ItemStart { first: bool },
    /// Reading an item (buffered up to the limit).
    Item,
    /// Skipping an item over the limit that began at this offset.
    SkipItem { start: u64 },
    /// Skipping an object key too long to be the pointer's token, unbuffered.
    SkipKey,
    /// After an item: `,` or `]`.
    ItemEnd,
}

/// Decodes the items of a JSON array: the [`Decoder`] behind [`json_array()`].
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, Input, JsonArrayDecoder};
///
/// let mut items = JsonArrayDecoder::<u32>::new().at("/ids").max_len(64);
/// let Decoded::Frame { frame, .. } = items.decode(Input::new(br#"{"ids": [7, 8]}"#, 0, true)) else {
///     panic!("an item")
/// };
/// assert_eq!(frame?, 7);
/// assert_eq!(items.items_read(), 1);
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
pub struct JsonArrayDecoder<T> {
    pointer: Vec<String>,
    pointer_text: String,
    max_len: usize,
    level: usize,
    state: State,
    scan: ValueScan,
    /// Bytes of the pending key or item already scanned.
    scanned: usize,
    items: u64,
    _items: PhantomData<fn() -> T>,
}

impl<T> JsonArrayDecoder<T> {
    /// A decoder of the top-level array, with the default limit.
    pub fn new() -> Self {
        Self {
            pointer: Vec::new(),
            pointer_text: String::new(),
            max_len: DEFAULT_MAX_FRAME_LEN,
            level: 0,
            state: State::Value,
            scan: ValueScan::new(),
            scanned: 0,
            items: 0,
            _items: PhantomData,
        }
    }

    /// Reads the array at this JSON pointer instead (RFC 6901; `""` is the whole
    /// document).
    #[must_use]
    pub fn at(mut self, pointer: &str) -> Self {
        self.set_pointer(pointer);
        self
    }

    /// Sets the largest item accepted, in bytes.
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Items seen so far, good or bad.
    pub fn items_read(&self) -> u64 {
        self.items
    }

    fn set_pointer(&mut self, pointer: &str) {
        pointer.clone_into(&mut self.pointer_text);
        self.pointer = pointer_tokens(pointer);
    }

    /// The 1-based number of the item an error belongs to: the one being read
    /// (or skipped), else the next one.
    fn current_record(&self) -> u64 {
        match self.state {
            State::Item | State::SkipItem { .. } => self.items,
            _ => self.items + 1,
        }
    }

    fn fatal(&self, kind: FrameErrorKind, offset: u64) -> Decoded<T> {
        Decoded::Fatal(FrameError::new(kind, offset).with_record(self.current_record()))
    }

    fn syntax(&self, message: &str, offset: u64) -> Decoded<T> {
        self.fatal(FrameErrorKind::JsonSyntax(message.to_owned()), offset)
    }

    fn no_array(&self, offset: u64) -> Decoded<T> {
        self.fatal(FrameErrorKind::NoArray(self.pointer_text.clone()), offset)
    }
}

impl<T> Default for JsonArrayDecoder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for JsonArrayDecoder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonArrayDecoder")
            .field("pointer", &self.pointer_text)
            .field("max_len", &self.max_len)
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

/// A JSON pointer's tokens (RFC 6901): `/`-separated, with `~1` for `/` and `~0`
/// for `~`; `""` is the whole document, and a missing leading `/` is forgiven.
pub(crate) fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .filter(|_| !pointer.is_empty())
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<T: DeserializeOwned> Decoder for JsonArrayDecoder<T> {
    type Item = T;

    #[allow(clippy::too_many_lines)] // one state machine, easier to follow whole
    fn decode(&mut self, input: Input<'_>) -> Decoded<T> {
        let bytes = input.bytes;
        let mut pos = 0;
        loop {
            let at = input.offset + pos as u64;
            // States that read a whole key or value handle their own input; the
            // rest look at one significant byte.
            match self.state {
                State::Skip { .. } | State::SkipItem { .. } | State::SkipKey
                    if pos == bytes.len() =>
                {
                    if input.eof {
                        return self.fatal(FrameErrorKind::UnexpectedEof, at);
                    }
                    return Decoded::NeedMore { consumed: pos };
                }
                State::Skip { .. } if !self.scan.is_started() && is_whitespace(bytes[pos]) => {
                    pos += 1;
                    continue;
                }
                State::Skip { in_object, index } => {
                    match self.scan.scan(&bytes[pos..], 0) {
                        Ok(Some(end)) => {
                            pos += end;
                            self.scan = ValueScan::new();
                            self.state = State::Comma { in_object, index };
                        }
                        Ok(None) => pos = bytes.len(),
                        Err(error) => return self.syntax(error.message, at + error.at as u64),
                    }
                    continue;
                }
                State::SkipItem { start } => {
                    match self.scan.scan(&bytes[pos..], 0) {
                        Ok(Some(end)) => {
                            pos += end;
                            self.scan = ValueScan::new();
                            self.state = State::ItemEnd;
                            let kind = FrameErrorKind::TooLong {
                                limit: self.max_len,
                                len: None,
                            };
                            let error = FrameError::new(kind, start).with_record(self.items);
                            return Decoded::Frame {
                                consumed: pos,
                                frame: Err(error),
                            };
                        }
                        Ok(None) => pos = bytes.len(),
                        Err(error) => return self.syntax(error.message, at + error.at as u64),
                    }
                    continue;
                }
                State::Item => {
                    let value = &bytes[pos..];
                    match self.scan.scan(value, self.scanned) {
                        Ok(Some(end)) => {
                            self.scan = ValueScan::new();
                            self.scanned = 0;
                            self.state = State::ItemEnd;
                            if end > self.max_len {
                                // Over the limit though complete: the same error as
                                // when its bytes arrive in smaller reads.
                                let kind = FrameErrorKind::TooLong {
                                    limit: self.max_len,
                                    len: None,
                                };
                                let error = FrameError::new(kind, at).with_record(self.items);
                                return Decoded::Frame {
                                    consumed: pos + end,
                                    frame: Err(error),
                                };
                            }
                            let frame = match super::ndjson::parse(&value[..end]) {
                                Ok(item) => Ok(item),
                                Err(error) => {
                                    let fatal = error.classify() != Category::Data;
                                    let error = FrameError::new(FrameErrorKind::Json(error), at)
                                        .with_record(self.items);
                                    if fatal {
                                        return Decoded::Fatal(error);
                                    }
                                    Err(error)
                                }
                            };
                            return Decoded::Frame {
                                consumed: pos + end,
                                frame,
                            };
                        }
                        Ok(None) if value.len() > self.max_len => {
                            self.scanned = 0;
                            self.state = State::SkipItem { start: at };
                            pos = bytes.len();
                            continue;
                        }
                        Ok(None) => {
                            self.scanned = value.len();
                            if input.eof {
                                return self.fatal(FrameErrorKind::UnexpectedEof, at);
                            }
                            return Decoded::NeedMore { consumed: pos };
                        }
                        Err(error) => return self.syntax(error.message, at + error.at as u64),
                    }
                }
                State::SkipKey => {
                    match self.scan.scan(&bytes[pos..], 0) {
                        Ok(Some(end)) => {
                            pos += end;
                            self.scan = ValueScan::new();
                            self.state = State::Colon { wanted: false };
                        }
                        Ok(None) => pos = bytes.len(),
                        Err(error) => return self.syntax(error.message, at + error.at as u64),
                    }
                    continue;
                }
                State::Key { .. } if self.scanned > 0 || bytes.get(pos) == Some(&b'"') => {
                    // A key on the path: buffered only while it could still be the
                    // pointer's token (each character at most 6 bytes escaped, plus
                    // quotes); a longer one can't match and is skipped unbuffered.
                    // `max_len` limits items, not keys.
                    let key = &bytes[pos..];
                    let bound = self.pointer[self.level]
                        .len()
                        .saturating_mul(6)
                        .saturating_add(2);
                    match self.scan.scan(key, self.scanned) {
                        Ok(Some(end)) if end > bound => {
                            pos += end;
                            self.scan = ValueScan::new();
                            self.scanned = 0;
                            self.state = State::Colon { wanted: false };
                            continue;
                        }
                        Ok(Some(end)) => {
                            self.scan = ValueScan::new();
                            self.scanned = 0;
                            let wanted = serde_json::from_slice::<String>(&key[..end])
                                .is_ok_and(|key| key == self.pointer[self.level]);
                            pos += end;
                            self.state = State::Colon { wanted };
                            continue;
                        }
                        Ok(None) if key.len() > bound => {
                            self.scanned = 0;
                            self.state = State::SkipKey;
                            pos = bytes.len();
                            continue;
                        }
                        Ok(None) => {
                            self.scanned = key.len();
                            if input.eof {
                                return self.fatal(FrameErrorKind::UnexpectedEof, at);
                            }
                            return Decoded::NeedMore { consumed: pos };
                        }
                        Err(error) => return self.syntax(error.message, at + error.at as u64),
                    }
                }
                _ => {}
            }
            // One significant byte.
            while pos < bytes.len() && is_whitespace(bytes[pos]) {
                pos += 1;
            }
            let at = input.offset + pos as u64;
            let Some(&b) = bytes.get(pos) else {
                if input.eof {
                    return self.fatal(FrameErrorKind::UnexpectedEof, at);
                }
                return Decoded::NeedMore { consumed: pos };
            };
            match (self.state, b) {
                (State::Value, b'[') if self.level == self.pointer.len() => {
                    pos += 1;
                    self.state = State::ItemStart { first: true };
                }
                (State::Value, _) if self.level == self.pointer.len() => return self.no_array(at),
                (State::Value, b'{') => {
                    pos += 1;
                    self.state = State::Key { first: true };
                }
                (State::Value, b'[') => {
                    pos += 1;
                    self.state = State::Element { index: 0 };
                }
                // The pointer leads to something else, or to a container without it.
                (State::Value, _)
                | (
                    State::Key { first: true }
                    | State::Comma {
                        in_object: true, ..
                    },
                    b'}',
                )
                | (
                    State::Element { index: 0 }
                    | State::Comma {
                        in_object: false, ..
                    },
                    b']',
                ) => {
                    return self.no_array(at);
                }
                (State::Key { .. }, b'"') => {} // read as a key next time round
                (State::Key { .. }, _) => return self.syntax("expected an object key", at),
                (State::Colon { wanted }, b':') => {
                    pos += 1;
                    if wanted {
                        self.level += 1;
                        self.state = State::Value;
                    } else {
                        self.state = State::Skip {
                            in_object: true,
                            index: 0,
                        };
                    }
                }
                (State::Colon { .. }, _) => return self.syntax("expected `:`", at),
                (State::Element { index }, _) => {
                    if self.pointer[self.level].parse() == Ok(index) {
                        self.level += 1;
                        self.state = State::Value;
                    } else {
                        self.state = State::Skip {
                            in_object: false,
                            index,
                        };
                    }
                }
                (State::Comma { in_object, index }, b',') => {
                    pos += 1;
                    self.state = if in_object {
                        State::Key { first: false }
                    } else {
                        State::Element { index: index + 1 }
                    };
                }
                (State::Comma { .. }, _) => {
                    return self.syntax("expected `,` or the container's end", at);
                }
                (State::ItemStart { first: true } | State::ItemEnd, b']') => {
                    return Decoded::Finished;
                }
                (State::ItemStart { .. }, _) => {
                    self.items += 1;
                    self.state = State::Item;
                }
                (State::ItemEnd, b',') => {
                    pos += 1;
                    self.state = State::ItemStart { first: false };
                }
                (State::ItemEnd, _) => return self.syntax("expected `,` or `]` after an item", at),
                (State::Skip { .. } | State::SkipItem { .. } | State::SkipKey | State::Item, _) => {
                    unreachable!("handled above")
                }
            }
        }
    }

    fn max_frame_len(&self) -> Option<usize> {
        Some(self.max_len)
    }

    fn record(&self) -> Option<u64> {
        Some(self.current_record())
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> JsonArrayDecoder<T> {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed items_read")]
    pub fn items(&self) -> u64 {
        self.items_read()
    }
}
