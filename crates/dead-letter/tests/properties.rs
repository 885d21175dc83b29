//! Lesson 5's promises over many random runs: every job is processed or parked once and none is lost,
//! attempts never exceed the maximum, and each retry waits at least its documented delay. Every flag is drawn
//! from its whole accepted range: a backoff of a minute, doubled nine times, is still a run the watchdog must
//! leave alone.
//! `PROPTEST_CASES=5000 cargo test -p dead-letter --test properties` runs thousands.

use std::time::Duration;

use lesson_support::testing::{broken_promises, run_recorded, settings_args};
use lesson_support::timeline::Ending;
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 1usize..200,
        workers in 1usize..=32,
        queue_size in 0usize..=20,
        seed in any::<u64>(),
        fail_rate in 0.0f64..=1.0,
        poison in proptest::collection::vec(1usize..200, 0..4),
        max_attempts in 1u32..=10,
        backoff_ms in 0u64..=60_000,
    ) {
        let poison: Vec<usize> = poison.into_iter().filter(|job| *job <= jobs).collect();
        let mut args = settings_args(jobs, workers, queue_size, seed);
        args.extend([
            "--fail-rate".to_string(), fail_rate.to_string(),
            "--max-attempts".to_string(), max_attempts.to_string(),
            "--backoff-ms".to_string(), backoff_ms.to_string(),
        ]);
        if !poison.is_empty() {
            let listed: Vec<String> = poison.iter().map(usize::to_string).collect();
            args.extend(["--poison".to_string(), listed.join(",")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(dead_letter::LESSON, dead_letter::run, &args);
        let mut broken = broken_promises(&recorded, jobs, workers);

        // Attempts and delays, from the spans: a job's attempts, in order, are retries then one end.
        let mut attempts: Vec<Vec<(Duration, Duration, Ending)>> = vec![Vec::new(); jobs + 1];
        for span in recorded.timeline.rows.iter().flat_map(|row| &row.spans) {
            attempts[span.job].push((span.start, span.end, span.ending));
        }
        for (job, spans) in attempts.iter_mut().enumerate().skip(1) {
            spans.sort_by_key(|(start, _, _)| *start);
            if spans.len() > max_attempts as usize {
                broken.push(format!("job {job} had {} attempts, more than {max_attempts}", spans.len()));
            }
            for (number, pair) in spans.windows(2).enumerate() {
                let delay = Duration::from_millis(backoff_ms) * 2u32.pow(number as u32);
                if pair[1].0 < pair[0].1 + delay {
                    broken.push(format!("job {job}'s attempt {} started before its delay of {delay:?}", number + 2));
                }
            }
            if poison.contains(&job) && spans.iter().any(|(_, _, ending)| *ending == Ending::Processed) {
                broken.push(format!("poison job {job} was processed"));
            }
        }
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}
