//! Lesson 3's promises over many random runs, failures and panics included: every job ends once (processed
//! or failed), every worker survives and shuts down, and no worker waits while a job does.
//! `PROPTEST_CASES=5000 cargo test -p fixed-join --test properties` runs thousands.

use lesson_support::testing::{broken_promises, run_recorded, settings_args};
use proptest::prelude::*;

/// Job numbers for `--fail-job` or `--panic-job`, as one comma-separated value.
fn listed(numbers: &[usize]) -> String {
    numbers.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 1usize..300,
        workers in 1usize..=32,
        queue_size in 0usize..=20,
        seed in any::<u64>(),
        failing in proptest::collection::vec(1usize..300, 0..6),
        panicking in proptest::collection::vec(1usize..300, 0..6),
        batch in any::<bool>(),
    ) {
        let failing: Vec<usize> = failing.into_iter().filter(|job| *job <= jobs).collect();
        let panicking: Vec<usize> = panicking.into_iter().filter(|job| *job <= jobs).collect();
        let mut args = settings_args(jobs, workers, queue_size, seed);
        if !failing.is_empty() {
            args.extend(["--fail-job".to_string(), listed(&failing)]);
        }
        if !panicking.is_empty() {
            args.extend(["--panic-job".to_string(), listed(&panicking)]);
        }
        if batch {
            args.push("--batch".to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(fixed_join::LESSON, fixed_join::run, &args);
        let broken = broken_promises(&recorded, jobs, workers);
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}
