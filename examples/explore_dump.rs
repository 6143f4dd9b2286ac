//! Explores a spec and prints counts and verdicts:
//! `cargo run --release --example explore_dump -- FILE [NAME=VALUE...]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: explore_dump FILE [NAME=VALUE...]");
    let overrides: Vec<_> = args
        .filter_map(|a| dsmc::front::Override::parse(&a))
        .collect();
    let source = std::fs::read_to_string(&path).expect("readable file");
    let front = dsmc::front::check_source(&source, &overrides);
    let Some(typed) = front.typed else {
        println!("front end errors: {:?}", front.diagnostics);
        return;
    };
    let model = match dsmc::model::lower(typed) {
        Ok(m) => m,
        Err(e) => {
            println!("lowering errors: {e:?}");
            return;
        }
    };
    let path_taken = match (model.packing(), model.step_cache()) {
        (Some(_), _) => "packed states, step cache",
        (None, Some(_)) => "step cache, list network",
        (None, None) => "interpreter",
    };
    println!("engine: {path_taken}");
    if model.reduction().is_some() {
        let form = match model.reduces_packed_states() {
            true => "on packed states",
            false => "on the ordinary form",
        };
        println!("symmetry reduction: {form}");
    }
    let threads = std::env::var("THREADS").ok().and_then(|t| t.parse().ok());
    let out = dsmc::explore::explore(
        &model,
        &dsmc::explore::Options {
            threads,
            max_states: None,
            ..Default::default()
        },
    )
    .expect("init");
    println!(
        "states {} transitions {} depth {} complete {} time {:?} mem {}",
        out.states, out.transitions, out.depth, out.complete, out.elapsed, out.memory_bytes
    );
    for (p, v) in model.spec.properties.iter().zip(&out.verdicts) {
        match v {
            dsmc::explore::Verdict::Violated(Some(t)) => {
                println!("{}: violated, trace of {} steps", p.name, t.steps.len());
                for (i, step) in t.steps.iter().enumerate() {
                    let d = model.describe_step(&t.states[i], step, Some(&t.states[i + 1]));
                    println!("  {:?} {} {:?}", d.node, d.action, d.changes);
                }
            }
            other => println!("{}: {:?}", p.name, other),
        }
    }
    println!(
        "deadlock: {}",
        match &out.deadlock {
            dsmc::explore::Verdict::Holds => "none".to_string(),
            dsmc::explore::Verdict::Violated(Some(t)) =>
                format!("FOUND after {} steps", t.steps.len()),
            v => format!("{v:?}"),
        }
    );
    if let Some(t) = &out.runtime_error {
        println!("runtime error: {:?}", t.failed);
    }
}
