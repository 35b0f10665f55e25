//! `aiter::chunks` with typed records (feature `json`): NDJSON, JSON arrays, and
//! frames sent over a loopback socket.
#![cfg(feature = "json")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use aiter::chunks::{
    self, FrameError, FrameWriter, LengthDelimitedEncoder, LineEncoder, NdjsonEncoder,
};
use futures_lite::future::block_on;
use futures_lite::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use support::SplitReader;

/// Collects a frame stream as `Ok(item)` or `Err("Display of the error")`.
fn collect<T>(frames: impl Stream<Item = Result<T, FrameError>>) -> Vec<Result<T, String>> {
    block_on(
        frames
            .map(|frame| frame.map_err(|error| error.to_string()))
            .collect(),
    )
}

// --------------------------------------------------------------------- ndjson

#[derive(Debug, PartialEq, Serialize, Deserialize, Clone)]
struct Event {
    id: u32,
    name: String,
}

fn event(id: u32) -> Event {
    Event {
        id,
        name: format!("event {id}"),
    }
}

#[test]
fn ndjson_decodes_typed_records_and_skips_blank_lines() {
    let input = b"{\"id\":1,\"name\":\"event 1\"}\n\n   \r\n{\"id\":2,\"name\":\"event 2\"}";
    let records = collect(chunks::ndjson::<Event, _>(&input[..]));
    assert_eq!(records, [Ok(event(1)), Ok(event(2))]);
}

#[test]
fn a_bad_ndjson_line_is_an_error_naming_line_and_byte_and_the_stream_goes_on() {
    let input = b"{\"id\":1,\"name\":\"event 1\"}\n{\"id\":\"two\"}\n{broken\n{\"id\":4,\"name\":\"event 4\"}\n";
    let records = collect(chunks::ndjson::<Event, _>(&input[..]));
    assert_eq!(records.len(), 4);
    assert_eq!(records[0], Ok(event(1)));
    let second = records[1].as_ref().unwrap_err();
    assert_eq!(
        second,
        "line 2, byte 26: JSON of the wrong shape: invalid type: string \"two\", expected u32 at column 11"
    );
    let third = records[2].as_ref().unwrap_err();
    assert!(
        third.starts_with("line 3, byte 39: invalid JSON: key must be a string"),
        "{third}"
    );
    assert_eq!(records[3], Ok(event(4)));
}

// ----------------------------------------------------------------- json_array

#[test]
fn json_array_yields_the_items_of_a_top_level_array() {
    let input = br#" [ {"id": 1, "name": "event 1"} , {"id":2,"name":"event 2"}] "#;
    assert_eq!(
        collect(chunks::json_array::<Event, _>(&input[..])),
        [Ok(event(1)), Ok(event(2))]
    );
}

#[test]
fn json_array_reads_the_array_at_a_pointer() {
    let input = br#"{"meta": {"data": "not this", "list": [1, [2]]}, "odd\"key": {}, "data": ["a", "b]"], "next": 5}"#;
    let items = collect(chunks::json_array::<String, _>(&input[..]).at("/data"));
    assert_eq!(items, [Ok("a".to_owned()), Ok("b]".to_owned())]);
}

#[test]
fn json_array_follows_nested_keys_and_array_indexes() {
    let input = br#"{"result": {"pages": [[0], [1, 2], [3]]}}"#;
    let items = collect(chunks::json_array::<u32, _>(&input[..]).at("/result/pages/1"));
    assert_eq!(items, [Ok(1), Ok(2)]);
}

#[test]
fn json_array_of_an_empty_array_is_empty() {
    assert!(collect(chunks::json_array::<u32, _>(&b"[ ]"[..])).is_empty());
}

#[test]
fn json_array_reports_a_missing_array() {
    let items = collect(chunks::json_array::<u32, _>(&br#"{"data": {"x": 1}}"#[..]).at("/items"));
    assert_eq!(
        items,
        [Err(
            "record 1, byte 17: no JSON array at pointer \"/items\"".to_owned()
        )]
    );
}

#[test]
fn a_json_array_item_of_the_wrong_type_is_an_error_and_the_stream_goes_on() {
    let items = collect(chunks::json_array::<u32, _>(&b"[1, \"two\", 3]"[..]));
    assert_eq!(items.len(), 3);
    assert!(
        items[1]
            .as_ref()
            .unwrap_err()
            .starts_with("record 2, byte 4: JSON of the wrong shape: invalid type")
    );
    assert_eq!(items[2], Ok(3));
}

#[test]
fn a_json_array_syntax_error_ends_the_stream_after_the_items_before_it() {
    let items = collect(chunks::json_array::<u32, _>(&b"[1, 2 3, 4]"[..]));
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[..2], [Ok(1), Ok(2)]);
    assert_eq!(
        items[2],
        Err("record 3, byte 6: invalid JSON: expected `,` or `]` after an item".to_owned())
    );
}

#[test]
fn a_json_array_cut_short_is_an_unexpected_eof() {
    let items = collect(chunks::json_array::<u32, _>(&b"[1, 2,"[..]));
    assert_eq!(
        items,
        [
            Ok(1),
            Ok(2),
            Err("record 3, byte 6: unexpected end of input".to_owned())
        ]
    );
}

#[test]
fn a_json_array_item_over_the_limit_is_skipped_and_the_stream_goes_on() {
    let input = br#"["short", "this string is far too long", "next"]"#;
    let items =
        collect(chunks::json_array::<String, _>(SplitReader::new(&input[..], vec![3])).max_len(10));
    assert_eq!(
        items,
        [
            Ok("short".to_owned()),
            Err("record 2, byte 10: longer than the limit of 10 bytes".to_owned()),
            Ok("next".to_owned()),
        ]
    );
}

/// Counts how often serde is asked to build one.
struct Counted;

static DESERIALIZED: AtomicUsize = AtomicUsize::new(0);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DESERIALIZED.fetch_add(1, Ordering::SeqCst);
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(Self)
    }
}

#[test]
fn json_array_parses_each_item_once_even_in_one_byte_reads() {
    let input = br#"[{"a": [1, 2, {"b": "c"}]}, "x", 3, {"long": "........................................"}]"#;
    let items =
        block_on(chunks::json_array::<Counted, _>(SplitReader::new(&input[..], vec![1])).count());
    assert_eq!(items, 4);
    assert_eq!(DESERIALIZED.load(Ordering::SeqCst), 4);
}

// ------------------------------------------------------------------- encoders

#[test]
fn frames_sent_over_a_loopback_socket_read_back_the_same() {
    smol::block_on(async {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let sender = smol::spawn(async move {
            let stream = smol::net::TcpStream::connect(address).await.unwrap();
            let mut lines = FrameWriter::new(stream.clone(), LineEncoder::new());
            lines.send("héllo").await.unwrap();
            let mut records = FrameWriter::new(stream.clone(), NdjsonEncoder::new());
            for id in 0..1000 {
                records.feed(event(id)).await.unwrap();
            }
            records.flush().await.unwrap();
            let mut frames = FrameWriter::new(stream, LengthDelimitedEncoder::new());
            frames.send(b"\nbinary\0").await.unwrap();
            frames.close().await.unwrap();
        });
        let (socket, _) = listener.accept().await.unwrap();
        let mut reader = futures_lite::io::BufReader::new(socket);
        let mut first = String::new();
        futures_lite::AsyncBufReadExt::read_line(&mut reader, &mut first)
            .await
            .unwrap();
        assert_eq!(first, "héllo\n");
        let mut records =
            chunks::ndjson::<Event, _>(futures_lite::AsyncReadExt::take(&mut reader, 0));
        assert!(records.next().await.is_none());
        sender.await;
        // The rest: 1000 NDJSON lines, then one length-delimited frame.
        let mut rest = Vec::new();
        futures_lite::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        let split = rest.len() - 12;
        let records: Vec<Event> = chunks::ndjson(&rest[..split]).try_collect().await.unwrap();
        assert_eq!(records, (0..1000).map(event).collect::<Vec<_>>());
        let frames: Vec<bytes::Bytes> = chunks::length_delimited(&rest[split..])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(frames, [&b"\nbinary\0"[..]]);
    });
}

#[test]
fn a_json_array_error_inside_an_item_names_that_item() {
    // A syntax error and an end of input inside item 2 belong to record 2.
    for (input, message) in [
        (&br#"[1, {"a": ]}, 3]"#[..], "record 2, byte"),
        (&b"[1, [2, 3"[..], "record 2, byte"),
    ] {
        for split in [vec![1], vec![64]] {
            let items = collect(chunks::json_array::<serde_json::Value, _>(
                SplitReader::new(input, split),
            ));
            let error = items.last().unwrap().as_ref().unwrap_err();
            assert!(error.starts_with(message), "{error}");
        }
    }
}

#[test]
fn keys_on_the_path_are_not_limited_by_max_len() {
    let long_key = "k".repeat(10_000);
    let body = format!(r#"{{"{long_key}": [0], "data": [1, 2], "after": 1}}"#);
    for split in [vec![1], vec![7], vec![4096]] {
        let items = collect(
            chunks::json_array::<u32, _>(SplitReader::new(body.as_bytes(), split.clone()))
                .at("/data")
                .max_len(8),
        );
        assert_eq!(items, [Ok(1), Ok(2)], "split {split:?}");
    }
}

#[test]
fn an_escaped_key_on_the_path_still_matches() {
    let body = br#"{"\u0064\u0061\u0074\u0061": [5]}"#;
    let items =
        collect(chunks::json_array::<u32, _>(SplitReader::new(&body[..], vec![1])).at("/data"));
    assert_eq!(items, [Ok(5)]);
}

#[test]
fn a_huge_key_on_the_path_is_skipped_without_buffering_it() {
    let long_key = "k".repeat(4 << 20);
    let body = format!(r#"{{"{long_key}": 1, "data": [3]}}"#);
    let mut items =
        chunks::json_array::<u32, _>(SplitReader::new(body.into_bytes(), vec![65_536])).at("/data");
    let got = block_on(items.next()).unwrap().unwrap();
    assert_eq!(got, 3);
    assert!(
        items.buffer_capacity() < 1 << 20,
        "buffer {}",
        items.buffer_capacity()
    );
}

#[test]
fn json_array_reports_data_after_the_top_level_array_with_its_offset() {
    for (input, offset) in [(&b"[1,2][3]"[..], 5), (b"[1],", 3), (b"[1]  x", 5)] {
        let got = collect(chunks::json_array::<u32, _>(input));
        let error = got.last().unwrap().as_ref().unwrap_err();
        assert!(
            error.contains("data after the end of the array")
                && error.contains(&format!("byte {offset}")),
            "{:?}: {error}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(got[0], Ok(1), "the items before come first");
    }
    // Whitespace after the array is fine, split anywhere.
    let got = collect(chunks::json_array::<u32, _>(SplitReader::new(
        b"[1, 2] \n\t ".to_vec(),
        vec![1; 16],
    )));
    assert_eq!(got, [Ok(1), Ok(2)]);
}

/// Every `n_` case of `JSONTestSuite` (documents a JSON parser must refuse; vendored
/// in `tests/data/json_test_suite` with its licence) gives `json_array` at least
/// one error: none is read as a clean run of items.
#[test]
fn json_array_refuses_every_invalid_document_of_json_test_suite() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/json_test_suite");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("n_") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let got = collect(chunks::json_array::<serde_json::Value, _>(&bytes[..]));
        assert!(
            got.iter().any(Result::is_err),
            "{name} was accepted: {got:?}"
        );
        cases += 1;
    }
    assert_eq!(cases, 188);
}
