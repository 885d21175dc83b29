//! `cargo xtask list`, and `cargo xtask` alone: the lessons, in order, and what each teaches.

use crate::lessons::{self, Lesson};
use crate::workspace::{Workspace, print, wrap};

/// `cargo xtask list`.
pub fn run() -> Result<u8, String> {
    let lessons = lessons::load(&Workspace::course().root)?;
    print(&render(&lessons));
    Ok(0)
}

/// The text of `cargo xtask list`, within 80 columns.
pub fn render(lessons: &[Lesson]) -> String {
    let mut text = String::from("The lessons of the course, in order:\n\n");
    for lesson in lessons {
        text.push_str(&format!("  {}  {:<20}  {}\n", lesson.number, lesson.crate_name, lesson.title));
        for line in wrap(&format!("teaches {}", lesson.teaches), 80 - 27) {
            text.push_str(&format!("{:27}{line}\n", ""));
        }
    }
    text.push_str("\nStart with `cargo xtask lesson 1`; each lesson's text is in lessons/.\n");
    text
}
