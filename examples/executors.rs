//! One aiter stream, four executors: aiter never picks one, you do.
//!
//! The same generator runs on smol, on `futures_lite::future::block_on`, on a
//! single-threaded `async_executor::LocalExecutor`, and on a multi-threaded
//! `async_executor::Executor` with four worker threads.
//!
//! Run with: `cargo run --example executors`

use std::time::Duration;

use futures_lite::{Stream, StreamExt, future};

/// Squares of 1..=5, with a timer between items so the executor really suspends.
fn squares() -> impl Stream<Item = u64> + Send {
    aiter::generate(|y| async move {
        for i in 1..=5u64 {
            smol::Timer::after(Duration::from_millis(5)).await;
            if y.yield_(i * i).await.is_close() {
                break;
            }
        }
    })
}

async fn sum() -> u64 {
    squares().fold(0, |acc, n| acc + n).await
}

fn main() {
    // No options but --help: anything else is a usage error.
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!(
                "executors: the same generator on four executors: smol, block_on, LocalExecutor, a 4-thread Executor\n\nusage: executors\n\n  -h, --help  this help"
            );
            return;
        }
        Some(other) => {
            eprintln!("executors: unexpected argument {other:?}\nusage: executors [--help]");
            std::process::exit(2);
        }
    }
    println!("smol::block_on:                {}", smol::block_on(sum()));
    println!(
        "futures_lite::future::block_on: {}",
        future::block_on(sum())
    );

    let local = async_executor::LocalExecutor::new();
    let task = local.spawn(sum());
    println!(
        "async_executor::LocalExecutor:  {}",
        future::block_on(local.run(task))
    );

    let executor = async_executor::Executor::new();
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let (_, total) = easy_parallel::Parallel::new()
        .each(0..4, |_| future::block_on(executor.run(stopped.recv())))
        .finish(|| {
            let tasks: Vec<_> = (0..4).map(|_| executor.spawn(sum())).collect();
            let total = future::block_on(async {
                let mut total = 0;
                for task in tasks {
                    total += task.await;
                }
                total
            });
            drop(stop);
            total
        });
    println!("async_executor::Executor (4 threads, 4 tasks): {total} = 4 x 55");
}
