//! The watchdog: it turns "nothing can make progress" into a report instead of a hang.
//!
//! A stuck async program does not crash; it waits, forever and in silence. The watchdog is one more task
//! that wakes up now and then and looks at when anything last happened. If nothing has happened for the
//! `--watchdog` limit, and no timer has promised to bring the run forward later (a retry after a long
//! backoff, see [`Harness::expect_progress_in`]), the run is stuck: the watchdog ends it and names every task
//! that waits, and for what.
//!
//! A run can also go on for ever without being stuck: a job retried without end, each retry an event. So the
//! watchdog also stops a run that outlives any run of the course by far, [`Settings::run_time_limit`]
//! (an hour, and two minutes per job, on the lesson's clock), whatever happens in it.
//!
//! On the simulated clock this costs nothing: once every lesson task is stuck, the watchdog's own timer is
//! the only one left, so tokio jumps straight to it and a stuck run ends in milliseconds of wall time.

use std::time::Duration;

use crate::harness::Harness;
#[allow(unused_imports, reason = "named by the module's documentation")]
use crate::settings::Settings;

/// How often the watchdog looks, as a fraction of its limit.
const LOOKS_PER_LIMIT: u32 = 10;

/// What the watchdog saw when it stopped a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// When the last event happened.
    pub last_event: Duration,
    /// When the watchdog stopped the run.
    pub stopped_at: Duration,
    /// Whether it stopped the run for going on too long ([`Settings::run_time_limit`]), not for being stuck.
    pub too_long: bool,
}

/// Watches `harness` and returns once nothing has happened for `limit`, or once the run has gone on past its
/// time limit ([`Settings::run_time_limit`]). Run it beside the lesson and stop the lesson when it returns; it
/// never returns while the lesson makes progress within its time.
pub async fn watch(harness: &Harness, limit: Duration) -> Stall {
    let run_time_limit = harness.settings().run_time_limit();
    loop {
        tokio::time::sleep(harness.wall_time(limit / LOOKS_PER_LIMIT)).await;
        let now = harness.elapsed();
        let (last_event, progress_expected_at) = {
            let record = harness.record();
            (record.last_event, record.progress_expected_at)
        };
        if now.saturating_sub(last_event.max(progress_expected_at)) >= limit {
            return Stall { last_event, stopped_at: now, too_long: false };
        }
        if now >= run_time_limit {
            return Stall { last_event, stopped_at: now, too_long: true };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::default_settings;
    use crate::transcript::Transcript;

    #[test]
    fn a_task_waiting_forever_is_caught() {
        let stall = crate::clock::runtime(false).block_on(async {
            let harness = Harness::new(default_settings(), Transcript::captured(false));
            let stuck = async {
                harness.say("about to wait for ever");
                std::future::pending::<()>().await;
            };
            tokio::select! {
                biased;
                () = stuck => unreachable!("a pending future never ends"),
                stall = watch(&harness, Duration::from_secs(10)) => stall,
            }
        });
        assert_eq!(stall.last_event, Duration::ZERO);
        assert_eq!(stall.stopped_at, Duration::from_secs(10));
    }

    /// A job retried for ever, each retry announced and twice as far off as the last: the run is never
    /// stuck, and never ends. The watchdog stops it at the run's time limit.
    #[test]
    fn a_run_that_never_ends_is_stopped_at_its_time_limit() {
        let settings = default_settings();
        let limit = settings.run_time_limit();
        let stall = crate::clock::runtime(false).block_on(async {
            let harness = Harness::new(settings, Transcript::captured(false));
            let retried_for_ever = async {
                let mut delay = Duration::from_millis(100);
                loop {
                    harness.expect_progress_in(delay);
                    tokio::time::sleep(delay).await;
                    harness.say("failed again; retrying");
                    delay *= 2;
                }
            };
            tokio::select! {
                biased;
                () = retried_for_ever => unreachable!("it retries for ever"),
                stall = watch(&harness, Duration::from_secs(10)) => stall,
            }
        });
        assert!(stall.too_long, "{stall:?}");
        assert!(stall.stopped_at >= limit && stall.stopped_at < limit + Duration::from_secs(2), "{stall:?}");
    }

    #[test]
    fn a_timer_that_promises_progress_is_not_a_stall() {
        let finished = crate::clock::runtime(false).block_on(async {
            let harness = Harness::new(default_settings(), Transcript::captured(false));
            // A retry a minute away, announced: a minute of silence, then an event.
            let retry = async {
                harness.expect_progress_in(Duration::from_secs(60));
                tokio::time::sleep(Duration::from_secs(60)).await;
                harness.say("the retry");
            };
            tokio::select! {
                biased;
                () = retry => true,
                _ = watch(&harness, Duration::from_secs(10)) => false,
            }
        });
        assert!(finished, "the watchdog stopped a run whose timer had promised progress");
    }

    #[test]
    fn a_run_that_makes_progress_is_left_alone() {
        let finished = crate::clock::runtime(false).block_on(async {
            let harness = Harness::new(default_settings(), Transcript::captured(false));
            // A minute of events nine seconds apart: never ten seconds of silence.
            let busy = async {
                for _ in 0..7 {
                    tokio::time::sleep(Duration::from_secs(9)).await;
                    harness.say("still going");
                }
            };
            tokio::select! {
                biased;
                () = busy => true,
                _ = watch(&harness, Duration::from_secs(10)) => false,
            }
        });
        assert!(finished, "the watchdog stopped a run that was making progress");
    }
}
