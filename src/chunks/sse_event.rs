//! [`SseEvent`]: one Server-Sent Event, as the decoder delivers it and the
//! encoder writes it.

/// One dispatched event.
///
/// ```
/// let event = aiter::chunks::SseEvent::new("hello").with_event("greeting").with_id("7");
/// assert_eq!((event.event.as_str(), event.data.as_str(), event.id.as_str()), ("greeting", "hello", "7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The event type: `message` unless an `event:` field said otherwise.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The last event ID when the event was dispatched (`""` before any `id:`):
    /// IDs carry over from one event to the next, as in a browser.
    pub id: String,
}

impl SseEvent {
    /// A `message` event with `data` and no ID.
    ///
    /// ```
    /// assert_eq!(aiter::chunks::SseEvent::new("x").event, "message");
    /// ```
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            event: "message".to_owned(),
            data: data.into(),
            id: String::new(),
        }
    }

    /// Sets the event type.
    ///
    /// ```
    /// assert_eq!(aiter::chunks::SseEvent::new("x").with_event("ping").event, "ping");
    /// ```
    #[must_use]
    pub fn with_event(mut self, event: impl Into<String>) -> Self {
        self.event = event.into();
        self
    }

    /// Sets the ID.
    ///
    /// ```
    /// assert_eq!(aiter::chunks::SseEvent::new("x").with_id("42").id, "42");
    /// ```
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
}
