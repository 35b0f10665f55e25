//! The state machine of [`JsonArrayDecoder`]: one method a kind of state.
//!
//! [`Decoder::decode`] hands the input to the method for the current state, which
//! consumes what it can and either moves on ([`Step::At`]) or has the answer
//! ([`Step::Done`]). States that read a whole value (an item, a key on the path, a
//! value skipped off the path) scan it with [`ValueScan`](crate::chunks::json_scan::ValueScan);
//! the rest look at one significant byte.

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::{JsonArrayDecoder, State};
use crate::chunks::json_scan::{ScanError, ValueScan};
use crate::chunks::{Decoded, Decoder, FrameError, FrameErrorKind, Input};

/// What a state's method did with the input.
enum Step<T> {
    /// Consumed up to here; go on with the (maybe new) state.
    At(usize),
    /// The decoder's answer for this call.
    Done(Decoded<T>),
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<T: DeserializeOwned> Decoder for JsonArrayDecoder<T> {
    type Item = T;

    fn decode(&mut self, input: Input<'_>) -> Decoded<T> {
        let mut pos = 0;
        loop {
            let step = match self.state {
                State::Skip { in_object, index } => {
                    self.skip(input, pos, State::Comma { in_object, index })
                }
                State::SkipKey => self.skip(input, pos, State::Colon { wanted: false }),
                State::SkipItem { start } => self.skip_item(input, pos, start),
                State::Item => self.item(input, pos),
                State::Key { .. } if self.scanned > 0 || input.bytes.get(pos) == Some(&b'"') => {
                    self.key(input, pos)
                }
                _ => self.punctuation(input, pos),
            };
            match step {
                Step::At(next) => pos = next,
                Step::Done(decoded) => return decoded,
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

impl<T: DeserializeOwned> JsonArrayDecoder<T> {
    /// The end of the input while a value is not complete.
    fn wait(&self, input: Input<'_>, pos: usize) -> Step<T> {
        if input.eof {
            let at = input.offset + pos as u64;
            return Step::Done(self.fatal(FrameErrorKind::UnexpectedEof, at));
        }
        Step::Done(Decoded::NeedMore { consumed: pos })
    }

    fn scan_error(&self, error: &ScanError, at: u64) -> Step<T> {
        Step::Done(self.syntax(error.message, at + error.at as u64))
    }

    /// `Skip` and `SkipKey`: a value or key off the path, scanned but not kept;
    /// then `then`.
    fn skip(&mut self, input: Input<'_>, mut pos: usize, then: State) -> Step<T> {
        let bytes = input.bytes;
        while !self.scan.is_started() && bytes.get(pos).is_some_and(|&b| is_whitespace(b)) {
            pos += 1;
        }
        if pos == bytes.len() {
            return self.wait(input, pos);
        }
        match self.scan.scan(&bytes[pos..], 0) {
            Ok(Some(end)) => {
                self.scan = ValueScan::new();
                self.state = then;
                Step::At(pos + end)
            }
            Ok(None) => Step::At(bytes.len()),
            Err(error) => self.scan_error(&error, input.offset + pos as u64),
        }
    }

    /// `SkipItem`: the rest of an item over the limit, not kept; reported once it
    /// ends, and the stream goes on.
    fn skip_item(&mut self, input: Input<'_>, pos: usize, start: u64) -> Step<T> {
        let bytes = input.bytes;
        if pos == bytes.len() {
            return self.wait(input, pos);
        }
        match self.scan.scan(&bytes[pos..], 0) {
            Ok(Some(end)) => {
                self.scan = ValueScan::new();
                self.state = State::ItemEnd;
                Step::Done(Decoded::Frame {
                    consumed: pos + end,
                    frame: Err(self.too_long(start)),
                })
            }
            Ok(None) => Step::At(bytes.len()),
            Err(error) => self.scan_error(&error, input.offset + pos as u64),
        }
    }

    /// `Item`: an item, kept until its last byte (up to the limit), then parsed.
    fn item(&mut self, input: Input<'_>, pos: usize) -> Step<T> {
        let at = input.offset + pos as u64;
        let value = &input.bytes[pos..];
        match self.scan.scan(value, self.scanned) {
            Ok(Some(end)) => {
                self.scan = ValueScan::new();
                self.scanned = 0;
                self.state = State::ItemEnd;
                // Over the limit though complete: the same error as when its
                // bytes arrive in smaller reads.
                let frame = if end > self.max_len {
                    Err(self.too_long(at))
                } else {
                    match crate::chunks::ndjson::parse(&value[..end]) {
                        Ok(item) => Ok(item),
                        Err(error) => {
                            let fatal = error.classify() != Category::Data;
                            let error = FrameError::new(FrameErrorKind::Json(error), at)
                                .with_record(self.items);
                            if fatal {
                                return Step::Done(Decoded::Fatal(error));
                            }
                            Err(error)
                        }
                    }
                };
                Step::Done(Decoded::Frame {
                    consumed: pos + end,
                    frame,
                })
            }
            Ok(None) if value.len() > self.max_len => {
                self.scanned = 0;
                self.state = State::SkipItem { start: at };
                Step::At(input.bytes.len())
            }
            Ok(None) => {
                self.scanned = value.len();
                self.wait(input, pos)
            }
            Err(error) => self.scan_error(&error, at),
        }
    }

    /// `Key`: an object key on the path, kept only while it could still be the
    /// pointer's token (each character at most 6 bytes escaped, plus the quotes); a
    /// longer one can't match and is skipped unbuffered. `max_len` limits items,
    /// not keys.
    fn key(&mut self, input: Input<'_>, pos: usize) -> Step<T> {
        let at = input.offset + pos as u64;
        let key = &input.bytes[pos..];
        let token = &self.pointer[self.level];
        let bound = token.len().saturating_mul(6).saturating_add(2);
        match self.scan.scan(key, self.scanned) {
            Ok(Some(end)) => {
                let wanted = end <= bound
                    && serde_json::from_slice::<String>(&key[..end]).is_ok_and(|key| key == *token);
                self.scan = ValueScan::new();
                self.scanned = 0;
                self.state = State::Colon { wanted };
                Step::At(pos + end)
            }
            Ok(None) if key.len() > bound => {
                self.scanned = 0;
                self.state = State::SkipKey;
                Step::At(input.bytes.len())
            }
            Ok(None) => {
                self.scanned = key.len();
                self.wait(input, pos)
            }
            Err(error) => self.scan_error(&error, at),
        }
    }

    /// Every other state: one significant byte (`[`, `{`, `:`, `,`, `]`, `}`, or
    /// the first byte of a value).
    fn punctuation(&mut self, input: Input<'_>, mut pos: usize) -> Step<T> {
        let bytes = input.bytes;
        while bytes.get(pos).is_some_and(|&b| is_whitespace(b)) {
            pos += 1;
        }
        let at = input.offset + pos as u64;
        if self.state == State::Trailing {
            // The document was the array: anything after it is an error, not a
            // second document read as nothing.
            return match bytes.get(pos) {
                None if input.eof => Step::Done(Decoded::Finished),
                None => Step::Done(Decoded::NeedMore { consumed: pos }),
                Some(_) => Step::Done(self.syntax("data after the end of the array", at)),
            };
        }
        let Some(&b) = bytes.get(pos) else {
            return self.wait(input, pos);
        };
        match self.state {
            State::ItemStart { .. } | State::ItemEnd => self.in_array(b, pos, at),
            _ => self.on_path(b, pos, at),
        }
    }

    /// A byte of the target array itself: its `,` and `]`, or an item's start.
    fn in_array(&mut self, b: u8, pos: usize, at: u64) -> Step<T> {
        match (self.state, b) {
            (State::ItemStart { first: true } | State::ItemEnd, b']')
                if self.pointer.is_empty() =>
            {
                self.state = State::Trailing;
                Step::At(pos + 1)
            }
            (State::ItemStart { first: true } | State::ItemEnd, b']') => {
                Step::Done(Decoded::Finished)
            }
            (State::ItemStart { .. }, _) => {
                self.items += 1;
                self.state = State::Item;
                Step::At(pos)
            }
            (State::ItemEnd, b',') => {
                self.state = State::ItemStart { first: false };
                Step::At(pos + 1)
            }
            _ => Step::Done(self.syntax("expected `,` or `]` after an item", at)),
        }
    }

    /// A byte on the way to the target array, following the pointer.
    fn on_path(&mut self, b: u8, pos: usize, at: u64) -> Step<T> {
        let at_target = self.level == self.pointer.len();
        let next = match (self.state, b) {
            (State::Value, b'[') if at_target => State::ItemStart { first: true },
            (State::Value, b'{') if !at_target => State::Key { first: true },
            (State::Value, b'[') if !at_target => State::Element { index: 0 },
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
                return Step::Done(self.no_array(at));
            }
            // A key's quote: read as a key next time round.
            (State::Key { .. }, b'"') => return Step::At(pos),
            (State::Key { .. }, _) => return Step::Done(self.syntax("expected an object key", at)),
            (State::Colon { wanted: true }, b':') => {
                self.level += 1;
                State::Value
            }
            (State::Colon { wanted: false }, b':') => State::Skip {
                in_object: true,
                index: 0,
            },
            (State::Colon { .. }, _) => return Step::Done(self.syntax("expected `:`", at)),
            (State::Element { index }, _) => {
                self.state = if self.pointer[self.level].parse() == Ok(index) {
                    self.level += 1;
                    State::Value
                } else {
                    State::Skip {
                        in_object: false,
                        index,
                    }
                };
                // The element's first byte is part of it: not consumed here.
                return Step::At(pos);
            }
            (State::Comma { in_object, index }, b',') => {
                if in_object {
                    State::Key { first: false }
                } else {
                    State::Element { index: index + 1 }
                }
            }
            (State::Comma { .. }, _) => {
                return Step::Done(self.syntax("expected `,` or the container's end", at));
            }
            (state, _) => unreachable!("{state:?} has a method of its own"),
        };
        self.state = next;
        Step::At(pos + 1)
    }

    /// The error for an item over the limit that began at `start`.
    fn too_long(&self, start: u64) -> FrameError {
        let kind = FrameErrorKind::TooLong {
            limit: self.max_len,
            len: None,
        };
        FrameError::new(kind, start).with_record(self.items)
    }
}
