//! Lesson 2's promise, over many random runs: a run that must hang never does. The watchdog always ends it,
//! with exit status 1, after every job was processed, and its report names every worker as waiting for a
//! message. `PROPTEST_CASES=5000 cargo test -p broken-no-sentinel --test properties` runs thousands.

use lesson_support::testing::settings_args;
use proptest::prelude::*;

proptest! {
    #[test]
    fn the_watchdog_ends_every_stuck_run_and_names_who_waits(
        jobs in 0usize..300,
        workers in 1usize..=32,
        queue_size in 0usize..=20,
        seed in any::<u64>(),
    ) {
        let args = settings_args(jobs, workers, queue_size, seed);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = lesson_support::capture(broken_no_sentinel::LESSON, broken_no_sentinel::run, &args);
        prop_assert!(output.contains("The watchdog stopped the run"), "{output}");
        prop_assert!(output.ends_with("[exit status 1]\n"), "{output}");
        let processed = format!("  processed     {jobs}\n");
        prop_assert!(output.contains(&processed), "{output}");
        for worker in 1..=workers {
            let name = format!("Worker-{worker}");
            let waits = output.lines().any(|line| {
                line.trim_start().strip_prefix(&name).is_some_and(|rest| {
                    rest.starts_with(' ') && rest.contains("waiting since") && rest.contains("for the next message from the queue")
                })
            });
            prop_assert!(waits, "{name} should be reported waiting for a message:\n{output}");
        }
    }
}
