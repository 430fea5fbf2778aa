use metrics_runtime::instrumented;

#[derive(Debug)]
struct E;

#[instrumented(name = "scratch", labels(tool, region = "eu"))]
fn run(tool: &str, fail: bool) -> Result<u32, E> {
    if fail {
        return Err(E);
    }
    let v: u32 = "5".parse().map_err(|_| E)?;
    Ok(v)
}

#[instrumented]
async fn arun(x: u32) -> Result<u32, E> {
    let v: u32 = "5".parse().map_err(|_| E)?;
    Ok(v + x)
}

struct S {
    name: String,
}

impl S {
    #[instrumented]
    fn name(&self) -> &str {
        &self.name
    }
}

#[test]
fn scratch() {
    run("a", false).unwrap();
    run("a", true).unwrap_err();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(arun(1)).unwrap();
    S { name: "x".into() }.name();
    println!("{}", metrics_runtime::gather_text());
}
