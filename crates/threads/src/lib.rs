//! Lesson 8: lesson 1's pipeline on OS threads, with no async at all.
//!
//! The Python lesson asks how the pattern would look with threads instead of async. This is the answer, piece
//! by piece against lesson 1 (`cargo xtask diff 1 8`):
//!
//! | tokio, lesson 1                            | threads, in this file                                      |
//! |--------------------------------------------|------------------------------------------------------------|
//! | `mpsc::channel(10)`                        | `std::sync::mpsc::sync_channel(10)`                        |
//! | `sender.send(message).await`               | `sender.send(message)`: the thread sleeps while it is full |
//! | `receiver.lock().await.recv().await`       | `receiver.lock().unwrap().recv()`                          |
//! | `tokio::spawn(work(...))`                  | `scope.spawn(|| work(...))`, an OS thread                  |
//! | `tokio::time::sleep(time).await`           | `thread::sleep(time)`: this thread sleeps, and only it     |
//! | `worker.await`                             | `worker.join()`, or the end of `thread::scope`             |
//!
//! Where lesson 1 had to avoid blocking at all costs (one blocked task blocks every task of its thread), here
//! blocking is the point: each worker has a thread of its own, and the operating system runs another while it
//! sleeps. `--queue` swaps the channel: the standard library's (the default), `crossbeam-channel`'s, whose
//! receiver can be cloned, or the one in `queue.rs`, written by hand on a `Mutex` and two `Condvar`s.
//! `--bridge` crosses over to async: a producer thread feeds tokio tasks (`bridge.rs`).
//!
//! Threads cannot run on tokio's simulated clock. This lesson runs on the wall clock, sped up 50 times unless
//! `--real-time`: a thread sleeps 1/50 of a job's time, and the transcript shows times multiplied by 50, in
//! the same seconds as every other lesson. Which worker takes which job changes from run to run; the jobs, what
//! each takes, and the summary's accounting do not. The lesson text is `lessons/08-threads.md`.

pub mod bridge;
pub mod queue;
pub mod sync;

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;

use lesson_support::{Failures, Harness, Job, Lesson, LessonOptions, Seconds, Settings, TaskLog};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer on OS threads",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which channel is the queue.
    #[arg(long, value_enum, value_name = "CHANNEL", default_value_t = QueueKind::Std,
          allow_hyphen_values = true)]
    pub queue: QueueKind,

    /// Cross over to async: a producer thread puts the jobs on a tokio channel, and the workers are tokio
    /// tasks that hand each job's blocking work to `spawn_blocking`.
    #[arg(long)]
    pub bridge: bool,

    /// Which jobs fail. A panic ends the worker's thread, and `join()` gives it back to `Main`.
    #[command(flatten)]
    pub failures: Failures,
}

/// Which channel is the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueueKind {
    /// `std::sync::mpsc::sync_channel`, its one receiver shared behind a `Mutex`.
    Std,
    /// `crossbeam_channel::bounded`, whose receiver every worker clones.
    Crossbeam,
    /// The queue of `queue.rs`, written by hand on a `Mutex` and two `Condvar`s.
    HandWritten,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        if self.bridge && self.queue != QueueKind::Std {
            return Err(
                "the argument '--bridge' cannot be used with '--queue': the bridge's queue is a tokio \
                        channel"
                    .to_string(),
            );
        }
        self.failures.prepare(settings)
    }

    const ON_THREADS: bool = true;
}

/// What travels through the queue: a job, or the sentinel that tells one worker to stop (as in lesson 1).
#[derive(Debug)]
pub enum Message {
    /// A job to process.
    Job(Job),
    /// The sentinel: no more jobs are coming, so the worker that reads this stops.
    Shutdown,
}

/// Runs the lesson.
///
/// `lesson_support::main` runs every lesson as an async function on tokio; this one only starts the pipeline
/// on a thread of its own and waits for it, so that the course's watchdog, a task on tokio's runtime, can
/// still report a pipeline that is stuck. (A thread stuck in `recv` cannot be stopped from outside: it is
/// left behind, and ends with the program.)
pub async fn run(harness: Harness, options: Options) {
    if options.bridge {
        return bridge::run(harness, options).await;
    }
    let (finished, done) = tokio::sync::oneshot::channel();
    let pipeline = thread::spawn(move || {
        run_on_threads(&harness, &options);
        let _ = finished.send(());
    });
    // A panic in the pipeline drops `finished`; `join` then gives the panic back, and it goes on up.
    if done.await.is_err()
        && let Err(panic) = pipeline.join()
    {
        std::panic::resume_unwind(panic);
    }
}

/// The pipeline, on threads: one producer, `--workers` workers, one queue of `--queue-size` between them.
fn run_on_threads(harness: &Harness, options: &Options) {
    let main = harness.task_log("Main");
    let size = harness.settings().queue_size;
    match options.queue {
        // `--queue-size 0` means no limit, as in asyncio: an unbounded channel. (`sync_channel(0)` is something
        // else: a rendezvous, where each `send` waits for a `recv` to take its message.)
        QueueKind::Std if size == 0 => {
            let (sender, receiver) = mpsc::channel();
            pipeline(harness, &main, options, sender, Mutex::new(receiver));
        }
        QueueKind::Std => {
            // The queue. `send` sleeps while `size` messages wait in it: backpressure, as in lesson 1.
            let (sender, receiver) = mpsc::sync_channel(size);
            // The receiving end of a std channel cannot be cloned; the workers share it behind a `Mutex`, as
            // lesson 1's workers shared tokio's. Inside `thread::scope`, they can borrow it: no `Arc` needed.
            pipeline(harness, &main, options, sender, Mutex::new(receiver));
        }
        QueueKind::Crossbeam if size == 0 => {
            let (sender, receiver) = crossbeam_channel::unbounded();
            pipeline(harness, &main, options, sender, receiver);
        }
        QueueKind::Crossbeam => {
            let (sender, receiver) = crossbeam_channel::bounded(size);
            pipeline(harness, &main, options, sender, receiver);
        }
        QueueKind::HandWritten => {
            let (sender, receiver) = queue::channel(harness.settings().queue_capacity());
            pipeline(harness, &main, options, sender, receiver);
        }
    }
    main.shut_down();
}

/// Starts the producer and the workers on threads, and waits for them.
fn pipeline(harness: &Harness, main: &TaskLog, options: &Options, sender: impl Put, queue: impl Take) {
    // `thread::scope`: the threads spawned in it may borrow from this function (`harness`, `queue`), because
    // the scope joins every one of them before it returns. `std::thread::spawn` would need `'static` data.
    thread::scope(|scope| {
        // The producer's log is made here, before any thread starts, so that the timeline's rows are always
        // in the same order: made inside the thread, it would race the workers' for its place.
        let producer_task = harness.task_log("Producer");
        let producer = scope.spawn(move || produce(harness, producer_task, sender));
        let workers: Vec<_> = (1..=harness.settings().workers)
            .map(|number| {
                let task = harness.task_log(format!("Worker-{number}"));
                let queue = &queue;
                scope.spawn(move || work(harness, task, queue, &options.failures))
            })
            .collect();
        // Wait for the producer, then for every worker, as lesson 1 does. `join` blocks this thread until the
        // other one has ended, and gives back what it returned, or its panic.
        let produced = main.blocked_on("the producer to finish", || producer.join());
        produced.expect("the producer does not panic");
        for worker in workers {
            let ended = main.blocked_on("the workers to finish", || worker.join());
            if let Err(panic) = ended {
                // A thread that panicked is over, and `join` says so: the panic comes back as a value.
                let reason = lesson_support::panic_message(panic);
                main.say(format_args!("!! A worker's thread panicked, and join() says so: {reason}"));
            }
        }
    });
}

/// What the producer needs of a queue: put a message, sleeping while the queue is full. Fails only if no
/// receiver is left, and gives the message back.
pub trait Put: Send {
    /// Puts `message` on the queue.
    fn put(&self, message: Message) -> Result<(), Message>;
}

/// What a worker needs of a queue: take the next message, sleeping while the queue is empty; `None` once
/// every sender is gone and the queue is empty.
pub trait Take: Sync {
    /// Takes the next message.
    fn take(&self) -> Option<Message>;
}

impl Put for mpsc::SyncSender<Message> {
    fn put(&self, message: Message) -> Result<(), Message> {
        self.send(message).map_err(|refused| refused.0)
    }
}

impl Put for mpsc::Sender<Message> {
    fn put(&self, message: Message) -> Result<(), Message> {
        self.send(message).map_err(|refused| refused.0)
    }
}

impl Take for Mutex<mpsc::Receiver<Message>> {
    fn take(&self) -> Option<Message> {
        // Lock, wait for one message, unlock: the guard is a temporary of this one expression, as in lesson 1.
        // `recv` fails once every sender is gone and the channel is empty: that is `None`.
        self.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv().ok()
    }
}

impl Put for crossbeam_channel::Sender<Message> {
    fn put(&self, message: Message) -> Result<(), Message> {
        self.send(message).map_err(|refused| refused.0)
    }
}

impl Take for crossbeam_channel::Receiver<Message> {
    fn take(&self) -> Option<Message> {
        // No lock: crossbeam's receiver is made to be shared by many threads at once.
        self.recv().ok()
    }
}

impl Put for queue::Sender<Message> {
    fn put(&self, message: Message) -> Result<(), Message> {
        self.send(message)
    }
}

impl Take for queue::Receiver<Message> {
    fn take(&self) -> Option<Message> {
        self.recv()
    }
}

/// The producer: makes `--jobs` jobs and puts each on the queue, then one sentinel per worker.
fn produce(harness: &Harness, task: TaskLog, sender: impl Put) {
    for job in harness.jobs() {
        // Making a job takes a little time: this thread sleeps, and only this one.
        thread::sleep(harness.wall_time(job.production_time));
        task.produced(&job);
        // `put` sleeps while the queue is full: backpressure, as in lesson 1, with the thread asleep instead
        // of a task waiting.
        task.blocked_on("room in the queue", || sender.put(Message::Job(job)))
            .expect("the workers keep the queue open until they have read their sentinels");
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));

    // One sentinel per worker, as in lesson 1.
    for _ in 0..harness.settings().workers {
        task.blocked_on("room in the queue", || sender.put(Message::Shutdown))
            .expect("the workers keep the queue open until they have read their sentinels");
    }
    task.shut_down();
    // `sender` is dropped here: once the queue is empty too, `take` returns `None`.
}

/// A worker: takes messages off the queue, one at a time, until it reads a sentinel.
fn work(harness: &Harness, task: TaskLog, queue: &impl Take, failures: &Failures) {
    loop {
        let message = task.blocked_on("the next message from the queue", || queue.take());
        match message {
            Some(Message::Job(job)) => {
                // Processing: the thread sleeps for the job's time, standing in for blocking work.
                thread::sleep(harness.wall_time(job.processing_time));
                // `--panic-job` panics here, and the panic ends this thread: there is no task to contain it.
                match failures.strike(&job) {
                    Ok(()) => task.processed(
                        &job,
                        format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
                    ),
                    Err(error) => {
                        task.failed(&job, format_args!("Failed: {} with an error: {error}", job.name()))
                    }
                }
            }
            Some(Message::Shutdown) => {
                task.say("Shutting down");
                break;
            }
            // `None`: every sender is gone and the queue is empty. Here the sentinels always arrive first.
            None => {
                task.say("The queue is closed and empty: shutting down");
                break;
            }
        }
    }
    task.shut_down();
}
