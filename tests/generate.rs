//! Async generators: order, per-item errors, delegation, early exit, misuse, executors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiter::generate::Resume;
use aiter::{generate, generate_local, try_generate, try_generate_local};
use futures_lite::future::{self, block_on};
use futures_lite::{Stream, StreamExt, stream};

/// The lesson's `asyncIterable`: 0, 1, 2 with a delay before each.
fn counting(delay: Duration) -> impl Stream<Item = u32> + Send {
    generate(move |y| async move {
        for i in 0..3 {
            smol::Timer::after(delay).await;
            let _ = y.yield_(i).await;
        }
    })
}

/// Records what happened, in order, across threads.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }
    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Pushes `event` when dropped: synchronous cleanup, like `finally` without `await`.
struct OnDrop(Log, &'static str);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.push(self.1);
    }
}

#[test]
fn items_arrive_in_yield_order() {
    let items = block_on(
        generate(|y| async move {
            for word in ["a", "b", "c"] {
                let _ = y.yield_(word.to_string()).await;
            }
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(items, ["a", "b", "c"]);
}

#[test]
fn body_may_await_other_things_between_yields() {
    let items = block_on(counting(Duration::from_millis(1)).collect::<Vec<_>>());
    assert_eq!(items, [0, 1, 2]);
}

#[test]
fn body_runs_only_as_far_as_the_consumer_asks() {
    let steps = Arc::new(AtomicUsize::new(0));
    let body_steps = steps.clone();
    let mut g = generate(|y| async move {
        for i in 0..10 {
            body_steps.fetch_add(1, Ordering::SeqCst);
            let _ = y.yield_(i).await;
        }
    });
    assert_eq!(
        steps.load(Ordering::SeqCst),
        0,
        "nothing runs before the first poll"
    );
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.next().await, Some(1));
    });
    assert_eq!(steps.load(Ordering::SeqCst), 2, "no item computed ahead");
}

#[test]
fn polling_after_completion_returns_none() {
    let mut g = generate(|y| async move {
        let _ = y.yield_(1).await;
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        assert_eq!(g.next().await, None);
        assert_eq!(g.next().await, None);
        assert_eq!(g.next().await, None);
    });
    assert!(g.is_finished());
}

#[test]
fn try_generate_per_item_errors_do_not_end_the_stream() {
    let items = block_on(
        try_generate(|y| async move {
            let _ = y.yield_ok(1).await;
            let _ = y.yield_err("item 2 failed").await;
            let _ = y.yield_ok(3).await;
            Ok(())
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(items, [Ok(1), Err("item 2 failed"), Ok(3)]);
}

#[test]
fn try_generate_returned_error_is_the_last_item() {
    let mut g = try_generate(|y| async move {
        let _ = y.yield_ok(1).await;
        Err::<(), _>("fatal")?;
        let _ = y.yield_ok(2).await;
        Ok(())
    });
    block_on(async {
        assert_eq!(g.next().await, Some(Ok(1)));
        assert_eq!(g.next().await, Some(Err("fatal")));
        assert_eq!(g.next().await, None);
    });
}

#[test]
fn yield_all_delegates_in_order() {
    let items = block_on(
        generate(|y| async move {
            let _ = y.yield_(0).await;
            let _ = y.yield_all(stream::iter(vec![1, 2])).await;
            let _ = y
                .yield_all(generate(|inner| async move {
                    let _ = inner.yield_(3).await;
                    let _ = inner.yield_all(stream::once(4)).await;
                }))
                .await;
            let _ = y.yield_(5).await;
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(items, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn dropping_the_stream_runs_synchronous_cleanup() {
    let log = Log::default();
    let body_log = log.clone();
    let mut g = generate(|y| async move {
        let _guard = OnDrop(body_log.clone(), "released");
        for i in 0.. {
            let _ = y.yield_(i).await;
        }
    });
    block_on(async { assert_eq!(g.next().await, Some(0)) });
    assert!(log.events().is_empty());
    drop(g);
    assert_eq!(log.events(), ["released"]);
}

#[test]
fn close_runs_awaited_cleanup_to_completion() {
    let log = Log::default();
    let body_log = log.clone();
    let mut g = generate(|y| async move {
        let mut i = 0;
        while y.yield_(i).await == Resume::Next {
            i += 1;
        }
        body_log.push("closing connection");
        // An awaited cleanup step that really suspends, on a real timer.
        smol::Timer::after(Duration::from_millis(20)).await;
        body_log.push("connection closed");
    });
    smol::block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.next().await, Some(1));
        assert_eq!(g.close().await, Some(()));
        assert_eq!(g.next().await, None);
    });
    assert_eq!(log.events(), ["closing connection", "connection closed"]);
}

#[test]
fn nothing_yielded_during_close_is_delivered() {
    let mut g = generate(|y| async move {
        if y.yield_(1).await.is_close() {
            // A cleanup that tries to yield: told already, so this drops the body.
            let _ = y.yield_(99).await;
            unreachable!("a yield after close never resumes");
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        assert_eq!(
            g.close().await,
            None,
            "body was dropped at its second yield"
        );
        assert_eq!(g.next().await, None);
    });
}

#[test]
fn close_drops_a_body_that_ignores_it() {
    let log = Log::default();
    let body_log = log.clone();
    let mut g = generate(|y| async move {
        let _guard = OnDrop(body_log, "dropped");
        loop {
            let _ = y.yield_(0).await; // never checks Resume
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.close().await, None);
    });
    assert_eq!(log.events(), ["dropped"]);
}

#[test]
fn close_tells_a_body_suspended_elsewhere_at_its_next_yield() {
    let mut g = generate(|y| async move {
        future::yield_now().await; // suspended here, not at a yield
        let resume = y.yield_("never delivered").await;
        assert_eq!(resume, Resume::Close);
    });
    block_on(async {
        let mut first = std::pin::pin!(g.next());
        assert!(future::poll_once(&mut first).await.is_none());
    });
    assert_eq!(block_on(g.close()), Some(()));
    assert_eq!(block_on(g.next()), None);
}

#[test]
fn close_returns_the_cleanup_result_of_try_generate() {
    let mut g = try_generate(|y| async move {
        while y.yield_ok(1).await == Resume::Next {}
        Err::<(), _>("flush failed")
    });
    block_on(async {
        assert_eq!(g.next().await, Some(Ok(1)));
        assert_eq!(g.close().await, Some(Err("flush failed")));
        assert_eq!(g.next().await, None);
    });
}

#[test]
fn close_before_the_first_poll_never_starts_the_body_loop() {
    let mut g = generate(|y| async move {
        assert_eq!(y.yield_(1).await, Resume::Close);
    });
    assert_eq!(block_on(g.close()), Some(()));
    assert_eq!(block_on(g.next()), None);
}

#[test]
fn close_after_the_end_returns_none() {
    let mut g = generate(|y| async move {
        let _ = y.yield_(1).await;
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        assert_eq!(g.next().await, None);
        assert_eq!(g.close().await, None);
    });
}

#[test]
fn two_yields_in_one_step_are_both_delivered() {
    let items = block_on(
        generate(|y| async move {
            let _ = future::zip(y.yield_(1), y.yield_(2)).await;
            let _ = y.yield_(3).await;
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(items, [1, 2, 3]);
}

#[test]
fn an_item_yielded_as_the_body_finishes_comes_before_the_final_error() {
    // `or` completes in the same poll in which the yield handed its item over.
    let items = block_on(
        try_generate(|y| async move {
            let _ = future::or(async { y.yield_ok(1).await }, async { Resume::Next }).await;
            Err("last")
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(items, [Ok(1), Err("last")]);
}

#[test]
#[should_panic(expected = "outside its own generator's body")]
fn yielding_from_a_moved_yielder_panics() {
    let smuggled = Arc::new(Mutex::new(None));
    let slot = smuggled.clone();
    let mut g = generate(|y| async move {
        *slot.lock().unwrap() = Some(y);
    });
    assert_eq!(block_on(g.next()), None::<u32>);
    let y = smuggled.lock().unwrap().take().unwrap();
    let _ = block_on(y.yield_(7));
}

#[test]
#[should_panic(expected = "outside its own generator's body")]
fn yielding_into_the_outer_generator_from_an_inner_one_panics() {
    let items = block_on(
        generate(|outer| async move {
            let outer = &outer;
            let _ = outer
                .yield_all(generate(|_inner| async move {
                    let _ = outer.yield_(1).await;
                }))
                .await;
        })
        .collect::<Vec<u32>>(),
    );
    drop(items);
}

#[test]
fn local_generators_behave_the_same() {
    let rc = std::rc::Rc::new(5);
    let mut g = try_generate_local(|y| async move {
        let _ = y.yield_ok(*rc).await;
        let _ = y.yield_err("bad").await;
        while y.yield_ok(0).await == Resume::Next {}
        Ok(())
    });
    block_on(async {
        assert_eq!(g.next().await, Some(Ok(5)));
        assert_eq!(g.next().await, Some(Err("bad")));
        assert_eq!(g.next().await, Some(Ok(0)));
        assert_eq!(g.close().await, Some(Ok(())));
        assert_eq!(g.next().await, None);
    });
    let plain = block_on(
        generate_local(|y| async move {
            let _ = y.yield_(1).await;
        })
        .collect::<Vec<_>>(),
    );
    assert_eq!(plain, [1]);
}

#[test]
fn debug_output_names_the_state() {
    let mut g = generate(|y| async move {
        let _ = y.yield_(1).await;
    });
    assert!(format!("{g:?}").contains("running"));
    block_on(g.next());
    block_on(g.next());
    assert!(format!("{g:?}").contains("finished"));
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[test]
fn send_generator_runs_on_a_multi_threaded_executor() {
    let ex = async_executor::Executor::new();
    let (stop, shutdown) = smol::channel::unbounded::<()>();
    // Four worker threads drive the executor; the generator hops between them.
    let (_, sums) = easy_parallel::Parallel::new()
        .each(0..4, |_| block_on(ex.run(shutdown.recv())))
        .finish(|| {
            let tasks: Vec<_> = (0..8u64)
                .map(|t| {
                    ex.spawn(assert_send(async move {
                        let g = assert_send(generate(move |y| async move {
                            for i in 0..1000u64 {
                                if i % 100 == 0 {
                                    future::yield_now().await; // may resume on another thread
                                }
                                let _ = y.yield_(t * 1000 + i).await;
                            }
                        }));
                        g.fold(0u64, |a, b| a + b).await
                    }))
                })
                .collect();
            let sums: Vec<u64> = block_on(async {
                let mut sums = Vec::new();
                for task in tasks {
                    sums.push(task.await);
                }
                sums
            });
            drop(stop);
            sums
        });
    for (t, sum) in sums.into_iter().enumerate() {
        let t = t as u64;
        assert_eq!(sum, (0..1000).map(|i| t * 1000 + i).sum::<u64>());
    }
}

/// The same generator on three executors gives the same items.
#[test]
fn same_generator_on_smol_block_on_and_local_executor() {
    let expected = vec![0, 1, 2];
    let delay = Duration::from_millis(5);

    assert_eq!(
        smol::block_on(counting(delay).collect::<Vec<_>>()),
        expected
    );
    assert_eq!(block_on(counting(delay).collect::<Vec<_>>()), expected);

    let local = async_executor::LocalExecutor::new();
    let task = local.spawn(counting(delay).collect::<Vec<_>>());
    assert_eq!(block_on(local.run(task)), expected);

    let spawned = smol::spawn(counting(delay).collect::<Vec<_>>());
    assert_eq!(smol::block_on(spawned), expected);
}

#[test]
fn a_second_close_after_a_cancelled_one_finishes_the_cleanup() {
    let log = Log::default();
    let body_log = log.clone();
    let mut g = generate(|y| async move {
        while y.yield_(1).await == Resume::Next {}
        future::yield_now().await; // the first close is dropped while this is pending
        body_log.push("cleaned up");
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        let mut first = std::pin::pin!(g.close());
        assert!(future::poll_once(&mut first).await.is_none());
    });
    assert!(log.events().is_empty());
    assert_eq!(block_on(g.close()), Some(()));
    assert_eq!(log.events(), ["cleaned up"]);
}

#[test]
fn size_hint_is_exact_once_the_body_has_finished() {
    let mut g = try_generate(|y| async move {
        let _ = future::or(async { y.yield_ok(1).await }, async { Resume::Next }).await;
        Err("last")
    });
    assert_eq!(g.size_hint(), (0, None));
    assert_eq!(block_on(g.next()), Some(Ok(1)));
    assert_eq!(
        g.size_hint(),
        (1, Some(1)),
        "the held-back error is still to come"
    );
    assert_eq!(block_on(g.next()), Some(Err("last")));
    assert_eq!(g.size_hint(), (0, Some(0)));
}

#[test]
fn next_after_a_cancelled_close_on_a_body_that_yields_again_ends() {
    let log = Log::default();
    let mut g = generate(|y| {
        let log = log.clone();
        async move {
            let _ = y.yield_(1).await;
            smol::Timer::after(Duration::from_millis(20)).await;
            log.push("cleanup awaited");
            let _ = y.yield_(2).await;
            log.push("never reached");
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        // close() raced against a timeout and given up while the cleanup awaits.
        let gave_up = future::or(async { g.close().await.is_some() }, async {
            smol::Timer::after(Duration::from_millis(1)).await;
            false
        })
        .await;
        assert!(!gave_up);
        // Must end (not sleep forever) and deliver nothing yielded after the close.
        let rest = future::or(async { Some(g.next().await) }, async {
            smol::Timer::after(Duration::from_secs(5)).await;
            None
        })
        .await;
        assert_eq!(rest, Some(None), "next() after a cancelled close must end");
        assert_eq!(g.next().await, None);
    });
    assert_eq!(log.events(), ["cleanup awaited"]);
    assert!(g.is_finished());
}

/// Runs `script` on `g`: n = next, c = close to the end, x = close given up after
/// one poll, d = drop. Every step must finish within seconds.
fn run_script<F: std::future::Future<Output = ()>>(
    mut g: aiter::generate::Generator<u32, F, aiter::generate::Local>,
    script: &str,
) -> Vec<u32> {
    let mut items = Vec::new();
    let mut g = Some(&mut g);
    smol::block_on(async {
        for step in script.chars() {
            let Some(gen_ref) = g.as_deref_mut() else {
                break;
            };
            let step_done = future::or(
                async {
                    match step {
                        'n' => items.extend(gen_ref.next().await),
                        'c' => drop(gen_ref.close().await),
                        'x' => {
                            let mut close = std::pin::pin!(gen_ref.close());
                            future::poll_once(&mut close).await;
                        }
                        _ => {}
                    }
                    true
                },
                async {
                    smol::Timer::after(Duration::from_secs(5)).await;
                    false
                },
            )
            .await;
            assert!(step_done, "script {script}: step {step} hung");
            if step == 'd' {
                g = None;
            }
        }
    });
    items
}

#[test]
fn every_mix_of_next_close_cancelled_close_and_drop_ends() {
    for script in [
        "nxn", "nxxn", "nxnn", "nxc", "nxxc", "nxd", "xn", "nxnc", "nnxnxn", "ncn", "nxcn", "xxxn",
        "nnnn", "nnxnn",
    ] {
        let log = Log::default();
        let body_log = log.clone();
        let g = generate_local(|y| async move {
            let _ = y.yield_(1).await;
            smol::Timer::after(Duration::from_millis(5)).await; // awaited cleanup
            body_log.push("cleanup awaited");
            let _ = y.yield_(2).await; // ignores the close it was told of
            body_log.push("never reached after a close");
            let _ = y.yield_(3).await;
        });
        let items = run_script(g, script);
        // Nothing yielded after a close is delivered; before one, items flow.
        let first_close = script.find(['c', 'x']).unwrap_or(script.len());
        let nexts_before = script[..first_close].matches('n').count();
        let expected: Vec<u32> = [1, 2, 3].into_iter().take(nexts_before).collect();
        assert_eq!(items, expected, "script {script}");
    }
}
