//! Fixed-size fingerprints of cursors, URLs and page contents, for loop detection.
//!
//! A run remembers every cursor and URL it fetched, to find loops however long.
//! It keeps a 128-bit fingerprint of each rather than the key itself, so the
//! memory of a run grows with its pages (16 bytes and a page number each), not
//! with what a server puts in its cursors. The fingerprints are keyed with random
//! keys for each run (`SipHash` through `RandomState`), so a server cannot craft keys
//! that collide.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// Two independently keyed hashers: one 128-bit fingerprint.
#[derive(Clone)]
pub(crate) struct Fingerprinter {
    high: RandomState,
    low: RandomState,
}

impl Fingerprinter {
    pub(crate) fn new() -> Self {
        Self {
            high: RandomState::new(),
            low: RandomState::new(),
        }
    }

    /// The fingerprint of a sequence of byte strings (each length-prefixed, so
    /// `["ab", "c"]` and `["a", "bc"]` differ).
    // The parts are walked once for each half: `Clone` is how, so they are taken
    // by value.
    #[allow(clippy::needless_pass_by_value)]
    pub(crate) fn of_parts<'a>(&self, parts: impl IntoIterator<Item = &'a [u8]> + Clone) -> u128 {
        let hash = |state: &RandomState| {
            let mut hasher = state.build_hasher();
            for part in parts.clone() {
                hasher.write_usize(part.len());
                hasher.write(part);
            }
            hasher.finish()
        };
        (u128::from(hash(&self.high)) << 64) | u128::from(hash(&self.low))
    }

    /// The fingerprint of one item, by its `Hash`.
    pub(crate) fn of_item<T: Hash + ?Sized>(&self, item: &T) -> u128 {
        (u128::from(self.high.hash_one(item)) << 64) | u128::from(self.low.hash_one(item))
    }

    /// The fingerprint of a cursor (compared exactly) or of a URL (compared
    /// normalized, see [`normalize_url`]).
    pub(crate) fn of_key(&self, key: &str, is_url: bool) -> u128 {
        if is_url {
            self.of_parts([normalize_url(key).as_bytes()])
        } else {
            self.of_parts([key.as_bytes()])
        }
    }
}

/// A URL in a form where the same resource compares equal: no fragment, scheme and
/// host in lower case, no default port, no user information, percent-encoding in
/// upper case with unreserved characters decoded, and the query parameters sorted.
pub(crate) fn normalize_url(url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (rest, query) = match url.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (url, None),
    };
    let mut out = String::with_capacity(url.len());
    match rest.split_once("://") {
        Some((scheme, after)) => {
            let scheme = scheme.to_ascii_lowercase();
            let (authority, path) = after
                .find('/')
                .map_or((after, ""), |slash| after.split_at(slash));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            let mut host = host.to_ascii_lowercase();
            let default_port = match scheme.as_str() {
                "http" => Some(":80"),
                "https" => Some(":443"),
                _ => None,
            };
            if let Some(port) = default_port.filter(|port| host.ends_with(port)) {
                host.truncate(host.len() - port.len());
            }
            out.push_str(&scheme);
            out.push_str("://");
            out.push_str(&host);
            out.push_str(&normalize_escapes(if path.is_empty() { "/" } else { path }));
        }
        None => out.push_str(&normalize_escapes(rest)),
    }
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(normalize_escapes)
            .collect();
        pairs.sort_unstable();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Percent-escapes in upper case, and unreserved characters (`A-Z a-z 0-9 - . _
/// ~`) decoded, as RFC 3986 section 6.2.2 normalizes them.
fn normalize_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) => {
                out.push(byte);
                i += 3;
            }
            Some(_) => {
                out.push(b'%');
                out.extend(bytes[i + 1..i + 3].iter().map(u8::to_ascii_uppercase));
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    // Only ASCII was changed, at ASCII positions: still UTF-8.
    String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::{Fingerprinter, normalize_url};

    #[test]
    fn the_same_resource_written_differently_normalizes_the_same() {
        let base = normalize_url("https://api.test/items?a=1&b=%2F");
        for other in [
            "https://api.test/items?b=%2f&a=1",
            "https://api.test/items?a=1&b=%2F#page-2",
            "HTTPS://API.test:443/items?a=1&b=%2f",
            "https://api.test/items?a=%31&b=%2F",
            "https://user:pass@api.test/items?a=1&b=%2F",
        ] {
            assert_eq!(normalize_url(other), base, "{other}");
        }
        assert_ne!(normalize_url("https://api.test/items?a=2&b=%2F"), base);
        assert_ne!(normalize_url("https://api.test/Items?a=1&b=%2F"), base);
    }

    #[test]
    fn fingerprints_separate_parts_and_kinds() {
        let prints = Fingerprinter::new();
        assert_ne!(
            prints.of_parts([&b"ab"[..], b"c"]),
            prints.of_parts([&b"a"[..], b"bc"])
        );
        assert_eq!(
            prints.of_key("x?b=1&a=2", true),
            prints.of_key("x?a=2&b=1", true)
        );
        assert_ne!(
            prints.of_key("x?b=1&a=2", false),
            prints.of_key("x?a=2&b=1", false)
        );
    }
}
