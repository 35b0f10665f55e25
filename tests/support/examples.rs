//! Runs the examples as a user would, to hold them to their contracts.

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
