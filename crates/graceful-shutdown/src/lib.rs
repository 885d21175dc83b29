//! Lesson 7: lesson 3's pipeline, stopped the way tokio's guide to graceful shutdown teaches: decide when to
//! stop, tell every task, and wait for them, with a deadline past which the rest is aborted.
//!
//! | step of a graceful shutdown | where                                                                 |
//! |------------------------------|-----------------------------------------------------------------------|
//! | decide when to stop          | `watch`: at `--cancel-at`, or at Ctrl-C on the wall clock             |
//! | tell every task              | a `CancellationToken`: `stop.cancel()`; each task awaits `cancelled()` |
//! | wait for them                | a `TaskTracker` for the producer and the watch (`run`)                |
//! | cap the jobs in flight       | a `Semaphore`: a permit taken before a job is taken off the queue     |
//! | wait for the jobs            | `pool`: a `JoinSet`, whose results come back as the jobs end          |
//! | give up on the slow ones     | past `--drain-deadline`, `JoinSet::abort_all` (`run`)                 |
//!
//! On cancel, the producer makes no more jobs; the jobs in hand finish; the jobs still queued are processed
//! (`--on-cancel drain`) or handed back unstarted (`--on-cancel return`); past the deadline, what is left is
//! aborted. Every job ends in one state, and the summary counts each: processed, failed, returned unstarted,
//! aborted, or never made. Compare with lesson 3: `cargo xtask diff 3 7`.
//!
//! The lesson text is `lessons/07-graceful-shutdown.md`; run it with `cargo xtask lesson 7`.

pub mod pool;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use lesson_support::{Failures, Harness, Job, Lesson, LessonOptions, Seconds, Settings, TaskLog, Watched};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::pool::Pool;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer with a graceful shutdown",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which jobs fail: reported, and the pool goes on (lesson 3).
    #[command(flatten)]
    pub failures: Failures,

    /// Cancel the run this many seconds in, as Ctrl-C would on the wall clock: --cancel-at 2.5
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = lesson_support::settings::seconds)]
    pub cancel_at: Option<Duration>,

    /// Stop at once this many seconds in, as a second Ctrl-C would during the drain: the jobs in hand are
    /// aborted without waiting for the deadline. After --cancel-at: --cancel-at 1.5 --stop-now-at 1.8
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = lesson_support::settings::seconds)]
    pub stop_now_at: Option<Duration>,

    /// What becomes of the jobs still queued when the run is cancelled: processed (drain), or handed back
    /// unstarted (return).
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = OnCancel::Drain,
          allow_hyphen_values = true)]
    pub on_cancel: OnCancel,

    /// How long after the cancel the jobs may take to end before the rest are aborted, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = lesson_support::settings::seconds,
          allow_hyphen_values = true)]
    pub drain_deadline: Duration,
}

/// What becomes of the jobs still queued when the run is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnCancel {
    /// Process them, up to the deadline.
    Drain,
    /// Hand them back unstarted, and say which.
    Return,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        match (self.cancel_at, self.stop_now_at) {
            (None, Some(_)) => {
                return Err(
                    "--stop-now-at needs --cancel-at: it is the second stop, after a first".to_string()
                );
            }
            (Some(cancel_at), Some(stop_now_at)) if stop_now_at < cancel_at => {
                return Err(format!(
                    "--stop-now-at {} is before --cancel-at {}: the second stop comes after the first",
                    Seconds(stop_now_at),
                    Seconds(cancel_at)
                ));
            }
            _ => {}
        }
        self.failures.prepare(settings)
    }

    /// This lesson handles Ctrl-C itself: stopping is what it teaches.
    fn handles_ctrl_c(&self) -> bool {
        true
    }
}

/// Runs the lesson: a producer, a queue of `--queue-size`, at most `--workers` jobs at once, and a shutdown
/// that can come at any time.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");

    // Tell every task: one token, which every task that must stop watches. `stop.cancel()` wakes them all.
    let stop = CancellationToken::new();
    // A second token, for a second Ctrl-C: skip what is left of the drain, and abort the jobs in hand now.
    let stop_now = CancellationToken::new();

    // Wait for them: a tracker for the long-lived tasks, the producer and the watch. Its `wait()` returns
    // once it is closed and they have all ended.
    let tracker = TaskTracker::new();
    let (sender, mut queue) = mpsc::channel(settings.queue_capacity());
    tracker.spawn(produce(harness.clone(), harness.task_log("Producer"), sender, stop.clone()));
    let watch = harness.task_log("Watch");
    tracker.spawn(watch::decide_when_to_stop(
        harness.clone(),
        watch,
        options.cancel_at,
        options.stop_now_at,
        stop.clone(),
        stop_now.clone(),
    ));

    // Cap the jobs in flight: one permit per job, taken *before* the job is taken off the queue, so that at
    // most `--workers` jobs run at once, and the others stay in the queue, where a cancel can hand them back.
    let permits = Arc::new(Semaphore::new(settings.workers));
    let mut permit = None;
    let mut pool = Pool::new(&harness, options.failures);
    let mut taking_jobs = true;
    let mut shutdown = Shutdown::NotYet;
    // The futures that wait for the tokens, and the deadline's timer, are made once, here, and polled again on
    // every turn of the loop. Made anew on each turn, each would register with its token, or its timer, and
    // unregister again, at every job.
    let cancelled = stop.cancelled();
    let stopped_now = stop_now.cancelled();
    // The deadline is set at the cancel; until then its branch is disabled, and the timer never polled.
    let deadline = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(cancelled, stopped_now, deadline);
    loop {
        // Done when no job can come and none is in hand. Until then, at least one branch below is enabled.
        if !taking_jobs && pool.is_empty() {
            break;
        }
        // A permit that is free now is taken now, without a turn of the loop for it; the branch below waits
        // for one when none is free.
        if taking_jobs && permit.is_none() {
            permit = permits.clone().try_acquire_owned().ok();
        }
        tokio::select! {
            // `biased`: the branches are tried in this order, so that every run with the same seed is the
            // same run, and a job that ended is reported before anything else happens.
            biased;
            () = pool.end_next(), if !pool.is_empty() => {}
            () = cancelled.as_mut(), if matches!(shutdown, Shutdown::NotYet) => {
                deadline.as_mut().reset(Instant::now() + options.drain_deadline);
                shutdown = Shutdown::Draining;
                // A long deadline is a long silence, not a stuck run: the watchdog is told to wait for it.
                harness.expect_progress_in(options.drain_deadline);
                let until = Seconds(harness.elapsed() + options.drain_deadline);
                match options.on_cancel {
                    OnCancel::Drain => main.say(format_args!(
                        "Cancelled: the jobs in hand and in the queue have until {until} to end"
                    )),
                    OnCancel::Return => {
                        main.say(format_args!(
                            "Cancelled: the jobs in hand have until {until} to end; the queued ones go \
                             back unstarted"
                        ));
                        hand_back(&main, &mut queue);
                        taking_jobs = false;
                    }
                }
            }
            () = deadline.as_mut(), if matches!(shutdown, Shutdown::Draining) => {
                main.say(format_args!("Deadline: aborting the {} still in hand", count_jobs(pool.len())));
                pool.abort_all();
                hand_back(&main, &mut queue);
                taking_jobs = false;
                shutdown = Shutdown::Over;
            }
            // `stop_now` is cancelled only after `stop` (see `watch.rs`), and the branch of `stop` above is
            // tried first: this one can only fire once the drain has begun. Until then it is not polled, which
            // spares a look at the token at every turn of the loop.
            () = stopped_now.as_mut(), if matches!(shutdown, Shutdown::Draining) => {
                main.say(format_args!("Stopping now: aborting the {} still in hand", count_jobs(pool.len())));
                pool.abort_all();
                hand_back(&main, &mut queue);
                taking_jobs = false;
                shutdown = Shutdown::Over;
            }
            acquired = permits.clone().acquire_owned(), if taking_jobs && permit.is_none() => {
                permit = Some(acquired.expect("the semaphore is never closed"));
            }
            next = queue.recv(), if taking_jobs && permit.is_some() => match next {
                Some(job) => pool.start(job, permit.take().expect("a permit was taken")),
                // The producer is done and the queue is empty: nothing more will come.
                None => taking_jobs = false,
            },
        }
    }
    // Every job has ended. Tell the tasks still running to stop (the watch may still wait for a first or a
    // second Ctrl-C), close the tracker so that it takes no new task, and wait for them.
    stop.cancel();
    stop_now.cancel();
    tracker.close();
    tracker.wait().watched(&main, "the producer and the watch to end").await;
    pool.shut_down();
    main.shut_down();
}

/// Where the run is in its shutdown.
enum Shutdown {
    /// Not cancelled.
    NotYet,
    /// Cancelled: the jobs may end until the deadline.
    Draining,
    /// Past the deadline, or stopped now: what was left was aborted or handed back.
    Over,
}

/// The producer: makes jobs and puts them on the queue until it has made `--jobs` or the run is cancelled.
async fn produce(harness: Harness, task: TaskLog, sender: mpsc::Sender<Job>, stop: CancellationToken) {
    let mut added = 0;
    for job in harness.jobs() {
        // Making a job takes a little time; a cancel stops it on the spot.
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            () = tokio::time::sleep(job.production_time) => {}
        }
        task.produced(&job);
        let refused = tokio::select! {
            biased;
            // A cancel while the queue is full: the job made is handed back, never queued.
            () = stop.cancelled() => Some("the run was cancelled"),
            sent = sender.send(job).watched(&task, "room in the queue") => {
                sent.err().map(|_| "the queue was closed")
            }
        };
        if let Some(why) = refused {
            task.returned(&job, format_args!("Returned unstarted: {} ({why})", job.name()));
            break;
        }
        task.say(format_args!("Added job: {}", job.name()));
        added += 1;
    }
    task.say(format_args!("Done — added {added} jobs total"));
    task.shut_down();
    // The sender is dropped here: once the queue is empty, `recv()` returns `None` (lesson 3).
}

/// Hands back, unstarted, every job still in the queue, and closes it.
///
/// Emptying it with `try_recv` after `close()` misses no job here, because it is only ever called after the
/// cancel, and the producer, which looks at the cancel first (`biased`), sends nothing after it; and a `send`
/// puts its job in the queue in the same poll that finds room, so no job is half sent. A queue with senders
/// still at work would be emptied with `recv()` until it returns `None` instead, as tokio's docs advise.
fn hand_back(main: &TaskLog, queue: &mut mpsc::Receiver<Job>) {
    queue.close();
    while let Ok(job) = queue.try_recv() {
        main.returned(&job, format_args!("Returned unstarted: {}", job.name()));
    }
}

/// "1 job", "3 jobs".
fn count_jobs(count: usize) -> String {
    if count == 1 { "1 job".to_string() } else { format!("{count} jobs") }
}
