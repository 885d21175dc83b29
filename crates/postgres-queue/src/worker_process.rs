//! A worker process: this same program, started by the lesson with `worker-process` as its first argument.
//!
//! It could run on another machine: all it needs is the connection string. It opens one connection, which
//! its workers share (a `tokio-postgres` client sends their statements one after another on it), runs its
//! workers as tasks, and reports what they do on its standard output (`events.rs`).

use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use lesson_support::{Job, Shape, Slot, Workload};
use rand::RngExt;
use tokio::sync::Notify;

use crate::events::{Event, What};
use crate::queue::{self, Claim, Queue};
use crate::server;

/// The first argument that makes this program a worker process.
pub const WORKER_PROCESS: &str = "worker-process";

/// The environment variable that gives a worker process its connection string.
pub const CONNECT: &str = "POSTGRES_QUEUE_CONNECT";

/// The line the lesson writes on a worker process's standard input just before it kills it
/// (`--kill-worker-at`).
pub const HOLD: &str = "hold";

/// Set once the lesson has written [`HOLD`]: each worker of this process stops still right after its next
/// claim, holding the job, and says so. Not part of the pattern: it is how the lesson makes sure that its
/// kill finds a job in hand. Killed at a moment of the operating system's choosing, a worker could just as
/// well have finished its job, and the crash would show nothing.
static HOLD_BEFORE_THE_KILL: AtomicBool = AtomicBool::new(false);

/// What a worker process needs to know, given on its command line by the lesson.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "postgres-queue worker-process",
    about = "A worker process of lesson 9 (the lesson starts it)"
)]
pub struct WorkerProcess {
    /// The process's number, from 1: `P1`.
    #[arg(long)]
    pub process: usize,
    /// What goes before its name, `P1`: nothing for the lesson's own processes; for those of
    /// `--workers-only`, the machine and the program (`laptop.4242:`), so that no two workers anywhere share
    /// a name (the queue knows a lease's holder by it).
    #[arg(long, default_value = "")]
    pub name_prefix: String,
    /// Wait for the queue to be there, and open, before taking jobs: a process of `--workers-only` may start
    /// before the lesson that makes the queue.
    #[arg(long)]
    pub wait_for_queue: bool,
    /// The numbers of the workers it runs, across every process.
    #[arg(long, value_delimiter = ',', required = true)]
    pub workers: Vec<usize>,
    /// How to reach the server. It comes in the environment, not on the command line, where any user of
    /// the machine could read a password in it (`ps`).
    #[arg(long, env = CONNECT, hide_env_values = true)]
    pub connect: String,
    /// The schema that holds the queue's tables.
    #[arg(long)]
    pub schema: String,
    /// The seed: each job's processing time, and which of its attempts fail.
    #[arg(long)]
    pub seed: u64,
    /// The workload's shape (`--workload`): a slow job is slow in the worker that processes it.
    #[arg(long, value_enum, default_value_t = Shape::Steady)]
    pub workload: Shape,
    /// How many times faster than the lesson's clock the wall clock runs.
    #[arg(long)]
    pub speed_up: u32,
    /// The chance that an attempt fails for a transient reason.
    #[arg(long)]
    pub fail_rate: f64,
    /// Jobs that fail on every attempt.
    #[arg(long, value_delimiter = ',')]
    pub poison: Vec<usize>,
    /// Attempts before a job is dead.
    #[arg(long)]
    pub max_attempts: u32,
    /// The delay before the first retry, in milliseconds of the lesson's clock; it doubles for each retry.
    #[arg(long)]
    pub backoff_ms: u64,
    /// How long a claim lasts, in milliseconds of the lesson's clock.
    #[arg(long)]
    pub lease_ms: u64,
    /// The job whose first delivery stalls until another worker has ended it (`--stall`).
    #[arg(long)]
    pub stall: Option<usize>,
    /// Jobs take no time to process (`--no-work`).
    #[arg(long)]
    pub no_work: bool,
    /// Whether the queue has a size (`--queue-size` not 0): then the producer may wait for room, and a claim
    /// tells it that a place is free.
    #[arg(long)]
    pub bounded: bool,
}

impl WorkerProcess {
    /// The command-line arguments that start this worker process, after the program's name. (The connection
    /// string goes in the environment variable [`CONNECT`].)
    pub fn to_args(&self) -> Vec<String> {
        let list = |numbers: &[usize]| numbers.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        let mut args = vec![
            WORKER_PROCESS.to_string(),
            format!("--process={}", self.process),
            format!("--workers={}", list(&self.workers)),
            format!("--schema={}", self.schema),
            format!("--seed={}", self.seed),
            format!(
                "--workload={}",
                self.workload.to_possible_value().expect("no shape is skipped").get_name()
            ),
            format!("--speed-up={}", self.speed_up),
            format!("--fail-rate={}", self.fail_rate),
            format!("--max-attempts={}", self.max_attempts),
            format!("--backoff-ms={}", self.backoff_ms),
            format!("--lease-ms={}", self.lease_ms),
        ];
        if !self.name_prefix.is_empty() {
            args.push(format!("--name-prefix={}", self.name_prefix));
        }
        if self.wait_for_queue {
            args.push("--wait-for-queue".to_string());
        }
        if let Some(job) = self.stall {
            args.push(format!("--stall={job}"));
        }
        if self.no_work {
            args.push("--no-work".to_string());
        }
        if self.bounded {
            args.push("--bounded".to_string());
        }
        if !self.poison.is_empty() {
            args.push(format!("--poison={}", list(&self.poison)));
        }
        args
    }

    /// A duration of the lesson's clock, as the wall clock runs it.
    fn wall(&self, duration: Duration) -> Duration {
        duration / self.speed_up
    }
}

/// The worker's name in the transcript, and in the database's `leased_by`: `P1/Worker-2`, or with a prefix
/// (see [`WorkerProcess::name_prefix`]) `laptop.4242:P1/Worker-2`.
pub fn worker_name(prefix: &str, process: usize, worker: usize) -> String {
    format!("{prefix}P{process}/Worker-{worker}")
}

/// Runs a worker process, if this program was started as one; `None` if it was not.
pub fn main_if_asked() -> Option<ExitCode> {
    let mut args = std::env::args();
    let _program = args.next();
    if args.next().as_deref() != Some(WORKER_PROCESS) {
        return None;
    }
    let process = WorkerProcess::parse_from(std::env::args().skip(1));
    let lesson = std::os::unix::process::parent_id();
    // The lesson holds this process's standard input open for as long as it runs. When it ends, in any way
    // (even killed), the pipe closes: this process ends too, instead of waiting forever for a queue that no
    // one will close. The lesson also writes on it, once, the word that asks the workers to stop still at
    // their next claim (see `HOLD_BEFORE_THE_KILL`).
    std::thread::spawn(|| {
        for line in std::io::stdin().lines() {
            match line.as_deref() {
                Ok(HOLD) => HOLD_BEFORE_THE_KILL.store(true, Ordering::SeqCst),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        std::process::exit(1);
    });
    let runtime = lesson_support::clock::runtime(true);
    match runtime.block_on(run(process)) {
        Ok(()) => Some(ExitCode::SUCCESS),
        Err(problem) => {
            // The lesson may have ended first (killed, or stopped by a signal): its throwaway server stops
            // with it, and this process's connection can close before it has read the end of its standard
            // input. No one is left to read an error then, and a learner would take it for the cause. So it
            // gives the thread that reads its input a moment to see the end and exit quietly, and says
            // nothing if its parent has changed meanwhile (an ended parent's children are given to another).
            std::thread::sleep(Duration::from_millis(500));
            if std::os::unix::process::parent_id() == lesson {
                eprintln!("error: worker process: {problem}");
            }
            Some(ExitCode::FAILURE)
        }
    }
}

/// Connects, listens for news of jobs, and runs the workers until every one has shut down.
async fn run(process: WorkerProcess) -> Result<(), String> {
    let (client, bells) = server::connect(&process.connect).await?;
    let database = |error: tokio_postgres::Error| format!("the database: {}", server::reason(&error));
    if process.wait_for_queue {
        // Its reports go in the name of its first worker, which is waiting too.
        let first = process.workers[0];
        wait_for_an_open_queue(&client, &process, || {
            tell_the_lesson(Event { worker: first, what: What::WaitingForQueue })
        })
        .await
        .map_err(database)?;
    }
    let queue = Queue::new(client, &process.schema).await.map_err(database)?;
    queue.listen(queue::JOBS_CHANGED).await.map_err(database)?;
    // Each worker has a channel of its own, on which a new job wakes it: named after the server process of
    // this connection, which no other connection shares, and the worker's number.
    let backend: i32 =
        queue.client().query_one("SELECT pg_backend_pid()", &[]).await.map_err(database)?.get(0);
    let channels: Vec<String> =
        process.workers.iter().map(|worker| format!("wake_{backend}_{worker}")).collect();
    for channel in &channels {
        queue.listen(channel).await.map_err(database)?;
    }
    let (queue, process) = (Arc::new(queue), Arc::new(process));
    let workers: Vec<_> = process
        .workers
        .iter()
        .zip(channels)
        .map(|(&worker, channel)| {
            let bells = WakeUps {
                mine: bells.bell(&channel),
                everyone: bells.everyone(queue::JOBS_CHANGED),
                channel,
            };
            tokio::spawn(work(worker, queue.clone(), bells, process.clone()))
        })
        .collect();
    for worker in workers {
        worker.await.map_err(|crash| format!("a worker crashed: {crash}"))?.map_err(database)?;
    }
    Ok(())
}

/// How often a process of `--workers-only` looks whether the queue is there and open, on the lesson's clock.
const LOOK_FOR_THE_QUEUE_EVERY: Duration = Duration::from_secs(2);

/// The shortest wait between two looks at the database while a worker waits for something that only another
/// program can bring (the queue, a stalled job's end), in wall time: on a clock sped up fifty times, a look
/// every tenth of a second of the lesson's clock would be five hundred queries a second.
const LOOK_NO_MORE_OFTEN_THAN: Duration = Duration::from_millis(50);

/// Waits until the queue's tables are there and the queue is open: a lesson elsewhere has made it, and has not
/// closed it yet. (A closed queue may be an earlier run's: the next run makes it afresh, open.) Says so after
/// each look, with `still_waiting`, so that the lesson's watchdog knows the wait is meant.
async fn wait_for_an_open_queue(
    client: &tokio_postgres::Client,
    process: &WorkerProcess,
    still_waiting: impl Fn(),
) -> Result<(), tokio_postgres::Error> {
    use tokio_postgres::error::SqlState;
    let look = format!("SELECT NOT closed FROM {}.queue", process.schema);
    loop {
        match client.query_one(&look, &[]).await {
            Ok(row) if row.get::<_, bool>(0) => return Ok(()),
            Ok(_) => {}
            // Not made yet, or being made afresh.
            Err(error)
                if error.code().is_some_and(|code| {
                    [SqlState::UNDEFINED_TABLE, SqlState::INVALID_SCHEMA_NAME].contains(code)
                }) => {}
            Err(error) => return Err(error),
        }
        still_waiting();
        tokio::time::sleep(process.wall(LOOK_FOR_THE_QUEUE_EVERY).max(LOOK_NO_MORE_OFTEN_THAN)).await;
    }
}

/// A safety net under the notifications: a worker with nothing to do looks again at least this often (on
/// the lesson's clock), even if no notification came. Notifications are not stored: one sent while a
/// connection is being made is lost.
const LOOK_AGAIN_EVERY: Duration = Duration::from_secs(2);

/// How often a stalled worker (`--stall`) looks whether the job it holds has ended, on the lesson's clock.
const LOOK_AGAIN_WHILE_STALLED: Duration = Duration::from_millis(100);

/// What wakes a worker: its own channel, on which a new job wakes it, and the one every worker hears.
struct WakeUps {
    /// The worker's own channel's name, which it puts on the list of sleepers.
    channel: String,
    /// Rung for a new job, for this worker alone.
    mine: Arc<Notify>,
    /// Rung for everyone: the queue closed, jobs replayed.
    everyone: Arc<Notify>,
}

/// A worker: claims jobs and processes them until the queue is closed and every job is done or dead.
async fn work(
    worker: usize,
    queue: Arc<Queue>,
    wake_ups: WakeUps,
    process: Arc<WorkerProcess>,
) -> Result<(), tokio_postgres::Error> {
    let name = worker_name(&process.name_prefix, process.process, worker);
    let report = |what: What| tell_the_lesson(Event { worker, what });
    let workload = Workload::shaped(process.seed, process.workload);
    let lease = process.wall(Duration::from_millis(process.lease_ms));
    let claim = || queue.claim(&name, lease, process.bounded, &wake_ups.channel);
    loop {
        // Listen for the bells *before* looking at the queue, as lesson 4's queue does: a notification that
        // comes between the look and the wait is kept, not lost.
        let mut woken = pin!(wake_ups.mine.notified());
        woken.as_mut().enable();
        let mut told = pin!(wake_ups.everyone.notified());
        told.as_mut().enable();
        let claimed = match claim().await? {
            Some(claimed) => claimed,
            None => {
                // Nothing to claim: this worker goes on the list of sleepers, which each new job wakes one at
                // a time, and looks at what is left.
                let outlook = queue.sleep(&wake_ups.channel).await?;
                if outlook.closed && !outlook.work_left {
                    break;
                }
                // A lease has run out (its worker died, or is too slow): the job goes back in the queue now,
                // and this worker claims again. A worker with nothing to do does this, not every claim, and
                // only when its look saw such a lease: on a busy queue, most looks see none.
                if outlook.lease_ran_out && queue.rescue().await? > 0 {
                    continue;
                }
                // A job put between the claim above and going on the list woke no one: look once more.
                match claim().await? {
                    Some(claimed) => claimed,
                    None => {
                        // Wait for a job, news for everyone, or until a retry is due or a lease runs out.
                        let nap =
                            outlook.next_due_in.unwrap_or(Duration::MAX).min(process.wall(LOOK_AGAIN_EVERY));
                        tokio::select! {
                            biased;
                            () = woken => {}
                            () = told => {}
                            () = tokio::time::sleep(nap) => {}
                        }
                        continue;
                    }
                }
            }
        };
        let from = claimed.taken_over_from.clone();
        report(What::Took { job: claimed.number, delivery: claimed.delivery, from });
        if HOLD_BEFORE_THE_KILL.load(Ordering::SeqCst) {
            // The kill is coming: wait for it with the job in hand, as a crash in the middle of it would.
            report(What::Holding { job: claimed.number });
            std::future::pending::<()>().await;
        }
        if process.stall == Some(claimed.number) && claimed.delivery == 1 {
            // `--stall`: this worker stops with the job in hand, as a process paused for a long time would (a
            // garbage collector, a laptop's lid closed, a network cut off). Nothing tells the queue: the lease
            // runs out, and another worker takes the job over. This one waits until that worker has ended the
            // job, looking at the job's row now and then, and goes on as if nothing had happened.
            report(What::Stalling { job: claimed.number });
            while !queue.has_ended(claimed.number).await? {
                tokio::time::sleep(process.wall(LOOK_AGAIN_WHILE_STALLED).max(LOOK_NO_MORE_OFTEN_THAN)).await;
            }
        }
        let job = workload.job(claimed.number);
        process_one(&queue, &name, job, &claimed, &workload, &process, &report).await?;
    }
    report(What::ShutDown);
    Ok(())
}

/// Tells the lesson what a worker did, in a line on standard output, which the lesson reads.
fn tell_the_lesson(event: Event) {
    use std::io::Write;
    // If the lesson is gone (killed, or stopped by a signal), the pipe is broken and no one will read the
    // line: this process ends quietly, as it does when its standard input closes. (`println!` would panic,
    // and its message would reach the terminal the lesson ran in.)
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{event}").and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
}

/// Processes one claimed job: the work, then its effect and the acknowledgement together, or a retry, or a
/// burial.
async fn process_one(
    queue: &Queue,
    name: &str,
    job: Job,
    claim: &Claim,
    workload: &Workload,
    process: &WorkerProcess,
    report: &impl Fn(What),
) -> Result<(), tokio_postgres::Error> {
    // The work: a timer stands in for it, as in every lesson. No transaction is open meanwhile: the job is
    // held by its lease alone.
    if !process.no_work {
        tokio::time::sleep(process.wall(job.processing_time)).await;
    }
    let failure = if process.poison.contains(&job.number) {
        Some("a poison job: it fails every time (--poison)")
    } else if workload.random_at(job.number, Slot::Attempt(claim.attempt)).random_bool(process.fail_rate) {
        Some("a transient error (--fail-rate)")
    } else {
        None
    };
    let number = job.number;
    let Some(error) = failure else {
        // The effect and the acknowledgement, in one transaction (see `Queue::finish`).
        let wrote = queue.finish(number, name).await?;
        report(if wrote {
            What::Processed { job: number, attempt: claim.attempt }
        } else {
            What::AlreadyWritten { job: number }
        });
        return Ok(());
    };
    let still_held = if claim.attempt < process.max_attempts {
        // Lesson 5's backoff: 100 ms before attempt 2, 200 ms before attempt 3, ...
        let delay = Duration::from_millis(process.backoff_ms) * 2u32.pow(claim.attempt - 1);
        let queued = queue.retry_later(number, name, process.wall(delay), error).await?;
        if queued {
            let delay_ms = delay.as_millis() as u64;
            report(What::Retrying {
                job: number,
                attempt: claim.attempt,
                delay_ms,
                error: error.to_string(),
            });
        }
        queued
    } else {
        let buried = queue.bury(number, name, error).await?;
        if buried {
            report(What::Dead { job: number, attempts: claim.attempt, error: error.to_string() });
        }
        buried
    };
    if !still_held {
        report(What::LostLease { job: number });
    }
    Ok(())
}
