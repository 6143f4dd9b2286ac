//! Runs the front end on a file and prints its diagnostics as a user sees
//! them: `cargo run --example front_check -- FILE [NAME=VALUE...]`.
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: front_check FILE [NAME=VALUE...]");
    let overrides: Vec<_> = args
        .filter_map(|a| dsmc::front::Override::parse(&a))
        .collect();
    let source = std::fs::read_to_string(&path).expect("readable file");
    let out = dsmc::front::check_source(&source, &overrides);
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    for d in out.diagnostics {
        let report =
            miette::Report::new(d).with_source_code(NamedSource::new(&path, source.clone()));
        let mut text = String::new();
        handler
            .render_report(&mut text, report.as_ref())
            .expect("render");
        println!("{text}");
    }
    println!("typed: {}", out.typed.is_some());
}
