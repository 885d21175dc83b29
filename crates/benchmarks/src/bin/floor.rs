//! The floors: each lesson's pattern in bare tokio, with none of the course's instruments (no transcript, no
//! ledger, no watchdog, no timeline). The same seeded workload, the same paused clock on one thread.
//! `cargo xtask bench` times each lesson against the floor that does the same work: what a lesson costs above
//! it is what its instruments and its own machinery cost.
//!
//! - The plain floor is lesson 1's pipeline: a producer, workers, one bounded channel shared behind a lock.
//! - `--task-per-job` runs each job in a task of its own, which the worker awaits, as lessons 3 to 6 do to
//!   contain a job's panic; `--priorities` also draws each job's priority from the seed, as lesson 4 does.
//! - `--join-set` is lesson 7's pool: no worker tasks, but a loop that takes a permit from a semaphore, then
//!   a job off the channel, starts it in a task of a `JoinSet`, and watches a cancellation token meanwhile.

use std::sync::Arc;

use clap::Parser;
use lesson_support::{Job, Slot, Workload};
use rand::RngExt;
use tokio::sync::{Mutex, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The run's size, as the lessons take it, and the pattern.
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
    /// Process each job in a task of its own, which the worker awaits, as lessons 3 to 6 do to contain a
    /// job's panic: the floor of those lessons' own machinery.
    #[arg(long)]
    task_per_job: bool,
    /// Draw each job's priority from the seed, as lesson 4 does: a second random stream per job.
    #[arg(long)]
    priorities: bool,
    /// Lesson 7's pool instead of workers: a `JoinSet` of job tasks, capped by a semaphore, and a
    /// cancellation token watched by the producer and the pool.
    #[arg(long, conflicts_with_all = ["task_per_job", "priorities"])]
    join_set: bool,
}

fn main() {
    let processed = run(Size::parse());
    println!("processed {processed}");
}

/// Runs the floor that `size` names, on the course's runtime; returns how many jobs were processed.
fn run(size: Size) -> usize {
    let runtime = lesson_support::clock::runtime(false);
    if size.join_set { runtime.block_on(join_set_pool(size)) } else { runtime.block_on(pipeline(size)) }
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
        if size.priorities {
            std::hint::black_box(priority(&workload, number));
        }
        sender.send(job).await.expect("the workers are alive");
    }
    drop(sender);
    let mut processed = 0;
    for worker in workers {
        processed += worker.await.expect("a worker does not panic");
    }
    processed
}

/// Lesson 7's pool, bare: a permit, then a job, then a task of a `JoinSet`; returns how many jobs ended.
async fn join_set_pool(size: Size) -> usize {
    let workload = Workload::new(size.seed);
    let stop = CancellationToken::new();
    let (sender, mut queue) = mpsc::channel::<Job>(size.queue_size);
    let producer = tokio::spawn({
        let stop = stop.clone();
        async move {
            for number in 1..=size.jobs {
                let job = workload.job(number);
                tokio::select! {
                    biased;
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(job.production_time) => {}
                }
                tokio::select! {
                    biased;
                    () = stop.cancelled() => break,
                    sent = sender.send(job) => sent.expect("the pool is alive"),
                }
            }
        }
    });
    let permits = Arc::new(Semaphore::new(size.workers));
    let mut tasks = JoinSet::new();
    let mut permit = None;
    let mut taking_jobs = true;
    let mut ended = 0;
    let cancelled = stop.cancelled();
    tokio::pin!(cancelled);
    loop {
        if !taking_jobs && tasks.is_empty() {
            break;
        }
        if taking_jobs && permit.is_none() {
            permit = permits.clone().try_acquire_owned().ok();
        }
        tokio::select! {
            biased;
            Some(outcome) = tasks.join_next(), if !tasks.is_empty() => {
                outcome.expect("a sleep does not panic");
                ended += 1;
            }
            // Never cancelled here: it is watched, as lesson 7 watches it, and that is what it costs.
            () = cancelled.as_mut() => taking_jobs = false,
            acquired = permits.clone().acquire_owned(), if taking_jobs && permit.is_none() => {
                permit = Some(acquired.expect("the semaphore is never closed"));
            }
            next = queue.recv(), if taking_jobs && permit.is_some() => match next {
                Some(job) => {
                    let permit = permit.take().expect("a permit was taken");
                    tasks.spawn(async move {
                        let _permit = permit;
                        tokio::time::sleep(job.processing_time).await;
                    });
                }
                None => taking_jobs = false,
            },
        }
    }
    stop.cancel();
    producer.await.expect("the producer does not panic");
    ended
}

/// Job `number`'s priority draw, the same as lesson 4's: a percentage from the job's own random stream.
fn priority(workload: &Workload, number: usize) -> u8 {
    workload.random_at(number, Slot::Priority).random_range(0..100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A floor that skipped work would flatter every lesson compared with it: each processes every job.
    #[test]
    fn every_floor_processes_every_job() {
        for flags in [&[][..], &["--task-per-job"], &["--task-per-job", "--priorities"], &["--join-set"]] {
            let size = Size::parse_from(
                [&["floor", "--jobs", "300", "--workers", "7", "--queue-size", "2"], flags].concat(),
            );
            let processed = run(size);
            assert_eq!(processed, 300, "{flags:?}");
        }
    }
}
