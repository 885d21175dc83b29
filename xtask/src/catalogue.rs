//! A lesson's exercise catalogue, `lessons/exercises/<NN>-<crate>.txt`: the exercises of its text that edit
//! code, each with the patch that does what the text asks, the verdict `cargo xtask check` must give for it,
//! and hints; the runs the self-check makes of the lesson; and, for the broken lesson, its breaks.
//!
//! The format is a few lines of `key: value`. An entry starts at a line without indentation
//! (`exercise: id` or `break: id`), and its fields follow, indented. `#` starts a comment.
//!
//! ```text
//! run: --workers 1 --queue-size 1
//!
//! exercise: alter-it-4
//!   title: Delete the sentinels, and run it again
//!   where: Alter it 4
//!   patch: 01-baseline/alter-it-4.patch
//!   verdict: changed
//!   says: The queue is closed and empty: shutting down
//!   hint: Where does a worker stop, when no sentinel ever comes?
//! ```
//!
//! An exercise may also say `verify: runs only`: its verification then leaves the tests out. A lesson on
//! threads (8), whose runs differ in which thread does what, says `reference: sorted`: its reference is the
//! sorted view of its default run (`--sorted`), and that is what the check compares.

use std::collections::BTreeSet;
use std::path::Path;

use crate::check::Kind;
use crate::lessons::Lesson;

/// Everything a lesson's catalogue holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// The runs of the lesson that the self-check judges, beside the default run: each one's flags.
    pub runs: Vec<Vec<String>>,
    /// The breaks of a broken lesson, in order; empty for a lesson whose code is the reference.
    pub breaks: Vec<Break>,
    /// The exercises, in the order of the text.
    pub exercises: Vec<Exercise>,
    /// Whether the lesson's reference is the sorted view of its default run (`reference: sorted`).
    pub sorted_reference: bool,
}

/// One break of a broken lesson, and the run that shows whether it is fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Break {
    /// Its name in verdicts and patches: `break-1`.
    pub id: String,
    /// Where the text describes it: `Break it 1`.
    pub place: String,
    /// What is wrong while it is there, in a few words: "the workers never shut down".
    pub name: String,
    /// The flags of the run that shows it.
    pub flags: Vec<String>,
    /// Flags of that run that a fix may remove from the lesson (`--sentinels`): the run goes on without.
    pub optional: Vec<String>,
}

/// One exercise that edits code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exercise {
    /// Its name: `alter-it-4`. The lesson text marks the exercise with `<!-- exercise: alter-it-4 -->`.
    pub id: String,
    /// What it asks, in a line.
    pub title: String,
    /// Where the text asks it (`Alter it 4`), or `self-check` for an exercise of the checker itself.
    pub place: String,
    /// The patch, relative to `lessons/exercises/`.
    pub patch: String,
    /// The verdict `cargo xtask check` must give once the patch is applied.
    pub verdict: Expected,
    /// Words the verdict must contain: the symptom it must name, or the line it must show.
    pub says: Vec<String>,
    /// Hints, one at a time, from a nudge to the answer's shape; never the answer first.
    pub hints: Vec<String>,
    /// Whether the verification judges the runs alone, without the tests (`verify: runs only`): for an
    /// exercise whose code takes real time in every run, such as a blocking sleep.
    pub runs_only: bool,
    /// Whether the verification also replays the explorer's failing ordering ten times, and wants the same
    /// story every time (`verify: replays`): for an exercise that plants a bug only the explorer finds.
    pub replays: bool,
}

/// The verdict an exercise must get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Expected {
    /// Every promise kept, and the same output as the reference.
    #[default]
    Ok,
    /// Every promise kept, but the output differs from the reference.
    Changed,
    /// A promise broken: a symptom named.
    Broken,
    /// The code does not compile.
    DoesNotBuild,
    /// For the broken lesson: exactly these breaks fixed, the others remaining (`fixed: none`: none of them).
    Fixed(Vec<String>),
}

impl Expected {
    /// Whether a verdict of this kind is the one expected.
    pub fn accepts(&self, kind: &Kind) -> bool {
        match (self, kind) {
            (Expected::Ok, Kind::Ok)
            | (Expected::Changed, Kind::Changed)
            | (Expected::Broken, Kind::Broken) => true,
            (Expected::DoesNotBuild, Kind::DoesNotBuild) => true,
            (Expected::Fixed(expected), Kind::Fixed(fixed)) => {
                expected.iter().collect::<BTreeSet<_>>() == fixed.iter().collect::<BTreeSet<_>>()
            }
            _ => false,
        }
    }

    fn parse(text: &str) -> Result<Expected, String> {
        Ok(match text {
            "ok" => Expected::Ok,
            "changed" => Expected::Changed,
            "broken" => Expected::Broken,
            "does not build" => Expected::DoesNotBuild,
            _ => match text.strip_prefix("fixed:").map(str::trim) {
                Some("none") => Expected::Fixed(Vec::new()),
                Some(breaks) => Expected::Fixed(breaks.split(',').map(|id| id.trim().to_string()).collect()),
                None => return Err(format!("unknown verdict {text:?}")),
            },
        })
    }
}

/// Whether a verdict's text says `words`, whatever line breaks and indentation the verdict put between them.
pub fn says(text: &str, words: &str) -> bool {
    let collapse = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapse(text).contains(&collapse(words))
}

impl Catalogue {
    /// The catalogue's path, relative to the workspace: `lessons/exercises/01-baseline.txt`.
    pub fn path(lesson: &Lesson) -> String {
        format!("lessons/exercises/{:02}-{}.txt", lesson.number, lesson.crate_name)
    }

    /// Reads the catalogue of `lesson` in the workspace at `root`.
    pub fn load(root: &Path, lesson: &Lesson) -> Result<Catalogue, String> {
        let path = Catalogue::path(lesson);
        let text = std::fs::read_to_string(root.join(&path))
            .map_err(|error| format!("cannot read {path}: {error}"))?;
        Catalogue::parse(&text).map_err(|mistake| format!("{path}: {mistake}"))
    }

    /// Reads a catalogue's text.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let mut catalogue = Catalogue::default();
        // The entry that indented fields belong to: a break or an exercise, by its place in its list.
        enum Entry {
            Break(usize),
            Exercise(usize),
        }
        let mut current = None;
        for (index, line) in text.lines().enumerate() {
            let mistake = |what: &str| format!("line {}: {what}", index + 1);
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let (key, value) = line.trim().split_once(':').ok_or_else(|| mistake("expected `key: value`"))?;
            let value = value.trim().to_string();
            let words = || value.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            if !line.starts_with(' ') {
                match key {
                    "run" => catalogue.runs.push(words()),
                    "reference" if value == "sorted" => catalogue.sorted_reference = true,
                    "break" => {
                        catalogue.breaks.push(Break { id: value, ..Break::default() });
                        current = Some(Entry::Break(catalogue.breaks.len() - 1));
                    }
                    "exercise" => {
                        catalogue.exercises.push(Exercise { id: value, ..Exercise::default() });
                        current = Some(Entry::Exercise(catalogue.exercises.len() - 1));
                    }
                    _ => return Err(mistake(&format!("unknown entry `{key}`"))),
                }
                continue;
            }
            match current {
                None => return Err(mistake("a field before any entry")),
                Some(Entry::Break(at)) => {
                    let entry = &mut catalogue.breaks[at];
                    match key {
                        "where" => entry.place = value,
                        "name" => entry.name = value,
                        "flags" => entry.flags = words(),
                        "optional" => entry.optional = words(),
                        _ => return Err(mistake(&format!("unknown field `{key}` of a break"))),
                    }
                }
                Some(Entry::Exercise(at)) => {
                    let entry = &mut catalogue.exercises[at];
                    match key {
                        "title" => entry.title = value,
                        "where" => entry.place = value,
                        "patch" => entry.patch = value,
                        "verdict" => {
                            entry.verdict = Expected::parse(&value).map_err(|error| mistake(&error))?
                        }
                        "says" => entry.says.push(value),
                        "hint" => entry.hints.push(value),
                        "verify" if value == "runs only" => entry.runs_only = true,
                        "verify" if value == "replays" => entry.replays = true,
                        _ => return Err(mistake(&format!("unknown field `{key}` of an exercise"))),
                    }
                }
            }
        }
        for exercise in &catalogue.exercises {
            if exercise.patch.is_empty() || exercise.title.is_empty() || exercise.place.is_empty() {
                return Err(format!("the exercise `{}` needs a title, a place and a patch", exercise.id));
            }
            if let Expected::Fixed(fixed) = &exercise.verdict
                && let Some(unknown) =
                    fixed.iter().find(|id| !catalogue.breaks.iter().any(|known| &known.id == *id))
            {
                return Err(format!("the exercise `{}` names an unknown break `{unknown}`", exercise.id));
            }
        }
        Ok(catalogue)
    }

    /// The exercise named `id`.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|exercise| exercise.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# a comment\nrun: --workers 1 --queue-size 1\n\nbreak: break-1\n  where: Break it 1\n  \
                        name: the workers never shut down\n  flags:\nbreak: break-3\n  flags: --sentinels --fail-job 7\n  \
                        optional: --sentinels\n\nexercise: fix-1\n  title: Fix it\n  where: Fix it 1\n  \
                        patch: 02/fix-1.patch\n  verdict: fixed: break-1\n  says: Break it 1\n  hint: one\n  hint: two\n";

    #[test]
    fn every_entry_and_field_is_read() {
        let catalogue = Catalogue::parse(TEXT).unwrap();
        assert_eq!(catalogue.runs, [["--workers", "1", "--queue-size", "1"]]);
        assert_eq!(catalogue.breaks.len(), 2);
        assert_eq!(catalogue.breaks[0].name, "the workers never shut down");
        assert!(catalogue.breaks[0].flags.is_empty());
        assert_eq!(catalogue.breaks[1].optional, ["--sentinels"]);
        let exercise = catalogue.exercise("fix-1").unwrap();
        assert_eq!(exercise.verdict, Expected::Fixed(vec!["break-1".to_string()]));
        assert_eq!(exercise.hints, ["one", "two"]);
    }

    #[test]
    fn words_are_found_across_line_breaks() {
        assert!(says("- 11 jobs were never\n       processed: early", "11 jobs were never processed"));
        assert!(!says("11 jobs were lost", "11 jobs were never processed"));
    }

    #[test]
    fn mistakes_name_their_line() {
        assert_eq!(Catalogue::parse("frobnicate: 1\n").unwrap_err(), "line 1: unknown entry `frobnicate`");
        let unknown_break = "exercise: a\n  title: t\n  where: w\n  patch: p\n  verdict: fixed: break-9\n";
        assert!(Catalogue::parse(unknown_break).unwrap_err().contains("unknown break `break-9`"));
        assert!(Catalogue::parse("exercise: a\n  verdict: fine\n").unwrap_err().contains("unknown verdict"));
    }
}
