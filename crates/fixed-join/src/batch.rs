//! The Python lesson's bonus, `--batch`: every job goes on an unbounded queue up front, the workers process
//! them, `join()` waits until all are done, and then the workers are stopped.
//!
//! The workers are lesson 3's own (`work`); what differs is who keeps the queue open, and how `Main` learns
//! that the work is done.

use std::sync::Arc;

use lesson_support::{Harness, Watched};
use tokio::task::JoinHandle;

use crate::{Options, queue, work};

/// Runs the batch: queue every job, start the workers, `join()`, then close the queue.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let failures = Arc::new(options.failures);
    let (sender, queue) = queue::channel(tokio::sync::Semaphore::MAX_PERMITS);

    // Everything is queued before any worker starts, so there is no producer task.
    for mut job in harness.jobs() {
        job.kind = "batch_item";
        main.produced(&job);
        sender.put(job).await.expect("the queue is open: `queue` is right here");
    }
    main.say(format_args!(
        "Queued {} jobs up front, on a queue with no limit (--batch ignores --queue-size)",
        settings.jobs
    ));

    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, queue.clone(), failures.clone()))
        })
        .collect();

    // Here the sender is kept on purpose: the workers stay up, waiting for more, as a service's workers
    // would. Lesson 2 did the same by accident. `join()` is then the only way to learn that the batch is done.
    queue.join().watched(&main, "every job to be done (queue.join())").await;
    main.say("Every job is done: queue.join() returned; stopping the workers");

    // Python cancels its idle workers here. tokio could too (`JoinHandle::abort`), but closing the queue
    // is gentler: each worker leaves its loop and shuts down by itself.
    drop(sender);
    for worker in workers {
        if let Err(crash) = worker.watched(&main, "the workers to finish").await {
            main.say(format_args!("!! A worker crashed: {crash}"));
        }
    }
    main.shut_down();
}
