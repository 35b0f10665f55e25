//! JSON arrays: [`json_array`], the items of an array as they arrive. The
//! decoder's settings and state are here; its state machine, one method a state,
//! is in `machine.rs`.

mod machine;

use std::fmt;
use std::marker::PhantomData;

use futures_lite::AsyncRead;
use serde::de::DeserializeOwned;

use super::json_scan::ValueScan;
use super::{DEFAULT_MAX_FRAME_LEN, Decoded, FrameError, FrameErrorKind, Frames};

/// A stream of the items of a JSON array: see [`json_array()`].
///
/// ```
/// let items: aiter::chunks::JsonArray<&[u8], u32> = aiter::chunks::json_array(&b"[1, 2]"[..]);
/// # drop(items);
/// ```
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
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let body: &[u8] = br#"{"result": {"items": [1, 2]}}"#;
    /// let items: Vec<u32> = aiter::chunks::json_array::<u32, _>(body).at("/result/items").try_collect().await?;
    /// assert_eq!(items, [1, 2]);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn at(mut self, pointer: &str) -> Self {
        self.decoder_mut().set_pointer(pointer);
        self
    }

    /// Sets the largest item accepted, in bytes (default [`DEFAULT_MAX_FRAME_LEN`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut items = aiter::chunks::json_array::<String, _>(&br#"["a", "far too long", "b"]"#[..]).max_len(4);
    /// assert_eq!(items.next().await.unwrap()?, "a");
    /// assert!(items.next().await.unwrap().is_err()); // skipped unbuffered, reported
    /// assert_eq!(items.next().await.unwrap()?, "b");
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
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
    /// After the `]` of a top-level array: only whitespace may follow.
    Trailing,
}

/// Decodes the items of a JSON array: the [`Decoder`](crate::chunks::Decoder) behind [`json_array()`].
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
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, JsonArrayDecoder};
    /// let Decoded::Frame { frame, .. } = JsonArrayDecoder::<u8>::new().decode(Input::new(b"[5]", 0, true)) else { panic!() };
    /// assert_eq!(frame?, 5);
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
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
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, JsonArrayDecoder};
    /// let mut decoder = JsonArrayDecoder::<u8>::new().at("/a/0");
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(br#"{"a": [[9]]}"#, 0, true)) else { panic!() };
    /// assert_eq!(frame?, 9);
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    #[must_use]
    pub fn at(mut self, pointer: &str) -> Self {
        self.set_pointer(pointer);
        self
    }

    /// Sets the largest item accepted, in bytes.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, JsonArrayDecoder};
    /// let mut decoder = JsonArrayDecoder::<u32>::new().max_len(2);
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"[12345]", 0, true)) else { panic!() };
    /// assert!(frame.is_err());
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Items seen so far, good or bad.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut items = aiter::chunks::json_array::<u32, _>(&b"[1, \"x\", 3]"[..]);
    /// while items.next().await.is_some() {}
    /// assert_eq!(items.decoder().items_read(), 3); // good or bad
    /// # });
    /// ```
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
            .field("items_read", &self.items)
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

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> JsonArrayDecoder<T> {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed items_read")]
    pub fn items(&self) -> u64 {
        self.items_read()
    }
}
