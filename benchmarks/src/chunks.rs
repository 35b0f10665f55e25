//! Chunks and framing, side by side with their peers in one run.
//!
//! 1. `read_chunks` vs a hand-written `read` loop into a reused buffer: 1 GiB from
//!    memory, 64 KiB chunks; throughput and allocations per chunk (counting allocator).
//! 2. NDJSON, 1 million typed records of 5 fields: aiter `ndjson` from an `AsyncRead`
//!    vs `serde_json::StreamDeserializer` over the whole buffer, futures-lite `lines()`
//!    + `serde_json::from_str`, and tokio-util `FramedRead` + `LinesCodec` + `from_str`.
//! 3. Lines: aiter `lines` vs futures-lite `lines()` and a bare `memchr` scan of the
//!    same bytes (the floor).
//! 4. JSON array: aiter `json_array` (incremental) vs `serde_json::from_slice::<Vec<T>>`.
//!
//! Each figure is the best of several rounds (default 5). The last column is aiter's
//! throughput divided by that row's: above 1.00x aiter is faster, below it slower.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin chunks [-- ROUNDS [SECTION]]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_lite::future::block_on;
use futures_lite::{AsyncBufReadExt, AsyncRead, AsyncReadExt, StreamExt};
use serde::{Deserialize, Serialize};

/// Counts every allocation, to show `read_chunks` makes none per chunk.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// An `AsyncRead` serving `total` bytes by cycling over `data`: 1 GiB from memory
/// without 1 GiB of memory.
struct Cycle<'a> {
    data: &'a [u8],
    pos: usize,
    left: u64,
}

impl<'a> Cycle<'a> {
    fn new(data: &'a [u8], total: u64) -> Self {
        Self {
            data,
            pos: 0,
            left: total,
        }
    }
}

impl AsyncRead for Cycle<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = &self.data[self.pos..];
        let n = available
            .len()
            .min(buf.len())
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        buf[..n].copy_from_slice(&available[..n]);
        self.pos = (self.pos + n) % self.data.len();
        self.left -= n as u64;
        Poll::Ready(Ok(n))
    }
}

/// Best (smallest) seconds of `rounds` runs of `f`, and `f`'s last result.
fn best_of<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..rounds {
        let start = Instant::now();
        let result = f();
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(result);
    }
    (best, last.expect("at least one round"))
}

/// Prints a table: aiter's row, then each peer's, with the time, the throughput,
/// and aiter's throughput as a multiple of that row's (above 1: aiter is faster).
fn table(title: &str, unit: &str, amount: f64, ours: (&str, f64), peers: &[(&str, f64)]) {
    println!("\n{title}");
    println!(
        "  {:<46} {:>9}  {:>16}  {:>12}",
        "", "time", "throughput", "aiter ÷ this"
    );
    for (name, secs) in std::iter::once(&ours).chain(peers) {
        println!(
            "  {name:<46} {:>6.1} ms  {:>9.1} {unit:<7}  {:>11.2}x",
            secs * 1e3,
            amount / secs,
            secs / ours.1
        );
    }
}

fn bench_read_chunks(rounds: usize) {
    const TOTAL: u64 = 1 << 30;
    const CHUNK: usize = 64 * 1024;
    let data: Vec<u8> = (0..(8u32 << 20)).map(|i| (i % 251) as u8).collect();

    let (hand, hand_sum) = best_of(rounds, || {
        block_on(async {
            let mut reader = Cycle::new(&data, TOTAL);
            let mut buf = vec![0u8; CHUNK];
            let (mut bytes, mut sum) = (0u64, 0u64);
            loop {
                let n = reader.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                bytes += n as u64;
                sum += u64::from(buf[n - 1]);
            }
            (bytes, sum)
        })
    });
    let mut chunk_count = 0u64;
    let mut allocations = 0u64;
    let (ours, our_sum) = best_of(rounds, || {
        block_on(async {
            let mut chunks = aiter::chunks::read_chunks(Cycle::new(&data, TOTAL), CHUNK);
            let (mut bytes, mut sum) = (0u64, 0u64);
            // Steady state: count allocations after the first chunk.
            let first = chunks.next().await.unwrap().unwrap();
            bytes += first.len() as u64;
            sum += u64::from(first[first.len() - 1]);
            drop(first);
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let mut count = 0;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.unwrap();
                bytes += chunk.len() as u64;
                sum += u64::from(chunk[chunk.len() - 1]);
                count += 1;
            }
            allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
            chunk_count = count;
            (bytes, sum)
        })
    });
    assert_eq!(hand_sum, our_sum);
    #[allow(clippy::cast_precision_loss)]
    let mb = TOTAL as f64 / 1e6;
    table(
        "read_chunks: 1 GiB from memory, 64 KiB chunks",
        "MB/s",
        mb,
        ("aiter::chunks::read_chunks", ours),
        &[("hand-written read loop, reused buffer", hand)],
    );
    #[allow(clippy::cast_precision_loss)]
    let per_chunk = allocations as f64 / chunk_count as f64;
    println!(
        "  allocations in steady state: {allocations} over {chunk_count} chunks ({per_chunk:.4} per chunk)"
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: u64,
    name: String,
    email: String,
    score: f64,
    active: bool,
}

fn record(i: u64) -> Record {
    Record {
        id: i,
        name: format!("user {i}"),
        email: format!("user{i}@example.com"),
        #[allow(clippy::cast_precision_loss)]
        score: (i % 1000) as f64 / 10.0,
        active: i.is_multiple_of(3),
    }
}

const RECORDS: u64 = 1_000_000;

fn ndjson_input() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..RECORDS {
        serde_json::to_writer(&mut out, &record(i)).unwrap();
        out.push(b'\n');
    }
    out
}

fn checksum(record: &Record) -> u64 {
    record.id + record.name.len() as u64 + u64::from(record.active)
}

fn bench_ndjson(rounds: usize, input: &[u8]) {
    let expected: u64 = (0..RECORDS).map(|i| checksum(&record(i))).sum();
    let (serde_stream, sum) = best_of(rounds, || {
        serde_json::Deserializer::from_slice(input)
            .into_iter::<Record>()
            .map(|r| checksum(&r.unwrap()))
            .sum::<u64>()
    });
    assert_eq!(sum, expected);
    let (ours, sum) = best_of(rounds, || {
        block_on(async {
            let mut records = aiter::chunks::ndjson::<Record, _>(input);
            let mut sum = 0;
            while let Some(record) = records.next().await {
                sum += checksum(&record.unwrap());
            }
            sum
        })
    });
    assert_eq!(sum, expected);
    let (lite, sum) = best_of(rounds, || {
        block_on(async {
            let mut lines = futures_lite::io::BufReader::new(input).lines();
            let mut sum = 0;
            while let Some(line) = lines.next().await {
                sum += checksum(&serde_json::from_str(&line.unwrap()).unwrap());
            }
            sum
        })
    });
    assert_eq!(sum, expected);
    let (tokio_util, sum) = best_of(rounds, || {
        block_on(async {
            let mut lines =
                tokio_util::codec::FramedRead::new(input, tokio_util::codec::LinesCodec::new());
            let mut sum = 0;
            while let Some(line) = lines.next().await {
                sum += checksum(&serde_json::from_str(&line.unwrap()).unwrap());
            }
            sum
        })
    });
    assert_eq!(sum, expected);
    #[allow(clippy::cast_precision_loss)]
    let records = RECORDS as f64 / 1e6;
    table(
        &format!(
            "NDJSON: 1M records of 5 fields ({:.1} MB)",
            input.len() as f64 / 1e6
        ),
        "Mrec/s",
        records,
        ("aiter::chunks::ndjson from an AsyncRead", ours),
        &[
            ("serde_json StreamDeserializer, whole buffer", serde_stream),
            ("futures-lite lines() + serde_json::from_str", lite),
            ("tokio-util FramedRead+LinesCodec + from_str", tokio_util),
        ],
    );
}

fn bench_lines(rounds: usize, input: &[u8]) {
    let (ours, ours_count) = best_of(rounds, || {
        block_on(async {
            let mut lines = aiter::chunks::lines(input);
            let (mut count, mut len) = (0u64, 0usize);
            while let Some(line) = lines.next().await {
                count += 1;
                len += line.unwrap().len();
            }
            (count, len)
        })
    });
    let (lite, lite_count) = best_of(rounds, || {
        block_on(async {
            let mut lines = futures_lite::io::BufReader::new(input).lines();
            let (mut count, mut len) = (0u64, 0usize);
            while let Some(line) = lines.next().await {
                count += 1;
                len += line.unwrap().len();
            }
            (count, len)
        })
    });
    // The floor: a bare `memchr` scan of the same bytes, in memory, no UTF-8 check,
    // no `String`, no reader.
    let (scan, scan_count) = best_of(rounds, || {
        let (mut count, mut len, mut start) = (0u64, 0usize, 0usize);
        for newline in memchr::memchr_iter(b'\n', input) {
            count += 1;
            len += newline - start;
            start = newline + 1;
        }
        (count, len)
    });
    assert_eq!(ours_count, lite_count);
    assert_eq!(ours_count, scan_count);
    #[allow(clippy::cast_precision_loss)]
    let lines = ours_count.0 as f64 / 1e6;
    table(
        "lines: the NDJSON input as text lines",
        "Mline/s",
        lines,
        ("aiter::chunks::lines", ours),
        &[
            ("futures-lite lines()", lite),
            ("bare memchr scan, in memory (the floor)", scan),
        ],
    );
}

fn bench_json_array(rounds: usize) {
    let mut input = b"[".to_vec();
    for i in 0..RECORDS {
        if i > 0 {
            input.push(b',');
        }
        serde_json::to_writer(&mut input, &record(i)).unwrap();
    }
    input.push(b']');
    let expected: u64 = (0..RECORDS).map(|i| checksum(&record(i))).sum();
    let (whole, sum) = best_of(rounds, || {
        serde_json::from_slice::<Vec<Record>>(&input)
            .unwrap()
            .iter()
            .map(checksum)
            .sum::<u64>()
    });
    assert_eq!(sum, expected);
    let mut peak_buffer = 0;
    let (ours, sum) = best_of(rounds, || {
        block_on(async {
            let mut items = aiter::chunks::json_array::<Record, _>(&input[..]);
            let mut sum = 0;
            while let Some(item) = items.next().await {
                sum += checksum(&item.unwrap());
                peak_buffer = peak_buffer.max(items.buffer_capacity());
            }
            sum
        })
    });
    assert_eq!(sum, expected);
    #[allow(clippy::cast_precision_loss)]
    let records = RECORDS as f64 / 1e6;
    table(
        &format!(
            "JSON array: 1M records of 5 fields ({:.1} MB)",
            input.len() as f64 / 1e6
        ),
        "Mrec/s",
        records,
        ("aiter::chunks::json_array (incremental)", ours),
        &[("serde_json::from_slice::<Vec<T>> (whole)", whole)],
    );
    println!(
        "  memory: aiter's buffer peaked at {} KiB; from_slice holds the {:.1} MB input and a Vec of every record",
        peak_buffer / 1024,
        input.len() as f64 / 1e6
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds = args
        .next()
        .map_or(5, |rounds| rounds.parse().expect("ROUNDS is a number"));
    let section = args.next().unwrap_or_default();
    if "read_chunks".contains(&section) {
        bench_read_chunks(rounds);
    }
    if "ndjson lines".contains(&section) {
        let input = ndjson_input();
        if "ndjson".contains(&section) {
            bench_ndjson(rounds, &input);
        }
        if "lines".contains(&section) {
            bench_lines(rounds, &input);
        }
    }
    if "json_array".contains(&section) {
        bench_json_array(rounds);
    }
}
