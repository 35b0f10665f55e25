//! `aiter::chunks`: `read_chunks`, `stream_reader`, and every decoder and encoder.

mod support;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aiter::chunks::{
    self, ByteOrder, Decoded, Decoder, Encoder, FrameError, FrameErrorKind, Input,
    LengthDelimitedEncoder, LineDecoder, LineEncoder,
};
use futures_lite::future::block_on;
use futures_lite::{AsyncRead, Stream, StreamExt, stream};
use support::{Endless, FailingReader, SplitReader};

/// Collects a frame stream as `Ok(item)` or `Err("Display of the error")`.
fn collect<T>(frames: impl Stream<Item = Result<T, FrameError>>) -> Vec<Result<T, String>> {
    block_on(
        frames
            .map(|frame| frame.map_err(|error| error.to_string()))
            .collect(),
    )
}

// ---------------------------------------------------------------- read_chunks

/// A reader that records when it is dropped.
struct DropFlag<R> {
    inner: R,
    dropped: Arc<AtomicBool>,
}

impl<R> Drop for DropFlag<R> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for DropFlag<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[test]
fn read_chunks_yields_the_input_in_order_and_ends_at_eof() {
    let chunks: Vec<_> =
        block_on(chunks::read_chunks(SplitReader::new(&b"abcdefgh"[..], vec![3]), 4).try_collect())
            .unwrap();
    assert_eq!(chunks, ["abc", "def", "gh"]);
}

#[test]
fn read_chunks_never_yields_more_than_the_chunk_size() {
    let input = vec![7u8; 10_000];
    let chunks: Vec<bytes::Bytes> =
        block_on(chunks::read_chunks(&input[..], 1000).try_collect()).unwrap();
    assert!(
        chunks
            .iter()
            .all(|chunk| chunk.len() <= 1000 && !chunk.is_empty())
    );
    assert_eq!(chunks.concat(), input);
}

#[test]
fn read_chunks_ends_with_the_io_error_after_the_bytes_before_it() {
    let reader = FailingReader::new(
        &b"partial"[..],
        io::Error::new(io::ErrorKind::ConnectionReset, "reset"),
    );
    let items: Vec<_> = block_on(chunks::read_chunks(reader, 4).collect());
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap(), "part");
    assert_eq!(items[1].as_ref().unwrap(), "ial");
    assert_eq!(
        items[2].as_ref().unwrap_err().kind(),
        io::ErrorKind::ConnectionReset
    );
}

#[test]
fn read_chunks_releases_the_reader_when_finished() {
    let dropped = Arc::new(AtomicBool::new(false));
    let reader = DropFlag {
        inner: &b"abc"[..],
        dropped: dropped.clone(),
    };
    let mut chunks = chunks::read_chunks(reader, 2);
    block_on(async { while chunks.next().await.is_some() {} });
    assert!(
        dropped.load(Ordering::SeqCst),
        "the reader is released at the end, not when the stream is dropped"
    );
    assert!(chunks.get_ref().is_none());
}

#[test]
fn read_chunks_releases_the_reader_when_dropped_early() {
    let dropped = Arc::new(AtomicBool::new(false));
    let reader = DropFlag {
        inner: &b"abcdef"[..],
        dropped: dropped.clone(),
    };
    let mut chunks = chunks::read_chunks(reader, 2);
    assert_eq!(block_on(chunks.next()).unwrap().unwrap(), "ab");
    assert!(!dropped.load(Ordering::SeqCst));
    drop(chunks); // the `break` out of `for await`
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn read_chunks_reuses_its_buffer_once_a_chunk_is_dropped() {
    let input = vec![1u8; 64 * 1024];
    let mut chunks = chunks::read_chunks(&input[..], 4096);
    let first = block_on(chunks.next()).unwrap().unwrap().as_ptr();
    let second = block_on(chunks.next()).unwrap().unwrap().as_ptr();
    assert_eq!(
        first, second,
        "the second read went into the first chunk's memory"
    );
}

#[test]
fn read_chunks_never_overwrites_a_chunk_still_held() {
    let input: Vec<u8> = (0..=255u8).cycle().take(50_000).collect();
    let held: Vec<bytes::Bytes> = block_on(
        chunks::read_chunks(SplitReader::new(input.clone(), vec![4096, 10, 700]), 4096)
            .try_collect(),
    )
    .unwrap();
    assert_eq!(held.concat(), input);
}

#[test]
fn read_chunks_is_send_with_a_send_reader() {
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&chunks::read_chunks(&b""[..], 0));
}

// -------------------------------------------------------------- stream_reader

#[test]
fn stream_reader_turns_chunks_into_a_reader_for_a_decoder() {
    let chunks = stream::iter(["one\ntw", "", "o\r", "\nthree"].map(Ok::<_, io::Error>));
    let lines = collect(chunks::lines(chunks::stream_reader(chunks)));
    assert_eq!(
        lines,
        [
            Ok("one".to_owned()),
            Ok("two".to_owned()),
            Ok("three".to_owned())
        ]
    );
}

#[test]
fn stream_reader_reports_an_error_after_the_bytes_before_it() {
    use futures_lite::AsyncReadExt;
    let chunks = stream::iter([
        Ok(&b"ok"[..]),
        Err(io::Error::other("boom")),
        Ok(&b"after"[..]),
    ]);
    let mut reader = chunks::stream_reader(chunks);
    let mut buf = [0u8; 10];
    block_on(async {
        assert_eq!(reader.read(&mut buf).await.unwrap(), 2);
        assert_eq!(reader.read(&mut buf).await.unwrap_err().to_string(), "boom");
        assert_eq!(reader.read(&mut buf).await.unwrap(), 5);
        assert_eq!(reader.read(&mut buf).await.unwrap(), 0);
    });
}

// ---------------------------------------------------------------------- lines

#[test]
fn lines_split_on_lf_and_crlf_and_keep_a_last_line_without_newline() {
    let lines = collect(chunks::lines(&b"a\nb\r\n\nc\rd\nlast"[..]));
    let expected = ["a", "b", "", "c\rd", "last"].map(|line| Ok(line.to_owned()));
    assert_eq!(lines, expected);
}

#[test]
fn a_line_over_the_limit_is_an_error_item_and_the_next_line_follows() {
    let lines = collect(chunks::lines(&b"ok\n0123456789abc\r\nnext\n"[..]).max_len(10));
    assert_eq!(
        lines,
        [
            Ok("ok".to_owned()),
            Err("line 2, byte 3: longer than the limit of 10 bytes".to_owned()),
            Ok("next".to_owned()),
        ]
    );
}

#[test]
fn a_line_at_the_limit_with_crlf_is_accepted() {
    let lines =
        collect(chunks::lines(SplitReader::new(&b"0123456789\r\n"[..], vec![11, 1])).max_len(10));
    assert_eq!(lines, [Ok("0123456789".to_owned())]);
}

#[test]
fn invalid_utf8_is_an_error_item_and_the_stream_goes_on() {
    let lines = collect(chunks::lines(&b"\xff\xfe\nfine\n"[..]));
    assert_eq!(
        lines,
        [
            Err("line 1, byte 0: invalid UTF-8".to_owned()),
            Ok("fine".to_owned())
        ]
    );
}

#[test]
fn a_huge_line_without_newline_costs_at_most_the_limit() {
    // 256 MiB of 'x' and no newline, limit 1 MiB.
    let reader =
        futures_lite::AsyncReadExt::chain(Endless::new(b'x', 256 << 20), &b"\nafter\n"[..]);
    let mut lines = chunks::lines(reader).max_len(1 << 20);
    let error = block_on(lines.next()).unwrap().unwrap_err();
    assert!(matches!(error.kind(), FrameErrorKind::TooLong { limit, .. } if *limit == 1 << 20));
    assert_eq!((error.offset(), error.line()), (0, Some(1)));
    assert!(lines.buffer_capacity() <= (1 << 20) + 2 * chunks::DEFAULT_READ_SIZE);
    assert_eq!(block_on(lines.next()).unwrap().unwrap(), "after");
}

#[test]
fn an_io_error_ends_lines_after_every_complete_line() {
    let reader = FailingReader::new(
        &b"one\ntwo\nthr"[..],
        io::Error::new(io::ErrorKind::BrokenPipe, "gone"),
    );
    let lines = collect(chunks::lines(reader));
    assert_eq!(
        lines,
        [
            Ok("one".to_owned()),
            Ok("two".to_owned()),
            Err("line 3, byte 8: I/O error: gone".to_owned())
        ]
    );
}

#[test]
fn the_line_decoder_works_on_byte_slices_without_a_runtime() {
    let mut decoder = LineDecoder::new();
    let Decoded::Frame { consumed, frame } = decoder.decode(Input::new(b"hi\nrest", 0, false))
    else {
        panic!("a line")
    };
    assert_eq!((consumed, frame.unwrap()), (3, "hi".to_owned()));
    assert!(matches!(
        decoder.decode(Input::new(b"rest", 3, false)),
        Decoded::NeedMore { consumed: 0 }
    ));
}

// ----------------------------------------------------------- length_delimited

#[test]
fn length_delimited_reads_u32_big_endian_frames_by_default() {
    let frames = collect(chunks::length_delimited(
        &b"\0\0\0\x03abc\0\0\0\0\0\0\0\x01z"[..],
    ));
    assert_eq!(frames, [Ok("abc".into()), Ok("".into()), Ok("z".into())]);
}

#[test]
fn length_delimited_takes_other_widths_and_byte_orders() {
    let frames = collect(
        chunks::length_delimited(&b"\x02\x00hi\x01\x00!"[..]).prefix(2, ByteOrder::LittleEndian),
    );
    assert_eq!(frames, [Ok("hi".into()), Ok("!".into())]);
}

/// Serves its bytes, then never anything more: a peer that stalls.
struct ThenStall(&'static [u8]);

impl AsyncRead for ThenStall {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        if self.0.is_empty() {
            return std::task::Poll::Pending;
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        std::task::Poll::Ready(Ok(n))
    }
}

#[test]
fn an_oversized_length_prefix_is_refused_before_its_bytes_arrive() {
    let mut frames = chunks::length_delimited(ThenStall(b"\xff\xff\xff\xff")).max_len(1024);
    let error = block_on(frames.next()).unwrap().unwrap_err();
    assert_eq!(
        error.to_string(),
        "record 1, byte 0: 4294967295 bytes, over the limit of 1024 bytes"
    );
    assert!(!error.is_fatal());
    assert!(frames.buffer_capacity() <= 2 * chunks::DEFAULT_READ_SIZE);
}

#[test]
fn an_oversized_frame_is_skipped_and_the_next_one_follows() {
    let mut input = b"\0\0\0\x05".to_vec();
    input.extend_from_slice(b"12345\0\0\0\x02ok");
    let frames = collect(chunks::length_delimited(SplitReader::new(input, vec![2])).max_len(4));
    assert_eq!(
        frames,
        [
            Err("record 1, byte 0: 5 bytes, over the limit of 4 bytes".to_owned()),
            Ok("ok".into())
        ]
    );
}

#[test]
fn eof_inside_a_length_delimited_frame_is_an_error() {
    let frames = collect(chunks::length_delimited(&b"\0\0\0\x01a\0\0\0\x09abc"[..]));
    assert_eq!(
        frames,
        [
            Ok("a".into()),
            Err("record 2, byte 5: unexpected end of input".to_owned())
        ]
    );
}

// ------------------------------------------------------------------- encoders

#[test]
fn encoders_refuse_what_would_not_read_back() {
    let mut out = Vec::new();
    assert!(LineEncoder::new().encode("two\nlines", &mut out).is_err());
    assert!(LineEncoder::new().encode("cr\r", &mut out).is_err());
    assert!(
        LengthDelimitedEncoder::new()
            .prefix(1, ByteOrder::BigEndian)
            .encode(vec![0u8; 256], &mut out)
            .is_err()
    );
    assert!(out.is_empty());
}

// --------------------------------------------------------------------- errors

#[test]
fn frame_errors_are_std_errors_that_print_their_io_error_once() {
    let reader = FailingReader::new(&b""[..], io::Error::other("disk"));
    let error = block_on(chunks::lines(reader).next()).unwrap().unwrap_err();
    assert!(error.is_fatal());
    // The message says it; `source()` goes on below it (here, nothing), so an
    // error reporter does not print "disk" twice. The I/O error is in the kind.
    assert!(error.to_string().ends_with("I/O error: disk"), "{error}");
    assert!(std::error::Error::source(&error).is_none());
    assert!(matches!(error.kind(), FrameErrorKind::Io(io) if io.to_string() == "disk"));
    let io: io::Error = error.into();
    assert_eq!(io.to_string(), "disk");
}

#[test]
fn a_decoder_of_your_own_plugs_into_frames() {
    struct Pairs;
    impl Decoder for Pairs {
        type Item = (u8, u8);
        fn decode(&mut self, input: Input<'_>) -> Decoded<(u8, u8)> {
            match input.bytes {
                [a, b, ..] => Decoded::Frame {
                    consumed: 2,
                    frame: Ok((*a, *b)),
                },
                _ => Decoded::NeedMore { consumed: 0 },
            }
        }
    }
    let frames = collect(chunks::Frames::new(
        SplitReader::new(&b"abcde"[..], vec![1]),
        Pairs,
    ));
    assert_eq!(
        frames,
        [
            Ok((b'a', b'b')),
            Ok((b'c', b'd')),
            Err("byte 4: unexpected end of input".to_owned())
        ]
    );
}

#[test]
fn frames_run_on_smol_and_on_an_async_executor() {
    let input = b"1\n2\n3\n";
    let on_smol: Vec<String> = smol::block_on(chunks::lines(&input[..]).try_collect()).unwrap();
    let executor = async_executor::Executor::new();
    let task = executor.spawn(async move {
        chunks::lines(&input[..])
            .try_collect::<_, _, Vec<String>>()
            .await
    });
    let on_executor = block_on(executor.run(task)).unwrap();
    assert_eq!(on_smol, on_executor);
}

#[test]
fn frames_release_the_reader_at_the_end_and_when_dropped_early() {
    let dropped = Arc::new(AtomicBool::new(false));
    let reader = DropFlag {
        inner: &b"a\nb\n"[..],
        dropped: dropped.clone(),
    };
    let mut lines = chunks::lines(reader);
    block_on(async { while lines.next().await.is_some() {} });
    assert!(dropped.load(Ordering::SeqCst));
    assert!(lines.get_ref().is_none());

    let dropped = Arc::new(AtomicBool::new(false));
    let reader = DropFlag {
        inner: &b"a\nb\n"[..],
        dropped: dropped.clone(),
    };
    let mut lines = chunks::lines(reader);
    assert_eq!(block_on(lines.next()).unwrap().unwrap(), "a");
    drop(lines);
    assert!(dropped.load(Ordering::SeqCst));
}

/// Gives `len` bytes of `byte`, returning `Pending` (and waking itself) before each
/// read, so a test can look at the stream between reads.
struct Stepwise {
    inner: Endless,
    ready: bool,
}

impl AsyncRead for Stepwise {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        self.ready = false;
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[test]
fn the_buffer_never_grows_past_the_limit_plus_one_read() {
    use std::task::{Context, Poll};
    let limit = 1 << 20;
    let reader = Stepwise {
        inner: Endless::new(b'x', 16 << 20),
        ready: false,
    };
    let mut lines = chunks::lines(reader).max_len(limit);
    let waker = futures_lite::future::block_on(futures_lite::future::poll_fn(|cx| {
        Poll::Ready(cx.waker().clone())
    }));
    let mut cx = Context::from_waker(&waker);
    let mut peak = 0;
    loop {
        match std::pin::Pin::new(&mut lines).poll_next(&mut cx) {
            Poll::Pending => peak = peak.max(lines.buffer_capacity()),
            Poll::Ready(Some(line)) => assert!(line.is_err(), "one line, too long"),
            Poll::Ready(None) => break,
        }
    }
    assert!(
        peak > limit / 2,
        "the buffer did grow toward the limit ({peak})"
    );
    assert!(
        peak <= limit + 2 + chunks::DEFAULT_READ_SIZE,
        "peak {peak} bytes for a limit of {limit}"
    );
}

#[test]
fn read_chunks_of_every_small_size_reads_everything() {
    let data: Vec<u8> = (0..=255).collect();
    for size in 1..=4 {
        let chunks: Vec<_> = block_on(
            chunks::read_chunks(&data[..], size)
                .map(Result::unwrap)
                .collect::<Vec<_>>(),
        );
        assert!(
            chunks
                .iter()
                .all(|chunk| chunk.len() <= size && !chunk.is_empty())
        );
        assert_eq!(chunks.concat(), data, "chunk size {size}");
    }
}

/// Accepts one byte a write and records where each write's slice starts.
struct OneByteAtATime {
    starts: Vec<usize>,
    written: Vec<u8>,
}

impl futures_lite::AsyncWrite for OneByteAtATime {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.starts.push(buf.as_ptr() as usize);
        self.written.push(buf[0]);
        std::task::Poll::Ready(Ok(1))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn frame_writer_never_moves_the_unwritten_bytes_after_a_short_write() {
    // A slow peer takes one byte a write. Moving the rest of the buffer after each
    // write would be quadratic; the writer must move on through it instead.
    let line = "x".repeat(50_000);
    let peer = OneByteAtATime {
        starts: Vec::new(),
        written: Vec::new(),
    };
    let mut writer = chunks::FrameWriter::new(peer, chunks::LineEncoder::new());
    block_on(writer.send(line.as_str())).unwrap();
    let peer = writer.into_inner();
    assert_eq!(peer.written.len(), 50_001);
    assert_eq!(&peer.written[..50_000], line.as_bytes());
    let moved = peer.starts.windows(2).filter(|w| w[1] != w[0] + 1).count();
    assert_eq!(
        moved, 0,
        "each write starts one byte further into the same buffer"
    );
}
