//! `Link` headers (RFC 8288), parsed in one pass.

/// One link of a `Link` header: its target and parameters.
///
/// ```
/// let links = aiter::http::parse_link_header(r#"<https://api.test/items?page=2>; rel="next""#);
/// assert_eq!(links[0].target, "https://api.test/items?page=2");
/// assert!(links[0].has_rel("next"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target URI reference, as written (possibly relative).
    pub target: String,
    /// Its parameters, names lowercased, values unquoted, in order.
    pub params: Vec<(String, String)>,
}

impl Link {
    /// The value of parameter `name` (case-insensitive), if present.
    ///
    /// ```
    /// let links = aiter::http::parse_link_header(r#"</items?page=2>; rel="next"; title="Next""#);
    /// assert_eq!(links[0].param("TITLE"), Some("Next"));
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(param, _)| param.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// True if its `rel` lists `relation` (relation types are space-separated and
    /// case-insensitive: `rel="next last"` has both).
    ///
    /// ```
    /// let links = aiter::http::parse_link_header(r#"</items?page=9>; rel="next last""#);
    /// assert!(links[0].has_rel("last") && links[0].has_rel("NEXT"));
    /// ```
    pub fn has_rel(&self, relation: &str) -> bool {
        self.param("rel").is_some_and(|rels| {
            rels.split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case(relation))
        })
    }
}

/// Parses a `Link` header value (several headers may be joined with `,`), per
/// RFC 8288: `<target>; param=value; param="quoted, with ; and \" inside", <...>`.
///
/// It looks at each byte a bounded number of times, so its time is linear in the
/// header's length whatever the input (a header of 100,000 `<` parses in well under
/// a millisecond: no regex, no backtracking). Malformed links are skipped; the
/// well-formed ones around them are kept.
///
/// ```
/// use aiter::http::parse_link_header;
///
/// let links = parse_link_header(r#"<https://api.test/items?page=2>; rel="next last"; title="a, b; c", </first>; rel=first"#);
/// assert_eq!(links.len(), 2);
/// assert!(links[0].has_rel("next") && links[0].has_rel("last"));
/// assert_eq!(links[0].param("title"), Some("a, b; c"));
/// assert_eq!(links[1].target, "/first");
/// ```
pub fn parse_link_header(header: &str) -> Vec<Link> {
    let bytes = header.as_bytes();
    let mut links = Vec::new();
    let mut i = 0;
    loop {
        tick(1);
        i = skip_whitespace(bytes, i);
        if i >= bytes.len() {
            break;
        }
        if bytes[i] != b'<' {
            // Not a link: skip to the next one.
            i = skip_past_comma(bytes, i);
            continue;
        }
        let Some(close) = memchr::memchr2(b'>', b'<', &bytes[i + 1..]) else {
            // No `>` anywhere after: no link can follow either.
            break;
        };
        tick(close + 1);
        if bytes[i + 1 + close] == b'<' {
            // A `<` never closed: a target cannot hold one, so the next link
            // starts there.
            i += 1 + close;
            continue;
        }
        let target = header[i + 1..i + 1 + close].trim().to_owned();
        i += close + 2;
        let (params, next, valid) = parse_params(header, i);
        i = next;
        if valid {
            links.push(Link { target, params });
        }
    }
    links
}

/// The target of the link with `rel` `next`, if any: what link pagination follows.
///
/// ```
/// use aiter::http::next_link;
///
/// assert_eq!(next_link(r#"<?page=3>; rel="next", <?page=1>; rel="prev""#), Some("?page=3".to_owned()));
/// assert_eq!(next_link(r#"<?page=1>; rel="prev""#), None);
/// ```
pub fn next_link(header: &str) -> Option<String> {
    parse_link_header(header)
        .into_iter()
        .find(|link| link.has_rel("next"))
        .map(|link| link.target)
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
        tick(1);
        i += 1;
    }
    i
}

/// Skips to just past the next comma that is not inside a quoted string.
fn skip_past_comma(bytes: &[u8], mut i: usize) -> usize {
    let mut quoted = false;
    while i < bytes.len() {
        tick(1);
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b',' if !quoted => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Parses `; name=value` parameters from `i` up to the `,` ending the link (or the
/// end). Returns them, the index after the link, and whether the link was well formed.
fn parse_params(header: &str, mut i: usize) -> (Vec<(String, String)>, usize, bool) {
    let bytes = header.as_bytes();
    let mut params = Vec::new();
    loop {
        tick(1);
        i = skip_whitespace(bytes, i);
        match bytes.get(i) {
            None => return (params, i, true),
            Some(b',') => return (params, i + 1, true),
            Some(b';') => i += 1,
            Some(_) => return (params, skip_past_comma(bytes, i), false),
        }
        i = skip_whitespace(bytes, i);
        let name_start = i;
        while i < bytes.len() && is_token(bytes[i]) {
            tick(1);
            i += 1;
        }
        if i == name_start {
            return (params, skip_past_comma(bytes, i), false);
        }
        let name = header[name_start..i].to_ascii_lowercase();
        i = skip_whitespace(bytes, i);
        if bytes.get(i) != Some(&b'=') {
            params.push((name, String::new()));
            continue;
        }
        i = skip_whitespace(bytes, i + 1);
        if bytes.get(i) == Some(&b'"') {
            let mut value = String::new();
            i += 1;
            let mut closed = false;
            let mut start = i;
            while i < bytes.len() {
                tick(1);
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => {
                        value.push_str(&header[start..i]);
                        start = i + 1;
                        i += 2;
                    }
                    b'"' => {
                        value.push_str(&header[start..i]);
                        i += 1;
                        closed = true;
                        break;
                    }
                    _ => i += 1,
                }
            }
            if !closed {
                return (params, i, false);
            }
            params.push((name, value));
        } else {
            let value_start = i;
            while i < bytes.len() && is_token(bytes[i]) {
                tick(1);
                i += 1;
            }
            params.push((name, header[value_start..i].to_owned()));
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Steps the parser took on this thread: its work, counted, for tests that
    /// hold it to linear time without a clock.
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts `n` steps of work (in tests only; nothing otherwise).
#[inline]
fn tick(n: usize) {
    #[cfg(test)]
    STEPS.with(|steps| steps.set(steps.get() + n));
    #[cfg(not(test))]
    let _ = n;
}

/// RFC 9110 `tchar`.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The steps `parse_link_header` takes on `header`.
    fn steps(header: &str) -> usize {
        super::STEPS.with(|steps| steps.set(0));
        let _ = super::parse_link_header(header);
        super::STEPS.with(std::cell::Cell::get)
    }

    proptest! {
        #[test]
        fn any_header_parses_without_panic_in_linear_steps(header in ".{0,300}") {
            prop_assert!(steps(&header) <= 8 * (header.len() + 1), "{} steps for {} bytes", steps(&header), header.len());
        }

        #[test]
        fn headers_built_from_link_syntax_parse_in_linear_steps(
            parts in proptest::collection::vec(prop_oneof![
                Just("<"), Just(">"), Just(";"), Just(","), Just("\""), Just("\\"),
                Just("="), Just(" "), Just("rel"), Just("next"), Just("é"), Just("a"),
            ], 0..400)
        ) {
            let header: String = parts.concat();
            prop_assert!(steps(&header) <= 8 * (header.len() + 1), "{} steps for {} bytes", steps(&header), header.len());
        }
    }

    #[test]
    fn an_unclosed_target_does_not_swallow_the_next_link() {
        let header = r#"<broken; rel=next, <https://a.test/3>; rel="next""#;
        assert_eq!(next_link(header), Some("https://a.test/3".to_owned()));
        let links = parse_link_header("<a, <b>; rel=x, <c>; rel=y");
        let targets: Vec<&str> = links.iter().map(|link| link.target.as_str()).collect();
        assert_eq!(targets, ["b", "c"]);
    }

    #[test]
    fn hostile_headers_take_steps_in_proportion_to_their_length() {
        for unit in [
            "<",
            "<a>;",
            "<a>; rel=\"",
            ";;;;",
            "<a>; x=\"\\\\",
            ",",
            "<a>; rel",
        ] {
            let small = steps(&unit.repeat(1_000));
            let large = steps(&unit.repeat(100_000));
            assert!(
                large <= 110 * small.max(1),
                "{unit:?}: {small} then {large} steps"
            );
        }
    }

    use super::{next_link, parse_link_header};

    #[test]
    fn several_relations_quotes_and_separators_inside_quotes() {
        let links = parse_link_header(
            r#"<https://a.test/2>; rel="next last"; title="x, y; z", <https://a.test/9>; REL=Last;title*=UTF-8'de'n%c3%a4chstes"#,
        );
        assert_eq!(links.len(), 2);
        assert!(links[0].has_rel("NEXT"));
        assert_eq!(links[0].param("title"), Some("x, y; z"));
        assert!(links[1].has_rel("last") && !links[1].has_rel("next"));
    }

    #[test]
    fn malformed_links_are_skipped_and_the_rest_kept() {
        let links =
            parse_link_header(r#"garbage, <broken; rel=next, <https://a.test/3>; rel="next""#);
        assert_eq!(
            next_link(r#"garbage, <https://a.test/3>; rel="next""#),
            Some("https://a.test/3".into())
        );
        assert!(links.iter().all(|link| !link.target.is_empty()));
    }

    #[test]
    fn an_escaped_quote_stays_inside_its_value() {
        let links = parse_link_header(r#"</x>; title="say \"hi\", ok"; rel=next"#);
        assert_eq!(links[0].param("title"), Some(r#"say "hi", ok"#));
        assert!(links[0].has_rel("next"));
    }

    #[test]
    fn a_hostile_header_parses_in_linear_time() {
        for hostile in [
            "<".repeat(100_000),
            "<a>;".repeat(50_000),
            "<a>; rel=\"".repeat(30_000),
            ",".repeat(100_000),
        ] {
            let start = std::time::Instant::now();
            let _ = parse_link_header(&hostile);
            assert!(
                start.elapsed() < std::time::Duration::from_millis(200),
                "{:?}",
                start.elapsed()
            );
        }
    }
}
