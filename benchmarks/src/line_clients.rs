//! The client side shared by the socket benchmarks: a child process that opens
//! `count` connections and writes line messages round-robin over them.
//!
//! Included with `mod line_clients;` by each benchmark that needs it; the client
//! runs as the benchmark's own binary with `--client ADDR COUNT MESSAGES bulk|paced`.

#![allow(dead_code)] // each benchmark uses its own subset

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Lines per `write` on one connection.
pub const LINES_PER_WRITE: usize = 10;
/// The message: a small JSON event, newline-terminated.
pub const LINE: &[u8] = b"{\"event\":\"tick\",\"value\":12345}\n";

pub fn raise_file_limit() {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    assert!(
        limit >= 10_100,
        "the open-file limit is {limit}; 10,100 are needed"
    );
}

/// Starts the client process: it connects `count` times, prints `connected`,
/// waits for a line on stdin, writes its share of the messages, and exits.
pub fn start_client(address: SocketAddr, count: usize, messages: usize, paced: bool) -> Child {
    let pacing = if paced { "paced" } else { "bulk" };
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--client",
            &address.to_string(),
            &count.to_string(),
            &messages.to_string(),
            pacing,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn wait_connected(child: &mut Child) {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "connected");
}

pub fn client(address: &str, count: usize, messages: usize, paced: bool) {
    let mut sockets: Vec<std::net::TcpStream> = (0..count)
        .map(|_| std::net::TcpStream::connect(address).unwrap())
        .collect();
    println!("connected");
    std::io::stdout().flush().unwrap();
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    let batch = LINE.repeat(LINES_PER_WRITE);
    let rounds = messages / count / LINES_PER_WRITE;
    // Paced: one round of batches per microsecond-per-message budget, so the
    // server reads each write on its own at every connection count, as a
    // server whose messages arrive spread out does. Bulk: as fast as possible,
    // so with few connections reads gather many writes.
    let budget = Duration::from_micros((count * LINES_PER_WRITE) as u64);
    let start = std::time::Instant::now();
    for round in 0..rounds {
        for socket in &mut sockets {
            socket.write_all(&batch).unwrap();
        }
        if paced {
            let due = budget * (round as u32 + 1);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    // Idle clients (memory case) wait to be killed.
    if messages == 0 {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
