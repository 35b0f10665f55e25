//! Property tests over hostile input: any bytes at any chunking into every decoder
//! (no panic, the same result as in one piece), and any JSON into
//! `Position::parse`. (The `Link` parser's and `Retry-After`'s are unit tests
//! beside their code, where the parser's steps can be counted.)
#![cfg(feature = "json")]

mod support;

use aiter::chunks::{
    self, Decoded, Decoder, FrameError, Input, JsonArrayDecoder, LengthDelimitedDecoder,
    LineDecoder, NdjsonDecoder, SseDecoder,
};
use aiter::paginate::Position;
use futures_lite::future::block_on;
use futures_lite::{AsyncRead, Stream, StreamExt};
use proptest::prelude::*;
use support::SplitReader;

fn collect<T: std::fmt::Debug>(frames: impl Stream<Item = Result<T, FrameError>>) -> Vec<String> {
    block_on(frames.map(|frame| format!("{frame:?}")).collect())
}

/// Every decoder over `reader`, each result printed.
fn decode_all(make: impl Fn() -> Box<dyn AsyncRead + Unpin>) -> Vec<Vec<String>> {
    vec![
        collect(chunks::lines(make()).max_len(64)),
        collect(chunks::ndjson::<serde_json::Value, _>(make()).max_len(64)),
        collect(chunks::json_array::<serde_json::Value, _>(make()).max_len(64)),
        collect(
            chunks::json_array::<serde_json::Value, _>(make())
                .at("/a/0")
                .max_len(64),
        ),
        collect(chunks::length_delimited(make()).max_len(64)),
    ]
}

fn bytes_like_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(
            prop_oneof![
                Just(&b"["[..]),
                Just(&b"]"[..]),
                Just(&b"{"[..]),
                Just(&b"}"[..]),
                Just(&b"\""[..]),
                Just(&b"\\"[..]),
                Just(&b","[..]),
                Just(&b":"[..]),
                Just(&b"\n"[..]),
                Just(&b"\r"[..]),
                Just(&b"1"[..]),
                Just(&b"\"a\""[..]),
                Just(&b"\xff"[..]),
                Just(&b"\0\0\0\x02"[..]),
                Just("é".as_bytes()),
            ],
            0..80,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// Feeds `inputs` to `decoder` as they come, whether or not they follow from what it
/// consumed (a decoder reused on a new stream, a caller's own framing loop).
fn feed<D: Decoder>(mut decoder: D, inputs: &[(Vec<u8>, u64, bool)]) {
    for (bytes, offset, eof) in inputs {
        let answer = decoder.decode(Input::new(bytes, *offset, *eof));
        if let Decoded::Frame { consumed, .. } | Decoded::NeedMore { consumed } = answer {
            assert!(
                consumed <= bytes.len(),
                "consumed {consumed} of {}",
                bytes.len()
            );
        }
    }
}

fn every_decoder(inputs: &[(Vec<u8>, u64, bool)]) {
    feed(LineDecoder::new().max_len(16), inputs);
    feed(
        NdjsonDecoder::<serde_json::Value>::new().max_len(16),
        inputs,
    );
    feed(
        JsonArrayDecoder::<serde_json::Value>::new().max_len(16),
        inputs,
    );
    feed(
        JsonArrayDecoder::<serde_json::Value>::new().at("/a"),
        inputs,
    );
    feed(LengthDelimitedDecoder::new().max_len(16), inputs);
    feed(SseDecoder::new().max_len(16), inputs);
    // The default limits too: nothing skipped, so more is scanned and kept.
    feed(LineDecoder::new(), inputs);
    feed(NdjsonDecoder::<serde_json::Value>::new(), inputs);
    feed(JsonArrayDecoder::<serde_json::Value>::new(), inputs);
    feed(SseDecoder::new(), inputs);
}

#[test]
fn a_decoder_given_less_than_it_scanned_before_does_not_panic() {
    // Each decoder is left mid-frame with many bytes scanned, then handed a shorter
    // input: what `into_parts().decoder` reused on a new `Frames` does.
    for long in [
        &b"a partial line with no end"[..],
        b"12345678901234567890",
        b"[1234567890123",
        b"{\"a\": [1, 2",
    ] {
        every_decoder(&[(long.to_vec(), 0, false), (b"x".to_vec(), 0, false)]);
        every_decoder(&[(long.to_vec(), 0, false), (Vec::new(), 0, true)]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_inputs_in_any_order_into_every_decoder_never_panic(
        inputs in proptest::collection::vec(
            (bytes_like_input(), 0u64..1000, any::<bool>()),
            1..6,
        ),
    ) {
        every_decoder(&inputs);
    }

    #[test]
    fn any_bytes_at_any_chunking_decode_the_same_as_one_piece(
        input in bytes_like_input(),
        sizes in proptest::collection::vec(1usize..9, 1..6),
    ) {
        let whole = {
            let input = input.clone();
            decode_all(move || Box::new(SplitReader::new(input.clone(), vec![usize::MAX / 2])))
        };
        let split = {
            let input = input.clone();
            decode_all(move || Box::new(SplitReader::new(input.clone(), sizes.clone())))
        };
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn any_json_into_position_parse_is_a_position_or_an_error(
        json in prop_oneof![
            "\\PC{0,60}",
            Just(r#"{"page":18446744073709551615,"skip":18446744073709551615}"#.to_owned()),
            Just(r#"{"url":"https://a.test/","skip":0,"loops_to":"x"}"#.to_owned()),
            Just(r#"{"cursor":null,"skip":1}"#.to_owned()),
            Just(r#"{"page":-1,"skip":0}"#.to_owned()),
            Just(r#"{"offset":1.5,"skip":0}"#.to_owned()),
        ],
    ) {
        if let Ok(position) = Position::parse(&json) {
            // What parses prints back to the same position.
            prop_assert_eq!(Position::parse(&position.to_string()).unwrap(), position);
        }
    }
}
