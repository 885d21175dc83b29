//! What a pool of workers costs, as OS threads and as tokio tasks (lesson 8's table): `cargo xtask bench` runs it
//! for 10, 100, 1,000 and 10,000 workers.
//!
//! It starts the pool (every worker waiting on one shared queue), measures how long until every worker has
//! started, reads the process's peak memory and its number of OS threads, then puts 20 jobs of 10 ms each on the
//! queue, closes it, and waits for every worker to end. It prints, one per line: `start SECONDS`,
//! `peak_memory BYTES`, `os_threads N`, `run SECONDS` (from the start of the pool to the end of the last worker).

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

/// What the workers are.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// OS threads, in a `thread::scope`, sharing a std channel's receiver behind a `Mutex`.
    Threads,
    /// tokio tasks, on one thread, sharing a tokio channel's receiver behind a tokio `Mutex`.
    Tasks,
}

/// The pool to measure.
#[derive(Debug, Parser)]
struct Pool {
    /// Threads or tasks.
    #[arg(value_enum)]
    kind: Kind,
    /// How many workers.
    workers: usize,
}

/// The jobs of the short run, and how long each takes.
const JOBS: usize = 20;
const JOB_TIME: Duration = Duration::from_millis(10);

fn main() {
    let pool = Pool::parse();
    let started = Instant::now();
    let (start, peak_memory, os_threads) = match pool.kind {
        Kind::Threads => threads(pool.workers),
        Kind::Tasks => tasks(pool.workers),
    };
    let run = started.elapsed();
    println!("start {:.6}", start.as_secs_f64());
    println!("peak_memory {peak_memory}");
    println!("os_threads {os_threads}");
    println!("run {:.6}", run.as_secs_f64());
}

/// The pool on threads: how long it took to start, and the process's peak memory and threads once it had.
fn threads(workers: usize) -> (Duration, u64, u64) {
    use std::sync::{Barrier, Mutex, mpsc};
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel::<Duration>();
    let receiver = Mutex::new(receiver);
    let every_one_started = Barrier::new(workers + 1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                every_one_started.wait();
                loop {
                    // The lock is held only while receiving: in a `while let`, it would be held to the end of
                    // the loop's body, and the workers would take turns.
                    let job = receiver.lock().expect("no worker panics").recv();
                    match job {
                        Ok(job) => std::thread::sleep(job),
                        Err(_) => break,
                    }
                }
            });
        }
        every_one_started.wait();
        let start = started.elapsed();
        let (peak_memory, os_threads) = process_status();
        for _ in 0..JOBS {
            sender.send(JOB_TIME).expect("the workers wait");
        }
        drop(sender);
        (start, peak_memory, os_threads)
    })
}

/// The pool on tokio tasks, on one thread.
fn tasks(workers: usize) -> (Duration, u64, u64) {
    use std::sync::Arc;
    use tokio::sync::{Barrier, Mutex, mpsc};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let (sender, receiver) = mpsc::unbounded_channel::<Duration>();
        let receiver = Arc::new(Mutex::new(receiver));
        let every_one_started = Arc::new(Barrier::new(workers + 1));
        let pool: Vec<_> = (0..workers)
            .map(|_| {
                let (receiver, every_one_started) = (receiver.clone(), every_one_started.clone());
                tokio::spawn(async move {
                    every_one_started.wait().await;
                    loop {
                        let job = receiver.lock().await.recv().await;
                        match job {
                            Some(job) => tokio::time::sleep(job).await,
                            None => break,
                        }
                    }
                })
            })
            .collect();
        every_one_started.wait().await;
        let start = started.elapsed();
        let (peak_memory, os_threads) = process_status();
        for _ in 0..JOBS {
            sender.send(JOB_TIME).expect("the workers wait");
        }
        drop(sender);
        for worker in pool {
            worker.await.expect("no worker panics");
        }
        (start, peak_memory, os_threads)
    })
}

/// The process's peak memory (`VmHWM`, in bytes) and number of threads, from `/proc/self/status` on Linux;
/// zeros elsewhere.
fn process_status() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:") * 1024, field("Threads:"))
}
