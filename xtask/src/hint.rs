//! `cargo xtask hint N`: the next hint for the exercise of lesson N that is not done yet, one at a time.
//!
//! Hints come from the lesson's exercise catalogue, in order: a nudge first, the shape of the answer last,
//! never the answer first. Which hints were shown is kept in the progress file, so that the next call gives
//! the next one.

use crate::catalogue::Catalogue;
use crate::failure::Failure;
use crate::lessons;
use crate::progress::Progress;
use crate::workspace::{Workspace, print};

/// `cargo xtask hint N`.
pub fn run(wanted: &str) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    let catalogue = Catalogue::load(&course.root, lesson)?;
    let mut progress = Progress::load(&course.root);
    print(&next_hint(lesson, &catalogue, &mut progress));
    progress.save(&course.root);
    Ok(0)
}

/// The next hint of the lesson's current exercise, and the count of hints shown moved on.
pub fn next_hint(lesson: &lessons::Lesson, catalogue: &Catalogue, progress: &mut Progress) -> String {
    let Some(exercise) = progress.current(lesson, catalogue) else {
        return format!(
            "Every exercise of lesson {} with hints is done. `cargo xtask check {}` says where the lesson stands.\n",
            lesson.number, lesson.number
        );
    };
    let shown = progress.hints.entry((lesson.number, exercise.id.clone())).or_insert(0);
    let total = exercise.hints.len();
    let text = match exercise.hints.get(*shown) {
        Some(hint) => {
            *shown += 1;
            let more = if *shown < total { " `cargo xtask hint` again for the next." } else { "" };
            format!(
                "{} ({}), hint {} of {total}:\n  {hint}\n{more}\n",
                exercise.place, exercise.title, *shown
            )
        }
        None => format!(
            "{} ({}): that was every hint. The lesson's text explains the answer; `cargo xtask check {}` judges yours.\n",
            exercise.place, exercise.title, lesson.number
        ),
    };
    text.replace("\n\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_come_one_at_a_time_then_say_there_are_no_more() {
        let lesson = lessons::parse("1 | baseline | t | x\n").unwrap().remove(0);
        let catalogue = Catalogue::parse(
            "exercise: a\n  title: Do it\n  where: Alter it 1\n  patch: p\n  verdict: changed\n  hint: first\n  hint: second\n",
        )
        .unwrap();
        let mut progress = Progress::default();
        assert!(next_hint(&lesson, &catalogue, &mut progress).contains("hint 1 of 2:\n  first\n"));
        let second = next_hint(&lesson, &catalogue, &mut progress);
        assert!(second.contains("hint 2 of 2:\n  second\n") && !second.contains("again"), "{second}");
        assert!(next_hint(&lesson, &catalogue, &mut progress).contains("that was every hint"));
        progress.exercises.insert((1, "a".to_string()));
        assert!(next_hint(&lesson, &catalogue, &mut progress).starts_with("Every exercise of lesson 1"));
    }
}
