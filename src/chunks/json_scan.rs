//! Finds where a JSON value ends, one byte at a time, across reads.

/// Scans one JSON value for its end without parsing it: strings, escapes and
/// nesting are tracked, so the state survives a value split across reads and each
/// byte is looked at once.
///
/// Brackets are checked for matching; everything else is left to serde, which
/// parses the value once its bytes are known.
// Four flags of byte-level state, read in one hot loop; an enum would cost a match
// per byte where a flag test is enough.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueScan {
    /// Closers expected, innermost last.
    stack: Vec<u8>,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escape: bool,
    /// A number or literal, which ends at the first delimiter.
    scalar: bool,
    started: bool,
}

/// How deep arrays and objects may nest, as in `serde_json`.
const MAX_DEPTH: usize = 128;

/// A bracket that does not match, or nesting too deep, at this index.
#[derive(Debug)]
pub(crate) struct ScanError {
    pub(crate) at: usize,
    pub(crate) message: &'static str,
}

impl ValueScan {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// True once the value's first byte has been seen.
    pub(crate) fn is_started(&self) -> bool {
        self.started
    }

    /// Scans `bytes[from..]`, where `bytes[0]` is the value's first byte and
    /// `bytes[..from]` was scanned before. Returns the index just past the value's
    /// end once found, `None` if the value goes on past `bytes`.
    pub(crate) fn scan(&mut self, bytes: &[u8], from: usize) -> Result<Option<usize>, ScanError> {
        // `from` past the end: less input than before (a decoder moved to a new
        // stream); nothing more to scan, never a panic.
        let mut i = from.min(bytes.len());
        if !self.started {
            let Some(&first) = bytes.get(i) else {
                return Ok(None);
            };
            self.started = true;
            i += 1;
            match first {
                b'{' => self.stack.push(b'}'),
                b'[' => self.stack.push(b']'),
                b'"' => self.in_string = true,
                _ => self.scalar = true,
            }
        }
        if self.scalar {
            return Ok(bytes[i..]
                .iter()
                .position(|&b| matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                .map(|end| i + end));
        }
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.stack.is_empty() {
                        return Ok(Some(i));
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    if self.stack.len() == MAX_DEPTH {
                        return Err(ScanError {
                            at: i - 1,
                            message: "nested too deeply",
                        });
                    }
                    self.stack.push(if b == b'{' { b'}' } else { b']' });
                }
                b'}' | b']' => {
                    if self.stack.pop() != Some(b) {
                        return Err(ScanError {
                            at: i - 1,
                            message: "mismatched bracket",
                        });
                    }
                    if self.stack.is_empty() {
                        return Ok(Some(i));
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::ValueScan;

    fn end_of(value: &[u8]) -> Option<usize> {
        ValueScan::new().scan(value, 0).unwrap()
    }

    #[test]
    fn finds_the_end_of_each_kind_of_value() {
        assert_eq!(end_of(br#"{"a": [1, "]"]} ,"#), Some(15));
        assert_eq!(end_of(br#""quote \" inside" 1"#), Some(17));
        assert_eq!(end_of(b"123, 4"), Some(3));
        assert_eq!(end_of(b"true]"), Some(4));
        assert_eq!(end_of(b"[1, 2"), None);
    }

    #[test]
    fn resumes_inside_an_escape() {
        let value = br#""a\"b" tail"#;
        for split in 0..value.len() {
            let mut scan = ValueScan::new();
            let first = scan.scan(&value[..split], 0).unwrap();
            let end = first.or_else(|| scan.scan(value, split).unwrap());
            assert_eq!(end, Some(6), "split at {split}");
        }
    }

    #[test]
    fn rejects_mismatched_brackets() {
        assert!(ValueScan::new().scan(b"[1}", 0).is_err());
    }
}
