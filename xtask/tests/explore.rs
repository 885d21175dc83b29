//! `cargo xtask explore`, as a learner runs it. The planted lost wake-up of lesson 4's exercise, found and
//! replayed ten times out of ten, is proved by `cargo xtask exercises --verify` (its catalogue entry says
//! `verify: replays`), which builds the explorer against a copy of the course anyway: here, it would cost every
//! `cargo test` a build of shuttle in a target folder of its own, about fifty seconds on two cores.

use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

#[test]
fn a_lesson_with_no_hand_written_queue_is_refused_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["explore", "1"])
        .env(xtask::workspace::COURSE_ROOT, workspace())
        .output()
        .expect("the runner runs");
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(printed.contains("lessons 3, 4, 5 and 8 have one"), "{printed}");
}

/// The explorer's flags, which the runner passes on: a mistake is refused in one line that names the flag and
/// what it accepts.
#[test]
fn the_explorer_s_flag_mistakes_name_what_is_accepted() {
    let mistake = |args: &[&str]| {
        let refused = <explorer::cli::Arguments as clap::Parser>::try_parse_from(args).expect_err("refused");
        assert_eq!(refused.exit_code(), 2, "{refused}");
        lesson_support::one_line_mistake(&refused)
    };
    let said = mistake(&["explorer", "4", "--iterations", "0"]);
    assert!(said.contains("'--iterations <N>'") && said.contains("1..=1000000"), "{said}");
    assert_eq!(
        mistake(&["explorer", "4", "--scheduler", "nonsense"]),
        "error: invalid value 'nonsense' for '--scheduler <SCHEDULER>': expected one of random, pct (see --help)"
    );
}
