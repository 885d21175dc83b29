//! `--bridge`: the crossings between threads and async, both ways.
//!
//! A program with async code and blocking code meets them at two kinds of bridge, and this run has both:
//!
//! - A thread hands work to async tasks: a tokio channel's `blocking_send` is its `send` for a thread. It blocks
//!   the calling thread while the channel is full, never the runtime. (From async code, `blocking_send`
//!   panics: it would block the runtime's thread.)
//! - Async tasks hand blocking work to threads: `tokio::task::spawn_blocking` runs a closure on tokio's pool of
//!   blocking threads and gives back a future of its result, which the task awaits while the runtime runs the
//!   others. A blocking call made in a task instead would stop every task of that thread (lesson 2, Break it 3).
//!
//! Here the producer is a thread, the workers are tokio tasks, and each job's work is blocking, as a call into
//! a library that cannot `.await` would be.

use std::sync::Arc;
use std::thread;

use lesson_support::{Failures, Harness, Seconds, TaskLog, Watched, panic_message};
use tokio::sync::Mutex;
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

use crate::{Message, Options};

/// Runs the bridge: a producer thread, `--workers` worker tasks, and a tokio channel of `--queue-size`.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let (sender, receiver) = mpsc::channel(settings.queue_capacity());
    let receiver = Arc::new(Mutex::new(receiver));
    let failures = Arc::new(options.failures);

    let producer = {
        let (harness, task) = (harness.clone(), harness.task_log("Producer"));
        thread::spawn(move || produce(&harness, task, sender))
    };
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(harness.clone(), task, receiver.clone(), failures.clone()))
        })
        .collect();

    // Waiting for a thread from async code: its `join` blocks, so it too goes to the blocking pool.
    let producer = tokio::task::spawn_blocking(move || producer.join());
    let produced = producer.watched(&main, "the producer's thread to finish").await;
    produced.expect("joining runs to its end").expect("the producer does not panic");
    for worker in workers {
        worker.watched(&main, "the workers to finish").await.expect("a worker does not panic");
    }
    main.shut_down();
}

/// The producer, on a thread: makes `--jobs` jobs and puts each on the tokio channel, then one sentinel per
/// worker.
fn produce(harness: &Harness, task: TaskLog, sender: Sender<Message>) {
    for job in harness.jobs() {
        thread::sleep(harness.wall_time(job.production_time));
        task.produced(&job);
        // The channel's `send`, for a thread: it sleeps while the channel is full.
        task.blocked_on("room in the queue", || sender.blocking_send(Message::Job(job)))
            .expect("the workers keep the queue open until they have read their sentinels");
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    for _ in 0..harness.settings().workers {
        task.blocked_on("room in the queue", || sender.blocking_send(Message::Shutdown))
            .expect("the workers keep the queue open until they have read their sentinels");
    }
    task.shut_down();
}

/// A worker, as a tokio task: takes messages off the channel until it reads a sentinel, and hands each job's
/// blocking work to the blocking pool.
async fn work(
    harness: Harness,
    task: TaskLog,
    receiver: Arc<Mutex<Receiver<Message>>>,
    failures: Arc<Failures>,
) {
    loop {
        let message = async { receiver.lock().await.recv().await }
            .watched(&task, "the next message from the queue")
            .await;
        match message {
            Some(Message::Job(job)) => {
                let (wall_time, failures) = (harness.wall_time(job.processing_time), failures.clone());
                // The blocking work runs on a thread of tokio's blocking pool; this task awaits its result, and
                // a panic comes back as a `JoinError`, as from `tokio::spawn`.
                let blocking = tokio::task::spawn_blocking(move || {
                    thread::sleep(wall_time);
                    failures.strike(&job)
                });
                match blocking.watched(&task, "a job on the blocking pool").await {
                    Ok(Ok(())) => task.processed(
                        &job,
                        format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
                    ),
                    Ok(Err(error)) => {
                        task.failed(&job, format_args!("Failed: {} with an error: {error}", job.name()));
                    }
                    Err(crash) => {
                        let reason = match crash.try_into_panic() {
                            Ok(payload) => panic_message(payload),
                            Err(crash) => crash.to_string(),
                        };
                        task.failed(&job, format_args!("Failed: {} with a panic: {reason}", job.name()));
                    }
                }
            }
            Some(Message::Shutdown) => {
                task.say("Shutting down");
                break;
            }
            None => {
                task.say("The queue is closed and empty: shutting down");
                break;
            }
        }
    }
    task.shut_down();
}
