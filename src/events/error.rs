//! [`EventsError`]: why an events stream ended with an error.

use std::fmt;

/// Why an events stream ended with an error, after every event queued before it.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::events::{self, EventsError, Overflow};
/// use futures_lite::StreamExt;
/// let (emitter, mut events) = events::channel(1, Overflow::Fail);
/// emitter.emit(1).unwrap();
/// let _ = emitter.emit(2); // over capacity: the channel fails
/// assert_eq!(events.next().await.unwrap().unwrap(), 1); // queued events first
/// assert!(matches!(events.next().await.unwrap(), Err(EventsError::Overflow { capacity: 1 })));
/// assert!(events.next().await.is_none());
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum EventsError {
    /// The queue overflowed under [`Overflow::Fail`](super::Overflow::Fail).
    Overflow {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The source failed: [`Emitter::fail`](super::Emitter::fail) was called.
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Overflow { capacity } => {
                write!(f, "event queue overflowed its capacity of {capacity}")
            }
            Self::Failed(error) => write!(f, "event source failed: {error}"),
        }
    }
}

/// `Failed`'s message includes the source's error (`event source failed: ...`), so
/// `source()` goes on below it: error reporters print each cause once.
impl std::error::Error for EventsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Failed(error) => error.source(),
            Self::Overflow { .. } => None,
        }
    }
}
