//! A `FrameWriter::send` cancelled part-way keeps the rest of its frame queued:
//! the next `send` or `flush` finishes it, and the frame goes out exactly once.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use aiter::chunks::{FrameWriter, LineEncoder};
use futures_lite::AsyncWrite;
use futures_lite::future::{block_on, poll_once};

/// Takes at most three bytes, then is full until `open` is set.
#[derive(Default)]
struct Stingy {
    written: Vec<u8>,
    open: bool,
    took_some: bool,
}

impl AsyncWrite for Stingy {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.took_some && !self.open {
            return Poll::Pending; // full: a slow peer
        }
        let n = if self.open {
            buf.len()
        } else {
            buf.len().min(3)
        };
        self.written.extend_from_slice(&buf[..n]);
        self.took_some = true;
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn a_cancelled_send_is_finished_by_the_next_flush_and_goes_out_once() {
    block_on(async {
        let mut writer = FrameWriter::new(Stingy::default(), LineEncoder::new());
        // Polled once: three bytes of "hello\n" go out, then the peer is full;
        // the send is given up (what a write timeout does).
        assert!(poll_once(writer.send("hello")).await.is_none());
        assert_eq!(writer.get_ref().written, b"hel");
        writer.get_mut().open = true;
        writer.flush().await.unwrap();
        assert_eq!(writer.get_ref().written, b"hello\n", "the rest, once");
        writer.send("next").await.unwrap();
        assert_eq!(writer.get_ref().written, b"hello\nnext\n");
    });
}

#[test]
fn a_cancelled_send_is_finished_by_the_next_send_in_order() {
    block_on(async {
        let mut writer = FrameWriter::new(Stingy::default(), LineEncoder::new());
        assert!(poll_once(writer.send("first")).await.is_none());
        writer.get_mut().open = true;
        writer.send("second").await.unwrap();
        assert_eq!(writer.get_ref().written, b"first\nsecond\n");
    });
}

#[test]
fn a_send_dropped_before_its_first_poll_queues_nothing() {
    block_on(async {
        let mut writer = FrameWriter::new(
            Stingy {
                open: true,
                ..Stingy::default()
            },
            LineEncoder::new(),
        );
        drop(writer.send("never"));
        writer.flush().await.unwrap();
        assert!(writer.get_ref().written.is_empty());
    });
}
