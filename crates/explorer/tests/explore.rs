//! The explorer, tested: the lessons' queues keep every promise under both schedulers; a planted lost wake-up
//! is found, told as a story, and replayed the same way every time; the lesson texts show what it prints.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use explorer::exploration::{self, Exploration, Strategy, Verdict};
use explorer::scenarios::{self, Scenario};
use explorer::{board, report};
use lesson_support::testing::{ensure_file_contents, refresh_blocks, workspace_file};

/// How many orderings of each scenario the tests try, with each scheduler: enough to find the bugs the
/// exercises plant in tens of orderings, and quick. `cargo xtask explore N --iterations 10000` tries more.
const ORDERINGS: usize = 1_000;

#[test]
fn every_lessons_queue_keeps_every_promise_under_both_schedulers() {
    for lesson in [3, 4, 5] {
        for strategy in [Strategy::Random, Strategy::Pct] {
            for scenario in scenarios::for_lesson(lesson).expect("a lesson with a queue") {
                let exploration = Exploration { strategy, orderings: ORDERINGS, seed: 1 };
                match exploration::explore(&scenario, exploration) {
                    Verdict::Kept { orderings } => assert_eq!(orderings, ORDERINGS),
                    Verdict::Broken(failure) => {
                        panic!("{}", report::story(lesson, &scenario, &failure))
                    }
                }
            }
        }
    }
}

/// A wake-up lost on purpose, the classic way: look at a flag, then ask to be woken. Another task that sets
/// the flag and notifies in between wakes no one, and the waiter waits for ever.
fn lost_wake_up() {
    shuttle::future::block_on(async {
        let ready = Arc::new(AtomicBool::new(false));
        let notify = Arc::new(tokio::sync::Notify::new());
        let waiter = {
            let (ready, notify) = (ready.clone(), notify.clone());
            tokio::spawn(async move {
                board::note("Waiter", "looks at the flag");
                if !ready.load(Ordering::SeqCst) {
                    board::waits_in("Waiter", "notified()", notify.notified()).await;
                }
                board::note("Waiter", "saw the flag set");
            })
        };
        let setter = tokio::spawn(async move {
            ready.store(true, Ordering::SeqCst);
            notify.notify_waiters();
            board::note("Setter", "set the flag, then notified");
        });
        board::note("Main", "waits for the waiter and the setter");
        waiter.await.expect("the waiter does not panic");
        setter.await.expect("the setter does not panic");
    });
}

const LOST_WAKE_UP: Scenario =
    Scenario { name: "lost-wake-up", promise: "the waiter sees the flag set", body: lost_wake_up };

#[test]
fn a_lost_wake_up_is_found_told_and_replayed_the_same_way_every_time() {
    let exploration = Exploration { strategy: Strategy::Random, orderings: ORDERINGS, seed: 1 };
    let Verdict::Broken(failure) = exploration::explore(&LOST_WAKE_UP, exploration) else {
        panic!("the lost wake-up was not found in {ORDERINGS} orderings");
    };
    assert!(failure.is_deadlock(), "{failure:?}");
    assert!(
        failure.board.contains(&("Waiter".to_string(), "waits in notified()".to_string())),
        "{failure:?}"
    );
    let story = report::story(4, &LOST_WAKE_UP, &failure);
    assert!(story.contains("no task could go on"), "{story}");
    let schedule = failure.schedule.clone().expect("shuttle wrote the ordering down");
    assert!(story.contains(&format!("cargo xtask explore 4 --replay lost-wake-up:{schedule}")), "{story}");
    for _ in 0..10 {
        let Verdict::Broken(again) = exploration::replay(&LOST_WAKE_UP, &schedule) else {
            panic!("the replay did not fail");
        };
        assert_eq!((again.message.as_str(), &again.board), (failure.message.as_str(), &failure.board));
    }
}

#[test]
fn the_same_seed_finds_the_same_ordering_and_another_seed_may_not() {
    let find = |seed| {
        let exploration = Exploration { strategy: Strategy::Random, orderings: ORDERINGS, seed };
        match exploration::explore(&LOST_WAKE_UP, exploration) {
            Verdict::Broken(failure) => (failure.ordering, failure.schedule),
            Verdict::Kept { .. } => panic!("not found with seed {seed}"),
        }
    };
    assert_eq!(find(1), find(1));
}

#[test]
fn a_schedule_that_is_not_one_is_refused() {
    assert!(!exploration::is_schedule("not a schedule"));
    assert!(!exploration::is_schedule(""));
    assert!(!exploration::is_schedule("91"));
}

/// The opening of a block of the explorer's output in a lesson text.
const EXPLORER_OUTPUT: &str = "<!-- output of: cargo xtask explore";

#[test]
fn the_lesson_texts_show_what_the_explorer_prints() {
    for (lesson, path) in
        [(3, "lessons/03-fixed-join.md"), (4, "lessons/04-priority.md"), (5, "lessons/05-dead-letter.md")]
    {
        let text = std::fs::read_to_string(workspace_file(path)).unwrap();
        let fresh = refresh_blocks(&text, EXPLORER_OUTPUT, |command| {
            assert_eq!(command, lesson.to_string(), "{path} shows another lesson's exploration");
            let all = scenarios::for_lesson(lesson).unwrap();
            let chosen: Vec<&Scenario> = all.iter().collect();
            let exploration = Exploration { strategy: Strategy::Random, orderings: 1_000, seed: 1 };
            report::explore_and_tell(lesson, &chosen, exploration).0
        })
        .unwrap_or_else(|mistake| panic!("{path}: {mistake}"));
        ensure_file_contents(path, &fresh);
    }
}
