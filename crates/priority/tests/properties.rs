//! Lesson 4's promises over many random runs, and its queue's order against a model.
//! `PROPTEST_CASES=5000 cargo test -p priority --test properties` runs thousands.

use std::num::NonZeroU64;

use lesson_support::testing::{broken_promises, run_recorded, settings_args};
use priority::queue;
use proptest::prelude::*;

/// One step of a test of the queue: put an item of a priority, or take one.
#[derive(Debug, Clone)]
enum Step {
    Put(u8),
    Get,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(prop_oneof![(0u8..3).prop_map(Step::Put), Just(Step::Get)], 0..200)
}

proptest! {
    #[test]
    fn every_run_keeps_the_promises(
        jobs in 0usize..300,
        workers in 1usize..=32,
        queue_size in 0usize..=20,
        seed in any::<u64>(),
        high in 0u8..=100,
        low in 0u8..=100,
        oldest_every in proptest::option::of(1u64..5),
    ) {
        let low = low.min(100 - high);
        let mut args = settings_args(jobs, workers, queue_size, seed);
        args.extend([
            "--high-percent".to_string(), high.to_string(),
            "--low-percent".to_string(), low.to_string(),
        ]);
        if let Some(every) = oldest_every {
            args.extend(["--oldest-every".to_string(), every.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(priority::LESSON, priority::run, &args);
        let broken = broken_promises(&recorded, jobs, workers);
        prop_assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }

    /// Whenever an item is taken, no item of higher priority was waiting, and among equal priorities the
    /// oldest comes first; every `oldest_every`-th take is the oldest item of all.
    #[test]
    fn the_queue_serves_priority_then_arrival(steps in steps(), oldest_every in proptest::option::of(1u64..5)) {
        let runtime = lesson_support::clock::runtime(false);
        runtime.block_on(async {
            let (sender, queue) = queue::channel::<(u8, usize)>(1_000, oldest_every.and_then(NonZeroU64::new));
            // The model: what is waiting, as (priority, arrival), and how many items were taken.
            let mut waiting: Vec<(u8, usize)> = Vec::new();
            let mut taken = 0u64;
            for (arrival, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Put(priority) => {
                        sender.put((priority, arrival)).await.expect("the queue is open");
                        waiting.push((priority, arrival));
                    }
                    Step::Get if waiting.is_empty() => {}
                    Step::Get => {
                        taken += 1;
                        let oldest_turn = oldest_every.is_some_and(|every| taken.is_multiple_of(every));
                        let expected = if oldest_turn {
                            *waiting.iter().min_by_key(|(_, arrival)| *arrival).unwrap()
                        } else {
                            *waiting.iter().min_by_key(|(priority, arrival)| (std::cmp::Reverse(*priority), *arrival)).unwrap()
                        };
                        waiting.retain(|item| *item != expected);
                        let (item, _done) = queue.get().await.expect("the queue has items");
                        assert_eq!(item, expected);
                    }
                }
            }
        });
    }
}
