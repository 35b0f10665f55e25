//! Server-Sent Events (`text/event-stream`): [`sse`] and [`SseDecoder`], after the
//! WHATWG HTML "event stream interpretation". The event type both sides share,
//! [`SseEvent`], is in `sse_event.rs`; the encoder for servers in `sse_encoder.rs`.

use futures_lite::AsyncRead;
use memchr::memchr2;

use super::{
    DEFAULT_MAX_FRAME_LEN, Decoded, Decoder, FrameError, FrameErrorKind, Frames, Input, SseEvent,
};

/// A stream of the events of an event stream: see [`sse`].
///
/// ```
/// let events: aiter::chunks::Sse<&[u8]> = aiter::chunks::sse(&b"data: hi\n\n"[..]);
/// # drop(events);
/// ```
pub type Sse<R> = Frames<R, SseDecoder>;

/// The events of a `text/event-stream` body, as a browser's `EventSource`
/// interprets them (WHATWG HTML, "event stream interpretation"):
///
/// - UTF-8 (invalid bytes become U+FFFD), a leading BOM dropped once; lines end in
///   CRLF, LF or CR, also when a CR ends one read and its LF starts the next;
/// - lines starting with `:` are comments; a line without a colon is a field with
///   an empty value; one space after the colon is dropped;
/// - `data` lines are joined with `\n`; `event` sets the type (`message` by
///   default); `id` sets the last event ID unless it holds a NUL; `retry` sets the
///   reconnection time ([`SseDecoder::retry`]) when it is all ASCII digits;
///   other fields are ignored;
/// - an event is dispatched at a blank line, unless it has no `data` line;
/// - an event not ended by a blank line when the input ends is discarded.
///
/// An event longer than the limit ([`DEFAULT_MAX_FRAME_LEN`], 8 MiB, all its
/// lines together; [`Sse::max_len`]) is skipped without being buffered and
/// reported as a [`FrameErrorKind::TooLong`] item with the byte offset and line
/// of its first line; the stream goes on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let body: &[u8] = b": a comment\nevent: update\ndata: line 1\ndata: line 2\nid: 7\n\ndata: next\n\n";
/// let mut events = aiter::chunks::sse(body);
/// let first = events.next().await.unwrap()?;
/// assert_eq!((first.event.as_str(), first.data.as_str(), first.id.as_str()), ("update", "line 1\nline 2", "7"));
/// let second = events.next().await.unwrap()?;
/// assert_eq!((second.event.as_str(), second.id.as_str()), ("message", "7")); // the ID carries over
/// assert!(events.next().await.is_none());
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
pub fn sse<R: AsyncRead>(reader: R) -> Sse<R> {
    Frames::new(reader, SseDecoder::new())
}

impl<R> Sse<R> {
    /// Sets the longest event accepted, in bytes, all its lines together (default
    /// [`DEFAULT_MAX_FRAME_LEN`]). Memory use is bounded by it, whatever the input:
    /// it bounds both the bytes received and the text kept once invalid UTF-8 has
    /// become U+FFFD (three bytes for each invalid byte).
    ///
    /// ```
    /// let events = aiter::chunks::sse(&b""[..]).max_len(64 * 1024);
    /// # drop(events);
    /// ```
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.decoder_mut().max_len = max_len;
        self
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes an event stream: the [`Decoder`] behind [`sse`].
///
/// ```
/// use aiter::chunks::{Decoded, Decoder, Input, SseDecoder};
///
/// let mut decoder = SseDecoder::new();
/// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"retry: 1500\ndata: hi\r\n\r\n", 0, false)) else {
///     panic!("an event")
/// };
/// assert_eq!(frame?.data, "hi");
/// assert_eq!(decoder.retry(), Some(1500));
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // four independent parser flags, each with its own meaning
pub struct SseDecoder {
    max_len: usize,
    bom_checked: bool,
    /// The last byte taken was a CR: an LF right after it is part of that line end.
    after_cr: bool,
    /// Bytes of a partial line already searched for a line end.
    scanned: usize,
    data: String,
    event: String,
    id_buffer: String,
    last_event_id: String,
    retry: Option<u64>,
    lines: u64,
    /// The event being read: its bytes so far, where it started, and whether it
    /// is over the limit (then skipped).
    event_bytes: u64,
    /// What the event's fields keep, after invalid UTF-8 became U+FFFD (three
    /// bytes for one): the limit bounds this too.
    kept_bytes: u64,
    event_offset: u64,
    event_line: u64,
    skipping: bool,
    /// While skipping, part of a line was taken without its end: the next line
    /// end finishes that line (so an "empty" rest is not a blank line).
    mid_line: bool,
}

impl SseDecoder {
    /// A decoder with the default limit.
    ///
    /// ```
    /// let decoder = aiter::chunks::SseDecoder::new();
    /// assert_eq!(decoder.retry(), None);
    /// ```
    pub fn new() -> Self {
        Self {
            max_len: DEFAULT_MAX_FRAME_LEN,
            bom_checked: false,
            after_cr: false,
            scanned: 0,
            data: String::new(),
            event: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            retry: None,
            lines: 0,
            event_bytes: 0,
            kept_bytes: 0,
            event_offset: 0,
            event_line: 0,
            skipping: false,
            mid_line: false,
        }
    }

    /// Sets the longest event accepted (see [`Sse::max_len`]).
    ///
    /// ```
    /// let decoder = aiter::chunks::SseDecoder::new().max_len(1024);
    /// # drop(decoder);
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Starts with `id` as the last event ID, as a browser's parser does on a
    /// reconnection: events before the stream's first `id:` carry it.
    ///
    /// ```
    /// use aiter::chunks::{Decoded, Decoder, Input, SseDecoder};
    ///
    /// let mut decoder = SseDecoder::new().start_id("41");
    /// let Decoded::Frame { frame, .. } = decoder.decode(Input::new(b"data: x\n\n", 0, false)) else {
    ///     panic!("an event")
    /// };
    /// assert_eq!(frame?.id, "41");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    #[must_use]
    pub fn start_id(mut self, id: impl Into<String>) -> Self {
        self.id_buffer = id.into();
        self.last_event_id.clone_from(&self.id_buffer);
        self
    }

    /// The last reconnection time the stream asked for (`retry:`), in
    /// milliseconds.
    ///
    /// ```
    /// let mut events = aiter::chunks::sse(&b"retry: 250\ndata: x\n\n"[..]);
    /// # futures_lite::future::block_on(futures_lite::StreamExt::next(&mut events));
    /// assert_eq!(events.decoder().retry(), Some(250));
    /// ```
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The last event ID string, as a browser keeps it: set at every blank line
    /// from the last `id:` field, even when no event is dispatched.
    ///
    /// ```
    /// let decoder = aiter::chunks::SseDecoder::new().start_id("5");
    /// assert_eq!(decoder.last_event_id(), "5");
    /// ```
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Lines read so far.
    ///
    /// ```
    /// let mut events = aiter::chunks::sse(&b": hi\ndata: x\n\n"[..]);
    /// # futures_lite::future::block_on(futures_lite::StreamExt::next(&mut events));
    /// assert_eq!(events.decoder().lines_read(), 3);
    /// ```
    pub fn lines_read(&self) -> u64 {
        self.lines
    }

    fn reset_event(&mut self) {
        self.data.clear();
        self.event.clear();
        self.event_bytes = 0;
        self.kept_bytes = 0;
        self.skipping = false;
    }

    /// A blank line: the event's end.
    fn dispatch(&mut self) -> Option<Result<SseEvent, FrameError>> {
        if self.skipping {
            let error = FrameError::new(
                FrameErrorKind::TooLong {
                    limit: self.max_len,
                    len: Some(self.event_bytes),
                },
                self.event_offset,
            )
            .with_line(self.event_line);
            self.reset_event();
            return Some(Err(error));
        }
        self.last_event_id.clone_from(&self.id_buffer);
        if self.data.is_empty() {
            self.reset_event();
            return None;
        }
        self.data.pop(); // the `\n` after the last data line
        let event = SseEvent {
            event: if self.event.is_empty() {
                "message".to_owned()
            } else {
                std::mem::take(&mut self.event)
            },
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
        };
        self.reset_event();
        Some(Ok(event))
    }

    /// Takes one field line; returns how many bytes it keeps.
    fn field(&mut self, line: &[u8]) -> usize {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return 0, // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                let text = String::from_utf8_lossy(value);
                self.data.push_str(&text);
                self.data.push('\n');
                text.len() + 1
            }
            b"event" => {
                self.event = String::from_utf8_lossy(value).into_owned();
                self.event.len()
            }
            b"id" if !value.contains(&0) => {
                let id = String::from_utf8_lossy(value);
                let kept = id.len();
                if kept <= self.max_len {
                    self.id_buffer = id.into_owned();
                }
                kept
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let digits = std::str::from_utf8(value).unwrap_or_default();
                self.retry = Some(digits.parse().unwrap_or(u64::MAX));
                0
            }
            _ => 0,
        }
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for SseDecoder {
    type Item = SseEvent;

    fn decode(&mut self, input: Input<'_>) -> Decoded<SseEvent> {
        let bytes = input.bytes;
        let mut pos = 0;
        if !self.bom_checked {
            if bytes.len() < BOM.len() && BOM.starts_with(bytes) && !input.eof {
                return Decoded::NeedMore { consumed: 0 };
            }
            self.bom_checked = true;
            if bytes.starts_with(BOM) {
                pos = BOM.len();
            }
        }
        loop {
            if self.after_cr {
                match bytes.get(pos) {
                    Some(b'\n') => {
                        pos += 1;
                        self.after_cr = false;
                    }
                    Some(_) => self.after_cr = false,
                    None if input.eof => self.after_cr = false,
                    None => return Decoded::NeedMore { consumed: pos },
                }
            }
            let rest = &bytes[pos..];
            let Some(end) = memchr2(b'\n', b'\r', &rest[self.scanned.min(rest.len())..])
                .map(|found| found + self.scanned.min(rest.len()))
            else {
                if input.eof {
                    // The input ended inside an event: it is discarded.
                    return Decoded::Finished;
                }
                let partial = rest.len() as u64;
                if partial == 0 {
                    return Decoded::NeedMore { consumed: pos };
                }
                if self.skipping || self.event_bytes + partial > self.max_len as u64 {
                    // Too long already: keep nothing of it.
                    if !self.skipping {
                        self.start_skipping(input.offset + pos as u64);
                    }
                    self.event_bytes += partial;
                    self.scanned = 0;
                    self.mid_line = true;
                    return Decoded::NeedMore {
                        consumed: bytes.len(),
                    };
                }
                self.scanned = rest.len();
                return Decoded::NeedMore { consumed: pos };
            };
            self.scanned = 0;
            let line = &rest[..end];
            self.after_cr = rest[end] == b'\r';
            let next = pos + end + 1;
            self.lines += 1;
            let continuation = std::mem::take(&mut self.mid_line);
            if line.is_empty() && !continuation {
                if let Some(frame) = self.dispatch() {
                    return Decoded::Frame {
                        consumed: next,
                        frame,
                    };
                }
            } else {
                if self.event_bytes == 0 {
                    self.event_offset = input.offset + pos as u64;
                    self.event_line = self.lines;
                }
                self.event_bytes += line.len() as u64 + 1;
                if !self.skipping && self.event_bytes > self.max_len as u64 {
                    self.start_skipping(self.event_offset);
                }
                if !self.skipping {
                    self.kept_bytes += self.field(line) as u64;
                    if self.kept_bytes > self.max_len as u64 {
                        // Within the limit as bytes received, over it as text kept.
                        self.event_bytes = self.event_bytes.max(self.kept_bytes);
                        self.start_skipping(self.event_offset);
                    }
                }
            }
            pos = next;
        }
    }

    fn max_frame_len(&self) -> Option<usize> {
        Some(self.max_len)
    }

    fn line(&self) -> Option<u64> {
        Some(self.lines + 1)
    }
}

impl SseDecoder {
    fn start_skipping(&mut self, offset: u64) {
        if self.event_bytes == 0 {
            self.event_offset = offset;
            self.event_line = self.lines + 1;
        }
        self.skipping = true;
        self.data.clear();
        self.event.clear();
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl SseDecoder {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed lines_read")]
    pub fn lines_seen(&self) -> u64 {
        self.lines_read()
    }
}
