//! Ctrl-C on a wall-clock run, sent as a real signal to the real program: the first stops the producer and
//! lets the workers finish what was made, with a summary that counts what was never made; the second stops
//! at once. (A wall-clock run of lesson 1 ends by itself in about five seconds, so neither test can hang.)

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use lesson_support::testing::Summary;

/// Starts lesson 1 on the wall clock and waits until it has added its third job (the first line that names
/// it, whatever its words).
fn start_and_wait_for_the_third_job() -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baseline"))
        .args(["--real-time", "--jobs", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lesson starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut seen = String::new();
    while !seen.contains("process_item_3") {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("stdout is readable") == 0 {
            panic!("the lesson ended before its third job:\n{seen}");
        }
        seen.push_str(&line);
    }
    child.stdout = Some(stdout.into_inner());
    (child, seen)
}

/// Sends Ctrl-C's signal, SIGINT, to `child`.
fn ctrl_c(child: &Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
}

/// Waits for `child` and returns its exit code, the rest of its standard output, and its standard error.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let mut stdout = String::new();
    let mut stderr = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap().code(), stdout, stderr)
}

#[test]
fn the_first_ctrl_c_stops_the_producer_and_accounts_for_every_job() {
    let (child, seen) = start_and_wait_for_the_third_job();
    ctrl_c(&child);
    let (code, rest, stderr) = finish(child);
    let output = seen + &rest;
    assert_eq!(code, Some(130), "{output}\n{stderr}");
    assert!(
        output.contains("[Ctrl-C] Stopping: the job in hand is still added, then no more are made"),
        "{output}"
    );
    let summary = Summary::of(&format!("{output}[exit status 130]\n"));
    assert_eq!(summary.lost, 0, "nothing made may be lost:\n{output}");
    assert!(summary.produced < 20, "the producer stopped early:\n{output}");
    assert_eq!(summary.shut_down, (5, 5), "every task shuts down:\n{output}");
    assert!(output.contains("Exit status 130: interrupted by Ctrl-C:"), "{output}");
    assert!(output.contains("jobs were never made"), "{output}");
}

#[test]
fn a_second_ctrl_c_stops_at_once() {
    let (child, _) = start_and_wait_for_the_third_job();
    ctrl_c(&child);
    // The second signal must come after the first was handled, or the two could count as one.
    let (code, output, stderr) = second_ctrl_c_after_the_first_is_seen(child);
    assert_eq!(code, Some(130), "{output}\n{stderr}");
    assert!(stderr.contains("[Ctrl-C] Stopped at once"), "{stderr}");
    assert!(!output.contains("--- Summary ---"), "a second Ctrl-C stops before the summary:\n{output}");
}

/// Waits until the program says it handled the first Ctrl-C, sends the second, and finishes.
fn second_ctrl_c_after_the_first_is_seen(mut child: Child) -> (Option<i32>, String, String) {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut output = String::new();
    while !output.contains("[Ctrl-C] Stopping") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        output.push_str(&line);
    }
    ctrl_c(&child);
    child.stdout = Some(stdout.into_inner());
    let (code, rest, stderr) = finish(child);
    (code, output + &rest, stderr)
}
