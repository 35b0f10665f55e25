//! Idle and read timeouts for [`Frames`](super::Frames), on one lazily re-armed
//! `async-io` timer: a read costs one clock reading, not a timer update.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::{Instant, Timer};

/// Which timeout ended a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    Idle(Duration),
    Read(Duration),
}

#[derive(Debug)]
pub(crate) struct Deadlines {
    idle: Option<Duration>,
    read: Option<Duration>,
    /// When the last bytes arrived (or the timeouts were set).
    last_bytes: Instant,
    /// When the first bytes of the frame now pending arrived.
    frame_start: Option<Instant>,
    timer: Timer,
    /// The instant the timer is set for; it may fire early (the deadline moved
    /// on since), and is then set again.
    armed: Option<Instant>,
}

impl Deadlines {
    pub(crate) fn new() -> Self {
        Self {
            idle: None,
            read: None,
            last_bytes: Instant::now(),
            frame_start: None,
            timer: Timer::never(),
            armed: None,
        }
    }

    pub(crate) fn set_idle(&mut self, idle: Option<Duration>) {
        self.idle = idle;
        self.last_bytes = Instant::now();
    }

    pub(crate) fn set_read(&mut self, read: Option<Duration>) {
        self.read = read;
    }

    /// Bytes arrived; `started_frame` when nothing was pending before them.
    pub(crate) fn on_bytes(&mut self, started_frame: bool) {
        let now = Instant::now();
        self.last_bytes = now;
        if started_frame {
            self.frame_start = Some(now);
        }
    }

    /// A frame was taken out; `partial` when bytes of the next one are pending,
    /// which count as arrived with the last read.
    pub(crate) fn on_frame(&mut self, partial: bool) {
        self.frame_start = partial.then_some(self.last_bytes);
    }

    /// The reader is waiting: `Ready` once a timeout has passed, else the timer
    /// is set to wake the task at the nearest deadline.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>, partial: bool) -> Poll<Expired> {
        if !partial {
            self.frame_start = None;
        }
        loop {
            // A deadline past what `Instant` can hold never comes.
            let idle = self.idle.and_then(|idle| {
                let deadline = self.last_bytes.checked_add(idle)?;
                Some((deadline, Expired::Idle(idle)))
            });
            let read = self
                .read
                .zip(self.frame_start)
                .and_then(|(read, start)| Some((start.checked_add(read)?, Expired::Read(read))));
            let Some((deadline, expired)) = [idle, read].into_iter().flatten().min_by_key(|d| d.0)
            else {
                return Poll::Pending;
            };
            if Instant::now() >= deadline {
                return Poll::Ready(expired);
            }
            if self.armed.is_none_or(|armed| armed > deadline) {
                self.timer.set_at(deadline);
                self.armed = Some(deadline);
            }
            match Pin::new(&mut self.timer).poll(cx) {
                Poll::Ready(_) => self.armed = None,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
