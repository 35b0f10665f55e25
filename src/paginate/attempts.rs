//! One page's fetch with its retries: the rate budget, the per-attempt timeout,
//! and backoff between transient failures.

use std::time::Duration;

use super::paginator::{BoxFuture, FetchFn};
use super::{FetchError, Page, PageKey, RateBudget, RetryPolicy};
use crate::time::Timer;

/// One page's fetch, with its retries: the result and the attempts it took.
pub(super) type Attempts<T> = BoxFuture<(Result<Page<T>, FetchError>, u32)>;

/// Fetches one page: waits for the rate budget, applies the timeout, and retries
/// transient failures with backoff.
pub(super) fn attempts<T: Send + 'static>(
    fetch: FetchFn<T>,
    key: PageKey,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    rate: Option<RateBudget>,
) -> Attempts<T> {
    Box::pin(async move {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(rate) = &rate {
                rate.acquire().await;
            }
            let fetching = fetch(key.clone());
            let result = match timeout {
                None => fetching.await,
                Some(limit) => {
                    futures_lite::future::or(fetching, async move {
                        Timer::after(limit).await;
                        Err(FetchError::transient(format!("timed out after {limit:?}")))
                    })
                    .await
                }
            };
            match result {
                Err(error) if error.is_transient() && attempt < retry.max_attempts() => {
                    Timer::after(retry.delay(attempt, error.retry_after())).await;
                }
                result => return (result, attempt),
            }
        }
    })
}
