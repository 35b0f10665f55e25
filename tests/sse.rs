//! Server-Sent Events framing: the WHATWG "event stream interpretation" rules,
//! case by case (after the web-platform-tests `eventsource` parsing cases), and
//! the encoder.

mod support;

use aiter::chunks::{self, Encoder, FrameErrorKind, SseEncoder, SseEvent};
use futures_lite::StreamExt;
use futures_lite::future::block_on;
use support::SplitReader;

/// `(event, data, id)` of each event, or the error's text.
fn events(input: &[u8]) -> Vec<Result<(String, String, String), String>> {
    events_with(input, vec![input.len().max(1)], 8 << 20)
}

fn events_with(
    input: &[u8],
    sizes: Vec<usize>,
    max_len: usize,
) -> Vec<Result<(String, String, String), String>> {
    let reader = SplitReader::new(input.to_vec(), sizes);
    block_on(
        chunks::sse(reader)
            .max_len(max_len)
            .map(|event| {
                event
                    .map(|e| (e.event, e.data, e.id))
                    .map_err(|e| e.to_string())
            })
            .collect(),
    )
}

#[allow(clippy::unnecessary_wraps)] // compared with the Results `events` returns
fn ok(event: &str, data: &str, id: &str) -> Result<(String, String, String), String> {
    Ok((event.to_owned(), data.to_owned(), id.to_owned()))
}

#[test]
fn data_lines_are_joined_with_newlines_and_dispatched_at_a_blank_line() {
    assert_eq!(
        events(b"data: one\ndata: two\n\n"),
        [ok("message", "one\ntwo", "")]
    );
}

#[test]
fn every_line_end_counts_crlf_lf_and_cr() {
    let expected = [
        ok("message", "a", ""),
        ok("message", "b", ""),
        ok("message", "c", ""),
    ];
    assert_eq!(events(b"data: a\r\n\r\ndata: b\n\ndata: c\r\r"), expected);
}

#[test]
fn a_cr_ending_one_read_and_its_lf_starting_the_next_are_one_line_end() {
    let input = b"data: a\r\ndata: b\r\n\r\n";
    // Reads of 8 bytes end right after each `\r`.
    assert_eq!(
        events_with(input, vec![8, 1, 8, 1, 1, 1], 1024),
        [ok("message", "a\nb", "")]
    );
    assert_eq!(
        events_with(input, vec![1], 1024),
        [ok("message", "a\nb", "")]
    );
}

#[test]
fn a_leading_bom_is_dropped_once() {
    let input = "\u{feff}data: 1\n\n\u{feff}data: 2\n\ndata: 3\n\n";
    // The second BOM makes its line the field "\u{feff}data", which is ignored.
    assert_eq!(
        events(input.as_bytes()),
        [ok("message", "1", ""), ok("message", "3", "")]
    );
}

#[test]
fn comments_are_ignored() {
    assert_eq!(
        events(b": hello\n:\ndata: x\n: bye\n\n"),
        [ok("message", "x", "")]
    );
}

#[test]
fn a_field_without_a_colon_has_an_empty_value() {
    assert_eq!(
        events(b"data\n\ndata\ndata\n\n"),
        [ok("message", "", ""), ok("message", "\n", "")]
    );
}

#[test]
fn only_one_leading_space_is_stripped() {
    assert_eq!(
        events(b"data:  two spaces\ndata:none\n\n"),
        [ok("message", " two spaces\nnone", "")]
    );
}

#[test]
fn the_event_type_defaults_to_message_and_does_not_carry_over() {
    let input = b"event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n";
    assert_eq!(
        events(input),
        [
            ok("add", "1", ""),
            ok("message", "2", ""),
            ok("message", "3", "")
        ]
    );
}

#[test]
fn ids_carry_over_an_id_with_nul_is_ignored_and_an_empty_id_resets() {
    let input = b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0\ndata: c\n\nid\ndata: d\n\n";
    assert_eq!(
        events(input),
        [
            ok("message", "a", "1"),
            ok("message", "b", "1"),
            ok("message", "c", "1"),
            ok("message", "d", "")
        ]
    );
}

#[test]
fn an_event_without_data_is_not_dispatched_but_its_id_is_kept() {
    let mut sse = chunks::sse(&b"id: 9\nevent: nothing\n\ndata: x\n\n"[..]);
    let event = block_on(sse.next()).unwrap().unwrap();
    assert_eq!((event.event.as_str(), event.id.as_str()), ("message", "9"));
    assert_eq!(sse.decoder().last_event_id(), "9");
}

#[test]
fn retry_is_taken_only_when_all_digits() {
    let mut sse = chunks::sse(&b"retry: 1500\nretry: 15x\nretry: -1\nretry:\ndata: x\n\n"[..]);
    block_on(sse.next()).unwrap().unwrap();
    assert_eq!(sse.decoder().retry(), Some(1500));
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(
        events(b"foo: bar\ndata: x\nDATA: y\n\n"),
        [ok("message", "x", "")]
    );
}

#[test]
fn an_event_not_ended_by_a_blank_line_is_discarded_at_the_end() {
    assert_eq!(
        events(b"data: kept\n\ndata: lost\n"),
        [ok("message", "kept", "")]
    );
    assert_eq!(
        events(b"data: kept\n\ndata: lost"),
        [ok("message", "kept", "")]
    );
}

#[test]
fn invalid_utf8_becomes_the_replacement_character() {
    assert_eq!(
        events(b"data: a\xffb\n\n"),
        [ok("message", "a\u{fffd}b", "")]
    );
}

#[test]
fn an_event_over_the_limit_is_skipped_reported_where_and_the_stream_goes_on() {
    let mut input = b"data: small\n\n".to_vec();
    input.extend_from_slice(b"event: big\ndata: ");
    input.extend(std::iter::repeat_n(b'x', 5_000));
    input.extend_from_slice(b"\ndata: more\n\ndata: after\n\n");
    for sizes in [vec![input.len()], vec![1], vec![7, 300]] {
        let got = events_with(&input, sizes, 1_000);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], ok("message", "small", ""));
        let error = got[1].clone().unwrap_err();
        assert_eq!(
            error,
            "line 3, byte 13: 5029 bytes, over the limit of 1000 bytes"
        );
        assert_eq!(got[2], ok("message", "after", ""));
    }
}

#[test]
fn an_over_size_event_is_never_buffered_whole() {
    let mut input = b"data: ".to_vec();
    input.extend(std::iter::repeat_n(b'x', 4 << 20));
    input.extend_from_slice(b"\n\ndata: ok\n\n");
    let mut sse = chunks::sse(SplitReader::new(input, vec![4096])).max_len(64 * 1024);
    let error = block_on(sse.next()).unwrap().unwrap_err();
    assert!(matches!(error.kind(), FrameErrorKind::TooLong { .. }));
    assert!(
        sse.buffer_capacity() <= 256 * 1024,
        "{}",
        sse.buffer_capacity()
    );
    assert_eq!(block_on(sse.next()).unwrap().unwrap().data, "ok");
}

#[test]
fn the_encoder_writes_what_the_decoder_reads_back() {
    let sent = [
        SseEvent::new("plain"),
        SseEvent::new("two\nlines")
            .with_event("update")
            .with_id("1"),
        SseEvent::new("crlf\r\nand\rcr").with_id("2"),
        SseEvent::new("").with_id("3"),
    ];
    let mut encoder = SseEncoder::new();
    let mut bytes = SseEncoder::retry(2_000);
    for event in &sent {
        encoder.encode(event, &mut bytes).unwrap();
    }
    let mut sse = chunks::sse(&bytes[..]);
    let got: Vec<SseEvent> = block_on((&mut sse).map(Result::unwrap).collect());
    assert_eq!(got[0], sent[0]);
    assert_eq!(got[1], sent[1]);
    assert_eq!(got[2].data, "crlf\nand\ncr");
    assert_eq!(got[3], sent[3]);
    assert_eq!(sse.decoder().retry(), Some(2_000));
}

#[test]
fn the_encoder_refuses_line_breaks_in_ids_and_types() {
    let mut out = Vec::new();
    let mut encoder = SseEncoder::new();
    let error = encoder
        .encode(SseEvent::new("x").with_id("a\nb"), &mut out)
        .unwrap_err();
    assert!(matches!(error.kind(), FrameErrorKind::InvalidInput(_)));
    assert!(
        encoder
            .encode(SseEvent::new("x").with_event("a\rb"), &mut out)
            .is_err()
    );
    assert!(
        encoder
            .encode(SseEvent::new("x").with_id("a\0b"), &mut out)
            .is_err()
    );
    assert!(out.is_empty(), "nothing written for a refused event");
}

#[test]
fn the_limit_bounds_the_text_kept_after_invalid_bytes_become_replacement_characters() {
    // 30 invalid bytes: 36 bytes on the wire, 91 bytes of data once each becomes
    // U+FFFD (three bytes), over a limit of 64.
    let mut input = b"data:".to_vec();
    input.extend([0xff; 30]);
    input.extend_from_slice(b"\n\ndata: next\n\n");
    for sizes in [vec![input.len()], vec![1], vec![7]] {
        let got = events_with(&input, sizes, 64);
        assert_eq!(got.len(), 2, "{got:?}");
        let error = got[0].as_ref().unwrap_err();
        assert!(error.contains("over the limit of 64 bytes"), "{error}");
        assert_eq!(got[1], ok("message", "next", ""));
    }
    // Within the limit as text: delivered whole.
    let mut input = b"data:".to_vec();
    input.extend([0xff; 20]);
    input.extend_from_slice(b"\n\n");
    assert_eq!(
        events_with(&input, vec![3], 64),
        [ok("message", &"\u{fffd}".repeat(20), "")]
    );
}
