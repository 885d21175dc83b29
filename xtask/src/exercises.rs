//! `cargo xtask exercises`: the exercises of every lesson that edit code; with `--verify`, the proof that
//! each gets the verdict its catalogue promises.
//!
//! As rustlings proves its exercises (its `dev check`), the verification applies each exercise's patch to a
//! copy of the course and runs the self-check on it: the lesson as shipped must pass (the broken lesson: with
//! every break remaining), and every patch must get its verdict, with the words the catalogue says it shows.
//! It also checks that every exercise a lesson text marks has an entry, and every entry its mark.
//!
//! The copies share one target folder of their own (`target/exercises/target`), so that each patch is an
//! incremental build, and the course's own programs in `target/debug` are never overwritten by a copy's.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::catalogue::{Catalogue, Exercise, Expected};
use crate::check::{self, Tests, Verdict};
use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::workspace::{self, Workspace, print, run_git};

/// The mark of an exercise in a lesson text: `<!-- exercise: alter-it-4 -->`.
const MARK: &str = "<!-- exercise: ";

/// `cargo xtask exercises [N] [--verify]`.
pub fn run(wanted: Option<&str>, verify: bool) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let chosen: Vec<&Lesson> = match wanted {
        Some(wanted) => vec![lessons::find(&lessons, wanted)?],
        None => lessons.iter().collect(),
    };
    if !verify {
        for lesson in &chosen {
            print(&list(lesson, &Catalogue::load(&course.root, lesson)?));
        }
        print("Prove every verdict: `cargo xtask exercises --verify`.\n");
        return Ok(0);
    }

    let copy = Workspace {
        root: course.target.join("exercises/workspace"),
        target: course.target.join("exercises/target"),
    };
    print(&format!("Copying the course to {} ...\n", copy.root.display()));
    let mut failures = 0;
    let mut verified = 0;
    for lesson in chosen {
        let catalogue = Catalogue::load(&course.root, lesson)?;
        for mistake in marks_without_entries(&course, lesson, &catalogue)? {
            print(&format!("FAIL {mistake}\n"));
            failures += 1;
        }
        fresh_copy(&course.root, &copy.root)?;
        let shipped = if catalogue.breaks.is_empty() { Expected::Ok } else { Expected::Fixed(Vec::new()) };
        let as_shipped = Exercise {
            id: "as-shipped".to_string(),
            title: "the lesson as it is shipped".to_string(),
            verdict: shipped,
            ..Exercise::default()
        };
        let exercises = std::iter::once(&as_shipped).chain(&catalogue.exercises);
        for exercise in exercises {
            if crate::interrupt::pressed() {
                return Err(Failure::Interrupted(format!(
                    "Stopped by Ctrl-C while verifying lesson {}'s exercises.",
                    lesson.number
                )));
            }
            restore_lesson(&course.root, &copy.root, lesson)?;
            if !exercise.patch.is_empty() {
                apply_patch(&course.root.join("lessons/exercises").join(&exercise.patch), &copy.root)?;
            }
            let tests = if exercise.runs_only { Tests::None } else { Tests::Lesson };
            let verdict = check::judge(&copy, lesson, &catalogue, tests)?;
            let text = verdict.render(lesson);
            let mut problems = compare(exercise, &verdict, &text);
            // The change is credited to an exercise, or to none if it is a wrong fix: a wrong fix is never taken
            // for an exercise whose words its verdict happens to show too.
            let due = crate::progress::credit_due(exercise)
                .filter(|_| problems.is_empty() && !exercise.patch.is_empty());
            if let Some(due) = due {
                let credited = crate::progress::Progress::default().note(lesson, &catalogue, &verdict, &text);
                match (due, credited) {
                    (true, None) => problems.push("the check credits no exercise for it".to_string()),
                    (false, Some(id)) => {
                        problems.push(format!("the check credits `{id}` for this wrong fix"))
                    }
                    _ => {}
                }
            }
            if exercise.replays && problems.is_empty() {
                problems.extend(replays_the_same_story(&copy, lesson)?);
            }
            verified += 1;
            if problems.is_empty() {
                print(&format!(
                    "ok   lesson {} {}: {}\n",
                    lesson.number,
                    exercise.id,
                    describe(&exercise.verdict)
                ));
            } else {
                failures += 1;
                print(&format!("FAIL lesson {} {} ({}):\n", lesson.number, exercise.id, exercise.title));
                for problem in problems {
                    print(&format!("       - {problem}\n"));
                }
                print(&format!("     The verdict was:\n{}", indent(&text)));
            }
        }
    }
    if failures == 0 {
        print(&format!("Every exercise gets the verdict its catalogue promises ({verified} checked).\n"));
        Ok(0)
    } else {
        print(&format!("{failures} of the catalogue's promises are not kept.\n"));
        Ok(1)
    }
}

/// How many times [`replays_the_same_story`] replays an ordering.
const REPLAYS: usize = 10;

/// For an exercise with `verify: replays`: runs `cargo xtask explore N` in the copy, as a learner would, and
/// the replay command it prints, ten times. Returns what went wrong: no failing ordering found within the
/// first thousand, no replay command, or a replay that told another story.
fn replays_the_same_story(copy: &Workspace, lesson: &Lesson) -> Result<Vec<String>, String> {
    let explore = |flags: &[&str]| -> Result<(String, Option<i32>), String> {
        let runner = std::env::current_exe().map_err(|error| format!("cannot find the runner: {error}"))?;
        let output = Command::new(runner)
            .args(["explore", &lesson.number.to_string()])
            .args(flags)
            .env(workspace::COURSE_ROOT, &copy.root)
            .env("CARGO_TARGET_DIR", &copy.target)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|error| format!("cannot start the runner: {error}"))?;
        Ok((String::from_utf8_lossy(&output.stdout).into_owned(), output.status.code()))
    };
    // What the explorer tells of the ordering, after the line that names it: the same every time, but for the
    // ordering's number (the replay runs it as its first).
    let story = |printed: &str| {
        let story = printed
            .split_once("(broken in ordering ")
            .and_then(|(_, rest)| rest.split_once('\n'))
            .map_or("", |(_, story)| story);
        let mut pieces = story.split("ordering ");
        let first = pieces.next().unwrap_or_default().to_string();
        pieces.fold(first, |told, piece| {
            told + "ordering N" + piece.trim_start_matches(|c: char| c.is_ascii_digit())
        })
    };
    let (found, status) = explore(&[])?;
    let ordering = found
        .split("(broken in ordering ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|number| number.replace(',', "").parse::<usize>().ok());
    let replay = found.lines().find_map(|line| {
        line.trim()
            .strip_prefix(&format!("cargo xtask explore {} --replay ", lesson.number))
            .map(str::to_string)
    });
    let (Some(ordering), Some(replay), Some(1), false) =
        (ordering, replay, status, story(&found).trim().is_empty())
    else {
        return Ok(vec![format!(
            "`cargo xtask explore {}` found no ordering to replay:\n{found}",
            lesson.number
        )]);
    };
    let mut problems = Vec::new();
    if ordering > 1_000 {
        problems.push(format!("the explorer found the bug only in ordering {ordering}, not within 1,000"));
    }
    for _ in 0..REPLAYS {
        let (again, status) = explore(&["--replay", &replay])?;
        if status != Some(1) || story(&again) != story(&found) {
            problems.push(format!("a replay of ordering {ordering} told another story:\n{again}"));
            break;
        }
    }
    Ok(problems)
}

/// The lines of `cargo xtask exercises` for one lesson.
fn list(lesson: &Lesson, catalogue: &Catalogue) -> String {
    let mut text = format!("Lesson {} ({}):\n", lesson.number, lesson.crate_name);
    for exercise in &catalogue.exercises {
        text.push_str(&format!("  {:<24} {:<14} {}\n", exercise.id, exercise.place, exercise.title));
    }
    text
}

/// What differs between what the catalogue promises for `exercise` and the verdict it got.
fn compare(exercise: &Exercise, verdict: &Verdict, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let kind = verdict.kind();
    if !exercise.verdict.accepts(&kind) {
        problems.push(format!("the verdict should be {}, and it is {kind:?}", describe(&exercise.verdict)));
    }
    // The words the check recognises the exercise by: in what broke, if it broke (`Verdict::evidence`).
    let evidence = verdict.evidence(text);
    for words in &exercise.says {
        if !crate::catalogue::says(&evidence, words) {
            problems.push(format!("the verdict should say {words:?}"));
        }
    }
    problems
}

/// The expected verdict in words.
fn describe(expected: &Expected) -> String {
    match expected {
        Expected::Ok => "ok".to_string(),
        Expected::Changed => "changed, every promise kept".to_string(),
        Expected::Broken => "broken, the symptom named".to_string(),
        Expected::DoesNotBuild => "does not build".to_string(),
        Expected::Fixed(fixed) if fixed.is_empty() => "every break remaining".to_string(),
        Expected::Fixed(fixed) => format!("fixed: {}", fixed.join(", ")),
    }
}

/// The exercises a lesson text marks that have no entry in its catalogue, and the entries that no mark
/// names (but those of the self-check itself).
pub fn marks_without_entries(
    course: &Workspace,
    lesson: &Lesson,
    catalogue: &Catalogue,
) -> Result<Vec<String>, String> {
    let path = lesson.text_path();
    let text = std::fs::read_to_string(course.file(&path))
        .map_err(|error| format!("cannot read {path}: {error}"))?;
    let marked = marks(&text);
    let mut mistakes = Vec::new();
    for id in &marked {
        match catalogue.exercise(id) {
            None => mistakes.push(format!(
                "{path} marks the exercise `{id}`, which {} does not have",
                Catalogue::path(lesson)
            )),
            Some(exercise) if !course.root.join("lessons/exercises").join(&exercise.patch).is_file() => {
                mistakes.push(format!(
                    "the exercise `{id}` of lesson {} has no patch {}",
                    lesson.number, exercise.patch
                ));
            }
            Some(_) => {}
        }
    }
    for exercise in &catalogue.exercises {
        if exercise.place != "self-check" && !marked.contains(&exercise.id) {
            mistakes.push(format!(
                "{} has the exercise `{}`, which {path} does not mark",
                Catalogue::path(lesson),
                exercise.id
            ));
        }
    }
    Ok(mistakes)
}

/// The exercises a lesson text marks, in order.
pub fn marks(text: &str) -> Vec<String> {
    text.match_indices(MARK)
        .filter_map(|(at, _)| text[at + MARK.len()..].split_once(" -->").map(|(id, _)| id.trim().to_string()))
        .collect()
}

/// What a copy of the course needs: the workspace's files, without what cargo builds or git keeps.
const COPIED: [&str; 6] = ["Cargo.toml", "Cargo.lock", "rustfmt.toml", ".cargo", "crates", "xtask"];

/// Makes `copy` a fresh copy of the course's sources and lessons: a course to edit, as a learner would.
pub fn fresh_copy(course: &Path, copy: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(copy);
    for entry in COPIED.iter().chain(&["lessons"]) {
        copy_tree(&course.join(entry), &copy.join(entry))?;
    }
    // A copy builds each change once, to judge it: the compiler's incremental cache, which speeds up a
    // learner's next small change, would only take up space (close to a gigabyte).
    let config = copy.join(".cargo/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str("\n# The runner's copy of the course (`xtask/src/exercises.rs`): no incremental cache.\n[build]\nincremental = false\n");
    std::fs::write(&config, text).map_err(|error| format!("cannot write {}: {error}", config.display()))
}

/// Puts a lesson's crate and texts back in the copy as they are in the course, before the next patch.
fn restore_lesson(course: &Path, copy: &Path, lesson: &Lesson) -> Result<(), String> {
    for entry in [lesson.crate_path(), "lessons".to_string()] {
        let _ = std::fs::remove_dir_all(copy.join(&entry));
        copy_tree(&course.join(&entry), &copy.join(&entry))?;
    }
    Ok(())
}

/// Copies a file, or a folder and everything in it.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let mistake =
        |error: std::io::Error| format!("cannot copy {} to {}: {error}", from.display(), to.display());
    if from.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(mistake)?;
        }
        std::fs::copy(from, to).map_err(mistake)?;
        return Ok(());
    }
    std::fs::create_dir_all(to).map_err(mistake)?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .map_err(mistake)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(mistake)?;
    entries.sort();
    for entry in entries {
        let name = entry.file_name().unwrap_or_default();
        // Generated files a test may leave behind are not part of the course.
        if name.to_string_lossy().ends_with(".snap.new") || name == "target" {
            continue;
        }
        copy_tree(&entry, &to.join(name))?;
    }
    Ok(())
}

/// Applies a patch to the copy, as `git apply` does outside a repository.
pub fn apply_patch(patch: &Path, copy: &Path) -> Result<(), String> {
    // The copy lives inside the course's own repository (under `target/`); without a ceiling, git would take
    // the patch's paths as relative to that repository.
    let ceiling = copy.parent().unwrap_or(copy);
    let mut apply = workspace::git(copy);
    apply.env("GIT_CEILING_DIRECTORIES", ceiling).args(["apply", "--whitespace=nowarn"]).arg(patch);
    run_git(&mut apply, false)
        .map_err(|error| format!("the patch {} no longer applies to the lesson: {error}", patch.display()))?;
    Ok(())
}

/// `text` indented under a line.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("       {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_read_in_order() {
        let text = "1. **Alter.** <!-- exercise: alter-it-4 --> Remove...\n2. <!-- exercise: fix-1 -->\n";
        assert_eq!(marks(text), ["alter-it-4", "fix-1"]);
    }
}
