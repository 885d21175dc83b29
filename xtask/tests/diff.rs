//! `cargo xtask diff`, rendered here from the same functions the command uses, with the lessons run in this
//! process: the lesson's lines first, what is not the lesson in one line, and the diff of the queue files
//! where lessons share one.

mod common;

use xtask::diff::{Sources, render};
use xtask::lessons;
use xtask::workspace::Workspace;

/// What `cargo xtask diff A B` prints (without colour, as when piped), and the lesson crates' names.
fn diff(first: &str, second: &str, all: bool) -> String {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root).unwrap();
    let (old, new) = (lessons::find(&lessons, first).unwrap(), lessons::find(&lessons, second).unwrap());
    let run = |name: &str| {
        let (_, run) = common::lessons().into_iter().find(|(crate_name, _)| *crate_name == name).unwrap();
        run(&[])
    };
    render(
        old,
        new,
        &[],
        &Sources::read(&course, &format!("{}/src", old.crate_path())).unwrap(),
        &Sources::read(&course, &format!("{}/src", new.crate_path())).unwrap(),
        &run(&old.crate_name),
        &run(&new.crate_name),
        all,
    )
}

#[test]
fn diff_2_3_tells_the_story_of_the_fixes() {
    let text = diff("2", "3", false);
    for fix in ["Fix it 1", "Fix it 2", "Fix it 3"] {
        assert!(text.contains(&format!("// FIXED ({fix})")), "the diff should show {fix}:\n{text}");
    }
    assert!(text.contains("-The watchdog stopped the run"), "{text}");
    assert!(text.contains("+Exit status 0"), "{text}");
    assert!(text.contains("Also changed, and not the lesson: main.rs"), "{text}");
    let lines = text.lines().count();
    assert!(lines <= 220, "diff 2 3 should stay within a few screens, not {lines} lines:\n{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn diff_3_4_diffs_the_queue_files() {
    let text = diff("3", "4", false);
    assert!(
        text.contains("--- crates/fixed-join/src/queue.rs\n+++ crates/priority/src/queue.rs\n"),
        "{text}"
    );
    let new_files: Vec<&str> = text.lines().filter(|line| line.contains("a new file of")).collect();
    assert_eq!(
        new_files,
        ["crates/priority/src/report.rs: a new file of 74 lines; read it whole"],
        "every file of lesson 4 but its report has its twin in lesson 3:\n{text}"
    );
}

#[test]
fn all_shows_what_is_not_the_lesson_too() {
    let (focused, all) = (diff("2", "3", false), diff("2", "3", true));
    assert!(!focused.contains("+    heading: \"Producer-Consumer with a joinable queue\""), "{focused}");
    assert!(all.contains("+    heading: \"Producer-Consumer with a joinable queue\""), "{all}");
    assert!(all.contains("crates/fixed-join/src/main.rs") && !all.contains("Also changed"), "{all}");
}
