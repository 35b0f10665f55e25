//! The sending side: [`WsSender::send`] and [`WsSender::close`], through the
//! shared connection.

use crate::time::Instant;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::error::ProtocolError;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_sink::Sink;

use super::{Shared, WsSender, lock};
use crate::net::ws::{Message, WsError};

impl<S: AsyncRead + AsyncWrite + Unpin> WsSender<S> {
    /// Sends one message: see [`WebSocket::send`](super::WebSocket::send).
    ///
    /// # Errors
    ///
    /// As [`WebSocket::send`](super::WebSocket::send).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (mut client, mut server) = (client?, server?);
    /// use futures_lite::StreamExt;
    /// let (mut sender, _receiver) = client.split();
    /// sender.send(vec![1u8, 2, 3]).await?;
    /// assert_eq!(server.next().await.unwrap()?.into_data().as_ref(), [1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), WsError> {
        {
            let conn = lock(&self.shared);
            if conn.close_deadline.is_some() || conn.peer_closed || conn.ended {
                // Refused here, before the connection sees it: the close
                // handshake goes on as if this send had not been tried.
                return Err(WsError::Protocol(ProtocolError::SendAfterClosing));
            }
        }
        self.send_frame(message.into()).await
    }

    /// Sends any frame, a close included, through the shared connection.
    async fn send_frame(&mut self, message: Message) -> Result<(), WsError> {
        let mut message = Some(message);
        SendMessage {
            shared: &self.shared,
            message: &mut message,
        }
        .await
    }

    /// Starts the close handshake: see [`WebSocket::close`](super::WebSocket::close).
    ///
    /// # Errors
    ///
    /// As [`WebSocket::close`](super::WebSocket::close).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let (left, right) = async_net::unix::UnixStream::pair()?;
    /// let (client, server) = futures_lite::future::zip(
    ///     aiter::net::ws::client("ws://localhost/", left),
    ///     aiter::net::ws::accept(right),
    /// ).await;
    /// let (mut client, mut server) = (client?, server?);
    /// use futures_lite::StreamExt;
    /// let (mut sender, mut receiver) = client.split();
    /// let asking = async {
    ///     sender.send("question").await?;
    ///     // 1. Wait for the replies you want; a peer may answer nothing after a close.
    ///     let reply = receiver.next().await.expect("a reply")?;
    ///     // 2. Close; send nothing more.
    ///     sender.close().await?;
    ///     // 3. Read on to the end: the peer's answer completes the handshake.
    ///     while receiver.next().await.is_some() {}
    ///     Ok::<_, aiter::net::ws::WsError>(reply)
    /// };
    /// let serving = async {
    ///     while let Some(Ok(message)) = server.next().await {
    ///         server.send(format!("answer to {}", message.into_text()?)).await?;
    ///     }
    ///     Ok::<_, aiter::net::ws::WsError>(())
    /// };
    /// let (reply, served) = futures_lite::future::zip(asking, serving).await;
    /// served?;
    /// assert_eq!(reply?.into_text()?, "answer to question");
    /// assert_eq!(receiver.close_event().map(|event| event.was_clean), Some(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn close(&mut self) -> Result<(), WsError> {
        {
            let mut conn = lock(&self.shared);
            if conn.close_deadline.is_none() {
                conn.close_deadline = Instant::now().checked_add(conn.close_timeout);
                // A receiver already waiting starts its close timer now.
                if let Some(waker) = conn.receiver_waker.take() {
                    waker.wake();
                }
            }
        }
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        match self.send_frame(Message::Close(Some(frame))).await {
            Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Ok(()),
            other => other,
        }
    }
}

/// Sends a message through the shared connection, locking it for each poll.
struct SendMessage<'a, S> {
    shared: &'a Shared<S>,
    message: &'a mut Option<Message>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Future for SendMessage<'_, S> {
    type Output = Result<(), WsError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut conn = lock(this.shared);
        poll_send(&mut conn.ws, this.message, cx)
    }
}

/// Queues `message` once the connection can take it, then flushes.
pub(super) fn poll_send<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    message: &mut Option<Message>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), WsError>> {
    if message.is_some() {
        match Pin::new(&mut *ws).poll_ready(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            Poll::Ready(Ok(())) => {}
        }
        if let Some(message) = message.take() {
            Pin::new(&mut *ws).start_send(message)?;
        }
    }
    Pin::new(ws).poll_flush(cx)
}
