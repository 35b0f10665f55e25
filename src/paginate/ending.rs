//! What tells a run that it is over, besides an empty page or a missing next:
//! what the pages say (a stop flag, a total of items or pages) and what they
//! show (the fullest page so far, for short pages and for the offsets a capped
//! API really serves).

use super::PageKey;
use super::page::{Page, Stop};

/// What the pages fetched so far said and showed.
#[derive(Debug, Default)]
pub(super) struct Ending {
    /// The most entries a page held.
    pub(super) fullest: u64,
    /// The totals the latest page that told one said, with that page's number.
    total_items: Option<(u64, u64)>,
    total_pages: Option<(u64, u64)>,
    /// A page said it was the last: no page after this run number.
    pub(super) last_number: Option<u64>,
}

impl Ending {
    /// Takes in what page `number` held and said, as soon as it is fetched (in
    /// any order: with prefetch, pages finish out of order).
    pub(super) fn observe<T>(&mut self, number: u64, page: &Page<T>) {
        self.fullest = self.fullest.max(page.entries());
        let Stop {
            more,
            total_items,
            total_pages,
        } = page.stop;
        if more == Some(false) {
            self.last_number = Some(self.last_number.map_or(number, |last| last.min(number)));
        }
        let latest = |known: &mut Option<(u64, u64)>, told: Option<u64>| {
            if let Some(total) = told {
                if known.is_none_or(|(from, _)| from <= number) {
                    *known = Some((number, total));
                }
            }
        };
        latest(&mut self.total_items, total_items);
        latest(&mut self.total_pages, total_pages);
    }

    /// The total number of items, when a page told it.
    pub(super) fn total_items(&self) -> Option<u64> {
        self.total_items.map(|(_, total)| total)
    }

    /// The total number of pages, when a page told it.
    pub(super) fn total_pages(&self) -> Option<u64> {
        self.total_pages.map(|(_, total)| total)
    }

    /// How far an offset run guesses the next page starts: the fullest page so
    /// far (a capped API's real page size), or the requested limit before any.
    pub(super) fn offset_step(&self, limit: u64) -> u64 {
        if self.fullest > 0 {
            self.fullest
        } else {
            limit
        }
    }

    /// True when the numbered page `key` lies past the end the totals give: a run
    /// whose first page is `first`, `step` apart.
    pub(super) fn past_end(&self, key: &PageKey, first: &PageKey, step: u64) -> bool {
        let (items, pages) = (self.total_items(), self.total_pages());
        match (key, first) {
            (PageKey::Page(number), PageKey::Page(first)) => {
                let Some(index) = number.checked_sub(*first).map(|d| d / step.max(1)) else {
                    return false;
                };
                pages.is_some_and(|pages| index >= pages)
                    || items.is_some_and(|items| {
                        self.fullest > 0 && index.saturating_mul(self.fullest) >= items
                    })
            }
            (PageKey::Offset(offset), _) => {
                items.is_some_and(|items| *offset >= items)
                    || pages.is_some_and(|pages| {
                        self.fullest > 0 && *offset >= pages.saturating_mul(self.fullest)
                    })
            }
            _ => false,
        }
    }

    /// True for a page with fewer entries than the fullest page so far.
    pub(super) fn is_short(&self, entries: u64) -> bool {
        entries < self.fullest
    }
}

#[cfg(test)]
mod tests {
    use super::Ending;
    use crate::paginate::{Page, PageKey};

    #[test]
    fn totals_of_items_and_pages_bound_both_numbered_styles() {
        let mut ending = Ending::default();
        ending.observe(1, &Page::new(vec![0; 100]).with_total_items(2_000));
        let first = PageKey::Page(1);
        assert!(!ending.past_end(&PageKey::Page(20), &first, 1));
        assert!(ending.past_end(&PageKey::Page(21), &first, 1));
        assert!(!ending.past_end(&PageKey::Offset(1_900), &PageKey::Offset(0), 100));
        assert!(ending.past_end(&PageKey::Offset(2_000), &PageKey::Offset(0), 100));
        let mut ending = Ending::default();
        ending.observe(1, &Page::new(vec![0; 10]).with_total_pages(3));
        let first = PageKey::Page(0);
        assert!(!ending.past_end(&PageKey::Page(2), &first, 1));
        assert!(ending.past_end(&PageKey::Page(3), &first, 1));
    }

    #[test]
    fn the_latest_page_total_counts_whatever_the_order_pages_finish_in() {
        let mut ending = Ending::default();
        ending.observe(3, &Page::new(vec![1]).with_total_items(30));
        ending.observe(2, &Page::new(vec![1]).with_total_items(20));
        assert_eq!(ending.total_items(), Some(30));
        ending.observe(2, &Page::new(vec![1]).with_more(false));
        ending.observe(3, &Page::new(vec![1]).with_more(false));
        assert_eq!(ending.last_number, Some(2));
    }
}
