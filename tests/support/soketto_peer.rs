//! A WebSocket peer that is not ours (Parity's soketto), and raw frames on the
//! wire, for the `ws` tests.

#![allow(dead_code)] // each test file uses its own subset

use async_net::{TcpListener, TcpStream};
use futures_lite::AsyncReadExt;
use soketto::handshake::server::Response;
use soketto::handshake::{ClientRequest, Server};
use soketto::{Incoming, Receiver, Sender};

/// A listener on a free loopback port, and its `ws://` URL.
pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/socket", listener.local_addr().unwrap());
    (listener, url)
}

/// A soketto server's side of an accepted connection, after the handshake.
pub async fn soketto_server(listener: &TcpListener) -> Server<'static, TcpStream> {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut server = Server::new(tcp);
    let request: ClientRequest<'_> = server.receive_request().await.unwrap();
    let key = request.key();
    server
        .send_response(&Response::Accept {
            key,
            protocol: None,
        })
        .await
        .unwrap();
    server
}

/// soketto's two halves, with limits far above the tests' messages.
pub fn halves(server: Server<'static, TcpStream>) -> (Sender<TcpStream>, Receiver<TcpStream>) {
    let mut builder = server.into_builder();
    builder.set_max_message_size(64 << 20);
    builder.set_max_frame_size(64 << 20);
    builder.finish()
}

/// What soketto receives until the close: data messages, then the close code.
pub async fn receive_until_close(
    receiver: &mut Receiver<TcpStream>,
) -> (Vec<Vec<u8>>, Option<u16>) {
    let mut messages = Vec::new();
    loop {
        let mut message = Vec::new();
        match receiver.receive(&mut message).await {
            Ok(Incoming::Data(_)) => messages.push(message),
            Ok(Incoming::Pong(_)) => {}
            Ok(Incoming::Closed(reason)) => return (messages, Some(reason.code)),
            Err(_) => return (messages, None),
        }
    }
}

/// Unmasks the first frame a client sent: (opcode, payload).
pub async fn read_client_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 2];
    tcp.read_exact(&mut head).await.unwrap();
    let len = usize::from(head[1] & 0x7f);
    assert!(len < 126, "a control frame");
    let mut mask = [0u8; 4];
    tcp.read_exact(&mut mask).await.unwrap();
    let mut payload = vec![0u8; len];
    tcp.read_exact(&mut payload).await.unwrap();
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
    (head[0] & 0x0f, payload)
}
