//! [`datagrams`]: a UDP socket as a stream of datagrams.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use async_io::Async;
use bytes::Bytes;
use futures_core::Stream;

/// The largest datagram [`datagrams`] accepts unless told otherwise: 64 KiB, the
/// most UDP can carry.
///
/// ```
/// assert_eq!(aiter::net::DEFAULT_MAX_DATAGRAM_LEN, 64 * 1024);
/// ```
pub const DEFAULT_MAX_DATAGRAM_LEN: usize = 65_536;

/// Why a datagram was not delivered.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::net::DatagramError;
/// use futures_lite::StreamExt;
/// let receiver = async_net::UdpSocket::bind("127.0.0.1:0").await?;
/// let address = receiver.local_addr()?;
/// let mut datagrams = aiter::net::datagrams(receiver, 4);
/// let sender = async_net::UdpSocket::bind("127.0.0.1:0").await?;
/// sender.send_to(b"too long", address).await?;
/// assert!(matches!(datagrams.next().await.unwrap(), Err(DatagramError::TooLarge { limit: 4, .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DatagramError {
    /// The datagram was larger than the limit; it was dropped, and the stream goes on.
    TooLarge {
        /// Who sent it.
        peer: SocketAddr,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Receiving failed (for example an ICMP "port unreachable" reported on a
    /// connected socket); the stream goes on.
    Io(io::Error),
}

impl fmt::Display for DatagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { peer, limit } => {
                write!(f, "datagram from {peer} larger than {limit} bytes, dropped")
            }
            Self::Io(error) => write!(f, "receiving a datagram failed: {error}"),
        }
    }
}

/// `Io`'s message includes the I/O error, so `source()` goes on below it: error
/// reporters print each cause once.
impl std::error::Error for DatagramError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => error.source(),
            Self::TooLarge { .. } => None,
        }
    }
}

/// The largest payload a UDP datagram can carry (its length field is 16 bits):
/// the ceiling of [`datagrams`]'s `max_len`.
///
/// ```
/// assert!(aiter::net::DEFAULT_MAX_DATAGRAM_LEN > aiter::net::MAX_UDP_PAYLOAD_LEN); // the default allows any
/// ```
pub const MAX_UDP_PAYLOAD_LEN: usize = 65_535;

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed MAX_UDP_PAYLOAD_LEN")]
pub const MAX_UDP_PAYLOAD: usize = MAX_UDP_PAYLOAD_LEN;

#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed DEFAULT_MAX_DATAGRAM_LEN")]
pub const DEFAULT_MAX_DATAGRAM: usize = DEFAULT_MAX_DATAGRAM_LEN;

/// The datagrams a UDP socket receives, each with its sender, at most `max_len`
/// bytes each (0 means [`DEFAULT_MAX_DATAGRAM_LEN`]; a `max_len` over
/// [`MAX_UDP_PAYLOAD_LEN`], 65,535 bytes, the most a UDP datagram can carry, is
/// lowered to it).
///
/// - A larger datagram is not silently cut: it is reported as
///   [`DatagramError::TooLarge`] and dropped, and the stream goes on.
/// - The stream never ends by itself (UDP has no end); drop it to stop.
/// - Memory: one buffer of `max_len + 1` bytes; each datagram is copied out.
///
/// Clone the socket first to keep sending from it.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let receiver = async_net::UdpSocket::bind("127.0.0.1:0").await?;
/// let address = receiver.local_addr()?;
/// let mut datagrams = aiter::net::datagrams(receiver, 512);
/// let sender = async_net::UdpSocket::bind("127.0.0.1:0").await?;
/// sender.send_to(b"ping", address).await?;
/// let (bytes, from) = datagrams.next().await.unwrap()?;
/// assert_eq!((&bytes[..], from), (&b"ping"[..], sender.local_addr()?));
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
///
/// # Cancellation safety
///
/// `next()` is cancellation safe: a datagram is taken from the socket only when it
/// is returned.
pub fn datagrams(socket: async_net::UdpSocket, max_len: usize) -> Datagrams {
    let max_len = if max_len == 0 {
        DEFAULT_MAX_DATAGRAM_LEN
    } else {
        max_len.min(MAX_UDP_PAYLOAD_LEN)
    };
    Datagrams {
        io: socket.clone().into(),
        socket,
        buf: vec![0; max_len + 1],
        max_len,
    }
}

/// The stream returned by [`datagrams`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// let socket = async_net::UdpSocket::bind("127.0.0.1:0").await?;
/// let datagrams: aiter::net::Datagrams = aiter::net::datagrams(socket, 512);
/// assert_eq!(datagrams.max_len(), 512);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Datagrams {
    /// The socket as given, for the accessors.
    socket: async_net::UdpSocket,
    /// The same socket, polled for readiness.
    io: Arc<Async<std::net::UdpSocket>>,
    buf: Vec<u8>,
    max_len: usize,
}

impl Datagrams {
    /// The largest datagram accepted, in bytes.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let socket = async_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(aiter::net::datagrams(socket, 0).max_len(), aiter::net::DEFAULT_MAX_DATAGRAM_LEN);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The socket, for example to send replies from it. A datagram holds no
    /// buffered bytes between reads, so nothing is lost by reading it directly.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let socket = async_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let address = socket.local_addr()?;
    /// let datagrams = aiter::net::datagrams(socket, 0);
    /// assert_eq!(datagrams.get_ref().local_addr()?, address);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &async_net::UdpSocket {
        &self.socket
    }

    /// The socket, mutably.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let socket = async_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let mut datagrams = aiter::net::datagrams(socket, 0);
    /// datagrams.get_mut().set_ttl(8)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn get_mut(&mut self) -> &mut async_net::UdpSocket {
        &mut self.socket
    }

    /// The socket back, to stop reading it as a stream.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let socket = async_net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = aiter::net::datagrams(socket, 0).into_inner();
    /// assert!(socket.local_addr().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> async_net::UdpSocket {
        self.socket
    }
}

impl Stream for Datagrams {
    type Item = Result<(Bytes, SocketAddr), DatagramError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Err(error) = ready!(this.io.poll_readable(cx)) {
                return Poll::Ready(Some(Err(DatagramError::Io(error))));
            }
            match this.io.get_ref().recv_from(&mut this.buf) {
                Ok((len, peer)) if len > this.max_len => {
                    let limit = this.max_len;
                    return Poll::Ready(Some(Err(DatagramError::TooLarge { peer, limit })));
                }
                Ok((len, peer)) => {
                    return Poll::Ready(Some(Ok((Bytes::copy_from_slice(&this.buf[..len]), peer))));
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Poll::Ready(Some(Err(DatagramError::Io(error)))),
            }
        }
    }
}

impl fmt::Debug for Datagrams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Datagrams")
            .field("local_addr", &self.socket.local_addr().ok())
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl Datagrams {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed max_len")]
    pub fn max_size(&self) -> usize {
        self.max_len()
    }
}
