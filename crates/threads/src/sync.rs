//! The primitives the hand-written queue is built on: the standard library's.
//!
//! `queue.rs` takes them from here rather than from `std::sync` for one reason: `crates/threads-loom` compiles
//! the same `queue.rs` again with loom's primitives in their place, and loom then runs its tests in every
//! interleaving of their threads (see `lessons/08-threads.md`, "Every interleaving").

pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};
