//! `cargo xtask list`, and `cargo xtask` alone: the lessons, in order, what each teaches, and where you are:
//! ✓ a lesson done, ▸ the one you are on, with the exercises of it you have done.

use crate::catalogue::Catalogue;
use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::progress::Progress;
use crate::workspace::{Workspace, print, wrap};

/// `cargo xtask list`.
pub fn run() -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let catalogues =
        lessons.iter().map(|lesson| Catalogue::load(&course.root, lesson)).collect::<Result<Vec<_>, _>>()?;
    print(&render(&lessons, &catalogues, &Progress::load(&course.root)));
    Ok(0)
}

/// The text of `cargo xtask list`, within 80 columns.
pub fn render(lessons: &[Lesson], catalogues: &[Catalogue], progress: &Progress) -> String {
    let mut text = String::from("The lessons of the course, in order (✓ done, ▸ the one you are on):\n\n");
    let current = lessons.iter().find(|lesson| !progress.is_done(lesson)).map(|lesson| lesson.number);
    for (lesson, catalogue) in lessons.iter().zip(catalogues) {
        let mark = if progress.is_done(lesson) {
            '✓'
        } else if Some(lesson.number) == current {
            '▸'
        } else {
            ' '
        };
        text.push_str(&format!("{mark} {}  {:<20}  {}\n", lesson.number, lesson.crate_name, lesson.title));
        for line in wrap(&format!("teaches {}", lesson.teaches), 80 - 27) {
            text.push_str(&format!("{:27}{line}\n", ""));
        }
        if Some(lesson.number) == current {
            let exercises = progress.exercises_of(lesson, catalogue);
            let done = exercises.iter().filter(|(_, done)| *done).count();
            let line = format!(
                "exercises done: {done} of {}{}",
                exercises.len(),
                if exercises.is_empty() { String::new() } else { format!(" ({})", marks(&exercises)) }
            );
            for line in wrap(&line, 80 - 27) {
                text.push_str(&format!("{:27}{line}\n", ""));
            }
        }
    }
    text.push('\n');
    text.push_str(&crate::items::render());
    match current {
        Some(number) => text.push_str(&format!(
            "\nGo on with `cargo xtask lesson {number}`; `cargo xtask check {number}` marks what you have done.\n"
        )),
        None => text.push_str("\nEvery lesson is done.\n"),
    }
    text
}

/// The exercises of a lesson, each with its mark: `✓ fix-it-1, · fix-it-3-errors`.
fn marks(exercises: &[(String, bool)]) -> String {
    let marked: Vec<String> =
        exercises.iter().map(|(id, done)| format!("{} {id}", if *done { '✓' } else { '·' })).collect();
    marked.join(", ")
}
