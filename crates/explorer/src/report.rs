//! The explorer's verdict, in the course's words: a line per scenario, and for a broken promise, the story of
//! the ordering that broke it and the command that replays it.

use crate::exploration::{self, Exploration, Failure, Strategy, Verdict};
use crate::scenarios::Scenario;

/// Explores each of `scenarios` of lesson `lesson`'s queue in turn, up to the first broken promise, and returns
/// what `cargo xtask explore` prints, with the failure if there was one.
pub fn explore_and_tell(
    lesson: u8,
    scenarios: &[&Scenario],
    exploration: Exploration,
) -> (String, Option<(Scenario, Failure)>) {
    let mut text = format!("{}\n", heading(lesson, exploration));
    let mut total = 0;
    for scenario in scenarios {
        let verdict = exploration::explore(scenario, exploration);
        text.push_str(&format!("{}\n", scenario_line(scenario, &verdict)));
        match verdict {
            Verdict::Kept { orderings } => total += orderings,
            Verdict::Broken(failure) => {
                text.push_str(&story(lesson, scenario, &failure));
                return (text, Some((**scenario, failure)));
            }
        }
    }
    text.push_str(&format!("{}\n", all_kept(total)));
    (text, None)
}

/// The line before the scenarios: what is explored, and how.
pub fn heading(lesson: u8, exploration: Exploration) -> String {
    let Exploration { strategy, orderings, seed } = exploration;
    let strategy = match strategy {
        Strategy::Random => "random",
        Strategy::Pct => "pct",
    };
    format!(
        "Exploring lesson {lesson}'s queue ({}):\n{} orderings of each scenario, chosen by the {strategy} \
         scheduler from seed {seed}.",
        queue_file(lesson),
        thousands(orderings)
    )
}

/// The file of lesson `lesson`'s queue.
pub fn queue_file(lesson: u8) -> &'static str {
    match lesson {
        3 => "crates/fixed-join/src/queue.rs",
        4 => "crates/priority/src/queue.rs",
        _ => "crates/dead-letter/src/queue.rs",
    }
}

/// One scenario's lines: ok or FAIL, its name, how many orderings it took, and its promise.
pub fn scenario_line(scenario: &Scenario, verdict: &Verdict) -> String {
    let result = match verdict {
        Verdict::Kept { orderings } => {
            format!("  ok    {} ({} orderings)", scenario.name, thousands(*orderings))
        }
        Verdict::Broken(failure) => {
            format!("  FAIL  {} (broken in ordering {})", scenario.name, thousands(failure.ordering))
        }
    };
    format!("{result}\n        {}", scenario.promise)
}

/// The last line when every promise held.
pub fn all_kept(orderings: usize) -> String {
    format!(
        "Every promise kept in {} orderings: no item lost or taken twice, no task left waiting.",
        thousands(orderings)
    )
}

/// The story of a failure: what went wrong, what each task was doing, why, and how to see it again.
pub fn story(lesson: u8, scenario: &Scenario, failure: &Failure) -> String {
    let mut text = format!(
        "\nIn ordering {} of {}, {}:\n",
        thousands(failure.ordering),
        scenario.name,
        what_went_wrong(failure)
    );
    let width = failure.board.iter().map(|(task, _)| task.len()).max().unwrap_or(0);
    for (task, doing) in &failure.board {
        text.push_str(&format!("  {task:<width$}  {doing}\n"));
    }
    if failure.is_deadlock() {
        text.push_str(
            "Nothing left can wake the tasks that wait: a wake-up was lost between a look at the queue and the \
             wait, or tasks wait for each other.\n",
        );
    }
    match &failure.schedule {
        Some(schedule) => text.push_str(&format!(
            "Replay that ordering, the same way every time:\n  cargo xtask explore {lesson} --replay {}:{schedule}\n",
            scenario.name
        )),
        None => text.push_str("(shuttle wrote no schedule down for it: it cannot be replayed)\n"),
    }
    text
}

/// What went wrong, in a phrase.
pub fn what_went_wrong(failure: &Failure) -> String {
    if failure.is_deadlock() {
        "no task could go on, and the ones that wait would wait for ever".to_string()
    } else if failure.message.contains("subtract with overflow") {
        "the count of unfinished items went below zero: a receipt was dropped for an item not yet counted"
            .to_string()
    } else if failure.message.contains("exceeded") && failure.message.contains("step") {
        "a task never stopped running: a loop that never waits".to_string()
    } else {
        failure.message.clone()
    }
}

/// `1000000` as `1,000,000`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}
