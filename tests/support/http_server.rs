//! A real HTTP server (trillium, on smol) on loopback, for the HTTP tests.

#![allow(dead_code)] // each test file uses its own subset

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::AsyncRead;

/// A trillium server answering with `handler` on a loopback port, until dropped.
pub struct TestServer {
    address: std::net::SocketAddr,
    stopper: trillium_smol::Stopper,
}

impl TestServer {
    pub fn start(handler: impl trillium::Handler) -> Self {
        Self::start_with(handler, trillium::HttpConfig::default())
    }

    /// A server that writes each piece of a streaming body as it comes (no
    /// response buffer), as a server of live events does.
    pub fn start_unbuffered(handler: impl trillium::Handler) -> Self {
        Self::start_with(
            handler,
            trillium::HttpConfig::default().with_response_buffer_len(1),
        )
    }

    fn start_with(handler: impl trillium::Handler, http_config: trillium::HttpConfig) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("bound address");
        let listener = smol::net::TcpListener::try_from(listener).expect("async listener");
        let handle = trillium_smol::config()
            .without_signals()
            .with_http_config(http_config)
            .with_prebound_server(listener)
            .spawn(handler);
        Self {
            address,
            stopper: handle.stopper(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stopper.stop();
    }
}

/// A request's query string, decoded, as a map.
pub fn query(conn: &trillium::Conn) -> HashMap<String, String> {
    url::form_urlencoded::parse(conn.querystring().as_bytes())
        .into_owned()
        .collect()
}

/// Answers `body` as JSON.
pub fn json_response(conn: trillium::Conn, body: &serde_json::Value) -> trillium::Conn {
    conn.with_response_header("content-type", "application/json")
        .ok(body.to_string())
}

/// A body source that gives `good` bytes of a pattern, then fails: the server
/// breaks off the response there and closes the connection.
pub struct BreaksAfter {
    pub sent: usize,
    pub good: usize,
}

impl BreaksAfter {
    pub fn new(good: usize) -> Self {
        Self { sent: 0, good }
    }
}

impl AsyncRead for BreaksAfter {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.sent == self.good {
            return Poll::Ready(Err(io::Error::other("the server's body source failed")));
        }
        let n = (self.good - self.sent).min(buf.len());
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            *byte = pattern_byte(self.sent + i);
        }
        self.sent += n;
        Poll::Ready(Ok(n))
    }
}

fn pattern_byte(i: usize) -> u8 {
    u8::try_from(i % 251).expect("below 251")
}

/// `len` bytes of the pattern `BreaksAfter` also serves.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(pattern_byte).collect()
}

/// A body source that gives `data` `step` bytes at a time, letting the server
/// flush between reads, then ends, or, when `cut` is set, waits 100 ms (the
/// client has what was sent) and fails: the server cuts the connection.
pub struct Dribble {
    data: Vec<u8>,
    at: usize,
    step: usize,
    cut: bool,
    yielded: bool,
    pause: Option<async_io::Timer>,
}

impl Dribble {
    pub fn new(data: impl Into<Vec<u8>>, step: usize, cut: bool) -> Self {
        Self {
            data: data.into(),
            at: 0,
            step: step.max(1),
            cut,
            yielded: false,
            pause: None,
        }
    }
}

impl AsyncRead for Dribble {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.at == self.data.len() {
            if !self.cut {
                return Poll::Ready(Ok(0));
            }
            let pause = self.pause.get_or_insert_with(|| {
                async_io::Timer::after(std::time::Duration::from_millis(100))
            });
            if std::future::Future::poll(Pin::new(pause), cx).is_pending() {
                return Poll::Pending;
            }
            return Poll::Ready(Err(io::Error::other("the server cut the connection")));
        }
        // One read in two is Pending, so every piece goes out on its own.
        if !std::mem::replace(&mut self.yielded, true) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.yielded = false;
        let n = self.step.min(self.data.len() - self.at).min(buf.len());
        let at = self.at;
        buf[..n].copy_from_slice(&self.data[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(n))
    }
}

/// The HTTP clients a test runs over: isahc always, surf with feature `surf`.
pub fn clients() -> Vec<(&'static str, std::sync::Arc<dyn aiter::http::Client>)> {
    #[allow(unused_mut)] // one entry without feature surf
    let mut clients: Vec<(&'static str, std::sync::Arc<dyn aiter::http::Client>)> = vec![(
        "isahc",
        std::sync::Arc::new(aiter::http::isahc::HttpClient::new().expect("an isahc client")),
    )];
    #[cfg(feature = "surf")]
    clients.push(("surf", std::sync::Arc::new(surf::Client::new())));
    clients
}

thread_local! {
    /// The client the current run of a test uses: see `over_every_client`.
    static CLIENT: std::cell::RefCell<Option<std::sync::Arc<dyn aiter::http::Client>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `test` once per client (isahc; surf too with feature `surf`).
pub fn over_every_client(test: impl Fn()) {
    for (name, client) in clients() {
        CLIENT.with(|cell| *cell.borrow_mut() = Some(client));
        eprintln!("client: {name}");
        test();
    }
}

pub fn current_client() -> std::sync::Arc<dyn aiter::http::Client> {
    CLIENT.with(|cell| cell.borrow().clone().expect("inside over_every_client"))
}
