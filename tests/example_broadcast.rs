//! `examples/broadcast.rs`, run as a user would: a peer that never reads is
//! dropped and counted, while the others get every line and new peers are served.
#![cfg(feature = "net")]

#[path = "support/examples.rs"]
mod examples;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LINES: usize = 10_000;

#[test]
fn a_peer_that_never_reads_is_dropped_and_nobody_else_waits_for_it() {
    let mut child = Command::new(examples::example("broadcast"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--connections",
            "4",
            "--queue",
            "1024",
        ])
        .args(["--write-timeout", "0.5"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("broadcast starts");
    let (log_tx, log) = mpsc::channel::<String>();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let address = first
        .trim()
        .strip_prefix("listening on ")
        .expect("`listening on ADDR`")
        .to_owned();
    std::thread::spawn(move || {
        for line in stderr.lines() {
            let _ = log_tx.send(line.unwrap());
        }
    });
    let wait_for = |what: &dyn Fn(&str) -> bool, within: Duration| -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match log.recv_timeout(left) {
                Ok(line) if what(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("nothing matching within {within:?}"),
            }
        }
    };

    // A: connects and never reads.
    let stalled = TcpStream::connect(&address).unwrap();
    let stalled_addr = stalled.local_addr().unwrap().to_string();
    wait_for(
        &|line| line == format!("joined {stalled_addr}"),
        Duration::from_secs(5),
    );
    // C: reads everything.
    let reader = TcpStream::connect(&address).unwrap();
    let reader_addr = reader.local_addr().unwrap().to_string();
    wait_for(
        &|line| line == format!("joined {reader_addr}"),
        Duration::from_secs(5),
    );
    reader
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let reading = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            lines.push(line);
            if lines.len() == LINES + 1 {
                break;
            }
        }
        lines
    });
    // B: talks, 10 MB in all, far more than A's socket buffers hold.
    let mut talker = TcpStream::connect(&address).unwrap();
    let talker_addr = talker.local_addr().unwrap().to_string();
    wait_for(
        &|line| line == format!("joined {talker_addr}"),
        Duration::from_secs(5),
    );
    let filler = "x".repeat(1000);
    let talking = std::thread::spawn(move || {
        for n in 0..LINES {
            writeln!(talker, "{n} {filler}").unwrap();
            // In bursts of 100 KB: the readers keep up, the stalled peer cannot.
            if n % 100 == 99 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        talker
    });
    // A is dropped as slow, well before the talker is done waiting on it.
    let dropped = wait_for(
        &|line| line.starts_with("dropped "),
        Duration::from_secs(20),
    );
    assert!(
        dropped.starts_with(&format!("dropped {stalled_addr}: slow")),
        "{dropped}"
    );
    // A new peer is served while A's socket is still full.
    let started = Instant::now();
    let mut late = TcpStream::connect(&address).unwrap();
    let late_addr = late.local_addr().unwrap().to_string();
    wait_for(
        &|line| line == format!("joined {late_addr}"),
        Duration::from_secs(1),
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // It reads along, and gets the lines from now on, up to the last.
    late.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let late_reading = std::thread::spawn(move || {
        let mut late_reader = BufReader::new(late);
        let mut line = String::new();
        while !line.ends_with(": done\n") {
            line.clear();
            if late_reader.read_line(&mut line).unwrap_or(0) == 0 {
                return false;
            }
        }
        true
    });
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
    assert!(
        late_reading.join().unwrap(),
        "the late peer got the last line"
    );
    // A sees its connection shut down.
    let mut rest = Vec::new();
    let mut stalled = stalled;
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stalled.read_to_end(&mut rest);
    drop(stalled);
    wait_for(
        &|line| line == "slow peers dropped: 1",
        Duration::from_secs(10),
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn ctrl_c_prints_the_count_and_exits_130() {
    let mut child = Command::new(examples::example("broadcast"))
        .args(["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("broadcast starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.starts_with("listening on "), "{first}");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "slow peers dropped: 0\n");
    assert_eq!(child.wait().unwrap().code(), Some(130));
}
