//! `cargo xtask lesson N FLAGS…`: a lesson's title, its run with the flags given, and what to do next.
//!
//! The header and the footer are short (at most three and five lines), so that the run itself fills the
//! screen; the exercises are in the lesson's text, and `cargo xtask hint N` gives them one hint at a time.

use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::workspace::{EXIT_USAGE, Workspace, print};

/// The exit status of a lesson that does not compile: a run that failed (the compiler has said why).
const EXIT_DOES_NOT_BUILD: u8 = crate::failure::EXIT_FAILED;
/// The exit status of a lesson stopped by Ctrl-C.
const EXIT_INTERRUPTED: u8 = 130;
/// The exit status of a lesson that could not get what it needs from outside (lesson 9's PostgreSQL).
const EXIT_SET_UP: u8 = 3;

/// `cargo xtask lesson N FLAGS…`. The status is the lesson's own, so that a broken lesson's failure shows.
pub fn run(wanted: &str, flags: &[String]) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    let asks_for_help = flags.iter().any(|flag| flag == "--help" || flag == "-h");
    if !asks_for_help {
        print(&header(lesson));
    }
    let built = course.build_on_terminal(lesson)?;
    // Ctrl-C while cargo builds stops cargo, and the runner, which waits for it, says so; one pressed after
    // the build and before the lesson started would reach no one, so the runner stops there too.
    if crate::interrupt::pressed() {
        eprintln!("Stopped by Ctrl-C before lesson {} ran.", lesson.number);
        return Ok(EXIT_INTERRUPTED);
    }
    if !built {
        // The compiler has said what is wrong; suggestions would only push it off the screen.
        return Ok(EXIT_DOES_NOT_BUILD);
    }
    let status = course.run_on_terminal(lesson, flags)?;
    // After a mistake in the flags, or a set-up that failed, the lesson's one-line error is the thing to
    // read; after Ctrl-C, the summary.
    if !asks_for_help && ![EXIT_USAGE, EXIT_INTERRUPTED, EXIT_SET_UP].contains(&status) {
        print(&footer(lesson, &lessons));
    }
    Ok(status)
}

/// What is printed before a lesson runs: at most three lines.
pub fn header(lesson: &Lesson) -> String {
    let mut text = format!("Lesson {}: {} (read {})\n", lesson.number, lesson.title, lesson.text_path());
    if let Some(earlier) = lesson.builds_on {
        text.push_str(&format!(
            "What changed since lesson {earlier}: `cargo xtask diff {earlier} {}`.\n",
            lesson.number
        ));
    }
    text.push('\n');
    text
}

/// What is printed after a lesson ran: at most five lines.
pub fn footer(lesson: &Lesson, lessons: &[Lesson]) -> String {
    let number = lesson.number;
    let mut text = format!(
        "\nTry the exercises of {}; `cargo xtask watch {number}` checks them on every save, with hints.\n\
         Every flag: `cargo xtask lesson {number} --help`. The run as a chart: add `--timeline`.\n",
        lesson.text_path()
    );
    match lessons.iter().find(|other| other.number == number + 1) {
        Some(next) => {
            text.push_str(&format!("Next: `cargo xtask lesson {}` ({}).\n", next.number, next.title));
        }
        None => text.push_str("This is the last lesson.\n"),
    }
    text
}
