//! The cursors and URLs a run has fetched, for loop detection, in bounded memory.
//!
//! A run that pages an endless change feed must not grow without bound, yet a
//! loop of any length must still be found. Two sets do both:
//!
//! - the last [`RECENT_KEYS`] keys fetched: a loop of up to that many pages is
//!   reported the moment it closes, naming the page it goes back to;
//! - checkpoints, kept for the whole run: the key of every page whose number is a
//!   power of two (at most 64 of them), and the keys a resumed run starts from.
//!   A longer loop is reported when it comes back to a checkpoint (Brent's cycle
//!   detection): a loop entered at page `m` and `n` pages long is caught by page
//!   `2m + n` at the latest.
//!
//! Each key is kept as a 128-bit fingerprint with its page number: about 40
//! bytes a key, so at most about 400 KiB a run.

use std::collections::{HashMap, VecDeque};

/// Keys remembered exactly, most recent first out.
pub(crate) const RECENT_KEYS: usize = 10_000;

/// The keys seen in a run, recent ones and checkpoints.
pub(super) struct SeenKeys {
    /// Fingerprint -> the page fetched with it (`None`: by the run this one resumed).
    recent: HashMap<u128, Option<u64>>,
    order: VecDeque<u128>,
    checkpoints: HashMap<u128, Option<u64>>,
}

impl SeenKeys {
    pub(super) fn new() -> Self {
        Self {
            recent: HashMap::new(),
            order: VecDeque::new(),
            checkpoints: HashMap::new(),
        }
    }

    /// Remembers a key for the whole run (a resumed run's start or loop target).
    pub(super) fn pin(&mut self, print: u128, page: Option<u64>) {
        self.checkpoints.insert(print, page);
    }

    /// Remembers `print` as fetched by page `page`; if it was fetched before,
    /// `Err` with the page that did (`None`: the run this one resumed).
    pub(super) fn check_and_insert(&mut self, print: u128, page: u64) -> Result<(), Option<u64>> {
        if let Some(earlier) = self
            .recent
            .get(&print)
            .or_else(|| self.checkpoints.get(&print))
        {
            return Err(*earlier);
        }
        if page.is_power_of_two() {
            self.checkpoints.insert(print, Some(page));
        }
        self.recent.insert(print, Some(page));
        self.order.push_back(print);
        if self.order.len() > RECENT_KEYS {
            if let Some(oldest) = self.order.pop_front() {
                self.recent.remove(&oldest);
            }
        }
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.recent.len() + self.checkpoints.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{RECENT_KEYS, SeenKeys};

    #[test]
    fn an_endless_feed_keeps_bounded_memory() {
        let mut seen = SeenKeys::new();
        for page in 1..=200_000u64 {
            assert!(seen.check_and_insert(u128::from(page), page).is_ok());
        }
        assert!(seen.len() <= RECENT_KEYS + 64, "{}", seen.len());
    }

    #[test]
    fn a_short_loop_is_found_when_it_closes() {
        let mut seen = SeenKeys::new();
        // Keys 1, 2, 3, then back to 2.
        for (page, key) in [(1, 1), (2, 2), (3, 3)] {
            assert!(seen.check_and_insert(key, page).is_ok());
        }
        assert_eq!(seen.check_and_insert(2, 4), Err(Some(2)));
    }

    #[test]
    fn a_loop_longer_than_the_recent_keys_is_still_found() {
        let mut seen = SeenKeys::new();
        // Enter a loop of 25,000 keys at page 100: keys cycle 100..25_100.
        let key_of = |page: u64| {
            if page < 100 {
                page
            } else {
                100 + (page - 100) % 25_000
            }
        };
        let mut found = None;
        for page in 1..=200_000u64 {
            if let Err(earlier) = seen.check_and_insert(u128::from(key_of(page)), page) {
                found = Some((page, earlier));
                break;
            }
        }
        let (page, earlier) = found.expect("the loop is found");
        assert!(page <= 2 * 100 + 25_000 + 128, "found at page {page}");
        assert_eq!(key_of(page), key_of(earlier.unwrap()));
    }
}
