//! The read buffer of [`Frames`](super::Frames): grows while one frame needs it,
//! and holds nothing while its reader has nothing to give.
//!
//! A connection that waits for its peer (a `Pending` read with no partial frame)
//! gives its buffer back. The next read goes into a per-thread scratch buffer and
//! only the bytes that came are copied into a buffer of the connection's own, so
//! ten thousand idle connections hold no read buffers, and a busy one (whose reads
//! do not wait) keeps its buffer from read to read.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::AsyncRead;

use super::DEFAULT_READ_SIZE;

thread_local! {
    /// Where a connection with no buffer of its own reads: one per thread, reused.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; DEFAULT_READ_SIZE].into_boxed_slice());
}

/// Bytes read and not yet consumed are `buf[head..tail]`; `buf.len()` is the
/// buffer's size (all of it initialized, so reads can go into it).
#[derive(Debug, Default)]
pub(crate) struct ReadBuffer {
    buf: Vec<u8>,
    head: usize,
    tail: usize,
}

impl ReadBuffer {
    /// Bytes read but not yet consumed.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.head..self.tail]
    }

    /// Drops the first `n` pending bytes (at most all of them); returns how many.
    pub(crate) fn consume(&mut self, n: usize) -> usize {
        let n = n.min(self.tail - self.head);
        self.head += n;
        n
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Bytes of memory the buffer holds.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Reads more bytes after the pending ones: `Ok(0)` at the end of the input.
    ///
    /// Asks for `read_size` bytes; grows the buffer only while a partial frame
    /// needs the room, never past `limit` plus one read.
    pub(crate) fn poll_fill<R: AsyncRead>(
        &mut self,
        mut reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        read_size: usize,
        limit: Option<usize>,
    ) -> Poll<io::Result<usize>> {
        let wanted = read_size.div_ceil(4);
        if self.is_empty() && self.buf.len() < wanted {
            // No partial frame and no buffer worth reading into: read into the
            // thread's scratch buffer, keep only what came.
            if let Some(poll) = self.poll_fill_from_scratch(reader.as_mut(), cx, read_size) {
                return poll;
            }
        }
        self.make_room(read_size, limit);
        let room = self.buf.len() - self.tail;
        let poll = checked(reader.poll_read(cx, &mut self.buf[self.tail..]), room);
        match poll {
            Poll::Ready(Ok(n)) => self.tail += n,
            Poll::Pending if self.is_empty() => self.release(),
            _ => {}
        }
        poll
    }

    /// `None` when the scratch buffer is in use (a reader that reads another
    /// `Frames` on the same thread): then the caller reads into a buffer of its own.
    fn poll_fill_from_scratch<R: AsyncRead>(
        &mut self,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        read_size: usize,
    ) -> Option<Poll<io::Result<usize>>> {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.try_borrow_mut().ok()?;
            let len = read_size.min(scratch.len());
            let poll = checked(reader.poll_read(cx, &mut scratch[..len]), len);
            match poll {
                Poll::Ready(Ok(n)) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(&scratch[..n]);
                    self.head = 0;
                    self.tail = n;
                }
                Poll::Pending => self.release(),
                Poll::Ready(Err(_)) => {}
            }
            Some(poll)
        })
    }

    /// Gives the memory back: nothing is pending.
    fn release(&mut self) {
        self.buf = Vec::new();
        self.head = 0;
        self.tail = 0;
    }

    /// Makes at least a quarter of `read_size` free after `tail`: first by dropping
    /// consumed bytes, then by growing (only while one pending frame needs it), by
    /// doubling but never past `limit` plus one read. A large buffer left over from
    /// a large frame is given back once it is empty.
    fn make_room(&mut self, read_size: usize, limit: Option<usize>) {
        if self.is_empty() {
            self.head = 0;
            self.tail = 0;
            if self.buf.len() > 4 * read_size {
                self.buf = Vec::new();
            }
        }
        let wanted = read_size.div_ceil(4);
        if self.buf.len() - self.tail >= wanted {
            return;
        }
        if self.head > 0 {
            self.buf.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        if self.buf.len() - self.tail < wanted {
            let doubled = (self.buf.len() * 2).max(self.tail + read_size);
            let ceiling = limit.map_or(usize::MAX, |limit| limit.saturating_add(read_size));
            self.buf
                .resize(doubled.min(ceiling).max(self.tail + wanted), 0);
        }
    }
}

/// A read's result, or an error when the reader claims more bytes than the buffer
/// it was given holds (a broken `AsyncRead`): never a slice out of bounds.
pub(crate) fn checked(poll: Poll<io::Result<usize>>, len: usize) -> Poll<io::Result<usize>> {
    match poll {
        Poll::Ready(Ok(n)) if n > len => Poll::Ready(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the reader said it read {n} bytes into a buffer of {len}"),
        ))),
        poll => poll,
    }
}
