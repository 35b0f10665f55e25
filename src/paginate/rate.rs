//! [`RateBudget`]: requests per second, shared by paginators.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::time::{Instant, Timer};

/// A budget of requests per second that any number of paginators (or your own
/// code) share: each request waits for its turn, spaced evenly.
///
/// Cloning shares the budget.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use std::time::Instant;
/// use aiter::paginate::RateBudget;
///
/// let budget = RateBudget::per_second(100.0); // one request every 10 ms
/// let start = Instant::now();
/// for _ in 0..5 {
///     budget.acquire().await;
/// }
/// assert!(start.elapsed().as_millis() >= 40);
/// # });
/// ```
#[derive(Clone)]
pub struct RateBudget {
    interval: Duration,
    next: Arc<Mutex<NextSlot>>,
}

impl RateBudget {
    /// A budget of `requests` per second (values of 0 or less mean one a second).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::{Duration, Instant};
    /// let budget = aiter::paginate::RateBudget::per_second(20.0); // one every 50 ms
    /// let start = Instant::now();
    /// for _ in 0..3 {
    ///     budget.acquire().await;
    /// }
    /// assert!(start.elapsed() >= Duration::from_millis(100));
    /// # });
    /// ```
    pub fn per_second(requests: f64) -> Self {
        let requests = if requests > 0.0 { requests } else { 1.0 };
        Self {
            // A rate so small that its interval overflows a `Duration` waits as
            // long as one can: never a panic.
            interval: Duration::try_from_secs_f64(1.0 / requests).unwrap_or(Duration::MAX),
            next: Arc::new(Mutex::new(NextSlot::Now)),
        }
    }

    /// Waits for this request's turn.
    ///
    /// # Cancellation safety
    ///
    /// Cancelling gives up the turn's slot without returning it: the budget stays
    /// within its rate, and may run a little under it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let budget = aiter::paginate::RateBudget::per_second(1_000.0);
    /// let shared = budget.clone(); // clones share the budget
    /// budget.acquire().await;
    /// shared.acquire().await;
    /// # });
    /// ```
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = match *next {
                NextSlot::Now => Some(now),
                NextSlot::At(at) => Some(at.max(now)),
                NextSlot::Never => None,
            };
            *next = slot
                .and_then(|slot| slot.checked_add(self.interval))
                .map_or(NextSlot::Never, NextSlot::At);
            slot
        };
        match slot {
            Some(slot) if slot > Instant::now() => {
                Timer::at(slot).await;
            }
            Some(_) => {}
            None => {
                Timer::never().await;
            }
        }
    }
}

/// When the next request may go.
#[derive(Debug, Clone, Copy)]
enum NextSlot {
    /// No request went yet.
    Now,
    At(Instant),
    /// So far away that an `Instant` cannot hold it.
    Never,
}

impl fmt::Debug for RateBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateBudget")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}
