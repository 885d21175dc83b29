//! Lesson 8's promises over random runs on threads: whatever the channel, the pool, the queue's size or the
//! failures, every job made ends once, nothing is lost, every thread shuts down, and the exit status says so.
//! Each case is a real run on threads (tens of milliseconds), so there are 32 of them by default;
//! `PROPTEST_CASES=500 cargo test -p threads --test properties` runs more.

use lesson_support::testing::Summary;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(32)
    ))]

    #[test]
    fn every_run_keeps_the_promises(
        jobs in 0usize..30,
        workers in 1usize..=8,
        queue_size in 0usize..=4,
        seed in any::<u64>(),
        failing in proptest::collection::vec(1usize..30, 0..4),
        channel in prop_oneof![Just("std"), Just("crossbeam"), Just("hand-written"), Just("bridge")],
    ) {
        let failing: Vec<usize> = failing.into_iter().filter(|job| *job <= jobs).collect();
        let mut args: Vec<String> = vec![
            "--jobs".into(), jobs.to_string(),
            "--workers".into(), workers.to_string(),
            "--queue-size".into(), queue_size.to_string(),
            "--seed".into(), seed.to_string(),
        ];
        match channel {
            "bridge" => args.push("--bridge".into()),
            queue => args.extend(["--queue".to_string(), queue.to_string()]),
        }
        if !failing.is_empty() {
            let listed: Vec<String> = failing.iter().map(usize::to_string).collect();
            args.extend(["--fail-job".to_string(), listed.join(",")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = lesson_support::capture(threads::LESSON, threads::run, &args);
        let summary = Summary::of(&output);
        prop_assert!(summary.is_clean(), "{args:?}:\n{output}");
        prop_assert_eq!(summary.produced, jobs, "{:?}:\n{}", args, output);
        prop_assert_eq!(summary.processed + summary.failed, jobs, "{:?}:\n{}", args, output);
        prop_assert_eq!(summary.failed, failing.iter().collect::<std::collections::BTreeSet<_>>().len());
        prop_assert_eq!(summary.shut_down.0, summary.shut_down.1, "{:?}:\n{}", args, output);
    }
}
