//! The floor: lesson 1's pipeline in bare tokio, with none of the course's instruments (no transcript, no
//! ledger, no watchdog, no timeline). The same seeded workload, the same paused clock on one thread, the same
//! bounded channel shared behind a lock. `cargo xtask bench` times each lesson against it: what a lesson costs
//! above this floor is what its instruments and its own machinery cost.

use std::sync::Arc;

use clap::Parser;
use lesson_support::{Job, Workload};
use tokio::sync::{Mutex, mpsc};

/// The run's size, as the lessons take it.
#[derive(Debug, Parser)]
struct Size {
    /// How many jobs the producer makes.
    #[arg(long, default_value_t = 100_000)]
    jobs: usize,
    /// How many workers share the queue.
    #[arg(long, default_value_t = 1_000)]
    workers: usize,
    /// How many jobs the queue holds.
    #[arg(long, default_value_t = 10)]
    queue_size: usize,
    /// The workload's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Process each job in a task of its own, which the worker awaits, as lessons 3 to 5 do to contain a
    /// job's panic: the floor of those lessons' own machinery.
    #[arg(long)]
    task_per_job: bool,
}

fn main() {
    let size = Size::parse();
    let runtime = lesson_support::clock::runtime(false);
    let processed = runtime.block_on(pipeline(size));
    println!("processed {processed}");
}

/// One producer, `workers` workers, a bounded channel between them; returns how many jobs were processed.
async fn pipeline(size: Size) -> usize {
    let workload = Workload::new(size.seed);
    let task_per_job = size.task_per_job;
    let (sender, receiver) = mpsc::channel::<Job>(size.queue_size);
    let receiver = Arc::new(Mutex::new(receiver));
    let workers: Vec<_> = (0..size.workers)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move {
                let mut processed = 0;
                loop {
                    let job = receiver.lock().await.recv().await;
                    let Some(job) = job else { break };
                    if task_per_job {
                        let processing = tokio::spawn(tokio::time::sleep(job.processing_time));
                        processing.await.expect("a sleep does not panic");
                    } else {
                        tokio::time::sleep(job.processing_time).await;
                    }
                    processed += 1;
                }
                processed
            })
        })
        .collect();
    for number in 1..=size.jobs {
        let job = workload.job(number);
        tokio::time::sleep(job.production_time).await;
        sender.send(job).await.expect("the workers are alive");
    }
    drop(sender);
    let mut processed = 0;
    for worker in workers {
        processed += worker.await.expect("a worker does not panic");
    }
    processed
}
