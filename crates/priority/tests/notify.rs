//! What tokio's `Notify` promises, which lesson 4's queue relies on (`lessons/04-priority.md`, question 5),
//! shown on tokio itself: the explorer cannot pause a task between the queue's look and its wait.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Waker};

use tokio::sync::Notify;

/// Polls `future` once, and says whether it is ready.
fn is_ready(future: Pin<&mut impl Future>) -> bool {
    future.poll(&mut Context::from_waker(Waker::noop())).is_ready()
}

/// A `Notified` made before `notify_waiters()` is woken by it, though it was never polled nor enabled: why
/// `get` makes its future before it looks, and a close between its look and its wait is not missed.
#[test]
fn notify_waiters_wakes_every_notified_made_before_it() {
    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    notify.notify_waiters();
    assert!(is_ready(first.as_mut()) && is_ready(second.as_mut()));
    // One made after the call is not woken: the wake-up that Explore it 1 loses.
    let mut later = pin!(notify.notified());
    assert!(!is_ready(later.as_mut()));
}

/// `notify_one()` wakes a waiter on its list, and keeps one permit, no more, when no one is on it. Two
/// `notify_one()`s for two waiters not yet on the list wake one; with `enable()`, both.
#[test]
fn notify_one_keeps_one_permit_for_waiters_not_enabled() {
    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    notify.notify_one();
    notify.notify_one();
    assert_eq!([is_ready(first.as_mut()), is_ready(second.as_mut())], [true, false]);

    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    first.as_mut().enable();
    let mut second = pin!(notify.notified());
    second.as_mut().enable();
    notify.notify_one();
    notify.notify_one();
    assert_eq!([is_ready(first.as_mut()), is_ready(second.as_mut())], [true, true]);
}
