//! Peak memory of one large JSON page: aiter's `JsonApi` (items parsed straight
//! into `T` from the body, each once) against the two-copy way (the body into a
//! `serde_json::Value`, then each item into `T`), which `JsonApi` used before.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin page_memory`
//!
//! Each way runs in a child process of its own, so the peak resident memory
//! (`VmHWM`) it reports is its own. The page is served by trillium on loopback.

use std::process::Command;

use futures_lite::StreamExt;
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)] // the fields are what a page holds; only their memory counts
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
}

/// About `target` bytes of `{"data": [...]}`.
fn page_body(target: usize) -> String {
    let mut body = String::with_capacity(target + 200);
    body.push_str("{\"data\": [");
    let mut id = 0u64;
    while body.len() < target {
        if id > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"id": {id}, "name": "item number {id}", "tags": ["alpha", "beta"]}}"#
        ));
        id += 1;
    }
    body.push_str("], \"next_cursor\": null}");
    body
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or(0)
}

fn child(mode: &str, size: usize) {
    let body = page_body(size);
    let body_len = body.len();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let listener = smol::net::TcpListener::try_from(listener).unwrap();
    let served = std::sync::Arc::new(body);
    let handle = trillium_smol::config()
        .without_signals()
        .with_prebound_server(listener)
        .spawn(move |conn: trillium::Conn| {
            let served = served.clone();
            async move {
                conn.with_response_header("content-type", "application/json")
                    .ok(served.as_bytes().to_vec())
            }
        });
    let url = format!("http://{address}/items");
    let client = isahc::HttpClient::builder().build().unwrap();
    let before = status_kib("VmRSS");
    let items = smol::block_on(async {
        match mode {
            "aiter" => {
                let api = aiter::http::JsonApi::with_client(client, url::Url::parse(&url).unwrap())
                    .items_at("/data")
                    .max_page_len(64 << 20);
                let mut pages = api.paginator::<Item>().max_pages(1).pages();
                let page = pages.next().await.unwrap().unwrap();
                page.page.items.len()
            }
            _ => {
                use isahc::AsyncReadResponseExt;
                let mut response = client.get_async(url.as_str()).await.unwrap();
                let bytes = response.bytes().await.unwrap();
                let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let items: Vec<Item> = document["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| Item::deserialize(item).unwrap())
                    .collect();
                items.len()
            }
        }
    });
    let peak = status_kib("VmHWM").saturating_sub(before);
    handle.stopper().stop();
    println!("{mode} {items} {body_len} {peak}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 {
        child(&args[2], args[3].parse().unwrap());
        return;
    }
    let size = 32 << 20;
    let me = std::env::current_exe().unwrap();
    println!(
        "one page of {} MiB, items of ~70 bytes; peak resident growth while fetching it (both include the test server's copy of the body)",
        size >> 20
    );
    let mut peaks = Vec::new();
    for mode in ["value-then-T", "aiter"] {
        let output = Command::new(&me)
            .args(["child", mode, &size.to_string()])
            .output()
            .unwrap();
        let line = String::from_utf8(output.stdout).unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (items, body, peak): (u64, u64, u64) = (
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
            parts[3].parse().unwrap(),
        );
        #[allow(clippy::cast_precision_loss)]
        let ratio = (peak * 1024) as f64 / body as f64;
        println!(
            "{mode:>14}: {items} items, body {} MiB, peak +{} MiB = {ratio:.2}x the body",
            body >> 20,
            peak >> 10
        );
        peaks.push(peak);
    }
    #[allow(clippy::cast_precision_loss)]
    let saving = peaks[0] as f64 / peaks[1].max(1) as f64;
    println!("aiter's peak is {saving:.2}x smaller than value-then-T");
}
