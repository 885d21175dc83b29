//! The scenarios: small programs of a few tasks around one queue, each with a promise the queue must keep in
//! every ordering of its tasks.
//!
//! They are written once, for any of the three queues, through [`LessonQueue`]: the few calls that lessons 3,
//! 4 and 5 share. Lesson 5 has one scenario of its own, for its retries. There is no time in them (shuttle
//! does not model timers): a task waits only on the queue, so every wait is one the queue must end.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::board::{self, waits_in};
use crate::queues::{lesson_3, lesson_4, lesson_5};

/// A scenario: its name (for `--replay`), the promise it checks, and its body, which shuttle runs once per
/// ordering and which panics when the promise is broken.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Its name on the command line: `every-item-once`.
    pub name: &'static str,
    /// The promise, in a sentence.
    pub promise: &'static str,
    /// The program.
    pub body: fn(),
}

/// The scenarios for lesson `lesson`'s queue, or `None` for a lesson whose queue is not hand-written.
pub fn for_lesson(lesson: u8) -> Option<Vec<Scenario>> {
    match lesson {
        3 => Some(common::<Lesson3>()),
        4 => Some(common::<Lesson4>()),
        5 => {
            let mut scenarios = common::<Lesson5>();
            scenarios.push(Scenario {
                name: "retries",
                promise: "an item put back through a weak sender is taken again, and join() waits for it",
                body: retries,
            });
            Some(scenarios)
        }
        _ => None,
    }
}

/// The scenarios every queue has.
fn common<Q: LessonQueue>() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "every-item-once",
            promise: "2 producers, 2 consumers, a queue of one: every item is taken once, and every task ends",
            body: every_item_once::<Q>,
        },
        Scenario {
            name: "every-put-wakes-a-get",
            promise: "2 consumers wait, 2 items are put, the queue stays open: each put wakes a get()",
            body: every_put_wakes_a_get::<Q>,
        },
        Scenario {
            name: "join-waits",
            promise: "join() returns only once every item put is done, its receipt dropped",
            body: join_waits_for_every_receipt::<Q>,
        },
        Scenario {
            name: "close-wakes-every-get",
            promise: "closing the queue wakes every get() that waits, and each returns None",
            body: close_wakes_every_get::<Q>,
        },
        Scenario {
            name: "put-fails-when-no-one-can-get",
            promise: "a put() that waits for room fails once no one can take an item",
            body: put_fails_when_no_one_can_get::<Q>,
        },
    ]
}

/// What the scenarios need of a lesson's queue: the calls that lessons 3, 4 and 5 share. Items are numbers.
pub trait LessonQueue: 'static {
    /// The end that puts items.
    type Sender: Clone + Send + Sync + 'static;
    /// The end that takes items, and joins.
    type Queue: Clone + Send + Sync + 'static;
    /// The receipt that marks an item done when dropped.
    type Receipt: Send + 'static;

    /// A queue of `capacity` items.
    fn channel(capacity: usize) -> (Self::Sender, Self::Queue);
    /// `sender.put(item)`, with the item given back if it fails.
    fn put(sender: &Self::Sender, item: u32) -> impl Future<Output = Result<(), u32>> + Send;
    /// `queue.get()`.
    fn get(queue: &Self::Queue) -> impl Future<Output = Option<(u32, Self::Receipt)>> + Send;
    /// `queue.join()`.
    fn join(queue: &Self::Queue) -> impl Future<Output = ()> + Send;
}

/// Implements [`LessonQueue`] for `$lesson`, on the queue of `$module`, whose items are numbers: lessons 3 and
/// 5, whose queues have the same calls.
macro_rules! queue_of_numbers {
    ($lesson:ident, $module:ident) => {
        impl LessonQueue for $lesson {
            type Sender = $module::QueueSender<u32>;
            type Queue = $module::Queue<u32>;
            type Receipt = $module::TaskDone;

            fn channel(capacity: usize) -> (Self::Sender, Self::Queue) {
                $module::channel(capacity)
            }

            async fn put(sender: &Self::Sender, item: u32) -> Result<(), u32> {
                sender.put(item).await.map_err(|refused| refused.0)
            }

            async fn get(queue: &Self::Queue) -> Option<(u32, Self::Receipt)> {
                queue.get().await
            }

            async fn join(queue: &Self::Queue) {
                queue.join().await;
            }
        }
    };
}

/// Lesson 3's queue.
pub struct Lesson3;
queue_of_numbers!(Lesson3, lesson_3);

/// Lesson 5's queue.
pub struct Lesson5;
queue_of_numbers!(Lesson5, lesson_5);

/// Lesson 4's queue, with three priorities: an item's number modulo 3.
pub struct Lesson4;

impl LessonQueue for Lesson4 {
    type Sender = lesson_4::QueueSender<(u32, u32)>;
    type Queue = lesson_4::Queue<(u32, u32)>;
    type Receipt = lesson_4::TaskDone;

    fn channel(capacity: usize) -> (Self::Sender, Self::Queue) {
        lesson_4::channel(capacity, None)
    }

    async fn put(sender: &Self::Sender, item: u32) -> Result<(), u32> {
        sender.put((item % 3, item)).await.map_err(|refused| refused.0.1)
    }

    async fn get(queue: &Self::Queue) -> Option<(u32, Self::Receipt)> {
        queue.get().await.map(|((_, item), receipt)| (item, receipt))
    }

    async fn join(queue: &Self::Queue) {
        queue.join().await;
    }
}

/// Two producers put two items each on a queue of one; two consumers take items until the queue is closed
/// and empty. Every item is taken exactly once, and every task ends.
fn every_item_once<Q: LessonQueue>() {
    shuttle::future::block_on(async {
        let (sender, queue) = Q::channel(1);
        let taken = Arc::new(Mutex::new(Vec::new()));
        let producers: Vec<_> = (1..=2)
            .map(|number| {
                let sender = sender.clone();
                tokio::spawn(async move {
                    let name = format!("Producer-{number}");
                    let _mark = board::mark(&name);
                    for item in [number * 10 + 1, number * 10 + 2] {
                        let put = waits_in(&name, "put()", Q::put(&sender, item)).await;
                        put.unwrap_or_else(|item| {
                            panic!("{name}'s put() of item {item} failed: the queue was open")
                        });
                        board::note(&name, format!("put item {item}"));
                    }
                    drop(sender);
                    board::note(&name, "put its 2 items, then dropped its sender");
                })
            })
            .collect();
        // The producers' clones are the only senders: when both are dropped, the queue closes.
        drop(sender);
        let consumers: Vec<_> =
            (1..=2).map(|number| consume::<Q>(number, queue.clone(), taken.clone())).collect();
        drop(queue);
        board::note("Main", "waits for every task to end");
        for task in producers.into_iter().chain(consumers) {
            task.await.expect("a task of the scenario panicked");
        }
        let mut taken = taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        taken.sort_unstable();
        for item in [11, 12, 21, 22] {
            match taken.iter().filter(|taken| **taken == item).count() {
                1 => {}
                0 => panic!("item {item} was put and never taken: it was lost"),
                times => panic!("item {item} was put once and taken {times} times"),
            }
        }
    });
}

/// A consumer: takes items until `get()` returns `None`, noting each one in `taken`.
fn consume<Q: LessonQueue>(
    number: u32,
    queue: Q::Queue,
    taken: Arc<Mutex<Vec<u32>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let name = format!("Consumer-{number}");
        let _mark = board::mark(&name);
        let mut count = 0;
        while let Some((item, receipt)) = waits_in(&name, "get()", Q::get(&queue)).await {
            board::note(&name, format!("took item {item}, then dropped its receipt"));
            taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(item);
            count += 1;
            drop(receipt);
        }
        board::note(&name, format!("took {count} item(s); then get() returned None"));
    })
}

/// Two consumers each wait for one item; `Main` puts two, on a queue of two, and keeps the queue open until
/// both consumers have theirs: each put must wake a `get()`. (Closing the queue wakes every `get()`, and
/// would hide a wake-up lost on the way: the sender is dropped only at the end.)
fn every_put_wakes_a_get<Q: LessonQueue>() {
    shuttle::future::block_on(async {
        let (sender, queue) = Q::channel(2);
        let consumers: Vec<_> = (1..=2)
            .map(|number| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    let name = format!("Consumer-{number}");
                    let _mark = board::mark(&name);
                    match waits_in(&name, "get()", Q::get(&queue)).await {
                        Some((item, receipt)) => {
                            board::note(&name, format!("took item {item}"));
                            drop(receipt);
                        }
                        None => panic!("{name}'s get() returned None while the queue was open"),
                    }
                })
            })
            .collect();
        for item in 1..=2 {
            let put = waits_in("Main", "put()", Q::put(&sender, item)).await;
            put.unwrap_or_else(|item| panic!("the put() of item {item} failed: the queue was open"));
            board::note("Main", format!("put item {item}"));
        }
        board::note("Main", "put 2 items; keeps the queue open until both consumers have one");
        for consumer in consumers {
            waits_in("Main", "the consumers' ends", consumer).await.expect("a consumer panicked");
        }
        drop(queue);
        drop(sender);
    });
}

/// One producer puts three items, two consumers process them, and `Main`, once the producer is done, joins:
/// when `join()` returns, every item is done.
fn join_waits_for_every_receipt<Q: LessonQueue>() {
    shuttle::future::block_on(async {
        let (sender, queue) = Q::channel(2);
        let done = Arc::new(AtomicUsize::new(0));
        let producer = tokio::spawn(async move {
            let _mark = board::mark("Producer");
            for item in 1..=3 {
                let put = waits_in("Producer", "put()", Q::put(&sender, item)).await;
                put.unwrap_or_else(|item| panic!("the put() of item {item} failed: the queue was open"));
                board::note("Producer", format!("put item {item}"));
            }
            drop(sender);
            board::note("Producer", "put 3 items, then dropped its sender");
        });
        let consumers: Vec<_> = (1..=2)
            .map(|number| {
                let (queue, done) = (queue.clone(), done.clone());
                tokio::spawn(async move {
                    let name = format!("Consumer-{number}");
                    let _mark = board::mark(&name);
                    while let Some((item, receipt)) = waits_in(&name, "get()", Q::get(&queue)).await {
                        board::note(&name, format!("processed item {item}, then dropped its receipt"));
                        // The item is processed, then its receipt dropped: only then is it done.
                        done.fetch_add(1, Ordering::SeqCst);
                        drop(receipt);
                    }
                    board::note(&name, "get() returned None");
                })
            })
            .collect();
        waits_in("Main", "the producer's end", producer).await.expect("the producer panicked");
        waits_in("Main", "join()", Q::join(&queue)).await;
        let finished = done.load(Ordering::SeqCst);
        if finished < 3 {
            panic!(
                "join() returned while {} of the 3 items put were not done: \"every item is done\" came too early",
                3 - finished
            );
        }
        board::note("Main", "join() returned; waits for the consumers to end");
        drop(queue);
        for consumer in consumers {
            consumer.await.expect("a consumer panicked");
        }
    });
}

/// Three consumers wait on an empty queue; `Main` drops the only sender. Every consumer's `get()` returns
/// `None`: none waits for ever.
fn close_wakes_every_get<Q: LessonQueue>() {
    shuttle::future::block_on(async {
        let (sender, queue) = Q::channel(1);
        let consumers: Vec<_> = (1..=3)
            .map(|number| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    let name = format!("Consumer-{number}");
                    let _mark = board::mark(&name);
                    if let Some((item, _)) = waits_in(&name, "get()", Q::get(&queue)).await {
                        panic!("{name} took item {item} from a queue that no one put anything on");
                    }
                    board::note(&name, "get() returned None");
                })
            })
            .collect();
        drop(queue);
        drop(sender);
        board::note(
            "Main",
            "dropped the only sender, so the queue is closed; waits for the consumers to end",
        );
        for consumer in consumers {
            consumer.await.expect("a consumer panicked");
        }
    });
}

/// A producer waits to put a second item on a full queue of one; a consumer drops the last receiving end
/// without taking anything. The waiting `put()` fails: it does not wait for ever for room no one can make.
fn put_fails_when_no_one_can_get<Q: LessonQueue>() {
    shuttle::future::block_on(async {
        let (sender, queue) = Q::channel(1);
        Q::put(&sender, 1).await.unwrap_or_else(|_| panic!("the first put() failed on an empty queue"));
        let producer = tokio::spawn(async move {
            let _mark = board::mark("Producer");
            let put = waits_in("Producer", "put() (the queue is full)", Q::put(&sender, 2)).await;
            if put.is_ok() {
                panic!("the second put() succeeded, but no one took the first item");
            }
            board::note("Producer", "put() failed, as it should");
        });
        let consumer = tokio::spawn(async move {
            drop(queue);
            board::note("Consumer", "dropped the last receiving end, without taking anything");
        });
        board::note("Main", "waits for the producer and the consumer to end");
        producer.await.expect("the producer panicked");
        consumer.await.expect("the consumer panicked");
    });
}

/// Lesson 5: `Main` keeps a sender until `join()` returns, as lesson 5's `run` does; the consumers hold only a
/// weak sender. Item 2 fails on its first attempt and is put back by a retry task, which drops the receipt
/// only once the retry is in the queue. `join()` returns only when every item is processed, item 2 included.
fn retries() {
    shuttle::future::block_on(async {
        // An item is (number, attempt).
        let (sender, queue) = lesson_5::channel::<(u32, u32)>(1);
        let weak = sender.downgrade();
        let processed = Arc::new(Mutex::new(Vec::new()));
        let producer = {
            let sender = sender.clone();
            tokio::spawn(async move {
                let _mark = board::mark("Producer");
                for item in 1..=3 {
                    let put = waits_in("Producer", "put()", sender.put((item, 1))).await;
                    put.unwrap_or_else(|_| panic!("the put() of item {item} failed: the queue was open"));
                    board::note("Producer", format!("put item {item}"));
                }
                board::note("Producer", "put 3 items, then dropped its sender");
            })
        };
        let consumers: Vec<_> = (1..=2)
            .map(|number| {
                let (queue, weak, processed) = (queue.clone(), weak.clone(), processed.clone());
                tokio::spawn(async move {
                    let name = format!("Consumer-{number}");
                    let _mark = board::mark(&name);
                    let mut retries = Vec::new();
                    while let Some(((item, attempt), receipt)) = waits_in(&name, "get()", queue.get()).await {
                        board::note(&name, format!("took item {item} (attempt {attempt})"));
                        if item == 2 && attempt == 1 {
                            let sender =
                                weak.upgrade().expect("Main keeps the queue open until join() returns");
                            retries.push(tokio::spawn(async move {
                                let _mark = board::mark("Retry");
                                let put =
                                    waits_in("Retry", "put() of item 2's second attempt", sender.put((2, 2)))
                                        .await;
                                put.unwrap_or_else(|_| {
                                    panic!("the retry's put() failed: the queue was open")
                                });
                                drop(receipt);
                                board::note("Retry", "put item 2 back, then dropped its receipt");
                            }));
                        } else {
                            processed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(item);
                            drop(receipt);
                        }
                    }
                    for retry in retries {
                        retry.await.expect("a retry panicked");
                    }
                    board::note(&name, "get() returned None");
                })
            })
            .collect();
        drop(weak);
        waits_in("Main", "the producer's end", producer).await.expect("the producer panicked");
        waits_in("Main", "join()", queue.join()).await;
        let mut done = processed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        done.sort_unstable();
        if done != [1, 2, 3] {
            panic!(
                "join() returned when the items processed were {done:?}, not [1, 2, 3]: the retry was not waited for"
            );
        }
        drop(sender);
        drop(queue);
        board::note(
            "Main",
            "join() returned; dropped its sender, so the queue is closed; waits for the consumers",
        );
        for consumer in consumers {
            consumer.await.expect("a consumer panicked");
        }
    });
}
