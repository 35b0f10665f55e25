//! [`SseEncoder`]: Server-Sent Events written for servers, the way
//! [`SseDecoder`](super::SseDecoder) reads them back.

use std::borrow::Borrow;

use super::{Encoder, FrameError, FrameErrorKind, SseEvent};

/// Writes events in the event-stream format, for servers: `id:`, `event:` (when
/// not `message`), one `data:` line per line of the data, and a blank line.
///
/// An ID or event type holding a line break, or an ID holding a NUL, is refused
/// with [`FrameErrorKind::InvalidInput`]; data may hold any line breaks (each
/// becomes a `data:` line, and decodes back as `\n`).
///
/// ```
/// use aiter::chunks::{Encoder, SseEncoder, SseEvent};
///
/// let mut out = Vec::new();
/// SseEncoder::new().encode(SseEvent::new("a\nb").with_event("update").with_id("3"), &mut out)?;
/// assert_eq!(out, b"id: 3\nevent: update\ndata: a\ndata: b\n\n");
/// # Ok::<(), aiter::chunks::FrameError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SseEncoder {
    events: u64,
}

impl SseEncoder {
    /// An encoder.
    ///
    /// ```
    /// use aiter::chunks::{Encoder, SseEncoder, SseEvent};
    /// let mut out = Vec::new();
    /// SseEncoder::new().encode(SseEvent::new("x"), &mut out)?;
    /// assert_eq!(out, b"data: x\n\n");
    /// # Ok::<(), aiter::chunks::FrameError>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A `retry:` line alone, asking clients to wait `millis` before they
    /// reconnect.
    ///
    /// ```
    /// assert_eq!(aiter::chunks::SseEncoder::retry(1500), b"retry: 1500\n\n");
    /// ```
    pub fn retry(millis: u64) -> Vec<u8> {
        format!("retry: {millis}\n\n").into_bytes()
    }
}

impl<E: Borrow<SseEvent>> Encoder<E> for SseEncoder {
    fn encode(&mut self, item: E, dst: &mut Vec<u8>) -> Result<(), FrameError> {
        let event = item.borrow();
        let number = self.events + 1;
        let refuse = |message: &str| {
            Err(
                FrameError::new(FrameErrorKind::InvalidInput(message.to_owned()), 0)
                    .with_record(number),
            )
        };
        let breaks = |text: &str| text.contains(['\n', '\r']);
        if breaks(&event.id) || event.id.contains('\0') {
            return refuse("an event ID can't hold a line break or a NUL");
        }
        if breaks(&event.event) {
            return refuse("an event type can't hold a line break");
        }
        self.events = number;
        if !event.id.is_empty() {
            dst.extend_from_slice(format!("id: {}\n", event.id).as_bytes());
        }
        if !event.event.is_empty() && event.event != "message" {
            dst.extend_from_slice(format!("event: {}\n", event.event).as_bytes());
        }
        let data = event.data.replace("\r\n", "\n").replace('\r', "\n");
        for line in data.split('\n') {
            dst.extend_from_slice(b"data: ");
            dst.extend_from_slice(line.as_bytes());
            dst.push(b'\n');
        }
        dst.push(b'\n');
        Ok(())
    }
}
