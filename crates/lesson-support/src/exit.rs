//! How a lesson's program ends: its exit statuses, and what it notes on the way there for the summary (a
//! panic that no task caught, the presses of Ctrl-C). Near the bottom of the crate: it uses only `failures`,
//! for the name of a deliberate panic, so that the run, the harness and the summary can all use it.
//!
//! Exit status 0 means every job is accounted for and every task shut down; 1 means the run ended but
//! something went wrong (the watchdog had to stop it, a job was lost, a task stopped without shutting down);
//! 2 a mistake in the flags; 3 something the lesson needs from outside is missing; 130 means Ctrl-C stopped a
//! wall-clock run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::failures::DELIBERATE_PANIC;

/// Exit status: every job accounted for, a clean shutdown.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit status: the run ended, but something went wrong.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status: the command line was wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: what the lesson needs from outside the program is missing (lesson 9: a PostgreSQL server).
pub const EXIT_SET_UP: u8 = 3;
/// Exit status: Ctrl-C stopped the run, as shells report a program ended by it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The first panic of the run that was not a deliberate `--panic-job`: its message and where it happened.
static UNEXPECTED_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installs the lesson binaries' panic hook.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(note_unexpected_panic));
}

/// The lesson binaries' panic hook: silent for a deliberate panic, and keeps any other for the summary.
fn note_unexpected_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    if message == DELIBERATE_PANIC {
        return;
    }
    let place = info.location().map(|location| format!(" (at {location})")).unwrap_or_default();
    let mut first = UNEXPECTED_PANIC.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    first.get_or_insert_with(|| format!("{message}{place}"));
}

/// Takes the unexpected panic noted since the last call, if any, for the summary.
pub(crate) fn take_unexpected_panic() -> Option<String> {
    UNEXPECTED_PANIC.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
}

/// How many times Ctrl-C was pressed in this process. The runs of a sweep share the count, so that no run
/// starts after the first Ctrl-C, and the second stops the program at once, whichever run it falls in.
static CTRL_C_PRESSES: AtomicU8 = AtomicU8::new(0);

/// Whether Ctrl-C was pressed in this process.
pub(crate) fn ctrl_c_was_pressed() -> bool {
    CTRL_C_PRESSES.load(Ordering::SeqCst) > 0
}

/// Counts a first Ctrl-C that a lesson handled itself (lesson 7), so that a sweep starts no run after it.
pub(crate) fn note_first_ctrl_c() {
    CTRL_C_PRESSES.fetch_max(1, Ordering::SeqCst);
}

/// Counts a press of Ctrl-C, and returns how many came before it.
pub(crate) fn count_a_ctrl_c() -> u8 {
    CTRL_C_PRESSES.fetch_add(1, Ordering::SeqCst)
}
