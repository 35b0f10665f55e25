//! [`RetryPolicy`]: how often and how long to retry a page in place.

use std::time::Duration;

/// Retries of one page: exponential backoff with jitter, honouring `Retry-After`
/// up to a cap.
///
/// The delay before attempt `n + 1` is a random duration between half and all of
/// `base * 2^(n-1)`, capped at `max_delay`; if the server asked for a longer wait
/// (`Retry-After`), that wait, capped at `max_retry_after`.
///
/// ```
/// use std::time::Duration;
/// use aiter::paginate::RetryPolicy;
///
/// let policy = RetryPolicy::default().attempts(3).base_delay(Duration::from_millis(100));
/// assert_eq!(policy.max_attempts(), 3);
/// let delay = policy.delay(2, None);
/// assert!(delay >= Duration::from_millis(100) && delay <= Duration::from_millis(200));
/// assert_eq!(policy.delay(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    attempts: u32,
    base: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts (5 retries), 200 ms base, 10 s largest backoff, 60 s largest
    /// `Retry-After` honoured.
    fn default() -> Self {
        Self {
            attempts: 6,
            base: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt a page.
    ///
    /// ```
    /// assert_eq!(aiter::paginate::RetryPolicy::none().max_attempts(), 1);
    /// ```
    pub fn none() -> Self {
        Self::default().attempts(1)
    }

    /// Sets the attempts a page gets in all (at least 1).
    ///
    /// ```
    /// use aiter::paginate::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().attempts(5).max_attempts(), 5);
    /// assert_eq!(RetryPolicy::default().attempts(0).max_attempts(), 1); // a count of 0 counts as 1
    /// ```
    #[must_use]
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff (doubled each retry, with jitter).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = aiter::paginate::RetryPolicy::default().base_delay(Duration::from_millis(100));
    /// let first = policy.delay(1, None);
    /// assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100)); // with jitter
    /// ```
    #[must_use]
    pub fn base_delay(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// Sets the largest backoff.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = aiter::paginate::RetryPolicy::default().max_delay(Duration::from_secs(2));
    /// assert!(policy.delay(30, None) <= Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = aiter::paginate::RetryPolicy::default().max_retry_after(Duration::from_secs(5));
    /// // A server asking for an hour gets five seconds.
    /// assert!(policy.delay(1, Some(Duration::from_secs(3600))) <= Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The attempts a page gets in all.
    ///
    /// ```
    /// assert!(aiter::paginate::RetryPolicy::default().max_attempts() > 1);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait after failed attempt `attempt` (1-based), given the server's
    /// `Retry-After` if any.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = aiter::paginate::RetryPolicy::default();
    /// assert!(policy.delay(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2)); // Retry-After honoured
    /// ```
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self.base.saturating_mul(1 << exponent).min(self.max_delay);
        // Jitter: between half and all of the backoff, so clients spread out.
        let backoff = (full / 2).saturating_add(full.mul_f64(fastrand::f64() / 2.0));
        match retry_after {
            Some(asked) => asked.min(self.max_retry_after).max(backoff),
            None => backoff,
        }
    }
}
