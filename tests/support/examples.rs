//! Runs the examples as a user would, to hold them to their contracts.

#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;
use std::process::Command;

/// The path of example `name`'s binary: the one `cargo test` built beside the
/// tests, or else one built now in a target directory of its own (the outer cargo
/// holds the usual one).
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("test binary path");
    let profile_dir = deps
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let built = profile_dir.join("examples").join(name);
    if built.exists() {
        return built;
    }
    let target = profile_dir.join("example-tests");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--all-features", "--example", name, "--target-dir"])
        .arg(&target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building example {name} failed");
    target.join("debug").join("examples").join(name)
}

/// Starts example `name` with `--listen 127.0.0.1:0` and `args`, stdout and stderr
/// piped, and reads the `listening on ADDR` line it prints first: the child, the
/// address, and the rest of its stderr.
pub fn start_listening(
    name: &str,
    args: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStderr>,
) {
    use std::io::BufRead;
    let mut child = Command::new(example(name))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{name} starts: {error}"));
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut first = String::new();
    stderr
        .read_line(&mut first)
        .expect("a first line on stderr");
    let address = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("`listening on ADDR` first, got {first:?}"))
        .to_owned();
    (child, address, stderr)
}
