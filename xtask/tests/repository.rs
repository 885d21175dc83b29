//! Checks of the repository itself, run by `cargo test` like any other test: generated text is fresh, every
//! lesson in the list exists, every snapshot belongs to a test.

mod common;

use std::path::Path;

use lesson_support::testing::{ensure_file_contents, workspace_file};
use xtask::catalogue::Catalogue;
use xtask::lessons;
use xtask::workspace::Workspace;

/// The course's lessons, from `lessons/list.txt`.
fn all_lessons() -> Vec<lessons::Lesson> {
    lessons::load(&Workspace::course().root).unwrap()
}

const MAP_BEGINS: &str = "<!-- map of lessons: generated from lessons/list.txt by `cargo test` -->\n";
const MAP_ENDS: &str = "<!-- end of map -->\n";

#[test]
fn the_readme_maps_the_lessons_of_the_list() {
    let lessons = all_lessons();
    let readme = std::fs::read_to_string(workspace_file("README.md")).unwrap();
    let (before, rest) = readme.split_once(MAP_BEGINS).expect("README.md has the opening line of the map");
    let (_, after) = rest.split_once(MAP_ENDS).expect("README.md has the closing line of the map");
    let fresh = format!("{before}{MAP_BEGINS}{}{MAP_ENDS}{after}", lessons::markdown_map(&lessons));
    ensure_file_contents("README.md", &fresh);
}

#[test]
fn every_lesson_in_the_list_has_its_crate_its_text_and_its_picture() {
    for lesson in all_lessons() {
        let manifest = workspace_file(&format!("{}/Cargo.toml", lesson.crate_path()));
        let manifest =
            std::fs::read_to_string(&manifest).unwrap_or_else(|_| panic!("no {}", manifest.display()));
        assert!(manifest.contains(&format!("name = \"{}\"", lesson.crate_name)), "{}", lesson.crate_name);
        for path in [lesson.text_path(), lesson.timeline_path()] {
            assert!(workspace_file(&path).is_file(), "no {path}");
        }
    }
}

/// insta names a snapshot `<test file>__<test function>.snap`. A snapshot whose test is gone would never be
/// checked again, yet would still look like a promise to a reader.
#[test]
fn every_snapshot_belongs_to_a_test() {
    let mut orphans = Vec::new();
    let crates = std::fs::read_dir(workspace_file("crates")).unwrap().map(|entry| entry.unwrap().path());
    for crate_folder in crates.chain([workspace_file("xtask")]) {
        let Ok(snapshots) = std::fs::read_dir(crate_folder.join("tests/snapshots")) else {
            continue;
        };
        for snapshot in snapshots.map(|entry| entry.unwrap().path()) {
            if !snapshot_has_its_test(&crate_folder, &snapshot) {
                orphans.push(snapshot.display().to_string());
            }
        }
    }
    assert!(orphans.is_empty(), "snapshots that no test checks (delete them): {orphans:#?}");
}

fn snapshot_has_its_test(crate_folder: &Path, snapshot: &Path) -> bool {
    let name = snapshot.file_name().unwrap().to_string_lossy();
    let Some((file, test)) = name.strip_suffix(".snap").and_then(|stem| stem.split_once("__")) else {
        return false;
    };
    let source =
        std::fs::read_to_string(crate_folder.join("tests").join(format!("{file}.rs"))).unwrap_or_default();
    source.contains(&format!("fn {test}()"))
        || source.contains("common_lesson_tests!") && lesson_support::testing::COMMON_TESTS.contains(&test)
}

/// Flags of cargo (and `--cfg`, of rustc) that the texts may name.
const CARGO_FLAGS: &[&str] =
    &["--workspace", "--locked", "--all", "--check", "--all-targets", "--package", "--test", "--cfg"];

/// Every `cargo xtask` command, lesson number, crate, flag and file that the README and the lesson texts name
/// must exist: a learner who copies a command from a text must not meet "no such thing".
#[test]
fn the_texts_name_only_what_exists() {
    let lessons = all_lessons();
    let crates: Vec<String> = lessons
        .iter()
        .map(|lesson| lesson.crate_name.clone())
        .chain(["lesson-support", "xtask", "explorer", "threads-loom"].map(str::to_string))
        .collect();
    let mut flags: Vec<String> = CARGO_FLAGS
        .iter()
        .chain(&xtask::sweep::SWEEP_FLAGS)
        .chain(&[xtask::diff::ALL])
        .map(|flag| flag.to_string())
        .collect();
    for help in common::lessons().into_iter().map(|(_, run)| run(&["--help"])) {
        flags.extend(words(&help).filter(|word| word.starts_with("--")).map(str::to_string));
    }
    // The explorer's flags, which `cargo xtask explore N` passes on.
    let explorer = <explorer::cli::Arguments as clap::CommandFactory>::command();
    flags.extend(
        explorer.get_arguments().filter_map(|argument| argument.get_long()).map(|long| format!("--{long}")),
    );
    let runner = <xtask::cli::CommandLine as clap::CommandFactory>::command();
    let commands: Vec<&str> = runner.get_subcommands().map(|command| command.get_name()).collect();
    // The runner's own flags (`check --full`, `exercises --verify`).
    flags.extend(
        runner
            .get_subcommands()
            .flat_map(|command| command.get_arguments())
            .filter_map(|argument| argument.get_long())
            .map(|long| format!("--{long}")),
    );

    let mut texts = vec!["README.md".to_string()];
    texts.extend(lessons.iter().map(|lesson| lesson.text_path()));
    let mut mistakes = Vec::new();
    for path in &texts {
        let text = std::fs::read_to_string(workspace_file(path)).unwrap();
        for code in inline_code(&text) {
            let words: Vec<&str> = words(code).collect();
            for (index, word) in words.iter().enumerate() {
                let next = words.get(index + 1).copied().unwrap_or("");
                let mistake =
                    if word.starts_with("--") && word.len() > 2 && !flags.iter().any(|flag| flag == word) {
                        Some(format!("the flag {word}"))
                    } else if *word == "xtask"
                        && words.get(index.wrapping_sub(1)) == Some(&"cargo")
                        && !next.is_empty()
                        && !commands.contains(&next)
                    {
                        Some(format!("the command `cargo xtask {next}`"))
                    } else if ["lesson", "reset", "check", "sweep", "hint", "exercises", "bless", "explore"]
                        .contains(word)
                        && words.get(index.wrapping_sub(1)) == Some(&"xtask")
                        && !next.is_empty()
                        && !next.starts_with('-')
                        && !next.chars().all(|c| c.is_ascii_uppercase())
                        && lessons::find(&lessons, next).is_err()
                    {
                        Some(format!("lesson {next}"))
                    } else if *word == "-p" && !crates.iter().any(|name| name == next) {
                        Some(format!("the crate {next}"))
                    } else if looks_like_a_path(word) && !workspace_file(word).exists() {
                        Some(format!("the file {word}"))
                    } else {
                        None
                    };
                if let Some(mistake) = mistake {
                    mistakes.push(format!("{path} names {mistake}, which does not exist (in `{code}`)"));
                }
            }
        }
    }
    assert!(mistakes.is_empty(), "{mistakes:#?}");
}

/// The spans of inline code (between single backticks) and the lines of code blocks, outside generated output.
fn inline_code(text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            // Command lines of code blocks; generated output is checked by the lessons' own tests.
            if line.trim_start().starts_with("cargo ") {
                spans.push(line.split('#').next().unwrap_or(line));
            }
            continue;
        }
        spans.extend(line.split('`').skip(1).step_by(2));
    }
    spans
}

/// The words of a piece of code, without the punctuation around them.
fn words(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| {
        c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '(' || c == ')' || c == '`' || c == '='
    })
    .map(|word| word.trim_end_matches(['.', ':', ';']))
    .filter(|word| !word.is_empty())
}

/// A path in the workspace, as the texts write them: `crates/baseline/src/lib.rs`, `lessons/list.txt`.
fn looks_like_a_path(word: &str) -> bool {
    ["crates/", "lessons/", "xtask/", ".ci/"].iter().any(|prefix| word.starts_with(prefix))
        && !word.contains(['<', '*'])
}

/// Every exercise a lesson text marks has its entry in the lesson's catalogue and its patch, and every entry
/// is marked in the text. (`cargo xtask exercises --verify` also proves each one's verdict.)
#[test]
fn every_marked_exercise_has_its_entry_and_its_patch() {
    let course = Workspace::course();
    let mut mistakes = Vec::new();
    for lesson in all_lessons() {
        let catalogue = Catalogue::load(&course.root, &lesson).unwrap();
        mistakes.extend(xtask::exercises::marks_without_entries(&course, &lesson, &catalogue).unwrap());
    }
    assert!(mistakes.is_empty(), "{mistakes:#?}");
}

/// The words that ask a learner to edit code, in a list item of a lesson text's exercises.
const EDITING: [&str; 8] = [
    "In `work`",
    "In `run`",
    "In `produce`",
    "replace",
    "Delete",
    "Remove the `",
    "move `",
    "Change the producer",
];

/// A list item of the exercises' sections that asks for an edit must carry an exercise's mark, so that no
/// exercise escapes the catalogue.
#[test]
fn every_exercise_that_edits_code_is_marked() {
    let mut unmarked = Vec::new();
    for lesson in all_lessons() {
        let text = std::fs::read_to_string(workspace_file(&lesson.text_path())).unwrap();
        for section in ["Alter it", "Break it", "Fix it", "Mastery check"] {
            let lines = lessons::section(&text, section);
            for item in items_with_their_lines(&lines) {
                if EDITING.iter().any(|word| item.contains(word)) && !item.contains("<!-- exercise: ") {
                    unmarked.push(format!(
                        "{} ({section}): {}",
                        lesson.text_path(),
                        item.lines().next().unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "exercises that edit code but carry no `<!-- exercise: id -->`: {unmarked:#?}"
    );
}

/// The items of the lists in `lines`, each with the lines that continue it.
fn items_with_their_lines(lines: &[&str]) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in lines {
        let starts_an_item = line.starts_with("- ")
            || line
                .split_once(". ")
                .is_some_and(|(number, _)| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()));
        if starts_an_item {
            items.push(line.to_string());
        } else if let Some(item) = items.last_mut().filter(|_| line.starts_with(' ') || line.is_empty()) {
            item.push('\n');
            item.push_str(line);
        }
    }
    items
}

/// The runner checks the sweep's lists against the lessons' own limits, to name the flag the learner typed.
#[test]
fn the_runner_knows_the_lessons_limits() {
    assert_eq!(xtask::sweep::MAX_WORKERS, lesson_support::settings::MAX_WORKERS);
    assert_eq!(xtask::sweep::MAX_QUEUE_SIZE, lesson_support::settings::MAX_QUEUE_SIZE);
}

/// A newcomer's first `cargo xtask lesson 1` builds for half a minute: cargo's progress must show, so the
/// alias that runs the runner is not `--quiet`.
#[test]
fn the_runner_builds_where_a_learner_sees_it() {
    let config = std::fs::read_to_string(workspace_file(".cargo/config.toml")).unwrap();
    let alias = config.lines().find(|line| line.starts_with("xtask =")).expect("the xtask alias");
    assert!(alias.contains("run --package xtask") && !alias.contains("quiet"), "{alias}");
}

/// The support crate's modules import one another in one direction: no module needs one that needs it back,
/// so that each can be read, and changed, knowing only the ones below it. What a module's tests use, and the
/// `testing` helpers behind their feature, do not count.
#[test]
fn the_support_crate_s_modules_import_one_another_in_one_direction() {
    use std::collections::{BTreeMap, BTreeSet};
    let folder = workspace_file("crates/lesson-support/src");
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        if module == "lib" || module == "testing" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let used = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .flat_map(|line| line.split("crate::").skip(1))
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect::<String>())
            .filter(|used| *used != module && folder.join(format!("{used}.rs")).exists())
            .collect();
        imports.insert(module, used);
    }
    // A module is placed once every module it imports is: what is never placed is in a cycle.
    let mut placed: Vec<String> = Vec::new();
    while placed.len() < imports.len() {
        let next = imports
            .iter()
            .find(|(module, used)| !placed.contains(module) && used.iter().all(|used| placed.contains(used)));
        match next {
            Some((module, _)) => placed.push(module.clone()),
            None => {
                let cycle: Vec<String> = imports
                    .iter()
                    .filter(|(module, _)| !placed.contains(module))
                    .map(|(module, used)| {
                        format!("{module} -> {}", used.iter().cloned().collect::<Vec<_>>().join(", "))
                    })
                    .collect();
                panic!("these modules import one another in a cycle:\n{}", cycle.join("\n"));
            }
        }
    }
}

/// A marker in a lesson's code says what that lesson does: `// FIXED (Fix it 1)` only where lesson 3 fixes
/// lesson 2's breaks, `// BROKEN (Break it 1)` only in the lesson that breaks. A later lesson that keeps a fix
/// says so in its own words (`// Kept (Fix it 1)`), so that its diff from lesson 3 is about what it adds.
#[test]
fn markers_say_what_their_lesson_does() {
    let placed = [("// FIXED (", "fixed-join"), ("// BROKEN (", "broken-no-sentinel")];
    for lesson in all_lessons() {
        let folder = workspace_file(&format!("{}/src", lesson.crate_path()));
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (marker, owner) in placed {
                assert!(
                    lesson.crate_name == owner || !text.contains(marker),
                    "{} says `{marker}`, but only {owner} does that: say what this lesson does",
                    path.display()
                );
            }
        }
    }
}
