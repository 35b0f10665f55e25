//! `examples/socket_messages.rs`, run as a user would, with real TCP clients.
#![cfg(feature = "net")]

#[path = "support/examples.rs"]
mod examples;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the example and returns it with the address it printed.
fn start(args: &[&str]) -> (Child, String, BufReader<std::process::ChildStderr>) {
    examples::start_listening("socket_messages", args)
}

#[test]
fn every_message_of_every_connection_is_printed_once_in_order_then_it_exits_0() {
    let (mut child, address, mut stderr) = start(&["--connections", "3", "--max-line", "100"]);
    let clients: Vec<_> = (0..3)
        .map(|client| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                let peer = stream.local_addr().unwrap().to_string();
                for n in 0..500 {
                    writeln!(stream, "client {client} message {n}").unwrap();
                    if client == 1 && n == 10 {
                        writeln!(stream, "{}", "x".repeat(1000)).unwrap(); // over --max-line
                    }
                }
                peer
            })
        })
        .collect();
    let peers: Vec<String> = clients
        .into_iter()
        .map(|client| client.join().unwrap())
        .collect();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut errors = String::new();
    stderr.read_to_string(&mut errors).unwrap();

    let mut per_peer: HashMap<&str, Vec<&str>> = HashMap::new();
    for line in stdout.lines() {
        let (peer, message) = line.split_once('\t').expect("PEER<TAB>MESSAGE");
        per_peer.entry(peer).or_default().push(message);
    }
    for (client, peer) in peers.iter().enumerate() {
        let expected: Vec<String> = (0..500)
            .map(|n| format!("client {client} message {n}"))
            .collect();
        assert_eq!(
            per_peer[peer.as_str()],
            expected,
            "{peer}: in order, each once"
        );
    }
    let error = errors
        .lines()
        .find(|line| line.starts_with("error: "))
        .expect("an error line");
    assert!(
        error.starts_with(&format!("error: {}: line 12,", peers[1])),
        "{error}"
    );
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_slow_stdout_slows_the_sockets_instead_of_buffering() {
    const LINES: usize = 1_000_000; // 64 MB of messages
    let (mut child, address, _stderr) = start(&["--connections", "1"]);
    let writer = std::thread::spawn(move || {
        let mut stream = std::io::BufWriter::new(TcpStream::connect(&address).unwrap());
        for n in 0..LINES {
            writeln!(stream, "{n:>63}").unwrap();
        }
    });
    // Nobody reads stdout for a while: the writer must be held back, memory bounded.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !writer.is_finished(),
        "64 MB went through a stdout nobody reads: it was buffered somewhere"
    );
    let rss = rss_kib(child.id());
    assert!(rss < 48 * 1024, "memory grew to {rss} KiB");

    let started = Instant::now();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut count = 0;
    for (n, line) in stdout.lines().enumerate() {
        let line = line.unwrap();
        let message = line.split_once('\t').unwrap().1;
        assert_eq!(
            message.trim_start().parse::<usize>().unwrap(),
            n,
            "in order, none dropped"
        );
        count += 1;
    }
    writer.join().unwrap();
    assert_eq!(count, LINES);
    assert!(child.wait().unwrap().success());
    assert!(started.elapsed() < Duration::from_secs(120));
}

#[test]
fn a_usage_error_exits_2() {
    let status = Command::new(examples::example("socket_messages"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn an_idle_connection_is_reported_and_closed_after_idle_timeout() {
    let (mut child, address, stderr) = start(&["--connections", "2", "--idle-timeout", "0.3"]);
    let start = Instant::now();
    let mut silent = TcpStream::connect(&address).unwrap();
    let silent_peer = silent.local_addr().unwrap().to_string();
    // A talker that keeps sending, more often than the timeout, then leaves.
    let talker = std::thread::spawn({
        let address = address.clone();
        move || {
            let mut stream = TcpStream::connect(&address).unwrap();
            for n in 0..8 {
                writeln!(stream, "still here {n}").unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    // The server closes the silent connection: our read sees the end.
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    silent.read_to_end(&mut rest).unwrap();
    let waited = start.elapsed();
    assert!(rest.is_empty());
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    talker.join().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let errors: Vec<String> = stderr.lines().map(Result::unwrap).collect();
    assert_eq!(errors, [format!("error: {silent_peer}: idle timeout")]);
    assert_eq!(
        stdout.lines().count(),
        8,
        "the talker was never idle: {stdout}"
    );
}

#[test]
fn a_bad_idle_timeout_is_a_usage_error() {
    for bad in ["-1", "soon", "1e300"] {
        let status = Command::new(examples::example("socket_messages"))
            .args(["--listen", "127.0.0.1:0", "--idle-timeout", bad])
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(2), "--idle-timeout {bad}");
    }
}
