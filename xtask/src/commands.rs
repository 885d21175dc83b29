//! What each of the runner's commands does.

use std::io::Write;
use std::process::Command;

use crate::lessons::{self, Lesson};

/// The exit status of a mistake on the command line, as for the lessons.
pub const EXIT_USAGE: u8 = 2;

/// `cargo xtask list`: every lesson, and what to type next.
pub fn list() -> Result<u8, String> {
    let lessons = lessons::load()?;
    print(&render_list(&lessons));
    Ok(0)
}

/// The text of `cargo xtask list`.
pub fn render_list(lessons: &[Lesson]) -> String {
    let mut text = String::from("The lessons of the course, in order:\n\n");
    for lesson in lessons {
        text.push_str(&format!(
            "  {}  {:<20}  {}\n",
            lesson.number, lesson.crate_name, lesson.title
        ));
        text.push_str(&format!("     {:<20}  teaches {}\n", "", lesson.teaches));
    }
    text.push_str("\nStart with `cargo xtask lesson 1`; each lesson's text is in lessons/.\n");
    text
}

/// `cargo xtask lesson N FLAGS…`: the lesson's focus, the run, and what to try next. The status is the
/// lesson's own, so that a broken lesson's failure shows.
pub fn lesson(wanted: &str, flags: &[String]) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let lesson = lessons::find(&lessons, wanted)?;
    let text_path = lessons::workspace_root().join(lesson.text_path());
    let text = std::fs::read_to_string(&text_path)
        .map_err(|error| format!("cannot read {}: {error}", text_path.display()))?;

    print(&introduction(lesson, &text));
    print("\n");
    let status = run_lesson_crate(lesson, flags)?;
    // After a mistake in the flags, the lesson's one-line error is the thing to read, not suggestions.
    if status != EXIT_USAGE {
        print("\n");
        print(&what_next(lesson, &lessons, &text));
    }
    Ok(status)
}

/// What is printed before a lesson runs: its title and its focus.
pub fn introduction(lesson: &Lesson, text: &str) -> String {
    let mut intro = format!("Lesson {}: {}\n", lesson.number, lesson.title);
    for item in lessons::list_items(&lessons::section(text, "Focus")) {
        intro.push_str(&format!("  - {item}\n"));
    }
    intro.push_str(&format!("Running `{}`...\n", lesson.crate_name));
    intro
}

/// What is printed after a lesson ran: what to try next, where to read, which lesson follows.
pub fn what_next(lesson: &Lesson, lessons: &[Lesson], text: &str) -> String {
    let mut next = String::from("Try next (from the lesson's \"Alter it\"):\n");
    for item in lessons::list_items(&lessons::section(text, "Alter it")) {
        next.push_str(&format!("  - {}\n", lessons::headline(item)));
    }
    next.push_str(&format!(
        "Pass flags after the lesson's number: `cargo xtask lesson {} --workers 10`; all flags: `cargo xtask lesson {} --help`.\n",
        lesson.number, lesson.number
    ));
    next.push_str(&format!(
        "Read {} beside the code in {}/src/lib.rs.\n",
        lesson.text_path(),
        lesson.crate_path()
    ));
    match lessons.iter().find(|other| other.number == lesson.number + 1) {
        Some(following) => next.push_str(&format!(
            "When you are ready: `cargo xtask lesson {}` ({}).\n",
            following.number, following.title
        )),
        None => next.push_str("This is the last lesson.\n"),
    }
    next
}

/// Builds and runs the lesson's crate with `flags`, through the same cargo that runs this runner.
fn run_lesson_crate(lesson: &Lesson, flags: &[String]) -> Result<u8, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(lessons::workspace_root())
        .args(["run", "--quiet", "--package", &lesson.crate_name, "--"])
        .args(flags)
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    // A lesson that fails to build has already shown the compiler's message; its status is cargo's own 101.
    Ok(status.code().map_or(1, |code| code.clamp(0, 255) as u8))
}

/// Prints `text` on standard output. A reader that went away (`cargo xtask list | head -3`) is not an error
/// worth a panic, so a failed write is ignored.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}
