//! `cargo xtask watch [N]`: the learner's loop. Save a file, and the lesson is checked again; press a key for a
//! hint, the list of lessons, or the next lesson.
//!
//! It starts at lesson N, or at the first lesson not done. On a terminal it takes the screen (and gives it back
//! on `q`): the verdict of the last check, the exercise you are on, and the last hint. After a save it shows the
//! verdict of the lesson's runs first (a second or so), then the full verdict once the tests have run. Without a
//! terminal (piped, in CI) it makes one check and exits with its status.
//!
//! Files are watched with `notify` (and its full debouncer, so that an editor's burst of writes is one save, and
//! a file only read is none); the
//! terminal is `crossterm`'s. Three threads feed one channel: the keys, the saves, and the checks, which run one at
//! a time, each in a thread of its own.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use crossterm::event::{Event as TerminalEvent, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::catalogue::Catalogue;
use crate::check::{self, Tests, Verdict};
use crate::failure::Failure;
use crate::hint;
use crate::lessons::{self, Lesson};
use crate::progress::Progress;
use crate::workspace::Workspace;

/// How long the watcher waits after a write for the next one, before it calls them one save. An editor writes
/// a file in one burst of a few milliseconds; every millisecond more is a millisecond of the learner's wait.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// `cargo xtask watch [N]`.
pub fn run(wanted: Option<&str>) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let progress = Progress::load(&course.root);
    let start = match wanted {
        Some(wanted) => lessons::find(&lessons, wanted)?.number,
        None => {
            lessons
                .iter()
                .find(|lesson| !progress.is_done(lesson))
                .unwrap_or(&lessons[lessons.len() - 1])
                .number
        }
    };
    if !std::io::stdout().is_terminal() {
        // Piped or in CI: no screen to keep, no keys to read. One check, and its status.
        return check::run(Some(&start.to_string()), Tests::Lesson);
    }
    Ok(Session::new(course, lessons, start, progress).run()?)
}

/// What the loop hears about.
enum Event {
    /// A key was pressed.
    Key(KeyCode, KeyModifiers),
    /// A file of the course was saved.
    Saved,
    /// A check ended: its verdict (or the reason it could not run), its text, and whether the tests ran.
    Checked(Result<Verdict, String>, bool),
}

/// What the screen shows under the verdict.
enum Below {
    /// The exercise you are on.
    Exercise,
    /// A hint, or a message.
    Message(String),
    /// The list of lessons.
    List,
}

/// A watch session.
struct Session {
    course: Workspace,
    lessons: Vec<Lesson>,
    lesson: usize,
    catalogue: Catalogue,
    progress: Progress,
    verdict: String,
    below: Below,
    checking: bool,
    saved_while_checking: bool,
    events: Sender<Event>,
    inbox: Receiver<Event>,
}

impl Session {
    fn new(course: Workspace, lessons: Vec<Lesson>, start: u32, progress: Progress) -> Session {
        let (events, inbox) = mpsc::channel();
        let lesson = lessons.iter().position(|lesson| lesson.number == start).unwrap_or(0);
        let catalogue = Catalogue::load(&course.root, &lessons[lesson]).unwrap_or_default();
        Session {
            course,
            lessons,
            lesson,
            catalogue,
            progress,
            verdict: String::new(),
            below: Below::Exercise,
            checking: false,
            saved_while_checking: false,
            events,
            inbox,
        }
    }

    fn run(mut self) -> Result<u8, String> {
        let _screen = Screen::take()?;
        listen_to_keys(self.events.clone());
        // The watcher stops when it is dropped: it lives as long as the session.
        let _watcher = watch_files(&self.course.root, self.events.clone())?;
        self.check();
        loop {
            self.draw();
            let Ok(event) = self.inbox.recv() else {
                return Ok(0);
            };
            match event {
                Event::Key(code, modifiers) => {
                    let control_c = code == KeyCode::Char('c') && modifiers.contains(KeyModifiers::CONTROL);
                    match code {
                        KeyCode::Char('q') | KeyCode::Esc => return Ok(0),
                        _ if control_c => return Ok(0),
                        KeyCode::Char('h') => self.hint(),
                        KeyCode::Char('l') => {
                            self.below =
                                if matches!(self.below, Below::List) { Below::Exercise } else { Below::List }
                        }
                        KeyCode::Char('n') => self.next_lesson(),
                        KeyCode::Char('r') => self.check(),
                        _ => {}
                    }
                }
                Event::Saved if self.checking => self.saved_while_checking = true,
                Event::Saved => self.check(),
                Event::Checked(verdict, tested) => self.checked(verdict, tested),
            }
        }
    }

    fn lesson(&self) -> &Lesson {
        &self.lessons[self.lesson]
    }

    /// Starts a check of the lesson: its runs first, then its tests, each reported when it ends.
    fn check(&mut self) {
        self.checking = true;
        self.saved_while_checking = false;
        self.verdict = format!("Checking lesson {}: building and running it...\n", self.lesson().number);
        let (course, lesson, catalogue, events) =
            (self.course.clone(), self.lesson().clone(), self.catalogue.clone(), self.events.clone());
        std::thread::spawn(move || {
            let quick = check::judge(&course, &lesson, &catalogue, Tests::None);
            let failed_to_build = matches!(quick, Ok(Verdict::DoesNotBuild(_)) | Err(_));
            let is_progress = !catalogue.breaks.is_empty();
            let _ = events.send(Event::Checked(quick, failed_to_build || is_progress));
            if !failed_to_build && !is_progress {
                let full = check::judge(&course, &lesson, &catalogue, Tests::Lesson);
                let _ = events.send(Event::Checked(full, true));
            }
        });
    }

    /// Shows a check's verdict; once the whole check has ended, notes the progress it shows.
    fn checked(&mut self, verdict: Result<Verdict, String>, done: bool) {
        let lesson = self.lesson().clone();
        let verdict = match verdict {
            Ok(verdict) => verdict,
            Err(mistake) => {
                self.verdict = format!("The check could not run: {mistake}\n");
                self.checking = false;
                return;
            }
        };
        let text = verdict.render(&lesson);
        if !done {
            self.verdict = format!("{text}     The tests are running...\n");
            return;
        }
        self.verdict = text.clone();
        self.checking = false;
        let was_done = self.progress.is_done(&lesson);
        if let Some(exercise) = self.progress.note(&lesson, &self.catalogue, &verdict, &text) {
            let title =
                self.catalogue.exercise(&exercise).map_or(String::new(), |exercise| exercise.title.clone());
            self.below = Below::Message(format!("✓ That is the exercise `{exercise}` ({title}): done."));
        }
        if self.progress.is_done(&lesson) && !was_done {
            self.below =
                Below::Message(format!("✓ Lesson {} is done. Press n for the next one.", lesson.number));
        }
        self.progress.save(&self.course.root);
        if self.saved_while_checking {
            self.check();
        }
    }

    fn hint(&mut self) {
        let lesson = self.lesson().clone();
        let text = hint::next_hint(&lesson, &self.catalogue, &mut self.progress);
        self.progress.save(&self.course.root);
        self.below = Below::Message(text.trim_end().to_string());
    }

    fn next_lesson(&mut self) {
        let lesson = self.lesson().clone();
        if !self.progress.is_done(&lesson) {
            self.below = Below::Message(format!(
                "Lesson {} is not done yet: its exercises, then a check that passes. `l` lists them.",
                lesson.number
            ));
            return;
        }
        if self.lesson + 1 == self.lessons.len() {
            self.below = Below::Message("That was the last lesson.".to_string());
            return;
        }
        self.lesson += 1;
        self.catalogue = Catalogue::load(&self.course.root, self.lesson()).unwrap_or_default();
        self.below = Below::Exercise;
        self.check();
    }

    /// Draws the whole screen again.
    fn draw(&self) {
        let lesson = self.lesson();
        let lessons_done = self.lessons.iter().filter(|lesson| self.progress.is_done(lesson)).count();
        let rule = "─".repeat(terminal::size().map_or(80, |(columns, _)| usize::from(columns).min(100)));
        let mut text = format!(
            "Lesson {}: {}   ({} of {} lessons done)\nWatching {} and lessons/: save a file to check it again.\n{rule}\n",
            lesson.number,
            lesson.title,
            lessons_done,
            self.lessons.len(),
            lesson.crate_path()
        );
        text.push_str(&self.verdict);
        text.push_str(&format!("{rule}\n"));
        match &self.below {
            Below::Exercise => text.push_str(&self.exercise_line()),
            Below::Message(message) => {
                text.push_str(message);
                text.push('\n');
            }
            Below::List => text.push_str(&crate::list::render(
                &self.lessons,
                &self
                    .lessons
                    .iter()
                    .map(|lesson| Catalogue::load(&self.course.root, lesson).unwrap_or_default())
                    .collect::<Vec<_>>(),
                &self.progress,
            )),
        }
        text.push_str("keys: h hint · l list · n next lesson · r check again · q quit\n");
        let mut stdout = std::io::stdout().lock();
        let _ = execute!(stdout, terminal::Clear(terminal::ClearType::All), cursor::MoveTo(0, 0));
        // In raw mode a new line does not return the cursor to the start of the line by itself.
        let _ = stdout.write_all(text.replace('\n', "\r\n").as_bytes());
        let _ = stdout.flush();
    }

    /// The line about the exercise you are on.
    fn exercise_line(&self) -> String {
        let lesson = self.lesson();
        let exercises = self.progress.exercises_of(lesson, &self.catalogue);
        let done = exercises.iter().filter(|(_, done)| *done).count();
        match self.progress.current(lesson, &self.catalogue) {
            Some(exercise) => format!(
                "Now: {}, {} ({} of {} exercises done; h gives a hint)\n",
                exercise.place,
                exercise.title,
                done,
                exercises.len()
            ),
            None => format!("Every exercise with hints is done ({done} of {}).\n", exercises.len()),
        }
    }
}

/// The terminal in raw mode, on its alternate screen, until this is dropped: then as it was, whatever ended the
/// session (a panic included).
struct Screen;

impl Screen {
    fn take() -> Result<Screen, String> {
        terminal::enable_raw_mode()
            .map_err(|error| format!("cannot read single keys from the terminal: {error}"))?;
        let _ = execute!(std::io::stdout(), terminal::EnterAlternateScreen, cursor::Hide);
        Ok(Screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(std::io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

/// Sends every key pressed, from a thread of its own.
fn listen_to_keys(events: Sender<Event>) {
    std::thread::spawn(move || {
        while let Ok(event) = crossterm::event::read() {
            if let TerminalEvent::Key(key) = event
                && key.kind == KeyEventKind::Press
                && events.send(Event::Key(key.code, key.modifiers)).is_err()
            {
                return;
            }
        }
    });
}

/// Watches the lessons' crates and texts, and sends one `Saved` per burst of writes to a file that matters.
/// A file that is only read (the compiler reads them all) is not a save.
fn watch_files(
    root: &Path,
    events: Sender<Event>,
) -> Result<Debouncer<RecommendedWatcher, RecommendedCache>, String> {
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let saved = result.is_ok_and(|changes| {
            changes.iter().any(|change| {
                let written =
                    matches!(change.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_));
                written && change.paths.iter().any(|path| matters(path))
            })
        });
        if saved {
            let _ = events.send(Event::Saved);
        }
    })
    .map_err(|error| format!("cannot watch the files: {error}"))?;
    for folder in ["crates", "lessons"] {
        debouncer
            .watch(root.join(folder), RecursiveMode::Recursive)
            .map_err(|error| format!("cannot watch {folder}/: {error}"))?;
    }
    Ok(debouncer)
}

/// Whether a change to `path` calls for a new check: a source, a text, a manifest; not what a build or a test
/// writes.
fn matters(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let generated = path.components().any(|part| part.as_os_str() == "target") || name.ends_with(".snap.new");
    !generated
        && ["rs", "md", "txt", "toml", "snap"]
            .iter()
            .any(|extension| name.ends_with(&format!(".{extension}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_texts_matter_and_what_builds_write_does_not() {
        assert!(matters(Path::new("/course/crates/baseline/src/lib.rs")));
        assert!(matters(Path::new("/course/lessons/01-baseline.md")));
        assert!(!matters(Path::new("/course/crates/baseline/target/debug/x.rs")));
        assert!(!matters(Path::new("/course/crates/baseline/tests/snapshots/a.snap.new")));
        assert!(!matters(Path::new("/course/crates/baseline/src/lib.rs.swp")));
    }
}
