//! Deciding when to stop: the first step of a graceful shutdown, in a task of its own.
//!
//! The decision is made in one place, and told to every task with one call: `stop.cancel()`. On the
//! simulated clock it comes at `--cancel-at`, so that a run can be stopped at the same instant every time; on
//! the wall clock, at Ctrl-C as well, which tokio hears with `tokio::signal::ctrl_c()`. A second Ctrl-C
//! cancels a second token, `stop_now`: the pool aborts what is left without waiting for the deadline. On the
//! simulated clock, `--stop-now-at` does it at a chosen instant, so that this path too has a run that is the
//! same every time (and that `cargo xtask check` judges).

use std::time::Duration;

use lesson_support::{Harness, Seconds, TaskLog, Watched};
use tokio_util::sync::CancellationToken;

/// Decides when to stop: at `--cancel-at`, or at the first Ctrl-C on the wall clock; then at `--stop-now-at`,
/// or, on the wall clock, at one more Ctrl-C, which skips the rest of the drain. Ends when `Main`, its loop
/// over, cancels both tokens, so that the tracker can see it end.
pub async fn decide_when_to_stop(
    harness: Harness,
    task: TaskLog,
    cancel_at: Option<Duration>,
    stop_now_at: Option<Duration>,
    stop: CancellationToken,
    stop_now: CancellationToken,
) {
    let at_the_time = async {
        match cancel_at {
            Some(at) => tokio::time::sleep(at.saturating_sub(harness.elapsed())).await,
            None => std::future::pending().await,
        }
    };
    // Ctrl-C reaches the program through tokio's I/O driver, which only a wall-clock run has.
    let real_time = harness.settings().real_time;
    let ctrl_c = async {
        if real_time && tokio::signal::ctrl_c().await.is_ok() {
            return;
        }
        std::future::pending().await
    };
    let reason = async {
        tokio::select! {
            biased;
            () = stop.cancelled() => Reason::AllDone,
            () = at_the_time => Reason::CancelAt,
            () = ctrl_c => Reason::CtrlC,
        }
    };
    match reason.watched(&task, "a reason to stop").await {
        Reason::AllDone => {
            task.shut_down();
            return;
        }
        Reason::CancelAt => {
            let now = Seconds(harness.elapsed());
            if real_time {
                task.say(format_args!(
                    "Stopping: it is {now} (--cancel-at). Ctrl-C stops the jobs in hand now."
                ));
            } else {
                task.say(format_args!("Stopping: it is {now} (--cancel-at)"));
            }
        }
        Reason::CtrlC => {
            // The summary says that Ctrl-C stopped the run, and the program ends with status 130.
            harness.interrupt();
            task.say(
                "Stopping (Ctrl-C): no more jobs; the jobs in hand may end. Ctrl-C again stops them now.",
            );
        }
    }
    stop.cancel();
    // The second stop, until the pool has stopped: at `--stop-now-at`, or at one more Ctrl-C on the wall clock,
    // whichever comes first. It aborts what is left now. A Ctrl-C is a Ctrl-C all the same, and the summary
    // says so with its status, 130.
    if stop_now_at.is_some() || real_time {
        let at_the_time = async {
            match stop_now_at {
                Some(at) => tokio::time::sleep(at.saturating_sub(harness.elapsed())).await,
                None => std::future::pending().await,
            }
        };
        let ctrl_c = async {
            if real_time && tokio::signal::ctrl_c().await.is_ok() {
                return;
            }
            std::future::pending().await
        };
        let second = async {
            tokio::select! {
                biased;
                () = stop_now.cancelled() => {}
                () = at_the_time => {
                    task.say(format_args!("Stopping now: it is {} (--stop-now-at)", Seconds(harness.elapsed())));
                    stop_now.cancel();
                }
                () = ctrl_c => {
                    harness.interrupt();
                    stop_now.cancel();
                }
            }
        };
        let what = if real_time { "a second Ctrl-C" } else { "the time to stop now (--stop-now-at)" };
        second.watched(&task, what).await;
    }
    task.shut_down();
}

/// Why the watch stopped waiting.
enum Reason {
    /// The run ended by itself: nothing to stop.
    AllDone,
    /// It is `--cancel-at`.
    CancelAt,
    /// The learner pressed Ctrl-C.
    CtrlC,
}
