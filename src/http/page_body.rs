//! One page's JSON body, read in one pass: each item parsed straight into `T`
//! (never through a `serde_json::Value` of the whole page), and the small values
//! a page run needs (next cursor or URL, stop flags, totals, GraphQL errors)
//! taken at their own pointers.
//!
//! Peak memory for a page is its body plus its items: each item is borrowed from
//! the body as raw JSON, fingerprinted, and parsed once.

use std::fmt;

use serde::Deserialize as _;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::chunks::json_array::pointer_tokens;
use crate::paginate::fingerprint::Fingerprinter;

/// Where the items may be: an array at `array`, each item at `item` inside its
/// entry (`""`: the entry itself).
pub(crate) struct ItemsAt {
    pub(crate) array: String,
    pub(crate) item: String,
}

/// What to read of a page body.
pub(crate) struct Reading<'a> {
    /// Where the items' array may be, first choice first (GraphQL's `nodes`, then
    /// `edges`); the first found is read.
    pub(crate) items: &'a [ItemsAt],
    /// Small values to keep, by pointer.
    pub(crate) values: &'a [&'a str],
    /// Keep the last entry whole (its key is the next page's).
    pub(crate) last_entry: bool,
}

/// What a page body held.
pub(crate) struct PageBody<T> {
    /// The entries of the items' array that are items, in order.
    pub(crate) items: Vec<T>,
    /// The entries that are not, with their index among all entries.
    pub(crate) rejected: Vec<(u64, serde_json::Error)>,
    /// The fingerprint of the entries' raw bytes.
    pub(crate) fingerprint: u128,
    /// The value at each pointer of [`Reading::values`], when present.
    pub(crate) values: Vec<Option<Value>>,
    /// Which of [`Reading::items`] was found, if any.
    pub(crate) found_items: Option<usize>,
    /// The last entry, when asked for and the page has one.
    pub(crate) last_entry: Option<Value>,
}

/// Reads `body` as `reading` says.
pub(crate) fn read_page<T: DeserializeOwned>(
    body: &[u8],
    reading: &Reading<'_>,
    prints: &Fingerprinter,
) -> Result<PageBody<T>, serde_json::Error> {
    let mut page = PageBody {
        items: Vec::new(),
        rejected: Vec::new(),
        fingerprint: 0,
        values: vec![None; reading.values.len()],
        found_items: None,
        last_entry: None,
    };
    let paths: Vec<Vec<String>> = reading
        .items
        .iter()
        .map(|at| pointer_tokens(&at.array))
        .chain(reading.values.iter().map(|at| pointer_tokens(at)))
        .collect();
    let item_paths: Vec<Vec<String>> = reading
        .items
        .iter()
        .map(|at| pointer_tokens(&at.item))
        .collect();
    let mut raw_prints: Vec<[u8; 16]> = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut out = Out {
        page: &mut page,
        raw_prints: &mut raw_prints,
        prints,
        item_paths: &item_paths,
        last_entry: reading.last_entry,
    };
    Walk {
        depth: 0,
        on: (0..paths.len()).collect(),
        paths: &paths,
        arrays: reading.items.len(),
        out: &mut out,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    page.fingerprint = prints.of_parts(raw_prints.iter().map(<[u8; 16]>::as_slice));
    Ok(page)
}

/// Where a walk writes what it finds.
struct Out<'a, T> {
    page: &'a mut PageBody<T>,
    raw_prints: &'a mut Vec<[u8; 16]>,
    prints: &'a Fingerprinter,
    item_paths: &'a [Vec<String>],
    last_entry: bool,
}

/// One value of the document at `depth`, on the way to the pointers in `on`
/// (indexes into `paths`: the first `arrays` are item arrays, the rest values);
/// skipped when on the way to none.
struct Walk<'a, 'o, T> {
    depth: usize,
    on: Vec<usize>,
    paths: &'a [Vec<String>],
    arrays: usize,
    out: &'a mut Out<'o, T>,
}

impl<'o, T> Walk<'_, 'o, T> {
    /// The walk into the child named `name`, if any pointer goes through it.
    fn child(&mut self, name: &str) -> Option<Walk<'_, 'o, T>> {
        let on: Vec<usize> = self
            .on
            .iter()
            .copied()
            .filter(|&at| {
                self.paths[at]
                    .get(self.depth)
                    .is_some_and(|token| token == name)
            })
            .collect();
        (!on.is_empty()).then(|| Walk {
            depth: self.depth + 1,
            on,
            paths: self.paths,
            arrays: self.arrays,
            out: &mut *self.out,
        })
    }

    /// The pointers that end here.
    fn ending_here(&self) -> impl Iterator<Item = usize> + '_ {
        self.on
            .iter()
            .copied()
            .filter(|&at| self.paths[at].len() == self.depth)
    }

    /// The item array that ends here, if it is a better choice than one found.
    fn items_here(&self) -> Option<usize> {
        let candidate = self.ending_here().find(|&at| at < self.arrays)?;
        match self.out.page.found_items {
            Some(found) if found < candidate => None,
            _ => Some(candidate),
        }
    }
}

impl<T: DeserializeOwned> Out<'_, T> {
    /// The items' array (candidate `at`): each entry borrowed raw, fingerprinted,
    /// its item parsed into `T` once.
    fn read_items<'de, A: SeqAccess<'de>>(
        &mut self,
        at: usize,
        mut seq: A,
    ) -> Result<(), A::Error> {
        if self.page.found_items.is_some() {
            // A worse choice was read first: this one replaces it.
            self.page.items.clear();
            self.page.rejected.clear();
            self.raw_prints.clear();
        }
        self.page.found_items = Some(at);
        let item_path = &self.item_paths[at];
        let mut last: Option<&'de RawValue> = None;
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let text = raw.get();
            self.raw_prints
                .push(self.prints.of_parts([text.as_bytes()]).to_le_bytes());
            let index = (self.page.items.len() + self.page.rejected.len()) as u64;
            match item_in(text, item_path) {
                Ok(item) => self.page.items.push(item),
                Err(error) => self.page.rejected.push((index, error)),
            }
            last = Some(raw);
        }
        if self.last_entry {
            self.page.last_entry = match last {
                Some(raw) => Some(serde_json::from_str(raw.get()).map_err(de::Error::custom)?),
                None => None,
            };
        }
        Ok(())
    }
}

/// The item at `path` inside one entry.
fn item_in<T: DeserializeOwned>(entry: &str, path: &[String]) -> Result<T, serde_json::Error> {
    if path.is_empty() {
        return serde_json::from_str(entry);
    }
    let mut deserializer = serde_json::Deserializer::from_str(entry);
    let found = Descend {
        path,
        item: None::<T>,
    }
    .deserialize(&mut deserializer)?;
    found.ok_or_else(|| {
        de::Error::custom(format!("no value at {:?} in the entry", pointer_of(path)))
    })
}

fn pointer_of(path: &[String]) -> String {
    let mut pointer = String::new();
    for token in path {
        pointer.push('/');
        pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
    }
    pointer
}

/// Descends `path` inside one entry and parses what is there.
struct Descend<'a, T> {
    path: &'a [String],
    item: Option<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Descend<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        if self.path.is_empty() {
            return T::deserialize(deserializer).map(Some);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Descend<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an entry")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<T>, A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.item.is_none() && key == self.path[0] {
                self.item = map.next_value_seed(Descend {
                    path: &self.path[1..],
                    item: None,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(self.item)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Option<T>, A::Error> {
        let mut index = 0usize;
        loop {
            let more = if self.item.is_none() && self.path[0] == index.to_string() {
                match seq.next_element_seed(Descend {
                    path: &self.path[1..],
                    item: None,
                })? {
                    Some(item) => {
                        self.item = item;
                        true
                    }
                    None => false,
                }
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(self.item);
            }
            index += 1;
        }
    }

    // A scalar where the path goes on: nothing there.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Walk<'_, '_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let values: Vec<usize> = self.ending_here().filter(|&at| at >= self.arrays).collect();
        if values.is_empty() {
            return deserializer.deserialize_any(self);
        }
        // A small value, kept whole; pointers that go deeper read inside it.
        let value = Value::deserialize(deserializer)?;
        for &at in &self.on {
            if at < self.arrays {
                continue;
            }
            let rest = pointer_of(&self.paths[at][self.depth..]);
            if let Some(found) = value.pointer(&rest) {
                self.out.page.values[at - self.arrays] = Some(found.clone());
            }
        }
        Ok(())
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Walk<'_, '_, T> {
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
        if let Some(at) = self.items_here() {
            return self.out.read_items(at, seq);
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

    // Scalars on the way, or where the items' array should be (then it is not
    // found): nothing to find in them.
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
    use super::{ItemsAt, Reading, read_page};
    use crate::paginate::fingerprint::Fingerprinter;
    use serde_json::json;

    fn at(array: &str, item: &str) -> ItemsAt {
        ItemsAt {
            array: array.into(),
            item: item.into(),
        }
    }

    #[test]
    fn items_and_values_come_from_one_pass() {
        let body =
            br#"{"meta": {"next": "c2", "total": 7, "x": [1, {"y": 2}]}, "data": [1, "two", 3]}"#;
        let items = [at("/data", "")];
        let reading = Reading {
            items: &items,
            values: &["/meta/next", "/meta/total", "/meta/missing"],
            last_entry: true,
        };
        let page = read_page::<u32>(body, &reading, &Fingerprinter::new()).unwrap();
        assert_eq!(page.found_items, Some(0));
        assert_eq!((page.items.len(), page.rejected.len()), (2, 1));
        assert_eq!(page.rejected[0].0, 1);
        assert_eq!(page.values, [Some(json!("c2")), Some(json!(7)), None]);
        assert_eq!(page.last_entry, Some(json!(3)));
    }

    #[test]
    fn a_value_that_holds_other_pointers_serves_them_all() {
        let body = br#"{"c": {"pageInfo": {"hasNextPage": true, "endCursor": "x"}, "nodes": [1]}}"#;
        let items = [at("/c/nodes", "")];
        let reading = Reading {
            items: &items,
            values: &["/c/pageInfo", "/c/pageInfo/endCursor"],
            last_entry: false,
        };
        let page = read_page::<u32>(body, &reading, &Fingerprinter::new()).unwrap();
        assert_eq!(page.values[1], Some(json!("x")));
        assert_eq!(page.items, [1]);
    }

    #[test]
    fn the_first_choice_of_items_wins_whatever_the_order() {
        let items = [at("/c/nodes", ""), at("/c/edges", "/node")];
        let reading = Reading {
            items: &items,
            values: &[],
            last_entry: false,
        };
        let prints = Fingerprinter::new();
        let edges = br#"{"c": {"edges": [{"cursor": "a", "node": 5}, {"node": "bad"}, {"x": 1}]}}"#;
        let page = read_page::<u32>(edges, &reading, &prints).unwrap();
        assert_eq!(page.found_items, Some(1));
        assert_eq!(page.items, [5]);
        assert_eq!(page.rejected.len(), 2);
        assert!(
            page.rejected[1]
                .1
                .to_string()
                .contains("no value at \"/node\"")
        );
        let both = br#"{"c": {"edges": [{"node": 5}], "nodes": [6, 7]}}"#;
        let page = read_page::<u32>(both, &reading, &prints).unwrap();
        assert_eq!((page.found_items, page.items), (Some(0), vec![6, 7]));
    }

    #[test]
    fn the_same_items_give_the_same_fingerprint() {
        let prints = Fingerprinter::new();
        let items = [at("/d", "")];
        let reading = Reading {
            items: &items,
            values: &[],
            last_entry: false,
        };
        let a = read_page::<u32>(br#"{"d": [1, 2], "n": 1}"#, &reading, &prints).unwrap();
        let b = read_page::<u32>(br#"{"n": 2, "d": [1, 2]}"#, &reading, &prints).unwrap();
        let c = read_page::<u32>(br#"{"d": [1, 3]}"#, &reading, &prints).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
    }

    #[test]
    fn a_pointer_into_arrays_and_a_missing_array() {
        let prints = Fingerprinter::new();
        let items = [at("/pages/1/d", "")];
        let reading = Reading {
            items: &items,
            values: &[],
            last_entry: false,
        };
        let page =
            read_page::<u32>(br#"{"pages": [{"d": []}, {"d": [7]}]}"#, &reading, &prints).unwrap();
        assert_eq!(page.items, [7]);
        let items = [at("/d", "")];
        let reading = Reading {
            items: &items,
            values: &[],
            last_entry: false,
        };
        let page = read_page::<u32>(br#"{"d": {"not": "an array"}}"#, &reading, &prints).unwrap();
        assert!(page.found_items.is_none());
        assert!(read_page::<u32>(br#"{"d": [1, 2"#, &reading, &prints).is_err());
    }

    #[test]
    fn graphql_edges_are_found_beside_the_values_read_next_to_them() {
        let body = br#"{"data":{"items":{"edges":[{"node":{"n":0}},{"node":{"n":1}}],"pageInfo":{"endCursor":"2","hasNextPage":true}}}}"#;
        let items = [
            ItemsAt {
                array: "/data/items/nodes".into(),
                item: "/n".into(),
            },
            ItemsAt {
                array: "/data/items/edges".into(),
                item: "/node/n".into(),
            },
        ];
        let reading = Reading {
            items: &items,
            values: &[
                "/data/items/pageInfo/endCursor",
                "/data/items/pageInfo/hasNextPage",
                "/errors",
            ],
            last_entry: false,
        };
        let page = read_page::<u64>(body, &reading, &Fingerprinter::new()).unwrap();
        assert_eq!(page.found_items, Some(1));
        assert_eq!(page.items, [0, 1]);
    }
}
