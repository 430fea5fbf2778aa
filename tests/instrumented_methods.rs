//! `#[instrumented]` on methods, trait impls, `impl` blocks and `#[async_trait]`.

mod support;

use async_trait::async_trait;
use metrics_runtime::instrumented;
use support::read;

#[derive(Debug, PartialEq)]
struct Empty;

struct Stack {
    items: Vec<u32>,
}

impl Stack {
    #[instrumented]
    fn peek(&self) -> Option<&u32> {
        self.items.last()
    }

    #[instrumented]
    fn push(&mut self, item: u32) -> &mut Self {
        self.items.push(item);
        self
    }

    #[instrumented(name = "methods_pop", labels(depth = self.items.len()))]
    fn pop(&mut self) -> Result<u32, Empty> {
        self.items.pop().ok_or(Empty)
    }

    #[instrumented]
    fn into_items(self) -> Vec<u32> {
        self.items
    }

    #[instrumented]
    fn new() -> Stack {
        Stack { items: Vec::new() }
    }
}

fn calls(function: &str, result: &str) -> f64 {
    read(
        "function_calls_total",
        &[
            ("function", function),
            ("module", "instrumented_methods"),
            ("result", result),
        ],
    )
}

#[test]
fn every_kind_of_receiver() {
    let mut stack = Stack::new();
    stack.push(1).push(2);
    assert_eq!(stack.peek(), Some(&2));
    assert_eq!(stack.pop(), Ok(2));
    assert_eq!(stack.pop(), Ok(1));
    assert_eq!(stack.pop(), Err(Empty));
    assert_eq!(stack.into_items(), Vec::<u32>::new());

    assert_eq!(calls("Stack::push", "ok"), 2.0);
    assert_eq!(calls("Stack::peek", "ok"), 1.0);
    assert_eq!(calls("Stack::into_items", "ok"), 1.0);
    assert_eq!(calls("Stack::new", "ok"), 1.0);
    assert_eq!(
        read("methods_pop_total", &[("depth", "2"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        read("methods_pop_total", &[("depth", "0"), ("result", "error")]),
        1.0
    );
}

trait Shape {
    fn area(&self) -> f64;

    #[instrumented(name = "methods_default_method")]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

impl Shape for Square {
    #[instrumented(name = "methods_trait_impl", labels(side = "square"))]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

#[test]
fn trait_impl_and_default_methods() {
    assert_eq!(Square(3.0).describe(), "area 9");
    assert_eq!(
        read(
            "methods_trait_impl_total",
            &[("side", "square"), ("result", "ok")]
        ),
        1.0
    );
    assert_eq!(
        read("methods_default_method_total", &[("result", "ok")]),
        1.0
    );
}

struct Wrapper<T>(T);

impl<T: Clone + std::fmt::Debug> Wrapper<T> {
    #[instrumented]
    fn get(&self) -> T {
        self.0.clone()
    }

    #[instrumented(name = "methods_generic", labels(tag))]
    fn tagged<L: metrics_runtime::LabelValue>(&self, tag: L) -> T {
        let _ = tag;
        self.0.clone()
    }
}

#[test]
fn generic_types_and_methods() {
    assert_eq!(Wrapper(5u8).get(), 5);
    assert_eq!(Wrapper("s").get(), "s");
    assert_eq!(Wrapper(1).tagged(42u64), 1);
    assert_eq!(Wrapper(1).tagged("label"), 1);
    // Every instantiation shares one series, named without generic arguments.
    assert_eq!(calls("Wrapper::get", "ok"), 2.0);
    assert_eq!(
        read("methods_generic_total", &[("tag", "42"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        read(
            "methods_generic_total",
            &[("tag", "label"), ("result", "ok")]
        ),
        1.0
    );
}

struct Service {
    fail: bool,
}

#[instrumented(name = "methods_service", labels(endpoint = "v1"))]
impl Service {
    fn handle(&self, request: &str) -> Result<String, Empty> {
        if self.fail {
            return Err(Empty);
        }
        Ok(request.to_uppercase())
    }

    #[instrumented(name = "methods_service_admin", labels(user))]
    fn admin(&self, user: &str) -> bool {
        !user.is_empty()
    }

    #[instrumented(skip)]
    fn helper(&self) -> u8 {
        0
    }

    async fn handle_async(&self) -> Result<(), Empty> {
        tokio::task::yield_now().await;
        if self.fail {
            Err(Empty)
        } else {
            Ok(())
        }
    }

    const LIMIT: usize = 3;
}

#[instrumented]
impl Service {
    fn by_default_name(&self) {}
}

#[tokio::test]
async fn a_whole_impl_block_with_override_and_skip() {
    let ok = Service { fail: false };
    let failing = Service { fail: true };
    assert_eq!(ok.handle("hi"), Ok("HI".to_owned()));
    assert_eq!(failing.handle("hi"), Err(Empty));
    assert!(ok.admin("root"));
    assert_eq!(ok.helper(), 0);
    ok.handle_async().await.unwrap();
    failing.handle_async().await.unwrap_err();
    ok.by_default_name();
    assert_eq!(Service::LIMIT, 3);

    // `handle` and `handle_async` share the impl block's name and labels.
    assert_eq!(
        read(
            "methods_service_total",
            &[("endpoint", "v1"), ("result", "ok")]
        ),
        2.0
    );
    assert_eq!(
        read(
            "methods_service_total",
            &[("endpoint", "v1"), ("result", "error")]
        ),
        2.0
    );
    // The method's own arguments override the block's.
    assert_eq!(
        read(
            "methods_service_admin_total",
            &[("user", "root"), ("result", "ok")]
        ),
        1.0
    );
    assert_eq!(calls("Service::by_default_name", "ok"), 1.0);
    let text = metrics_runtime::gather_text();
    assert!(!text.contains("helper"), "skipped methods are not measured");
}

#[async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<String, Empty>;
    async fn put(&mut self, key: &str, value: String);
}

struct MemoryStore {
    entries: Vec<(String, String)>,
}

#[async_trait]
impl Store for MemoryStore {
    #[instrumented(name = "methods_async_trait", labels(key))]
    async fn get(&self, key: &str) -> Result<String, Empty> {
        tokio::task::yield_now().await;
        let found = self.entries.iter().find(|(k, _)| k == key).ok_or(Empty)?;
        Ok(found.1.clone())
    }

    #[instrumented]
    async fn put(&mut self, key: &str, value: String) {
        self.entries.push((key.to_owned(), value));
    }
}

struct OtherStore;

#[instrumented(name = "methods_async_trait_outer")]
#[async_trait]
impl Store for OtherStore {
    async fn get(&self, _key: &str) -> Result<String, Empty> {
        Err(Empty)
    }

    async fn put(&mut self, _key: &str, _value: String) {}
}

struct InnerStore;

#[async_trait]
#[instrumented(name = "methods_async_trait_inner")]
impl Store for InnerStore {
    async fn get(&self, _key: &str) -> Result<String, Empty> {
        Ok(String::new())
    }

    async fn put(&mut self, _key: &str, _value: String) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_trait_methods_in_either_attribute_order() {
    let mut store = MemoryStore {
        entries: Vec::new(),
    };
    store.put("a", "1".to_owned()).await;
    assert_eq!(store.get("a").await, Ok("1".to_owned()));
    assert_eq!(store.get("b").await, Err(Empty));
    let spawned = tokio::spawn(async move { store.get("a").await })
        .await
        .unwrap();
    assert_eq!(spawned, Ok("1".to_owned()));

    assert_eq!(
        read(
            "methods_async_trait_total",
            &[("key", "a"), ("result", "ok")]
        ),
        2.0
    );
    assert_eq!(
        read(
            "methods_async_trait_total",
            &[("key", "b"), ("result", "error")]
        ),
        1.0
    );
    assert_eq!(calls("MemoryStore::put", "ok"), 1.0);

    assert_eq!(OtherStore.get("x").await, Err(Empty));
    OtherStore.put("x", String::new()).await;
    assert_eq!(
        read("methods_async_trait_outer_total", &[("result", "error")]),
        1.0
    );
    assert_eq!(
        read("methods_async_trait_outer_total", &[("result", "ok")]),
        1.0
    );

    assert_eq!(InnerStore.get("x").await, Ok(String::new()));
    InnerStore.put("x", String::new()).await;
    assert_eq!(
        read("methods_async_trait_inner_total", &[("result", "ok")]),
        2.0
    );
}

trait Greeter {
    async fn greet(&self, name: &str) -> String;
}

struct English;

#[instrumented(name = "methods_native_async_trait")]
impl Greeter for English {
    async fn greet(&self, name: &str) -> String {
        format!("hello {name}")
    }
}

#[tokio::test]
async fn native_async_trait_methods() {
    assert_eq!(English.greet("you").await, "hello you");
    assert_eq!(
        read("methods_native_async_trait_total", &[("result", "ok")]),
        1.0
    );
}

trait Describe {
    #[instrumented]
    fn describe(&self) -> &'static str {
        "something"
    }
}

struct Apple;
struct Pear;

impl Describe for Apple {}
impl Describe for Pear {}

impl Apple {
    #[instrumented]
    fn make() -> Apple {
        Apple
    }
}

impl Pear {
    #[instrumented]
    fn make() -> Pear {
        Pear
    }
}

#[instrumented]
fn free_standing() {}

#[test]
fn functions_are_named_by_their_path_in_the_module() {
    Apple::make().describe();
    Pear::make().describe();
    free_standing();
    // Same-named associated functions of two types stay apart.
    assert_eq!(calls("Apple::make", "ok"), 1.0);
    assert_eq!(calls("Pear::make", "ok"), 1.0);
    // A default method is one function, named after its trait.
    assert_eq!(calls("Describe::describe", "ok"), 2.0);
    assert_eq!(calls("free_standing", "ok"), 1.0);
}
