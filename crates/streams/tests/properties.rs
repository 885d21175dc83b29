//! Lesson 6's promises over many random runs: every job ends once, every place of the pool is given back and
//! shut down, and no job waits to be started while a place is free.
//! `PROPTEST_CASES=5000 cargo test -p streams --test properties` runs thousands.

use lesson_support::testing::{broken_promises, run_recorded, settings_args};
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 0usize..300,
        workers in 1usize..=32,
        seed in any::<u64>(),
        failing in proptest::collection::vec(1usize..300, 0..6),
        ordered in any::<bool>(),
    ) {
        let failing: Vec<usize> = failing.into_iter().filter(|job| *job <= jobs).collect();
        let mut args = settings_args(jobs, workers, 10, seed);
        if !failing.is_empty() {
            let listed: Vec<String> = failing.iter().map(usize::to_string).collect();
            args.extend(["--fail-job".to_string(), listed.join(",")]);
        }
        if ordered {
            args.push("--ordered".to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(streams::LESSON, streams::run, &args);
        let broken = broken_promises(&recorded, jobs, workers);
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}
