//! Follows a Server-Sent Events feed, as `tail -f` follows a file: the
//! real-time side of `for await`, with `aiter::http::EventSource`.
//!
//! Run with: `cargo run --features http --example sse_tail -- URL [--last-event-id ID] [--max-events N]
//! [--max-event-bytes N] [--header 'Name: value']... [--client isahc|surf]`
//!
//! Prints each event on stdout as one JSON line `{"id": ID, "event": TYPE, "data":
//! DATA}` (`id` is the last event ID, `""` before any). After the connection ends
//! or fails it reconnects (after the server's `retry`, backing off when attempts
//! fail in a row), sending `Last-Event-ID`, and prints `reconnecting in MS ms
//! (last event id: ID)` on stderr. Exits 0 when the server answers 204 or after
//! `--max-events` events; exits 1 with `error: ...` when the response is not an
//! event stream. An event over `--max-event-bytes` (default 8 MiB) prints
//! `error: ...` on stderr and the feed goes on. Usage errors exit 2.

use std::io::Write;
use std::process::ExitCode;

use aiter::http::EventSource;
use futures_lite::StreamExt;

struct Args {
    url: String,
    last_event_id: Option<String>,
    max_events: Option<u64>,
    max_event_bytes: Option<usize>,
    headers: Vec<(String, String)>,
    client: String,
}

const USAGE: &str = "usage: sse_tail URL [--last-event-id ID] [--max-events N] [--max-event-bytes N] \
[--header 'Name: value']... [--client isahc|surf]";

const HELP: &str = "sse_tail: follows a Server-Sent Events feed, one JSON line an event

usage: sse_tail URL [OPTIONS]

  --last-event-id ID      resume the feed after event ID
  --max-events N          exit 0 after N events
  --max-event-bytes N     longest event accepted (8 MiB); longer ones are reported, skipped
  --header 'Name: value'  a header for every request (repeatable)
  --client isahc|surf     the HTTP client (isahc; surf needs feature surf)
  -h, --help              this help

exit: 0 on HTTP 204 or after --max-events, 1 when the response is not an event
stream, 2 usage error";

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut url = None;
    let mut args = Args {
        url: String::new(),
        last_event_id: None,
        max_events: None,
        max_event_bytes: None,
        headers: Vec::new(),
        client: "isahc".to_owned(),
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("last-event-id") => args.last_event_id = Some(parser.value()?.string()?),
            Long("max-events") => args.max_events = Some(parser.value()?.parse()?),
            Long("max-event-bytes") => args.max_event_bytes = Some(parser.value()?.parse()?),
            Long("header") => {
                let header = parser.value()?.string()?;
                let (name, value) = header
                    .split_once(':')
                    .ok_or("--header takes 'Name: value'")?;
                args.headers
                    .push((name.trim().to_owned(), value.trim().to_owned()));
            }
            Long("client") => args.client = parser.value()?.string()?,
            Short('h') | Long("help") => {
                println!("{HELP}");
                std::process::exit(0);
            }
            Value(value) if url.is_none() => url = Some(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    args.url = url.ok_or("missing URL")?;
    Ok(args)
}

fn build(args: &Args) -> Result<EventSource, Box<dyn std::error::Error + Send + Sync>> {
    let url = url::Url::parse(&args.url)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("not an http or https URL (scheme {:?})", url.scheme()).into());
    }
    let mut feed = match args.client.as_str() {
        "isahc" => EventSource::with_client(aiter::http::isahc::HttpClient::new()?, url),
        #[cfg(feature = "surf")]
        "surf" => EventSource::with_client(surf::Client::new(), url),
        #[cfg(not(feature = "surf"))]
        "surf" => return Err("--client surf: built without the `surf` feature".into()),
        other => return Err(format!("--client {other:?}: expected isahc or surf").into()),
    };
    if let Some(id) = &args.last_event_id {
        feed = feed.start_id(id.clone());
    }
    if let Some(max) = args.max_event_bytes {
        feed = feed.max_event_len(max);
    }
    for (name, value) in &args.headers {
        // Checked here so a bad header is a usage error, before any request.
        aiter::http::isahc::http::HeaderName::from_bytes(name.as_bytes())?;
        aiter::http::isahc::http::HeaderValue::from_str(value)?;
        feed = feed.header(name, value);
    }
    Ok(feed)
}

fn main() -> ExitCode {
    let feed = match parse_args()
        .map_err(|error| error.to_string())
        .and_then(|args| {
            Ok((
                build(&args).map_err(|error| error.to_string())?,
                args.max_events,
            ))
        }) {
        Ok(built) => built,
        Err(error) => {
            eprintln!("sse_tail: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    smol::block_on(tail(feed.0, feed.1))
}

async fn tail(mut feed: EventSource, max_events: Option<u64>) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut printed = 0u64;
    if max_events == Some(0) {
        return ExitCode::SUCCESS;
    }
    while let Some(item) = feed.next().await {
        match item {
            Ok(event) => {
                let line =
                    serde_json::json!({"id": event.id, "event": event.event, "data": event.data});
                // A closed stdout (`sse_tail URL | head`) ends the run quietly.
                if writeln!(stdout, "{line}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return ExitCode::SUCCESS;
                }
                printed += 1;
                if max_events == Some(printed) {
                    return ExitCode::SUCCESS;
                }
            }
            Err(error) => {
                if let Some(delay) = error.reconnect_delay() {
                    eprintln!(
                        "reconnecting in {} ms (last event id: {})",
                        delay.as_millis(),
                        error.last_event_id()
                    );
                } else if error.is_fatal() {
                    eprintln!("error: {error}");
                    return ExitCode::from(1);
                } else {
                    eprintln!("error: {error}");
                }
            }
        }
    }
    ExitCode::SUCCESS
}
