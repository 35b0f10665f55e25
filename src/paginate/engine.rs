//! The engine both paginated streams share: a window of page fetches, started
//! ahead (prefetch), retried in place, delivered in order; loop detection and the
//! resume rules (which entries of the first page to skip, which keys count as
//! seen) live here, in one place.

use std::collections::{HashMap, VecDeque};
use std::task::{Context, Poll};
use std::time::Duration;

use super::fingerprint::Fingerprinter;
use super::paginator::{BoxFuture, Chain, FetchFn, Paginator};
use super::{
    FetchError, Fetched, Page, PageError, PageErrorKind, PageKey, Position, RateBudget, RetryPolicy,
};

/// One page's fetch, with its retries.
type Attempts<T> = BoxFuture<(Result<Page<T>, FetchError>, u32)>;

/// A page in the window: still fetching, or fetched and waiting for the consumer.
enum Slot<T> {
    Fetching(Attempts<T>),
    Done(Result<Page<T>, FetchError>, u32),
}

struct InFlight<T> {
    key: PageKey,
    number: u64,
    slot: Slot<T>,
    /// For a linked page whose next was seen before: that next, and the page
    /// fetched with it (`None`: by the run this one resumed).
    loops_to: Option<(String, Option<u64>)>,
}

/// The engine both streams share: a window of page fetches, delivered in order.
pub(crate) struct Engine<T> {
    settings: Paginator<T>,
    window: VecDeque<InFlight<T>>,
    /// The key of the next page to start, when known.
    next_key: Option<PageKey>,
    /// Pages started so far.
    started: u64,
    /// Pages delivered so far.
    pub(crate) delivered: u64,
    /// No page after the last one started (an empty or short page was seen, or
    /// there is no next cursor, or `max_pages`).
    exhausted: bool,
    /// Fingerprints of the cursors and URLs seen, with the number of the page
    /// fetched with each (`None`: seen by the run this one resumed).
    seen: HashMap<u128, Option<u64>>,
    prints: Fingerprinter,
    /// The fingerprint and number of the last page delivered, if it had entries.
    last_page: Option<(u128, u64)>,
    /// Items to skip on the first page delivered (resuming).
    pub(crate) skip: u64,
    /// The position of the error that ended the run, once it was handed over.
    failed_at: Option<Position>,
    /// An error found while delivering the last page (its next loops), reported
    /// after that page.
    pending: Option<PageError>,
}

impl<T> Engine<T> {
    pub(super) fn new(settings: Paginator<T>) -> Self {
        let prints = Fingerprinter::new();
        let mut seen = HashMap::new();
        let is_url = matches!(settings.start, PageKey::Url(_));
        match &settings.start {
            PageKey::Cursor(Some(next)) | PageKey::Url(next) => {
                seen.insert(prints.of_key(next, is_url), Some(1));
            }
            _ => {}
        }
        if let Some(loops_to) = &settings.loops_to {
            seen.insert(prints.of_key(loops_to, is_url), None);
        }
        Self {
            prints,
            last_page: None,
            failed_at: None,
            next_key: Some(settings.start.clone()),
            skip: settings.skip,
            settings,
            window: VecDeque::new(),
            started: 0,
            delivered: 0,
            exhausted: false,
            seen,
            pending: None,
        }
    }

    pub(crate) fn max_items(&self) -> Option<u64> {
        self.settings.max_items
    }

    /// The key that follows `key` in a numbered style; `None` for linked styles,
    /// and when the next number would not fit in a `u64`.
    fn after(&self, key: &PageKey) -> Option<PageKey> {
        match (self.settings.chain, key) {
            (Chain::Numbered { step }, PageKey::Page(n)) => n.checked_add(step).map(PageKey::Page),
            (Chain::Numbered { step }, PageKey::Offset(n)) => {
                n.checked_add(step).map(PageKey::Offset)
            }
            _ => None,
        }
    }

    fn is_url_chain(&self) -> bool {
        matches!(self.settings.start, PageKey::Url(_))
    }

    /// The position of the first item after the pages delivered so far, or `None`
    /// when the source is finished.
    pub(crate) fn position(&self) -> Option<Position> {
        if let Some(failed_at) = &self.failed_at {
            return Some(failed_at.clone());
        }
        // Before the first page is delivered, a resumed run still owes its skip.
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        if let Some(front) = self.window.front() {
            return Some(Position::new(front.key.clone(), skip));
        }
        self.next_key
            .clone()
            .filter(|_| {
                !self.exhausted
                    || self
                        .settings
                        .max_pages
                        .is_some_and(|max| self.delivered >= max)
            })
            .map(|key| Position::new(key, skip))
    }

    fn start_fetches(&mut self)
    where
        T: Send + 'static,
    {
        while !self.exhausted && self.window.len() < self.settings.prefetch {
            if self
                .settings
                .max_pages
                .is_some_and(|max| self.started >= max)
            {
                self.exhausted = true;
                break;
            }
            let Some(key) = self.next_key.take() else {
                break;
            };
            self.started += 1;
            self.next_key = self.after(&key);
            let attempts = attempts(
                self.settings.fetch.clone(),
                key.clone(),
                self.settings.retry,
                self.settings.timeout,
                self.settings.rate.clone(),
            );
            self.window.push_back(InFlight {
                key,
                number: self.started,
                slot: Slot::Fetching(attempts),
                loops_to: None,
            });
        }
    }

    /// The next page in order, with its key, number and attempts.
    pub(crate) fn poll_page(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Fetched<T>, PageError>>>
    where
        T: Send + 'static,
    {
        if let Some(error) = self.pending.take() {
            self.failed_at = Some(error.position().clone());
            return Poll::Ready(Some(Err(error)));
        }
        loop {
            self.start_fetches();
            if self.poll_fetches(cx) {
                // Start (poll once) what the finished fetches made possible.
                continue;
            }
            match self.window.front() {
                None => return Poll::Ready(None),
                Some(InFlight {
                    slot: Slot::Fetching(_),
                    ..
                }) => return Poll::Pending,
                Some(InFlight {
                    slot: Slot::Done(..),
                    ..
                }) => {}
            }
            let Some(InFlight {
                key,
                number,
                slot: Slot::Done(result, attempts),
                loops_to,
            }) = self.window.pop_front()
            else {
                unreachable!("the front is done")
            };
            // An empty (or short) numbered page is the last: drop the fetches started
            // after it and start nothing more.
            if result
                .as_ref()
                .is_ok_and(|page| self.is_last_numbered(page))
            {
                self.exhausted = true;
                self.window.clear();
                self.next_key = None;
            }
            // Before handing the page over, start the fetch its place in the window
            // frees: the next page loads while the consumer works on this one.
            self.start_fetches();
            self.poll_fetches(cx);
            let delivered = self.deliver(key, number, result, attempts, loops_to);
            if let Err(error) = &delivered {
                self.failed_at = Some(error.position().clone());
            }
            return Poll::Ready(Some(delivered));
        }
    }

    /// Polls every fetch in flight; true if any finished.
    fn poll_fetches(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        for index in 0..self.window.len() {
            let entry = &mut self.window[index];
            let Slot::Fetching(future) = &mut entry.slot else {
                continue;
            };
            let Poll::Ready((result, attempts)) = future.as_mut().poll(cx) else {
                continue;
            };
            entry.slot = Slot::Done(result, attempts);
            progressed = true;
            // A linked page names the next: it can start now.
            if self.settings.chain == Chain::Linked && index + 1 == self.window.len() {
                self.link_next(index);
            }
        }
        progressed
    }

    /// After linked page `index` is fetched: its next cursor or URL becomes the next
    /// key, unless the API loops.
    fn link_next(&mut self, index: usize) {
        let is_url = self.is_url_chain();
        let entry = &mut self.window[index];
        let Slot::Done(Ok(page), _) = &entry.slot else {
            return;
        };
        let Some(next) = &page.next else {
            self.exhausted = true;
            return;
        };
        match self.seen.entry(self.prints.of_key(next, is_url)) {
            // Reported after this page is delivered.
            std::collections::hash_map::Entry::Occupied(seen) => {
                entry.loops_to = Some((next.clone(), *seen.get()));
                self.exhausted = true;
            }
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Some(entry.number + 1));
                self.next_key = Some(linked_key(&entry.key, next));
            }
        }
    }

    fn deliver(
        &mut self,
        key: PageKey,
        number: u64,
        result: Result<Page<T>, FetchError>,
        attempts: u32,
        looping: Option<(String, Option<u64>)>,
    ) -> Result<Fetched<T>, PageError> {
        let mut page = match result {
            Ok(page) => page,
            Err(error) => {
                return Err(self.fail(key, number, attempts, PageErrorKind::Fetch(error)));
            }
        };
        let entries = page.entries();
        // Where to go on from after this page's last entry, when it is not the end.
        let past_page = Position::new(key.clone(), entries);
        if let Some(earlier) = self.repeats_last_page(&page, number) {
            // Its entries are the last page's again: none is delivered.
            let kind = PageErrorKind::RepeatedPage {
                page: earlier,
                hint: self.settings.repeat_hint.clone(),
            };
            let mut error = self.fail(key, number, attempts, kind);
            error.set_position(past_page);
            return Err(error);
        }
        let numbered_next = self.after(&key);
        let overflows = matches!(self.settings.chain, Chain::Numbered { .. })
            && !self.is_last_numbered(&page)
            && numbered_next.is_none();
        self.delivered += 1;
        if let Some((next, earlier)) = looping {
            // This page is fine and is delivered; what it points to is not. The error
            // comes next, positioned after this page's entries, and names the key the
            // loop went back to so a resumed run does not go round it again.
            let kind = PageErrorKind::Loop {
                next: next.clone(),
                page: earlier,
            };
            let mut error = self.fail(key.clone(), number, attempts, kind);
            let mut position = past_page.clone();
            position.loops_to = Some(next);
            error.set_position(position);
            self.pending = Some(error);
        } else if overflows {
            let mut error = self.fail(key.clone(), number, attempts, PageErrorKind::KeyOverflow);
            error.set_position(past_page.clone());
            self.pending = Some(error);
        }
        let next_position = match (self.settings.chain, &page.next) {
            (Chain::Numbered { .. }, _) => numbered_next,
            (Chain::Linked, Some(next)) => Some(linked_key(&key, next)),
            (Chain::Linked, None) => None,
        };
        let next_position = next_position.map_or(past_page, |key| Position::new(key, 0));
        // A resumed run leaves out what the run before it delivered.
        let skipped = if self.skip > 0 {
            page.skip_entries(std::mem::take(&mut self.skip))
        } else {
            0
        };
        Ok(Fetched {
            page,
            key,
            number,
            attempts,
            skipped,
            next_position,
        })
    }

    /// The number of the page `page` repeats, if its entries are the same as the
    /// last page's; remembers `page` as the last one otherwise.
    fn repeats_last_page(&mut self, page: &Page<T>, number: u64) -> Option<u64> {
        if page.is_empty() {
            return None;
        }
        let print = page.fingerprint().or_else(|| {
            self.settings
                .fingerprint_items
                .map(|fingerprint| fingerprint(&self.prints, &page.items))
        })?;
        match self.last_page {
            Some((last, earlier)) if last == print => Some(earlier),
            _ => {
                self.last_page = Some((print, number));
                None
            }
        }
    }

    /// True for the last page of a numbered style: empty, or short when asked.
    fn is_last_numbered(&self, page: &Page<T>) -> bool {
        let entries = usize::try_from(page.entries()).unwrap_or(usize::MAX);
        matches!(self.settings.chain, Chain::Numbered { .. })
            && (entries == 0
                || self
                    .settings
                    .short_page
                    .is_some_and(|limit| entries < limit))
    }

    fn fail(&mut self, key: PageKey, number: u64, attempts: u32, kind: PageErrorKind) -> PageError {
        self.exhausted = true;
        self.window.clear();
        self.next_key = None;
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        let mut position = Position::new(key.clone(), skip);
        // A failed page of a resumed run keeps the guard it was resumed with.
        if self.delivered == 0 {
            position.loops_to.clone_from(&self.settings.loops_to);
        }
        PageError::new(kind, key, number, attempts, position)
    }
}

/// The key of the page a linked page names as its next: a URL after a URL, else a
/// cursor.
fn linked_key(key: &PageKey, next: &str) -> PageKey {
    match key {
        PageKey::Url(_) => PageKey::Url(next.to_owned()),
        _ => PageKey::Cursor(Some(next.to_owned())),
    }
}

/// Fetches one page: waits for the rate budget, applies the timeout, and retries
/// transient failures with backoff.
fn attempts<T: Send + 'static>(
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
                        async_io::Timer::after(limit).await;
                        Err(FetchError::transient(format!("timed out after {limit:?}")))
                    })
                    .await
                }
            };
            match result {
                Err(error) if error.is_transient() && attempt < retry.max_attempts() => {
                    async_io::Timer::after(retry.delay(attempt, error.retry_after())).await;
                }
                result => return (result, attempt),
            }
        }
    })
}
