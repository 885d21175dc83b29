//! What a run does when its output cannot be written: a full disk (`/dev/full`), or a pipe whose reader has
//! gone (`| head -1`). It says why on standard error and ends with status 1, never 0 and never a panic; and it
//! stops making jobs, instead of running to its end for no one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The lesson's program, as cargo built it for these tests.
const LESSON: &str = env!("CARGO_BIN_EXE_baseline");

#[test]
fn a_full_disk_is_said_and_fails_the_run() {
    let full =
        std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full, as on every Linux");
    let output = Command::new(LESSON).arg("--instant").stdout(full).output().expect("the lesson runs");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("error: cannot write to standard output (No space left on device"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}

/// On the wall clock, a thousand jobs would take minutes: the run must stop making jobs once its reader has
/// gone, and say so. The test asserts the status and the message, not a time: a run that ignored the closed
/// pipe would end with status 0, minutes later.
#[test]
fn a_reader_that_goes_away_stops_the_run() {
    let mut lesson = Command::new(LESSON)
        .args(["--real-time", "--jobs", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lesson runs");
    let mut first_line = String::new();
    BufReader::new(lesson.stdout.take().expect("a pipe")).read_line(&mut first_line).expect("a line");
    assert!(first_line.starts_with("--- Producer-Consumer"), "{first_line}");
    // The reader is dropped here: the pipe's reading end is closed, as when `head -1` exits.
    let output = lesson.wait_with_output().expect("the lesson ends");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("error: standard output was closed before the run ended"), "{said}");
    assert!(said.contains("; the run stopped making jobs then ("), "{said}");
}
