//! Lesson 1's promises over many random runs: every job ends once, every task shuts down, and no worker
//! waits while a job does. `PROPTEST_CASES=5000 cargo test -p baseline --test properties` runs thousands.

use lesson_support::testing::{broken_promises, run_recorded, settings_args};
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 0usize..300,
        workers in 1usize..=32,
        queue_size in 0usize..=20,
        seed in any::<u64>(),
    ) {
        let args = settings_args(jobs, workers, queue_size, seed);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(baseline::LESSON, baseline::run, &args);
        let broken = broken_promises(&recorded, jobs, workers);
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}
