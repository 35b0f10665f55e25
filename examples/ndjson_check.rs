//! Checks a newline-delimited JSON file, streaming it: one line per bad line, then a
//! count. Memory stays bounded by `--max-line`, whatever the input's size.
//!
//! Run with: `cargo run --release --example ndjson_check -- [--max-line BYTES] [FILE]`
//!
//! Reads standard input when no FILE is given. For each bad line it prints
//! `line L, byte B: MESSAGE` on stdout (L 1-based, B the 0-based offset of the
//! line's first byte), and last `records: N, errors: M`. Blank lines are neither.
//! Lines longer than `--max-line` (default 8 MiB) are errors, skipped unread.
//! Exit status: 0 without errors, 1 with errors, 2 on a usage or I/O error.

use std::io::Write;
use std::process::ExitCode;

use aiter::chunks::{self, DEFAULT_MAX_FRAME_LEN, FrameErrorKind};
use futures_lite::{AsyncRead, StreamExt};

/// What the command line asked for.
struct Args {
    max_line: usize,
    file: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        max_line: DEFAULT_MAX_FRAME_LEN,
        file: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("max-line") => args.max_line = parser.value()?.parse()?,
            Value(file) if args.file.is_none() => args.file = Some(file.into()),
            Short('h') | Long("help") => {
                println!(
                    "ndjson_check: checks a newline-delimited JSON file, streaming, in bounded memory\n\n\
usage: ndjson_check [--max-line BYTES] [FILE]\n\n  \
FILE              the file to check (standard input without it)\n  \
--max-line BYTES  longest line accepted; longer ones are errors (8 MiB)\n  \
-h, --help        this help\n\n\
exit: 0 no bad line, 1 bad lines, 2 usage or I/O error"
                );
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("ndjson_check: {error}\nusage: ndjson_check [--max-line BYTES] [FILE]");
            return ExitCode::from(2);
        }
    };
    smol::block_on(async {
        // Blocking reads run on smol's thread pool, 256 KiB at a time.
        let input: Box<dyn AsyncRead + Unpin + Send> = match &args.file {
            Some(path) => match std::fs::File::open(path) {
                Ok(file) => Box::new(smol::Unblock::with_capacity(256 * 1024, file)),
                Err(error) => {
                    eprintln!("ndjson_check: {}: {error}", path.display());
                    return ExitCode::from(2);
                }
            },
            None => Box::new(smol::Unblock::with_capacity(256 * 1024, std::io::stdin())),
        };
        check(input, args.max_line).await
    })
}

async fn check(input: impl AsyncRead + Unpin, max_line: usize) -> ExitCode {
    let mut records = chunks::ndjson::<serde_json::Value, _>(input).max_len(max_line);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut good, mut bad) = (0u64, 0u64);
    while let Some(record) = records.next().await {
        match record {
            Ok(_) => good += 1,
            Err(error) if matches!(error.kind(), FrameErrorKind::Io(_)) => {
                let _ = out.flush();
                eprintln!(
                    "ndjson_check: read failed at byte {}: {}",
                    error.offset(),
                    error.message()
                );
                return ExitCode::from(2);
            }
            Err(error) => {
                bad += 1;
                let line = error.line().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "line {line}, byte {}: {}",
                    error.offset(),
                    error.message()
                );
            }
        }
    }
    let _ = writeln!(out, "records: {good}, errors: {bad}");
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
