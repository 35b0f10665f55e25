//! One page's JSON body, read in one pass: each item parsed straight into `T`
//! (never through a `serde_json::Value` of the whole page), and the next cursor or
//! URL taken at its own pointer.
//!
//! Peak memory for a page is its body plus its items: each item is borrowed from
//! the body as raw JSON, fingerprinted, and parsed once.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::chunks::json_array::pointer_tokens;
use crate::paginate::fingerprint::Fingerprinter;

/// What a page body held.
pub(crate) struct PageBody<T> {
    /// The entries of the items' array that are items, in order.
    pub(crate) items: Vec<T>,
    /// The entries that are not, with their index among all entries.
    pub(crate) rejected: Vec<(u64, serde_json::Error)>,
    /// The fingerprint of the entries' raw bytes.
    pub(crate) fingerprint: u128,
    /// The value at the next pointer, if asked for and present.
    pub(crate) next: Option<Value>,
    /// Whether the items' array was found.
    pub(crate) found_items: bool,
}

/// Reads `body`: the array at `items_at` and the value at `next_at`.
pub(crate) fn read_page<T: DeserializeOwned>(
    body: &[u8],
    items_at: &str,
    next_at: Option<&str>,
    prints: &Fingerprinter,
) -> Result<PageBody<T>, serde_json::Error> {
    let mut page = PageBody {
        items: Vec::new(),
        rejected: Vec::new(),
        fingerprint: 0,
        next: None,
        found_items: false,
    };
    let items_path = pointer_tokens(items_at);
    let next_path = next_at.map(pointer_tokens);
    let mut raw_prints: Vec<[u8; 16]> = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    Walk {
        depth: 0,
        on_items: true,
        on_next: next_path.is_some(),
        items_path: &items_path,
        next_path: next_path.as_deref().unwrap_or(&[]),
        out: &mut page,
        raw_prints: &mut raw_prints,
        prints,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    page.fingerprint = prints.of_parts(raw_prints.iter().map(<[u8; 16]>::as_slice));
    Ok(page)
}

/// One value of the document at `depth`, on the way to the items, the next
/// pointer, both, or neither (then skipped).
struct Walk<'a, T> {
    depth: usize,
    on_items: bool,
    on_next: bool,
    items_path: &'a [String],
    next_path: &'a [String],
    out: &'a mut PageBody<T>,
    raw_prints: &'a mut Vec<[u8; 16]>,
    prints: &'a Fingerprinter,
}

impl<T> Walk<'_, T> {
    fn is_items(&self) -> bool {
        self.on_items && self.depth == self.items_path.len()
    }

    fn is_next(&self) -> bool {
        self.on_next && self.depth == self.next_path.len()
    }

    /// The walk into the child named `name`, if any pointer goes through it.
    fn child(&mut self, name: &str) -> Option<Walk<'_, T>> {
        let on_items = self.on_items
            && self.depth < self.items_path.len()
            && self.items_path[self.depth] == name;
        let on_next =
            self.on_next && self.depth < self.next_path.len() && self.next_path[self.depth] == name;
        (on_items || on_next).then(|| Walk {
            depth: self.depth + 1,
            on_items,
            on_next,
            items_path: self.items_path,
            next_path: self.next_path,
            out: &mut *self.out,
            raw_prints: &mut *self.raw_prints,
            prints: self.prints,
        })
    }
}

impl<T: DeserializeOwned> Walk<'_, T> {
    /// The items' array: each entry borrowed raw, fingerprinted, parsed into `T`
    /// once.
    fn read_items<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.out.found_items = true;
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let text = raw.get();
            self.raw_prints
                .push(self.prints.of_parts([text.as_bytes()]).to_le_bytes());
            let index = (self.out.items.len() + self.out.rejected.len()) as u64;
            match serde_json::from_str(text) {
                Ok(item) => self.out.items.push(item),
                Err(error) => self.out.rejected.push((index, error)),
            }
        }
        Ok(())
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Walk<'_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.is_next() {
            // The next cursor or URL: a small value, kept whole.
            self.out.next = Some(Value::deserialize(deserializer)?);
            return Ok(());
        }
        deserializer.deserialize_any(self)
    }
}

use serde::Deserialize as _;

impl<'de, T: DeserializeOwned> Visitor<'de> for Walk<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.child(&key) {
                Some(child) => map.next_value_seed(child)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.is_items() {
            return self.read_items(seq);
        }
        let mut index = 0usize;
        loop {
            let name = index.to_string();
            let more = match self.child(&name) {
                Some(child) => seq.next_element_seed(child)?.is_some(),
                None => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    // Scalars on the way, or where the items' array should be (then
    // `found_items` stays false): nothing to find in them.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::read_page;
    use crate::paginate::fingerprint::Fingerprinter;

    #[test]
    fn items_and_next_come_from_one_pass() {
        let body = br#"{"meta": {"next": "c2", "x": [1, {"y": 2}]}, "data": [1, "two", 3]}"#;
        let page =
            read_page::<u32>(body, "/data", Some("/meta/next"), &Fingerprinter::new()).unwrap();
        assert!(page.found_items);
        assert_eq!((page.items.len(), page.rejected.len()), (2, 1));
        assert_eq!(page.rejected[0].0, 1);
        assert_eq!(page.next, Some(serde_json::json!("c2")));
    }

    #[test]
    fn the_same_items_give_the_same_fingerprint() {
        let prints = Fingerprinter::new();
        let a = read_page::<u32>(br#"{"d": [1, 2], "n": 1}"#, "/d", None, &prints).unwrap();
        let b = read_page::<u32>(br#"{"n": 2, "d": [1, 2]}"#, "/d", None, &prints).unwrap();
        let c = read_page::<u32>(br#"{"d": [1, 3]}"#, "/d", None, &prints).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
    }

    #[test]
    fn a_pointer_into_arrays_and_a_missing_array() {
        let prints = Fingerprinter::new();
        let page = read_page::<u32>(
            br#"{"pages": [{"d": []}, {"d": [7]}]}"#,
            "/pages/1/d",
            None,
            &prints,
        )
        .unwrap();
        assert_eq!(page.items, [7]);
        let page = read_page::<u32>(br#"{"d": {"not": "an array"}}"#, "/d", None, &prints).unwrap();
        assert!(!page.found_items);
        assert!(read_page::<u32>(br#"{"d": [1, 2"#, "/d", None, &prints).is_err());
    }
}
