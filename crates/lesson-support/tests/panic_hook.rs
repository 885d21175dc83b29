//! The lesson binaries' panic hook: silent for a deliberate `--panic-job`, and any other panic, such as one in
//! a detached task that nobody awaits, is reported in one line on standard error and fails the run.
//!
//! A test of its own, in a binary of its own: the hook is the whole process's.

use std::process::Command;

/// The test runs itself again as a child, which installs the hook and panics; the parent reads what it said.
#[test]
fn an_unexpected_panic_is_reported_and_a_deliberate_one_is_not() {
    if std::env::var_os("PANIC_HOOK_CHILD").is_some() {
        lesson_support::testing::install_panic_hook();
        let _ = std::thread::spawn(|| panic!("{}", lesson_support::failures::DELIBERATE_PANIC)).join();
        let _ = std::thread::spawn(|| panic!("a timer's expect failed")).join();
        let reported = lesson_support::testing::take_unexpected_panic();
        println!("reported: {reported:?}");
        return;
    }
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "an_unexpected_panic_is_reported_and_a_deliberate_one_is_not", "--nocapture"])
        .env("PANIC_HOOK_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(stdout.contains("reported: Some(\"a timer's expect failed (at "), "{stdout}\n{stderr}");
    assert!(!stderr.contains("on purpose"), "the deliberate panic is silent:\n{stderr}");
}
