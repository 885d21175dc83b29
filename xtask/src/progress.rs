//! The learner's progress, kept between runs in one small file at the workspace's root, `.course-progress`,
//! which git ignores: the exercises done, the lessons done, and how many hints of each exercise were shown.
//!
//! An exercise is done when `cargo xtask check` gives the verdict its catalogue promises for it, with the words
//! the catalogue says the verdict shows: the check recognizes the exercise from what the code does, whoever
//! wrote it. A lesson is done when every one of its exercises is done (but those of the self-check itself, and
//! the wrong fixes, which are there to be tried) and its check then passes: for the broken lesson, every break
//! fixed.
//!
//! The file is a few lines of words, written whole each time:
//!
//! ```text
//! done 1 alter-it-4
//! done-lesson 1
//! hints 1 alter-it-5 2
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::catalogue::{Catalogue, Exercise, Expected};
use crate::check::{Kind, Verdict};
use crate::lessons::Lesson;

/// The file's name, at the workspace's root.
pub const FILE: &str = ".course-progress";

/// What the learner has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The exercises done, by lesson number and exercise.
    pub exercises: BTreeSet<(u32, String)>,
    /// The lessons done.
    pub lessons: BTreeSet<u32>,
    /// How many hints of each exercise were shown.
    pub hints: BTreeMap<(u32, String), usize>,
}

impl Progress {
    /// The progress file of the workspace at `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(FILE)
    }

    /// Reads the progress kept at `root`; none yet is no progress. A line it cannot read is left out.
    pub fn load(root: &Path) -> Progress {
        let text = std::fs::read_to_string(Progress::path(root)).unwrap_or_default();
        let mut progress = Progress::default();
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                ["done", lesson, exercise] => {
                    if let Ok(lesson) = lesson.parse() {
                        progress.exercises.insert((lesson, exercise.to_string()));
                    }
                }
                ["done-lesson", lesson] => {
                    if let Ok(lesson) = lesson.parse() {
                        progress.lessons.insert(lesson);
                    }
                }
                ["hints", lesson, exercise, shown] => {
                    if let (Ok(lesson), Ok(shown)) = (lesson.parse(), shown.parse()) {
                        progress.hints.insert((lesson, exercise.to_string()), shown);
                    }
                }
                _ => {}
            }
        }
        progress
    }

    /// Writes the progress at `root`. Failing to is not worth stopping a check for: progress is a convenience.
    pub fn save(&self, root: &Path) {
        let mut text =
            String::from("# Your progress in the course, kept by `cargo xtask`; delete it to start again.\n");
        for (lesson, exercise) in &self.exercises {
            text.push_str(&format!("done {lesson} {exercise}\n"));
        }
        for lesson in &self.lessons {
            text.push_str(&format!("done-lesson {lesson}\n"));
        }
        for ((lesson, exercise), shown) in &self.hints {
            text.push_str(&format!("hints {lesson} {exercise} {shown}\n"));
        }
        let _ = std::fs::write(Progress::path(root), text);
    }

    /// Notes what a check of `lesson` shows: the exercise it recognizes, if any, and whether the lesson is now
    /// done. Returns the exercise recognized.
    pub fn note(
        &mut self,
        lesson: &Lesson,
        catalogue: &Catalogue,
        verdict: &Verdict,
        text: &str,
    ) -> Option<String> {
        // A wrong fix that matches is what the learner did, whatever else the verdict also matches (closing
        // lesson 4's queue with `notify_one` breaks what a lost wake-up breaks, and more): nothing is credited.
        let wrong_fix = catalogue
            .exercises
            .iter()
            .any(|exercise| is_a_wrong_fix(exercise) && matches(exercise, verdict, text));
        let recognized = catalogue
            .exercises
            .iter()
            .filter(|exercise| counts(exercise) && !wrong_fix)
            .find(|exercise| matches(exercise, verdict, text))
            .map(|exercise| exercise.id.clone());
        if let Some(id) = &recognized {
            self.exercises.insert((lesson.number, id.clone()));
        }
        let all_done = catalogue
            .exercises
            .iter()
            .filter(|exercise| counts(exercise) && catalogue.breaks.is_empty())
            .all(|exercise| self.exercises.contains(&(lesson.number, exercise.id.clone())));
        if verdict.kind() == Kind::Ok && all_done {
            self.lessons.insert(lesson.number);
        }
        recognized
    }

    /// The exercise of `lesson` to work on: the first not done that has hints.
    pub fn current<'a>(&self, lesson: &Lesson, catalogue: &'a Catalogue) -> Option<&'a Exercise> {
        catalogue
            .exercises
            .iter()
            .filter(|exercise| counts(exercise) && !exercise.hints.is_empty())
            .find(|exercise| !self.exercises.contains(&(lesson.number, exercise.id.clone())))
    }

    /// The exercises of `lesson` that count towards its progress, each with whether it is done.
    pub fn exercises_of(&self, lesson: &Lesson, catalogue: &Catalogue) -> Vec<(String, bool)> {
        catalogue
            .exercises
            .iter()
            .filter(|exercise| counts(exercise))
            .map(|exercise| {
                (exercise.id.clone(), self.exercises.contains(&(lesson.number, exercise.id.clone())))
            })
            .collect()
    }

    /// Whether `lesson` is done.
    pub fn is_done(&self, lesson: &Lesson) -> bool {
        self.lessons.contains(&lesson.number)
    }
}

/// Whether an exercise counts towards a lesson's progress: not those of the self-check itself, nor the wrong
/// fixes, which are there to be tried, nor an experiment whose verdict is the lesson's own as shipped (`ok`,
/// with nothing more to say): every passing check would seem to have done it.
fn counts(exercise: &Exercise) -> bool {
    let like_the_lesson_as_shipped = exercise.verdict == Expected::Ok && exercise.says.is_empty();
    exercise.place != "self-check" && !is_a_wrong_fix(exercise) && !like_the_lesson_as_shipped
}

/// Whether the check must credit an exercise when a learner has made the change of `exercise`, where that is
/// certain: one (itself, or another whose verdict is the same, as two right fixes of one break) if it counts;
/// none if it is a wrong fix. `exercises --verify` holds every patch to it.
pub fn credit_due(exercise: &Exercise) -> Option<bool> {
    if is_a_wrong_fix(exercise) {
        Some(false)
    } else if counts(exercise) {
        Some(true)
    } else {
        None
    }
}

/// Whether an exercise is a plausible wrong fix, there to be caught: its title says so.
fn is_a_wrong_fix(exercise: &Exercise) -> bool {
    exercise.title.contains("(a wrong fix)")
}

/// Whether a verdict (and its text) is the one the catalogue promises for `exercise`: its kind, and the words
/// the catalogue says it shows, in what broke if it broke (see [`Verdict::evidence`]).
pub fn matches(exercise: &Exercise, verdict: &Verdict, text: &str) -> bool {
    let evidence = verdict.evidence(text);
    exercise.verdict.accepts(&verdict.kind())
        && exercise.says.iter().all(|words| crate::catalogue::says(&evidence, words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experiment_with_the_lesson_s_own_verdict_does_not_count() {
        let experiment =
            Exercise { verdict: Expected::Ok, place: "Explore it 2".into(), ..Exercise::default() };
        assert!(!counts(&experiment), "every passing check would seem to have done it");
        let fix = Exercise { says: vec!["every break is fixed".into()], ..experiment.clone() };
        assert!(counts(&fix));
        assert!(counts(&Exercise { verdict: Expected::Broken, ..experiment }));
    }

    #[test]
    fn progress_is_written_and_read_back() {
        let root = std::env::temp_dir().join(format!("xtask-progress-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let mut progress = Progress::default();
        progress.exercises.insert((1, "alter-it-4".to_string()));
        progress.lessons.insert(1);
        progress.hints.insert((2, "fix-it-1".to_string()), 2);
        progress.save(&root);
        assert_eq!(Progress::load(&root), progress);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_verdict_that_a_wrong_fix_also_matches_credits_nothing() {
        let lesson = Lesson { number: 4, ..Lesson::default() };
        let exercise = |id: &str, title: &str, says: &str| Exercise {
            id: id.into(),
            title: title.into(),
            place: "Explore it 1".into(),
            verdict: Expected::Broken,
            says: vec![says.into()],
            ..Exercise::default()
        };
        let real = exercise("lost-wake-up", "Look first, then ask to be woken", "no task could go on");
        let wrong = exercise("close-wakes-one", "Wake one at the close (a wrong fix)", "--workload pauses");
        let verdict = |sentences: &[&str]| Verdict::Reference {
            difference: None,
            broken: sentences
                .iter()
                .map(|sentence| ("cargo xtask lesson 4".into(), sentence.to_string()))
                .collect(),
            tests: None,
        };
        let catalogue = Catalogue { exercises: vec![real, wrong], ..Catalogue::default() };
        let mut progress = Progress::default();
        let only_the_real_one = verdict(&["no task could go on"]);
        assert_eq!(progress.note(&lesson, &catalogue, &only_the_real_one, ""), Some("lost-wake-up".into()));
        let mut progress = Progress::default();
        let both = verdict(&["no task could go on", "stuck (`cargo xtask lesson 4 --workload pauses`)"]);
        assert_eq!(progress.note(&lesson, &catalogue, &both, ""), None, "the wrong fix is what was done");
        assert_eq!(progress, Progress::default());
    }

    #[test]
    fn no_file_is_no_progress() {
        assert_eq!(Progress::load(Path::new("/nonexistent")), Progress::default());
    }
}
