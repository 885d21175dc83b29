//! Why a command of the runner stopped without doing its work, and the exit status that says so. Each status
//! means one thing:
//!
//! - 0: done; for `check`, every run and test passed;
//! - 1: a check or a run failed, or the runner could not do its work (a build that failed, a file that could
//!   not be written): [`Failure::CouldNot`];
//! - 2: a mistake in the command: an unknown lesson, a flag out of range: [`Failure::Usage`];
//! - 130: stopped by Ctrl-C, with one line that says what was stopped: [`Failure::Interrupted`];
//! - `cargo xtask lesson N` ends with the lesson's own status (3: it could not get what it needs).
//!
//! Most of the runner's functions return `Result<_, String>`: a message, and `?` turns it into
//! [`Failure::CouldNot`]. Only the places that find a mistake in the command say [`Failure::Usage`].

use std::fmt;

/// The status of a mistake on the command line, as for the lessons.
pub const EXIT_USAGE: u8 = 2;

/// The status of a command that could not do its work, or of a check that failed.
pub const EXIT_FAILED: u8 = 1;

/// The status of a command stopped by Ctrl-C, as a shell gives a program that SIGINT ended.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Why a command stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A mistake in the command: what was asked cannot be, whatever the course's state. Status 2.
    Usage(String),
    /// The runner could not do what was asked: a build failed, a program did not start, a file could not be
    /// read or written. Status 1.
    CouldNot(String),
    /// Ctrl-C stopped the command: the sentence that says what it stopped. Status 130.
    Interrupted(String),
}

impl Failure {
    /// The exit status that says which it is.
    pub fn status(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::CouldNot(_) => EXIT_FAILED,
            Failure::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::CouldNot(message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) | Failure::CouldNot(message) | Failure::Interrupted(message) => {
                formatter.write_str(message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistake_in_the_command_is_2_and_anything_else_that_stops_the_runner_is_1() {
        assert_eq!(Failure::Usage("no lesson `10`".into()).status(), 2);
        let from_a_message: Failure = String::from("cargo build failed").into();
        assert_eq!(from_a_message.status(), 1);
        assert_eq!(from_a_message.to_string(), "cargo build failed");
        assert_eq!(Failure::Interrupted("Stopped by Ctrl-C.".into()).status(), 130);
    }
}
