//! Generated code names everything by absolute path: it compiles next to
//! user items that shadow the prelude, and `crate = path` is honoured.
#![allow(dead_code, non_camel_case_types)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

/// A runtime reached through a path of our own, which counts how often the
/// generated code asks it whether recording is on.
mod my_runtime {
    pub mod __private {
        pub use metrics_runtime::__private::*;

        pub static ASKED: super::super::AtomicUsize = super::super::AtomicUsize::new(0);

        pub fn is_enabled() -> bool {
            ASKED.fetch_add(1, super::super::Ordering::Relaxed);
            metrics_runtime::is_enabled()
        }
    }
}

mod shadowed {
    // Everything the generated code could accidentally pick up by name.
    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct Box;
    struct String;
    mod std {}
    mod core {}
    mod metrics_runtime {}
    fn drop() {}

    #[::metrics_runtime::instrumented(name = "hygiene_shadowed", labels(tool, region = "eu"))]
    pub fn shadowed(tool: &str) -> ::core::result::Result<u8, ()> {
        let _ = tool;
        ::core::result::Result::Ok(1)
    }

    #[::metrics_runtime::instrumented(name = "hygiene_shadowed_async")]
    pub async fn shadowed_async() -> ::core::option::Option<u8> {
        ::core::option::Option::Some(1)
    }

    #[::metrics_runtime::instrumented(crate = crate::my_runtime, name = "hygiene_renamed")]
    pub fn renamed() {}
}

#[tokio::test]
async fn compiles_among_shadowing_items() {
    assert_eq!(shadowed::shadowed("t"), Ok(1));
    assert_eq!(shadowed::shadowed_async().await, Some(1));
    assert_eq!(
        support::read("hygiene_shadowed_total", &[("tool", "t"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        support::read("hygiene_shadowed_async_total", &[("result", "ok")]),
        1.0
    );
}

#[test]
fn crate_argument_routes_through_the_given_path() {
    let before = my_runtime::__private::ASKED.load(Ordering::Relaxed);
    shadowed::renamed();
    assert_eq!(
        my_runtime::__private::ASKED.load(Ordering::Relaxed),
        before + 1
    );
    assert_eq!(
        support::read("hygiene_renamed_total", &[("result", "ok")]),
        1.0
    );
}
