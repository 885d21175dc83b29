//! Lesson 7's promises over many random runs, cancelled at any time or never: every job made ends once
//! (processed, failed, handed back or aborted), every task and every place of the pool shuts down, no job
//! waits while a place is free, and the run ends by the deadline; with errors and panics mixed in.
//! `PROPTEST_CASES=5000 cargo test -p graceful-shutdown --test properties` runs thousands.

use lesson_support::testing::{Summary, broken_promises, run_recorded, settings_args};
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 0usize..200,
        workers in 1usize..=16,
        queue_size in 1usize..=20,
        seed in any::<u64>(),
        failing in proptest::collection::vec(1usize..200, 0..6),
        cancel_at in proptest::option::of(0.0f64..40.0),
        drain_deadline in 0.0f64..3.0,
        hand_back in any::<bool>(),
    ) {
        let failing: Vec<usize> = failing.into_iter().filter(|job| *job <= jobs).collect();
        let mut args = settings_args(jobs, workers, queue_size, seed);
        // The odd ones fail with an error, the even ones with a panic.
        for (flag, parity) in [("--fail-job", 1), ("--panic-job", 0)] {
            let listed: Vec<String> =
                failing.iter().filter(|job| *job % 2 == parity).map(usize::to_string).collect();
            if !listed.is_empty() {
                args.extend([flag.to_string(), listed.join(",")]);
            }
        }
        if let Some(cancel_at) = cancel_at {
            args.extend(["--cancel-at".to_string(), format!("{cancel_at:.3}")]);
        }
        args.extend(["--drain-deadline".to_string(), format!("{drain_deadline:.3}")]);
        if hand_back {
            args.extend(["--on-cancel".to_string(), "return".to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(graceful_shutdown::LESSON, graceful_shutdown::run, &args);
        let summary = Summary::of(&recorded.output);
        // A cancelled run makes fewer jobs than --jobs: the promises hold for the jobs it made.
        let mut broken = broken_promises(&recorded, summary.produced, workers);
        if cancel_at.is_none() && summary.produced != jobs {
            broken.push(format!("{} jobs made of {jobs}, with no cancel", summary.produced));
        }
        if let Some(cancel_at) = cancel_at {
            // The run ends by the deadline, to the millisecond the flags are written in.
            let latest = (cancel_at * 1000.0).round() / 1000.0 + (drain_deadline * 1000.0).round() / 1000.0;
            if summary.elapsed > latest + 0.0015 {
                broken.push(format!("the run ended at {}s, past the deadline at {latest}s", summary.elapsed));
            }
        }
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}
