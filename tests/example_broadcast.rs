//! `examples/broadcast.rs`, run as a user would: a peer that never reads is
//! dropped and counted, while the others get every line and new peers are served.
#![cfg(feature = "net")]

#[path = "support/examples.rs"]
mod examples;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const LINES: usize = 10_000;

/// The example running, its address, and its stderr line by line.
struct Server {
    child: Child,
    address: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let (child, address, stderr) = examples::start_listening("broadcast", args);
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Server {
            child,
            address,
            log,
        }
    }

    /// The first line of the log from now on that `matches`, within `within`.
    fn wait_for(&self, matches: impl Fn(&str) -> bool, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if matches(&line) => return line,
                Ok(_) => {}
                Err(error) => panic!("nothing matching within {within:?}: {error}"),
            }
        }
    }

    /// A new connection, once the server says it joined (within `within`).
    fn join(&self, within: Duration) -> (TcpStream, String) {
        let stream = TcpStream::connect(&self.address).unwrap();
        let peer = stream.local_addr().unwrap().to_string();
        self.wait_for(|line| line == format!("joined {peer}"), within);
        (stream, peer)
    }
}

/// Reads lines until `last` has been read (or the connection ends): the lines.
fn read_until(
    stream: TcpStream,
    last: impl Fn(&str) -> bool + Send + 'static,
) -> JoinHandle<Vec<String>> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let done = last(&line);
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    })
}

#[test]
fn a_peer_that_never_reads_is_dropped_and_nobody_else_waits_for_it() {
    let mut server = Server::start(&[
        "--connections",
        "4",
        "--queue",
        "1024",
        "--write-timeout",
        "0.5",
    ]);
    let within = Duration::from_secs(5);
    // A connects and never reads; C reads everything; B talks, 10 MB in all, far
    // more than A's socket buffers hold, in bursts of 100 KB that C keeps up with.
    let (stalled, stalled_addr) = server.join(within);
    let (reader, _) = server.join(within);
    let reading = read_until(reader, |line| line.ends_with(": done"));
    let (mut talker, talker_addr) = server.join(within);
    let talking = std::thread::spawn(move || {
        let filler = "x".repeat(1000);
        for n in 0..LINES {
            writeln!(talker, "{n} {filler}").unwrap();
            if n % 100 == 99 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        talker
    });
    let dropped = server.wait_for(|line| line.starts_with("dropped "), Duration::from_secs(20));
    assert!(
        dropped.starts_with(&format!("dropped {stalled_addr}: slow")),
        "{dropped}"
    );
    // A new peer is served while A's socket is still full, and reads along.
    let (late, _) = server.join(Duration::from_secs(1));
    let late_reading = read_until(late, |line| line.ends_with(": done"));

    let mut talker = talking.join().unwrap();
    writeln!(talker, "done").unwrap();
    drop(talker);
    let lines = reading.join().unwrap();
    assert_eq!(lines.len(), LINES + 1, "every line reached the reader");
    for (n, line) in lines[..LINES].iter().enumerate() {
        assert!(
            line.starts_with(&format!("{talker_addr}: {n} ")),
            "line {n}: {line:.60}"
        );
    }
    assert_eq!(lines[LINES], format!("{talker_addr}: done"));
    let late_lines = late_reading.join().unwrap();
    assert_eq!(
        late_lines.last().map(String::as_str),
        Some(&*format!("{talker_addr}: done"))
    );
    // A sees its connection shut down.
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = (&stalled).read_to_end(&mut Vec::new());
    drop(stalled);
    server.wait_for(
        |line| line == "slow peers dropped: 1",
        Duration::from_secs(10),
    );
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn ctrl_c_prints_the_count_and_exits_130() {
    let mut server = Server::start(&[]);
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    server.wait_for(
        |line| line == "slow peers dropped: 0",
        Duration::from_secs(10),
    );
    assert_eq!(server.child.wait().unwrap().code(), Some(130));
}
