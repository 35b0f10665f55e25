//! Dumps a paginated JSON API as NDJSON: the lesson's `fetchPages`, for real APIs.
//!
//! Run with: `cargo run --release --example fetch_all -- URL [OPTIONS]`
//!
//! Options: `--style page|offset|cursor|link|next` (default `page`);
//! `--page-param NAME` (`page`), `--start N` (1); `--offset-param NAME` (`offset`),
//! `--limit-param NAME` (`limit`), `--limit N` (100); `--cursor-param NAME`
//! (`cursor`), `--cursor-path POINTER` (`/next_cursor`); `--next-path POINTER`
//! (`/next`); `--items-path POINTER` (empty: the body is the array);
//! `--header 'Name: value'` (repeatable); `--prefetch K` (1); `--max-pages N`;
//! `--max-items N`; `--retries N` (5); `--timeout SECS` (30); `--rate RPS`;
//! `--resume POSITION`; `--client isahc|surf` (isahc; surf needs feature `surf`).
//!
//! Items go to stdout, one JSON value a line, in order, each once; progress to
//! stderr. Stopped by `--max-items` or `--max-pages`, it prints `next: POSITION` on
//! stderr. On failure it prints every item obtained before the failing page, then
//! `error: ...` (page, URL, status) and `resume: POSITION` on stderr, and exits 1.
//! A loop (a cursor or URL seen before, however written, or a page equal to the one
//! before it) is such a failure, naming both pages; so is a next URL that is not
//! `http` or `https` or leaves `https` for `http`.
//! Usage errors exit 2. `--resume POSITION` outputs exactly the items not yet output.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aiter::http::{JsonApi, Style};
use aiter::paginate::{Position, RateBudget, RetryPolicy};
use futures_lite::StreamExt;

struct Args {
    url: String,
    style: Style,
    items_path: String,
    headers: Vec<(String, String)>,
    prefetch: usize,
    max_pages: Option<u64>,
    max_items: Option<u64>,
    retries: u32,
    timeout: Duration,
    rate: Option<f64>,
    resume: Option<Position>,
    client: String,
}

const USAGE: &str = "usage: fetch_all URL [--style page|offset|cursor|link|next] [--page-param NAME] [--start N] \
[--offset-param NAME] [--limit-param NAME] [--limit N] [--cursor-param NAME] [--cursor-path POINTER] \
[--next-path POINTER] [--items-path POINTER] [--header 'Name: value']... [--prefetch K] [--max-pages N] \
[--max-items N] [--retries N] [--timeout SECS] [--rate RPS] [--resume POSITION] [--client isahc|surf]";

#[allow(clippy::too_many_lines)] // one flag a line
fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut url, mut style) = (None, "page".to_owned());
    let (mut page_param, mut start) = ("page".to_owned(), 1u64);
    let (mut offset_param, mut limit_param, mut limit) =
        ("offset".to_owned(), "limit".to_owned(), 100u64);
    let (mut cursor_param, mut cursor_path, mut next_path) = (
        "cursor".to_owned(),
        "/next_cursor".to_owned(),
        "/next".to_owned(),
    );
    let mut args = Args {
        url: String::new(),
        style: Style::page(),
        items_path: String::new(),
        headers: Vec::new(),
        prefetch: 1,
        max_pages: None,
        max_items: None,
        retries: 5,
        timeout: Duration::from_secs(30),
        rate: None,
        resume: None,
        client: "isahc".to_owned(),
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("style") => style = parser.value()?.string()?,
            Long("page-param") => page_param = parser.value()?.string()?,
            Long("start") => start = parser.value()?.parse()?,
            Long("offset-param") => offset_param = parser.value()?.string()?,
            Long("limit-param") => limit_param = parser.value()?.string()?,
            Long("limit") => limit = parser.value()?.parse()?,
            Long("cursor-param") => cursor_param = parser.value()?.string()?,
            Long("cursor-path") => cursor_path = parser.value()?.string()?,
            Long("next-path") => next_path = parser.value()?.string()?,
            Long("items-path") => args.items_path = parser.value()?.string()?,
            Long("header") => {
                let header = parser.value()?.string()?;
                let (name, value) = header
                    .split_once(':')
                    .ok_or("--header takes 'Name: value'")?;
                args.headers
                    .push((name.trim().to_owned(), value.trim().to_owned()));
            }
            Long("prefetch") => args.prefetch = parser.value()?.parse()?,
            Long("max-pages") => args.max_pages = Some(parser.value()?.parse()?),
            Long("max-items") => args.max_items = Some(parser.value()?.parse()?),
            Long("retries") => args.retries = parser.value()?.parse()?,
            Long("timeout") => args.timeout = Duration::from_secs_f64(parser.value()?.parse()?),
            Long("rate") => args.rate = Some(parser.value()?.parse()?),
            Long("client") => args.client = parser.value()?.string()?,
            Long("resume") => {
                let text = parser.value()?.string()?;
                let position = Position::parse(&text)
                    .map_err(|error| format!("--resume {text:?}: {error}"))?;
                args.resume = Some(position);
            }
            Value(value) if url.is_none() => url = Some(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    args.url = url.ok_or("missing URL")?;
    args.style = match style.as_str() {
        "page" => Style::Page {
            param: page_param,
            start,
        },
        "offset" => Style::Offset {
            offset_param,
            limit_param,
            limit,
        },
        "cursor" => Style::Cursor {
            param: cursor_param,
            path: cursor_path,
        },
        "link" => Style::Link,
        "next" => Style::Next { path: next_path },
        other => {
            return Err(
                format!("--style {other:?}: expected page, offset, cursor, link or next").into(),
            );
        }
    };
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("fetch_all: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let api = match build(&args) {
        Ok(api) => api,
        Err(error) => {
            eprintln!("fetch_all: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    smol::block_on(run(&args, api))
}

fn build(args: &Args) -> Result<JsonApi, Box<dyn std::error::Error + Send + Sync>> {
    let url = url::Url::parse(&args.url)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("not an http or https URL (scheme {:?})", url.scheme()).into());
    }
    let api = match args.client.as_str() {
        "isahc" => JsonApi::with_client(aiter::http::isahc::HttpClient::new()?, url),
        #[cfg(feature = "surf")]
        "surf" => JsonApi::with_client(surf::Client::new(), url),
        #[cfg(not(feature = "surf"))]
        "surf" => return Err("--client surf: built without the `surf` feature".into()),
        other => return Err(format!("--client {other:?}: expected isahc or surf").into()),
    };
    let mut api = api.style(args.style.clone()).items_at(&args.items_path);
    for (name, value) in &args.headers {
        api = api.header(name, value)?;
    }
    Ok(api)
}

async fn run(args: &Args, api: JsonApi) -> ExitCode {
    let mut paginator = api
        .paginator::<serde_json::Value>()
        .prefetch(args.prefetch)
        .retry(RetryPolicy::default().attempts(args.retries + 1))
        .timeout(Some(args.timeout));
    if let Some(rps) = args.rate {
        paginator = paginator.rate(RateBudget::per_second(rps));
    }
    if let Some(max) = args.max_pages {
        paginator = paginator.max_pages(max);
    }
    if let Some(max) = args.max_items {
        paginator = paginator.max_items(max);
    }
    if let Some(position) = args.resume.clone() {
        paginator = paginator.resume(position);
    }

    let mut items = paginator.items();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let start = Instant::now();
    let mut last_report = start;
    while let Some(item) = items.next().await {
        let item = match item {
            Ok(item) => item,
            Err(error) => {
                let _ = out.flush(); // every item before the failing page comes first
                eprintln!();
                eprintln!("error: {}", chain(&error));
                eprintln!("resume: {}", error.position());
                return ExitCode::from(1);
            }
        };
        if writeln!(out, "{}", item.item).is_err() {
            eprintln!("fetch_all: writing to stdout failed");
            return ExitCode::from(1);
        }
        if last_report.elapsed() >= Duration::from_millis(250) {
            report(items.pages_fetched(), items.delivered(), start);
            last_report = Instant::now();
        }
    }
    let _ = out.flush();
    report(items.pages_fetched(), items.delivered(), start);
    eprintln!();
    if args.max_items.is_some() || args.max_pages.is_some() {
        if let Some(position) = items.position() {
            eprintln!("next: {position}");
        }
    }
    ExitCode::SUCCESS
}

/// An error and its causes, each once: `page 3 at URL: HTTP 503 after 6
/// attempts: service unavailable`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Progress on one line of stderr: pages, items, rate.
fn report(pages: u64, items: u64, start: Instant) {
    #[allow(clippy::cast_precision_loss)] // a rate for display
    let rate = items as f64 / start.elapsed().as_secs_f64().max(1e-3);
    eprint!("\rpages: {pages}, items: {items}, {rate:.0} items/s   ");
}
