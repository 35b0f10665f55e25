//! The receiving side: [`WsReceiver`]'s stream of messages, the close
//! handshake's timeout, and the refusal of over-size messages.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::time::{Instant, Timer};
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_sink::Sink;

use super::sending::poll_send;
use super::{CloseEvent, Conn, Refusal, WsReceiver, lock};
use crate::net::ws::{Message, WsError};

impl<S: AsyncRead + AsyncWrite + Unpin> WsReceiver<S> {
    /// Waits for the close deadline, once our close has gone out.
    fn poll_close_timeout(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let timer = self.close_timer.get_or_insert_with(|| Timer::at(deadline));
        Pin::new(timer).poll(cx).map(drop)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WsReceiver<S> {
    type Item = Result<Message, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let shared = Arc::clone(&this.shared);
        let mut conn = lock(&shared);
        loop {
            if conn.ended {
                return Poll::Ready(None);
            }
            if let Some(refusal) = conn.refusal.take() {
                return refuse(&mut conn, refusal, cx);
            }
            if conn.peer_closed {
                // The peer's close has come (its answer to ours, or its own, which
                // tungstenite has queued an answer to): once the answer is out, the
                // handshake is complete and the stream ends, without waiting for
                // the peer to drop the connection (RFC 6455 7.1.1: the server closes first).
                let Poll::Ready(flushed) = Pin::new(&mut conn.ws).poll_flush(cx) else {
                    return Poll::Pending;
                };
                if let Some(event) = &mut conn.close_event {
                    event.was_clean = flushed.is_ok();
                }
                conn.ended = true;
                return Poll::Ready(None);
            }
            match Pin::new(&mut conn.ws).poll_next(cx) {
                Poll::Pending => {
                    let Some(deadline) = conn.close_deadline.filter(|_| !conn.peer_closed) else {
                        // `WsSender::close` wakes this to start the close timer.
                        if !conn
                            .receiver_waker
                            .as_ref()
                            .is_some_and(|waker| waker.will_wake(cx.waker()))
                        {
                            conn.receiver_waker = Some(cx.waker().clone());
                        }
                        return Poll::Pending;
                    };
                    if this.poll_close_timeout(cx, deadline).is_pending() {
                        return Poll::Pending;
                    }
                    conn.ended = true;
                    conn.close_event = Some(CloseEvent::abnormal());
                    let timeout = conn.close_timeout;
                    let message = format!("the peer did not answer our close within {timeout:?}");
                    let error = io::Error::new(io::ErrorKind::TimedOut, message);
                    return Poll::Ready(Some(Err(WsError::Io(error))));
                }
                // After the peer's close, reading on sends our answer, then ends.
                Poll::Ready(Some(Ok(Message::Close(frame)))) => {
                    conn.peer_closed = true;
                    conn.close_event = Some(CloseEvent {
                        code: frame.as_ref().map_or(1005, |frame| u16::from(frame.code)),
                        reason: frame
                            .map(|frame| frame.reason.to_string())
                            .unwrap_or_default(),
                        was_clean: false,
                    });
                }
                Poll::Ready(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => {}
                Poll::Ready(Some(Ok(message))) if !conn.peer_closed => {
                    return Poll::Ready(Some(Ok(message)));
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(
                    Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) | None,
                ) => {
                    conn.ended = true;
                    conn.close_event.get_or_insert_with(CloseEvent::abnormal);
                }
                Poll::Ready(Some(Err(error @ WsError::Capacity(_)))) => {
                    conn.refusal = Some(Refusal::Send(CloseFrame {
                        code: CloseCode::Size,
                        reason: "message too big".into(),
                    }));
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(Some(Err(error))) => {
                    conn.ended = true;
                    conn.close_event = Some(CloseEvent::abnormal());
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

/// Sends the close that refuses an over-size message, then ends the stream (the
/// connection is closed when the socket is dropped).
fn refuse<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    refusal: Refusal,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Message, WsError>>> {
    let mut message = match refusal {
        Refusal::Send(frame) => Some(Message::Close(Some(frame))),
        Refusal::Flush => None,
    };
    match poll_send(&mut conn.ws, &mut message, cx) {
        Poll::Pending => {
            conn.refusal = Some(match message {
                Some(Message::Close(Some(frame))) => Refusal::Send(frame),
                _ => Refusal::Flush,
            });
            Poll::Pending
        }
        // Whether or not the close could be sent, this side is done.
        Poll::Ready(_) => {
            conn.ended = true;
            conn.close_event = Some(CloseEvent {
                code: 1009,
                reason: "message too big".to_owned(),
                was_clean: false,
            });
            Poll::Ready(None)
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FusedStream for WsReceiver<S> {
    fn is_terminated(&self) -> bool {
        lock(&self.shared).ended
    }
}
