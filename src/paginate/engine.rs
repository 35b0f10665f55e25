//! The engine both paginated streams share: a window of page fetches, started
//! ahead (prefetch), retried in place, delivered in order; what ends a run, loop
//! detection and the resume rules (which entries of the first page to skip,
//! which keys count as seen) live here, in one place.

use std::collections::VecDeque;
use std::task::{Context, Poll};

use super::attempts::{Attempts, attempts};
use super::ending::Ending;
use super::fingerprint::Fingerprinter;
use super::paginator::{Chain, Paginator};
use super::seen::SeenKeys;
use super::{FetchError, Fetched, Page, PageError, PageErrorKind, PageKey, Position};

/// A page in the window: still fetching, or fetched and waiting for the consumer.
// A fetched page is the common state, and at most `prefetch` slots exist: boxing it
// would add an allocation a page and save nothing that matters.
#[allow(clippy::large_enum_variant)]
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

/// What `poll_page` found about a fetched page before delivering it.
#[derive(Clone, Copy)]
struct Read {
    /// The number of the page it repeats, if its entries are the last page's.
    repeats: Option<u64>,
    /// It is the last page of a numbered run.
    is_last: bool,
}

/// The engine both streams share: a window of page fetches, delivered in order.
pub(crate) struct Engine<T> {
    settings: Paginator<T>,
    window: VecDeque<InFlight<T>>,
    /// The key of the next page to start, when known.
    next_key: Option<PageKey>,
    /// Pages started so far (the run number of the last one started).
    started: u64,
    /// Pages delivered so far.
    pub(crate) delivered: u64,
    /// No page after the last one started (the run's end was seen, or
    /// `max_pages`).
    exhausted: bool,
    /// The first page has answered: the window may open to `prefetch` pages.
    opened: bool,
    /// What the pages said of the run's end.
    pub(super) ending: Ending,
    /// The cursors and URLs fetched, for loops.
    seen: SeenKeys,
    prints: Fingerprinter,
    /// The fingerprint and number of the last page delivered, if it had entries.
    last_page: Option<(u128, u64)>,
    /// Two non-empty pages of the run differed: the API reads its page key.
    pages_differed: bool,
    /// Items to skip on the first page delivered (resuming).
    pub(crate) skip: u64,
    /// The position of the error that ended the run, once it was handed over.
    failed_at: Option<Position>,
    /// An error found while delivering the last page (its next loops, or could not
    /// be read), reported after that page.
    pending: Option<PageError>,
}

impl<T> Engine<T> {
    pub(super) fn new(settings: Paginator<T>) -> Self {
        let prints = Fingerprinter::new();
        let mut seen = SeenKeys::new();
        let is_url = matches!(settings.start, PageKey::Url(_));
        if let Some(start) = key_text(&settings.start) {
            seen.pin(prints.of_key(start, is_url), Some(1));
        }
        if let Some(loops_to) = &settings.loops_to {
            seen.pin(prints.of_key(loops_to, is_url), None);
        }
        Self {
            prints,
            last_page: None,
            pages_differed: false,
            failed_at: None,
            next_key: Some(settings.start.clone()),
            skip: settings.skip,
            settings,
            window: VecDeque::new(),
            started: 0,
            delivered: 0,
            exhausted: false,
            opened: false,
            ending: Ending::default(),
            seen,
            pending: None,
        }
    }

    pub(crate) fn max_items(&self) -> Option<u64> {
        self.settings.max_items
    }

    fn is_numbered(&self) -> bool {
        matches!(self.settings.chain, Chain::Numbered { .. })
    }

    /// The key to start after `key` in a numbered style (an offset guessed from
    /// the fullest page so far); `None` for linked styles, and when the next
    /// number would not fit in a `u64`.
    fn after(&self, key: &PageKey) -> Option<PageKey> {
        match (self.settings.chain, key) {
            (Chain::Numbered { step }, PageKey::Page(n)) => n.checked_add(step).map(PageKey::Page),
            (Chain::Numbered { step }, PageKey::Offset(n)) => n
                .checked_add(self.ending.offset_step(step))
                .map(PageKey::Offset),
            _ => None,
        }
    }

    /// The key that really follows a numbered page of `entries` entries: the
    /// next number, or the offset plus the entries that came.
    fn after_page(&self, key: &PageKey, entries: u64) -> Option<PageKey> {
        match (self.settings.chain, key) {
            (Chain::Numbered { .. }, PageKey::Offset(n)) => {
                n.checked_add(entries).map(PageKey::Offset)
            }
            _ => self.after(key),
        }
    }

    fn past_end(&self, key: &PageKey) -> bool {
        let Chain::Numbered { step } = self.settings.chain else {
            return false;
        };
        self.ending.past_end(key, &self.settings.first, step)
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
        // Numbered styles fetch the first page alone: it may tell the total, and
        // a run shorter than the window then asks for nothing past its end.
        let room = if self.opened || !self.is_numbered() {
            self.settings.prefetch
        } else {
            1
        };
        while !self.exhausted && self.window.len() < room {
            let at_max = self
                .settings
                .max_pages
                .is_some_and(|max| self.started >= max);
            let past_last = self
                .ending
                .last_number
                .is_some_and(|last| self.started >= last);
            if at_max || past_last {
                self.exhausted = true;
                break;
            }
            let Some(key) = self.next_key.take() else {
                break;
            };
            if self.started > 0 && self.past_end(&key) {
                self.exhausted = true;
                break;
            }
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

    /// Ends the run here: no page after the one being delivered.
    fn end_here(&mut self) {
        self.exhausted = true;
        self.window.clear();
        self.next_key = None;
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
            if self.is_past_the_end_status(&key, &result) {
                // "No such page" after the first: the run is over, cleanly.
                self.end_here();
                continue;
            }
            let repeats = match &result {
                Ok(page) => self.repeats_last_page(page, number),
                Err(_) => None,
            };
            if repeats.is_some() && self.is_numbered() && self.pages_differed {
                // The API reads the page key (two pages differed), so a page equal
                // to the one before is a number past the end clamped to the last
                // page: the run is over, and nothing is delivered twice.
                self.end_here();
                continue;
            }
            let is_last = result
                .as_ref()
                .is_ok_and(|page| self.is_last_numbered(&key, page));
            if is_last {
                // Drop the fetches started after it and start nothing more.
                self.end_here();
            } else if let Ok(page) = &result {
                self.realign(&key, page.entries(), number);
            }
            // Before handing the page over, start the fetch its place in the window
            // frees: the next page loads while the consumer works on this one.
            self.start_fetches();
            self.poll_fetches(cx);
            let read = Read { repeats, is_last };
            let delivered = self.deliver(key, number, result, attempts, loops_to, read);
            if let Err(error) = &delivered {
                self.failed_at = Some(error.position().clone());
            }
            return Poll::Ready(Some(delivered));
        }
    }

    /// True when a numbered page after the first failed with a status that means
    /// "no such page" (404 by default).
    fn is_past_the_end_status(&self, key: &PageKey, result: &Result<Page<T>, FetchError>) -> bool {
        let Err(error) = result else { return false };
        self.is_numbered()
            && *key != self.settings.first
            && error
                .status()
                .is_some_and(|status| self.settings.end_statuses.contains(&status))
    }

    /// After an offset page with `entries` entries: if the pages started after it
    /// assumed another page size (a capped API serves fewer than asked), they are
    /// dropped and fetched again from where this page really ends.
    fn realign(&mut self, key: &PageKey, entries: u64, number: u64) {
        let PageKey::Offset(_) = key else { return };
        let Some(next) = self.after_page(key, entries) else {
            return; // reported as an overflow when the page is delivered
        };
        let planned = self
            .window
            .front()
            .map(|page| &page.key)
            .or(self.next_key.as_ref());
        if planned == Some(&next) {
            return;
        }
        self.window.clear();
        self.started = number;
        self.next_key = Some(next);
        self.exhausted = false;
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
            let (key, number) = (entry.key.clone(), entry.number);
            let last_started = index + 1 == self.window.len();
            if let Ok(page) = &result {
                self.ending.observe(number, page);
                // The newest offset page tells where the next really starts: the
                // pages started from here on need no guess about it.
                if last_started && matches!(key, PageKey::Offset(_)) && self.next_key.is_some() {
                    // An empty page is the last: nothing starts after it.
                    self.next_key = match page.entries() {
                        0 => None,
                        entries => self.after_page(&key, entries),
                    };
                }
            }
            let entry = &mut self.window[index];
            entry.slot = Slot::Done(result, attempts);
            progressed = true;
            self.opened = true;
            // A linked page names the next: it can start now.
            if self.settings.chain == Chain::Linked && last_started {
                self.link_next(index);
            }
        }
        progressed
    }

    /// After linked page `index` is fetched: its next cursor or URL becomes the next
    /// key, unless the page says it is the last or the API loops.
    fn link_next(&mut self, index: usize) {
        let is_url = self.is_url_chain();
        let entry = &mut self.window[index];
        let Slot::Done(Ok(page), _) = &entry.slot else {
            return;
        };
        let next = match &page.next {
            Some(next) if page.stop.more != Some(false) && page.next_error.is_none() => next,
            _ => {
                self.exhausted = true;
                return;
            }
        };
        if self.settings.repeat_ends && key_text(&entry.key) == Some(next.as_str()) {
            // The API repeats the token it was given to say there is no more.
            self.exhausted = true;
            return;
        }
        let print = self.prints.of_key(next, is_url);
        match self.seen.check_and_insert(print, entry.number + 1) {
            // Reported after this page is delivered.
            Err(earlier) => {
                entry.loops_to = Some((next.clone(), earlier));
                self.exhausted = true;
            }
            Ok(()) => self.next_key = Some(linked_key(&entry.key, next)),
        }
    }

    fn deliver(
        &mut self,
        key: PageKey,
        number: u64,
        result: Result<Page<T>, FetchError>,
        attempts: u32,
        looping: Option<(String, Option<u64>)>,
        read: Read,
    ) -> Result<Fetched<T>, PageError> {
        let Read { repeats, is_last } = read;
        let mut page = match result {
            Ok(page) => page,
            Err(error) => {
                return Err(self.fail(key, number, attempts, PageErrorKind::Fetch(error)));
            }
        };
        if let Err(message) = page.check_rejected() {
            let error = PageErrorKind::Fetch(FetchError::permanent(message));
            return Err(self.fail(key, number, attempts, error));
        }
        let entries = page.entries();
        // Where to go on from after this page's last entry, when it is not the end.
        let past_page = Position::new(key.clone(), entries);
        if let Some(earlier) = repeats {
            // Its entries are the last page's again: none is delivered.
            let kind = PageErrorKind::RepeatedPage {
                page: earlier,
                hint: self.settings.repeat_hint.clone(),
            };
            let mut error = self.fail(key, number, attempts, kind);
            error.set_position(past_page);
            return Err(error);
        }
        let numbered_next = self.after_page(&key, entries);
        let overflows = self.is_numbered() && !is_last && numbered_next.is_none();
        self.delivered += 1;
        let pending = if let Some(error) = page.next_error.take() {
            // The page is fine and is delivered; what follows it could not be read.
            Some((PageErrorKind::Fetch(error), None))
        } else if let Some((next, earlier)) = looping {
            // The page is delivered; what it points to is not. The error names the
            // key the loop went back to so a resumed run does not go round it again.
            let kind = PageErrorKind::Loop {
                next: next.clone(),
                page: earlier,
            };
            Some((kind, Some(next)))
        } else if overflows {
            Some((PageErrorKind::KeyOverflow, None))
        } else {
            None
        };
        if let Some((kind, loops_to)) = pending {
            let mut error = self.fail(key.clone(), number, attempts, kind);
            let mut position = past_page.clone();
            position.loops_to = loops_to;
            error.set_position(position);
            self.pending = Some(error);
        }
        let said_last = page.stop.more == Some(false);
        let next_position = match (self.settings.chain, &page.next) {
            (Chain::Numbered { .. }, _) => numbered_next,
            (Chain::Linked, Some(next)) if !said_last => Some(linked_key(&key, next)),
            (Chain::Linked, _) => None,
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
            last => {
                self.pages_differed |= last.is_some();
                self.last_page = Some((print, number));
                None
            }
        }
    }

    /// True for the last page of a numbered style: empty, short when asked, said
    /// to be the last, the last by the totals, or followed by an unreadable next.
    fn is_last_numbered(&self, key: &PageKey, page: &Page<T>) -> bool {
        let entries = page.entries();
        self.is_numbered()
            && (entries == 0
                || (self.settings.short_page && self.ending.is_short(entries))
                || page.stop.more == Some(false)
                || page.next_error.is_some()
                || self
                    .after_page(key, entries)
                    .is_some_and(|next| self.past_end(&next)))
    }

    fn fail(&mut self, key: PageKey, number: u64, attempts: u32, kind: PageErrorKind) -> PageError {
        self.end_here();
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        let mut position = Position::new(key.clone(), skip);
        // A failed page of a resumed run keeps the guard it was resumed with.
        if self.delivered == 0 {
            position.loops_to.clone_from(&self.settings.loops_to);
        }
        PageError::new(kind, key, number, attempts, position)
    }
}

/// The cursor, URL or key text of a linked key.
fn key_text(key: &PageKey) -> Option<&str> {
    match key {
        PageKey::Cursor(Some(text)) | PageKey::Url(text) | PageKey::After(Some(text)) => Some(text),
        _ => None,
    }
}

/// The key of the page a linked page names as its next: a URL after a URL, a key
/// after a key taken from an entry, else a cursor.
fn linked_key(key: &PageKey, next: &str) -> PageKey {
    match key {
        PageKey::Url(_) => PageKey::Url(next.to_owned()),
        PageKey::After(_) => PageKey::After(Some(next.to_owned())),
        _ => PageKey::Cursor(Some(next.to_owned())),
    }
}
