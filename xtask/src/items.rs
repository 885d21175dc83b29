//! The Python lesson's 21 items (its Focus, Alter it, Break it, Fix it, Explain it and Mastery check), and what
//! in the course checks each: a lesson's check, an exercise of its catalogue, or a quiz. `cargo xtask list`
//! shows the map, and a test holds every entry to an exercise, a quiz or a lesson that exists.

/// What checks an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedBy {
    /// A lesson's check: its runs, its promises and its tests (`cargo xtask check N`).
    Lesson(u32),
    /// An exercise of a lesson's catalogue, which `cargo xtask check N` recognises.
    Exercise(u32, &'static str),
    /// A quiz (`cargo xtask quiz ID`).
    Quiz(&'static str),
}

/// One item of the Python lesson.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    /// Its section and number: `Alter it 1`.
    pub item: &'static str,
    /// What it asks, in a few words.
    pub asks: &'static str,
    /// What checks it.
    pub checked_by: CheckedBy,
}

/// The 21 items, in the Python lesson's order.
pub const ITEMS: [Item; 21] = [
    Item { item: "Focus 1", asks: "a queue between tasks", checked_by: CheckedBy::Lesson(1) },
    Item { item: "Focus 2", asks: "producer and consumers", checked_by: CheckedBy::Lesson(1) },
    Item { item: "Focus 3", asks: "a pool of workers", checked_by: CheckedBy::Quiz("alter-it-1") },
    Item { item: "Focus 4", asks: "a shutdown with sentinels", checked_by: CheckedBy::Lesson(1) },
    Item { item: "Alter it 1", asks: "1 worker, then 10", checked_by: CheckedBy::Quiz("alter-it-1") },
    Item {
        item: "Alter it 2",
        asks: "a priority queue",
        checked_by: CheckedBy::Exercise(4, "mastery-no-sequence"),
    },
    Item {
        item: "Alter it 3",
        asks: "a dead-letter queue",
        checked_by: CheckedBy::Exercise(5, "mastery-worker-sleeps"),
    },
    Item { item: "Break it 1", asks: "no sentinels", checked_by: CheckedBy::Lesson(2) },
    Item { item: "Break it 2", asks: "a queue of one", checked_by: CheckedBy::Quiz("break-it-2") },
    Item { item: "Break it 3", asks: "a worker that raises", checked_by: CheckedBy::Lesson(2) },
    Item { item: "Fix it 1", asks: "a clean shutdown", checked_by: CheckedBy::Exercise(2, "fix-it-1") },
    Item { item: "Fix it 2", asks: "queue.join()", checked_by: CheckedBy::Lesson(3) },
    Item {
        item: "Fix it 3",
        asks: "the pool survives a failure",
        checked_by: CheckedBy::Exercise(2, "fix-it-3-errors"),
    },
    Item { item: "Explain it 1", asks: "a queue, not a list", checked_by: CheckedBy::Quiz("explain-it-1") },
    Item { item: "Explain it 2", asks: "why a sentinel", checked_by: CheckedBy::Quiz("explain-it-2") },
    Item {
        item: "Explain it 3",
        asks: "maxsize and the producer",
        checked_by: CheckedBy::Quiz("explain-it-3"),
    },
    Item {
        item: "Explain it 4",
        asks: "the pattern on threads",
        checked_by: CheckedBy::Quiz("explain-it-4"),
    },
    Item { item: "Mastery 1", asks: "a producer feeding a queue", checked_by: CheckedBy::Lesson(1) },
    Item {
        item: "Mastery 2",
        asks: "workers that run at once",
        checked_by: CheckedBy::Exercise(1, "alter-it-5"),
    },
    Item {
        item: "Mastery 3",
        asks: "a graceful shutdown",
        checked_by: CheckedBy::Exercise(1, "mastery-one-sentinel-fewer"),
    },
    Item { item: "Mastery 4", asks: "when to use the pattern", checked_by: CheckedBy::Quiz("mastery-when") },
];

impl CheckedBy {
    /// The runner's command that checks it, without `cargo xtask`: `check 2: fix-it-1`, `quiz alter-it-1`.
    pub fn command(self) -> String {
        match self {
            CheckedBy::Lesson(number) => format!("check {number}"),
            CheckedBy::Exercise(number, id) => format!("check {number}: {id}"),
            CheckedBy::Quiz(id) => format!("quiz {id}"),
        }
    }
}

/// The map, for `cargo xtask list`: a line per item.
pub fn render() -> String {
    let mut text = format!(
        "The Python lesson's {count} items: {count} of {count} checkable, with `cargo xtask ...`:\n",
        count = ITEMS.len()
    );
    for item in &ITEMS {
        text.push_str(&format!("  {:<12} {:<28} {}\n", item.item, item.asks, item.checked_by.command()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::workspace::Workspace;

    #[test]
    fn every_item_is_checked_by_something_that_exists_and_counts() {
        let course = Workspace::course();
        let lessons = crate::lessons::load(&course.root).unwrap();
        for item in &ITEMS {
            match item.checked_by {
                CheckedBy::Lesson(number) => {
                    assert!(
                        lessons.iter().any(|lesson| lesson.number == number),
                        "{}: no lesson {number}",
                        item.item
                    )
                }
                CheckedBy::Exercise(number, id) => {
                    let lesson = lessons.iter().find(|lesson| lesson.number == number).unwrap();
                    let catalogue = Catalogue::load(&course.root, lesson).unwrap();
                    let exercise = catalogue.exercises.iter().find(|exercise| exercise.id == id);
                    let exercise = exercise
                        .unwrap_or_else(|| panic!("{}: no exercise {id} in lesson {number}", item.item));
                    assert!(
                        crate::progress::credit_due(exercise).is_some_and(|due| due),
                        "{}: {id} is not an exercise the check credits",
                        item.item
                    );
                }
                CheckedBy::Quiz(id) => assert!(crate::quiz::find(id).is_ok(), "{}: no quiz {id}", item.item),
            }
        }
        let sections = ["Focus", "Alter it", "Break it", "Fix it", "Explain it", "Mastery"];
        let counts: Vec<usize> = sections
            .iter()
            .map(|section| ITEMS.iter().filter(|item| item.item.starts_with(section)).count())
            .collect();
        assert_eq!(counts, [4, 3, 3, 3, 4, 4], "the Python lesson's sections");
    }

    #[test]
    fn the_map_fits_in_80_columns() {
        for line in render().lines() {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
    }
}
