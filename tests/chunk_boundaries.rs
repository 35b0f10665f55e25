//! Chunk-boundary invariance: the same input, split into reads of any sizes (one
//! byte, inside a UTF-8 sequence, between `\r` and `\n`, inside a length prefix),
//! gives the same frames and the same errors at the same offsets.

mod support;

use aiter::chunks::{self, ByteOrder, FrameError};
use futures_lite::future::block_on;
use futures_lite::{AsyncRead, Stream, StreamExt};
use proptest::prelude::*;
use support::SplitReader;

/// Every frame as `Ok(Debug of the item)` or `Err((Display, offset, line, record, fatal))`.
type Outcome = Vec<Result<String, (String, u64, Option<u64>, Option<u64>, bool)>>;

fn outcome<T: std::fmt::Debug>(frames: impl Stream<Item = Result<T, FrameError>>) -> Outcome {
    block_on(
        frames
            .map(|frame| {
                frame.map(|item| format!("{item:?}")).map_err(|error| {
                    (
                        error.to_string(),
                        error.offset(),
                        error.line(),
                        error.record(),
                        error.is_fatal(),
                    )
                })
            })
            .collect(),
    )
}

/// Decodes `input` whole, in one-byte reads, and in reads of `sizes`, and checks
/// all three agree.
fn check<T: std::fmt::Debug, S: Stream<Item = Result<T, FrameError>>>(
    input: &[u8],
    sizes: Vec<usize>,
    decode: impl Fn(SplitReader) -> S,
) -> Result<(), TestCaseError> {
    let whole = outcome(decode(SplitReader::new(input, vec![input.len().max(1)])));
    let bytewise = outcome(decode(SplitReader::new(input, vec![1])));
    prop_assert_eq!(&whole, &bytewise, "one-byte reads differ");
    let split = outcome(decode(SplitReader::new(input, sizes)));
    prop_assert_eq!(&whole, &split, "split reads differ");
    Ok(())
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..24, 1..12)
}

/// Lines of ASCII, two- and four-byte UTF-8, stray `\r`, invalid bytes, some long.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"a".to_vec()),
        Just("é".as_bytes().to_vec()),
        Just("😀".as_bytes().to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"0123456789".to_vec()),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

fn text() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((line(), any::<bool>()), 0..12),
        any::<bool>(),
    )
        .prop_map(|(lines, final_newline)| {
            let mut out = Vec::new();
            for (line, crlf) in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            if !final_newline {
                out.extend_from_slice(b"tail");
            }
            out
        })
}

/// Inputs for the decoders of feature `json`.
#[cfg(feature = "json")]
mod json {
    use proptest::prelude::*;

    pub fn ndjson_line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u32..1000)
                .prop_map(|id| format!("{{\"id\": {id}, \"tag\": \"é\\\"{id}\"}}").into_bytes()),
            Just(b"".to_vec()),
            Just(b"  \t".to_vec()),
            Just(b"{broken".to_vec()),
            Just(b"{\"id\": \"not a number\", \"tag\": \"x\"}".to_vec()),
            Just(b"{\"id\": 1, \"tag\": \"a string that is far too long for the limit\"}".to_vec()),
            Just(b"{\"id\": 2, \"tag\": \"\xff\"}".to_vec()),
        ]
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read through Debug
    pub struct Tagged {
        id: u32,
        tag: String,
    }

    fn json_item() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            (0u32..100_000).prop_map(|n| n.to_string()),
            Just(r#""a \"quoted\" ], string""#.to_owned()),
            Just(r#""😀\\""#.to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just(r#""this string is longer than the item limit""#.to_owned()),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec(inner, 0..3).prop_map(|items| {
                    let fields: Vec<String> = items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| format!("\"k{i}\": {v}"))
                        .collect();
                    format!("{{ {} }}", fields.join(",\n"))
                }),
            ]
        })
    }

    pub fn document() -> impl Strategy<Value = (Vec<u8>, bool)> {
        (
            prop::collection::vec(json_item(), 0..8),
            any::<bool>(),
            0usize..3,
        )
            .prop_map(|(items, wrapped, damage)| {
                let array = format!("[ {} ]", items.join(" ,\r\n"));
                let document = if wrapped {
                    format!(r#"{{"skip": {{"data": [1, "]"]}}, "data": {array}, "after": 1}}"#)
                } else {
                    array
                };
                let mut document = document.into_bytes();
                let middle = document.len() / 2;
                match damage {
                    1 => document.truncate(document.len() * 2 / 3),
                    2 => document.splice(middle..middle, *b" ,, ").for_each(drop),
                    _ => {}
                }
                (document, wrapped)
            })
    }
}

fn length_delimited_input() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..8),
        0usize..4,
    )
        .prop_map(|(frames, cut)| {
            let mut out = Vec::new();
            for frame in frames {
                out.extend_from_slice(&u16::try_from(frame.len()).unwrap().to_le_bytes());
                out.extend_from_slice(&frame);
            }
            out.truncate(out.len().saturating_sub(cut));
            out
        })
}

/// Event-stream text: fields, comments, blank lines, every line end, a BOM,
/// multi-byte and invalid UTF-8, and lines long enough to pass a small limit.
fn event_stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data: a".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"data".to_vec()),
        Just("data: é😀".as_bytes().to_vec()),
        Just(b"data: \xff".to_vec()),
        Just(b"event: tick".to_vec()),
        Just(b"id: 7".to_vec()),
        Just(b"id: a\0b".to_vec()),
        Just(b"retry: 250".to_vec()),
        Just(b"retry: 2x".to_vec()),
        Just(b": comment".to_vec()),
        Just(b"data: a long line past the limit".to_vec()),
        Just(Vec::new()),
    ];
    let end = prop_oneof![
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec())
    ];
    (any::<bool>(), prop::collection::vec((piece, end), 0..24)).prop_map(|(bom, lines)| {
        let mut out = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        for (line, end) in lines {
            out.extend_from_slice(&line);
            out.extend_from_slice(&end);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn sse_does_not_depend_on_read_sizes(input in event_stream(), sizes in sizes()) {
        check(&input, sizes, |reader| chunks::sse(reader).max_len(24))?;
    }

    #[test]
    fn lines_do_not_depend_on_read_sizes(input in text(), sizes in sizes()) {
        check(&input, sizes, |reader| chunks::lines(reader).max_len(12))?;
    }

    #[test]
    #[cfg(feature = "json")]
    fn ndjson_does_not_depend_on_read_sizes(
        lines in prop::collection::vec((json::ndjson_line(), any::<bool>()), 0..10),
        sizes in sizes(),
    ) {
        let mut input = Vec::new();
        for (line, crlf) in lines {
            input.extend_from_slice(&line);
            input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        check(&input, sizes, |reader| chunks::ndjson::<json::Tagged, _>(reader).max_len(50))?;
    }

    #[test]
    #[cfg(feature = "json")]
    fn json_array_does_not_depend_on_read_sizes((input, wrapped) in json::document(), sizes in sizes()) {
        let pointer = if wrapped { "/data" } else { "" };
        check(&input, sizes, |reader| {
            chunks::json_array::<serde_json::Value, _>(reader).at(pointer).max_len(40)
        })?;
    }

    #[test]
    fn length_delimited_does_not_depend_on_read_sizes(input in length_delimited_input(), sizes in sizes()) {
        check(&input, sizes, |reader| {
            chunks::length_delimited(reader).prefix(2, ByteOrder::LittleEndian).max_len(30)
        })?;
    }
}

/// Reads everything and reports the frames: a reference decode for readers.
#[allow(dead_code)]
fn read_all(reader: impl AsyncRead) -> Outcome {
    outcome(chunks::lines(reader))
}
