//! The transcript: what a run prints, each event with the time it happened.
//!
//! The transcript is the teaching surface: the time on each line is what lets a learner see several workers
//! at work at once. It goes to standard output, or into a string when a test captures it.

use std::fmt::{self, Display};
use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::clock::Seconds;

/// Where the lines of a run go.
#[derive(Debug)]
pub struct Transcript {
    destination: Destination,
    /// With `--quiet`, timed lines are left out and only the untimed ones (reports, the summary) are kept.
    quiet: bool,
    /// Why standard output took no more lines, once a write to it has failed: nothing more is written.
    failure: Option<String>,
}

#[derive(Debug)]
enum Destination {
    /// Standard output. With `pace` set, a line at simulated time `t` is printed `t` after `pace` on the wall
    /// clock, so that a learner at a terminal watches the run unfold instead of reading it all at once.
    Stdout { pace: Option<std::time::Instant> },
    /// A string, for tests.
    Captured(String),
}

impl Transcript {
    /// A transcript on standard output. A simulated run is played back at the pace of its clock when
    /// standard output is a terminal, unless `instant` is set.
    pub fn stdout(simulated: bool, quiet: bool, instant: bool) -> Transcript {
        let paced = simulated && !instant && !quiet && std::io::stdout().is_terminal();
        let pace = paced.then(std::time::Instant::now);
        Transcript { destination: Destination::Stdout { pace }, quiet, failure: None }
    }

    /// A transcript captured in a string, never paced.
    pub fn captured(quiet: bool) -> Transcript {
        Transcript { destination: Destination::Captured(String::new()), quiet, failure: None }
    }

    /// Writes `text` as an event that happened `at` into the run. With `--quiet`, `text` is not even
    /// formatted.
    pub fn event(&mut self, at: Duration, text: impl Display) {
        if self.quiet || self.failure.is_some() {
            return;
        }
        if let Destination::Stdout { pace: Some(started) } = self.destination {
            // Blocking the runtime's only thread here is harmless: the simulated clock does not move while
            // it sleeps, so pacing changes when a line appears, never what it says.
            let due = started + at;
            std::thread::sleep(due.saturating_duration_since(std::time::Instant::now()));
        }
        self.write(format_args!("{:>9}  {text}", Seconds(at)));
    }

    /// Writes a line that belongs to no moment of the run, such as the summary.
    pub fn note(&mut self, text: impl Display) {
        self.write(format_args!("{text}"));
    }

    /// Whether lines go to a terminal that shows colours (and `NO_COLOR` is not set).
    pub fn is_terminal(&self) -> bool {
        matches!(self.destination, Destination::Stdout { .. })
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
    }

    /// Why standard output took no more lines, if a write to it failed: a full disk, or a pipe whose reader
    /// has gone (`| head -1`).
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// What was captured, or an empty string for standard output.
    pub fn into_captured(self) -> String {
        match self.destination {
            Destination::Captured(text) => text,
            Destination::Stdout { .. } => String::new(),
        }
    }

    fn write(&mut self, line: fmt::Arguments<'_>) {
        match &mut self.destination {
            Destination::Stdout { .. } => {
                if self.failure.is_some() {
                    return;
                }
                // A line that cannot be written (a full disk, a closed pipe) is not worth a panic: it is kept,
                // the run stops making jobs (see `Harness::event`), and the summary's status says so.
                let mut stdout = std::io::stdout().lock();
                if let Err(error) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
                    self.failure = Some(cannot_write(&error));
                }
            }
            Destination::Captured(text) => {
                let _ = fmt::Write::write_fmt(text, format_args!("{line}\n"));
            }
        }
    }
}

/// Why a line could not go to standard output, in a sentence.
pub(crate) fn cannot_write(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::BrokenPipe => {
            "standard output was closed before the run ended (a pipe whose reader has gone, as with `| head`)"
                .to_string()
        }
        _ => format!("cannot write to standard output ({error})"),
    }
}

/// Writes `text` on standard output; a failure comes back as a sentence.
pub(crate) fn write_to_stdout(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|error| match error.kind() {
        std::io::ErrorKind::BrokenPipe => {
            "standard output was closed before everything was written (a pipe whose reader has gone)"
                .to_string()
        }
        _ => format!("cannot write to standard output ({error})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_time_and_notes_do_not() {
        let mut transcript = Transcript::captured(false);
        transcript.event(Duration::from_millis(105), "[Producer] Added job: process_item_1");
        transcript.note("Summary");
        assert_eq!(transcript.into_captured(), "   0.105s  [Producer] Added job: process_item_1\nSummary\n");
    }

    #[test]
    fn quiet_keeps_only_the_notes() {
        let mut transcript = Transcript::captured(true);
        transcript.event(Duration::ZERO, "an event");
        transcript.note("a note");
        assert_eq!(transcript.into_captured(), "a note\n");
    }
}
