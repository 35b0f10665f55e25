//! Downloads a URL to a file, streaming the body chunk by chunk, with progress.
//!
//! Run with: `cargo run --example download -- URL OUT`
//!
//! The body goes to a temporary file beside OUT, renamed to OUT only once the
//! whole body has arrived. Progress (bytes, percent when the size is known, rate)
//! goes to stderr. On an HTTP status of 400 or more, a truncated body or an I/O
//! error, it prints one line on stderr, exits 1, and leaves no OUT behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aiter::http::{Progress, body_chunks};
use futures_lite::{AsyncWriteExt, StreamExt};
use isahc::config::{Configurable, RedirectPolicy};

fn parse_args() -> Result<(String, PathBuf), lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut positional = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Value(value) if positional.len() < 2 => positional.push(value),
            _ => return Err(arg.unexpected()),
        }
    }
    let [url, out] = <[_; 2]>::try_from(positional).map_err(|_| "expected URL and OUT")?;
    Ok((url.string()?, out.into()))
}

fn main() -> ExitCode {
    let (url, out) = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("download: {error}\nusage: download URL OUT");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(download(&url, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // End the progress line, if one was started, so the error is a line of its own.
            if PROGRESS_SHOWN.load(Ordering::Relaxed) {
                eprintln!();
            }
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// A file being written beside its destination; removed unless renamed into place.
struct PartFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

async fn download(url: &str, out: &Path) -> Result<(), String> {
    let client = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Limit(10))
        .build()
        .map_err(|error| error.to_string())?;
    let response = client
        .get_async(url)
        .await
        .map_err(|error| format!("GET {url}: {error}"))?;
    let status = response.status();
    if status.as_u16() >= 400 {
        return Err(format!("GET {url}: HTTP {status}"));
    }

    let name = out
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", out.display()))?;
    let mut part = PartFile {
        path: out.with_file_name(format!(
            ".{}.part-{}",
            name.to_string_lossy(),
            std::process::id()
        )),
        kept: false,
    };
    let mut file = smol::fs::File::create(&part.path)
        .await
        .map_err(|error| format!("{}: {error}", part.path.display()))?;

    let start = Instant::now();
    let mut last_report = start;
    let mut body = body_chunks(response);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| format!("GET {url}: {error}"))?;
        file.write_all(&chunk)
            .await
            .map_err(|error| format!("{}: {error}", part.path.display()))?;
        if last_report.elapsed() >= Duration::from_millis(200) {
            report(body.progress(), start);
            last_report = Instant::now();
        }
    }
    report(body.progress(), start);
    file.flush()
        .await
        .map_err(|error| format!("{}: {error}", part.path.display()))?;
    file.sync_all()
        .await
        .map_err(|error| format!("{}: {error}", part.path.display()))?;
    drop(file);
    std::fs::rename(&part.path, out).map_err(|error| format!("{}: {error}", out.display()))?;
    part.kept = true;
    eprintln!("\nsaved {}", out.display());
    Ok(())
}

static PROGRESS_SHOWN: AtomicBool = AtomicBool::new(false);

/// One progress line, rewritten in place: bytes, percent when known, rate.
fn report(progress: Progress, start: Instant) {
    PROGRESS_SHOWN.store(true, Ordering::Relaxed);
    let seconds = start.elapsed().as_secs_f64().max(1e-3);
    #[allow(clippy::cast_precision_loss)] // a rate for display
    let rate = progress.received as f64 / seconds / 1e6;
    match progress.fraction() {
        Some(fraction) => eprint!(
            "\r{} bytes ({:.0}%), {rate:.1} MB/s   ",
            progress.received,
            fraction * 100.0
        ),
        None => eprint!("\r{} bytes, {rate:.1} MB/s   ", progress.received),
    }
}
