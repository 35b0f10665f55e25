//! `aiter::events`: the channel, its overflow policies, close and fail, water marks,
//! batches, `from_callbacks`, and stress from many threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aiter::events::{self, Channel, EmitError, EventsError, Overflow};
use futures_lite::StreamExt;
use futures_lite::future::block_on;

fn collect<T>(events: events::Events<T>) -> (Vec<T>, Option<String>) {
    block_on(async {
        let mut events = events;
        let mut got = Vec::new();
        while let Some(event) = events.next().await {
            match event {
                Ok(value) => got.push(value),
                Err(error) => return (got, Some(error.to_string())),
            }
        }
        (got, None)
    })
}

#[test]
fn events_come_in_order_and_the_stream_ends_when_every_emitter_is_dropped() {
    let (emitter, events) = events::channel(8, Overflow::Backpressure);
    let second = emitter.clone();
    emitter.emit(1).unwrap();
    second.emit(2).unwrap();
    drop(emitter);
    second.emit(3).unwrap();
    drop(second);
    assert_eq!(collect(events), (vec![1, 2, 3], None));
}

#[test]
fn queued_messages_are_delivered_before_close() {
    let (emitter, events) = events::channel(8, Overflow::Backpressure);
    for n in 0..5 {
        emitter.emit(n).unwrap();
    }
    emitter.close();
    assert!(matches!(emitter.emit(99), Err(EmitError::Closed(99))));
    assert_eq!(collect(events), (vec![0, 1, 2, 3, 4], None));
}

#[test]
fn fail_delivers_the_queue_then_the_error() {
    let (emitter, events) = events::channel(8, Overflow::Backpressure);
    emitter.emit("a").unwrap();
    emitter.emit("b").unwrap();
    emitter.fail("socket reset");
    emitter.fail("a second failure is ignored");
    assert_eq!(
        collect(events),
        (
            vec!["a", "b"],
            Some("event source failed: socket reset".to_owned())
        )
    );
}

#[test]
fn wait_gives_the_value_back_when_full_and_counts_the_refusal() {
    let (emitter, events) = events::channel(2, Overflow::Backpressure);
    emitter.emit(1).unwrap();
    emitter.emit(2).unwrap();
    assert!(matches!(emitter.emit(3), Err(EmitError::Full(3))));
    // Refused and handed back: not lost, so not dropped.
    assert_eq!((emitter.events_refused(), emitter.events_dropped()), (1, 0));
    drop(emitter);
    assert_eq!(collect(events), (vec![1, 2], None));
}

#[test]
fn a_caller_that_emits_a_refused_value_again_loses_nothing_and_drops_nothing() {
    let (emitter, mut events) = events::channel(1, Overflow::Backpressure);
    emitter.emit(1).unwrap();
    let Err(EmitError::Full(refused)) = emitter.emit(2) else {
        panic!("the queue is full")
    };
    assert_eq!(block_on(events.next()).unwrap().unwrap(), 1);
    emitter.emit(refused).unwrap(); // emitted again once there is room
    // One refusal, handed back and emitted again: nothing was lost.
    assert_eq!((emitter.events_refused(), emitter.events_dropped()), (1, 0));
    assert_eq!((events.events_refused(), events.events_dropped()), (1, 0));
    drop(emitter);
    assert_eq!(collect(events), (vec![2], None));
}

#[test]
fn drop_oldest_keeps_the_newest_and_counts_the_dropped() {
    let (emitter, events) = events::channel(3, Overflow::DropOldest);
    for n in 0..10 {
        emitter.emit(n).unwrap();
    }
    assert_eq!(emitter.events_dropped(), 7);
    assert_eq!(events.events_dropped(), 7);
    drop(emitter);
    assert_eq!(collect(events), (vec![7, 8, 9], None));
}

#[test]
fn drop_newest_keeps_the_oldest_and_counts_the_dropped() {
    let (emitter, events) = events::channel(3, Overflow::DropNewest);
    for n in 0..10 {
        let result = emitter.emit(n);
        assert_eq!(result.is_err(), n >= 3);
    }
    assert_eq!(events.events_dropped(), 7);
    drop(emitter);
    assert_eq!(collect(events), (vec![0, 1, 2], None));
}

#[test]
fn fail_on_overflow_ends_the_stream_with_an_error_after_the_queued_events() {
    let (emitter, events) = events::channel(2, Overflow::Fail);
    emitter.emit(1).unwrap();
    emitter.emit(2).unwrap();
    assert!(matches!(emitter.emit(3), Err(EmitError::Overflow(3))));
    assert!(matches!(emitter.emit(4), Err(EmitError::Closed(4))));
    let (got, error) = collect(events);
    assert_eq!(got, [1, 2]);
    assert_eq!(
        error.as_deref(),
        Some("event queue overflowed its capacity of 2")
    );
}

#[test]
fn dropping_the_stream_closes_the_channel_for_emitters() {
    let (emitter, events) = events::channel::<u8>(2, Overflow::Backpressure);
    drop(events);
    assert!(emitter.is_closed());
    assert!(matches!(emitter.emit(1), Err(EmitError::Closed(1))));
    assert!(matches!(
        emitter.send_blocking(2),
        Err(EmitError::Closed(2))
    ));
}

#[test]
fn a_blocked_sender_is_released_when_the_stream_is_dropped() {
    let (emitter, events) = events::channel(1, Overflow::Backpressure);
    emitter.emit(0).unwrap();
    let blocked = std::thread::spawn(move || emitter.send_blocking(1));
    std::thread::sleep(std::time::Duration::from_millis(50));
    drop(events);
    assert!(matches!(blocked.join().unwrap(), Err(EmitError::Closed(1))));
}

#[test]
fn async_send_waits_for_room() {
    let (emitter, mut events) = events::channel(1, Overflow::Backpressure);
    let producer = async move {
        for n in 0..100 {
            emitter.send(n).await.unwrap();
        }
    };
    let consumer = async {
        let mut got = Vec::new();
        while let Some(n) = events.next().await {
            got.push(n.unwrap());
        }
        got
    };
    let ((), got) = block_on(futures_lite::future::zip(producer, consumer));
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn next_batch_takes_everything_queued_in_one_wakeup_then_the_error() {
    let (emitter, mut events) = events::channel(16, Overflow::Backpressure);
    for n in 0..5 {
        emitter.emit(n).unwrap();
    }
    emitter.fail("done");
    let mut batch = Vec::new();
    block_on(async {
        assert_eq!(events.next_batch(&mut batch).await.unwrap().unwrap(), 5);
        assert_eq!(batch, [0, 1, 2, 3, 4]);
        let error = events.next_batch(&mut batch).await.unwrap().unwrap_err();
        assert!(matches!(error, EventsError::Failed(_)));
        assert!(events.next_batch(&mut batch).await.is_none());
    });
}

#[test]
fn water_marks_pause_the_source_when_full_and_resume_it_once_drained() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (pause_log, resume_log) = (log.clone(), log.clone());
    let (emitter, mut events) = Channel::new(10)
        .water_marks(
            8,
            2,
            move || pause_log.lock().unwrap().push("pause"),
            move || {
                resume_log.lock().unwrap().push("resume");
            },
        )
        .build();
    for n in 0..8 {
        emitter.emit(n).unwrap();
    }
    emitter.emit(8).unwrap(); // above the mark: no second pause
    assert_eq!(*log.lock().unwrap(), ["pause"]);
    block_on(async {
        for _ in 0..6 {
            events.next().await.unwrap().unwrap(); // 9 queued -> 3 queued: still paused
        }
        assert_eq!(*log.lock().unwrap(), ["pause"]);
        events.next().await.unwrap().unwrap(); // 2 queued: resume
    });
    assert_eq!(*log.lock().unwrap(), ["pause", "resume"]);
}

/// A Node-style source: paused, it buffers; its `resume()` replays the buffer
/// into the emitter and stops when that replay pauses it again.
#[derive(Default)]
struct NodeStyleSource {
    paused: bool,
    buffered: std::collections::VecDeque<u32>,
}

#[test]
fn a_resume_hook_that_replays_into_emit_neither_deadlocks_nor_loses_anything() {
    const SENT: u32 = 5_000;
    let source = Arc::new(Mutex::new(NodeStyleSource::default()));
    let emitter_cell = Arc::new(std::sync::OnceLock::<events::Emitter<u32>>::new());
    let pauses = Arc::new(AtomicUsize::new(0));
    let (on_pause, on_resume) = {
        let (pause_source, resume_source) = (source.clone(), source.clone());
        let (cell, pauses) = (emitter_cell.clone(), pauses.clone());
        let on_pause = move || {
            pauses.fetch_add(1, Ordering::SeqCst);
            pause_source.lock().unwrap().paused = true;
        };
        let on_resume = move || {
            resume_source.lock().unwrap().paused = false;
            // Replay, one at a time, with no lock held across emit: an emit that
            // reaches the high mark pauses the source right here.
            loop {
                let next = {
                    let mut source = resume_source.lock().unwrap();
                    if source.paused {
                        None
                    } else {
                        source.buffered.pop_front()
                    }
                };
                let Some(value) = next else { break };
                if let Err(EmitError::Full(value)) = cell.get().unwrap().emit(value) {
                    resume_source.lock().unwrap().buffered.push_front(value);
                    break;
                }
            }
        };
        (on_pause, on_resume)
    };
    let (emitter, mut events) = Channel::new(16)
        .water_marks(4, 1, on_pause, on_resume)
        .build::<u32>();
    emitter_cell.set(emitter.clone()).ok().unwrap();
    let producer = {
        let source = source.clone();
        std::thread::spawn(move || {
            for n in 0..SENT {
                let buffer = {
                    let mut source = source.lock().unwrap();
                    let buffer = source.paused || !source.buffered.is_empty();
                    if buffer {
                        source.buffered.push_back(n);
                    }
                    buffer
                };
                if !buffer {
                    emitter.send_blocking(n).unwrap();
                }
            }
        })
    };
    let (done, finished) = std::sync::mpsc::channel();
    let consumer = std::thread::spawn(move || {
        let mut got = Vec::new();
        block_on(async {
            while got.len() < SENT as usize {
                got.push(events.next().await.unwrap().unwrap());
                if got.len() % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200)); // a slow consumer
                }
                // What the producer left buffered when it finished goes out on resume.
                if got.len() % 64 == 0 {
                    futures_lite::future::yield_now().await;
                }
            }
        });
        let _ = done.send(got);
    });
    let Ok(mut got) = finished.recv_timeout(std::time::Duration::from_secs(20)) else {
        panic!("deadlocked: the consumer made no progress for 20 s");
    };
    producer.join().unwrap();
    consumer.join().unwrap();
    got.sort_unstable();
    assert_eq!(
        got,
        (0..SENT).collect::<Vec<_>>(),
        "every value arrives once"
    );
    assert!(
        pauses.load(Ordering::SeqCst) > 1,
        "the source was paused and resumed"
    );
    emitter_cell.get().unwrap().close();
}

/// A listener and the id it was registered under.
type Listener = (usize, Box<dyn Fn(u32) + Send>);

/// A callback API of the usual shape: listeners kept in a registry.
#[derive(Default, Clone)]
struct Registry {
    listeners: Arc<Mutex<Vec<Listener>>>,
    next_id: Arc<AtomicUsize>,
}

impl Registry {
    fn on(&self, listener: impl Fn(u32) + Send + 'static) -> usize {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.listeners
            .lock()
            .unwrap()
            .push((id, Box::new(listener)));
        id
    }

    fn off(&self, id: usize) {
        self.listeners
            .lock()
            .unwrap()
            .retain(|(listener, _)| *listener != id);
    }

    fn fire(&self, value: u32) {
        for (_, listener) in self.listeners.lock().unwrap().iter() {
            listener(value);
        }
    }

    fn count(&self) -> usize {
        self.listeners.lock().unwrap().len()
    }
}

fn subscribe(registry: &Registry) -> events::Events<u32> {
    let registry = registry.clone();
    events::from_callbacks(16, Overflow::DropOldest, move |emitter| {
        let id = registry.on(move |value| {
            let _ = emitter.emit(value);
        });
        move || registry.off(id)
    })
}

#[test]
fn from_callbacks_unregisters_when_the_stream_is_dropped() {
    let registry = Registry::default();
    let mut events = subscribe(&registry);
    assert_eq!(registry.count(), 1);
    registry.fire(7);
    assert_eq!(block_on(events.next()).unwrap().unwrap(), 7);
    drop(events);
    assert_eq!(registry.count(), 0, "the unregister function ran on drop");
}

#[test]
fn from_callbacks_unregisters_when_the_stream_ends() {
    let registry = Registry::default();
    let unregistered = Arc::new(AtomicBool::new(false));
    let flag = unregistered.clone();
    let mut events = events::from_callbacks(
        4,
        Overflow::Backpressure,
        move |emitter: events::Emitter<u32>| {
            emitter.emit(1).unwrap();
            emitter.close();
            move || flag.store(true, Ordering::SeqCst)
        },
    );
    assert_eq!(block_on(events.next()).unwrap().unwrap(), 1);
    assert!(!unregistered.load(Ordering::SeqCst));
    assert!(block_on(events.next()).is_none());
    assert!(
        unregistered.load(Ordering::SeqCst),
        "the unregister function ran at the end"
    );
    drop(registry);
}

#[test]
fn eight_threads_times_a_million_blocking_sends_arrive_exactly_once_in_order() {
    const PRODUCERS: u64 = 8;
    const EACH: u64 = 1_000_000;
    let (emitter, mut events) = events::channel::<(u64, u64)>(1024, Overflow::Backpressure);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let emitter = emitter.clone();
            std::thread::spawn(move || {
                for seq in 0..EACH {
                    emitter.send_blocking((producer, seq)).unwrap();
                }
            })
        })
        .collect();
    drop(emitter);
    let mut next = [0u64; 8];
    let mut total = 0u64;
    let mut batch = Vec::new();
    block_on(async {
        while let Some(taken) = events.next_batch(&mut batch).await {
            taken.unwrap();
            for (producer, seq) in batch.drain(..) {
                let producer = usize::try_from(producer).unwrap();
                assert_eq!(seq, next[producer], "producer {producer} out of order");
                next[producer] += 1;
                total += 1;
            }
        }
    });
    for producer in producers {
        producer.join().unwrap();
    }
    assert_eq!(total, PRODUCERS * EACH);
    assert!(next.iter().all(|&n| n == EACH));
}

fn received_plus_dropped_is_emitted(overflow: Overflow) {
    const PRODUCERS: u64 = 8;
    const EACH: u64 = 100_000;
    let (emitter, mut events) = events::channel::<u64>(64, overflow);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let emitter = emitter.clone();
            std::thread::spawn(move || {
                for n in 0..EACH {
                    let _ = emitter.emit(n);
                }
            })
        })
        .collect();
    drop(emitter);
    let received = block_on(async {
        let mut received = 0u64;
        while let Some(event) = events.next().await {
            event.unwrap();
            received += 1;
        }
        received
    });
    for producer in producers {
        producer.join().unwrap();
    }
    assert!(
        events.events_dropped() > 0,
        "the consumer was slow enough to drop some"
    );
    assert_eq!(received + events.events_dropped(), PRODUCERS * EACH);
}

#[test]
fn drop_oldest_counts_add_up_under_eight_threads() {
    received_plus_dropped_is_emitted(Overflow::DropOldest);
}

#[test]
fn drop_newest_counts_add_up_under_eight_threads() {
    received_plus_dropped_is_emitted(Overflow::DropNewest);
}

#[test]
fn events_run_on_smol_and_on_a_multi_threaded_executor() {
    let (emitter, events) = events::channel(4, Overflow::Backpressure);
    let on_smol = smol::spawn(async move { events.try_collect::<_, _, Vec<u32>>().await.unwrap() });
    std::thread::spawn(move || {
        for n in 0..1000 {
            emitter.send_blocking(n).unwrap();
        }
    });
    assert_eq!(smol::block_on(on_smol), (0..1000).collect::<Vec<_>>());

    let executor = async_executor::Executor::new();
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let (emitter, events) = events::channel(4, Overflow::Backpressure);
    let (_, got) = easy_parallel::Parallel::new()
        .each(0..3, |_| block_on(executor.run(stopped.recv())))
        .finish(|| {
            let consumer = executor
                .spawn(async move { events.try_collect::<_, _, Vec<u32>>().await.unwrap() });
            let producer = executor.spawn(async move {
                for n in 0..1000 {
                    emitter.send(n).await.unwrap();
                }
            });
            let got = block_on(async {
                producer.await;
                consumer.await
            });
            drop(stop);
            got
        });
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

#[test]
fn emitters_are_clone_send_sync_and_the_stream_is_send() {
    fn clone_send_sync<T: Clone + Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let (emitter, events) = events::channel::<String>(1, Overflow::Backpressure);
    clone_send_sync(&emitter);
    send(&events);
}

#[test]
fn an_ignored_emit_under_wait_is_counted_as_refused_and_dropped() {
    const SENT: u64 = 10_000;
    let (emitter, mut events) = events::channel::<u64>(16, Overflow::Backpressure);
    let producer = {
        let emitter = emitter.clone();
        std::thread::spawn(move || {
            for n in 0..SENT {
                let _ = emitter.emit(n); // the careless form
            }
        })
    };
    producer.join().unwrap();
    let refused = emitter.events_refused();
    drop(emitter);
    let received = block_on(async {
        let mut received = 0;
        while let Some(event) = events.next().await {
            event.unwrap();
            received += 1;
        }
        received
    });
    assert!(refused > 0, "a full queue refused some");
    assert_eq!(
        received + events.events_refused(),
        SENT,
        "every event is received or counted"
    );
    // Refused values were handed back (and thrown away by this caller): refused,
    // not dropped.
    assert_eq!(events.events_dropped(), 0);
}

#[test]
fn send_blocking_from_a_callback_thread_loses_nothing_and_counts_nothing() {
    const SENT: u64 = 10_000;
    let (emitter, events) = events::channel::<u64>(16, Overflow::Backpressure);
    let producer = std::thread::spawn(move || {
        for n in 0..SENT {
            emitter.send_blocking(n).unwrap();
        }
    });
    let (got, error) = collect(events);
    producer.join().unwrap();
    assert_eq!(error, None);
    assert_eq!(got, (0..SENT).collect::<Vec<_>>());
}

#[test]
fn send_after_a_full_queue_does_not_count_as_refused() {
    let (emitter, mut events) = events::channel::<u32>(1, Overflow::Backpressure);
    block_on(async {
        emitter.send(1).await.unwrap();
        let sending = emitter.send(2);
        let receiving = async {
            let first = events.next().await.unwrap().unwrap();
            let second = events.next().await.unwrap().unwrap();
            (first, second)
        };
        let (sent, got) = futures_lite::future::zip(sending, receiving).await;
        sent.unwrap();
        assert_eq!(got, (1, 2));
    });
    assert_eq!((emitter.events_refused(), emitter.events_dropped()), (0, 0));
}

/// Producers and a consumer that each sleep often (capacity 1, so every push and
/// every take meets a waiter on the other side): a missed wakeup hangs, and the
/// watchdog fails the test instead.
#[test]
fn no_wakeup_is_missed_when_both_sides_keep_going_to_sleep() {
    const PRODUCERS: u64 = 4;
    const EACH: u64 = 20_000;
    for capacity in [1, 2, 7] {
        let (emitter, mut events) = events::channel::<u64>(capacity, Overflow::Backpressure);
        let threads: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let emitter = emitter.clone();
                std::thread::spawn(move || {
                    for n in 0..EACH {
                        emitter.send_blocking(p * EACH + n).unwrap();
                    }
                })
            })
            .collect();
        // One more producer in async code, on its own thread.
        let async_emitter = emitter.clone();
        let async_producer = std::thread::spawn(move || {
            block_on(async {
                for n in 0..EACH {
                    async_emitter.send(PRODUCERS * EACH + n).await.unwrap();
                }
            });
        });
        drop(emitter);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let sum = block_on(async {
                let mut sum = 0u64;
                let mut batch = Vec::new();
                let mut turn = 0u32;
                loop {
                    turn += 1;
                    // Alternate one at a time and batches.
                    if turn % 2 == 0 {
                        match events.next().await {
                            Some(event) => sum += event.unwrap(),
                            None => break,
                        }
                    } else {
                        match events.next_batch(&mut batch).await {
                            Some(taken) => {
                                taken.unwrap();
                                sum += batch.drain(..).sum::<u64>();
                            }
                            None => break,
                        }
                    }
                }
                sum
            });
            let _ = done.send(sum);
        });
        let Ok(sum) = finished.recv_timeout(std::time::Duration::from_secs(60)) else {
            panic!("capacity {capacity}: hung, a wakeup was missed");
        };
        for thread in threads {
            thread.join().unwrap();
        }
        async_producer.join().unwrap();
        let total = (PRODUCERS + 1) * EACH;
        assert_eq!(
            sum,
            total * (total - 1) / 2,
            "capacity {capacity}: every value once"
        );
    }
}
