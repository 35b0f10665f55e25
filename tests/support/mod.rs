//! Test helpers shared by the integration tests.

#![allow(dead_code)] // each test file uses its own subset

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::AsyncRead;

/// Serves `data` in reads of the given sizes, cycling through `sizes`: the same
/// input split at chosen places.
pub struct SplitReader {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    next_size: usize,
}

impl SplitReader {
    pub fn new(data: impl Into<Vec<u8>>, sizes: Vec<usize>) -> Self {
        assert!(sizes.iter().all(|&size| size > 0));
        Self {
            data: data.into(),
            pos: 0,
            sizes,
            next_size: 0,
        }
    }
}

impl AsyncRead for SplitReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let size = self.sizes[self.next_size % self.sizes.len()];
        self.next_size += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }
}

/// Serves `data`, then fails with `error`.
pub struct FailingReader {
    data: Vec<u8>,
    pos: usize,
    error: Option<io::Error>,
}

impl FailingReader {
    pub fn new(data: impl Into<Vec<u8>>, error: io::Error) -> Self {
        Self {
            data: data.into(),
            pos: 0,
            error: Some(error),
        }
    }
}

impl AsyncRead for FailingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.pos == self.data.len() {
            return Poll::Ready(Err(self
                .error
                .take()
                .unwrap_or_else(|| io::Error::other("failed again"))));
        }
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }
}

/// `len` bytes of `byte` without end of line, produced as read: a huge input
/// without the memory for it.
pub struct Endless {
    byte: u8,
    left: u64,
}

impl Endless {
    pub fn new(byte: u8, len: u64) -> Self {
        Self { byte, left: len }
    }
}

impl AsyncRead for Endless {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let n = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        buf[..n].fill(self.byte);
        self.left -= n as u64;
        Poll::Ready(Ok(n))
    }
}

/// Each message of an error's chain, outermost first: what an error reporter
/// prints, joined with `: `.
pub fn error_chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

/// Runs `future` as a task on an `async_executor::Executor` driven by `threads`
/// worker threads, and returns its output once it is done.
pub fn on_worker_threads<T: Send + 'static>(
    threads: usize,
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let executor = async_executor::Executor::new();
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let (_, output) = easy_parallel::Parallel::new()
        .each(0..threads, |_| {
            futures_lite::future::block_on(executor.run(stopped.recv()))
        })
        .finish(|| {
            let output = futures_lite::future::block_on(executor.spawn(future));
            drop(stop);
            output
        });
    output
}
