//! `cargo xtask explore`, as a learner runs it on lesson 4's queue with the lost wake-up of its exercise
//! planted: the explorer finds it within its thousand orderings, and the command it prints replays it, the
//! same way, ten times out of ten.

use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// Runs the runner in the copy of the course at `copy`, and returns what it printed and its status.
fn xtask(copy: &PathBuf, args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env(xtask::workspace::COURSE_ROOT, copy)
        // The copy builds in the target folder of the exercises' verification, never in the course's own.
        .env("CARGO_TARGET_DIR", workspace().join("target/exercises/target"))
        .env("CARGO", env!("CARGO"))
        .output()
        .expect("the runner runs");
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (printed, output.status.code().unwrap_or(-1))
}

#[test]
fn the_planted_lost_wake_up_is_found_and_its_ordering_replays_ten_times_out_of_ten() {
    let copy = std::env::temp_dir().join(format!("course-explore-{}", std::process::id()));
    xtask::exercises::fresh_copy(&workspace(), &copy).unwrap();
    let patch = workspace().join("lessons/exercises/04-priority/explore-lost-wake-up.patch");
    xtask::exercises::apply_patch(&patch, &copy).unwrap();

    let (found, status) = xtask(&copy, &["explore", "4"]);
    assert_eq!(status, 1, "{found}");
    assert!(found.contains("no task could go on"), "{found}");
    assert!(found.contains("waits in get()"), "a consumer waits in get() for ever:\n{found}");
    let ordering: usize = found
        .split("(broken in ordering ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|number| number.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no ordering number:\n{found}"));
    assert!(ordering <= 1_000, "found only in ordering {ordering}");
    let replay = found
        .lines()
        .find_map(|line| line.trim().strip_prefix("cargo xtask explore 4 --replay "))
        .unwrap_or_else(|| panic!("no replay command:\n{found}"))
        .to_string();
    let story = |printed: &str| printed.split("no task could go on").nth(1).unwrap_or_default().to_string();
    for _ in 0..10 {
        let (again, status) = xtask(&copy, &["explore", "4", "--replay", &replay]);
        assert_eq!(status, 1, "{again}");
        assert_eq!(story(&again), story(&found), "the replay told another story");
    }
    let (refused, status) = xtask(&copy, &["explore", "4", "--iterations", "0"]);
    assert_eq!((status, refused.lines().count()), (2, 1), "{refused}");
    assert!(refused.contains("'--iterations <N>'") && refused.contains("1..=1000000"), "{refused}");
    let _ = std::fs::remove_dir_all(&copy);
}

#[test]
fn a_lesson_with_no_hand_written_queue_is_refused_in_one_line() {
    let copy = workspace();
    let (printed, status) = xtask(&copy, &["explore", "1"]);
    assert_eq!(status, 2, "{printed}");
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(printed.contains("lessons 3, 4, 5 and 8 have one"), "{printed}");
}
