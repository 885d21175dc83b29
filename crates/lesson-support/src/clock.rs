//! The clock: simulated by default, the wall clock with `--real-time`.
//!
//! tokio can pause its clock. On a paused clock, when every task is waiting, tokio jumps straight to the next
//! timer instead of sleeping until it. A four-second run then takes milliseconds, and because nothing depends
//! on how fast the machine is, the same seed gives the same output everywhere.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::time::Instant;

/// Builds the runtime a lesson runs on: one thread, and a paused clock unless `real_time` is set.
///
/// One thread is what makes a simulated run deterministic: tasks take turns in an order fixed by the
/// program, never by the operating system.
pub fn runtime(real_time: bool) -> Runtime {
    builder(real_time).build().expect("a current-thread runtime with a timer can always be built")
}

/// The same runtime as [`runtime`], and a count of the times its thread woke from a park.
///
/// On a paused clock, time moves only while the runtime's one thread is parked: when every task waits,
/// tokio jumps the clock to the next timer. Between two wake-ups, every reading of the clock gives the same
/// time, so the harness reads it once per wake-up and reuses it for every event until the next.
pub(crate) fn runtime_counting_wake_ups(real_time: bool) -> (Runtime, WakeUps) {
    let wake_ups = WakeUps::default();
    let counter = wake_ups.0.clone();
    let runtime = builder(real_time)
        .on_thread_unpark(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .build()
        .expect("a current-thread runtime with a timer can always be built");
    (runtime, wake_ups)
}

fn builder(real_time: bool) -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time().start_paused(!real_time);
    if real_time {
        // Ctrl-C reaches tokio through its I/O driver; only a wall-clock run listens for it.
        builder.enable_io();
    }
    builder
}

/// How many times a runtime's thread woke from a park: see [`runtime_counting_wake_ups`].
#[derive(Debug, Clone, Default)]
pub(crate) struct WakeUps(Arc<AtomicU64>);

impl WakeUps {
    /// The count so far.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Measures time since the start of a run, on whichever clock the runtime has.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    started: Instant,
    speed_up: u32,
}

impl Clock {
    /// Starts the clock now, going `speed_up` times faster than the runtime's (see
    /// [`Settings::speed_up`](crate::Settings::speed_up)). Call it inside the runtime.
    pub fn start(speed_up: u32) -> Clock {
        Clock { started: Instant::now(), speed_up }
    }

    /// How long the run has been going.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed() * self.speed_up
    }
}

/// A duration shown in seconds: `4.123s` by default, `4.1s` with `{:.1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(pub Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimals = formatter.precision().unwrap_or(3);
        let text = format!("{:.*}s", decimals, self.0.as_secs_f64());
        // Durations line up on the right, as numbers do in a column.
        match formatter.width() {
            Some(width) => write!(formatter, "{text:>width$}"),
            None => formatter.write_str(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_show_three_decimals_unless_told_otherwise() {
        let duration = Seconds(Duration::from_millis(4_123));
        assert_eq!(duration.to_string(), "4.123s");
        assert_eq!(format!("{duration:.1}"), "4.1s");
        assert_eq!(format!("{duration:>8}"), "  4.123s");
    }

    #[test]
    fn a_paused_clock_moves_only_while_the_runtime_is_parked() {
        let (runtime, wake_ups) = runtime_counting_wake_ups(false);
        runtime.block_on(async {
            let clock = Clock::start(1);
            let before = (wake_ups.get(), clock.elapsed());
            // Work that never waits does not park the thread: the clock stands still.
            tokio::task::yield_now().await;
            assert_eq!(clock.elapsed(), before.1);
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(wake_ups.get() > before.0, "the sleep parked the thread");
            assert_eq!(clock.elapsed(), before.1 + Duration::from_secs(1));
        });
    }

    #[test]
    fn a_paused_clock_jumps_over_sleeps() {
        let simulated = runtime(false).block_on(async {
            let clock = Clock::start(1);
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            clock.elapsed()
        });
        // Had the clock not been paused, this test would take an hour instead of a millisecond.
        assert_eq!(simulated, Duration::from_secs(3_600));
    }

    #[test]
    fn a_sped_up_clock_counts_its_speed_up_times_the_wall_time() {
        let elapsed = runtime(true).block_on(async {
            let clock = Clock::start(50);
            std::thread::sleep(Duration::from_millis(20));
            clock.elapsed()
        });
        // 20 ms of wall time are a second on a clock 50 times faster: at least that, and not 50 times more.
        assert!(elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(50), "{elapsed:?}");
    }
}
