//! A real callback API as a stream: the `notify` crate's file watcher, adapted
//! with `aiter::events::from_callbacks`. The watcher is registered when the stream
//! is made and stopped (dropped) when the stream is dropped: nothing to forget.
//!
//! Run with: `cargo run --example file_watcher -- [DIR]`
//!
//! With DIR, prints the changes under DIR until interrupted. Without, it watches a
//! fresh temporary directory, makes a few changes there itself, prints them, and
//! stops once it has seen the last one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiter::events::{self, Overflow};
use futures_lite::StreamExt;
use notify::{EventKind, RecursiveMode, Watcher};

const HELP: &str =
    "file_watcher: prints file changes, from the notify crate's callbacks as a stream

usage: file_watcher [DIR]

  DIR         the directory to watch until interrupted (without it: a temporary
              directory, changed by the example itself, until its last change)
  -h, --help  this help";

fn main() {
    let mut args = std::env::args_os().skip(1);
    let given = args.next().map(PathBuf::from);
    match given.as_deref().and_then(Path::to_str) {
        Some("-h" | "--help") => {
            println!("{HELP}");
            return;
        }
        Some(option) if option.starts_with('-') => {
            eprintln!("file_watcher: unexpected option {option:?}\nusage: file_watcher [DIR]");
            std::process::exit(2);
        }
        _ => {}
    }
    if let Some(extra) = args.next() {
        eprintln!("file_watcher: unexpected argument {extra:?}\nusage: file_watcher [DIR]");
        std::process::exit(2);
    }
    let dir = given.clone().unwrap_or_else(|| {
        let dir = std::env::temp_dir().join(format!("aiter-file-watcher-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        dir
    });

    // The watcher calls back on its own thread; the stream holds at most 1024
    // changes, and when the consumer falls behind, `send_blocking` makes the
    // watcher's thread wait for room: nothing is lost.
    let mut changes = events::from_callbacks(1024, Overflow::Backpressure, |emitter| {
        let watching = notify::recommended_watcher(move |change: notify::Result<notify::Event>| {
            // An error only means the stream was dropped: nobody is listening.
            drop(emitter.send_blocking(change));
        })
        .and_then(|mut watcher| {
            watcher
                .watch(&dir, RecursiveMode::Recursive)
                .map(|()| watcher)
        });
        let watcher = match watching {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                eprintln!("file_watcher: cannot watch {}: {error}", dir.display());
                None
            }
        };
        move || drop(watcher) // unregister: the watcher stops when dropped
    });

    if given.is_none() {
        let dir = dir.clone();
        std::thread::spawn(move || make_changes(&dir));
    }
    println!("watching {}", dir.display());
    smol::block_on(async {
        while let Some(change) = changes.next().await {
            let Ok(change) = change.expect("the channel never fails") else {
                continue;
            };
            let paths: Vec<String> = change
                .paths
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            println!("{:?}: {}", change.kind, paths.join(", "));
            let removed_last = matches!(change.kind, EventKind::Remove(_))
                && change
                    .paths
                    .iter()
                    .any(|path| path.ends_with("renamed.txt"));
            if given.is_none() && removed_last {
                break; // dropping `changes` below stops the watcher
            }
        }
        println!("dropped by overflow: {}", changes.events_dropped());
    });
    drop(changes);
    if given.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A few changes for the watcher to see.
fn make_changes(dir: &Path) {
    let pause = || std::thread::sleep(Duration::from_millis(50));
    pause();
    std::fs::write(dir.join("new.txt"), "hello").expect("write");
    pause();
    std::fs::rename(dir.join("new.txt"), dir.join("renamed.txt")).expect("rename");
    pause();
    std::fs::remove_file(dir.join("renamed.txt")).expect("remove");
}
