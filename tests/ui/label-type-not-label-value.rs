use metrics_runtime::instrumented;

struct Job {
    id: u64,
}

#[instrumented(name = "run", labels(job))]
fn run(job: Job) -> u64 {
    job.id
}

fn main() {}
