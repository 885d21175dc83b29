//! tokio's API, on shuttle's scheduler: what the explorer compiles the lessons' queues against.
//!
//! The explorer includes each lesson's `queue.rs` as it is, and that file says `use tokio::sync::...`. In the
//! explorer, the crate called `tokio` is this one: shuttle's own tokio (`shuttle-tokio-impl-inner`), whose
//! channels, locks and `Notify` let shuttle pause a task at each of their calls and run another, so that it
//! can try the orderings a multi-threaded runtime could produce.
//!
//! One thing is added: `mpsc::WeakSender`, which lesson 5's queue uses and shuttle's tokio does not model.
//! It is built here from shuttle's `Sender`, with the same promise as tokio's: a weak sender does not keep
//! the channel open, and upgrades to a sender only while some sender is alive.

pub use shuttle_tokio_impl_inner::*;

/// tokio's `sync` module, shuttle's, with the weak sender added to `mpsc`.
pub mod sync {
    pub use shuttle_tokio_impl_inner::sync::*;

    /// tokio's `mpsc` module: shuttle's channel, behind a sender that can be downgraded.
    pub mod mpsc {
        use std::fmt;
        use std::sync::{Arc, Weak};

        pub use shuttle_tokio_impl_inner::sync::mpsc::{Receiver, error};

        use self::error::SendError;
        use shuttle_tokio_impl_inner::sync::mpsc as shuttle;

        /// Makes a bounded channel, as `tokio::sync::mpsc::channel` does.
        pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
            let (sender, receiver) = shuttle::channel(capacity);
            (Sender { inner: Arc::new(sender) }, receiver)
        }

        /// The sending end. Every clone shares one shuttle sender, which is dropped with the last clone: then
        /// the channel closes, as tokio's does when its last sender is dropped.
        pub struct Sender<T> {
            inner: Arc<shuttle::Sender<T>>,
        }

        /// A sender that does not keep the channel open (see tokio's `WeakSender`).
        pub struct WeakSender<T> {
            inner: Weak<shuttle::Sender<T>>,
        }

        impl<T> Sender<T> {
            /// Sends `message`, waiting while the channel is full.
            pub async fn send(&self, message: T) -> Result<(), SendError<T>> {
                self.inner.send(message).await
            }

            /// How many more messages fit in the channel now.
            pub fn capacity(&self) -> usize {
                self.inner.capacity()
            }

            /// A weak sender to the same channel.
            pub fn downgrade(&self) -> WeakSender<T> {
                WeakSender { inner: Arc::downgrade(&self.inner) }
            }
        }

        impl<T> WeakSender<T> {
            /// A sender, if some sender is still alive.
            pub fn upgrade(&self) -> Option<Sender<T>> {
                self.inner.upgrade().map(|inner| Sender { inner })
            }
        }

        // Written by hand: a derive would ask for `T: Clone`.
        impl<T> Clone for Sender<T> {
            fn clone(&self) -> Self {
                Sender { inner: self.inner.clone() }
            }
        }

        impl<T> Clone for WeakSender<T> {
            fn clone(&self) -> Self {
                WeakSender { inner: self.inner.clone() }
            }
        }

        impl<T> fmt::Debug for Sender<T> {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.debug_struct("Sender").finish_non_exhaustive()
            }
        }

        impl<T> fmt::Debug for WeakSender<T> {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.debug_struct("WeakSender").finish_non_exhaustive()
            }
        }
    }
}
