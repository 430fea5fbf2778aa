//! Running code against a private registry.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use prometheus::Registry;

use super::captured::{CapturedFamilies, CapturedFamily};
use super::Snapshot;
use crate::instrument::callsite::Descriptor;
use crate::registrar::Registrar;
use crate::MetricsFamily;

/// A private registry that instrumented calls record into while it is
/// active on their thread. It owns the series it creates.
pub(crate) struct Capture {
    registry: Registry,
    families: Arc<Mutex<HashMap<usize, Arc<CapturedFamily>>>>,
    /// The `T::global()` of each derived family `T` used in the capture.
    instances: Mutex<HashMap<TypeId, &'static (dyn Any + Send + Sync)>>,
}

impl Capture {
    fn new() -> Self {
        let registry = Registry::new();
        let families = Arc::default();
        // A fresh registry nobody gathers yet: registering here cannot wait.
        let collector = CapturedFamilies(Arc::clone(&families));
        if let Err(err) = registry.register(Box::new(collector)) {
            log::error!("a capture cannot register its families: {err}");
        }
        Capture {
            registry,
            families,
            instances: Mutex::new(HashMap::new()),
        }
    }

    /// The family `descriptor`'s calls record into during this capture.
    pub(crate) fn family(&self, descriptor: &'static Descriptor) -> Arc<CapturedFamily> {
        let key = std::ptr::from_ref(descriptor) as usize;
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            families
                .entry(key)
                .or_insert_with(|| Arc::new(CapturedFamily::new(descriptor))),
        )
    }
}

impl Capture {
    /// This capture's instance of `T`, the one `T::global()` returns while
    /// the capture is active: made and registered in the capture's
    /// registry on first use, with the settings `global()` has.
    pub(crate) fn family_instance<T: MetricsFamily + Send + Sync + 'static>(&self) -> &'static T {
        let mut instances = self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let instance = instances.entry(TypeId::of::<T>()).or_insert_with(|| {
            // Leaked like the `&'static` of `global()`: a capture's
            // instances live as long as the program.
            let made: &'static T =
                Box::leak(Box::new(Registrar::register_as_global::<T>(&self.registry)));
            made
        });
        match instance.downcast_ref::<T>() {
            Some(instance) => instance,
            // Keyed by `TypeId::of::<T>()`: the entry is a `T`.
            None => unreachable!("a captured family of another type"),
        }
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<Arc<Capture>>> = const { RefCell::new(None) };
}

/// The capture active on this thread, if any.
#[inline]
pub(crate) fn active() -> Option<Arc<Capture>> {
    ACTIVE.with(|active| active.borrow().clone())
}

/// Makes `capture` the active one until dropped, then restores the one before.
struct Scope {
    previous: Option<Arc<Capture>>,
}

impl Scope {
    fn enter(capture: &Arc<Capture>) -> Scope {
        let previous = ACTIVE.with(|active| active.replace(Some(capture.clone())));
        Scope { previous }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ACTIVE.with(|active| *active.borrow_mut() = previous);
    }
}

/// Runs `f`; what instrumented code records on this thread meanwhile goes
/// to a private registry, returned as a [`Snapshot`].
///
/// Threads `f` starts are not captured; use [`capture_async`] for futures.
pub fn capture(f: impl FnOnce()) -> Snapshot {
    let capture = Arc::new(Capture::new());
    {
        let _scope = Scope::enter(&capture);
        f();
    }
    Snapshot::of(&capture.registry)
}

/// Awaits `future`; what instrumented code records inside it, on whichever
/// thread polls it, goes to a private registry, returned as a [`Snapshot`].
///
/// Tasks it spawns are not captured.
///
/// ```
/// use metrics_runtime::instrumented;
///
/// #[instrumented(name = "fetch")]
/// async fn fetch() -> Result<u8, ()> { Ok(1) }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # runtime.block_on(async {
/// let snapshot = metrics_runtime::testing::capture_async(async {
///     fetch().await.unwrap();
/// })
/// .await;
/// assert_eq!(snapshot.counter("fetch_total", &[("result", "ok")]), 1.0);
/// # });
/// ```
pub async fn capture_async<F: Future>(future: F) -> Snapshot {
    let capture = Arc::new(Capture::new());
    Captured {
        capture: capture.clone(),
        future,
    }
    .await;
    Snapshot::of(&capture.registry)
}

pin_project_lite::pin_project! {
    /// Polls `future` with `capture` active.
    struct Captured<F> {
        capture: Arc<Capture>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Captured<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _scope = Scope::enter(this.capture);
        this.future.poll(cx)
    }
}
