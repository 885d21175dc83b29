//! Ctrl-C and the runner: the lesson handles it, the runner waits.
//!
//! In a terminal, Ctrl-C sends SIGINT to every process of the foreground job: the runner and the lesson it
//! runs. A runner that died of it would hand the prompt back while the lesson, stopping gracefully, still
//! writes its last lines and its summary over it. So the runner notes the signal instead of dying, waits for
//! the lesson to end as the lesson decides (its summary and exit status 130, or at once on a second Ctrl-C),
//! and then exits with the lesson's status. A command that runs several programs (`check`) stops after the
//! one that was interrupted.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once Ctrl-C was pressed.
static PRESSED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// From now on, Ctrl-C no longer ends the runner: it is noted, and [`pressed`] says so.
pub fn listen() {
    let pressed = PRESSED.get_or_init(|| Arc::new(AtomicBool::new(false)));
    // Registering fails only for a signal that cannot be caught; SIGINT can.
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, pressed.clone());
}

/// Whether Ctrl-C was pressed since the runner started listening.
pub fn pressed() -> bool {
    PRESSED.get().is_some_and(|pressed| pressed.load(Ordering::Relaxed))
}
