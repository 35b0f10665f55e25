//! A chat server: every line a peer sends goes to every other peer, and one peer
//! that stops reading never stalls the others.
//!
//! Run with: `cargo run --features net --example broadcast -- --listen ADDR [--queue N] [--write-timeout SECS] [--connections N]`
//!
//! The pattern: one loop reads every connection ([`Merge`]) and never writes to
//! a socket itself. Each peer has a bounded queue ([`events::channel`], `--queue`
//! lines, 1,024 by default) and a writer task that drains it into the socket with
//! a write timeout (`--write-timeout`, 5 s by default). A peer whose queue stays
//! full for 200 ms (it reads slower than the others talk), or whose socket takes
//! nothing for the write timeout, is dropped: its connection is shut down and
//! counted. The others go on at their own speed, and new connections are served
//! all along (a stuck peer delays them once, by at most those 200 ms).
//!
//! Prints `listening on ADDR` on stderr once bound (port 0 picks one), then
//! `joined PEER`, `left PEER` and `dropped PEER: slow (...)`. With `--connections
//! N` it exits 0 once N connections have come and gone, after printing
//! `slow peers dropped: K`. Ctrl-C or SIGTERM prints the same line and exits 130.

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aiter::chunks::{FrameError, FrameErrorKind};
use aiter::events::{self, EmitError, Emitter, Overflow};
use aiter::net::{Merge, PeerEvent};
use futures_lite::{StreamExt, future};

struct Args {
    listen: String,
    queue: usize,
    write_timeout: Duration,
    connections: Option<usize>,
}

const USAGE: &str =
    "usage: broadcast --listen ADDR [--queue N] [--write-timeout SECS] [--connections N]";

const HELP: &str = "broadcast: a chat server; every line of every peer goes to every other peer

usage: broadcast --listen ADDR [--queue N] [--write-timeout SECS] [--connections N]

  --listen ADDR          the address to listen on (port 0 picks one; printed on stderr)
  --queue N              lines queued for each peer (1024); a peer whose queue stays
                         full for 200 ms is dropped as slow
  --write-timeout SECS   drop a peer whose socket takes nothing for SECS (5)
  --connections N        exit 0 once N connections have come and gone
  -h, --help             this help

output on stderr: joined PEER, left PEER, dropped PEER: slow (...), and at the end
`slow peers dropped: K`
exit: 0 done, 1 I/O error, 2 usage error, 130 interrupted";

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        listen: String::new(),
        queue: 1024,
        write_timeout: Duration::from_secs(5),
        connections: None,
    };
    let mut listen = None;
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                println!("{HELP}");
                std::process::exit(0);
            }
            Long("listen") => listen = Some(parser.value()?.string()?),
            Long("queue") => args.queue = parser.value()?.parse()?,
            Long("write-timeout") => {
                let secs: f64 = parser.value()?.parse()?;
                args.write_timeout = Duration::try_from_secs_f64(secs)
                    .map_err(|_| format!("--write-timeout: {secs} is not a number of seconds"))?;
            }
            Long("connections") => args.connections = Some(parser.value()?.parse()?),
            _ => return Err(arg.unexpected()),
        }
    }
    args.listen = listen.ok_or("missing --listen ADDR")?;
    Ok(args)
}

/// A connected peer, as the broadcasting loop sees it.
struct Peer {
    /// Its queue; the writer task drains it into the socket.
    queue: Emitter<Arc<str>>,
    /// The connection, to shut down both ways when the peer is dropped.
    tcp: async_net::TcpStream,
}

/// What the loop waits for.
enum Next {
    Interrupted,
    Accepted(std::io::Result<(async_net::TcpStream, SocketAddr)>),
    Merged(Option<(SocketAddr, PeerEvent<Result<String, FrameError>>)>),
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("broadcast: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(serve(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("broadcast: {error}");
            ExitCode::from(1)
        }
    }
}

async fn serve(args: &Args) -> std::io::Result<()> {
    let listener = async_net::TcpListener::bind(args.listen.as_str()).await?;
    // Ctrl-C is handled from the moment the address is printed.
    let mut signals =
        async_signal::Signals::new([async_signal::Signal::Int, async_signal::Signal::Term])?;
    eprintln!("listening on {}", listener.local_addr()?);
    let slow = Arc::new(AtomicUsize::new(0));
    let mut peers: HashMap<SocketAddr, Peer> = HashMap::new();
    let mut lines = Merge::new();
    let (mut accepted, mut closed) = (0, 0);
    // Futures that outlive a loop turn are made once (a fresh `accept` would try
    // its system call at every message), and the signals are watched by a task of
    // their own, polled only when one comes.
    let mut interrupted = smol::spawn(async move { signals.next().await });
    let mut accept = Box::pin(listener.accept());
    while args.connections != Some(closed) {
        let accepting = args.connections.is_none_or(|wanted| accepted < wanted);
        let interrupted = async {
            let _ = (&mut interrupted).await;
            Next::Interrupted
        };
        let merged = async { Next::Merged(lines.next().await) };
        let next = if accepting {
            let accepted = async { Next::Accepted(accept.as_mut().await) };
            future::or(interrupted, future::or(accepted, merged)).await
        } else {
            future::or(interrupted, merged).await
        };
        if matches!(next, Next::Accepted(_)) {
            accept = Box::pin(listener.accept()); // the next one
        }
        match next {
            Next::Interrupted => {
                eprintln!("slow peers dropped: {}", slow.load(Ordering::SeqCst));
                std::process::exit(130);
            }
            Next::Accepted(Ok((tcp, peer))) => {
                accepted += 1;
                eprintln!("joined {peer}");
                let (reader, writer) = aiter::net::split_lines(tcp.clone());
                let writer = writer.write_timeout(args.write_timeout);
                let (queue, outgoing) = events::channel(args.queue, Overflow::Backpressure);
                smol::spawn(write_out(peer, outgoing, writer, tcp.clone(), slow.clone())).detach();
                peers.insert(peer, Peer { queue, tcp });
                lines.push(peer, reader);
            }
            Next::Accepted(Err(error)) => eprintln!("error: accept: {error}"),
            Next::Merged(Some((from, PeerEvent::Message(Ok(line))))) => {
                let line: Arc<str> = format!("{from}: {line}").into();
                let mut gone = Vec::new();
                for (to, peer) in &peers {
                    if *to != from && !deliver(*to, peer, &line, &slow).await {
                        gone.push(*to);
                    }
                }
                for to in gone {
                    peers.remove(&to);
                }
            }
            Next::Merged(Some((from, PeerEvent::Message(Err(error))))) => {
                eprintln!("error: {from}: {error}");
            }
            Next::Merged(Some((peer, PeerEvent::Closed))) => {
                closed += 1;
                eprintln!("left {peer}");
                peers.remove(&peer); // its writer sends what is queued, then ends
            }
            Next::Merged(None) => break,
        }
    }
    eprintln!("slow peers dropped: {}", slow.load(Ordering::SeqCst));
    Ok(())
}

/// How long a full queue may keep the loop waiting before its peer is dropped:
/// long enough for a peer that is only a moment behind to catch up, short enough
/// that one stuck peer delays the others once, briefly.
const QUEUE_GRACE: Duration = Duration::from_millis(200);

/// Queues `line` for `peer`; `false` drops the peer (its queue stayed full for
/// [`QUEUE_GRACE`], or its writer has already given up on it).
async fn deliver(to: SocketAddr, peer: &Peer, line: &Arc<str>, slow: &AtomicUsize) -> bool {
    let line = match peer.queue.emit(line.clone()) {
        Ok(()) => return true,
        Err(EmitError::Full(line)) => line,
        Err(_) => return false, // closed: the writer has ended already
    };
    let waited = async { Some(peer.queue.send(line).await.is_ok()) };
    let gave_up = async {
        async_io::Timer::after(QUEUE_GRACE).await;
        None
    };
    let Some(sent) = future::or(waited, gave_up).await else {
        slow.fetch_add(1, Ordering::SeqCst);
        eprintln!(
            "dropped {to}: slow (its queue of {} lines stayed full for {QUEUE_GRACE:?})",
            peer.queue.capacity()
        );
        // Shut down both ways: its writer ends, and its reader reports Closed.
        let _ = peer.tcp.shutdown(Shutdown::Both);
        return false;
    };
    sent
}

/// One peer's writer task: its queue into its socket, each line within the write
/// timeout. A peer that takes nothing for that long is dropped.
async fn write_out(
    peer: SocketAddr,
    mut outgoing: events::Events<Arc<str>>,
    mut writer: aiter::chunks::FrameWriter<
        aiter::net::Writer<async_net::TcpStream>,
        aiter::chunks::LineEncoder,
    >,
    tcp: async_net::TcpStream,
    slow: Arc<AtomicUsize>,
) {
    // `next_batch` takes every queued line in one wakeup; `feed` gathers them and
    // `flush` writes them with as few system calls as the socket allows.
    let mut batch = Vec::new();
    while let Some(Ok(_)) = outgoing.next_batch(&mut batch).await {
        let mut sent = Ok(());
        for line in batch.drain(..) {
            sent = writer.feed(&*line).await;
            if sent.is_err() {
                break;
            }
        }
        if sent.is_ok() {
            sent = writer.flush().await;
        }
        match sent {
            Ok(()) => {}
            Err(error) if matches!(error.kind(), FrameErrorKind::WriteTimeout(_)) => {
                slow.fetch_add(1, Ordering::SeqCst);
                eprintln!("dropped {peer}: slow ({error})");
                let _ = tcp.shutdown(Shutdown::Both);
                return;
            }
            Err(_) => return, // the peer is gone: its reader reports it
        }
    }
}
